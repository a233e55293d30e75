/* test_crypto_pack.c - signed survey packs: round trip, every flipped byte,
 * every truncation, a pack re-signed by someone else, limits, and the golden
 * pack in golden/crypto/. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/answers.h"
#include "sk/pack.h"

static const char form_text[] = "| survey |\n| | type | name | label |\n| | text | q1 | Your name? |\n";

static sk_study_key *make_key(void)
{
    sk_study_key *k = sodium_malloc(sizeof *k);
    assert_non_null(k);
    crypto_box_keypair(k->pub.box_pk, k->box_sk);
    crypto_sign_keypair(k->pub.sign_pk, k->sign_sk);
    return k;
}

static char *scratch_file(const char *name)
{
    const char *base = getenv("SK_TEST_TMP");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/crypto-pack-XXXXXX", base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static const uint8_t png_bytes[] = "\x89PNG fake image";
static const char csv_bytes[] = "name,label\nnhs,NHS\n";
static uint8_t test_pin[32], test_receipt_pk[32];

/* A pack with every part: two attachments and a delivery server, so that the
 * flip and truncate tests walk every field of version 2. */
static uint8_t *write_and_read(const sk_study_key *key, size_t *len, char **path_out)
{
    char *path = scratch_file("f.pack");
    sk_error err;
    memset(test_pin, 0x5a, sizeof test_pin);
    memset(test_receipt_pk, 0xa5, sizeof test_receipt_pk);
    sk_pack_file files[2] = {{.name = "logo.png", .bytes = (uint8_t *)png_bytes, .len = sizeof png_bytes - 1},
                             {.name = "trusts.csv", .bytes = (uint8_t *)csv_bytes, .len = sizeof csv_bytes - 1}};
    sk_pack_extras x = {.attachments = files, .n_attachments = 2, .deliver_url = "https://10.0.0.5:8443",
                        .tls_pin = test_pin, .receipt_pk = test_receipt_pk};
    assert_int_equal(sk_pack_write_with(path, key, "wellbeing", "2026.1", "Wellbeing survey",
                                        "/some/dir/wellbeing.md", (const uint8_t *)form_text,
                                        sizeof form_text - 1, &x, &err),
                     SK_OK);
    uint8_t *bytes;
    assert_int_equal(sk_read_file(path, 1 << 20, &bytes, len, &err), SK_OK);
    if (path_out)
        *path_out = path;
    else
        free(path);
    return bytes;
}

static void test_round_trip(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    char *path;
    size_t len;
    uint8_t *bytes = write_and_read(key, &len, &path);
    sk_pack *p = NULL;
    sk_error err;
    assert_int_equal(sk_pack_read(path, &p, &err), SK_OK);
    assert_string_equal(p->form_id, "wellbeing");
    assert_string_equal(p->form_version, "2026.1");
    assert_string_equal(p->form_title, "Wellbeing survey");
    assert_string_equal(p->file_name, "wellbeing.md");  /* the folder is not kept */
    assert_int_equal(p->form_len, sizeof form_text - 1);
    assert_memory_equal(p->form_bytes, form_text, p->form_len);
    assert_memory_equal(&p->study, &key->pub, sizeof key->pub);
    assert_int_equal(p->version, 2);
    assert_int_equal(p->n_attachments, 2);
    assert_string_equal(p->attachments[0].name, "logo.png");
    assert_int_equal(p->attachments[0].len, sizeof png_bytes - 1);
    assert_memory_equal(p->attachments[0].bytes, png_bytes, sizeof png_bytes - 1);
    const sk_pack_file *csv = sk_pack_attachment(p, "trusts.csv");
    assert_non_null(csv);
    assert_memory_equal(csv->bytes, csv_bytes, sizeof csv_bytes - 1);
    assert_null(sk_pack_attachment(p, "TRUSTS.csv"));  /* lookup is exact */
    assert_null(sk_pack_attachment(p, "missing.png"));
    assert_string_equal(p->delivery.url, "https://10.0.0.5:8443");
    assert_memory_equal(p->delivery.tls_pin, test_pin, 32);
    assert_memory_equal(p->delivery.receipt_pk, test_receipt_pk, 32);
    int64_t now = sk_now_ms();
    assert_true(p->created_ms <= now && p->created_ms > now - 60000);
    uint8_t digest[32];
    crypto_generichash(digest, 32, bytes, len, NULL, 0);
    assert_memory_equal(p->digest, digest, 32);
    sk_pack_free(p);
    sk_pack_free(NULL);
    free(bytes);
    free(path);
    sk_study_key_free(key);
}

static void test_flip_every_byte(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    size_t len;
    uint8_t *bytes = write_and_read(key, &len, NULL);
    for (size_t i = 0; i < len; i++) {
        bytes[i] ^= 0x20;
        sk_pack *p = NULL;
        sk_error err;
        sk_status st = sk_pack_parse(bytes, len, &p, &err);
        bytes[i] ^= 0x20;
        if (st == SK_OK)
            fail_msg("pack accepted with byte %zu flipped", i);
        assert_null(p);
        assert_true(st == SK_ERR_AUTH || st == SK_ERR_FORMAT || st == SK_ERR_UNSUPPORTED);
    }
    free(bytes);
    sk_study_key_free(key);
}

