/* cdb.h - the central store's database seam: one small API over SQLite
 * (cdb_sqlite.c) and PostgreSQL (cdb_pg.c, libpq), so that every cstore_*.c
 * file writes its SQL once.
 *
 * SQL is written with SQLite's placeholders `?` and `?N` (cdb_pg.c turns them
 * into $1..) in the subset both understand: ON CONFLICT DO NOTHING, RETURNING,
 * CASE instead of booleans used as numbers, CAST(sum(..) AS BIGINT) (a sum of
 * BIGINT is NUMERIC on PostgreSQL).  Where the two must differ (schema, PRAGMAs)
 * the caller asks cdb_backend().
 *
 * Ownership: a cdb owns its statements' results; a statement belongs to the
 * connection it was prepared on and must be finalized before it is closed.
 * Bound text and blobs are NOT copied: they must stay valid until the
 * statement's next step.  A column's pointer is valid until the next step,
 * reset or finalize of that statement.
 *
 * Errors: every call that fails remembers why on the connection;
 * cdb_fail() turns that into an sk_error naming the store (never its
 * password) and what was being done. */
#ifndef CSTORE_CDB_H
#define CSTORE_CDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"

typedef struct cdb cdb;
typedef struct cdb_stmt cdb_stmt;

typedef enum cdb_backend_kind { CDB_SQLITE = 1, CDB_PG = 2 } cdb_backend_kind;

/* cdb_step's answers. */
enum { CDB_ERROR = -1, CDB_DONE = 0, CDB_ROW = 1 };

/* Transactions: a writer serializes with every other writer of the store
 * (SQLite: BEGIN IMMEDIATE; PostgreSQL: pg_advisory_xact_lock first), a
 * reader sees one snapshot (SQLite: BEGIN; PostgreSQL: REPEATABLE READ). */
typedef enum cdb_txn { CDB_READ, CDB_WRITE } cdb_txn;

/* Open flags. */
enum { CDB_READONLY = 1, CDB_CREATE = 2 };

/* True for `postgresql://` and `postgres://` (libpq URIs). */
bool cdb_is_url(const char *target);

/* The target as messages show it: a path as is, a URI without its password
 * (user:PASSWORD@ and password=...).  Returns a malloc'd string or NULL. */
char *cdb_display_name(const char *target);

/* Open a path (SQLite) or a libpq URI (PostgreSQL).  `name` is how errors
 * name the store (cdb_display_name).  *out set only on success; on failure
 * err says why in a sentence (server not running, authentication failed,
 * database missing, ...). */
sk_status cdb_open(const char *target, const char *name, int flags, cdb **out, sk_error *err);
void cdb_close(cdb *db); /* NULL is a no-op; finalize its statements first */

cdb_backend_kind cdb_backend(const cdb *db);
const char *cdb_name(const cdb *db);
/* SQLite's handle (NULL on PostgreSQL), for what only SQLite has (PRAGMAs). */
struct sqlite3 *cdb_sqlite_handle(cdb *db);
/* True when both connections reach the same database (same file, or same
 * server and database name). */
bool cdb_same_store(cdb *a, cdb *b, const char *a_target, const char *b_target);

/* Map the connection's last error to an sk_status and a sentence saying
 * what was being done (e.g. "storing a record"). */
sk_status cdb_fail(cdb *db, const char *what, sk_error *err);

/* Prepare sql (with ? / ?N placeholders).  A statement prepared with
 * CDB_STREAM streams its rows in batches on PostgreSQL (a cursor; the
 * connection opens a read transaction for it when none is open, and commits it
 * when the statement is finalized), so memory stays flat however many rows;
 * other statements, also writes, may run on the connection meanwhile. */
enum { CDB_STREAM = 1, CDB_KEEP = 2 };
/* CDB_KEEP: a statement every merge runs (once per input or per batch).  On
 * PostgreSQL it is prepared on the server the first time it runs and stays
 * prepared for the connection's life, found again by its SQL text whenever it
 * is prepared again, so that an input pays neither parsing nor planning for
 * it.  Only for SQL from a fixed set of texts (a kept statement is never
 * deallocated).  Ignored on SQLite. */
sk_status cdb_prepare(cdb *db, const char *sql, int flags, cdb_stmt **out, sk_error *err);
int cdb_param_count(const cdb_stmt *s);

/* Binds (1-based).  Indexes beyond cdb_param_count are ignored. */
void cdb_bind_int64(cdb_stmt *s, int i, int64_t v);
void cdb_bind_text(cdb_stmt *s, int i, const char *v);    /* NULL binds NULL */
void cdb_bind_blob(cdb_stmt *s, int i, const void *v, size_t len);
void cdb_bind_null(cdb_stmt *s, int i);
/* PostgreSQL only: a parameter in binary format whose type the SQL gives with
 * a cast (e.g. ?::bytea[] bound to an array in array_recv's format). */
void cdb_bind_pg_binary(cdb_stmt *s, int i, const void *v, size_t len);

/* CDB_ROW, CDB_DONE or CDB_ERROR (then cdb_fail says why). */
int cdb_step(cdb_stmt *s);
/* Ready to run again with new binds (binds are kept until rebound). */
void cdb_reset(cdb_stmt *s);
void cdb_finalize(cdb_stmt *s); /* NULL is a no-op */

/* Columns (0-based) of the current row. */
int cdb_column_count(cdb_stmt *s);
bool cdb_column_null(cdb_stmt *s, int i);
int64_t cdb_column_int64(cdb_stmt *s, int i);
const char *cdb_column_text(cdb_stmt *s, int i);   /* NULL for NULL */
const void *cdb_column_blob(cdb_stmt *s, int i);   /* NULL for NULL or empty */
size_t cdb_column_bytes(cdb_stmt *s, int i);

/* Rows changed by the last INSERT/UPDATE/DELETE of this statement. */
int64_t cdb_changes(cdb_stmt *s);

/* PostgreSQL only (SK_ERR_UNSUPPORTED on SQLite): run `sql`, a
 * `COPY ... FROM STDIN` (it may follow other statements: "SAVEPOINT a; COPY
 * ..."), with data as its whole input (for FORMAT binary: header, rows and
 * trailer).  data is not used after the call returns.
 *
 * CDB_COPY_WAIT: wait for the server's outcome; a failure is this call's
 * error (cdb_unique_violation tells a duplicate key), and the caller rolls
 * back (to a savepoint, say).
 * CDB_COPY_LATER: return once the data is handed to the connection, so that
 * the caller works meanwhile (checks signatures) while the server ingests the
 * rows; the connection's next call waits for the outcome first.  When the
 * COPY failed, that call fails and cdb_fail says `what` (a string literal: it
 * is kept) and why; every later call but a ROLLBACK fails the same way, so
 * that nothing after it can commit. */
typedef enum cdb_copy_mode { CDB_COPY_WAIT, CDB_COPY_LATER } cdb_copy_mode;
sk_status cdb_copy_in(cdb *db, const char *sql, const void *data, size_t len, cdb_copy_mode mode,
                      const char *what, sk_error *err);
/* The last failure was a duplicate key (PostgreSQL: SQLSTATE 23505). */
bool cdb_unique_violation(cdb *db);

/* Run SQL without results (may hold several statements; no parameters). */
sk_status cdb_exec(cdb *db, const char *sql, const char *what, sk_error *err);

sk_status cdb_begin(cdb *db, cdb_txn kind, sk_error *err);
sk_status cdb_commit(cdb *db, sk_error *err);
void cdb_rollback(cdb *db); /* when a transaction is open; errors ignored (failure paths) */
bool cdb_in_transaction(cdb *db);

#endif
