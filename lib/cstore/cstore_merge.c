/* cstore_merge.c - sk_cstore_merge: recognise the input, and merge a signed
 * kiosk bundle in one transaction that commits only after the bundle reader
 * has confirmed every streamed byte was the authenticated one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_internal.h"

/* Which count the record just taken moved. */
static sk_merge_outcome outcome(const sk_merge_stats *before, const sk_merge_stats *after)
{
    if (after->added != before->added)
        return SK_MERGED_ADDED;
    if (after->held != before->held)
        return SK_MERGED_HELD;
    if (after->present != before->present)
        return SK_MERGED_PRESENT;
    if (after->conflicts != before->conflicts)
        return SK_MERGED_CONFLICT;
    if (after->withdrawn != before->withdrawn)
        return SK_MERGED_WITHDRAWN;
    return SK_MERGED_REFUSED;
}

/* The upload's row, in the merge's transaction. */
static sk_status log_upload(cstore_merge *m, const char *device, uint64_t n_records, sk_error *err)
{
    const sk_upload_note *u = m->opts->upload;
    cdb_stmt *s;
    sk_status st = cstore_prepare_kept(m->cs->db,
                                  "INSERT INTO uploads(device, time_ms, digest, records, added, "
                                  "peer) VALUES (?, ?, ?, ?, ?, ?)",
                                  &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, device);
    cdb_bind_int64(s, 2, m->now_ms);
    cdb_bind_blob(s, 3, u->digest, sizeof u->digest);
    cdb_bind_int64(s, 4, (int64_t)n_records);
    cdb_bind_int64(s, 5, (int64_t)(m->stats.added + m->stats.held));
    cdb_bind_text(s, 6, u->peer ? u->peer : "");
    int rc = cdb_step(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(m->cs->db, "logging an upload", err);
    return SK_OK;
}

/* Pass 2: stream the items into the open transaction. */
static sk_status stream_items(cstore_merge *m, sk_bundle_reader *r, const sk_bundle_info *info,
                              const cstore_device *dev, sk_error *err)
{
    for (;;) {
        sk_bundle_item_kind kind;
        const uint8_t *data = NULL;
        size_t len = 0;
        int more = sk_bundle_reader_next(r, &kind, &data, &len, err);
        if (more < 0) {
            sk_error_set_file(err, m->source);
            return err ? err->status : SK_ERR_FORMAT;
        }
        if (more == 0) /* the last records waiting for PostgreSQL go in now */
            return cstore_flush_records(m, err);
        sk_status st;
        if (kind == SK_ITEM_PACK) {
            st = cstore_take_pack(m, data, len, err);
        } else {
            sk_record_header h;
            sk_merge_stats before = m->stats;
            st = cstore_check_header(m->source, data, len, info->device_id, &h, err);
            if (st == SK_OK)
                st = cstore_take_record(m, dev, &h, data, len, err);
            if (st == SK_OK && m->opts->on_record && !m->last_deferred) /* else at the flush */
                m->opts->on_record(m->opts->record_user, h.record_id, outcome(&before, &m->stats));
        }
        if (st != SK_OK)
            return st;
        cstore_merge_tick(m);
    }
}

static sk_status merge_bundle(cstore_merge *m, const char *path, sk_error *err)
{
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_status st = sk_bundle_reader_open(path, &r, &info, err);
    if (st != SK_OK) {
        sk_error_set_file(err, m->source);
        return st;
    }
    m->total = info.n_records + info.n_packs;
    cdb *db = m->cs->db;
    st = cdb_begin(db, CDB_WRITE, err);
    if (st != SK_OK) {
        sk_bundle_reader_abort(r);
        return st;
    }
    char device[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(info.device_id, SK_DEVICE_ID_SIZE, device);
    cstore_device dev;
    st = cstore_merge_begin(m, err);
    if (st == SK_OK)
        st = cstore_pin_device(m, device, info.device_pk, info.device_label, &dev, err);
    if (st == SK_OK)
        st = stream_items(m, r, &info, &dev, err);
    if (st == SK_OK && m->opts->upload)
        st = log_upload(m, device, info.n_records, err);
    if (st == SK_OK && m->opts->device_id_out)
        memcpy(m->opts->device_id_out, info.device_id, SK_DEVICE_ID_SIZE);
    if (st == SK_OK) {
        /* The commit point: nothing is kept unless every byte we stored was
         * the signed one. */
        st = sk_bundle_reader_close(r, err);
        r = NULL;
        if (st != SK_OK)
            sk_error_set_file(err, m->source);
    }
    sk_bundle_reader_abort(r);
    if (cstore_merge_end(m, st == SK_OK, err) != SK_OK && st == SK_OK)
        st = err ? err->status : SK_ERR_DB;
    if (st == SK_OK)
        st = cdb_commit(db, err);
    if (st != SK_OK)
        cdb_rollback(db);
    return st;
}

/* 1 when the input is a central store (a file that starts with SQLite's
 * magic, or a postgresql:// URI), 0 when not, -1 when it cannot be read (err
 * filled). */
static int is_store(const char *path, sk_error *err)
{
    if (cdb_is_url(path))
        return 1;
    static const char magic[16] = "SQLite format 3";
    FILE *f = fopen(path, "rb");
    if (!f) {
        sk_error_set_at(err, errno == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO, path, NULL, 0, NULL,
                        "cannot open the input: %s; check the name", strerror(errno));
        return -1;
    }
    char head[16];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && memcmp(head, magic, sizeof magic) == 0;
}

sk_status sk_cstore_merge(sk_cstore *cs, const char *input, sk_merge_stats *stats,
                          sk_progress_fn progress, void *user, sk_error *err)
{
    sk_merge_opts opts = {.progress = progress, .user = user};
    return sk_cstore_merge_with(cs, input, &opts, stats, err);
}

sk_status sk_cstore_merge_with(sk_cstore *cs, const char *input, const sk_merge_opts *opts,
                               sk_merge_stats *stats, sk_error *err)
{
    static const sk_merge_opts defaults;
    if (!cs || !input)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_merge needs a store and an input");
    if (!opts)
        opts = &defaults;
    const char *source = opts->source ? opts->source : input;
    sk_progress_fn progress = opts->progress;
    void *user = opts->user;
    int kind = is_store(input, err);
    if (kind < 0)
        return err ? err->status : SK_ERR_IO;
    if (kind == 1 && opts->bundle_only)
        return sk_error_set_at(err, SK_ERR_FORMAT, source, NULL, 0, NULL,
                               "this is a central store, not a kiosk bundle; only bundles are "
                               "taken here");
    /* A store is named by what it is (a URI without its password), in
     * messages and in the imports and conflicts it leaves here. */
    char *shown = kind == 1 ? cdb_display_name(input) : NULL;
    if (kind == 1 && !shown)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory merging a store");
    cstore_merge m = {.cs = cs, .source = kind == 1 ? shown : source, .input = input, .opts = opts,
                      .from_store = kind == 1, .progress = progress, .user = user};
    sk_status st = kind ? cstore_merge_store(&m, err) : merge_bundle(&m, input, err);
    free(shown);
    if (st != SK_OK)
        return st;
    if (progress) /* the end, also when the total was not known */
        progress(user, m.done, m.total > m.done ? m.total : m.done);
    if (stats)
        *stats = m.stats;
    return SK_OK;
}
