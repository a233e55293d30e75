/* test_crypto_bundle.c - signed bundles: round trip with several packs and
 * records, every flipped byte and every truncation refused by open, next or
 * close, a file changed between the two passes, device id / key checks, the
 * golden bundle.  With SK_GOLDEN_WRITE=1 it instead (re)makes every file in
 * golden/crypto/ (run once; the files are then committed and must not change). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/pack.h"

static const char form_text[] = "| survey |\n| | type | name | label |\n| | text | q1 | Your name? |\n";

typedef struct blob {
    uint8_t *data;
    size_t len;
} blob;

/* Test scratch writes: plain and quick (no fsync); the code under test is what is durable. */
static void put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *scratch_dir(void)
{
    const char *base = getenv("SK_TEST_TMP");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/crypto-bundle-XXXXXX", base ? base : "/tmp");
    char *dir = mkdtemp(strdup(tmpl));
    assert_non_null(dir);
    return dir;
}

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static sk_study_key *make_study(void)
{
    sk_study_key *k = sodium_malloc(sizeof *k);
    crypto_box_keypair(k->pub.box_pk, k->box_sk);
    crypto_sign_keypair(k->pub.sign_pk, k->sign_sk);
    return k;
}

static void device_from_seed(uint8_t fill, sk_device_key *dk, uint8_t id[SK_DEVICE_ID_SIZE])
{
    uint8_t seed[32];
    memset(seed, fill, sizeof seed);
    crypto_sign_seed_keypair(dk->pk, dk->sk, seed);
    sk_device_id(dk->pk, id);
}

static blob make_record(const sk_study_key *study, const sk_device_key *dk, int kind, uint64_t seq,
                        const char *payload)
{
    uint8_t id[SK_DEVICE_ID_SIZE];
    sk_device_id(dk->pk, id);
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = (uint8_t)kind;
    randombytes_buf(h.record_id, sizeof h.record_id);
    memcpy(h.device_id, id, SK_DEVICE_ID_SIZE);
    h.seq = seq;
    strcpy(h.form_id, "golden_basic");
    strcpy(h.form_version, "2026.1");
    blob b;
    sk_error err;
    assert_int_equal(sk_record_seal(&h, &study->pub, dk, payload, strlen(payload), &b.data, &b.len, &err), SK_OK);
    return b;
}

static blob make_pack(const char *dir, const sk_study_key *study, const char *version)
{
    char *path = join(dir, "p.pack");
    sk_error err;
    assert_int_equal(sk_pack_write(path, study, "golden_basic", version, "Golden pack", "golden.md",
                                   (const uint8_t *)form_text, sizeof form_text - 1, &err),
                     SK_OK);
    blob b;
    assert_int_equal(sk_read_file(path, 1 << 20, &b.data, &b.len, &err), SK_OK);
    remove(path);
    free(path);
    return b;
}

/* items[i] with kinds[i]: write them into path. */
static void write_bundle(const char *path, const sk_device_key *dk, const uint8_t id[SK_DEVICE_ID_SIZE],
                         const blob *items, const int *kinds, size_t n)
{
    sk_bundle_writer *w = NULL;
    sk_error err;
    assert_int_equal(sk_bundle_writer_open(path, id, "front desk", dk->pk, &w, &err), SK_OK);
    for (size_t i = 0; i < n; i++) {
        sk_status st = kinds[i] == SK_ITEM_PACK ? sk_bundle_writer_add_pack(w, items[i].data, items[i].len, &err)
                                                : sk_bundle_writer_add_record(w, items[i].data, items[i].len, &err);
        assert_int_equal(st, SK_OK);
    }
    assert_int_equal(sk_bundle_writer_finish(w, dk, &err), SK_OK);
}

/* Read path the way a caller must: everything counts only when close says ok.
 * Returns the status; on SK_OK, *got holds copies of the items. */
