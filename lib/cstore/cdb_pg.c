/* cdb_pg.c - the central store on PostgreSQL (libpq): the cdb.h seam.
 *
 * Round trips and planning are what a merge pays for here, so: a statement
 * runs with PQexecParams the first time and is prepared on the server only
 * when it runs a second time (a merge's per-record statements); a CDB_KEEP
 * statement (what every input runs) is prepared the first time and stays
 * prepared for the connection's life, so a merge of many small bundles parses
 * and plans each once, not once per bundle; results come in binary
 * (a blob as its bytes, no hex), and a CDB_STREAM statement reads through a
 * cursor in batches of STREAM_BATCH rows so that memory stays flat.  libpq
 * never prints: notices go to a processor that drops them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdb_impl.h"

#ifndef SK_HAVE_LIBPQ

sk_status cdb_pg_open(cdb *db, const char *uri, int flags, sk_error *err)
{
    (void)uri;
    (void)flags;
    return sk_error_set_at(err, SK_ERR_UNSUPPORTED, db->name, NULL, 0, NULL,
                           "this survey-sync was built without PostgreSQL (libpq); use a "
                           "store file, or a build with libpq");
}
void cdb_pg_close(cdb *db) { (void)db; }
sk_status cdb_pg_reconnect(cdb *db, sk_error *err) { return cdb_pg_fail(db, "connecting", err); }
sk_status cdb_pg_fail(cdb *db, const char *what, sk_error *err)
{
    return sk_error_set_at(err, SK_ERR_UNSUPPORTED, db->name, NULL, 0, NULL,
                           "no PostgreSQL in this build while %s", what);
}
sk_status cdb_pg_prepare(cdb_stmt *s, const char *sql, int flags, sk_error *err)
{
    (void)sql;
    (void)flags;
    return cdb_pg_fail(s->db, "preparing a query", err);
}
int cdb_pg_step(cdb_stmt *s) { (void)s; return CDB_ERROR; }
void cdb_pg_reset(cdb_stmt *s) { (void)s; }
void cdb_pg_finalize(cdb_stmt *s) { (void)s; }
bool cdb_pg_null(cdb_stmt *s, int i) { (void)s; (void)i; return true; }
int cdb_pg_ncols(cdb_stmt *s) { (void)s; return 0; }
int64_t cdb_pg_int64(cdb_stmt *s, int i) { (void)s; (void)i; return 0; }
const void *cdb_pg_value(cdb_stmt *s, int i, size_t *len)
{
    (void)s;
    (void)i;
    *len = 0;
    return NULL;
}
sk_status cdb_pg_exec(cdb *db, const char *sql, const char *what, sk_error *err)
{
    (void)sql;
    return cdb_pg_fail(db, what, err);
}
bool cdb_pg_in_txn(cdb *db) { (void)db; return false; }
bool cdb_pg_same(cdb *a, cdb *b) { (void)a; (void)b; return false; }
sk_status cdb_pg_copy_in(cdb *db, const char *sql, const void *data, size_t len, bool wait,
                         const char *what, sk_error *err)
{
    (void)wait;
    (void)sql;
    (void)data;
    (void)len;
    return cdb_pg_fail(db, what, err);
}

#else

#include <libpq-fe.h>

#define STREAM_BATCH 256
/* Type OIDs (server/catalog/pg_type_d.h, stable since forever). */
#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_TEXT 25
#define OID_NUMERIC 1700

static PGconn *conn(cdb *db)
{
    return db->pg;
}

static void drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Remember why the last call failed: the server's message and SQLSTATE, or
 * libpq's own message (a lost connection has no SQLSTATE). */
static void note_error(cdb *db, const PGresult *res)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!msg)
        msg = PQerrorMessage(conn(db));
    free(db->pg_msg);
    db->pg_msg = strdup(msg ? msg : "unknown error");
    if (db->pg_msg) { /* one line: libpq ends its messages with a newline and a hint */
        char *nl = strchr(db->pg_msg, '\n');
        if (nl)
            *nl = '\0';
    }
    snprintf(db->pg_state, sizeof db->pg_state, "%s", state ? state : "");
}

