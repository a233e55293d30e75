/* keys.c - the study key: generation, the passphrase-encrypted study.key,
 * the public study.pub, and the fingerprint.  Layouts: docs/FORMATS.md. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/keys.h"

#define KEY_MAGIC "SKSK"
#define PUB_MAGIC "SKSP"
#define KEY_VERSION 1
#define PWHASH_ALG_ARGON2ID13 1
#define SALT_SIZE 16  /* crypto_pwhash_SALTBYTES */
#define SECRET_SIZE (32 + 64)  /* box_sk, sign_sk */
/* magic 4, version 1, alg 1, reserved 2, opslimit 8, memlimit 8, salt 16, nonce 24, box_pk 32, sign_pk 32 */
#define KEY_HEADER_SIZE 128
#define KEY_FILE_SIZE (KEY_HEADER_SIZE + SECRET_SIZE + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define PUB_FILE_SIZE 72  /* magic 4, version 1, reserved 3, box_pk 32, sign_pk 32 */
#define PUB_KEYS_OFFSET_KEY 64
#define PUB_KEYS_OFFSET_PUB 8

_Static_assert(SALT_SIZE == crypto_pwhash_SALTBYTES, "salt size");

/* Test hook (documented in docs/FORMATS.md): SK_PWHASH_FAST=1 writes keys with
 * the minimum Argon2id cost.  Only writing is affected; the cost is in the file. */
static void write_cost(uint64_t *ops, uint64_t *mem)
{
#ifdef SK_TEST_HOOKS
    const char *fast = getenv("SK_PWHASH_FAST");
#else
    const char *fast = NULL; /* only builds with -DSK_TEST_HOOKS=ON have this hook */
#endif
    if (fast && strcmp(fast, "1") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    } else {
        *ops = crypto_pwhash_OPSLIMIT_MODERATE;
        *mem = crypto_pwhash_MEMLIMIT_MODERATE;
    }
}

static bool cost_acceptable(uint64_t ops, uint64_t mem)
{
    /* Bounded so that a crafted file cannot make loading take hours or all memory. */
    return ops >= crypto_pwhash_OPSLIMIT_MIN && ops <= 64 && mem >= crypto_pwhash_MEMLIMIT_MIN &&
           mem <= crypto_pwhash_MEMLIMIT_SENSITIVE;
}

static void pub_bytes(const sk_study_pub *pub, uint8_t out[64])
{
    memcpy(out, pub->box_pk, 32);
    memcpy(out + 32, pub->sign_pk, 32);
}

static sk_status derive(uint8_t k[32], const char *pass, size_t pass_len, const uint8_t *salt,
                        uint64_t ops, uint64_t mem, const char *path, sk_error *err)
{
    if (crypto_pwhash(k, 32, pass, pass_len, salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return sk_error_set_at(err, SK_ERR_NOMEM, path, NULL, 0, NULL,
                               "not enough memory to derive the key from the passphrase (%llu MiB needed)",
                               (unsigned long long)(mem >> 20));
    return SK_OK;
}

static sk_status check_dir(const char *dir, sk_error *err)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? SK_OK
                                   : sk_error_set_at(err, SK_ERR_EXISTS, dir, NULL, 0, NULL,
                                                     "this is a file, not a folder; choose a folder for the key");
    if (mkdir(dir, 0700) != 0)
        return sk_error_set_at(err, SK_ERR_IO, dir, NULL, 0, NULL, "cannot create the folder: %s",
                               strerror(errno));
    return SK_OK;
}

/* Build the study.key bytes for key under passphrase into out (KEY_FILE_SIZE). */
static sk_status seal_key_file(const sk_study_key *key, const char *pass, size_t pass_len,
                               uint8_t out[KEY_FILE_SIZE], const char *path, sk_error *err)
{
    uint64_t ops, mem;
    write_cost(&ops, &mem);
    memset(out, 0, KEY_HEADER_SIZE);
    memcpy(out, KEY_MAGIC, 4);
    out[4] = KEY_VERSION;
    out[5] = PWHASH_ALG_ARGON2ID13;
    sk_put_u64(out + 8, ops);
    sk_put_u64(out + 16, mem);
    uint8_t *salt = out + 24, *nonce = out + 40;
    randombytes_buf(salt, SALT_SIZE);
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    pub_bytes(&key->pub, out + PUB_KEYS_OFFSET_KEY);

    uint8_t *k = sodium_malloc(32 + SECRET_SIZE);
    if (!k)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    uint8_t *secret = k + 32;
    memcpy(secret, key->box_sk, 32);
    memcpy(secret + 32, key->sign_sk, 64);
    sk_status st = derive(k, pass, pass_len, salt, ops, mem, path, err);
    if (st == SK_OK)
        crypto_aead_xchacha20poly1305_ietf_encrypt(out + KEY_HEADER_SIZE, NULL, secret, SECRET_SIZE, out,
                                                   KEY_HEADER_SIZE, NULL, nonce, k);
    sodium_free(k);
    return st;
}

static sk_status join(char *out, size_t size, const char *dir, const char *name, sk_error *err)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return sk_error_set_at(err, SK_ERR_ARG, dir, NULL, 0, NULL, "the folder path is too long");
    return SK_OK;
}