static sk_status read_bundle(const char *path, sk_bundle_info *info, blob *got, int *kinds, size_t max, size_t *n)
{
    sk_bundle_reader *r = NULL;
    sk_error err;
    *n = 0;
    sk_status st = sk_bundle_reader_open(path, &r, info, &err);
    if (st != SK_OK)
        return st;
    *n = 0;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int more;
    while ((more = sk_bundle_reader_next(r, &kind, &data, &len, &err)) == 1) {
        if (*n < max) {
            got[*n].data = malloc(len);
            memcpy(got[*n].data, data, len);
            got[*n].len = len;
            kinds[*n] = (int)kind;
        }
        (*n)++;
    }
    if (more < 0) {
        sk_bundle_reader_abort(r);
        st = err.status;
    } else {
        st = sk_bundle_reader_close(r, &err);
    }
    if (st != SK_OK) {
        for (size_t i = 0; i < *n && i < max; i++)
            free(got[i].data);
        *n = 0;
    }
    return st;
}

static void test_round_trip(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    sk_study_key *study = make_study();
    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(7, &dk, id);
    blob items[6] = {
        make_pack(dir, study, "1"),
        make_record(study, &dk, SK_REC_CONSENT, 1, "{\"consent\":\"yes\"}"),
        make_record(study, &dk, SK_REC_RESPONSE, 2, "{\"q1\":\"Ada\"}"),
        make_pack(dir, study, "2"),
        make_record(study, &dk, SK_REC_DECLINED, 3, "{}"),
        make_record(study, &dk, SK_REC_INCOMPLETE, 4, "{\"q1\":\"half\"}"),
    };
    int kinds[6] = {SK_ITEM_PACK, SK_ITEM_RECORD, SK_ITEM_RECORD, SK_ITEM_PACK, SK_ITEM_RECORD, SK_ITEM_RECORD};
    char name[128];
    sk_bundle_file_name(id, 1, 4, 1700000000123, name, sizeof name);
    char hex[17];
    sk_hex(id, 8, hex);
    char want[128];
    snprintf(want, sizeof want, "skb-%s-1-4-1700000000123.skb", hex);
    assert_string_equal(name, want);
    char *path = join(dir, name);
    write_bundle(path, &dk, id, items, kinds, 6);

    sk_bundle_info info;
    blob got[8];
    int got_kinds[8];
    size_t n = 0;
    assert_int_equal(read_bundle(path, &info, got, got_kinds, 8, &n), SK_OK);
    assert_int_equal(n, 6);
    assert_memory_equal(info.device_id, id, 8);
    assert_memory_equal(info.device_pk, dk.pk, 32);
    assert_string_equal(info.device_label, "front desk");
    assert_int_equal(info.n_records, 4);
    assert_int_equal(info.n_packs, 2);
    assert_true(info.created_ms > sk_now_ms() - 60000);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(got_kinds[i], kinds[i]);
        assert_int_equal(got[i].len, items[i].len);
        assert_memory_equal(got[i].data, items[i].data, items[i].len);
        free(got[i].data);
    }
    /* the records inside open with the study key */
    char *payload;
    size_t plen;
    sk_error err;
    assert_int_equal(sk_record_open(items[2].data, items[2].len, study, NULL, &payload, &plen, &err), SK_OK);
    assert_string_equal(payload, "{\"q1\":\"Ada\"}");
    sk_secret_free(payload, plen);
    /* close without reading the items still checks everything */
    sk_bundle_reader *r;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_OK);
    assert_int_equal(sk_bundle_reader_close(r, &err), SK_OK);
    /* only the bundle is left in the folder: no temporary files */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    for (size_t i = 0; i < 6; i++)
        free(items[i].data);
    free(path);
    free(dir);
    sk_study_key_free(study);
}

/* Every single flipped byte and every truncation: refused by open, next or
 * close, and read_bundle keeps nothing. */
