/* cstore_batch.c - a merge's records into PostgreSQL in batches.
 *
 * On PostgreSQL a round trip per record costs more than the rest of the merge,
 * so records wait in a batch (up to BATCH_ROWS rows or BATCH_BYTES of blobs)
 * and go in with one statement:
 *
 *   INSERT INTO records(...) SELECT ... FROM unnest($1::bytea[], ...)
 *   ON CONFLICT(device, record_id) DO NOTHING RETURNING device, record_id
 *
 * Each column is one array parameter in binary (array_recv's format), so the
 * statement's text is the same for every batch size: it is parsed and planned
 * once per connection (CDB_KEEP), where a VALUES list of 9 parameters per row
 * was planned again for every batch (planning 900 parameters cost as much as
 * inserting the rows).  What RETURNING does not name is already held: those
 * rows' stored blobs are read back with one query per batch (a join with the
 * same arrays) and compared, instead of a query per record.
 *
 * Semantics are the record-by-record merge's (cstore_take.c): a key twice in
 * one batch is inserted once (its first copy, unnest keeps the order), and the
 * outcomes are counted and reported in the order the records were taken. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cstore_internal.h"

#define BATCH_ROWS 500
#define BATCH_BYTES ((size_t)8 << 20)

/* Type OIDs of the array elements (pg_type, stable). */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25

static const char *const sql_insert =
    "INSERT INTO records(record_id, device, seq, kind, form_id, form_version, wtag, blob,"
    " import_id) SELECT r, d, s, k, f, v, w, b, ?9 FROM unnest(?1::bytea[], ?2::text[],"
    " ?3::bigint[], ?4::integer[], ?5::text[], ?6::text[], ?7::bytea[], ?8::bytea[])"
    " AS u(r, d, s, k, f, v, w, b)"
    " ON CONFLICT(device, record_id) DO NOTHING RETURNING device, record_id";

/* The blobs held under the keys of the rows not inserted. */
static const char *const sql_held =
    "SELECT r.device, r.record_id, r.blob FROM records r"
    " JOIN unnest(?1::text[], ?2::bytea[]) AS u(d, i) ON r.device = u.d AND r.record_id = u.i";

typedef struct batch_rec {
    cstore_device dev;
    sk_record_header h;
    uint8_t *blob;
    size_t len;
    bool inserted, held;      /* held: its key's stored blob was read back */
    bool same;                /* and it is this blob */
} batch_rec;

/* A binary one-dimensional array being built: the header is written when
 * the element count is known (arr_finish). */
typedef struct arr {
    uint8_t *p;
    size_t n, cap;
    bool failed;
} arr;

struct cstore_batch {
    batch_rec rec[BATCH_ROWS];
    size_t n, bytes;
    arr col[8];
};

static void put(arr *a, const void *v, size_t len)
{
    if (a->failed)
        return;
    if (a->n + len > a->cap) {
        size_t cap = a->cap ? a->cap : 256;
        while (cap < a->n + len)
            cap *= 2;
        uint8_t *grown = realloc(a->p, cap);
        if (!grown) {
            a->failed = true;
            return;
        }
        a->p = grown;
        a->cap = cap;
    }
    memcpy(a->p + a->n, v, len);
    a->n += len;
}

static void put_u32(arr *a, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(a, b, sizeof b);
}

/* ndim 1, has-nulls flag, element type, length, lower bound 1. */
static void arr_start(arr *a, uint32_t elem_oid, size_t count, bool nulls)
{
    a->n = 0;
    a->failed = false;
    put_u32(a, 1);
    put_u32(a, nulls);
    put_u32(a, elem_oid);
    put_u32(a, (uint32_t)count);
    put_u32(a, 1);
}

static void arr_bytes(arr *a, const void *v, size_t len)
{
    put_u32(a, (uint32_t)len);
    put(a, v, len);
}

static void arr_null(arr *a)
{
    put_u32(a, 0xffffffffu);
}

static void arr_i64(arr *a, uint64_t v)
{
    put_u32(a, 8);
    put_u32(a, (uint32_t)(v >> 32));
    put_u32(a, (uint32_t)v);
}

static void arr_i32(arr *a, uint32_t v)
{
    put_u32(a, 4);
    put_u32(a, v);
}

