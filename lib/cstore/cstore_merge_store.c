/* cstore_merge_store.c - merging another central store into this one.
 *
 * Trust: a central store is the research team's own file (made by
 * survey-sync merge from bundles it authenticated), so it carries no
 * signature of its own.  It is still checked before anything is applied: it
 * must be a central store of this schema and pass PRAGMA quick_check; every
 * pack's signature is verified again; every record stays sealed, and its clear
 * header is parsed and must agree with the row that holds it.  Devices follow
 * the same pinning rule as bundles, and its withdrawals apply here too. */
#include <string.h>
#include <sys/stat.h>

#include "cstore_internal.h"

typedef struct source_db {
    sqlite3 *db;
    const char *path;
} source_db;

static sk_status src_fail(source_db *src, int rc, sk_error *err)
{
    return cstore_db_error(src->db, rc, src->path, "reading the store to merge", err);
}

static sk_status bad_row(source_db *src, const char *what, sk_error *err)
{
    return sk_error_set_at(err, SK_ERR_FORMAT, src->path, NULL, 0, NULL,
                           "the store holds %s that does not check out; it was not merged "
                           "(merge the bundles it came from instead)",
                           what);
}

static sk_status open_source(source_db *src, const char *store_path, sk_error *err)
{
    struct stat a, b;
    if (stat(src->path, &a) == 0 && stat(store_path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        return sk_error_set_at(err, SK_ERR_ARG, src->path, NULL, 0, NULL,
                               "this is the store being merged into; name another file");
    int rc = sqlite3_open_v2(src->path, &src->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sqlite3_busy_timeout(src->db, 10000);
    sk_status st = cstore_check_schema(src->db, src->path, err);
    if (st != SK_OK)
        return st;
    sqlite3_stmt *s = NULL;
    rc = sqlite3_prepare_v2(src->db, "PRAGMA quick_check", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    bool ok = rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(s, 0), "ok") == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return src_fail(src, rc, err);
    if (!ok)
        return sk_error_set_at(err, SK_ERR_FORMAT, src->path, NULL, 0, NULL,
                               "the store is damaged (quick_check failed); merge the bundles "
                               "it came from instead");
    return SK_OK;
}

static sk_status count_records(source_db *src, uint64_t *n, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db, "SELECT count(*) FROM records", -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? SK_OK : src_fail(src, rc, err);
}

static sk_status copy_devices(cstore_merge *m, source_db *src, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db, "SELECT id, pk, label FROM devices", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sk_status st = SK_OK;
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);
        const char *label = (const char *)sqlite3_column_text(s, 2);
        uint8_t raw[SK_DEVICE_ID_SIZE], derived[SK_DEVICE_ID_SIZE];
        bool ok = id && label && strlen(id) == 2 * SK_DEVICE_ID_SIZE &&
                  sk_unhex(id, raw, sizeof raw) == SK_OK && sqlite3_column_bytes(s, 1) == 32;
        if (ok) { /* the same rule as a bundle: the id belongs to the key */
            sk_device_id(sqlite3_column_blob(s, 1), derived);
            ok = memcmp(raw, derived, sizeof raw) == 0;
        }
        if (!ok)
            st = bad_row(src, "a device whose id does not belong to its key", err);
        else
            st = cstore_pin_device(m, id, sqlite3_column_blob(s, 1), label, err);
    }
    sqlite3_finalize(s);
    if (st == SK_OK && rc != SQLITE_DONE)
        st = src_fail(src, rc, err);
    return st;
}

static sk_status copy_packs(cstore_merge *m, source_db *src, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db, "SELECT bytes FROM packs ORDER BY rowid", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sk_status st = SK_OK;
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        st = cstore_take_pack(m, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0),
                              err);
    sqlite3_finalize(s);
    if (st == SK_OK && rc != SQLITE_DONE)
        st = src_fail(src, rc, err);
    return st;
}

/* Its withdrawals apply here (removing our copies), and what they removed
 * there is remembered here so that status counts those numbers. */
static sk_status copy_withdrawals(cstore_merge *m, source_db *src, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db, "SELECT tag, time_ms FROM withdrawals", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sk_status st = SK_OK;
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(s, 0) != SK_TAG_SIZE)
            st = bad_row(src, "a withdrawal", err);
        else
            st = cstore_withdraw_tag(m->cs, sqlite3_column_blob(s, 0), sqlite3_column_int64(s, 1),
                                     NULL, err);
    }
    sqlite3_finalize(s);
    if (st == SK_OK && rc != SQLITE_DONE)
        return src_fail(src, rc, err);
    if (st != SK_OK)
        return st;

    sqlite3_stmt *ins = NULL;
    st = cstore_prepare(m->cs->db, m->cs->path,
                        "INSERT OR IGNORE INTO withdrawn_records(record_id, tag, device, seq, kind,"
                        " form_id, form_version) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        &ins, err);
    if (st != SK_OK)
        return st;
    rc = sqlite3_prepare_v2(src->db,
                            "SELECT record_id, tag, device, seq, kind, form_id, form_version"
                            " FROM withdrawn_records",
                            -1, &s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(ins);
        return src_fail(src, rc, err);
    }
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int i = 0; i < 7; i++)
            sqlite3_bind_value(ins, i + 1, sqlite3_column_value(s, i));
        int wrc = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (wrc != SQLITE_DONE)
            st = cstore_db_error(m->cs->db, wrc, m->cs->path, "recording a withdrawal", err);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(ins);
    if (st == SK_OK && rc != SQLITE_DONE)
        st = src_fail(src, rc, err);
    return st;
}

