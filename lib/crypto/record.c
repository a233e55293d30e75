/* record.c - sealed records: a clear header, a fresh payload key sealed to
 * the study's X25519 key (crypto_box_seal), the payload encrypted with
 * XChaCha20-Poly1305 whose associated data is every byte before the
 * ciphertext, and the writing device's Ed25519 signature over everything
 * before it.  Layout: docs/FORMATS.md, "Sealed records". */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/record.h"
#include "sk/text.h"

#define REC_MAGIC "SKRC"
#define REC_VERSION 2
#define REC_FLAG_WRAPPED_DRAFT 0x01
#define SEALED_KEY_SIZE (crypto_box_SEALBYTES + crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
#define NONCE_SIZE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define MAC_SIZE crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SIG_SIZE crypto_sign_BYTES
_Static_assert(sizeof(((sk_draft_key *)0)->sealed) == SEALED_KEY_SIZE, "sk_draft_key.sealed size");
_Static_assert(sizeof(((sk_draft_key *)0)->key) == crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
               "sk_draft_key.key size");
/* The largest payload a record may carry (answers JSON, or a wrapped draft). */
#define REC_PAYLOAD_MAX (32u << 20)

const char *sk_rec_kind_name(int kind)
{
    switch (kind) {
    case SK_REC_CONSENT: return "consent";
    case SK_REC_RESPONSE: return "response";
    case SK_REC_INCOMPLETE: return "incomplete";
    case SK_REC_DECLINED: return "declined";
    case SK_REC_DRAFT: return "draft";
    default: return "unknown";
    }
}

/* The clear part: everything up to and including the withdrawal tag. */
static void put_header(sk_obuf *b, const sk_record_header *h, uint8_t flags)
{
    sk_obuf_put(b, REC_MAGIC, 4);
    sk_obuf_u8(b, REC_VERSION);
    sk_obuf_u8(b, h->kind);
    sk_obuf_u8(b, flags);
    sk_obuf_u8(b, 0);
    sk_obuf_put(b, h->record_id, SK_RECORD_ID_SIZE);
    sk_obuf_put(b, h->device_id, SK_DEVICE_ID_SIZE);
    sk_obuf_u64(b, h->seq);
    size_t id_len = strlen(h->form_id), ver_len = strlen(h->form_version);
    sk_obuf_u8(b, (uint8_t)id_len);
    sk_obuf_put(b, h->form_id, id_len);
    sk_obuf_u8(b, (uint8_t)ver_len);
    sk_obuf_put(b, h->form_version, ver_len);
    sk_obuf_put(b, h->withdraw_tag, SK_TAG_SIZE);
}