static void test_truncate_every_length(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    size_t len;
    uint8_t *bytes = write_and_read(key, &len, NULL);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, bytes, cut);
        sk_pack *p = NULL;
        sk_error err;
        sk_status st = sk_pack_parse(copy, cut, &p, &err);
        assert_true(st == SK_ERR_FORMAT || st == SK_ERR_AUTH);
        assert_null(p);
        free(copy);
    }
    /* one byte too many is refused as well */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, bytes, len);
    longer[len] = 0;
    sk_pack *p = NULL;
    sk_error err;
    assert_int_equal(sk_pack_parse(longer, len + 1, &p, &err), SK_ERR_FORMAT);
    free(longer);
    free(bytes);
    sk_study_key_free(key);
}

/* Someone swaps in their own keys and signs: the pack then names their study,
 * which is what the kiosk compares; and re-signing without changing the keys fails. */
static void test_signer_must_be_sign_pk(void **state)
{
    (void)state;
    sk_study_key *key = make_key(), *mallory = make_key();
    size_t len;
    uint8_t *bytes = write_and_read(key, &len, NULL);
    /* signed by mallory, still claiming the real study's keys */
    crypto_sign_detached(bytes + len - 64, NULL, bytes, len - 64, mallory->sign_sk);
    sk_pack *p = NULL;
    sk_error err;
    assert_int_equal(sk_pack_parse(bytes, len, &p, &err), SK_ERR_AUTH);
    assert_non_null(strstr(err.message, "signature"));
    assert_null(p);
    free(bytes);
    sk_study_key_free(key);
    sk_study_key_free(mallory);
}

static void test_limits_and_version(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    char *path = scratch_file("x.pack");
    sk_error err;
    char long_id[80];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(sk_pack_write(path, key, long_id, "1", "t", "f.md", (const uint8_t *)"x", 1, &err), SK_ERR_ARG);
    assert_int_equal(sk_pack_write(path, key, "", "1", "t", "f.md", (const uint8_t *)"x", 1, &err), SK_ERR_ARG);
    assert_int_equal(sk_pack_write(path, key, "id", "1", "t", "..", (const uint8_t *)"x", 1, &err), SK_ERR_ARG);
    size_t len;
    uint8_t *bytes = write_and_read(key, &len, NULL);
    bytes[4] = 3;
    sk_pack *p = NULL;
    assert_int_equal(sk_pack_parse(bytes, len, &p, &err), SK_ERR_UNSUPPORTED);
    assert_int_equal(sk_pack_parse((const uint8_t *)"PK\x03\x04", 4, &p, &err), SK_ERR_FORMAT);
    char *missing = scratch_file("missing.pack");
    assert_int_equal(sk_pack_read(missing, &p, &err), SK_ERR_NOTFOUND);
    assert_string_equal(err.file, missing);
    free(missing);
    free(bytes);
    free(path);
    sk_study_key_free(key);
}

