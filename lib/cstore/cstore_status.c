/* cstore_status.c - what the store holds per study, form version and device,
 * and per device which sequence numbers are held and which are missing.
 *
 * A withdrawn record's number counts as held (it was received, then removed
 * on the participant's request), so withdrawal never shows up as a gap.
 * Sequence numbers are streamed in order from two indexes and merged, so
 * memory grows with the number of ranges, never with the number of records.
 * The per-form rows count only devices the researcher accepted (or retired);
 * every device is listed with its state and what it has held back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_internal.h"
#include "sk/bundle.h"

static const char *const sql_rows =
    "WITH counts AS ("
    "  SELECT form_id, form_version, device, sum(CASE WHEN kind = 2 THEN 1 ELSE 0 END) AS fin,"
    "         sum(CASE WHEN kind = 1 THEN 1 ELSE 0 END) AS cons,"
    "         sum(CASE WHEN kind = 3 THEN 1 ELSE 0 END) AS inc,"
    "         sum(CASE WHEN kind = 4 THEN 1 ELSE 0 END) AS decl, 0 AS wd"
    "  FROM records WHERE device IN (SELECT id FROM devices WHERE state IN (1, 3))"
    "  GROUP BY form_id, form_version, device"
    "  UNION ALL"
    "  SELECT form_id, form_version, device, 0, 0, 0, 0, count(DISTINCT tag)"
    "  FROM withdrawn_records GROUP BY form_id, form_version, device"
    "), conf AS ("
    "  SELECT r.form_id, r.form_version, r.device, count(DISTINCT c.record_id) AS n"
    "  FROM conflicts c JOIN records r ON r.device = c.device AND r.record_id = c.record_id"
    "  GROUP BY r.form_id, r.form_version, r.device"
    ")"
    "SELECT coalesce((SELECT min(study_fp) FROM packs p WHERE p.form_id = c.form_id"
    "                 AND p.form_version = c.form_version), '') AS study,"
    "  c.form_id, c.form_version, c.device, coalesce(max(d.label), ''),"
    "  CAST(sum(fin) AS BIGINT), CAST(sum(cons) AS BIGINT), CAST(sum(inc) AS BIGINT),"
    "  CAST(sum(decl) AS BIGINT), CAST(sum(wd) AS BIGINT),"
    "  coalesce((SELECT n FROM conf WHERE conf.form_id = c.form_id"
    "            AND conf.form_version = c.form_version AND conf.device = c.device), 0),"
    "  coalesce(max(d.last_import_ms), 0)"
    " FROM counts c LEFT JOIN devices d ON d.id = c.device"
    " GROUP BY c.form_id, c.form_version, c.device"
    " ORDER BY study, c.form_id, c.form_version, c.device";

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

/* Append to a growable array of n items of size sz. */
static void *grow(void *items, size_t *cap, size_t n, size_t sz)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap ? 2 * *cap : 8;
    void *p = realloc(items, ncap * sz);
    if (p)
        *cap = ncap;
    return p;
}

static sk_status read_rows(sk_cstore *cs, sk_cstore_status *st_out, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, sql_rows, &s, err);
    if (st != SK_OK)
        return st;
    size_t cap = 0;
    int rc;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        sk_status_row *rows = grow(st_out->rows, &cap, st_out->n_rows, sizeof *rows);
        if (!rows) {
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the status");
            break;
        }
        st_out->rows = rows;
        sk_status_row *r = &rows[st_out->n_rows++];
        memset(r, 0, sizeof *r);
        copy_text(r->study_fp, sizeof r->study_fp, cdb_column_text(s, 0));
        copy_text(r->form_id, sizeof r->form_id, cdb_column_text(s, 1));
        copy_text(r->form_version, sizeof r->form_version, cdb_column_text(s, 2));
        copy_text(r->device_id, sizeof r->device_id, cdb_column_text(s, 3));
        copy_text(r->device_label, sizeof r->device_label, cdb_column_text(s, 4));
        r->finished = (uint64_t)cdb_column_int64(s, 5);
        r->consents = (uint64_t)cdb_column_int64(s, 6);
        r->incomplete = (uint64_t)cdb_column_int64(s, 7);
        r->declined = (uint64_t)cdb_column_int64(s, 8);
        r->withdrawn = (uint64_t)cdb_column_int64(s, 9);
        r->conflicts = (uint64_t)cdb_column_int64(s, 10);
        r->last_import_ms = cdb_column_int64(s, 11);
    }
    if (st == SK_OK && rc != CDB_DONE)
        st = cdb_fail(cs->db, "reading the status", err);
    cdb_finalize(s);
    return st;
}

