/* kstore_export.c - writing a signed bundle of the finished records.
 * Records are streamed from SQLite into the bundle writer (memory stays flat)
 * and marked exported only after the bundle is durably in place, so a pulled
 * stick or a crash can only mean exporting again, which is harmless. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kstore_internal.h"

typedef sk_status (*add_fn)(sk_bundle_writer *w, const uint8_t *data, size_t len, sk_error *err);

/* Stream column 0 of every row of sql (bound to first, last, all) into the bundle. */
static sk_status stream(sk_kstore *ks, sk_bundle_writer *w, const char *sql, add_fn add,
                        uint64_t first, uint64_t last, bool all, const char *doing, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, sql, &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)first);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
    sqlite3_bind_int(st, 3, all);
    int rc;
    while (s == SK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        s = add(w, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), err);
    if (s == SK_OK && rc != SQLITE_DONE)
        s = ks_db_error(ks, rc, doing, err);
    sqlite3_finalize(st);
    return s;
}

/* The packs the exported records were collected with. */
static sk_status add_packs(sk_kstore *ks, sk_bundle_writer *w, uint64_t first, uint64_t last,
                           bool all, sk_error *err)
{
    return stream(ks, w,
                  "SELECT bytes FROM packs p WHERE EXISTS (SELECT 1 FROM records r "
                  "WHERE r.form_id = p.form_id AND r.form_version = p.form_version "
                  "AND r.seq BETWEEN ?1 AND ?2 AND (?3 OR r.exported_ms IS NULL)) "
                  "ORDER BY install_order",
                  sk_bundle_writer_add_pack, first, last, all, "reading packs for the bundle", err);
}

static sk_status add_records(sk_kstore *ks, sk_bundle_writer *w, uint64_t first, uint64_t last,
                             bool all, sk_error *err)
{
    return stream(ks, w,
                  "SELECT blob FROM records WHERE seq BETWEEN ?1 AND ?2 AND "
                  "(?3 OR exported_ms IS NULL) ORDER BY seq",
                  sk_bundle_writer_add_record, first, last, all, "reading records for the bundle",
                  err);
}

sk_status sk_kstore_export(sk_kstore *ks, const char *outdir, bool all, char *path_out,
                           size_t size, uint64_t *n_records, sk_error *err)
{
    if (!ks || !outdir || !n_records)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_export: NULL argument");
    sk_status s = ks_need_lock(ks, "export records", err);
    if (s != SK_OK)
        return s;
    sqlite3_stmt *st;
    s = ks_prepare(ks,
                   "SELECT COUNT(*), MIN(seq), MAX(seq) FROM records WHERE ? OR "
                   "exported_ms IS NULL",
                   &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int(st, 1, all);
    uint64_t n = 0, first = 0, last = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = (uint64_t)sqlite3_column_int64(st, 0);
        first = (uint64_t)sqlite3_column_int64(st, 1);
        last = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (n == 0) {
        *n_records = 0;
        if (path_out && size)
            path_out[0] = '\0';
        return SK_OK;
    }
    if (mkdir(outdir, 0700) != 0 && errno != EEXIST)
        return sk_error_set_at(err, SK_ERR_IO, outdir, NULL, 0, NULL,
                               "cannot create the export folder: %s", strerror(errno));
    char name[128], path[4096 + 160];
    int64_t now = sk_now_ms(); /* the header's time and the name's are one */
    sk_bundle_file_name(ks->device_id, first, last, now, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", outdir, name);
    sk_bundle_writer *w = NULL;
    s = sk_bundle_writer_open_at(path, ks->device_id, ks->label, ks->key->pk, now, &w, err);
    if (s != SK_OK)
        return s;
    /* A read transaction keeps the set of records stable while we stream it. */
    s = ks_exec(ks, "BEGIN", "exporting", err);
    if (s == SK_OK)
        s = add_packs(ks, w, first, last, all, err);
    if (s == SK_OK)
        s = add_records(ks, w, first, last, all, err);
    sqlite3_exec(ks->db, "COMMIT", NULL, NULL, NULL);
    if (s != SK_OK) {
        sk_bundle_writer_abort(w);
        return s;
    }
    s = sk_bundle_writer_finish(w, ks->key, err);
    if (s != SK_OK)
        return s;
    s = ks_prepare(ks,
                   "UPDATE records SET exported_ms = ? WHERE seq BETWEEN ? AND ? AND "
                   "exported_ms IS NULL",
                   &st, err);
    if (s == SK_OK) {
        sqlite3_bind_int64(st, 1, sk_now_ms());
        sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)last);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            s = ks_db_error(ks, rc, "marking records exported", err);
    }
    /* Even if marking failed the bundle is complete: exporting again is harmless. */
    *n_records = n;
    if (path_out && size)
        snprintf(path_out, size, "%s", path);
    return s;
}
