/* cdb.c - the central store's database seam (cdb.h): the calls every backend
 * shares, dispatched to PostgreSQL (cdb_pg.c) or done here on SQLite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/platform.h"
#include "cdb_impl.h"

bool cdb_is_url(const char *target)
{
    return target && (strncmp(target, "postgresql://", 13) == 0 ||
                      strncmp(target, "postgres://", 11) == 0);
}

/* Drop "password=..." from the query string and ":password" from the
 * userinfo, so that no message or log line ever shows it. */
char *cdb_display_name(const char *target)
{
    if (!target)
        return NULL;
    char *out = strdup(target);
    if (!out || !cdb_is_url(target))
        return out;
    char *auth = strstr(out, "://") + 3;
    char *end = auth + strcspn(auth, "/?");
    char *at = memchr(auth, '@', (size_t)(end - auth));
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon)
        memmove(colon, at, strlen(at) + 1);
    char *q = strchr(out, '?');
    while (q) {
        char *p = q + 1;
        char *next = strchr(p, '&');
        if (strncmp(p, "password=", 9) == 0) {
            if (next)
                memmove(p, next + 1, strlen(next + 1) + 1);
            else
                *(p[-1] == '?' || p[-1] == '&' ? p - 1 : p) = '\0';
            continue; /* look at what moved here */
        }
        q = next;
    }
    return out;
}

/* ---- SQLite ---- */

sk_status cdb_lite_open(cdb *db, const char *path, int flags, sk_error *err)
{
    int mode = flags & CDB_READONLY ? SQLITE_OPEN_READONLY
                                    : SQLITE_OPEN_READWRITE | (flags & CDB_CREATE ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path, &db->lite, mode, NULL);
    if (rc != SQLITE_OK) {
        db->lite_rc = rc;
        return cdb_lite_fail(db, "opening the store", err);
    }
    sqlite3_busy_timeout(db->lite, 10000);
    sqlite3_extended_result_codes(db->lite, 1);
    return SK_OK;
}

void cdb_lite_close(cdb *db)
{
    sqlite3_close_v2(db->lite);
}

sk_status cdb_lite_fail(cdb *db, const char *what, sk_error *err)
{
    int rc = db->lite_rc;
    const char *path = db->name;
    const char *detail = db->lite ? sqlite3_errmsg(db->lite) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return sk_error_set_at(err, SK_ERR_NOSPACE, path, NULL, 0, NULL,
                               "the disk is full while %s; free some space and run it again "
                               "(the store is as it was before)",
                               what);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "cannot access the store while %s (%s); check the file and "
                               "its folder",
                               what, detail);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "this is not a readable central store (%s); restore it from a "
                               "backup or choose another file",
                               detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return sk_error_set_at(err, SK_ERR_DB, path, NULL, 0, NULL,
                               "the store is in use by another program while %s; try again "
                               "when it has finished",
                               what);
    case SQLITE_NOMEM:
        return sk_error_set_at(err, SK_ERR_NOMEM, path, NULL, 0, NULL, "out of memory while %s",
                               what);
    default:
        return sk_error_set_at(err, SK_ERR_DB, path, NULL, 0, NULL,
                               "the database failed while %s: %s", what, detail);
    }
}

/* ---- the seam ---- */

sk_status cdb_open(const char *target, const char *name, int flags, cdb **out, sk_error *err)
{
    cdb *db = calloc(1, sizeof *db);
    if (!db || !(db->name = strdup(name ? name : target))) {
        free(db);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening %s", name ? name : target);
    }
    db->kind = cdb_is_url(target) ? CDB_PG : CDB_SQLITE;
    sk_status st = db->kind == CDB_PG ? cdb_pg_open(db, target, flags, err)
                                      : cdb_lite_open(db, target, flags, err);
    if (st != SK_OK) {
        cdb_close(db);
        return st;
    }
    *out = db;
    return SK_OK;
}

void cdb_close(cdb *db)
{
    if (!db)
        return;
    if (db->kind == CDB_PG)
        cdb_pg_close(db);
    else
        cdb_lite_close(db);
    free(db->pg_msg);
    free(db->name);
    free(db);
}

cdb_backend_kind cdb_backend(const cdb *db)
{
    return db->kind;
}

const char *cdb_name(const cdb *db)
{
    return db->name;
}

