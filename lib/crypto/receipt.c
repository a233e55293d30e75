/* receipt.c - the delivery server's receipt key (receipt.key / receipt.pub)
 * and the receipts it signs.  Layouts: docs/FORMATS.md, "Receipts".  The
 * secret key is only ever in sodium_malloc'd memory or on the stack, and is
 * wiped there before the memory is given back. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../base/platform.h"
#include "crypto_internal.h"
#include "sk/keys.h"
#include "sk/receipt.h"

#define KEY_MAGIC "SKSK"
#define PUB_MAGIC "SKSP"
#define KEYFILE_VERSION 1
#define KEY_FILE_SIZE (8 + 64)
#define PUB_FILE_SIZE (8 + 32)
#define RECEIPT_MAGIC "SKRC"
/* magic 4, version 1, reserved 3, key id 8, device id 8, digest 32, time 8, count 4 */
#define RECEIPT_HEADER 68
#define RECEIPT_SIG 64

struct sk_server_key {
    uint8_t pk[32];
    uint8_t sk[64];
};

static sk_status join(char *out, size_t size, const char *dir, const char *name, sk_error *err)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        return sk_error_set_at(err, SK_ERR_ARG, dir, NULL, 0, NULL, "the folder path is too long");
    return SK_OK;
}

void sk_server_key_id(const uint8_t pk[32], uint8_t id[SK_SERVER_KEY_ID_SIZE])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, pk, 32, NULL, 0);
    memcpy(id, h, SK_SERVER_KEY_ID_SIZE);
}

sk_status sk_server_key_init(const char *dir, uint8_t pk_out[32], sk_error *err)
{
    if (!dir)
        return sk_error_set(err, SK_ERR_ARG, "sk_server_key_init needs a folder");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    char key_path[4200], pub_path[4200];
    if ((st = join(key_path, sizeof key_path, dir, SK_SERVER_KEY_FILE, err)) != SK_OK ||
        (st = join(pub_path, sizeof pub_path, dir, SK_SERVER_PUB_FILE, err)) != SK_OK)
        return st;
    struct stat sb;
    if (stat(key_path, &sb) == 0 || stat(pub_path, &sb) == 0)
        return sk_error_set_at(err, SK_ERR_EXISTS, dir, NULL, 0, NULL,
                               "the folder already holds a server key; keep it (kiosks trust "
                               "it) or choose another folder");
    uint8_t *file = sodium_malloc(KEY_FILE_SIZE);
    if (!file)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    uint8_t pub[PUB_FILE_SIZE] = {0};
    memset(file, 0, 8);
    memcpy(file, KEY_MAGIC, 4);
    file[4] = KEYFILE_VERSION;
    memcpy(pub, PUB_MAGIC, 4);
    pub[4] = KEYFILE_VERSION;
    crypto_sign_keypair(pub + 8, file + 8);
    st = sk_write_file_atomic(key_path, file, KEY_FILE_SIZE, 0600, 1, err);
    sodium_free(file); /* wipes */
    if (st == SK_OK) {
        st = sk_write_file_atomic(pub_path, pub, sizeof pub, 0644, 1, err);
        if (st != SK_OK)
            unlink(key_path); /* both or neither */
    }
    if (st == SK_OK && pk_out)
        memcpy(pk_out, pub + 8, 32);
    return st;
}

/* Read exactly want bytes of path into buf (no more may follow). */
static sk_status read_exact(const char *path, uint8_t *buf, size_t want, bool secret,
                            sk_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_set_at(err, errno == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO, path, NULL, 0,
                               NULL, "cannot open the server key: %s; make one with survey-sync "
                               "serve --init DIR",
                               strerror(errno));
    struct stat sb;
    if (secret && fstat(fd, &sb) == 0 && sk_plat_mode_shared(&sb)) {
        close(fd);
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "the server's secret key can be read by other users; run chmod "
                               "600 on it");
    }
    size_t n = 0;
    uint8_t extra;
    while (n < want) {
        ssize_t r = read(fd, buf + n, want - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    bool more = n == want && read(fd, &extra, 1) > 0;
    close(fd);
    if (n != want || more)
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "this is not a server key file (wrong size); check the folder");
    return SK_OK;
}

