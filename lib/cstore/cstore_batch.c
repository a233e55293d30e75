/* cstore_batch.c - a merge's records into PostgreSQL in batches.
 *
 * On PostgreSQL a round trip per record costs more than the rest of the merge,
 * so records wait in a batch (up to BATCH_ROWS rows or BATCH_BYTES of blobs)
 * and go in together, the way PostgreSQL takes rows fastest: COPY records
 * FROM STDIN (FORMAT binary), which costs the server much less than the
 * INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING RETURNING it
 * replaces (no speculative insertion, no RETURNING rows).
 *
 * COPY has no ON CONFLICT, so held keys are found another way:
 *   - the common case, new records: the whole batch is copied at once under a
 *     savepoint, without looking first (the primary key checks every row
 *     anyway).  When a key is held already the COPY fails with a duplicate
 *     key, the savepoint undoes it (the earlier batches stay), and:
 *   - the look-up path, also from then on for the rest of the input (an input
 *     sent again holds many known keys) and for a batch that holds a key
 *     twice: one query reads what the store holds under the batch's keys (a
 *     join of records with the keys as two array parameters in binary,
 *     array_recv's format, planned once per connection), the first copy of
 *     each new key goes in with one COPY, and the rest are compared in memory:
 *     the same bytes are a duplicate (counted present), other bytes a conflict
 *     kept aside.  This COPY is not waited for (cdb_copy_in, CDB_COPY_LATER):
 *     the server stores the rows while the merge thread goes on (reading,
 *     checking signatures); the connection's next statement collects its
 *     outcome.
 *
 * Copying without ON CONFLICT is safe because every writer of a PostgreSQL
 * store holds the advisory lock (cdb.c, CDB_WRITE) for its whole transaction:
 * no other merge can add a key between the look-up and the COPY.  Should
 * anything else have, the COPY fails and the whole input is rolled back (an
 * error, never a silent skip).  cstore_merge_end waits for every signature
 * check before the COMMIT, as on SQLite.
 *
 * Semantics are the record-by-record merge's (cstore_take.c): a key twice in
 * one batch is inserted once (its first copy) and the later copies are
 * compared with it, and the outcomes are counted and reported in the order
 * the records were taken. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cstore_internal.h"

#define BATCH_ROWS 500
#define BATCH_BYTES ((size_t)8 << 20)

/* Type OIDs of the array elements (pg_type, stable). */
#define OID_BYTEA 17
#define OID_TEXT 25

#define COPY_RECORDS                                                                               \
    "COPY records(record_id, device, seq, kind, form_id, form_version, wtag, blob, import_id)"     \
    " FROM STDIN (FORMAT binary)"
static const char *const sql_copy = COPY_RECORDS;
/* The optimistic COPY of a whole batch, under a savepoint to return to when
 * a key is held already (the one before is released: one at a time). */
static const char *const sql_copy_first = "SAVEPOINT sk_batch; " COPY_RECORDS;
static const char *const sql_copy_next =
    "RELEASE SAVEPOINT sk_batch; SAVEPOINT sk_batch; " COPY_RECORDS;

/* The blobs held under the batch's keys (a row per key in the arrays). */
static const char *const sql_held =
    "SELECT r.device, r.record_id, r.blob FROM records r"
    " JOIN unnest(?1::text[], ?2::bytea[]) AS u(d, i) ON r.device = u.d AND r.record_id = u.i";

/* The hash table finding a batch's rows by key: a power of two above
 * BATCH_ROWS, so that chains stay short. */
#define HASH_SLOTS 1024

typedef struct batch_rec {
    cstore_device dev;
    sk_record_header h;
    uint8_t *blob;
    size_t len;
    uint32_t hash;
    int next;                 /* the next row in its hash chain, -1 at the end */
    bool inserted;            /* goes in with this batch's COPY (the first copy of a new key) */
    bool held;                /* its key's stored (or first) blob was compared */
    bool same;                /* and it is this blob */
} batch_rec;

/* A growing byte buffer: the binary arrays of the lookup, the COPY stream. */
typedef struct arr {
    uint8_t *p;
    size_t n, cap;
    bool failed;
} arr;