/* Collect the outcome of a COPY cdb_copy_in left running (every call on the
 * connection does this first: libpq takes one command at a time).  False
 * when it failed, then and on every call until a ROLLBACK: the server's
 * transaction is aborted, and a COMMIT would end it without an error. */
static bool settle(cdb *db)
{
    if (db->pg_copy_pending) {
        db->pg_copy_pending = false;
        bool ok = true;
        PGresult *r;
        while ((r = PQgetResult(conn(db)))) {
            if (ok && PQresultStatus(r) != PGRES_COMMAND_OK) {
                note_error(db, r);
                ok = false;
            }
            PQclear(r);
        }
        if (ok && PQstatus(conn(db)) != CONNECTION_OK) {
            note_error(db, NULL);
            ok = false;
        }
        db->pg_copy_failed = !ok;
    }
    return !db->pg_copy_failed;
}

static bool has(const char *msg, const char *what)
{
    return msg && strstr(msg, what) != NULL;
}

/* The database name in 'database "NAME" does not exist'. */
static void missing_db_name(const char *msg, char *out, size_t size)
{
    const char *q = strstr(msg, "database \"");
    snprintf(out, size, "NAME");
    if (!q)
        return;
    q += 10;
    const char *end = strchr(q, '"');
    if (end && (size_t)(end - q) < size)
        snprintf(out, size, "%.*s", (int)(end - q), q);
}

static sk_status open_fail(cdb *db, sk_error *err)
{
    const char *msg = PQerrorMessage(conn(db));
    char line[400];
    snprintf(line, sizeof line, "%s", msg ? msg : "");
    line[strcspn(line, "\n")] = '\0';
    const char *detail = line;
    if (strncmp(detail, "connection to server ", 21) == 0 && strstr(detail, "failed: "))
        detail = strstr(detail, "failed: ") + 8;
    if (has(msg, "database \"") && has(msg, "does not exist")) {
        char name[128];
        missing_db_name(msg, name, sizeof name);
        return sk_error_set_at(err, SK_ERR_NOTFOUND, db->name, NULL, 0, NULL,
                               "the PostgreSQL database %s does not exist; create it with "
                               "createdb %s (or ask the server's administrator), then run this "
                               "again",
                               name, name);
    }
    if (has(msg, "authentication failed") || has(msg, "no password supplied") ||
        has(msg, "pg_hba.conf") || (has(msg, "role \"") && has(msg, "does not exist")) ||
        has(msg, "permission denied for database"))
        return sk_error_set_at(err, SK_ERR_AUTH, db->name, NULL, 0, NULL,
                               "the PostgreSQL server refused the login (%s); check the user "
                               "name and password (a password belongs in ~/.pgpass or "
                               "PGPASSWORD, not on the command line)",
                               detail);
    return sk_error_set_at(err, SK_ERR_IO, db->name, NULL, 0, NULL,
                           "cannot reach the store's PostgreSQL server (%s); check that the "
                           "server is running and the host, port or socket folder in the URI",
                           detail);
}

/* The session settings, run on every (re)connection. */
static sk_status session_setup(cdb *db, sk_error *err)
{
    PQsetNoticeProcessor(conn(db), drop_notice, NULL);
    /* Our SQL is written for these: standard strings, and no notices. */
    const char *setup = db->pg_flags & CDB_READONLY
                            ? "SET client_min_messages = warning; SET standard_conforming_strings = on;"
                              " SET default_transaction_read_only = on"
                            : "SET client_min_messages = warning; SET standard_conforming_strings = on";
    return cdb_pg_exec(db, setup, "opening the store", err);
}

