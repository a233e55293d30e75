/* cstore_merge_store.c - merging another central store into this one.
 *
 * Trust: a store file carries no signature of its own, and anyone can write
 * one, so nothing in it is believed for being there.  It must be a central
 * store of this schema and pass PRAGMA quick_check; every pack's signature is
 * verified and must be the pinned study's; every device's id must belong to
 * its key; every record (and every conflicting copy) must carry a valid
 * signature of the device it names; every withdrawal must carry a statement
 * signed by the pinned study.  Enrolment does not travel: a device this store
 * has not accepted is held here whatever the other store decided.  What it
 * says a withdrawal removed (withdrawn_records) is taken only for withdrawals
 * whose statement verified; it is what lets status count those numbers as
 * accounted for (docs/FORMATS.md says what that trusts). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../base/platform.h"
#include "cstore_internal.h"
#include "sk/text.h"

/* A device of the source store, as this store sees it. */
typedef struct source_device {
    cstore_device dev;
    bool rejected;           /* rejected here: its records are refused */
} source_device;

typedef struct source_db {
    cdb *db;
    const char *path;        /* its name in messages */
    const char *target;      /* the path or URI to open */
    source_device *devices;  /* sorted by id */
    size_t n_devices;
} source_db;

static sk_status src_fail(source_db *src, sk_error *err)
{
    return cdb_fail(src->db, "reading the store to merge", err);
}

static sk_status bad_row(source_db *src, const char *what, sk_error *err)
{
    return sk_error_set_at(err, SK_ERR_FORMAT, src->path, NULL, 0, NULL,
                           "the store holds %s; nothing in it was merged "
                           "(merge the bundles it came from instead)",
                           what);
}

/* Open the other store read-only, in one snapshot (a read transaction), and
 * check it is a store of a schema this build reads; a SQLite file must also
 * pass quick_check. */
static sk_status open_source(source_db *src, sk_cstore *into, sk_error *err)
{
    if (!cdb_is_url(src->target) && !cdb_is_url(into->target) &&
        sk_plat_same_file(src->target, into->target))
        return sk_error_set_at(err, SK_ERR_ARG, src->path, NULL, 0, NULL,
                               "this is the store being merged into; name another file");
    sk_status st = cdb_open(src->target, src->path, CDB_READONLY, &src->db, err);
    if (st != SK_OK)
        return st;
    if (cdb_same_store(src->db, into->db, src->target, into->target))
        return sk_error_set_at(err, SK_ERR_ARG, src->path, NULL, 0, NULL,
                               "this is the store being merged into; name another store");
    st = cdb_begin(src->db, CDB_READ, err);
    if (st == SK_OK)
        st = cstore_check_schema(src->db, NULL, err);
    if (st != SK_OK || cdb_backend(src->db) != CDB_SQLITE)
        return st;
    cdb_stmt *s = NULL;
    st = cstore_prepare(src->db, "PRAGMA quick_check", &s, err);
    if (st != SK_OK)
        return st;
    int rc = cdb_step(s);
    const char *res = rc == CDB_ROW ? cdb_column_text(s, 0) : NULL;
    bool ok = res && strcmp(res, "ok") == 0;
    cdb_finalize(s);
    if (rc != CDB_ROW)
        return src_fail(src, err);
    if (!ok)
        return sk_error_set_at(err, SK_ERR_FORMAT, src->path, NULL, 0, NULL,
                               "the store is damaged (quick_check failed); merge the bundles "
                               "it came from instead");
    return SK_OK;
}

/* A query on the other store. */
static sk_status src_prepare(source_db *src, const char *sql, int flags, cdb_stmt **s,
                             sk_error *err)
{
    return cdb_prepare(src->db, sql, flags, s, err);
}

