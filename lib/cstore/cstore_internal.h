/* cstore_internal.h - what the central store's files share: the handle, the
 * database seam (cdb.h), and the one place
 * a record is taken into the store (used by both bundle and store merges).
 *
 * Schema (SQLite: user_version CSTORE_SCHEMA_VERSION, application_id
 * CSTORE_APP_ID; PostgreSQL: the schema_version row; the SQL of both is in
 * cstore_db.c and documented in docs/FORMATS.md):
 *   meta(key, value): 'study' = box_pk || sign_pk of the pinned study
 *   devices(id hex, pk (NULL until first seen when enrolled by fingerprint),
 *           fp (10 bytes), label, state, retired_seq, times)
 *   imports(id, source, time, per-input counts)
 *   packs(digest, study fingerprint, form id, version, pack bytes)
 *   records((device, record id), seq, kind, form id, version, withdraw tag,
 *           sealed and signed blob, import id, unreadable reason)
 *   conflicts(device, record id, source, blob and its hash, time)
 *   withdrawals(tag, time, statement signed by the study key)
 *   withdrawn_records((device, record id), tag, seq, kind, form): what a
 *           withdrawal removed, without its blob, so that status still
 *           counts those sequence numbers as accounted for.
 *   uploads(device, time, bundle digest, records, added, peer): bundles
 *           taken by survey-sync serve (schema 3; a store of schema 2 gains
 *           the table when opened).
 */
#ifndef CSTORE_INTERNAL_H
#define CSTORE_INTERNAL_H

#include "cdb.h"
#include "sk/bundle.h"
#include "sk/cstore.h"

#define CSTORE_SCHEMA_VERSION 3
#define CSTORE_APP_ID 0x534b4353 /* "SKCS" */
/* PostgreSQL: the schema_version row's application marker. */
#define CSTORE_PG_APP "survey-sync central store"

struct sk_cstore {
    cdb *db;
    char *path;     /* the store as messages name it (a URI without its password) */
    char *target;   /* the path or URI as given (to connect again, compare) */
};

/* Check that db is a central store this build understands (SQLite:
 * application id and schema version; PostgreSQL: the schema_version row);
 * *version (may be NULL) gets its schema version. */
sk_status cstore_check_schema(cdb *db, int64_t *version, sk_error *err);

/* cstore_read.c: map a SQLite store's file for a pass that reads much of
 * it (on: PRAGMA mmap_size, bounded) or drop the map again (off).  Returns
 * whether the store is mapped now; PostgreSQL is never mapped. */
bool cstore_map(sk_cstore *cs, bool on);

/* cdb_prepare of a statement that does not stream. */
static inline sk_status cstore_prepare(cdb *db, const char *sql, cdb_stmt **out, sk_error *err)
{
    return cdb_prepare(db, sql, 0, out, err);
}

/* cdb_prepare of a statement every merged input runs (CDB_KEEP: on
 * PostgreSQL parsed and planned once per connection).  Only for fixed SQL. */
static inline sk_status cstore_prepare_kept(cdb *db, const char *sql, cdb_stmt **out,
                                            sk_error *err)
{
    return cdb_prepare(db, sql, CDB_KEEP, out, err);
}

/* The pinned study: *pinned false when none (out untouched). */
sk_status cstore_study_get(sk_cstore *cs, sk_study_pub *out, bool *pinned, sk_error *err);
/* Inside a transaction: pin to study (the caller checked nothing is pinned). */
sk_status cstore_study_set(sk_cstore *cs, const sk_study_pub *study, sk_error *err);

/* What a merge knows of the device whose records it is taking. */
typedef struct cstore_device {
    char hex[2 * SK_DEVICE_ID_SIZE + 1];
    uint8_t pk[32];
    int state;               /* sk_device_state */
    uint64_t retired_seq;
} cstore_device;

/* Device signatures checked on worker threads while the merge inserts
 * (cstore_verify.c).  submit copies the record (memory is bounded: it waits
 * for room); wait returns the first failure, located in source, once every
 * submitted record is checked: call it before COMMIT. */
typedef struct cstore_verifier cstore_verifier;
/* merge_thread_waits: the merge thread spends its time waiting for a server
 * (PostgreSQL): start a worker for every core, not every core but one. */
sk_status cstore_verifier_new(cstore_verifier **out, bool merge_thread_waits, sk_error *err);
sk_status cstore_verifier_submit(cstore_verifier *v, const cstore_device *dev, const uint8_t *blob,
                                 size_t len, sk_error *err);
sk_status cstore_verifier_wait(cstore_verifier *v, const char *source, sk_error *err);
void cstore_verifier_free(cstore_verifier *v);  /* NULL is a no-op */

/* A merge in progress: the statements every input uses, the import row, the
 * pinned study and the counts for this input. */
