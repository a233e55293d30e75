/* cstore_internal.h - what the central store's files share: the handle, the
 * SQLite helpers that turn a failed call into an sk_error, and the one place
 * a record is taken into the store (used by both bundle and store merges).
 *
 * Schema (user_version CSTORE_SCHEMA_VERSION, application_id CSTORE_APP_ID):
 *   devices(id hex, pk pinned on first sight, label, first/last import ms)
 *   imports(id, source, time, per-input counts)
 *   packs(digest, study fingerprint, form id, version, pack bytes)
 *   records(record id, device, seq, kind, form id, version, withdraw tag,
 *           sealed blob, import id)
 *   conflicts(record id, source, blob and its hash, time): never applied
 *   withdrawals(tag, time): the audit entry, also refuses later merges
 *   withdrawn_records(record id, tag, device, seq, kind, form): what a
 *           withdrawal removed, without its blob, so that status still
 *           counts those sequence numbers as accounted for.
 */
#ifndef CSTORE_INTERNAL_H
#define CSTORE_INTERNAL_H

#include <sqlite3.h>

#include "sk/bundle.h"
#include "sk/cstore.h"

#define CSTORE_SCHEMA_VERSION 1
#define CSTORE_APP_ID 0x534b4353 /* "SKCS" */

struct sk_cstore {
    sqlite3 *db;
    char *path;
};

/* Map the connection's last error (rc) to an sk_status with a sentence that
 * names `what` was being done and the store's file. */
sk_status cstore_db_error(sqlite3 *db, int rc, const char *path, const char *what, sk_error *err);

/* Prepare sql on db; on failure fill err. */
sk_status cstore_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **out,
                         sk_error *err);

/* Run SQL without results (BEGIN, COMMIT, pragmas...). */
sk_status cstore_exec(sqlite3 *db, const char *path, const char *sql, sk_error *err);

/* ROLLBACK, ignoring errors (used on the failure path only). */
void cstore_rollback(sqlite3 *db);

/* Check that db is a central store this build understands (application id and
 * schema version); `path` names it in the error. */
sk_status cstore_check_schema(sqlite3 *db, const char *path, sk_error *err);

/* A merge in progress: the statements every input uses, the import row and
 * the counts for this input. */
typedef struct cstore_merge {
    sk_cstore *cs;
    const char *source;      /* the input as the user named it */
    bool from_store;         /* the input is another central store */
    int64_t import_id;
    int64_t now_ms;
    sk_merge_stats stats;
    sqlite3_stmt *ins_record, *get_blob, *is_withdrawn, *ins_conflict, *ins_pack;
    sk_progress_fn progress;
    void *user;
    uint64_t done, total, step, next_report;
} cstore_merge;

/* Prepare the statements and insert the import row; call inside the
 * transaction. */
sk_status cstore_merge_begin(cstore_merge *m, sk_error *err);
/* Write the counts to the import row and finalize the statements.  With
 * ok == false only finalizes. */
sk_status cstore_merge_end(cstore_merge *m, bool ok, sk_error *err);

/* Pin a device: insert it when new, refuse SK_ERR_MISMATCH when its key
 * differs from the pinned one, refresh label and last import otherwise. */
sk_status cstore_pin_device(cstore_merge *m, const char *device_hex, const uint8_t pk[32],
                            const char *label, sk_error *err);

/* Take one sealed record whose header has been parsed and checked: added,
 * already present, a conflict, or skipped as withdrawn. */
sk_status cstore_take_record(cstore_merge *m, const sk_record_header *h, const uint8_t *blob,
                             size_t len, sk_error *err);

/* Keep a conflicting copy of a record aside (once per distinct copy);
 * counted in the stats only when counted is set. */
sk_status cstore_take_conflict(cstore_merge *m, const uint8_t id[SK_RECORD_ID_SIZE],
                               const char *source, const uint8_t *blob, size_t len, bool counted,
                               sk_error *err);

/* Parse, verify and store one pack (INSERT OR IGNORE by digest). */
sk_status cstore_take_pack(cstore_merge *m, const uint8_t *bytes, size_t len, sk_error *err);

/* Parse a record header and check what every merge needs: a known kind that
 * may leave a kiosk, a sequence number, and (when device is not NULL) that it
 * belongs to that device. */
sk_status cstore_check_header(const char *source, const uint8_t *blob, size_t len,
                              const uint8_t *device, sk_record_header *h, sk_error *err);

/* Count one item and call the progress callback about every 1%. */
void cstore_merge_tick(cstore_merge *m);

/* Inside a transaction: remember tag as withdrawn at time_ms (kept if already
 * there), move the records carrying it to withdrawn_records and delete them
 * and any conflicting copies.  *n_removed (may be NULL) gets the count. */
sk_status cstore_withdraw_tag(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                              uint64_t *n_removed, sk_error *err);

/* Merge another central store (already recognised by its magic). */
sk_status cstore_merge_store(cstore_merge *m, sk_error *err);

#endif