struct cstore_batch {
    batch_rec rec[BATCH_ROWS];
    size_t n, bytes;
    int slot[HASH_SLOTS];     /* the first row of each chain, -1 when none */
    bool dup_keys;            /* a key is in the batch twice */
    bool savepoint;           /* sk_batch is set in this transaction */
    bool look_first;          /* a batch of this input held a key: look up first from now on */
    size_t max_rows;          /* BATCH_ROWS, fewer in tests */
    arr col[2];               /* the lookup's keys */
    arr copy;                 /* the COPY stream */
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

static void put_u16(arr *a, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(a, b, sizeof b);
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

/* A value of an array or a field of a COPY row: its length, its bytes. */
static void put_bytes(arr *a, const void *v, size_t len)
{
    put_u32(a, (uint32_t)len);
    put(a, v, len);
}

static void put_null(arr *a)
{
    put_u32(a, 0xffffffffu);
}

static void put_i64(arr *a, uint64_t v)
{
    put_u32(a, 8);
    put_u32(a, (uint32_t)(v >> 32));
    put_u32(a, (uint32_t)v);
}

static void put_i32(arr *a, uint32_t v)
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
    b->dup_keys = false;
    for (int i = 0; i < HASH_SLOTS; i++)
        b->slot[i] = -1;
}

void cstore_batch_free(cstore_merge *m)
{
    if (!m->batch)
        return;
    batch_clear(m->batch);
    for (int c = 0; c < 2; c++)
        free(m->batch->col[c].p);
    free(m->batch->copy.p);
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

/* FNV-1a over the key (device hex, record id). */
static uint32_t key_hash(const char *dev, const uint8_t *id)
{
    uint32_t h = 2166136261u;
    for (const char *c = dev; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (size_t i = 0; i < SK_RECORD_ID_SIZE; i++)
        h = (h ^ id[i]) * 16777619u;
    return h;
}

/* The first row of key (dev, id) in the batch, in the order taken, for which
 * skip() is false; NULL when none. */
static batch_rec *find(struct cstore_batch *b, const char *dev, const uint8_t *id, size_t id_len,
                       bool (*skip)(const batch_rec *))
{
    if (!dev || !id || id_len != SK_RECORD_ID_SIZE)
        return NULL;
    uint32_t h = key_hash(dev, id);
    batch_rec *first = NULL;
    /* chains run newest first: the last match seen is the first taken */
    for (int i = b->slot[h % HASH_SLOTS]; i >= 0; i = b->rec[i].next) {
        batch_rec *r = &b->rec[i];
        if (r->hash == h && !skip(r) && strcmp(r->dev.hex, dev) == 0 &&
            memcmp(r->h.record_id, id, SK_RECORD_ID_SIZE) == 0)
            first = r;
    }
    return first;
}

static bool never(const batch_rec *r)
{
    (void)r;
    return false;
}

static bool is_held(const batch_rec *r)
{
    return r->held;
}

static bool not_inserted(const batch_rec *r)
{
    return !r->inserted;
}

/* The look-up: what the store holds under the batch's keys; each copy of a held
 * key in the batch is marked held and compared with the stored blob. */
static sk_status read_held(cstore_merge *m, struct cstore_batch *b, sk_error *err)
{
    arr_start(&b->col[0], OID_TEXT, b->n, false);
    arr_start(&b->col[1], OID_BYTEA, b->n, false);
    for (size_t i = 0; i < b->n; i++) {
        const batch_rec *r = &b->rec[i];
        put_bytes(&b->col[0], r->dev.hex, strlen(r->dev.hex));
        put_bytes(&b->col[1], r->h.record_id, SK_RECORD_ID_SIZE);
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
                            is_held);
        if (!r)
            continue;
        r->held = true;
        r->same = cdb_column_bytes(s, 2) == r->len && memcmp(cdb_column_blob(s, 2), r->blob, r->len) == 0;
    }
    cdb_finalize(s);
    return rc == CDB_DONE ? SK_OK : cdb_fail(m->cs->db, "comparing records", err);
}

/* The COPY stream of the rows marked inserted. */
static sk_status copy_stream(cstore_merge *m, struct cstore_batch *b, size_t *rows, sk_error *err)
{
    arr *c = &b->copy;
    c->n = 0;
    c->failed = false;
    put(c, "PGCOPY\n\377\r\n\0", 11);
    put_u32(c, 0); /* flags */
    put_u32(c, 0); /* header extension */
    *rows = 0;
    for (size_t i = 0; i < b->n; i++) {
        const batch_rec *r = &b->rec[i];
        if (!r->inserted)
            continue;
        ++*rows;
        put_u16(c, 9);
        put_bytes(c, r->h.record_id, SK_RECORD_ID_SIZE);
        put_bytes(c, r->dev.hex, strlen(r->dev.hex));
        put_i64(c, r->h.seq);
        put_i32(c, r->h.kind);
        put_bytes(c, r->h.form_id, strlen(r->h.form_id));
        put_bytes(c, r->h.form_version, strlen(r->h.form_version));
        if (tag_is_zero(r->h.withdraw_tag))
            put_null(c);
        else
            put_bytes(c, r->h.withdraw_tag, SK_TAG_SIZE);
        put_bytes(c, r->blob, r->len);
        put_i64(c, (uint64_t)m->import_id);
    }
    put_u16(c, 0xffff); /* the trailer */
    return c->failed ? no_memory(err) : SK_OK;
}

/* The common case, new records only: COPY the whole batch without looking
 * first (the primary key checks each row anyway).  *held set when a key was
 * there already: the savepoint undid the COPY, and the caller looks. */
static sk_status copy_all(cstore_merge *m, struct cstore_batch *b, bool *held, sk_error *err)
{
    *held = false;
    for (size_t i = 0; i < b->n; i++)
        b->rec[i].inserted = true;
    size_t rows;
    sk_status st = copy_stream(m, b, &rows, err);
    if (st != SK_OK)
        return st;
    cdb *db = m->cs->db;
    st = cdb_copy_in(db, b->savepoint ? sql_copy_next : sql_copy_first, b->copy.p, b->copy.n,
                         CDB_COPY_WAIT, "storing records", err);
    if (st == SK_OK) {
        b->savepoint = true;
        return SK_OK;
    }
    for (size_t i = 0; i < b->n; i++)
        b->rec[i].inserted = false;
    if (!cdb_unique_violation(db))
        return st;
    b->savepoint = true;
    *held = true;
    return cdb_exec(db, "ROLLBACK TO SAVEPOINT sk_batch", "storing records", err);
}

/* After the look up: the first copy of each key the store does not hold goes
 * in; a later copy of it is compared with that first copy, as it would be
 * with the stored row had they come in two batches. */
static sk_status copy_new(cstore_merge *m, struct cstore_batch *b, sk_error *err)
{
    for (size_t i = 0; i < b->n; i++) {
        batch_rec *r = &b->rec[i];
        if (r->held)
            continue;
        batch_rec *first = find(b, r->dev.hex, r->h.record_id, SK_RECORD_ID_SIZE, not_inserted);
        if (first) {
            r->held = true;
            r->same = first->len == r->len && memcmp(first->blob, r->blob, r->len) == 0;
            continue;
        }
        r->inserted = true;
    }
    size_t rows;
    sk_status st = copy_stream(m, b, &rows, err);
    if (st != SK_OK || rows == 0)
        return st;
    return cdb_copy_in(m->cs->db, sql_copy, b->copy.p, b->copy.n, CDB_COPY_LATER,
                       "storing records", err);
}

sk_status cstore_flush_records(cstore_merge *m, sk_error *err)
{
    struct cstore_batch *b = m->batch;
    if (!b || b->n == 0)
        return SK_OK;
    sk_status st = SK_OK;
    bool look = b->look_first || b->dup_keys;
    if (!look) {
        st = copy_all(m, b, &look, err);
        /* an input that held one key (sent again) likely holds more */
        b->look_first = look;
    }
    if (st == SK_OK && look)
        st = read_held(m, b, err);
    if (st == SK_OK && look)
        st = copy_new(m, b, err);
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

/* Tests make batches tiny so that one bundle spans several of them (a held
 * key in a batch after a stored one). */
static size_t batch_rows(void)
{
#ifdef SK_TEST_HOOKS
    const char *v = getenv("SK_TEST_PG_MERGE_BATCH");
    if (v && atoi(v) > 0 && atoi(v) < BATCH_ROWS)
        return (size_t)atoi(v);
#endif
    return BATCH_ROWS;
}

sk_status cstore_batch_add(cstore_merge *m, const cstore_device *dev, const sk_record_header *h,
                           const uint8_t *blob, size_t len, sk_error *err)
{
    if (!m->batch) {
        if (!(m->batch = calloc(1, sizeof *m->batch)))
            return no_memory(err);
        batch_clear(m->batch);
        m->batch->max_rows = batch_rows();
    }
    struct cstore_batch *b = m->batch;
    batch_rec *r = &b->rec[b->n];
    memset(r, 0, sizeof *r);
    if (!(r->blob = malloc(len ? len : 1)))
        return no_memory(err);
    memcpy(r->blob, blob, len);
    r->len = len;
    r->dev = *dev;
    r->h = *h;
    r->hash = key_hash(dev->hex, h->record_id);
    if (find(b, dev->hex, h->record_id, SK_RECORD_ID_SIZE, never))
        b->dup_keys = true;
    r->next = b->slot[r->hash % HASH_SLOTS];
    b->slot[r->hash % HASH_SLOTS] = (int)b->n;
    b->n++;
    b->bytes += len;
    m->last_deferred = true;
    if (b->n == b->max_rows || b->bytes >= BATCH_BYTES)
        return cstore_flush_records(m, err);
    return SK_OK;
}
