/* test_crypto_receipt.c - the server's receipt key and receipts
 * (sk/receipt.h): the golden receipt (tests/golden/crypto/receipt.bin, made
 * from a fixed seed; Ed25519 is deterministic, so the bytes never change),
 * what a kiosk must refuse (another key, any altered or missing byte, a newer
 * version, ids out of order), and the key files (0600, never replaced, a
 * key readable by others refused).  SK_GOLDEN_WRITE=1 remakes the golden files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/keys.h"
#include "sk/receipt.h"

static char *make_dir(const char *name)
{
    const char *base = getenv("SK_TEST_TMP");
    char *dir = malloc(4096);
    /* mkdtemp, not rm -rf through system(): no shell on Windows (Wine). */
    snprintf(dir, 4096, "%s/%s-XXXXXX", base ? base : "/tmp", name);
    assert_non_null(mkdtemp(dir));
    return dir;
}

/* A server folder whose receipt.key holds the key of a fixed seed, written in
 * the documented layout ("SKSK", version 1, 3 zero bytes, libsodium's
 * 64-byte secret key). */
static sk_server_key *seeded_key(const char *dir, uint8_t pk[32])
{
    uint8_t seed[32], sk[64], file[72] = "SKSK\x01";
    memset(seed, 0x5e, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    memcpy(file + 8, sk, 64);
    char path[4200];
    snprintf(path, sizeof path, "%s/receipt.key", dir);
    sk_error err;
    assert_int_equal(sk_write_file_atomic(path, file, sizeof file, 0600, 0, &err), SK_OK);
    sodium_memzero(sk, sizeof sk);
    sk_server_key *key = NULL;
    assert_int_equal(sk_server_key_load(dir, &key, &err), SK_OK);
    uint8_t got[32];
    sk_server_key_pk(key, got);
    assert_memory_equal(got, pk, 32);
    return key;
}

/* The golden receipt's content. */
static void golden_content(uint8_t device[8], uint8_t digest[32], uint8_t ids[3][16])
{
    for (int i = 0; i < 8; i++)
        device[i] = (uint8_t)(0xd0 + i);
    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)i;
    /* given out of order and with a repeat: the receipt sorts and dedups */
    memset(ids[0], 0xbb, 16);
    memset(ids[1], 0x11, 16);
    memset(ids[2], 0xbb, 16);
}

static const int64_t GOLDEN_TIME = 1764597780000; /* 2025-12-01 14:03 UTC */

static void test_golden(void **state)
{
    (void)state;
    char *dir = make_dir("receipt_golden");
    uint8_t pk[32], device[8], digest[32], ids[3][16];
    sk_server_key *key = seeded_key(dir, pk);
    golden_content(device, digest, ids);
    uint8_t *r = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_receipt_make(key, device, digest, GOLDEN_TIME,
                                     (const uint8_t(*)[16])ids, 3, &r, &len, &err),
                     SK_OK);
    assert_int_equal(len, 68 + 2 * 16 + 64);
    char path[4096];
    snprintf(path, sizeof path, "%s/crypto/receipt.bin", SK_TEST_GOLDEN);
    if (getenv("SK_GOLDEN_WRITE")) {
        assert_int_equal(sk_write_file_atomic(path, r, len, 0644, 0, &err), SK_OK);
        char pkpath[4096];
        snprintf(pkpath, sizeof pkpath, "%s/crypto/receipt_server.pub", SK_TEST_GOLDEN);
        uint8_t pub[40] = "SKSP\x01";
        memcpy(pub + 8, pk, 32);
        assert_int_equal(sk_write_file_atomic(pkpath, pub, sizeof pub, 0644, 0, &err), SK_OK);
    }
    uint8_t *want = NULL;
    size_t want_len = 0;
    assert_int_equal(sk_read_file(path, 1 << 20, &want, &want_len, &err), SK_OK);
    assert_int_equal(want_len, len);
    assert_memory_equal(want, r, len); /* the format has not drifted */
    /* ... and it reads back as what went in. */
    sk_receipt rc;
    assert_int_equal(sk_receipt_verify(want, want_len, pk, &rc, &err), SK_OK);
    assert_int_equal(rc.version, SK_RECEIPT_VERSION);
    assert_memory_equal(rc.device_id, device, 8);
    assert_memory_equal(rc.bundle_digest, digest, 32);
    assert_int_equal(rc.time_ms, GOLDEN_TIME);
    assert_int_equal(rc.n_ids, 2);
    assert_memory_equal(rc.ids[0], ids[1], 16); /* 0x11... sorts first */
    assert_memory_equal(rc.ids[1], ids[0], 16);
    assert_true(sk_receipt_has(&rc, ids[0]));
    uint8_t other[16];
    memset(other, 0x12, 16);
    assert_false(sk_receipt_has(&rc, other));
    uint8_t key_id[8];
    sk_server_key_id(pk, key_id);
    assert_memory_equal(rc.key_id, key_id, 8);
    sk_receipt_clear(&rc);
    sk_receipt_clear(&rc); /* twice is harmless */
    free(want);
    free(r);
    sk_server_key_free(key);
    free(dir);
}