sk_status cdb_pg_open(cdb *db, const char *uri, int flags, sk_error *err)
{
    db->pg = PQconnectdb(uri);
    if (!db->pg)
        return sk_error_set_at(err, SK_ERR_NOMEM, db->name, NULL, 0, NULL,
                               "out of memory connecting to the store");
    if (PQstatus(conn(db)) != CONNECTION_OK)
        return open_fail(db, err);
    db->pg_flags = flags;
    return session_setup(db, err);
}

/* The kept statements died with the connection (PQreset) or are about to. */
static void forget_kept(cdb *db)
{
    for (size_t i = 0; i < db->pg_n_kept; i++)
        free(db->pg_kept[i].sql);
    free(db->pg_kept);
    db->pg_kept = NULL;
    db->pg_n_kept = 0;
}

static const cdb_pg_kept *find_kept(const cdb *db, const char *sql)
{
    for (size_t i = 0; i < db->pg_n_kept; i++)
        if (strcmp(db->pg_kept[i].sql, sql) == 0)
            return &db->pg_kept[i];
    return NULL;
}

/* Remember a statement just prepared as kept; when memory runs out it is
 * simply prepared again next time (its name is never reused). */
static void add_kept(cdb *db, const char *sql, const char *name)
{
    cdb_pg_kept *grown = realloc(db->pg_kept, (db->pg_n_kept + 1) * sizeof *grown);
    if (!grown)
        return;
    db->pg_kept = grown;
    cdb_pg_kept *k = &grown[db->pg_n_kept];
    if (!(k->sql = strdup(sql)))
        return;
    snprintf(k->name, sizeof k->name, "%s", name);
    db->pg_n_kept++;
}

/* A long-lived connection (survey-sync serve) outlives a server restart or an
 * administrator ending it: before a transaction starts, a lost connection is
 * made again, once.  Inside a transaction nothing is retried: the
 * transaction is gone and the caller reports it. */
sk_status cdb_pg_reconnect(cdb *db, sk_error *err)
{
    settle(db);
    db->pg_copy_failed = false;
    if (PQstatus(conn(db)) == CONNECTION_OK) {
        /* a connection the server ended shows only when used: ask it */
        PGresult *r = PQexec(conn(db), "");
        PQclear(r);
        if (PQstatus(conn(db)) == CONNECTION_OK)
            return SK_OK;
    }
    PQreset(conn(db));
    forget_kept(db); /* a new session: nothing is prepared there */
    if (PQstatus(conn(db)) != CONNECTION_OK)
        return open_fail(db, err);
    return session_setup(db, err);
}

void cdb_pg_close(cdb *db)
{
    forget_kept(db);
    if (db->pg)
        PQfinish(conn(db));
    db->pg = NULL;
}

sk_status cdb_pg_fail(cdb *db, const char *what, sk_error *err)
{
    const char *st = db->pg_state, *msg = db->pg_msg ? db->pg_msg : "unknown error";
    if (db->pg_copy_failed && db->pg_copy_what) /* the COPY's error, met by a later call */
        what = db->pg_copy_what;
    if (strcmp(st, "53100") == 0)
        return sk_error_set_at(err, SK_ERR_NOSPACE, db->name, NULL, 0, NULL,
                               "the PostgreSQL server's disk is full while %s; free some space "
                               "on the server and run it again (the store is as it was before)",
                               what);
    if (strncmp(st, "53", 2) == 0)
        return sk_error_set_at(err, SK_ERR_DB, db->name, NULL, 0, NULL,
                               "the PostgreSQL server ran out of resources while %s (%s); ask "
                               "its administrator, then run it again",
                               what, msg);
    if (PQstatus(conn(db)) != CONNECTION_OK || strncmp(st, "08", 2) == 0 ||
        strncmp(st, "57P", 3) == 0)
        return sk_error_set_at(err, SK_ERR_IO, db->name, NULL, 0, NULL,
                               "lost the connection to the store's PostgreSQL server while %s "
                               "(%s); check the server and run it again (what was not "
                               "committed is not kept)",
                               what, msg);
    if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0)
        return sk_error_set_at(err, SK_ERR_DB, db->name, NULL, 0, NULL,
                               "the store is in use by another program while %s; try again "
                               "when it has finished",
                               what);
    if (strcmp(st, "25006") == 0 || strcmp(st, "42501") == 0)
        return sk_error_set_at(err, SK_ERR_IO, db->name, NULL, 0, NULL,
                               "cannot change the store while %s (%s); check the PostgreSQL "
                               "user's rights",
                               what, msg);
    if (strcmp(st, "42P01") == 0 || strcmp(st, "42703") == 0)
        return sk_error_set_at(err, SK_ERR_FORMAT, db->name, NULL, 0, NULL,
                               "this database is not a readable central store (%s); check the "
                               "URI",
                               msg);
    return sk_error_set_at(err, SK_ERR_DB, db->name, NULL, 0, NULL,
                           "the database failed while %s: %s", what, msg);
}