struct sqlite3 *cdb_sqlite_handle(cdb *db)
{
    return db->kind == CDB_SQLITE ? db->lite : NULL;
}

bool cdb_same_store(cdb *a, cdb *b, const char *a_target, const char *b_target)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == CDB_PG)
        return cdb_pg_same(a, b);
    return sk_plat_same_file(a_target, b_target);
}

sk_status cdb_fail(cdb *db, const char *what, sk_error *err)
{
    return db->kind == CDB_PG ? cdb_pg_fail(db, what, err) : cdb_lite_fail(db, what, err);
}

sk_status cdb_prepare(cdb *db, const char *sql, int flags, cdb_stmt **out, sk_error *err)
{
    cdb_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return sk_error_set_at(err, SK_ERR_NOMEM, db->name, NULL, 0, NULL,
                               "out of memory preparing a query");
    s->db = db;
    sk_status st = SK_OK;
    if (db->kind == CDB_PG) {
        st = cdb_pg_prepare(s, sql, flags, err);
    } else {
        int rc = sqlite3_prepare_v2(db->lite, sql, -1, &s->lite, NULL);
        if (rc != SQLITE_OK) {
            db->lite_rc = rc;
            st = cdb_lite_fail(db, "preparing a query", err);
        }
    }
    if (st != SK_OK) {
        cdb_finalize(s);
        return st;
    }
    *out = s;
    return SK_OK;
}

int cdb_param_count(const cdb_stmt *s)
{
    return s->db->kind == CDB_PG ? s->n_params : sqlite3_bind_parameter_count(s->lite);
}

static cdb_param *pg_param(cdb_stmt *s, int i)
{
    return i >= 1 && i <= s->n_params && i <= CDB_MAX_PARAMS ? &s->params[i - 1] : NULL;
}

void cdb_bind_int64(cdb_stmt *s, int i, int64_t v)
{
    if (s->db->kind == CDB_SQLITE) {
        sqlite3_bind_int64(s->lite, i, v);
        return;
    }
    cdb_param *p = pg_param(s, i);
    if (p) {
        p->type = 1;
        snprintf(p->num, sizeof p->num, "%lld", (long long)v);
        p->ptr = p->num;
        p->len = strlen(p->num);
    }
}

void cdb_bind_text(cdb_stmt *s, int i, const char *v)
{
    if (!v) {
        cdb_bind_null(s, i);
        return;
    }
    if (s->db->kind == CDB_SQLITE) {
        sqlite3_bind_text(s->lite, i, v, -1, SQLITE_STATIC);
        return;
    }
    cdb_param *p = pg_param(s, i);
    if (p) {
        p->type = 2;
        p->ptr = v;
        p->len = strlen(v);
    }
}

void cdb_bind_blob(cdb_stmt *s, int i, const void *v, size_t len)
{
    if (s->db->kind == CDB_SQLITE) {
        sqlite3_bind_blob64(s->lite, i, v ? v : "", len, SQLITE_STATIC);
        return;
    }
    cdb_param *p = pg_param(s, i);
    if (p) {
        p->type = 3;
        p->ptr = v ? v : "";
        p->len = len;
    }
}

void cdb_bind_pg_binary(cdb_stmt *s, int i, const void *v, size_t len)
{
    if (s->db->kind == CDB_SQLITE) { /* never used there: a blob is the nearest */
        cdb_bind_blob(s, i, v, len);
        return;
    }
    cdb_param *p = pg_param(s, i);
    if (p) {
        p->type = 4;
        p->ptr = v ? v : "";
        p->len = len;
    }
}

void cdb_bind_null(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_SQLITE) {
        sqlite3_bind_null(s->lite, i);
        return;
    }
    cdb_param *p = pg_param(s, i);
    if (p)
        memset(p, 0, sizeof *p);
}

int cdb_step(cdb_stmt *s)
{
    if (s->db->kind == CDB_PG)
        return cdb_pg_step(s);
    int rc = sqlite3_step(s->lite);
    if (rc == SQLITE_ROW)
        return CDB_ROW;
    if (rc == SQLITE_DONE) {
        s->changes = sqlite3_changes(s->db->lite);
        return CDB_DONE;
    }
    s->db->lite_rc = rc;
    return CDB_ERROR;
}