static void test_tamper_every_byte_and_length(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    sk_study_key *study = make_study();
    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(9, &dk, id);
    blob items[2] = {make_record(study, &dk, SK_REC_RESPONSE, 1, "{\"q\":1}"),
                     make_record(study, &dk, SK_REC_CONSENT, 2, "{\"c\":1}")};
    int kinds[2] = {SK_ITEM_RECORD, SK_ITEM_RECORD};
    char *path = join(dir, "good.skb"), *bad = join(dir, "bad.skb");
    write_bundle(path, &dk, id, items, kinds, 2);
    blob good;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &good.data, &good.len, &err), SK_OK);
    sk_bundle_info info;
    blob got[4];
    int got_kinds[4];
    size_t n;
    for (size_t i = 0; i < good.len; i++) {
        good.data[i] ^= 0x04;
        put_file(bad, good.data, good.len);
        good.data[i] ^= 0x04;
        sk_status st = read_bundle(bad, &info, got, got_kinds, 4, &n);
        if (st == SK_OK)
            fail_msg("bundle accepted with byte %zu of %zu flipped", i, good.len);
        assert_int_equal(n, 0);
    }
    for (size_t cut = 0; cut < good.len; cut++) {
        put_file(bad, good.data, cut);
        sk_status st = read_bundle(bad, &info, got, got_kinds, 4, &n);
        assert_true(st == SK_ERR_FORMAT || st == SK_ERR_AUTH);
    }
    /* an extra byte at the end is refused too */
    uint8_t *longer = malloc(good.len + 1);
    memcpy(longer, good.data, good.len);
    longer[good.len] = 0;
    put_file(bad, longer, good.len + 1);
    assert_int_not_equal(read_bundle(bad, &info, got, got_kinds, 4, &n), SK_OK);
    free(longer);
    free(good.data);
    for (int i = 0; i < 2; i++)
        free(items[i].data);
    free(path);
    free(bad);
    free(dir);
    sk_study_key_free(study);
}

/* The file is swapped after pass 1: the streamed items are then not the
 * authenticated ones, and close refuses. */
static void test_changed_between_passes(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    sk_study_key *study = make_study();
    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(11, &dk, id);
    /* large enough that the byte changed is not already in the reader's buffer */
    char *big = malloc(200001);
    memset(big, 'a', 200000);
    big[200000] = '\0';
    blob items[1] = {make_record(study, &dk, SK_REC_RESPONSE, 1, big)};
    free(big);
    int kinds[1] = {SK_ITEM_RECORD};
    char *path = join(dir, "b.skb");
    write_bundle(path, &dk, id, items, kinds, 1);
    sk_bundle_reader *r;
    sk_bundle_info info;
    sk_error err;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_OK);
    /* overwrite one byte inside the record, in place (same inode) */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 150000, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 150000, SEEK_SET);
    fputc(c ^ 0xFF, f);
    fclose(f);
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    while (sk_bundle_reader_next(r, &kind, &data, &len, &err) == 1)
        ;
    assert_int_equal(sk_bundle_reader_close(r, &err), SK_ERR_AUTH);
    free(items[0].data);
    free(path);
    free(dir);
    sk_study_key_free(study);
}

static void test_writer_checks(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    char *path = join(dir, "w.skb");
    sk_device_key dk, other;
    uint8_t id[SK_DEVICE_ID_SIZE], other_id[SK_DEVICE_ID_SIZE];
    device_from_seed(1, &dk, id);
    device_from_seed(2, &other, other_id);
    sk_bundle_writer *w = NULL;
    sk_error err;
    /* an id that is not the key's */
    assert_int_equal(sk_bundle_writer_open(path, other_id, "x", dk.pk, &w, &err), SK_ERR_ARG);
    assert_null(w);
    char long_label[SK_LABEL_MAX + 2];
    memset(long_label, 'l', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = '\0';
    assert_int_equal(sk_bundle_writer_open(path, id, long_label, dk.pk, &w, &err), SK_ERR_ARG);
    /* not a record */
    assert_int_equal(sk_bundle_writer_open(path, id, "x", dk.pk, &w, &err), SK_OK);
    assert_int_equal(sk_bundle_writer_add_record(w, (const uint8_t *)"junk", 4, &err), SK_ERR_ARG);
    /* signed with another key: refused, nothing left */
    assert_int_equal(sk_bundle_writer_finish(w, &other, &err), SK_ERR_MISMATCH);
    assert_int_equal(sk_bundle_writer_open(path, id, "x", dk.pk, &w, &err), SK_OK);
    sk_bundle_writer_abort(w);
    sk_bundle_writer_abort(NULL);
    sk_bundle_reader_abort(NULL);
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 0);
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_ERR_NOTFOUND);
    assert_string_equal(err.file, path);
    free(path);
    free(dir);
}