/* SQLite's ?, ?N into $N outside quotes; n_params gets the highest N. */
sk_status cdb_pg_prepare(cdb_stmt *s, const char *sql, int flags, sk_error *err)
{
    size_t n = strlen(sql);
    char *out = malloc(6 * n + 1); /* "?" may become "$4096" */
    if (!out)
        return sk_error_set_at(err, SK_ERR_NOMEM, s->db->name, NULL, 0, NULL,
                               "out of memory preparing a query");
    size_t o = 0;
    int next = 1, max = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            out[o++] = c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out[o++] = c;
            continue;
        }
        if (c != '?') {
            out[o++] = c;
            continue;
        }
        int num = 0;
        while (i + 1 < n && sql[i + 1] >= '0' && sql[i + 1] <= '9')
            num = num * 10 + (sql[++i] - '0');
        if (num == 0)
            num = next;
        next = num + 1;
        if (num > max)
            max = num;
        o += (size_t)sprintf(out + o, "$%d", num);
    }
    out[o] = '\0';
    if (max > CDB_MAX_PARAMS) {
        free(out);
        return sk_error_set_at(err, SK_ERR_ARG, s->db->name, NULL, 0, NULL,
                               "a query has more than %d parameters", CDB_MAX_PARAMS);
    }
    s->params = calloc(max ? (size_t)max : 1, sizeof *s->params);
    if (!s->params) {
        free(out);
        return sk_error_set_at(err, SK_ERR_NOMEM, s->db->name, NULL, 0, NULL,
                               "out of memory preparing a query");
    }
    s->sql = out;
    s->n_params = max;
    s->stream = flags & CDB_STREAM;
    s->kept = (flags & CDB_KEEP) && !s->stream;
    const cdb_pg_kept *k = s->kept ? find_kept(s->db, out) : NULL;
    if (k) {
        snprintf(s->pg_name, sizeof s->pg_name, "%s", k->name);
        s->prepared = true;
    }
    s->row = -1;
    return SK_OK;
}

/* Run a command (no parameters, no rows wanted); false on error (noted). */
static bool run(cdb *db, const char *sql)
{
    bool rollback = strcmp(sql, "ROLLBACK") == 0;
    if (!settle(db) && !rollback)
        return false;
    if (rollback)
        db->pg_copy_failed = false;
    PGresult *r = PQexec(conn(db), sql);
    ExecStatusType t = PQresultStatus(r);
    bool ok = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK;
    if (!ok)
        note_error(db, r);
    PQclear(r);
    return ok;
}

/* The parameter arrays libpq wants, from the binds. */
typedef struct pg_args {
    const char **values;
    int *lengths, *formats;
    Oid *types;
} pg_args;

static PGresult *exec_args(cdb_stmt *s, const char *sql, pg_args *a);