static bool tag_is_zero(const uint8_t tag[SK_TAG_SIZE])
{
    return sodium_is_zero(tag, SK_TAG_SIZE);
}

static void batch_clear(struct cstore_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->rec[i].blob);
    b->n = b->bytes = 0;
}

void cstore_batch_free(cstore_merge *m)
{
    if (!m->batch)
        return;
    batch_clear(m->batch);
    for (int c = 0; c < 8; c++)
        free(m->batch->col[c].p);
    free(m->batch);
    m->batch = NULL;
}

static void report(cstore_merge *m, const uint8_t id[SK_RECORD_ID_SIZE], sk_merge_outcome o)
{
    if (m->opts->on_record && !m->from_store)
        m->opts->on_record(m->opts->record_user, id, o);
}

static sk_status no_memory(sk_error *err)
{
    return sk_error_set(err, SK_ERR_NOMEM, "out of memory storing records");
}

/* The first row of (dev, id) in the batch not yet marked: for the insert,
 * not yet inserted (a key twice in a batch is inserted once, its first copy);
 * for the read back, neither inserted nor matched yet.  NULL when none. */
static batch_rec *find(struct cstore_batch *b, const char *dev, const uint8_t *id, size_t id_len,
                       bool for_held)
{
    if (!dev || !id || id_len != SK_RECORD_ID_SIZE)
        return NULL;
    for (size_t i = 0; i < b->n; i++) {
        batch_rec *r = &b->rec[i];
        if (!r->inserted && !(for_held && r->held) && strcmp(r->dev.hex, dev) == 0 &&
            memcmp(r->h.record_id, id, SK_RECORD_ID_SIZE) == 0)
            return r;
    }
    return NULL;
}

/* The insert: marks the rows it inserted. */
static sk_status insert_rows(cstore_merge *m, struct cstore_batch *b, sk_error *err)
{
    size_t n = b->n;
    bool tag_nulls = false;
    for (size_t i = 0; i < n; i++)
        tag_nulls |= tag_is_zero(b->rec[i].h.withdraw_tag);
    static const uint32_t oids[8] = {OID_BYTEA, OID_TEXT, OID_INT8, OID_INT4,
                                     OID_TEXT,  OID_TEXT, OID_BYTEA, OID_BYTEA};
    for (int c = 0; c < 8; c++)
        arr_start(&b->col[c], oids[c], n, c == 6 && tag_nulls);
    for (size_t i = 0; i < n; i++) {
        const batch_rec *r = &b->rec[i];
        arr_bytes(&b->col[0], r->h.record_id, SK_RECORD_ID_SIZE);
        arr_bytes(&b->col[1], r->dev.hex, strlen(r->dev.hex));
        arr_i64(&b->col[2], r->h.seq);
        arr_i32(&b->col[3], r->h.kind);
        arr_bytes(&b->col[4], r->h.form_id, strlen(r->h.form_id));
        arr_bytes(&b->col[5], r->h.form_version, strlen(r->h.form_version));
        if (tag_is_zero(r->h.withdraw_tag))
            arr_null(&b->col[6]);
        else
            arr_bytes(&b->col[6], r->h.withdraw_tag, SK_TAG_SIZE);
        arr_bytes(&b->col[7], r->blob, r->len);
    }
    for (int c = 0; c < 8; c++)
        if (b->col[c].failed)
            return no_memory(err);
    cdb_stmt *s = NULL;
    sk_status st = cdb_prepare(m->cs->db, sql_insert, CDB_KEEP, &s, err);
    if (st != SK_OK)
        return st;
    for (int c = 0; c < 8; c++)
        cdb_bind_pg_binary(s, c + 1, b->col[c].p, b->col[c].n);
    cdb_bind_int64(s, 9, m->import_id);
    int rc;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        batch_rec *r = find(b, cdb_column_text(s, 0), cdb_column_blob(s, 1), cdb_column_bytes(s, 1),
                            false);
        if (r)
            r->inserted = true;
    }
    cdb_finalize(s);
    return rc == CDB_DONE ? SK_OK : cdb_fail(m->cs->db, "storing records", err);
}

