/* test_crypto_keys.c - study keys on disk (round trip, wrong passphrase,
 * refusal to overwrite, mode 0600, damaged files), the fingerprint, hex, and
 * durable file writes.  Real libsodium, real files under $SK_TEST_TMP.
 * Keys are written with SK_PWHASH_FAST=1 (minimum Argon2id cost) except in
 * the one test that checks the production default is stored. */
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

#include "sk/bundle.h"
#include "sk/keys.h"

static const char pass[] = "correct horse battery staple";

/* Test scratch writes: plain and quick (no fsync); the code under test is what is durable. */
static void put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *scratch(const char *name)
{
    const char *base = getenv("SK_TEST_TMP");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/crypto-keys-%s-XXXXXX", base ? base : "/tmp", name);
    char *dir = mkdtemp(strdup(tmpl));
    assert_non_null(dir);
    return dir;
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *data = NULL;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &data, len, &err), SK_OK);
    return data;
}

static void test_keygen_load_round_trip(void **state)
{
    (void)state;
    char *dir = scratch("rt");
    char *sub = path_in(dir, "new-folder");  /* created by keygen */
    sk_study_pub pub;
    sk_error err;
    assert_int_equal(sk_study_keygen(sub, pass, strlen(pass), &pub, &err), SK_OK);
    char *key_path = path_in(sub, "study.key"), *pub_path = path_in(sub, "study.pub");
    sk_study_key *key = NULL;
    assert_int_equal(sk_study_key_load(key_path, pass, strlen(pass), &key, &err), SK_OK);
    assert_memory_equal(&key->pub, &pub, sizeof pub);
    /* the secret halves work with the public ones */
    uint8_t msg[] = "pack bytes", sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, msg, sizeof msg, key->sign_sk);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pub.sign_pk), 0);
    uint8_t sealed[crypto_box_SEALBYTES + 4], opened[4];
    crypto_box_seal(sealed, (const uint8_t *)"abcd", 4, pub.box_pk);
    assert_int_equal(crypto_box_seal_open(opened, sealed, sizeof sealed, key->pub.box_pk, key->box_sk), 0);
    sk_study_key_free(key);
    sk_study_key_free(NULL);
    /* the public halves from either file */
    sk_study_pub from_pub, from_key;
    assert_int_equal(sk_study_pub_load(pub_path, &from_pub, &err), SK_OK);
    assert_int_equal(sk_study_pub_load(key_path, &from_key, &err), SK_OK);
    assert_memory_equal(&from_pub, &pub, sizeof pub);
    assert_memory_equal(&from_key, &pub, sizeof pub);
    /* mode 0600 for the secret file (POSIX; NTFS has ACLs instead, and
     * %LOCALAPPDATA%'s is private to the user: win_compat.h) */
    struct stat sb;
    assert_int_equal(stat(key_path, &sb), 0);
#ifndef _WIN32
    assert_int_equal(sb.st_mode & 0777, 0600);
#endif
    free(key_path);
    free(pub_path);
    free(sub);
    free(dir);
}

static void test_wrong_passphrase(void **state)
{
    (void)state;
    char *dir = scratch("wrong");
    sk_error err;
    assert_int_equal(sk_study_keygen(dir, pass, strlen(pass), NULL, &err), SK_OK);
    char *key_path = path_in(dir, "study.key");
    sk_study_key *key = (sk_study_key *)0x1;  /* must stay untouched */
    assert_int_equal(sk_study_key_load(key_path, "correct horse battery stapler", 29, &key, &err),
                     SK_ERR_PASSPHRASE);
    assert_ptr_equal(key, (sk_study_key *)0x1);
    assert_string_equal(err.file, key_path);
    assert_non_null(strstr(err.message, "wrong passphrase"));
    assert_int_equal(sk_study_key_load(key_path, "", 0, &key, &err), SK_ERR_PASSPHRASE);
    free(key_path);
    free(dir);
}