static PGresult *exec_params(cdb_stmt *s, const char *sql)
{
    size_t n = s->n_params ? (size_t)s->n_params : 1;
    pg_args a = {malloc(n * sizeof *a.values), malloc(n * sizeof *a.lengths),
                 malloc(n * sizeof *a.formats), malloc(n * sizeof *a.types)};
    PGresult *r = NULL;
    if (a.values && a.lengths && a.formats && a.types)
        r = exec_args(s, sql, &a);
    free(a.values);
    free(a.lengths);
    free(a.formats);
    free(a.types);
    return r; /* NULL: out of memory (PQresultStatus says PGRES_FATAL_ERROR) */
}

static PGresult *exec_args(cdb_stmt *s, const char *sql, pg_args *a)
{
    const char **values = a->values;
    int *lengths = a->lengths, *formats = a->formats;
    Oid *types = a->types;
    for (int i = 0; i < s->n_params; i++) {
        const cdb_param *p = &s->params[i];
        values[i] = p->type ? p->ptr : NULL;
        lengths[i] = (int)p->len;
        formats[i] = p->type >= 3;
        types[i] = p->type == 1 ? OID_INT8 : p->type == 2 ? OID_TEXT : p->type == 3 ? OID_BYTEA : 0;
    }
    PGconn *c = conn(s->db);
    if (!settle(s->db))
        return NULL; /* the callers settled first: never met */
    if (!sql && !s->prepared && (s->kept || s->runs >= 1)) {
        /* Kept, or the second run: worth a server-side plan. */
        snprintf(s->pg_name, sizeof s->pg_name, "sk%u", ++s->db->pg_next);
        PGresult *r = PQprepare(c, s->pg_name, s->sql, s->n_params, types);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            return r;
        PQclear(r);
        s->prepared = true;
        if (s->kept)
            add_kept(s->db, s->sql, s->pg_name);
    }
    s->runs++;
    if (!sql && s->prepared)
        return PQexecPrepared(c, s->pg_name, s->n_params, values, lengths, formats, 1);
    return PQexecParams(c, sql ? sql : s->sql, s->n_params, types, values, lengths, formats, 1);
}

static int stream_batch(void)
{
#ifdef SK_TEST_HOOKS
    /* tests make batches tiny so that a walk crosses many of them */
    const char *v = getenv("SK_TEST_PG_BATCH");
    if (v && atoi(v) > 0)
        return atoi(v);
#endif
    return STREAM_BATCH;
}

static int fetch(cdb_stmt *s)
{
    char sql[64];
    int batch = stream_batch();
    snprintf(sql, sizeof sql, "FETCH %d FROM %s", batch, s->cursor);
    PQclear(s->res);
    s->res = NULL;
    if (!settle(s->db))
        return CDB_ERROR;
    s->res = PQexecParams(conn(s->db), sql, 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK) {
        note_error(s->db, s->res);
        return CDB_ERROR;
    }
    s->n_rows = PQntuples(s->res);
    s->row = 0;
    s->done = s->n_rows < batch;
    return s->n_rows > 0 ? CDB_ROW : CDB_DONE;
}