static sk_status count_records(source_db *src, uint64_t *n, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT count(*) FROM records", 0, &s, err);
    if (st != SK_OK)
        return st;
    int rc = cdb_step(s);
    if (rc == CDB_ROW)
        *n = (uint64_t)cdb_column_int64(s, 0);
    cdb_finalize(s);
    return rc == CDB_ROW ? SK_OK : src_fail(src, err);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const source_device *)a)->dev.hex, ((const source_device *)b)->dev.hex);
}

static const source_device *find_device(const source_db *src, const char *hex)
{
    source_device key;
    snprintf(key.dev.hex, sizeof key.dev.hex, "%s", hex ? hex : "");
    return bsearch(&key, src->devices, src->n_devices, sizeof key, by_id);
}

/* Take every device that has a key (a row enrolled by fingerprint alone has
 * no records) under this store's rules; a device rejected here is noted, and
 * its records are refused one by one, not the whole store. */
static sk_status copy_devices(cstore_merge *m, source_db *src, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT id, pk, label FROM devices WHERE pk IS NOT NULL ORDER BY id", 0, &s, err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    size_t cap = 0;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        const char *id = cdb_column_text(s, 0);
        const char *label = cdb_column_text(s, 2);
        uint8_t raw[SK_DEVICE_ID_SIZE], derived[SK_DEVICE_ID_SIZE];
        bool ok = id && label && strlen(id) == 2 * SK_DEVICE_ID_SIZE &&
                  sk_unhex(id, raw, sizeof raw) == SK_OK && cdb_column_bytes(s, 1) == 32 &&
                  strlen(label) <= SK_LABEL_MAX && sk_utf8_valid(label, strlen(label));
        if (ok) { /* the same rule as a bundle: the id belongs to the key */
            sk_device_id(cdb_column_blob(s, 1), derived);
            ok = memcmp(raw, derived, sizeof raw) == 0;
        }
        if (!ok) {
            st = bad_row(src, "a device whose id does not belong to its key, or whose label is "
                              "not UTF-8 text", err);
            break;
        }
        if (src->n_devices == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            source_device *grown = realloc(src->devices, ncap * sizeof *grown);
            if (!grown) {
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the devices");
                break;
            }
            src->devices = grown;
            cap = ncap;
        }
        source_device *d = &src->devices[src->n_devices];
        memset(d, 0, sizeof *d);
        st = cstore_pin_device(m, id, cdb_column_blob(s, 1), label, &d->dev, err);
        if (st == SK_ERR_STATE) { /* rejected here */
            snprintf(d->dev.hex, sizeof d->dev.hex, "%s", id);
            memcpy(d->dev.pk, cdb_column_blob(s, 1), 32);
            d->rejected = true;
            if (err)
                sk_error_clear(err);
            st = SK_OK;
        }
        if (st == SK_OK)
            src->n_devices++;
    }
    cdb_finalize(s);
    if (st == SK_OK && rc != CDB_DONE)
        st = src_fail(src, err);
    return st;
}

static sk_status copy_packs(cstore_merge *m, source_db *src, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT bytes FROM packs ORDER BY rowid", 0, &s, err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW)
        st = cstore_take_pack(m, cdb_column_blob(s, 0), (size_t)cdb_column_bytes(s, 0),
                              err);
    cdb_finalize(s);
    if (st == SK_OK && rc != CDB_DONE)
        st = src_fail(src, err);
    return st;
}

/* Its withdrawals apply here (removing our copies) when their statements
 * verify with this store's study; what they removed there is remembered here
 * so that status counts those numbers. */