sk_status sk_study_keygen(const char *dir, const char *passphrase, size_t pass_len,
                          sk_study_pub *pub_out, sk_error *err)
{
    if (!dir || !passphrase || pass_len == 0)
        return sk_error_set(err, SK_ERR_ARG, "the passphrase is empty; choose a passphrase");
    sk_status st = sk_crypto_init(err);
    char key_path[4096], pub_path[4096];
    if (st == SK_OK)
        st = join(key_path, sizeof key_path, dir, "study.key", err);
    if (st == SK_OK)
        st = join(pub_path, sizeof pub_path, dir, "study.pub", err);
    if (st != SK_OK)
        return st;
    const char *existing = access(key_path, F_OK) == 0 ? key_path : access(pub_path, F_OK) == 0 ? pub_path : NULL;
    if (existing)
        return sk_error_set_at(err, SK_ERR_EXISTS, existing, NULL, 0, NULL,
                               "a study key exists here already; refusing to overwrite it "
                               "(choose another folder)");
    if ((st = check_dir(dir, err)) != SK_OK)
        return st;

    sk_study_key *key = sodium_malloc(sizeof *key);
    if (!key)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    crypto_box_keypair(key->pub.box_pk, key->box_sk);
    crypto_sign_keypair(key->pub.sign_pk, key->sign_sk);

    uint8_t file[KEY_FILE_SIZE], pub[PUB_FILE_SIZE] = {0};
    st = seal_key_file(key, passphrase, pass_len, file, key_path, err);
    memcpy(pub, PUB_MAGIC, 4);
    pub[4] = KEY_VERSION;
    pub_bytes(&key->pub, pub + PUB_KEYS_OFFSET_PUB);
    sk_study_pub public_half = key->pub;
    sk_study_key_free(key);

    if (st == SK_OK)
        st = sk_write_file_atomic(key_path, file, sizeof file, 0600, 1, err);
    if (st == SK_OK) {
        st = sk_write_file_atomic(pub_path, pub, sizeof pub, 0644, 1, err);
        if (st != SK_OK) {  /* both or neither */
            unlink(key_path);
            sk_fsync_parent(key_path, NULL);
        }
    }
    if (st == SK_OK && pub_out)
        *pub_out = public_half;
    return st;
}