sk_status sk_server_key_load(const char *dir, sk_server_key **out, sk_error *err)
{
    if (!dir || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_server_key_load: NULL argument");
    sk_status st = sk_crypto_init(err);
    char path[4200];
    if (st != SK_OK || (st = join(path, sizeof path, dir, SK_SERVER_KEY_FILE, err)) != SK_OK)
        return st;
    uint8_t *file = sodium_malloc(KEY_FILE_SIZE);
    sk_server_key *key = sodium_malloc(sizeof *key);
    if (!file || !key) {
        if (file)
            sodium_free(file);
        if (key)
            sodium_free(key);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    }
    st = read_exact(path, file, KEY_FILE_SIZE, true, err);
    if (st == SK_OK && (memcmp(file, KEY_MAGIC, 4) != 0 || file[4] != KEYFILE_VERSION))
        st = sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                             "this is not a server key file; check the folder");
    if (st == SK_OK) {
        memcpy(key->sk, file + 8, 64);
        crypto_sign_ed25519_sk_to_pk(key->pk, key->sk);
    }
    sodium_free(file);
    if (st != SK_OK) {
        sodium_free(key);
        return st;
    }
    *out = key;
    return SK_OK;
}

void sk_server_key_free(sk_server_key *key)
{
    if (key)
        sodium_free(key);
}

void sk_server_key_pk(const sk_server_key *key, uint8_t pk[32])
{
    memcpy(pk, key->pk, 32);
}

sk_status sk_server_pub_load(const char *dir, uint8_t pk[32], sk_error *err)
{
    if (!dir || !pk)
        return sk_error_set(err, SK_ERR_ARG, "sk_server_pub_load: NULL argument");
    char path[4200];
    sk_status st = join(path, sizeof path, dir, SK_SERVER_PUB_FILE, err);
    uint8_t file[PUB_FILE_SIZE];
    if (st == SK_OK)
        st = read_exact(path, file, sizeof file, false, err);
    if (st == SK_OK && (memcmp(file, PUB_MAGIC, 4) != 0 || file[4] != KEYFILE_VERSION))
        st = sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                             "this is not a server public key file; check the folder");
    if (st == SK_OK)
        memcpy(pk, file + 8, 32);
    return st;
}

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, SK_RECORD_ID_SIZE);
}

sk_status sk_receipt_make(const sk_server_key *key, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                          const uint8_t bundle_digest[32], int64_t time_ms,
                          const uint8_t (*ids)[SK_RECORD_ID_SIZE], size_t n, uint8_t **out,
                          size_t *len, sk_error *err)
{
    if (!key || !device_id || !bundle_digest || (!ids && n) || !out || !len)
        return sk_error_set(err, SK_ERR_ARG, "sk_receipt_make: NULL argument");
    if (n > SK_RECEIPT_IDS_MAX)
        return sk_error_set(err, SK_ERR_ARG, "a receipt lists at most %u records",
                            SK_RECEIPT_IDS_MAX);
    size_t cap = RECEIPT_HEADER + n * SK_RECORD_ID_SIZE + RECEIPT_SIG;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    uint8_t(*list)[SK_RECORD_ID_SIZE] = (uint8_t(*)[SK_RECORD_ID_SIZE])(buf + RECEIPT_HEADER);
    if (n)
        memcpy(list, ids, n * SK_RECORD_ID_SIZE);
    qsort(list, n, SK_RECORD_ID_SIZE, cmp_id);
    size_t m = 0; /* drop repeats */
    for (size_t i = 0; i < n; i++)
        if (m == 0 || memcmp(list[m - 1], list[i], SK_RECORD_ID_SIZE) != 0)
            memmove(list[m++], list[i], SK_RECORD_ID_SIZE);
    memset(buf, 0, RECEIPT_HEADER);
    memcpy(buf, RECEIPT_MAGIC, 4);
    buf[4] = SK_RECEIPT_VERSION;
    sk_server_key_id(key->pk, buf + 8);
    memcpy(buf + 16, device_id, SK_DEVICE_ID_SIZE);
    memcpy(buf + 24, bundle_digest, 32);
    sk_put_u64(buf + 56, (uint64_t)time_ms);
    sk_put_u32(buf + 64, (uint32_t)m);
    size_t body = RECEIPT_HEADER + m * SK_RECORD_ID_SIZE;
    crypto_sign_detached(buf + body, NULL, buf, body, key->sk);
    *out = buf;
    *len = body + RECEIPT_SIG;
    return SK_OK;
}

