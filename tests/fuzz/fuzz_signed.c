/* fuzz_signed.c - the parsers that run only AFTER a signature or MAC has
 * verified.  The harness signs or seals the fuzzed bytes with fixed test
 * keys (fuzz_keys.h), so the fuzzer does not spend its time against the
 * cryptography but reaches what an attacker holding a key (a stolen kiosk,
 * a leaked study key) could feed the readers.
 *
 * Byte 0 picks the mode (% 4), the rest is the body:
 *   0 pack     the body is a pack without its signature: the harness writes
 *              the magic and the test study's sign_pk where the format puts
 *              them, appends the study's signature, and runs sk_pack_parse;
 *              a pack that parses has its questionnaire loaded, as a kiosk
 *              installing it would
 *   1 bundle   the body is a list of items (kind byte, u16 length, bytes),
 *              written with sk_bundle_writer_* and signed with the test
 *              device key, then read back; each item is parsed as what it
 *              claims to be (sk_pack_parse, sk_record_header_parse,
 *              sk_record_verify, sk_record_open)
 *   2 record   a record header (fz_header) and a payload sealed with
 *              sk_record_seal, then verified, opened and its payload parsed
 *              as answers JSON
 *   3 wrapped  a header and the bytes of an inner "draft" sealed with
 *              sk_record_wrap_draft: sk_record_open parses the inner record
 *              only after the outer one has been authenticated */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_keys.h"
#include "fuzz_util.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/form.h"
#include "sk/pack.h"
#include "sk/record.h"

#define PACK_SIGN_PK_AT 48

static void open_record(const uint8_t *blob, size_t len)
{
    sk_record_header h;
    sk_error err;
    if (sk_record_header_parse(blob, len, &h, &err) != SK_OK)
        return;
    (void)sk_rec_kind_name(h.kind);
    (void)sk_record_verify(blob, len, fz_device.pk, &err);
    char *payload = NULL;
    size_t plen = 0;
    if (sk_record_open(blob, len, &fz_study, &h, &payload, &plen, &err) != SK_OK)
        return;
    sk_answers a;
    sk_answers_init(&a);
    sk_answers_from_json(payload, plen, &a, &err);
    sk_answers_free(&a);
    sk_secret_free(payload, plen);
}

static void parse_pack(const uint8_t *bytes, size_t len, int load_form)
{
    sk_pack *pack = NULL;
    sk_error err;
    if (sk_pack_parse(bytes, len, &pack, &err) != SK_OK)
        return;
    if (load_form) {
        sk_form *form = NULL;
        sk_diags diags;
        sk_diags_init(&diags);
        if (sk_form_load_mem(pack->form_bytes, pack->form_len, pack->file_name, &form, &diags,
                             &err) == SK_OK)
            sk_form_free(form);
        sk_diags_free(&diags);
    }
    sk_pack_free(pack);
}

static void mode_pack(const uint8_t *body, size_t len)
{
    uint8_t *pack = malloc(len + crypto_sign_BYTES + 1);
    if (!pack)
        abort();
    memcpy(pack, body, len);
    if (len >= 4)
        memcpy(pack, "SKPK", 4);
    if (len >= PACK_SIGN_PK_AT + 32)
        memcpy(pack + PACK_SIGN_PK_AT, fz_study.pub.sign_pk, 32);
    crypto_sign_detached(pack + len, NULL, pack, len, fz_study.sign_sk);
    parse_pack(pack, len + crypto_sign_BYTES, 1);
    free(pack);
}

static void mode_bundle(const uint8_t *body, size_t len)
{
    char path[512];
    fz_path(path, sizeof path, "signed.skb");
    sk_bundle_writer *w = NULL;
    if (sk_bundle_writer_open(path, fz_device_id, "fuzz kiosk", fz_device.pk, &w, NULL) != SK_OK)
        abort(); /* fixed, valid arguments: a failure here is a bug */
    fz_cur c = {body, len};
    while (c.left > 0) {
        unsigned kind = fz_u8(&c);
        size_t n = fz_u8(&c);
        n = n << 8 | fz_u8(&c);
        const uint8_t *item;
        n = fz_take(&c, n, &item);
        if (n == 0)
            continue;
        sk_status st = (kind & 1) ? sk_bundle_writer_add_record(w, item, n, NULL)
                                  : sk_bundle_writer_add_pack(w, item, n, NULL);
        if (st != SK_OK) {
            sk_bundle_writer_abort(w);
            return;
        }
    }
    if (sk_bundle_writer_finish(w, &fz_device, NULL) != SK_OK)
        return;
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_error err;
    if (sk_bundle_reader_open(path, &r, &info, &err) != SK_OK)
        return;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t n;
    int rc;
    while ((rc = sk_bundle_reader_next(r, &kind, &data, &n, &err)) == 1) {
        if (kind == SK_ITEM_PACK)
            parse_pack(data, n, 0);
        else
            open_record(data, n);
    }
    if (rc < 0)
        sk_bundle_reader_abort(r);
    else
        sk_bundle_reader_close(r, &err);
}

static void mode_record(const uint8_t *body, size_t len, int wrapped)
{
    fz_cur c = {body, len};
    sk_record_header h;
    fz_header(&c, &h);
    uint8_t *blob = NULL;
    size_t blob_len = 0;
    sk_status st = wrapped ? sk_record_wrap_draft(&h, &fz_study.pub, &fz_device, c.p, c.left,
                                                  &blob, &blob_len, NULL)
                           : sk_record_seal(&h, &fz_study.pub, &fz_device, c.p, c.left, &blob,
                                            &blob_len, NULL);
    if (st != SK_OK)
        return;
    open_record(blob, blob_len);
    free(blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_keys_init();
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0: mode_pack(data + 1, size - 1); break;
    case 1: mode_bundle(data + 1, size - 1); break;
    case 2: mode_record(data + 1, size - 1, 0); break;
    default: mode_record(data + 1, size - 1, 1); break;
    }
    return 0;
}