/* A bundle whose device id is not derived from its key, though correctly
 * signed by that key, is refused: an id cannot be borrowed. */
static void test_forged_device_id(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    sk_device_key dk, victim;
    uint8_t id[SK_DEVICE_ID_SIZE], victim_id[SK_DEVICE_ID_SIZE];
    device_from_seed(3, &dk, id);
    device_from_seed(4, &victim, victim_id);
    char *path = join(dir, "f.skb");
    sk_bundle_writer *w = NULL;
    sk_error err;
    /* the writer refuses the victim's id, so forge by hand: correctly signed by dk */
    assert_int_equal(sk_bundle_writer_open(path, victim_id, "x", dk.pk, &w, &err), SK_ERR_ARG);
    assert_int_equal(sk_bundle_writer_open(path, id, "x", dk.pk, &w, &err), SK_OK);
    assert_int_equal(sk_bundle_writer_finish(w, &dk, &err), SK_OK);
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_OK);  /* as written: fine */
    assert_int_equal(sk_bundle_reader_close(r, &err), SK_OK);
    uint8_t *bytes;
    size_t len;
    assert_int_equal(sk_read_file(path, 1 << 20, &bytes, &len, &err), SK_OK);
    memcpy(bytes + 8, victim_id, SK_DEVICE_ID_SIZE);
    uint8_t h[64];
    crypto_generichash(h, sizeof h, bytes, len - 64, NULL, 0);
    crypto_sign_detached(bytes + len - 64, NULL, h, sizeof h, dk.sk);
    put_file(path, bytes, len);
    r = NULL;
    assert_int_equal(sk_bundle_reader_open(path, &r, &info, &err), SK_ERR_AUTH);
    assert_null(r);
    assert_non_null(strstr(err.message, "device id"));
    free(bytes);
    free(path);
    free(dir);
}

/* Re-sign a bundle's bytes with dk after editing them, as a forger holding
 * the device key would: only the reader's own header checks can refuse it. */
static void resign(uint8_t *bytes, size_t len, const sk_device_key *dk)
{
    uint8_t h[64];
    crypto_generichash(h, sizeof h, bytes, len - 64, NULL, 0);
    crypto_sign_detached(bytes + len - 64, NULL, h, sizeof h, dk->sk);
}

/* Header rules, each on a correctly signed bundle: format version 2 only,
 * reserved bytes zero, a UTF-8 label without NUL. */