static int open_stream(cdb_stmt *s)
{
    cdb *db = s->db;
    if (!settle(db))
        return CDB_ERROR;
    if (!cdb_pg_in_txn(db)) {
        if (!run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ"))
            return CDB_ERROR;
        db->pg_own_txn = true;
    }
    if (db->pg_own_txn)
        db->pg_streams++;
    snprintf(s->cursor, sizeof s->cursor, "skc%u", ++db->pg_next);
    size_t len = strlen(s->sql) + 64;
    char *sql = malloc(len);
    if (!sql) {
        free(db->pg_msg);
        db->pg_msg = strdup("out of memory");
        db->pg_state[0] = '\0';
        return CDB_ERROR;
    }
    snprintf(sql, len, "DECLARE %s NO SCROLL CURSOR FOR %s", s->cursor, s->sql);
    PGresult *r = exec_params(s, sql);
    free(sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        note_error(db, r);
    PQclear(r);
    s->executed = true;
    if (!ok) {
        s->cursor[0] = '\0';
        return CDB_ERROR;
    }
    return fetch(s);
}

int cdb_pg_step(cdb_stmt *s)
{
    if (s->stream) {
        if (!s->executed)
            return open_stream(s);
        if (++s->row < s->n_rows)
            return CDB_ROW;
        if (s->done || !s->cursor[0])
            return CDB_DONE;
        return fetch(s);
    }
    if (!s->executed) {
        PQclear(s->res);
        s->res = NULL;
        if (!settle(s->db))
            return CDB_ERROR;
        s->res = exec_params(s, NULL);
        s->executed = true;
        ExecStatusType t = PQresultStatus(s->res);
        if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
            note_error(s->db, s->res);
            PQclear(s->res);
            s->res = NULL;
            s->n_rows = 0;
            return CDB_ERROR;
        }
        s->n_rows = t == PGRES_TUPLES_OK ? PQntuples(s->res) : 0;
        const char *n = PQcmdTuples(s->res);
        s->changes = n && *n ? strtoll(n, NULL, 10) : 0;
        s->row = -1;
    }
    return ++s->row < s->n_rows ? CDB_ROW : CDB_DONE;
}

static void close_stream(cdb_stmt *s)
{
    cdb *db = s->db;
    if (!s->cursor[0])
        return;
    char sql[48];
    snprintf(sql, sizeof sql, "CLOSE %s", s->cursor);
    if (PQtransactionStatus(conn(db)) == PQTRANS_INTRANS)
        run(db, sql);
    s->cursor[0] = '\0';
    if (db->pg_own_txn && --db->pg_streams == 0) {
        /* The stream's own transaction; what the caller wrote meanwhile
         * (sk_cstore_note_unreadable) is kept, as it would be on SQLite. */
        db->pg_own_txn = false;
        if (cdb_pg_in_txn(db))
            run(db, "COMMIT");
    }
}

void cdb_pg_reset(cdb_stmt *s)
{
    if (s->stream)
        close_stream(s);
    PQclear(s->res);
    s->res = NULL;
    s->executed = s->done = false;
    s->row = -1;
    s->n_rows = 0;
}

void cdb_pg_finalize(cdb_stmt *s)
{
    if (s->db->pg) {
        cdb_pg_reset(s);
        if (s->prepared && !s->kept && PQtransactionStatus(conn(s->db)) != PQTRANS_INERROR) {
            char sql[48];
            snprintf(sql, sizeof sql, "DEALLOCATE %s", s->pg_name);
            run(s->db, sql);
        }
        /* In an aborted transaction the statement stays prepared until the
         * connection closes: harmless, its name is never reused. */
    }
    free(s->sql);
    free(s->params);
}

static bool have_row(cdb_stmt *s, int i)
{
    return s->res && s->row >= 0 && s->row < s->n_rows && i >= 0 && i < PQnfields(s->res);
}

int cdb_pg_ncols(cdb_stmt *s)
{
    return s->res ? PQnfields(s->res) : 0;
}

bool cdb_pg_null(cdb_stmt *s, int i)
{
    return !have_row(s, i) || PQgetisnull(s->res, s->row, i);
}

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int k = 0; k < n; k++)
        v = v << 8 | p[k];
    return v;
}

/* NUMERIC in binary: ndigits, weight, sign, dscale, then base-10000 digits.
 * Only integral values ever reach here (sums and counts). */
static int64_t numeric_int(const unsigned char *p, int len)
{
    if (len < 8)
        return 0;
    int ndigits = (int16_t)be(p, 2), weight = (int16_t)be(p + 2, 2);
    int sign = (int)be(p + 4, 2);
    int64_t v = 0;
    for (int d = 0; d <= weight; d++)
        v = v * 10000 + (d < ndigits && 8 + 2 * d + 2 <= len ? (int64_t)be(p + 8 + 2 * d, 2) : 0);
    return sign == 0x4000 ? -v : v;
}