/* Seal under a fresh key (reuse NULL) or under a sitting's draft key (reuse). */
static sk_status seal(const sk_record_header *h, uint8_t flags, const sk_study_pub *study,
                      const sk_draft_key *reuse, const sk_device_key *device, const void *payload,
                      size_t len, uint8_t **out, size_t *out_len, sk_error *err)
{
    if (!h || (!study && !reuse) || !device || !out || !out_len || (!payload && len))
        return sk_error_set(err, SK_ERR_ARG,
                            "record sealing needs a header, a study key, a device key and a payload");
    if (h->kind < SK_REC_CONSENT || h->kind > SK_REC_DRAFT)
        return sk_error_set(err, SK_ERR_ARG, "record kind %u is not one of consent, response, "
                                             "incomplete, declined or draft", h->kind);
    if (strnlen(h->form_id, SK_FORM_ID_MAX + 1) > SK_FORM_ID_MAX ||
        strnlen(h->form_version, SK_FORM_VERSION_MAX + 1) > SK_FORM_VERSION_MAX)
        return sk_error_set(err, SK_ERR_ARG, "the form id or version is too long for a record header");
    if (len > REC_PAYLOAD_MAX)
        return sk_error_set(err, SK_ERR_ARG, "the record payload is %zu bytes, more than the %u allowed",
                            len, REC_PAYLOAD_MAX);
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    uint8_t own_id[SK_DEVICE_ID_SIZE];
    sk_device_id(device->pk, own_id);
    if (memcmp(own_id, h->device_id, SK_DEVICE_ID_SIZE) != 0)
        return sk_error_set(err, SK_ERR_ARG,
                            "the record header names another device than the key that signs it");

    sk_obuf b = {0};
    put_header(&b, h, flags);
    /* The per-record key lives for microseconds: on the stack and wiped, as
     * libsodium advises; sodium_malloc's guard pages cost three system calls
     * per answer saved (bench_kstore). */
    uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    uint8_t sealed[SEALED_KEY_SIZE], nonce[NONCE_SIZE];
    if (reuse) {
        memcpy(k, reuse->key, sizeof k);
        memcpy(sealed, reuse->sealed, sizeof sealed);
    } else {
        crypto_aead_xchacha20poly1305_ietf_keygen(k);
        crypto_box_seal(sealed, k, crypto_aead_xchacha20poly1305_ietf_KEYBYTES, study->box_pk);
    }
    randombytes_buf(nonce, sizeof nonce);
    sk_obuf_put(&b, sealed, sizeof sealed);
    sk_obuf_put(&b, nonce, sizeof nonce);
    size_t ad_len = b.len;
    /* reserve the ciphertext and signature, then encrypt in place after the
     * associated data and sign everything before the signature */
    size_t total = ad_len + len + MAC_SIZE + SIG_SIZE;
    uint8_t *blob = b.failed ? NULL : malloc(total);
    if (!blob) {
        sodium_memzero(k, sizeof k);
        sk_obuf_wipe(&b);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    }
    memcpy(blob, b.data, ad_len);
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + ad_len, NULL, payload, len, blob, ad_len, NULL,
                                               nonce, k);
    sodium_memzero(k, sizeof k);
    crypto_sign_detached(blob + total - SIG_SIZE, NULL, blob, total - SIG_SIZE, device->sk);
    sk_obuf_wipe(&b);
    *out = blob;
    *out_len = total;
    return SK_OK;
}

sk_status sk_record_seal(const sk_record_header *h, const sk_study_pub *study,
                         const sk_device_key *device, const void *payload, size_t len,
                         uint8_t **out, size_t *out_len, sk_error *err)
{
    return seal(h, 0, study, NULL, device, payload, len, out, out_len, err);
}