static void test_header_rules(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    sk_study_key *study = make_study();
    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(13, &dk, id);
    blob items[1] = {make_record(study, &dk, SK_REC_RESPONSE, 1, "{\"q\":1}")};
    int kinds[1] = {SK_ITEM_RECORD};
    char *path = join(dir, "h.skb"), *bad = join(dir, "bad.skb");
    write_bundle(path, &dk, id, items, kinds, 1); /* label "front desk" at offset 49 */
    blob good;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &good.data, &good.len, &err), SK_OK);
    assert_int_equal(good.data[4], 2);
    assert_int_equal(good.data[48], 10);
    assert_memory_equal(good.data + 49, "front desk", 10);
    static const struct {
        size_t at;
        const char *bytes; /* written at `at` */
        size_t n;
        sk_status want;
        const char *what;
    } cases[] = {
        {4, "\x01", 1, SK_ERR_UNSUPPORTED, "format version 1"},
        {4, "\x03", 1, SK_ERR_UNSUPPORTED, "format version 3"},
        {5, "\x01", 1, SK_ERR_FORMAT, "reserved byte 5"},
        {6, "\x80", 1, SK_ERR_FORMAT, "reserved byte 6"},
        {7, "\xff", 1, SK_ERR_FORMAT, "reserved byte 7"},
        {49, "\xff", 1, SK_ERR_FORMAT, "label: a byte that is never UTF-8"},
        {49, "\xc0\xa0", 2, SK_ERR_FORMAT, "label: overlong space"},
        {49, "\xed\xa0\x80", 3, SK_ERR_FORMAT, "label: a surrogate"},
        {54, "\xe2\x82", 2, SK_ERR_FORMAT, "label: truncated sequence"},
        {49, "\x80", 1, SK_ERR_FORMAT, "label: stray continuation byte"},
        {53, "\0", 1, SK_ERR_FORMAT, "label: NUL"},
        {49, "fr\xc3\xb6n", 5, SK_OK, "label: valid UTF-8 (control case)"},
    };
    sk_bundle_info info;
    blob got[2];
    int got_kinds[2];
    size_t n;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t *copy = malloc(good.len);
        memcpy(copy, good.data, good.len);
        memcpy(copy + cases[i].at, cases[i].bytes, cases[i].n);
        resign(copy, good.len, &dk);
        put_file(bad, copy, good.len);
        free(copy);
        sk_status st = read_bundle(bad, &info, got, got_kinds, 2, &n);
        if (st != cases[i].want)
            fail_msg("%s: %s, want %s", cases[i].what, sk_status_name(st), sk_status_name(cases[i].want));
        if (st == SK_OK) {
            assert_string_equal(info.device_label, "fr\xc3\xb6n desk");
            for (size_t k = 0; k < n; k++)
                free(got[k].data);
        } else {
            assert_int_equal(n, 0);
        }
    }
    /* the writer refuses a label that is not UTF-8 */
    sk_bundle_writer *w = NULL;
    assert_int_equal(sk_bundle_writer_open(bad, id, "bad \xff label", dk.pk, &w, &err), SK_ERR_ARG);
    assert_null(w);
    free(good.data);
    free(items[0].data);
    free(path);
    free(bad);
    free(dir);
    sk_study_key_free(study);
}

static blob golden_file(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/%s", SK_TEST_GOLDEN, name);
    blob b;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &b.data, &b.len, &err), SK_OK);
    return b;
}

static void test_golden_bundle(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/bundle.skb", SK_TEST_GOLDEN);
    sk_bundle_info info;
    blob got[4];
    int kinds[4];
    size_t n;
    assert_int_equal(read_bundle(path, &info, got, kinds, 4, &n), SK_OK);
    assert_int_equal(n, 3);
    assert_string_equal(info.device_label, "golden kiosk");
    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(0x42, &dk, id);
    assert_memory_equal(info.device_pk, dk.pk, 32);
    assert_memory_equal(info.device_id, id, SK_DEVICE_ID_SIZE);
    /* the device's fingerprint as its admin screen shows it */
    blob fp_file = golden_file("device_fingerprint.txt");
    char fp[SK_FINGERPRINT_SIZE], line[SK_FINGERPRINT_SIZE + 1];
    sk_device_fingerprint(dk.pk, fp);
    snprintf(line, sizeof line, "%s\n", fp);
    assert_int_equal(fp_file.len, strlen(line));
    assert_memory_equal(fp_file.data, line, fp_file.len);
    free(fp_file.data);
    uint8_t fp_bytes[SK_FINGERPRINT_BYTES];
    assert_true(sk_fingerprint_decode(fp, fp_bytes));
    assert_memory_equal(fp_bytes, id, SK_DEVICE_ID_SIZE); /* its first 8 bytes are the id */
    const char *names[3] = {"pack.bin", "record.bin", "wrapped_draft.bin"};
    const int want_kinds[3] = {SK_ITEM_PACK, SK_ITEM_RECORD, SK_ITEM_RECORD};
    for (int i = 0; i < 3; i++) {
        blob want = golden_file(names[i]);
        assert_int_equal(kinds[i], want_kinds[i]);
        assert_int_equal(got[i].len, want.len);
        assert_memory_equal(got[i].data, want.data, want.len);
        if (kinds[i] == SK_ITEM_RECORD)
            assert_int_equal(sk_record_verify(got[i].data, got[i].len, dk.pk, NULL), SK_OK);
        free(want.data);
        free(got[i].data);
    }
}