int64_t cdb_pg_int64(cdb_stmt *s, int i)
{
    if (cdb_pg_null(s, i))
        return 0;
    const unsigned char *p = (const unsigned char *)PQgetvalue(s->res, s->row, i);
    int len = PQgetlength(s->res, s->row, i);
    switch (PQftype(s->res, i)) {
    case OID_INT8: return len == 8 ? (int64_t)be(p, 8) : 0;
    case OID_INT4: return len == 4 ? (int32_t)be(p, 4) : 0;
    case OID_INT2: return len == 2 ? (int16_t)be(p, 2) : 0;
    case OID_BOOL: return len == 1 && p[0];
    case OID_NUMERIC: return numeric_int(p, len);
    default: return strtoll((const char *)p, NULL, 10);
    }
}

const void *cdb_pg_value(cdb_stmt *s, int i, size_t *len)
{
    if (cdb_pg_null(s, i)) {
        *len = 0;
        return NULL;
    }
    *len = (size_t)PQgetlength(s->res, s->row, i);
    return PQgetvalue(s->res, s->row, i); /* libpq ends every value with a NUL */
}

sk_status cdb_pg_copy_in(cdb *db, const char *sql, const void *data, size_t len, bool wait,
                         const char *what, sk_error *err)
{
    if (!settle(db))
        return cdb_pg_fail(db, what, err);
    PGresult *r = PQexec(conn(db), sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        note_error(db, r);
        PQclear(r);
        return cdb_pg_fail(db, what, err);
    }
    PQclear(r);
    /* libpq takes an int: hand a large input over in pieces */
    const char *p = data;
    bool ok = true;
    for (size_t off = 0; ok && off < len;) {
        size_t n = len - off < ((size_t)1 << 30) ? len - off : (size_t)1 << 30;
        ok = PQputCopyData(conn(db), p + off, (int)n) == 1;
        off += n;
    }
    if (PQputCopyEnd(conn(db), ok ? NULL : "survey-sync could not send the rows") != 1)
        ok = false;
    /* The outcome is the next call's to collect (settle), also when sending
     * failed: the server's answer says why; or this call's, when waiting. */
    db->pg_copy_pending = true;
    db->pg_copy_what = what;
    if (wait || !ok) {
        bool stored = settle(db);
        if (wait)
            db->pg_copy_failed = false; /* the caller rolls back itself */
        if (!stored)
            return cdb_pg_fail(db, what, err);
    }
    return SK_OK;
}

sk_status cdb_pg_exec(cdb *db, const char *sql, const char *what, sk_error *err)
{
    if (!run(db, sql))
        return cdb_pg_fail(db, what, err);
    return SK_OK;
}

bool cdb_pg_in_txn(cdb *db)
{
    return db->pg && PQtransactionStatus(conn(db)) != PQTRANS_IDLE;
}

static bool same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The schema a connection's store lives in (search_path); malloc'd or NULL. */
static char *schema_of(cdb *db)
{
    if (!settle(db))
        return NULL;
    PGresult *r = PQexec(conn(db), "SELECT current_schema()");
    char *v = NULL;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
        v = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* Same server, database and schema.  When a schema cannot be read, say
 * "same": refusing a merge is the safe mistake. */
bool cdb_pg_same(cdb *a, cdb *b)
{
    if (!same_str(PQhost(conn(a)), PQhost(conn(b))) || !same_str(PQport(conn(a)), PQport(conn(b))) ||
        !same_str(PQdb(conn(a)), PQdb(conn(b))))
        return false;
    char *sa = schema_of(a), *sb = schema_of(b);
    bool same = !sa || !sb || strcmp(sa, sb) == 0;
    free(sa);
    free(sb);
    return same;
}

#endif