static sk_status copy_withdrawals(cstore_merge *m, source_db *src, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT tag, time_ms, statement FROM withdrawals", 0, &s, err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        uint8_t tag[SK_TAG_SIZE];
        int64_t time_ms = 0;
        if (!m->pinned) {
            st = sk_error_set_at(err, SK_ERR_STATE, src->path, NULL, 0, NULL,
                                 "the store holds withdrawals but this store has no study yet to "
                                 "check them with; merge with --study study.pub");
            break;
        }
        st = sk_withdrawal_verify(cdb_column_blob(s, 2), (size_t)cdb_column_bytes(s, 2),
                                  &m->study, tag, &time_ms, err);
        if (st == SK_OK && (cdb_column_bytes(s, 0) != SK_TAG_SIZE ||
                            memcmp(cdb_column_blob(s, 0), tag, SK_TAG_SIZE) != 0))
            st = sk_error_set(err, SK_ERR_AUTH, "its statement is for another sitting");
        if (st != SK_OK) {
            char why[400];
            snprintf(why, sizeof why, "%.399s", err ? err->message : "");
            st = sk_error_set_at(err, st, src->path, NULL, 0, NULL,
                                 "the store holds a withdrawal whose statement does not check "
                                 "out (%s); nothing in it was merged",
                                 why);
            break;
        }
        bool added = false;
        st = cstore_withdraw_tag(m->cs, tag, time_ms, cdb_column_blob(s, 2), NULL, &added,
                                 err);
        m->stats.withdrawals_added += added;
    }
    cdb_finalize(s);
    if (st == SK_OK && rc != CDB_DONE)
        return src_fail(src, err);
    if (st != SK_OK)
        return st;

    cdb_stmt *ins = NULL;
    st = cstore_prepare(m->cs->db,
                        "INSERT INTO withdrawn_records(device, record_id, tag, seq, kind,"
                        " form_id, form_version) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7"
                        " WHERE EXISTS (SELECT 1 FROM withdrawals WHERE tag = ?3)"
                        " ON CONFLICT DO NOTHING",
                        &ins, err);
    if (st != SK_OK)
        return st;
    st = src_prepare(src,
                     "SELECT device, record_id, tag, seq, kind, form_id, form_version"
                     " FROM withdrawn_records",
                     CDB_STREAM, &s, err);
    if (st != SK_OK) {
        cdb_finalize(ins);
        return st;
    }
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        /* Copied by type: the two stores may be different databases. */
        cdb_bind_text(ins, 1, cdb_column_text(s, 0));
        cdb_bind_blob(ins, 2, cdb_column_blob(s, 1), cdb_column_bytes(s, 1));
        cdb_bind_blob(ins, 3, cdb_column_blob(s, 2), cdb_column_bytes(s, 2));
        cdb_bind_int64(ins, 4, cdb_column_int64(s, 3));
        cdb_bind_int64(ins, 5, cdb_column_int64(s, 4));
        cdb_bind_text(ins, 6, cdb_column_text(s, 5));
        cdb_bind_text(ins, 7, cdb_column_text(s, 6));
        int wrc = cdb_step(ins);
        cdb_reset(ins);
        if (wrc != CDB_DONE)
            st = cdb_fail(m->cs->db, "recording a withdrawal", err);
    }
    cdb_finalize(s);
    cdb_finalize(ins);
    if (st == SK_OK && rc != CDB_DONE)
        st = src_fail(src, err);
    return st;
}

/* The record's clear header must say what its row says. */
static bool header_matches_row(cdb_stmt *s, const sk_record_header *h)
{
    char device[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, device);
    const char *row_device = cdb_column_text(s, 7);
    const char *row_form = cdb_column_text(s, 4);
    const char *row_version = cdb_column_text(s, 5);
    return cdb_column_bytes(s, 0) == SK_RECORD_ID_SIZE &&
           memcmp(cdb_column_blob(s, 0), h->record_id, SK_RECORD_ID_SIZE) == 0 &&
           row_device && strcmp(row_device, device) == 0 &&
           (uint64_t)cdb_column_int64(s, 2) == h->seq && (int)cdb_column_int64(s, 3) == h->kind &&
           row_form && strcmp(row_form, h->form_id) == 0 && row_version &&
           strcmp(row_version, h->form_version) == 0;
}