sk_status sk_draft_key_new(const sk_study_pub *study, sk_draft_key **out, sk_error *err)
{
    if (!study || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_draft_key_new: NULL argument");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    sk_draft_key *dk = sodium_malloc(sizeof *dk);
    if (!dk)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    crypto_aead_xchacha20poly1305_ietf_keygen(dk->key);
    crypto_box_seal(dk->sealed, dk->key, sizeof dk->key, study->box_pk);
    *out = dk;
    return SK_OK;
}

void sk_draft_key_free(sk_draft_key *dk)
{
    if (dk)
        sodium_free(dk); /* wipes */
}

sk_status sk_record_seal_draft(const sk_record_header *h, const sk_draft_key *dk,
                               const sk_device_key *device, const void *payload, size_t len,
                               uint8_t **out, size_t *out_len, sk_error *err)
{
    if (!dk || !h || h->kind != SK_REC_DRAFT)
        return sk_error_set(err, SK_ERR_ARG, "sk_record_seal_draft seals DRAFT records only");
    return seal(h, 0, NULL, dk, device, payload, len, out, out_len, err);
}

/* Parse the clear part; *ad_len = bytes before the ciphertext.  The
 * ciphertext runs from there to the signature (the last SIG_SIZE bytes). */
static sk_status parse(const uint8_t *blob, size_t len, sk_record_header *out, uint8_t *flags,
                       size_t *ad_len, sk_error *err)
{
    sk_cursor c = {blob, len};
    const uint8_t *p;
    uint8_t version, kind, fl, reserved;
    sk_record_header h;
    memset(&h, 0, sizeof h);
    if (!blob || !sk_take(&c, 4, &p) || memcmp(p, REC_MAGIC, 4) != 0 || !sk_take_u8(&c, &version))
        return sk_error_set(err, SK_ERR_FORMAT, "this is not a sealed record (bad magic or truncated)");
    if (version > REC_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the record has format version %u, which this build cannot read; update it",
                            version);
    if (version != REC_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the record has format version %u, made by an older survey-kiosk "
                            "before records were signed; it cannot be merged",
                            version);
    const uint8_t *rid, *dev, *tag;
    if (!sk_take_u8(&c, &kind) || !sk_take_u8(&c, &fl) || !sk_take_u8(&c, &reserved) ||
        !sk_take(&c, SK_RECORD_ID_SIZE, &rid) || !sk_take(&c, SK_DEVICE_ID_SIZE, &dev) ||
        !sk_take_u64(&c, &h.seq) || !sk_take_str8(&c, h.form_id, SK_FORM_ID_MAX) ||
        !sk_take_str8(&c, h.form_version, SK_FORM_VERSION_MAX) || !sk_take(&c, SK_TAG_SIZE, &tag) ||
        !sk_take(&c, SEALED_KEY_SIZE + NONCE_SIZE, &p) || c.left < MAC_SIZE + SIG_SIZE)
        return sk_error_set(err, SK_ERR_FORMAT, "the record is truncated or its header is malformed");
    if (kind < SK_REC_CONSENT || kind > SK_REC_DRAFT || reserved != 0 ||
        (fl & ~REC_FLAG_WRAPPED_DRAFT) != 0 || (fl && kind != SK_REC_INCOMPLETE))
        return sk_error_set(err, SK_ERR_FORMAT, "the record header has an unknown kind or flags");
    if (!sk_utf8_valid(h.form_id, strlen(h.form_id)) ||
        !sk_utf8_valid(h.form_version, strlen(h.form_version)))
        return sk_error_set(err, SK_ERR_FORMAT,
                            "the record header's form id or version is not valid UTF-8");
    h.version = version;
    h.kind = kind;
    memcpy(h.record_id, rid, SK_RECORD_ID_SIZE);
    memcpy(h.device_id, dev, SK_DEVICE_ID_SIZE);
    memcpy(h.withdraw_tag, tag, SK_TAG_SIZE);
    *out = h;
    *flags = fl;
    *ad_len = len - c.left;
    return SK_OK;
}

sk_status sk_record_header_parse(const uint8_t *blob, size_t len, sk_record_header *out, sk_error *err)
{
    uint8_t flags;
    size_t ad_len;
    if (!out)
        return sk_error_set(err, SK_ERR_ARG, "no header to fill");
    return parse(blob, len, out, &flags, &ad_len, err);
}

sk_status sk_record_wrap_draft(const sk_record_header *h, const sk_study_pub *study,
                               const sk_device_key *device, const uint8_t *draft,
                               size_t draft_len, uint8_t **out, size_t *out_len, sk_error *err)
{
    sk_record_header inner;
    if (!h || h->kind != SK_REC_INCOMPLETE)
        return sk_error_set(err, SK_ERR_ARG, "a wrapped draft must be an incomplete record");
    sk_status st = sk_record_header_parse(draft, draft_len, &inner, err);
    if (st != SK_OK)
        return st;
    if (inner.kind != SK_REC_DRAFT)
        return sk_error_set(err, SK_ERR_ARG, "only a draft record can be wrapped, not a %s record",
                            sk_rec_kind_name(inner.kind));
    return seal(h, REC_FLAG_WRAPPED_DRAFT, study, NULL, device, draft, draft_len, out, out_len,
                err);
}

/* Decrypt one record into a malloc'd NUL-terminated plaintext. */
static sk_status decrypt(const uint8_t *blob, size_t len, size_t ad_len, const sk_study_key *key,
                         uint8_t **plain, size_t *plain_len, sk_error *err)
{
    const uint8_t *sealed = blob + ad_len - SEALED_KEY_SIZE - NONCE_SIZE;
    const uint8_t *nonce = blob + ad_len - NONCE_SIZE;
    size_t ct_len = len - SIG_SIZE - ad_len; /* parse() checked ct_len >= MAC_SIZE */
    size_t n = ct_len - MAC_SIZE;
    uint8_t k[crypto_aead_xchacha20poly1305_ietf_KEYBYTES]; /* wiped below */
    uint8_t *p = malloc(n + 1);
    if (!p)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    sk_status st = SK_OK;
    if (crypto_box_seal_open(k, sealed, SEALED_KEY_SIZE, key->pub.box_pk, key->box_sk) != 0 ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(p, NULL, NULL, blob + ad_len, ct_len, blob, ad_len,
                                                   nonce, k) != 0)
        st = sk_error_set(err, SK_ERR_AUTH,
                          "the record does not open with this study key: it was sealed to another "
                          "study or altered");
    sodium_memzero(k, sizeof k);
    if (st != SK_OK) {
        sk_secret_free(p, n + 1);
        return st;
    }
    p[n] = '\0';
    *plain = p;
    *plain_len = n;
    return SK_OK;
}

sk_status sk_record_verify(const uint8_t *blob, size_t len, const uint8_t device_pk[32],
                           sk_error *err)
{
    if (!device_pk)
        return sk_error_set(err, SK_ERR_ARG, "verifying a record needs its device's public key");
    sk_record_header h;
    uint8_t flags;
    size_t ad_len;
    sk_status st = parse(blob, len, &h, &flags, &ad_len, err);
    if (st != SK_OK)
        return st;
    st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    uint8_t id[SK_DEVICE_ID_SIZE];
    sk_device_id(device_pk, id);
    if (memcmp(id, h.device_id, SK_DEVICE_ID_SIZE) != 0)
        return sk_error_set(err, SK_ERR_MISMATCH,
                            "the record names another device than the key it is checked with");
    if (crypto_sign_verify_detached(blob + len - SIG_SIZE, blob, len - SIG_SIZE, device_pk) != 0)
        return sk_error_set(err, SK_ERR_AUTH,
                            "the record's device signature does not verify: it was altered or "
                            "was not written by that kiosk");
    return SK_OK;
}

sk_status sk_record_open(const uint8_t *blob, size_t len, const sk_study_key *key,
                         sk_record_header *hdr, char **payload, size_t *payload_len,
                         sk_error *err)
{
    if (!key || !payload || !payload_len)
        return sk_error_set(err, SK_ERR_ARG, "opening a record needs the study key and somewhere to put it");
    sk_record_header h, inner;
    uint8_t flags, inner_flags;
    size_t ad_len, inner_ad;
    sk_status st = parse(blob, len, &h, &flags, &ad_len, err);
    uint8_t *plain = NULL, *draft_plain = NULL;
    size_t plain_len = 0, draft_len = 0;
    if (st == SK_OK)
        st = decrypt(blob, len, ad_len, key, &plain, &plain_len, err);
    if (st != SK_OK)
        return st;
    if (flags & REC_FLAG_WRAPPED_DRAFT) {
        /* The payload is a whole draft record, sealed by the kiosk to the same study. */
        st = parse(plain, plain_len, &inner, &inner_flags, &inner_ad, err);
        if (st == SK_OK && (inner.kind != SK_REC_DRAFT || inner_flags))
            st = sk_error_set(err, SK_ERR_FORMAT, "the wrapped record inside this incomplete record is not a draft");
        if (st == SK_OK)
            st = decrypt(plain, plain_len, inner_ad, key, &draft_plain, &draft_len, err);
        sk_secret_free(plain, plain_len + 1);
        if (st != SK_OK)
            return st;
        plain = draft_plain;
        plain_len = draft_len;
    }
    if (hdr)
        *hdr = h;
    *payload = (char *)plain;
    *payload_len = plain_len;
    return SK_OK;
}