sk_status sk_receipt_verify(const uint8_t *buf, size_t len, const uint8_t server_pk[32],
                            sk_receipt *out, sk_error *err)
{
    if (!buf || !server_pk || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_receipt_verify: NULL argument");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    if (len < RECEIPT_HEADER + RECEIPT_SIG || memcmp(buf, RECEIPT_MAGIC, 4) != 0)
        return sk_error_set(err, SK_ERR_FORMAT, "the server's answer is not a receipt");
    if (buf[4] != SK_RECEIPT_VERSION)
        return sk_error_set(err, SK_ERR_UNSUPPORTED,
                            "the server sent a receipt of version %u, which this kiosk does not "
                            "read; update the kiosk",
                            buf[4]);
    uint32_t n = sk_get_u32(buf + 64);
    if (n > SK_RECEIPT_IDS_MAX ||
        len != RECEIPT_HEADER + (size_t)n * SK_RECORD_ID_SIZE + RECEIPT_SIG)
        return sk_error_set(err, SK_ERR_FORMAT, "the server's receipt is truncated or too long");
    uint8_t key_id[SK_SERVER_KEY_ID_SIZE];
    sk_server_key_id(server_pk, key_id);
    size_t body = len - RECEIPT_SIG;
    if (memcmp(buf + 8, key_id, sizeof key_id) != 0 ||
        crypto_sign_verify_detached(buf + body, buf, body, server_pk) != 0)
        return sk_error_set(err, SK_ERR_AUTH,
                            "the server's receipt is not signed by the server this survey pack "
                            "names; nothing was marked delivered");
    const uint8_t *list = buf + RECEIPT_HEADER;
    for (uint32_t i = 1; i < n; i++) /* the format promises ascending, unique */
        if (memcmp(list + (size_t)(i - 1) * SK_RECORD_ID_SIZE, list + (size_t)i * SK_RECORD_ID_SIZE,
                   SK_RECORD_ID_SIZE) >= 0)
            return sk_error_set(err, SK_ERR_FORMAT, "the server's receipt lists records out of order");
    sk_receipt r = {.version = buf[4], .n_ids = n, .time_ms = (int64_t)sk_get_u64(buf + 56)};
    memcpy(r.key_id, buf + 8, sizeof r.key_id);
    memcpy(r.device_id, buf + 16, sizeof r.device_id);
    memcpy(r.bundle_digest, buf + 24, 32);
    if (n) {
        r.ids = malloc((size_t)n * SK_RECORD_ID_SIZE);
        if (!r.ids)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
        memcpy(r.ids, list, (size_t)n * SK_RECORD_ID_SIZE);
    }
    *out = r;
    return SK_OK;
}

void sk_receipt_clear(sk_receipt *r)
{
    if (!r)
        return;
    free(r->ids);
    r->ids = NULL;
    r->n_ids = 0;
}

int sk_receipt_has(const sk_receipt *r, const uint8_t id[SK_RECORD_ID_SIZE])
{
    return r && r->n_ids && bsearch(id, r->ids, r->n_ids, SK_RECORD_ID_SIZE, cmp_id) != NULL;
}