static sk_status copy_records(cstore_merge *m, source_db *src, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT record_id, device, seq, kind, form_id, form_version, blob,"
                                " device FROM records ORDER BY device, seq", CDB_STREAM, &s, err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        const uint8_t *blob = cdb_column_blob(s, 6);
        size_t len = (size_t)cdb_column_bytes(s, 6);
        sk_record_header h;
        st = cstore_check_header(src->path, blob, len, NULL, &h, err);
        if (st == SK_OK && !header_matches_row(s, &h))
            st = bad_row(src, "a record whose header differs from its row", err);
        const source_device *d = st == SK_OK ? find_device(src, cdb_column_text(s, 1)) : NULL;
        if (st == SK_OK && !d)
            st = bad_row(src, "a record of a device it does not list", err);
        if (st == SK_OK && d->rejected)
            m->stats.refused++;
        else if (st == SK_OK)
            st = cstore_take_record(m, &d->dev, &h, blob, len, err);
        if (st == SK_OK)
            cstore_merge_tick(m);
    }
    cdb_finalize(s);
    if (st == SK_OK && rc != CDB_DONE)
        st = src_fail(src, err);
    return st;
}

/* Conflicts it kept aside stay listed here, with their original source. */
static sk_status copy_conflicts(cstore_merge *m, source_db *src, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = src_prepare(src, "SELECT record_id, source, blob, device FROM conflicts", CDB_STREAM, &s,
                               err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(s)) == CDB_ROW) {
        const char *source = cdb_column_text(s, 1);
        const uint8_t *blob = cdb_column_blob(s, 2);
        size_t len = (size_t)cdb_column_bytes(s, 2);
        const source_device *d = find_device(src, cdb_column_text(s, 3));
        sk_record_header h;
        if (cdb_column_bytes(s, 0) != SK_RECORD_ID_SIZE || !source || !d ||
            sk_record_header_parse(blob, len, &h, NULL) != SK_OK ||
            memcmp(h.record_id, cdb_column_blob(s, 0), SK_RECORD_ID_SIZE) != 0)
            st = bad_row(src, "a conflicting copy that is not a record of the device it names", err);
        else if (sk_record_verify(blob, len, d->dev.pk, NULL) != SK_OK)
            st = bad_row(src, "a conflicting record without its device's signature", err);
        else if (!d->rejected)
            st = cstore_take_conflict(m, d->dev.hex, h.record_id, source, blob, len, false, err);
    }
    cdb_finalize(s);
    if (st == SK_OK && rc != CDB_DONE)
        st = src_fail(src, err);
    return st;
}

sk_status cstore_merge_store(cstore_merge *m, sk_error *err)
{
    source_db src = {.path = m->source, .target = m->input};
    sk_status st = open_source(&src, m->cs, err);
    if (st == SK_OK)
        st = count_records(&src, &m->total, err);
    if (st == SK_OK)
        st = cdb_begin(m->cs->db, CDB_WRITE, err);
    if (st != SK_OK) {
        cdb_close(src.db);
        return st;
    }
    st = cstore_merge_begin(m, err);
    if (st == SK_OK)
        st = copy_packs(m, &src, err); /* first: the first pack may pin the study */
    if (st == SK_OK)
        st = copy_devices(m, &src, err);
    if (st == SK_OK)
        st = copy_withdrawals(m, &src, err);
    if (st == SK_OK) /* the withdrawals just taken refuse the records below */
        st = cstore_merge_count_withdrawals(m, err);
    if (st == SK_OK)
        st = copy_records(m, &src, err);
    if (st == SK_OK)
        st = cstore_flush_records(m, err);
    if (st == SK_OK)
        st = copy_conflicts(m, &src, err);
    if (cstore_merge_end(m, st == SK_OK, err) != SK_OK && st == SK_OK)
        st = err ? err->status : SK_ERR_DB;
    if (st == SK_OK)
        st = cdb_commit(m->cs->db, err);
    if (st != SK_OK)
        cdb_rollback(m->cs->db);
    cdb_rollback(src.db); /* the read snapshot */
    cdb_close(src.db);
    free(src.devices);
    return st;
}
