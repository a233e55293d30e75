/* withdrawal.c - withdrawal statements: a sitting's tag and a time, signed by
 * the study key.  The central store keeps the statement beside the
 * withdrawal, and a store merged into another passes on only statements that
 * verify with the pinned study key, so nobody holding public material (a
 * bundle shows every tag in clear) can withdraw a sitting.
 * Layout: docs/FORMATS.md, "Withdrawal statements". */
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/record.h"

#define WD_MAGIC "SKWD"
#define WD_VERSION 1
#define WD_SIGNED 32 /* magic, version, reserved, tag, time */
_Static_assert(WD_SIGNED + crypto_sign_BYTES == SK_WITHDRAWAL_SIZE, "statement size");

void sk_withdrawal_sign(const sk_study_key *key, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                        uint8_t out[SK_WITHDRAWAL_SIZE])
{
    memset(out, 0, SK_WITHDRAWAL_SIZE);
    memcpy(out, WD_MAGIC, 4);
    out[4] = WD_VERSION;
    memcpy(out + 8, tag, SK_TAG_SIZE);
    sk_put_u64(out + 24, (uint64_t)time_ms);
    crypto_sign_detached(out + WD_SIGNED, NULL, out, WD_SIGNED, key->sign_sk);
}

sk_status sk_withdrawal_verify(const uint8_t *bytes, size_t len, const sk_study_pub *study,
                               uint8_t tag[SK_TAG_SIZE], int64_t *time_ms, sk_error *err)
{
    if (!study)
        return sk_error_set(err, SK_ERR_ARG, "verifying a withdrawal needs the study's public key");
    if (!bytes || len != SK_WITHDRAWAL_SIZE || memcmp(bytes, WD_MAGIC, 4) != 0)
        return sk_error_set(err, SK_ERR_FORMAT, "this is not a withdrawal statement");
    if (bytes[4] != WD_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the withdrawal statement has format version %u, which this build "
                            "cannot read",
                            bytes[4]);
    if (bytes[5] || bytes[6] || bytes[7])
        return sk_error_set(err, SK_ERR_FORMAT, "the withdrawal statement's reserved bytes are not zero");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    if (crypto_sign_verify_detached(bytes + WD_SIGNED, bytes, WD_SIGNED, study->sign_pk) != 0)
        return sk_error_set(err, SK_ERR_AUTH,
                            "the withdrawal is not signed by this study's key; it was not applied");
    if (tag)
        memcpy(tag, bytes + 8, SK_TAG_SIZE);
    if (time_ms)
        *time_ms = (int64_t)sk_get_u64(bytes + 24);
    return SK_OK;
}