/* What a kiosk refuses, each with nothing returned. */
static void test_refusals(void **state)
{
    (void)state;
    char *dir = make_dir("receipt_refuse");
    uint8_t pk[32], device[8], digest[32], ids[3][16];
    sk_server_key *key = seeded_key(dir, pk);
    golden_content(device, digest, ids);
    uint8_t *r = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_receipt_make(key, device, digest, GOLDEN_TIME,
                                     (const uint8_t(*)[16])ids, 3, &r, &len, &err),
                     SK_OK);
    sk_receipt out;
    /* another key (a forged receipt, or another server) */
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    assert_int_equal(sk_receipt_verify(r, len, other_pk, &out, &err), SK_ERR_AUTH);
    /* every byte flipped */
    for (size_t i = 0; i < len; i++) {
        r[i] ^= 0x01;
        sk_status st = sk_receipt_verify(r, len, pk, &out, &err);
        r[i] ^= 0x01;
        assert_int_not_equal(st, SK_OK);
    }
    /* every length short of the whole */
    for (size_t n = 0; n < len; n++)
        assert_int_not_equal(sk_receipt_verify(r, n, pk, &out, &err), SK_OK);
    /* a newer version, re-signed so that only the version is wrong */
    uint8_t seed[32], sk[64], pk2[32];
    memset(seed, 0x5e, sizeof seed);
    crypto_sign_seed_keypair(pk2, sk, seed);
    r[4] = 2;
    crypto_sign_detached(r + len - 64, NULL, r, len - 64, sk);
    assert_int_equal(sk_receipt_verify(r, len, pk, &out, &err), SK_ERR_UNSUPPORTED);
    /* ids out of order, signed */
    r[4] = 1;
    uint8_t tmp[16];
    memcpy(tmp, r + 68, 16);
    memcpy(r + 68, r + 84, 16);
    memcpy(r + 84, tmp, 16);
    crypto_sign_detached(r + len - 64, NULL, r, len - 64, sk);
    assert_int_equal(sk_receipt_verify(r, len, pk, &out, &err), SK_ERR_FORMAT);
    sodium_memzero(sk, sizeof sk);
    free(r);
    /* an empty receipt is fine (a bundle whose records were all refused) */
    assert_int_equal(sk_receipt_make(key, device, digest, 1, NULL, 0, &r, &len, &err), SK_OK);
    assert_int_equal(sk_receipt_verify(r, len, pk, &out, &err), SK_OK);
    assert_int_equal(out.n_ids, 0);
    sk_receipt_clear(&out);
    free(r);
    sk_server_key_free(key);
    free(dir);
}

static void test_key_files(void **state)
{
    (void)state;
    char *dir = make_dir("receipt_init");
    uint8_t pk[32], pub[32];
    sk_error err;
    assert_int_equal(sk_server_key_init(dir, pk, &err), SK_OK);
    char path[4200];
    snprintf(path, sizeof path, "%s/receipt.key", dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
#ifndef _WIN32 /* NTFS: ACLs, not modes (platform.h, sk_plat_mode_shared) */
    assert_int_equal(sb.st_mode & 0777, 0600);
#endif
    assert_int_equal(sk_server_pub_load(dir, pub, &err), SK_OK);
    assert_memory_equal(pub, pk, 32);
    /* never replaced */
    assert_int_equal(sk_server_key_init(dir, NULL, &err), SK_ERR_EXISTS);
    sk_server_key *key = NULL;
    assert_int_equal(sk_server_key_load(dir, &key, &err), SK_OK);
    sk_server_key_pk(key, pub);
    assert_memory_equal(pub, pk, 32);
    sk_server_key_free(key);
    sk_server_key_free(NULL);
#ifndef _WIN32 /* modes: POSIX only (sk_plat_mode_shared) */
    /* readable by others: refused, with what to do */
    assert_int_equal(chmod(path, 0644), 0);
    key = NULL;
    assert_int_equal(sk_server_key_load(dir, &key, &err), SK_ERR_IO);
    assert_non_null(strstr(err.message, "chmod 600"));
    assert_null(key);
    assert_int_equal(chmod(path, 0600), 0);
#endif
    /* not a key file */
    assert_int_equal(truncate(path, 40), 0);
    assert_int_equal(sk_server_key_load(dir, &key, &err), SK_ERR_FORMAT);
    /* no folder */
    assert_int_equal(sk_server_key_load("/nonexistent/folder", &key, &err), SK_ERR_NOTFOUND);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_key_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