/* What the writer refuses, and what the reader refuses even when signed. */
static void test_attachment_and_delivery_rules(void **state)
{
    (void)state;
    sk_study_key *key = make_key();
    char *path = scratch_file("r.pack");
    sk_error err;
    uint8_t pin[32] = {1}, rk[32] = {2};
    const uint8_t *x = (const uint8_t *)"x";
    struct {
        const char *a, *b, *url;
        bool with_keys;
        const char *why;
    } bad[] = {
        {"a.png", "A.PNG", NULL, false, "same name"},
        {"a.png", "a.png", NULL, false, "same name"},
        {"dir/a.png", NULL, NULL, false, "plain name"},
        {"..", NULL, NULL, false, "plain name"},
        {"", NULL, NULL, false, "plain name"},
        {"a\nb.png", NULL, NULL, false, "plain name"},
        {NULL, NULL, "https://h:1", false, "pin"},
        {NULL, NULL, "https://h:1\r\nX: y", true, "control"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sk_pack_file f[2] = {{.name = (char *)bad[i].a, .bytes = (uint8_t *)x, .len = 1},
                             {.name = (char *)bad[i].b, .bytes = (uint8_t *)x, .len = 1}};
        sk_pack_extras e = {.attachments = f, .n_attachments = bad[i].b ? 2 : bad[i].a ? 1 : 0,
                            .deliver_url = bad[i].url, .tls_pin = bad[i].with_keys ? pin : NULL,
                            .receipt_pk = bad[i].with_keys ? rk : NULL};
        assert_int_equal(sk_pack_write_with(path, key, "id", "1", "t", "f.md", x, 1, &e, &err), SK_ERR_ARG);
        if (!strstr(err.message, bad[i].why))
            fail_msg("case %zu: '%s' does not say '%s'", i, err.message, bad[i].why);
    }
    sk_pack_file many[SK_PACK_ATTACHMENTS_MAX + 1];
    char names[SK_PACK_ATTACHMENTS_MAX + 1][16];
    for (int i = 0; i <= SK_PACK_ATTACHMENTS_MAX; i++) {
        snprintf(names[i], sizeof names[i], "f%d.csv", i);
        many[i] = (sk_pack_file){.name = names[i], .bytes = (uint8_t *)x, .len = 1};
    }
    sk_pack_extras e = {.attachments = many, .n_attachments = SK_PACK_ATTACHMENTS_MAX + 1};
    assert_int_equal(sk_pack_write_with(path, key, "id", "1", "t", "f.md", x, 1, &e, &err), SK_ERR_ARG);
    e.n_attachments = SK_PACK_ATTACHMENTS_MAX;  /* the most allowed */
    assert_int_equal(sk_pack_write_with(path, key, "id", "1", "t", "f.md", x, 1, &e, &err), SK_OK);
    sk_pack *p = NULL;
    assert_int_equal(sk_pack_read(path, &p, &err), SK_OK);
    assert_int_equal(p->n_attachments, SK_PACK_ATTACHMENTS_MAX);
    assert_null(p->delivery.url);
    sk_pack_free(p);

    /* No URL but a non-zero pin, correctly signed: refused (one spelling per pack). */
    assert_int_equal(sk_pack_write_with(path, key, "id", "1", "t", "f.md", x, 1, NULL, &err), SK_OK);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(sk_read_file(path, 1 << 20, &bytes, &len, &err), SK_OK);
    size_t pin_at = len - 64 - 64;  /* pin, receipt key, signature end the file */
    bytes[pin_at] = 1;
    crypto_sign_detached(bytes + len - 64, NULL, bytes, len - 64, key->sign_sk);
    p = NULL;
    assert_int_equal(sk_pack_parse(bytes, len, &p, &err), SK_ERR_FORMAT);
    assert_null(p);
    free(bytes);
    free(path);
    sk_study_key_free(key);
}

/* A version 1 pack (made before attachments) still reads: kiosks hold them. */
static void test_golden_pack_v1(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/pack_v1.bin", SK_TEST_GOLDEN);
    sk_pack *p = NULL;
    sk_error err;
    assert_int_equal(sk_pack_read(path, &p, &err), SK_OK);
    assert_int_equal(p->version, 1);
    assert_string_equal(p->form_id, "golden_basic");
    assert_int_equal(p->form_len, sizeof form_text - 1);
    assert_memory_equal(p->form_bytes, form_text, p->form_len);
    assert_int_equal(p->n_attachments, 0);
    assert_null(p->attachments);
    assert_null(p->delivery.url);
    sk_pack_free(p);
}

static void test_golden_pack(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/pack.bin", SK_TEST_GOLDEN);
    sk_pack *p = NULL;
    sk_error err;
    assert_int_equal(sk_pack_read(path, &p, &err), SK_OK);
    assert_string_equal(p->form_id, "golden_basic");
    assert_string_equal(p->form_version, "2026.1");
    assert_string_equal(p->form_title, "Golden pack");
    assert_string_equal(p->file_name, "golden.md");
    assert_int_equal(p->form_len, sizeof form_text - 1);
    assert_memory_equal(p->form_bytes, form_text, p->form_len);
    assert_int_equal(p->version, 2);
    assert_int_equal(p->n_attachments, 1);
    assert_string_equal(p->attachments[0].name, "logo.png");
    assert_int_equal(p->attachments[0].len, 17);
    assert_memory_equal(p->attachments[0].bytes, "GOLDEN-LOGO-BYTES", 17);
    assert_string_equal(p->delivery.url, "https://kiosk-server.example:8443");
    uint8_t pin[32], rk_pk[32], rk_sk[64], seed[32];
    memset(pin, 0x11, sizeof pin);
    memset(seed, 0x33, sizeof seed);
    crypto_sign_seed_keypair(rk_pk, rk_sk, seed);
    assert_memory_equal(p->delivery.tls_pin, pin, 32);
    assert_memory_equal(p->delivery.receipt_pk, rk_pk, 32);
    sk_study_pub pub;
    snprintf(path, sizeof path, "%s/crypto/study.pub", SK_TEST_GOLDEN);
    assert_int_equal(sk_study_pub_load(path, &pub, &err), SK_OK);
    assert_memory_equal(&p->study, &pub, sizeof pub);
    sk_pack_free(p);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_truncate_every_length), cmocka_unit_test(test_signer_must_be_sign_pk),
        cmocka_unit_test(test_limits_and_version),   cmocka_unit_test(test_golden_pack),
        cmocka_unit_test(test_attachment_and_delivery_rules), cmocka_unit_test(test_golden_pack_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