/* The record's clear header must say what its row says. */
static bool header_matches_row(sqlite3_stmt *s, const sk_record_header *h)
{
    char device[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, device);
    const char *row_device = (const char *)sqlite3_column_text(s, 1);
    const char *row_form = (const char *)sqlite3_column_text(s, 4);
    const char *row_version = (const char *)sqlite3_column_text(s, 5);
    return sqlite3_column_bytes(s, 0) == SK_RECORD_ID_SIZE &&
           memcmp(sqlite3_column_blob(s, 0), h->record_id, SK_RECORD_ID_SIZE) == 0 &&
           row_device && strcmp(row_device, device) == 0 &&
           (uint64_t)sqlite3_column_int64(s, 2) == h->seq && sqlite3_column_int(s, 3) == h->kind &&
           row_form && strcmp(row_form, h->form_id) == 0 && row_version &&
           strcmp(row_version, h->form_version) == 0;
}

static sk_status copy_records(cstore_merge *m, source_db *src, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db,
                                "SELECT record_id, device, seq, kind, form_id, form_version, blob"
                                " FROM records ORDER BY rowid",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sk_status st = SK_OK;
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const uint8_t *blob = sqlite3_column_blob(s, 6);
        size_t len = (size_t)sqlite3_column_bytes(s, 6);
        sk_record_header h;
        st = cstore_check_header(src->path, blob, len, NULL, &h, err);
        if (st == SK_OK && !header_matches_row(s, &h))
            st = bad_row(src, "a record whose header differs from its row", err);
        if (st == SK_OK)
            st = cstore_take_record(m, &h, blob, len, err);
        if (st == SK_OK)
            cstore_merge_tick(m);
    }
    sqlite3_finalize(s);
    if (st == SK_OK && rc != SQLITE_DONE)
        st = src_fail(src, rc, err);
    return st;
}

/* Conflicts it kept aside stay listed here, with their original source. */
static sk_status copy_conflicts(cstore_merge *m, source_db *src, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(src->db, "SELECT record_id, source, blob FROM conflicts", -1, &s,
                                NULL);
    if (rc != SQLITE_OK)
        return src_fail(src, rc, err);
    sk_status st = SK_OK;
    while (st == SK_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *source = (const char *)sqlite3_column_text(s, 1);
        if (sqlite3_column_bytes(s, 0) != SK_RECORD_ID_SIZE || !source)
            st = bad_row(src, "a conflict", err);
        else
            st = cstore_take_conflict(m, sqlite3_column_blob(s, 0), source,
                                      sqlite3_column_blob(s, 2),
                                      (size_t)sqlite3_column_bytes(s, 2), false, err);
    }
    sqlite3_finalize(s);
    if (st == SK_OK && rc != SQLITE_DONE)
        st = src_fail(src, rc, err);
    return st;
}

sk_status cstore_merge_store(cstore_merge *m, sk_error *err)
{
    source_db src = {.path = m->source};
    sk_status st = open_source(&src, m->cs->path, err);
    if (st == SK_OK)
        st = count_records(&src, &m->total, err);
    if (st == SK_OK)
        st = cstore_exec(m->cs->db, m->cs->path, "BEGIN IMMEDIATE", err);
    if (st != SK_OK) {
        sqlite3_close_v2(src.db);
        return st;
    }
    st = cstore_merge_begin(m, err);
    if (st == SK_OK)
        st = copy_devices(m, &src, err);
    if (st == SK_OK)
        st = copy_packs(m, &src, err);
    if (st == SK_OK)
        st = copy_withdrawals(m, &src, err);
    if (st == SK_OK)
        st = copy_records(m, &src, err);
    if (st == SK_OK)
        st = copy_conflicts(m, &src, err);
    if (cstore_merge_end(m, st == SK_OK, err) != SK_OK && st == SK_OK)
        st = err ? err->status : SK_ERR_DB;
    if (st == SK_OK)
        st = cstore_exec(m->cs->db, m->cs->path, "COMMIT", err);
    if (st != SK_OK)
        cstore_rollback(m->cs->db);
    sqlite3_close_v2(src.db);
    return st;
}