typedef struct range_list {
    sk_seq_range *items;
    size_t n, cap;
} range_list;

static bool range_add(range_list *l, uint64_t first, uint64_t last)
{
    sk_seq_range *items = grow(l->items, &l->cap, l->n, sizeof *items);
    if (!items)
        return false;
    l->items = items;
    l->items[l->n++] = (sk_seq_range){first, last};
    return true;
}

/* One ordered stream of a device's sequence numbers. */
typedef struct seq_stream {
    cdb_stmt *s;
    bool has;
    uint64_t value;
    int rc;
} seq_stream;

static void stream_next(seq_stream *q)
{
    q->rc = cdb_step(q->s);
    q->has = q->rc == CDB_ROW;
    if (q->has)
        q->value = (uint64_t)cdb_column_int64(q->s, 0);
}

/* Merge the held and withdrawn numbers of one device into ranges. */
static sk_status device_ranges(sk_cstore *cs, cdb_stmt *held_q, cdb_stmt *gone_q,
                               sk_device_seq *d, sk_error *err)
{
    seq_stream a = {.s = held_q}, b = {.s = gone_q};
    cdb_bind_text(held_q, 1, d->device_id);
    cdb_bind_text(gone_q, 1, d->device_id);
    stream_next(&a);
    stream_next(&b);
    range_list held = {0}, missing = {0};
    bool open = false, ok = true;
    uint64_t first = 0, last = 0;
    while (ok && (a.has || b.has)) {
        seq_stream *q = !b.has || (a.has && a.value <= b.value) ? &a : &b;
        uint64_t v = q->value;
        stream_next(q);
        if (open && v <= last + 1) {
            if (v > last)
                last = v;
            continue;
        }
        if (open)
            ok = range_add(&held, first, last);
        first = last = v;
        open = true;
    }
    if (ok && open)
        ok = range_add(&held, first, last);
    /* Missing: from 1 up to the highest held number, whatever is not held. */
    uint64_t next = 1;
    for (size_t i = 0; ok && i < held.n; i++) {
        if (held.items[i].first > next)
            ok = range_add(&missing, next, held.items[i].first - 1);
        next = held.items[i].last + 1;
    }
    int rc = a.rc != CDB_DONE ? a.rc : b.rc;
    cdb_reset(held_q);
    cdb_reset(gone_q);
    sk_status st = SK_OK;
    if (!ok)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the sequence ranges");
    else if (rc != CDB_DONE)
        st = cdb_fail(cs->db, "reading the sequence ranges", err);
    d->held = held.items;
    d->n_held = held.n;
    d->missing = missing.items;
    d->n_missing = missing.n;
    return st;
}

static sk_status read_devices(sk_cstore *cs, sk_cstore_status *out, sk_error *err)
{
    cdb_stmt *dev = NULL, *held = NULL, *gone = NULL;
    sk_status st = cstore_prepare(cs->db,
        "SELECT id, label, pk, state, coalesce(retired_seq, 0),"
        " (SELECT count(*) FROM records r WHERE r.device = d.id AND d.state NOT IN (1, 3)),"
        " (SELECT count(*) FROM records r WHERE r.device = d.id AND r.unreadable IS NOT NULL)"
        " FROM devices d ORDER BY id",
        &dev, err);
    if (st == SK_OK)
        st = cdb_prepare(cs->db, "SELECT seq FROM records WHERE device = ?1 ORDER BY seq",
                         CDB_STREAM, &held, err);
    if (st == SK_OK)
        st = cdb_prepare(cs->db, "SELECT seq FROM withdrawn_records WHERE device = ?1 ORDER BY seq",
                         CDB_STREAM, &gone, err);
    size_t cap = 0;
    int rc = CDB_DONE;
    while (st == SK_OK && (rc = cdb_step(dev)) == CDB_ROW) {
        sk_device_seq *devs = grow(out->devices, &cap, out->n_devices, sizeof *devs);
        if (!devs) {
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the devices");
            break;
        }
        out->devices = devs;
        sk_device_seq *d = &devs[out->n_devices++];
        memset(d, 0, sizeof *d);
        copy_text(d->device_id, sizeof d->device_id, cdb_column_text(dev, 0));
        copy_text(d->device_label, sizeof d->device_label, cdb_column_text(dev, 1));
        if (cdb_column_bytes(dev, 2) == 32)
            sk_device_fingerprint(cdb_column_blob(dev, 2), d->fingerprint);
        d->state = (int)cdb_column_int64(dev, 3);
        d->retired_seq = (uint64_t)cdb_column_int64(dev, 4);
        d->quarantined = (uint64_t)cdb_column_int64(dev, 5);
        d->unreadable = (uint64_t)cdb_column_int64(dev, 6);
        st = device_ranges(cs, held, gone, d, err);
    }
    if (st == SK_OK && rc != CDB_DONE)
        st = cdb_fail(cs->db, "reading the devices", err);
    cdb_finalize(dev);
    cdb_finalize(held);
    cdb_finalize(gone);
    return st;
}