static void test_refuses_overwrite(void **state)
{
    (void)state;
    char *dir = scratch("exists");
    sk_error err;
    sk_study_pub first, second;
    assert_int_equal(sk_study_keygen(dir, pass, strlen(pass), &first, &err), SK_OK);
    char *key_path = path_in(dir, "study.key");
    size_t len_before;
    uint8_t *before = slurp(key_path, &len_before);
    assert_int_equal(sk_study_keygen(dir, "other", 5, &second, &err), SK_ERR_EXISTS);
    size_t len_after;
    uint8_t *after = slurp(key_path, &len_after);
    assert_int_equal(len_before, len_after);
    assert_memory_equal(before, after, len_after);
    /* a study.pub alone is enough to refuse */
    char *dir2 = scratch("exists-pub");
    char *pub2 = path_in(dir2, "study.pub");
    assert_int_equal(sk_write_file_atomic(pub2, "x", 1, 0644, 0, &err), SK_OK);
    assert_int_equal(sk_study_keygen(dir2, pass, strlen(pass), NULL, &err), SK_ERR_EXISTS);
    char *key2 = path_in(dir2, "study.key");
    struct stat sb;
    assert_int_not_equal(stat(key2, &sb), 0);
    free(before);
    free(after);
    free(key_path);
    free(pub2);
    free(key2);
    free(dir2);
    free(dir);
}

/* Truncated at every length, or any single byte flipped: never loads. */
static void test_damaged_key_file(void **state)
{
    (void)state;
    char *dir = scratch("damaged");
    sk_error err;
    assert_int_equal(sk_study_keygen(dir, pass, strlen(pass), NULL, &err), SK_OK);
    char *key_path = path_in(dir, "study.key"), *bad = path_in(dir, "bad.key");
    size_t len;
    uint8_t *good = slurp(key_path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        put_file(bad, good, cut);
        sk_study_key *key = NULL;
        sk_status st = sk_study_key_load(bad, pass, strlen(pass), &key, &err);
        assert_int_equal(st, SK_ERR_FORMAT);
        assert_null(key);
    }
    for (size_t i = 0; i < len; i++) {
        good[i] ^= 0x01;
        put_file(bad, good, len);
        good[i] ^= 0x01;
        sk_study_key *key = NULL;
        sk_status st = sk_study_key_load(bad, pass, strlen(pass), &key, &err);
        assert_int_not_equal(st, SK_OK);
        assert_null(key);
    }
    sk_study_pub pub;
    assert_int_equal(sk_study_pub_load(bad, &pub, &err), SK_OK);  /* last flip is in the ciphertext */
    put_file(bad, "SKSK\x09", 5);
    sk_study_key *key = NULL;
    assert_int_equal(sk_study_key_load(bad, pass, strlen(pass), &key, &err), SK_ERR_UNSUPPORTED);
    free(good);
    free(key_path);
    free(bad);
    free(dir);
}

/* The production default (Argon2id MODERATE) is what a normal keygen stores. */
static void test_default_cost_stored(void **state)
{
    (void)state;
    char *dir = scratch("cost");
    unsetenv("SK_PWHASH_FAST");
    sk_error err;
    sk_status st = sk_study_keygen(dir, pass, strlen(pass), NULL, &err);
    setenv("SK_PWHASH_FAST", "1", 1);
    assert_int_equal(st, SK_OK);
    char *key_path = path_in(dir, "study.key");
    size_t len;
    uint8_t *bytes = slurp(key_path, &len);
    uint64_t ops = 0, mem = 0;
    for (int i = 7; i >= 0; i--) {
        ops = ops << 8 | bytes[8 + i];
        mem = mem << 8 | bytes[16 + i];
    }
    assert_int_equal(ops, crypto_pwhash_OPSLIMIT_MODERATE);
    assert_int_equal(mem, crypto_pwhash_MEMLIMIT_MODERATE);
    free(bytes);
    free(key_path);
    free(dir);
}