/* The rows not inserted: read what the store holds under their keys, once,
 * and compare in memory (every copy of a key against the stored blob). */
static sk_status read_held(cstore_merge *m, struct cstore_batch *b, size_t n_left, sk_error *err)
{
    arr_start(&b->col[0], OID_TEXT, n_left, false);
    arr_start(&b->col[1], OID_BYTEA, n_left, false);
    for (size_t i = 0; i < b->n; i++) {
        const batch_rec *r = &b->rec[i];
        if (r->inserted)
            continue;
        arr_bytes(&b->col[0], r->dev.hex, strlen(r->dev.hex));
        arr_bytes(&b->col[1], r->h.record_id, SK_RECORD_ID_SIZE);
    }
    if (b->col[0].failed || b->col[1].failed)
        return no_memory(err);
    cdb_stmt *s = NULL;
    sk_status st = cdb_prepare(m->cs->db, sql_held, CDB_KEEP, &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_pg_binary(s, 1, b->col[0].p, b->col[0].n);
    cdb_bind_pg_binary(s, 2, b->col[1].p, b->col[1].n);
    int rc;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        /* a key is stored once but may be in the batch several times (the
         * join gives a row per copy) */
        batch_rec *r = find(b, cdb_column_text(s, 0), cdb_column_blob(s, 1), cdb_column_bytes(s, 1),
                            true);
        if (!r)
            continue;
        r->held = true;
        r->same = cdb_column_bytes(s, 2) == r->len && memcmp(cdb_column_blob(s, 2), r->blob, r->len) == 0;
    }
    cdb_finalize(s);
    return rc == CDB_DONE ? SK_OK : cdb_fail(m->cs->db, "comparing records", err);
}

sk_status cstore_flush_records(cstore_merge *m, sk_error *err)
{
    struct cstore_batch *b = m->batch;
    if (!b || b->n == 0)
        return SK_OK;
    sk_status st = insert_rows(m, b, err);
    size_t n_left = 0;
    for (size_t i = 0; st == SK_OK && i < b->n; i++)
        n_left += !b->rec[i].inserted;
    if (st == SK_OK && n_left)
        st = read_held(m, b, n_left, err);
    /* In the order taken, as a record-by-record merge would count them. */
    for (size_t i = 0; st == SK_OK && i < b->n; i++) {
        batch_rec *r = &b->rec[i];
        if (r->inserted) {
            bool data = r->dev.state == SK_DEV_ACCEPTED || r->dev.state == SK_DEV_RETIRED;
            if (data)
                m->stats.added++;
            else
                m->stats.held++;
            report(m, r->h.record_id, data ? SK_MERGED_ADDED : SK_MERGED_HELD);
        } else if (!r->held) { /* the insert said it is there */
            st = sk_error_set_at(err, SK_ERR_FORMAT, m->cs->path, NULL, 0, NULL,
                                 "the store changed under the merge while comparing a record; "
                                 "run the merge again");
        } else if (r->same) {
            m->stats.present++;
            report(m, r->h.record_id, SK_MERGED_PRESENT);
        } else {
            st = cstore_take_conflict(m, r->dev.hex, r->h.record_id, m->source, r->blob, r->len,
                                      true, err);
            if (st == SK_OK)
                report(m, r->h.record_id, SK_MERGED_CONFLICT);
        }
    }
    batch_clear(b);
    return st;
}

sk_status cstore_batch_add(cstore_merge *m, const cstore_device *dev, const sk_record_header *h,
                           const uint8_t *blob, size_t len, sk_error *err)
{
    if (!m->batch && !(m->batch = calloc(1, sizeof *m->batch)))
        return no_memory(err);
    struct cstore_batch *b = m->batch;
    batch_rec *r = &b->rec[b->n];
    memset(r, 0, sizeof *r);
    if (!(r->blob = malloc(len ? len : 1)))
        return no_memory(err);
    memcpy(r->blob, blob, len);
    r->len = len;
    r->dev = *dev;
    r->h = *h;
    b->n++;
    b->bytes += len;
    m->last_deferred = true;
    if (b->n == BATCH_ROWS || b->bytes >= BATCH_BYTES)
        return cstore_flush_records(m, err);
    return SK_OK;
}