typedef struct cstore_merge {
    sk_cstore *cs;
    const char *source;      /* the input as the user named it (a URI without password) */
    const char *input;       /* the input to open (path or URI) */
    const sk_merge_opts *opts; /* never NULL */
    bool from_store;         /* the input is another central store */
    int64_t import_id;
    int64_t now_ms;
    bool pinned;             /* study holds the store's study */
    sk_study_pub study;
    sk_merge_stats stats;
    bool any_withdrawals;    /* false: no record can be withdrawn, skip the lookup */
    cdb_stmt *ins_record, *get_blob, *is_withdrawn, *ins_conflict, *ins_pack;
    cstore_verifier *verifier;
    /* PostgreSQL: records wait here and go in one INSERT per batch
     * (cstore_batch.c: a round trip per record costs more than the rest of
     * the merge); last_deferred says the record just taken is one of them,
     * its outcome reported (opts->on_record) when the batch is flushed. */
    struct cstore_batch *batch;
    bool last_deferred;
    sk_progress_fn progress;
    void *user;
    uint64_t done, total, step, next_report;
} cstore_merge;

/* Prepare the statements, read the pinned study and insert the import row;
 * call inside the transaction. */
sk_status cstore_merge_begin(cstore_merge *m, sk_error *err);
/* With ok: wait for every record's signature check, then write the counts to
 * the import row.  Always finalizes the statements and stops the checks.  A
 * failed check is this call's error: the caller rolls back. */
sk_status cstore_merge_end(cstore_merge *m, bool ok, sk_error *err);

/* Take a device into the store: insert it as new when unknown, check its key
 * against the enrolled one (SK_ERR_MISMATCH when it differs), refuse a
 * rejected device (SK_ERR_STATE), refresh label and last import; *dev gets
 * what the merge needs to know of it. */
sk_status cstore_pin_device(cstore_merge *m, const char *device_hex, const uint8_t pk[32],
                            const char *label, cstore_device *dev, sk_error *err);

/* Take one sealed record of device dev whose header has been parsed and
 * checked: its device signature is checked beside the merge (a failure
 * makes cstore_merge_end fail), and it is added (or held, for a device not accepted), already present, a
 * conflict, skipped as withdrawn, or refused (retired device). */
sk_status cstore_take_record(cstore_merge *m, const cstore_device *dev, const sk_record_header *h,
                             const uint8_t *blob, size_t len, sk_error *err);

/* Keep a conflicting copy of a record aside (once per distinct copy);
 * counted in the stats only when counted is set. */
sk_status cstore_take_conflict(cstore_merge *m, const char *device_hex,
                               const uint8_t id[SK_RECORD_ID_SIZE], const char *source,
                               const uint8_t *blob, size_t len, bool counted, sk_error *err);

/* Parse, verify and store one pack (INSERT OR IGNORE by digest); a pack of
 * another study than the pinned one is SK_ERR_MISMATCH, and the first pack of
 * an unpinned store pins it. */
sk_status cstore_take_pack(cstore_merge *m, const uint8_t *bytes, size_t len, sk_error *err);

/* Parse a record header and check what every merge needs: a known kind that
 * may leave a kiosk, a sequence number, and (when device is not NULL) that it
 * belongs to that device. */
sk_status cstore_check_header(const char *source, const uint8_t *blob, size_t len,
                              const uint8_t *device, sk_record_header *h, sk_error *err);

/* Read again whether the store holds any withdrawal (after taking some). */
sk_status cstore_merge_count_withdrawals(cstore_merge *m, sk_error *err);

/* PostgreSQL (cstore_batch.c): a record that passed the checks waits in the
 * batch (copied); a full batch is flushed. */
sk_status cstore_batch_add(cstore_merge *m, const cstore_device *dev, const sk_record_header *h,
                           const uint8_t *blob, size_t len, sk_error *err);
/* PostgreSQL: insert the records waiting in the batch, count them and report
 * their outcomes; a no-op on SQLite or when none wait.  Called before
 * anything that reads the counts or the records (end of a bundle's items,
 * end of a store's records, cstore_merge_end). */
sk_status cstore_flush_records(cstore_merge *m, sk_error *err);
void cstore_batch_free(cstore_merge *m); /* NULL batch: no-op */

/* Count one item and call the progress callback about every 1%. */
void cstore_merge_tick(cstore_merge *m);

/* Inside a transaction: remember tag as withdrawn at time_ms with its signed
 * statement (the earlier one kept if already there), move the records
 * carrying it to withdrawn_records and delete them and any conflicting
 * copies.  *n_removed and *added (a new withdrawal; either may be NULL) get
 * the outcome. */
sk_status cstore_withdraw_tag(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                              const uint8_t statement[SK_WITHDRAWAL_SIZE], uint64_t *n_removed,
                              bool *added, sk_error *err);

/* Merge another central store (already recognised by its magic). */
sk_status cstore_merge_store(cstore_merge *m, sk_error *err);

/* "2026-11-30 14:05 UTC" for a time in ms (for messages). */
void cstore_format_time(int64_t ms, char *out, size_t size);

#endif