static sk_status count_withdrawals(sk_cstore *cs, uint64_t *n, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, "SELECT count(*) FROM withdrawals", &s, err);
    if (st != SK_OK)
        return st;
    int rc = cdb_step(s);
    if (rc == CDB_ROW)
        *n = (uint64_t)cdb_column_int64(s, 0);
    else
        st = cdb_fail(cs->db, "counting withdrawals", err);
    cdb_finalize(s);
    return st;
}

void sk_cstore_status_free(sk_cstore_status *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_devices; i++) {
        free(st->devices[i].held);
        free(st->devices[i].missing);
    }
    free(st->devices);
    free(st->rows);
    free(st->uploads);
    memset(st, 0, sizeof *st);
}

/* Uploads per device, most recent first. */
static sk_status read_uploads(sk_cstore *cs, sk_cstore_status *res, sk_error *err)
{
    cdb_stmt *s;
    sk_status st = cstore_prepare(cs->db,
                                  "SELECT u.device, COALESCE(MAX(d.label), ''), COUNT(*), "
                                  "CAST(SUM(u.records) AS BIGINT), CAST(SUM(u.added) AS BIGINT), MAX(u.time_ms) FROM uploads u "
                                  "LEFT JOIN devices d ON d.id = u.device GROUP BY u.device "
                                  "ORDER BY MAX(u.time_ms) DESC, u.device",
                                  &s, err);
    if (st != SK_OK)
        return st;
    int rc;
    size_t cap = 0;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        if (res->n_uploads == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            sk_upload_row *p = realloc(res->uploads, ncap * sizeof *p);
            if (!p) {
                cdb_finalize(s);
                return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading uploads");
            }
            res->uploads = p;
            cap = ncap;
        }
        sk_upload_row *u = &res->uploads[res->n_uploads++];
        memset(u, 0, sizeof *u);
        snprintf(u->device_id, sizeof u->device_id, "%s", (const char *)cdb_column_text(s, 0));
        snprintf(u->device_label, sizeof u->device_label, "%s",
                 (const char *)cdb_column_text(s, 1));
        u->uploads = (uint64_t)cdb_column_int64(s, 2);
        u->records = (uint64_t)cdb_column_int64(s, 3);
        u->added = (uint64_t)cdb_column_int64(s, 4);
        u->last_ms = cdb_column_int64(s, 5);
    }
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "reading uploads", err);
    return SK_OK;
}

sk_status sk_cstore_status_get(sk_cstore *cs, sk_cstore_status *out, sk_error *err)
{
    if (!cs || !out)
        return sk_error_set(err, SK_ERR_ARG,
                            "sk_cstore_status_get needs a store and an out pointer");
    sk_cstore_status res = {0};
    /* The counts read every row of the records table, twice (kind, then
     * unreadable): through the map, as export's pass (cstore_map). */
    bool mapped = cstore_map(cs, true);
    /* One read transaction so the rows and ranges describe the same moment. */
    sk_status st = cdb_begin(cs->db, CDB_READ, err);
    if (st != SK_OK) {
        if (mapped)
            cstore_map(cs, false);
        return st;
    }
    sk_study_pub study;
    st = cstore_study_get(cs, &study, &res.pinned, err);
    if (st == SK_OK && res.pinned)
        sk_study_fingerprint(&study, res.study_fp);
    if (st == SK_OK)
        st = read_rows(cs, &res, err);
    if (st == SK_OK)
        st = read_devices(cs, &res, err);
    if (st == SK_OK)
        st = count_withdrawals(cs, &res.n_withdrawals, err);
    if (st == SK_OK)
        st = read_uploads(cs, &res, err);
    cdb_rollback(cs->db);
    if (mapped)
        cstore_map(cs, false);
    if (st != SK_OK) {
        sk_cstore_status_free(&res);
        return st;
    }
    *out = res;
    return SK_OK;
}