sk_status sk_study_key_load(const char *path, const char *passphrase, size_t pass_len,
                            sk_study_key **out, sk_error *err)
{
    if (!path || !out || (!passphrase && pass_len))
        return sk_error_set(err, SK_ERR_ARG, "no key file or passphrase given");
    sk_status st = sk_crypto_init(err);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (st == SK_OK)
        st = sk_read_file(path, 4096, &buf, &len, err);
    if (st != SK_OK)
        return st;
    if (len < 5 || memcmp(buf, KEY_MAGIC, 4) != 0) {
        free(buf);
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "this is not a study key file (study.key); give the file keygen wrote");
    }
    if (buf[4] != KEY_VERSION) {
        unsigned version = buf[4];
        free(buf);
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, path, NULL, 0, NULL,
                               version > KEY_VERSION
                                   ? "the study key has format version %u, which this build "
                                     "cannot read; update survey-sync"
                                   : "the study key has format version %u, from an older release "
                                     "that this build no longer reads",
                               version);
    }
    uint64_t ops = len == KEY_FILE_SIZE ? sk_get_u64(buf + 8) : 0, mem = len == KEY_FILE_SIZE ? sk_get_u64(buf + 16) : 0;
    if (len != KEY_FILE_SIZE || buf[5] != PWHASH_ALG_ARGON2ID13 || buf[6] || buf[7] || !cost_acceptable(ops, mem)) {
        free(buf);
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "the study key file is truncated or damaged; use a backup copy");
    }
    sk_study_key *key = sodium_malloc(sizeof *key);
    uint8_t *k = sodium_malloc(32 + SECRET_SIZE);
    if (!key || !k) {
        sodium_free(key);
        sodium_free(k);
        free(buf);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    }
    uint8_t *secret = k + 32;
    st = derive(k, passphrase ? passphrase : "", pass_len, buf + 24, ops, mem, path, err);
    if (st == SK_OK &&
        crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL, buf + KEY_HEADER_SIZE,
                                                   len - KEY_HEADER_SIZE, buf, KEY_HEADER_SIZE, buf + 40, k) != 0)
        st = sk_error_set_at(err, SK_ERR_PASSPHRASE, path, NULL, 0, NULL,
                             "wrong passphrase for this study key (or the file is damaged); try again");
    if (st == SK_OK) {
        memcpy(key->pub.box_pk, buf + PUB_KEYS_OFFSET_KEY, 32);
        memcpy(key->pub.sign_pk, buf + PUB_KEYS_OFFSET_KEY + 32, 32);
        memcpy(key->box_sk, secret, 32);
        memcpy(key->sign_sk, secret + 32, 64);
        /* The clear public halves must belong to the secret ones. */
        uint8_t box_pk[32];
        crypto_scalarmult_base(box_pk, key->box_sk);
        if (sodium_memcmp(box_pk, key->pub.box_pk, 32) != 0 ||
            sodium_memcmp(key->sign_sk + 32, key->pub.sign_pk, 32) != 0)
            st = sk_error_set_at(err, SK_ERR_AUTH, path, NULL, 0, NULL,
                                 "the study key's public and secret halves do not match; the file was "
                                 "altered, use a backup copy");
    }
    sodium_free(k);
    free(buf);
    if (st != SK_OK) {
        sk_study_key_free(key);
        return st;
    }
    *out = key;
    return SK_OK;
}

void sk_study_key_free(sk_study_key *key)
{
    if (key)
        sodium_free(key);  /* wipes */
}

sk_status sk_study_pub_load(const char *path, sk_study_pub *out, sk_error *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    sk_status st = sk_read_file(path, 4096, &buf, &len, err);
    if (st != SK_OK)
        return st;
    size_t off = 0;
    if (len >= 5 && memcmp(buf, PUB_MAGIC, 4) == 0 && buf[4] == KEY_VERSION && len == PUB_FILE_SIZE)
        off = PUB_KEYS_OFFSET_PUB;
    else if (len >= 5 && memcmp(buf, KEY_MAGIC, 4) == 0 && buf[4] == KEY_VERSION && len == KEY_FILE_SIZE)
        off = PUB_KEYS_OFFSET_KEY;
    if (off == 0) {
        int newer = len >= 5 && (memcmp(buf, PUB_MAGIC, 4) == 0 || memcmp(buf, KEY_MAGIC, 4) == 0) &&
                    buf[4] > KEY_VERSION;
        free(buf);
        return newer ? sk_error_set_at(err, SK_ERR_UNSUPPORTED, path, NULL, 0, NULL,
                                       "the key file has a newer format than this build reads; update survey-sync")
                     : sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                                       "this is not a study.pub or study.key file, or it is truncated");
    }
    memcpy(out->box_pk, buf + off, 32);
    memcpy(out->sign_pk, buf + off + 32, 32);
    free(buf);
    return SK_OK;
}

void sk_study_fingerprint(const sk_study_pub *pub, char out[SK_FINGERPRINT_SIZE])
{
    uint8_t in[64], h[32];
    pub_bytes(pub, in);
    crypto_generichash(h, sizeof h, in, sizeof in, NULL, 0);
    sk_b32_grouped(h, out);
}
