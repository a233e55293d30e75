/* bundle_read.c - read a bundle in two passes with flat memory.  Pass 1
 * (open) hashes every byte before the signature and verifies it with the
 * device key named in the header; nothing else is interpreted until then.
 * Pass 2 (next) streams the items one at a time through a bounded buffer
 * and hashes the bytes again; close compares the two hashes, so a file that
 * changed between the passes is refused.  Callers commit only after close. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "bundle_internal.h"
#include "crypto_internal.h"
#include "sk/bundle.h"
#include "sk/text.h"

struct sk_bundle_reader {
    FILE *f;
    char *path;
    uint64_t body_end;   /* file size minus the signature */
    uint64_t pos;        /* bytes consumed in pass 2 */
    crypto_generichash_state hash;
    uint8_t signed_hash[BUNDLE_HASH];
    uint64_t want_records, want_packs, n_records, n_packs;
    uint8_t *buf;
    size_t cap;
    int done;            /* the end mark was read and checked */
};

static sk_status fail(sk_error *err, sk_status st, const char *path, const char *what)
{
    return sk_error_set_at(err, st, path, NULL, 0, NULL, "%s", what);
}

static const char damaged[] = "the bundle is damaged or was altered (its signature does not verify); "
                              "export it again from the kiosk";
static const char truncated[] = "the bundle is truncated or is not a bundle; copy it again";

/* Pass-2 read: exactly n bytes, all before the signature, hashed. */
static bool take(sk_bundle_reader *r, void *p, size_t n)
{
    if (n > r->body_end - r->pos || fread(p, 1, n, r->f) != n)
        return false;
    crypto_generichash_update(&r->hash, p, n);
    r->pos += n;
    return true;
}

/* Pass 1: hash [0, body_end) and verify the signature with pk. */
static sk_status authenticate(sk_bundle_reader *r, const uint8_t pk[32], sk_error *err)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, BUNDLE_HASH);
    uint8_t chunk[65536], sig[BUNDLE_SIG];
    if (fseek(r->f, 0, SEEK_SET) != 0)
        return fail(err, SK_ERR_IO, r->path, "cannot read the bundle");
    for (uint64_t left = r->body_end; left;) {
        size_t n = left < sizeof chunk ? (size_t)left : sizeof chunk;
        if (fread(chunk, 1, n, r->f) != n)
            return fail(err, SK_ERR_FORMAT, r->path, truncated);
        crypto_generichash_update(&h, chunk, n);
        left -= n;
    }
    if (fread(sig, 1, sizeof sig, r->f) != sizeof sig || fgetc(r->f) != EOF)
        return fail(err, SK_ERR_FORMAT, r->path, "the bundle changed while it was being read; try again");
    crypto_generichash_final(&h, r->signed_hash, sizeof r->signed_hash);
    if (crypto_sign_verify_detached(sig, r->signed_hash, sizeof r->signed_hash, pk) != 0)
        return fail(err, SK_ERR_AUTH, r->path, damaged);
    return SK_OK;
}

/* Read the header in pass 2 (now authenticated) into info. */
static sk_status read_header(sk_bundle_reader *r, sk_bundle_info *info, sk_error *err)
{
    uint8_t fixed[48], label_len, created[8];
    memset(info, 0, sizeof *info);
    if (!take(r, fixed, sizeof fixed) || !take(r, &label_len, 1) || label_len > SK_LABEL_MAX ||
        !take(r, info->device_label, label_len) || memchr(info->device_label, 0, label_len) ||
        !take(r, created, sizeof created))
        return fail(err, SK_ERR_FORMAT, r->path, truncated);
    if (fixed[5] || fixed[6] || fixed[7])
        return fail(err, SK_ERR_FORMAT, r->path,
                    "the bundle's reserved header bytes are not zero; it was not written by "
                    "survey-kiosk");
    if (!sk_utf8_valid(info->device_label, label_len))
        return fail(err, SK_ERR_FORMAT, r->path,
                    "the bundle's device label is not valid UTF-8; it was not written by "
                    "survey-kiosk");
    memcpy(info->device_id, fixed + 8, SK_DEVICE_ID_SIZE);
    memcpy(info->device_pk, fixed + 16, 32);
    info->device_label[label_len] = '\0';
    info->created_ms = (int64_t)sk_get_u64(created);
    info->n_records = r->want_records;
    info->n_packs = r->want_packs;
    return SK_OK;
}

/* Before authenticating: the magic, version and device key from the first bytes. */
static sk_status peek_header(sk_bundle_reader *r, uint8_t pk[32], uint8_t id[SK_DEVICE_ID_SIZE], sk_error *err)
{
    uint8_t fixed[48];
    if (fread(fixed, 1, sizeof fixed, r->f) != sizeof fixed || memcmp(fixed, BUNDLE_MAGIC, 4) != 0)
        return fail(err, SK_ERR_FORMAT, r->path, truncated);
    if (fixed[4] < BUNDLE_VERSION)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, r->path, NULL, 0, NULL,
                               "the bundle has format version %u, from an older survey-kiosk whose "
                               "records are not signed; update that kiosk and export again",
                               fixed[4]);
    if (fixed[4] != BUNDLE_VERSION)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, r->path, NULL, 0, NULL,
                               "the bundle has format version %u, which this build cannot read; "
                               "update survey-sync",
                               fixed[4]);
    memcpy(id, fixed + 8, SK_DEVICE_ID_SIZE);
    memcpy(pk, fixed + 16, 32);
    return SK_OK;
}

