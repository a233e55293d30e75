/* cdb_impl.h - what cdb.c shares with its two backends (cdb_sqlite.c,
 * cdb_pg.c): the handles and the per-backend functions cdb.c dispatches to.
 * Nothing outside lib/cstore/cdb*.c includes it. */
#ifndef CSTORE_CDB_IMPL_H
#define CSTORE_CDB_IMPL_H

#include <sqlite3.h>

#include "cdb.h"

/* PostgreSQL takes up to 65535 parameters; a batched insert uses hundreds. */
#define CDB_MAX_PARAMS 4096

struct cdb {
    cdb_backend_kind kind;
    char *name;               /* path, or URI without password: for messages */
    /* SQLite */
    sqlite3 *lite;
    int lite_rc;              /* the last failed call's result code */
    /* PostgreSQL */
    void *pg;                 /* PGconn */
    char *pg_msg;             /* the last error's message (malloc'd) */
    char pg_state[6];         /* and its SQLSTATE ("" when none) */
    unsigned pg_next;         /* names of prepared statements and cursors */
    int pg_streams;           /* streaming statements open in the transaction they opened */
    bool pg_own_txn;          /* a stream opened the current transaction */
    int pg_flags;             /* the open flags (CDB_READONLY), for a reconnection */
    struct cdb_pg_kept *pg_kept; /* CDB_KEEP statements prepared on this connection */
    size_t pg_n_kept;
    /* cdb_copy_in: a COPY whose outcome the next call collects; when it
     * failed, every call fails (saying pg_copy_what) until a ROLLBACK. */
    bool pg_copy_pending;
    bool pg_copy_failed;
    const char *pg_copy_what;
};

/* A statement kept prepared on a PostgreSQL connection (CDB_KEEP). */
typedef struct cdb_pg_kept {
    char *sql;                /* with $N placeholders */
    char name[24];
} cdb_pg_kept;

typedef struct cdb_param {
    int type;                 /* 0 NULL, 1 int, 2 text, 3 blob, 4 binary typed by the SQL */
    const char *ptr;
    size_t len;
    char num[24];
} cdb_param;

struct cdb_stmt {
    cdb *db;
    sqlite3_stmt *lite;
    /* PostgreSQL */
    char *sql;                /* with $N placeholders */
    int n_params;
    cdb_param *params;        /* n_params of them */
    bool stream;
    char pg_name[24];         /* prepared statement name once prepared */
    bool prepared;
    bool kept;                /* CDB_KEEP: prepared once per connection, never deallocated */
    int runs;                 /* executions since prepare: the second one prepares */
    void *res;                /* PGresult of the current batch */
    int row, n_rows;          /* row -1 before the first step */
    bool executed, done;
    int64_t changes;
    char cursor[24];          /* stream: the cursor's name while open */
};

/* SQLite backend (cdb_sqlite.c). */
sk_status cdb_lite_open(cdb *db, const char *path, int flags, sk_error *err);
void cdb_lite_close(cdb *db);
sk_status cdb_lite_fail(cdb *db, const char *what, sk_error *err);

/* PostgreSQL backend (cdb_pg.c); without libpq, open refuses. */
sk_status cdb_pg_open(cdb *db, const char *uri, int flags, sk_error *err);
void cdb_pg_close(cdb *db);
sk_status cdb_pg_reconnect(cdb *db, sk_error *err);
sk_status cdb_pg_fail(cdb *db, const char *what, sk_error *err);
sk_status cdb_pg_prepare(cdb_stmt *s, const char *sql, int flags, sk_error *err);
int cdb_pg_step(cdb_stmt *s);
void cdb_pg_reset(cdb_stmt *s);
void cdb_pg_finalize(cdb_stmt *s);
bool cdb_pg_null(cdb_stmt *s, int i);
int cdb_pg_ncols(cdb_stmt *s);
int64_t cdb_pg_int64(cdb_stmt *s, int i);
const void *cdb_pg_value(cdb_stmt *s, int i, size_t *len);
sk_status cdb_pg_exec(cdb *db, const char *sql, const char *what, sk_error *err);
bool cdb_pg_in_txn(cdb *db);
bool cdb_pg_same(cdb *a, cdb *b);
sk_status cdb_pg_copy_in(cdb *db, const char *sql, const void *data, size_t len, bool wait,
                         const char *what, sk_error *err);

#endif