static void test_fingerprint(void **state)
{
    (void)state;
    sk_study_pub pub;
    memset(pub.box_pk, 0x11, 32);
    memset(pub.sign_pk, 0x22, 32);
    char fp[SK_FINGERPRINT_SIZE], again[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&pub, fp);
    sk_study_fingerprint(&pub, again);
    assert_string_equal(fp, again);
    assert_int_equal(strlen(fp), 19);
    for (int i = 0; i < 19; i++) {
        if (i % 5 == 4)
            assert_int_equal(fp[i], '-');
        else
            assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", fp[i]));
    }
    /* golden: BLAKE2b-256(box_pk || sign_pk), first 80 bits in Crockford base32 */
    assert_string_equal(fp, "8A6K-FNNK-9XG5-N3ZK");  /* computed independently with Python hashlib */
    pub.sign_pk[31] ^= 1;
    sk_study_fingerprint(&pub, again);
    assert_string_not_equal(fp, again);
}

/* A device fingerprint read aloud and typed back: sk_fingerprint_decode gives
 * the bytes sk_device_fingerprint showed (BLAKE2b-256(pk), first 10 bytes,
 * the first 8 of which are the device id), however carelessly typed. */
static void test_fingerprint_decode(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        uint8_t pk[32], sk[64], id[SK_DEVICE_ID_SIZE], h[32], got[SK_FINGERPRINT_BYTES];
        crypto_sign_keypair(pk, sk);
        char fp[SK_FINGERPRINT_SIZE];
        sk_device_fingerprint(pk, fp);
        assert_int_equal(strlen(fp), 19);
        crypto_generichash(h, sizeof h, pk, sizeof pk, NULL, 0);
        assert_true(sk_fingerprint_decode(fp, got));
        assert_memory_equal(got, h, SK_FINGERPRINT_BYTES);
        sk_device_id(pk, id);
        assert_memory_equal(got, id, SK_DEVICE_ID_SIZE);
        /* lowercase, no dashes, spaces */
        char typed[64];
        size_t j = 0;
        for (const char *c = fp; *c; c++) {
            if (*c == '-') {
                typed[j++] = ' ';
                continue;
            }
            typed[j++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        }
        typed[j] = '\0';
        memset(got, 0, sizeof got);
        assert_true(sk_fingerprint_decode(typed, got));
        assert_memory_equal(got, h, SK_FINGERPRINT_BYTES);
    }
    static const struct {
        const char *typed;
        const char *want_hex; /* NULL: refused */
    } cases[] = {
        {"0000-0000-0000-0000", "00000000000000000000"},
        {"OOOO-oooo-0000-0000", "00000000000000000000"},   /* O read as 0 */
        {"1111-IIII-llll-LLLL", "08421084210842108421"},     /* I, L read as 1 */
        {"ZZZZ-ZZZZ-ZZZZ-ZZZZ", "ffffffffffffffffffff"},
        {"ZZZZ-ZZZZ-ZZZZ-ZZZ", NULL},      /* 15 symbols */
        {"ZZZZ-ZZZZ-ZZZZ-ZZZZZ", NULL},    /* 17 symbols */
        {"ZZZZ-ZZZZ-ZZZZ-ZZZU", NULL},     /* U is not in the alphabet */
        {"ZZZZ_ZZZZ_ZZZZ_ZZZZ", NULL},
        {"ZZZZ-ZZZZ-ZZZZ-ZZZ\xc3\xa9", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t got[SK_FINGERPRINT_BYTES];
        memset(got, 0xEE, sizeof got);
        bool ok = sk_fingerprint_decode(cases[i].typed, got);
        if (!cases[i].want_hex) {
            if (ok)
                fail_msg("decoded '%s'", cases[i].typed);
            assert_int_equal(got[0], 0xEE); /* untouched */
            continue;
        }
        if (!ok)
            fail_msg("refused '%s'", cases[i].typed);
        char hex[2 * SK_FINGERPRINT_BYTES + 1];
        sk_hex(got, sizeof got, hex);
        assert_string_equal(hex, cases[i].want_hex);
    }
    assert_false(sk_fingerprint_decode(NULL, (uint8_t[SK_FINGERPRINT_BYTES]){0}));
}

static void test_hex(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        size_t n;
        sk_status want;
    } cases[] = {
        {"00ff10", 3, SK_OK}, {"ABcd", 2, SK_OK}, {"abc", 2, SK_ERR_FORMAT},
        {"abcdef", 2, SK_ERR_FORMAT}, {"zz", 1, SK_ERR_FORMAT}, {"", 0, SK_OK}, {"0g", 1, SK_ERR_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t bytes[8] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
        assert_int_equal(sk_unhex(cases[i].hex, bytes, cases[i].n), cases[i].want);
        if (cases[i].want == SK_OK) {
            char back[17];
            sk_hex(bytes, cases[i].n, back);
            char lower[17];
            for (size_t j = 0; j <= strlen(cases[i].hex); j++)
                lower[j] = (char)(cases[i].hex[j] >= 'A' && cases[i].hex[j] <= 'F' ? cases[i].hex[j] + 32
                                                                                   : cases[i].hex[j]);
            assert_string_equal(back, lower);
        } else {
            assert_int_equal(bytes[0], 0xEE);  /* untouched on failure */
        }
    }
}

static void test_write_file_atomic(void **state)
{
    (void)state;
    char *dir = scratch("atomic");
    char *p = path_in(dir, "f.bin");
    sk_error err;
    assert_int_equal(sk_write_file_atomic(p, "one", 3, 0640, 1, &err), SK_OK);
    assert_int_equal(sk_write_file_atomic(p, "two", 3, 0640, 1, &err), SK_ERR_EXISTS);
    size_t len;
    uint8_t *data = slurp(p, &len);
    assert_memory_equal(data, "one", 3);
    free(data);
    assert_int_equal(sk_write_file_atomic(p, "three", 5, 0640, 0, &err), SK_OK);
    data = slurp(p, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "three", 5);
    free(data);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
#ifndef _WIN32 /* modes: see above */
    assert_int_equal(sb.st_mode & 0777, 0640);
#endif
    /* no temporary files are left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    /* too large for the limit */
    assert_int_equal(sk_read_file(p, 4, &data, &len, &err), SK_ERR_FORMAT);
    char *missing = path_in(dir, "missing");
    assert_int_equal(sk_read_file(missing, 4, &data, &len, &err), SK_ERR_NOTFOUND);
    assert_string_equal(err.file, missing);
    free(missing);
    free(p);
    free(dir);
}

/* The golden study.key (a test key) still opens with its passphrase and
 * holds the key written out in study_key.hex. */
static void test_golden_key_file(void **state)
{
    (void)state;
    char path[4096], hex_path[4096];
    snprintf(path, sizeof path, "%s/crypto/study.key", SK_TEST_GOLDEN);
    snprintf(hex_path, sizeof hex_path, "%s/crypto/study_key.hex", SK_TEST_GOLDEN);
    sk_study_key *key = NULL;
    sk_error err;
    assert_int_equal(sk_study_key_load(path, "golden passphrase", 17, &key, &err), SK_OK);
    FILE *f = fopen(hex_path, "r");
    assert_non_null(f);
    char name[32], hex[200], mine[200];
    int lines = 0;
    while (fscanf(f, "%31s %199s", name, hex) == 2) {
        if (strcmp(name, "box_pk") == 0)
            sk_hex(key->pub.box_pk, 32, mine);
        else if (strcmp(name, "sign_pk") == 0)
            sk_hex(key->pub.sign_pk, 32, mine);
        else if (strcmp(name, "box_sk") == 0)
            sk_hex(key->box_sk, 32, mine);
        else
            sk_hex(key->sign_sk, 64, mine);
        assert_string_equal(mine, hex);
        lines++;
    }
    fclose(f);
    assert_int_equal(lines, 4);
    sk_study_key_free(key);
    assert_int_equal(sk_study_key_load(path, "golden passphrasE", 17, &key, &err), SK_ERR_PASSPHRASE);
}

int main(void)
{
    setenv("SK_PWHASH_FAST", "1", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keygen_load_round_trip), cmocka_unit_test(test_wrong_passphrase),
        cmocka_unit_test(test_refuses_overwrite),      cmocka_unit_test(test_damaged_key_file),
        cmocka_unit_test(test_default_cost_stored),    cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_hex),                    cmocka_unit_test(test_write_file_atomic),
        cmocka_unit_test(test_golden_key_file),        cmocka_unit_test(test_fingerprint_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