/* The authenticated trailer counts, read by position. */
static sk_status read_counts(sk_bundle_reader *r, sk_error *err)
{
    uint8_t t[BUNDLE_TRAILER_COUNTS];
    if (fseek(r->f, (long)(r->body_end - BUNDLE_TRAILER_COUNTS), SEEK_SET) != 0 ||
        fread(t, 1, sizeof t, r->f) != sizeof t || t[0] != BUNDLE_END_MARK)
        return fail(err, SK_ERR_FORMAT, r->path, truncated);
    r->want_records = sk_get_u64(t + 1);
    r->want_packs = sk_get_u64(t + 9);
    return SK_OK;
}

sk_status sk_bundle_reader_open(const char *path, sk_bundle_reader **out, sk_bundle_info *info,
                                sk_error *err)
{
    if (!path || !out || !info)
        return sk_error_set(err, SK_ERR_ARG, "no bundle path or nowhere to put it");
    sk_status st = sk_crypto_init(err);
    if (st != SK_OK)
        return st;
    sk_bundle_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    }
    struct stat sb;
    r->f = fopen(path, "rb");
    if (!r->f || fstat(fileno(r->f), &sb) != 0) {
        st = sk_error_set_at(err, errno == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO, path, NULL, 0, NULL,
                             "cannot open the bundle: %s", strerror(errno));
    } else if (!S_ISREG(sb.st_mode) ||
               (uint64_t)sb.st_size < BUNDLE_HEADER_MIN + BUNDLE_TRAILER_COUNTS + BUNDLE_SIG) {
        st = fail(err, SK_ERR_FORMAT, path, truncated);
    }
    uint8_t pk[32], id[SK_DEVICE_ID_SIZE], expect[SK_DEVICE_ID_SIZE];
    if (st == SK_OK) {
        r->body_end = (uint64_t)sb.st_size - BUNDLE_SIG;
        st = peek_header(r, pk, id, err);
    }
    if (st == SK_OK)
        st = authenticate(r, pk, err);
    if (st == SK_OK) {
        sk_device_id(pk, expect);
        if (memcmp(expect, id, SK_DEVICE_ID_SIZE) != 0)
            st = fail(err, SK_ERR_AUTH, path, "the bundle's device id does not belong to its device key; "
                                              "it was forged or altered");
    }
    if (st == SK_OK)
        st = read_counts(r, err);
    if (st == SK_OK && fseek(r->f, 0, SEEK_SET) != 0)
        st = fail(err, SK_ERR_IO, path, "cannot read the bundle");
    sk_bundle_info tmp_info;
    if (st == SK_OK) {
        crypto_generichash_init(&r->hash, NULL, 0, BUNDLE_HASH);
        st = read_header(r, &tmp_info, err);
    }
    if (st != SK_OK) {
        sk_bundle_reader_abort(r);
        return st;
    }
    *info = tmp_info;
    *out = r;
    return SK_OK;
}

int sk_bundle_reader_next(sk_bundle_reader *r, sk_bundle_item_kind *kind, const uint8_t **data,
                          size_t *len, sk_error *err)
{
    if (!r) {
        sk_error_set(err, SK_ERR_ARG, "no bundle reader");
        return -1;
    }
    if (r->done)
        return 0;
    uint8_t k, n4[4];
    if (!take(r, &k, 1)) {
        fail(err, SK_ERR_FORMAT, r->path, truncated);
        return -1;
    }
    if (k == BUNDLE_END_MARK) {
        uint8_t counts[16];
        if (!take(r, counts, sizeof counts) || r->pos != r->body_end ||
            sk_get_u64(counts) != r->n_records || sk_get_u64(counts + 8) != r->n_packs ||
            r->n_records != r->want_records || r->n_packs != r->want_packs) {
            fail(err, SK_ERR_FORMAT, r->path, "the bundle's item counts do not match its items; "
                                              "export it again from the kiosk");
            return -1;
        }
        r->done = 1;
        return 0;
    }
    uint32_t n;
    if ((k != SK_ITEM_PACK && k != SK_ITEM_RECORD) || !take(r, n4, 4) ||
        (n = sk_get_u32(n4)) == 0 || n > BUNDLE_ITEM_MAX || n > r->body_end - r->pos) {
        fail(err, SK_ERR_FORMAT, r->path, "the bundle has a malformed item; export it again from the kiosk");
        return -1;
    }
    if (n > r->cap) {
        uint8_t *p = realloc(r->buf, n);
        if (!p) {
            sk_error_set(err, SK_ERR_NOMEM, "out of memory");
            return -1;
        }
        r->buf = p;
        r->cap = n;
    }
    if (!take(r, r->buf, n)) {
        fail(err, SK_ERR_AUTH, r->path, "the bundle changed while it was being read; try again");
        return -1;
    }
    if (k == SK_ITEM_PACK)
        r->n_packs++;
    else
        r->n_records++;
    *kind = (sk_bundle_item_kind)k;
    *data = r->buf;
    *len = n;
    return 1;
}

sk_status sk_bundle_reader_close(sk_bundle_reader *r, sk_error *err)
{
    if (!r)
        return sk_error_set(err, SK_ERR_ARG, "no bundle reader");
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int more;
    /* Items the caller did not ask for are still read and hashed. */
    while ((more = sk_bundle_reader_next(r, &kind, &data, &len, err)) == 1)
        ;
    sk_status st = SK_OK;
    if (more < 0) {
        st = err ? err->status : SK_ERR_FORMAT;
    } else {
        uint8_t h[BUNDLE_HASH];
        crypto_generichash_final(&r->hash, h, sizeof h);
        if (sodium_memcmp(h, r->signed_hash, sizeof h) != 0)
            st = fail(err, SK_ERR_AUTH, r->path,
                      "the bundle changed while it was being read; nothing from it may be used, try again");
    }
    sk_bundle_reader_abort(r);
    return st;
}

void sk_bundle_reader_abort(sk_bundle_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->buf);
    free(r->path);
    free(r);
}