void cdb_reset(cdb_stmt *s)
{
    if (s->db->kind == CDB_PG)
        cdb_pg_reset(s);
    else
        sqlite3_reset(s->lite);
}

void cdb_finalize(cdb_stmt *s)
{
    if (!s)
        return;
    if (s->db->kind == CDB_PG)
        cdb_pg_finalize(s);
    else
        sqlite3_finalize(s->lite);
    free(s);
}

int cdb_column_count(cdb_stmt *s)
{
    return s->db->kind == CDB_PG ? cdb_pg_ncols(s) : sqlite3_column_count(s->lite);
}

bool cdb_column_null(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_PG)
        return cdb_pg_null(s, i);
    return sqlite3_column_type(s->lite, i) == SQLITE_NULL;
}

int64_t cdb_column_int64(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_PG)
        return cdb_pg_int64(s, i);
    return sqlite3_column_int64(s->lite, i);
}

const char *cdb_column_text(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_PG) {
        size_t len;
        return cdb_pg_value(s, i, &len);
    }
    return (const char *)sqlite3_column_text(s->lite, i);
}

const void *cdb_column_blob(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_PG) {
        size_t len;
        const void *v = cdb_pg_value(s, i, &len);
        return len ? v : NULL;
    }
    return sqlite3_column_blob(s->lite, i);
}

size_t cdb_column_bytes(cdb_stmt *s, int i)
{
    if (s->db->kind == CDB_PG) {
        size_t len = 0;
        cdb_pg_value(s, i, &len);
        return len;
    }
    return (size_t)sqlite3_column_bytes(s->lite, i);
}

int64_t cdb_changes(cdb_stmt *s)
{
    return s->changes;
}

sk_status cdb_exec(cdb *db, const char *sql, const char *what, sk_error *err)
{
    if (db->kind == CDB_PG)
        return cdb_pg_exec(db, sql, what, err);
    int rc = sqlite3_exec(db->lite, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        db->lite_rc = rc;
        return cdb_lite_fail(db, what, err);
    }
    return SK_OK;
}

/* The advisory lock every writer of a PostgreSQL store takes first: writers
 * serialize as they do on SQLite (BEGIN IMMEDIATE), so a merge reads what
 * the previous one committed and counts stay exact.  The key is "SKCS". */
#define CDB_PG_WRITE_BEGIN                                                                         \
    "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(1397441363)"

sk_status cdb_copy_in(cdb *db, const char *sql, const void *data, size_t len, cdb_copy_mode mode,
                      const char *what, sk_error *err)
{
    if (db->kind == CDB_PG)
        return cdb_pg_copy_in(db, sql, data, len, mode == CDB_COPY_WAIT, what, err);
    return sk_error_set_at(err, SK_ERR_UNSUPPORTED, db->name, NULL, 0, NULL,
                           "COPY is PostgreSQL's; SQLite stores rows with INSERT while %s", what);
}

bool cdb_unique_violation(cdb *db)
{
    if (db->kind == CDB_PG)
        return strcmp(db->pg_state, "23505") == 0;
    return db->lite_rc == SQLITE_CONSTRAINT_PRIMARYKEY || db->lite_rc == SQLITE_CONSTRAINT_UNIQUE;
}

sk_status cdb_begin(cdb *db, cdb_txn kind, sk_error *err)
{
    if (db->kind == CDB_PG && !cdb_pg_in_txn(db) && cdb_pg_reconnect(db, err) != SK_OK)
        return err ? err->status : SK_ERR_IO;
    if (db->kind == CDB_PG)
        return cdb_pg_exec(db,
                           kind == CDB_WRITE ? CDB_PG_WRITE_BEGIN
                                             : "BEGIN ISOLATION LEVEL REPEATABLE READ",
                           "starting a transaction", err);
    return cdb_exec(db, kind == CDB_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", "updating the store", err);
}

sk_status cdb_commit(cdb *db, sk_error *err)
{
    return cdb_exec(db, "COMMIT", db->kind == CDB_PG ? "committing" : "updating the store", err);
}

bool cdb_in_transaction(cdb *db)
{
    if (db->kind == CDB_PG)
        return cdb_pg_in_txn(db);
    return !sqlite3_get_autocommit(db->lite);
}

void cdb_rollback(cdb *db)
{
    if (cdb_in_transaction(db))
        cdb_exec(db, "ROLLBACK", "rolling back", NULL);
}
