/* bundle_write.c - write a signed bundle through a temporary file beside the
 * target: every byte is hashed as it is written, finish signs the hash with
 * the device key, fsyncs, renames into place and fsyncs the folder. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../base/platform.h"
#include "bundle_internal.h"
#include "crypto_internal.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/text.h"

struct sk_bundle_writer {
    FILE *f;
    char *path;
    char tmp[4096];
    crypto_generichash_state hash;
    uint8_t device_pk[32];
    uint64_t n_records, n_packs;
    int write_errno;  /* first failed write, 0 if none */
};

void sk_device_id(const uint8_t device_pk[32], uint8_t id[SK_DEVICE_ID_SIZE])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, device_pk, 32, NULL, 0);
    memcpy(id, h, SK_DEVICE_ID_SIZE);
}

void sk_device_fingerprint(const uint8_t device_pk[32], char out[SK_FINGERPRINT_SIZE])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, device_pk, 32, NULL, 0);
    sk_b32_grouped(h, out);
}

static void put(sk_bundle_writer *w, const void *p, size_t n)
{
    if (w->write_errno || n == 0)
        return;
    if (fwrite(p, 1, n, w->f) != n) {
        w->write_errno = errno ? errno : EIO;
        return;
    }
    crypto_generichash_update(&w->hash, p, n);
}

static void put_u8(sk_bundle_writer *w, uint8_t v) { put(w, &v, 1); }

static void put_u32(sk_bundle_writer *w, uint32_t v)
{
    uint8_t t[4];
    sk_put_u32(t, v);
    put(w, t, 4);
}

static void put_u64(sk_bundle_writer *w, uint64_t v)
{
    uint8_t t[8];
    sk_put_u64(t, v);
    put(w, t, 8);
}

sk_status sk_bundle_writer_open(const char *path, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                const char *device_label, const uint8_t device_pk[32],
                                sk_bundle_writer **out, sk_error *err)
{
    return sk_bundle_writer_open_at(path, device_id, device_label, device_pk, sk_now_ms(), out,
                                    err);
}

sk_status sk_bundle_writer_open_at(const char *path, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                   const char *device_label, const uint8_t device_pk[32],
                                   int64_t created_ms, sk_bundle_writer **out, sk_error *err)
{
    if (!path || !device_id || !device_pk || !out)
        return sk_error_set(err, SK_ERR_ARG, "a bundle needs a path, a device id and a device key");
    const char *label = device_label ? device_label : "";
    size_t label_len = strlen(label);
    if (label_len > SK_LABEL_MAX)
        return sk_error_set_at(err, SK_ERR_ARG, path, NULL, 0, NULL,
                               "the device label is longer than %d bytes; shorten it", SK_LABEL_MAX);
    if (!sk_utf8_valid(label, label_len))
        return sk_error_set_at(err, SK_ERR_ARG, path, NULL, 0, NULL,
                               "the device label is not valid UTF-8; set it again");
    uint8_t expect[SK_DEVICE_ID_SIZE];
    sk_device_id(device_pk, expect);
    if (memcmp(expect, device_id, SK_DEVICE_ID_SIZE) != 0)
        return sk_error_set_at(err, SK_ERR_ARG, path, NULL, 0, NULL,
                               "the device id does not belong to the device key (make it with sk_device_id)");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    sk_bundle_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    }
    int fd = sk_temp_beside(path, w->tmp, sizeof w->tmp, err);
    /* bundles are meant to be copied and shared: readable like any document */
    /* A bundle holds only sealed records: readable as the user's umask allows
     * (mkstemp made it 0600). */
    mode_t mask = umask(0);
    umask(mask);
    if (fd < 0 || fchmod(fd, 0666 & ~mask) != 0 || !(w->f = fdopen(fd, "wb"))) {
        if (fd >= 0) {
            close(fd);
            unlink(w->tmp);
            sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot write the bundle: %s", strerror(errno));
        }
        sk_status fail = err ? err->status : SK_ERR_IO;
        free(w->path);
        free(w);
        return fail;
    }
    crypto_generichash_init(&w->hash, NULL, 0, BUNDLE_HASH);
    memcpy(w->device_pk, device_pk, 32);
    put(w, BUNDLE_MAGIC, 4);
    put_u8(w, BUNDLE_VERSION);
    put(w, "\0\0\0", 3);
    put(w, device_id, SK_DEVICE_ID_SIZE);
    put(w, device_pk, 32);
    put_u8(w, (uint8_t)label_len);
    put(w, label, label_len);
    put_u64(w, (uint64_t)created_ms);
    *out = w;
    return SK_OK;
}