/* SK_GOLDEN_WRITE=1: make tests/golden/crypto/ once. */
static int write_golden(void)
{
    char dir[2048], path[4096];
    snprintf(dir, sizeof dir, "%s/crypto", SK_TEST_GOLDEN);
    mkdir(dir, 0755);
    setenv("SK_PWHASH_FAST", "1", 1);
    sk_error err;
    const char *pass = "golden passphrase";
    sk_study_key *key = NULL;
    snprintf(path, sizeof path, "%s/study.key", dir);
    /* the study key is kept when it exists: only the vectors are remade */
    struct stat sb;
    if (stat(path, &sb) != 0 && sk_study_keygen(dir, pass, strlen(pass), NULL, &err) != SK_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    if (sk_study_key_load(path, pass, strlen(pass), &key, &err) != SK_OK)
        return 1;
    char hex[129];
    snprintf(path, sizeof path, "%s/study_key.hex", dir);
    FILE *f = fopen(path, "w");
    sk_hex(key->pub.box_pk, 32, hex);
    fprintf(f, "box_pk %s\n", hex);
    sk_hex(key->pub.sign_pk, 32, hex);
    fprintf(f, "sign_pk %s\n", hex);
    sk_hex(key->box_sk, 32, hex);
    fprintf(f, "box_sk %s\n", hex);
    sk_hex(key->sign_sk, 64, hex);
    fprintf(f, "sign_sk %s\n", hex);
    fclose(f);

    sk_device_key dk;
    uint8_t id[SK_DEVICE_ID_SIZE];
    device_from_seed(0x42, &dk, id);
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = SK_REC_RESPONSE;
    memset(h.record_id, 0xA0, sizeof h.record_id);
    memcpy(h.device_id, id, sizeof id);
    h.seq = 7;
    strcpy(h.form_id, "golden_basic");
    strcpy(h.form_version, "2026.1");
    sk_wcode_tag("G01D-EN00-C0DE-2026", h.withdraw_tag);
    const char *payload = "{\"golden\":\"response\",\"q1\":\"yes\"}";
    blob rec = {0}, draft = {0}, wrapped = {0}, pack;
    /* Records are sealed to a fresh ephemeral key: existing record vectors are
     * kept (only a record format change remakes them: delete the files). */
    char rec_path[4096], wrapped_path[4096];
    snprintf(rec_path, sizeof rec_path, "%s/record.bin", dir);
    snprintf(wrapped_path, sizeof wrapped_path, "%s/wrapped_draft.bin", dir);
    if (stat(rec_path, &sb) == 0 && stat(wrapped_path, &sb) == 0) {
        if (sk_read_file(rec_path, 1 << 20, &rec.data, &rec.len, &err) != SK_OK ||
            sk_read_file(wrapped_path, 1 << 20, &wrapped.data, &wrapped.len, &err) != SK_OK)
            return 1;
    } else {
        if (sk_record_seal(&h, &key->pub, &dk, payload, strlen(payload), &rec.data, &rec.len, &err) != SK_OK)
            return 1;
        h.kind = SK_REC_DRAFT;
        h.seq = 0;
        memset(h.withdraw_tag, 0, sizeof h.withdraw_tag);
        memset(h.record_id, 0xB0, sizeof h.record_id);
        if (sk_record_seal(&h, &key->pub, &dk, "{\"golden\":\"draft\"}", 18, &draft.data, &draft.len, &err) != SK_OK)
            return 1;
        h.kind = SK_REC_INCOMPLETE;
        h.seq = 8;
        memset(h.record_id, 0xC0, sizeof h.record_id);
        if (sk_record_wrap_draft(&h, &key->pub, &dk, draft.data, draft.len, &wrapped.data, &wrapped.len, &err) != SK_OK)
            return 1;
        sk_write_file_atomic(rec_path, rec.data, rec.len, 0644, 0, &err);
        sk_write_file_atomic(wrapped_path, wrapped.data, wrapped.len, 0644, 0, &err);
    }
    /* Pack v2 with one attachment and a delivery server; the pin and the
     * receipt key are fixed bytes (32 x 0x11, the public key of seed 32 x 0x33). */
    snprintf(path, sizeof path, "%s/pack.bin", dir);
    static const uint8_t logo[] = "GOLDEN-LOGO-BYTES";
    sk_pack_file att = {.name = "logo.png", .bytes = (uint8_t *)logo, .len = sizeof logo - 1};
    uint8_t pin[32], rk_pk[32], rk_sk[64], rk_seed[32];
    memset(pin, 0x11, sizeof pin);
    memset(rk_seed, 0x33, sizeof rk_seed);
    crypto_sign_seed_keypair(rk_pk, rk_sk, rk_seed);
    sodium_memzero(rk_sk, sizeof rk_sk);
    sk_pack_extras extras = {.attachments = &att, .n_attachments = 1,
                             .deliver_url = "https://kiosk-server.example:8443", .tls_pin = pin, .receipt_pk = rk_pk};
    if (sk_pack_write_with(path, key, "golden_basic", "2026.1", "Golden pack", "golden.md",
                           (const uint8_t *)form_text, sizeof form_text - 1, &extras, &err) != SK_OK)
        return 1;
    assert_int_equal(sk_read_file(path, 1 << 20, &pack.data, &pack.len, &err), SK_OK);
    blob items[3] = {pack, rec, wrapped};
    int kinds[3] = {SK_ITEM_PACK, SK_ITEM_RECORD, SK_ITEM_RECORD};
    snprintf(path, sizeof path, "%s/bundle.skb", dir);
    sk_bundle_writer *w = NULL;
    if (sk_bundle_writer_open(path, id, "golden kiosk", dk.pk, &w, &err) != SK_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        if ((kinds[i] == SK_ITEM_PACK ? sk_bundle_writer_add_pack : sk_bundle_writer_add_record)(
                w, items[i].data, items[i].len, &err) != SK_OK)
            return 1;
    if (sk_bundle_writer_finish(w, &dk, &err) != SK_OK)
        return 1;
    /* a withdrawal statement signed by the study key */
    uint8_t tag[SK_TAG_SIZE], statement[SK_WITHDRAWAL_SIZE];
    sk_wcode_tag("G01D-EN00-C0DE-2026", tag);
    sk_withdrawal_sign(key, tag, 1763856000000, statement);
    snprintf(path, sizeof path, "%s/withdrawal.bin", dir);
    if (sk_write_file_atomic(path, statement, sizeof statement, 0644, 0, &err) != SK_OK)
        return 1;
    /* the golden device's fingerprint, as its admin screen shows it */
    char fp[SK_FINGERPRINT_SIZE], line[SK_FINGERPRINT_SIZE + 1];
    sk_device_fingerprint(dk.pk, fp);
    int line_len = snprintf(line, sizeof line, "%s\n", fp);
    snprintf(path, sizeof path, "%s/device_fingerprint.txt", dir);
    if (sk_write_file_atomic(path, line, (size_t)line_len, 0644, 0, &err) != SK_OK)
        return 1;
    free(rec.data);
    free(draft.data);
    free(wrapped.data);
    free(pack.data);
    sk_hex(id, 8, hex);
    printf("golden vectors written to %s (device id %s, fingerprint %s)\n", dir, hex, fp);
    sk_study_key_free(key);
    return 0;
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const char *gen = getenv("SK_GOLDEN_WRITE");
    if (gen && strcmp(gen, "1") == 0)
        return write_golden();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_tamper_every_byte_and_length),
        cmocka_unit_test(test_changed_between_passes), cmocka_unit_test(test_writer_checks),
        cmocka_unit_test(test_forged_device_id),     cmocka_unit_test(test_golden_bundle),
        cmocka_unit_test(test_header_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