static sk_status add_item(sk_bundle_writer *w, uint8_t kind, const uint8_t *data, size_t len, sk_error *err)
{
    if (!w || !data || len == 0 || len > BUNDLE_ITEM_MAX)
        return sk_error_set(err, SK_ERR_ARG, "a bundle item must hold 1 to %u bytes", BUNDLE_ITEM_MAX);
    put_u8(w, kind);
    put_u32(w, (uint32_t)len);
    put(w, data, len);
    if (w->write_errno)
        return sk_write_error(err, w->path, w->write_errno);
    return SK_OK;
}

sk_status sk_bundle_writer_add_pack(sk_bundle_writer *w, const uint8_t *pack, size_t len, sk_error *err)
{
    sk_status st = add_item(w, SK_ITEM_PACK, pack, len, err);
    if (st == SK_OK)
        w->n_packs++;
    return st;
}

sk_status sk_bundle_writer_add_record(sk_bundle_writer *w, const uint8_t *record, size_t len, sk_error *err)
{
    sk_record_header h;
    if (w && sk_record_header_parse(record, len, &h, NULL) != SK_OK)
        return sk_error_set_at(err, SK_ERR_ARG, w->path, NULL, 0, NULL,
                               "refusing to add something that is not a sealed record to the bundle");
    sk_status st = add_item(w, SK_ITEM_RECORD, record, len, err);
    if (st == SK_OK)
        w->n_records++;
    return st;
}

void sk_bundle_writer_abort(sk_bundle_writer *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    unlink(w->tmp);
    free(w->path);
    free(w);
}

sk_status sk_bundle_writer_finish(sk_bundle_writer *w, const sk_device_key *key, sk_error *err)
{
    if (!w)
        return sk_error_set(err, SK_ERR_ARG, "no bundle writer");
    if (!key || sodium_memcmp(key->pk, w->device_pk, 32) != 0) {
        sk_status st = sk_error_set_at(err, SK_ERR_MISMATCH, w->path, NULL, 0, NULL,
                                       "the signing key is not the device key the bundle was opened with");
        sk_bundle_writer_abort(w);
        return st;
    }
    put_u8(w, BUNDLE_END_MARK);
    put_u64(w, w->n_records);
    put_u64(w, w->n_packs);
    uint8_t h[BUNDLE_HASH], sig[BUNDLE_SIG];
    crypto_generichash_final(&w->hash, h, sizeof h);
    crypto_sign_detached(sig, NULL, h, sizeof h, key->sk);
    if (!w->write_errno && fwrite(sig, 1, sizeof sig, w->f) != sizeof sig)
        w->write_errno = errno ? errno : EIO;
    if (!w->write_errno && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
        w->write_errno = errno ? errno : EIO;
    int close_rc = fclose(w->f);
    w->f = NULL;
    if (!w->write_errno && close_rc != 0)
        w->write_errno = errno ? errno : EIO;
    sk_status st = SK_OK;
    int e;
    if (w->write_errno)
        st = sk_write_error(err, w->path, w->write_errno);
    else if ((e = sk_plat_place(w->tmp, w->path, false)) != 0)
        st = sk_error_set_at(err, SK_ERR_IO, w->path, NULL, 0, NULL, "cannot move the bundle into place: %s",
                             strerror(e));
    if (st != SK_OK) {
        sk_bundle_writer_abort(w);
        return st;
    }
    st = sk_fsync_parent(w->path, err);
    free(w->path);
    free(w);
    return st;
}

void sk_bundle_file_name(const uint8_t device_id[SK_DEVICE_ID_SIZE], uint64_t first_seq,
                         uint64_t last_seq, int64_t now_ms, char *out, size_t size)
{
    char hex[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(device_id, SK_DEVICE_ID_SIZE, hex);
    snprintf(out, size, "skb-%s-%llu-%llu-%lld.skb", hex, (unsigned long long)first_seq,
             (unsigned long long)last_seq, (long long)now_ms);
}
