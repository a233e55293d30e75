/* cstore_db.c - opening central.db: settings, schema, and SQLite errors turned
 * into sentences. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cstore_internal.h"

/* Durability: WAL with synchronous=FULL, so a merge that returned is on disk
 * even after a power cut (NORMAL could lose the last commits).  secure_delete
 * because withdrawal should not leave the removed (sealed) bytes in free
 * pages.  foreign_keys so a record never refers to an unknown device. */
static const char *const settings =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "PRAGMA foreign_keys=ON;"
    "PRAGMA secure_delete=ON;";

/* Schema 3 adds uploads: one row per bundle `survey-sync serve` merged,
 * written in the merge's own transaction (so the count is exact). */
#define UPLOADS_SQL                                                                               \
    "CREATE TABLE uploads("                                                                        \
    "  id INTEGER PRIMARY KEY,"                                                                    \
    "  device TEXT NOT NULL,"                                                                      \
    "  time_ms INTEGER NOT NULL,"                                                                  \
    "  digest BLOB NOT NULL,"                                                                      \
    "  records INTEGER NOT NULL,"                                                                  \
    "  added INTEGER NOT NULL,"                                                                    \
    "  peer TEXT NOT NULL);"                                                                       \
    "CREATE INDEX uploads_device ON uploads(device, time_ms);"

/* Schema 2 (docs/FORMATS.md, "The central store").  Records, conflicts and
 * withdrawn records are keyed by (device, record id): a record id is the
 * kiosk's random choice, and keying by it alone let a new device squat a
 * genuine id.  Device rows hold the enrolment state; meta holds the pinned
 * study. */
static const char *const schema =
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY,"
    "  value BLOB NOT NULL);"
    "CREATE TABLE devices("
    "  id TEXT PRIMARY KEY,"
    "  pk BLOB,"
    "  fp BLOB NOT NULL,"
    "  label TEXT NOT NULL,"
    "  state INTEGER NOT NULL DEFAULT 0,"
    "  retired_seq INTEGER,"
    "  state_ms INTEGER NOT NULL DEFAULT 0,"
    "  first_import_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_import_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE imports("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  added INTEGER NOT NULL DEFAULT 0,"
    "  held INTEGER NOT NULL DEFAULT 0,"
    "  present INTEGER NOT NULL DEFAULT 0,"
    "  conflicts INTEGER NOT NULL DEFAULT 0,"
    "  withdrawn INTEGER NOT NULL DEFAULT 0,"
    "  refused INTEGER NOT NULL DEFAULT 0,"
    "  packs_added INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE packs("
    "  digest BLOB PRIMARY KEY,"
    "  study_fp TEXT NOT NULL,"
    "  form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL,"
    "  bytes BLOB NOT NULL,"
    "  import_id INTEGER NOT NULL);"
    "CREATE INDEX packs_form ON packs(form_id, form_version);"
    "CREATE TABLE records("
    "  device TEXT NOT NULL REFERENCES devices(id),"
    "  record_id BLOB NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL,"
    "  wtag BLOB,"
    "  blob BLOB NOT NULL,"
    "  import_id INTEGER NOT NULL,"
    "  unreadable TEXT,"
    "  PRIMARY KEY(device, record_id));"
    "CREATE INDEX records_device_seq ON records(device, seq);"
    "CREATE INDEX records_form ON records(form_id, form_version, device, seq);"
    "CREATE INDEX records_wtag ON records(wtag) WHERE wtag IS NOT NULL;"
    "CREATE TABLE conflicts("
    "  id INTEGER PRIMARY KEY,"
    "  device TEXT NOT NULL,"
    "  record_id BLOB NOT NULL,"
    "  source TEXT NOT NULL,"
    "  blob BLOB NOT NULL,"
    "  blob_hash BLOB NOT NULL,"
    "  time_ms INTEGER NOT NULL,"
    "  UNIQUE(device, record_id, blob_hash));"
    "CREATE TABLE withdrawals("
    "  tag BLOB PRIMARY KEY,"
    "  time_ms INTEGER NOT NULL,"
    "  statement BLOB NOT NULL);"
    "CREATE TABLE withdrawn_records("
    "  device TEXT NOT NULL,"
    "  record_id BLOB NOT NULL,"
    "  tag BLOB NOT NULL REFERENCES withdrawals(tag),"
    "  seq INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL,"
    "  PRIMARY KEY(device, record_id));"
    "CREATE INDEX withdrawn_device_seq ON withdrawn_records(device, seq);"
    UPLOADS_SQL;

sk_status cstore_db_error(sqlite3 *db, int rc, const char *path, const char *what, sk_error *err)
{
    const char *detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
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

sk_status cstore_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **out,
                         sk_error *err)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
    if (rc != SQLITE_OK)
        return cstore_db_error(db, rc, path, "preparing a query", err);
    return SK_OK;
}

sk_status cstore_exec(sqlite3 *db, const char *path, const char *sql, sk_error *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return cstore_db_error(db, rc, path, "updating the store", err);
    return SK_OK;
}

void cstore_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int64_t pragma_int(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    *rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(s);
        if (*rc == SQLITE_ROW) {
            v = sqlite3_column_int64(s, 0);
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return v;
}

sk_status cstore_check_schema(sqlite3 *db, const char *path, sk_error *err)
{
    int rc;
    int64_t app = pragma_int(db, "PRAGMA application_id", &rc);
    if (rc != SQLITE_OK)
        return cstore_db_error(db, rc, path, "reading the store's header", err);
    int64_t version = pragma_int(db, "PRAGMA user_version", &rc);
    if (rc != SQLITE_OK)
        return cstore_db_error(db, rc, path, "reading the store's header", err);
    if (app != CSTORE_APP_ID)
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "this SQLite file is not a survey-sync central store; check the "
                               "file name");
    if (version > CSTORE_SCHEMA_VERSION)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, path, NULL, 0, NULL,
                               "the store was written by a newer survey-sync (schema %lld); "
                               "update survey-sync",
                               (long long)version);
    if (version == 1)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, path, NULL, 0, NULL,
                               "the store was made by survey-sync before records were signed "
                               "(schema 1); make a new store and merge the kiosks' new bundles "
                               "into it");
    if (version != CSTORE_SCHEMA_VERSION && version != 2) /* 2: readable, upgraded on open */
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "the store has an unknown schema version %lld; check the file",
                               (long long)version);
    return SK_OK;
}

/* Create the schema in a new (empty) database, or check an existing one. */
static sk_status init_schema(sqlite3 *db, const char *path, sk_error *err)
{
    sk_status st = cstore_exec(db, path, "BEGIN IMMEDIATE", err);
    if (st != SK_OK)
        return st;
    int rc;
    int64_t n_objects = pragma_int(db, "SELECT count(*) FROM sqlite_master", &rc);
    if (rc != SQLITE_OK) {
        cstore_rollback(db);
        return cstore_db_error(db, rc, path, "reading the store's schema", err);
    }
    if (n_objects == 0) {
        char sql[160];
        snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                 CSTORE_APP_ID, CSTORE_SCHEMA_VERSION);
        st = cstore_exec(db, path, schema, err);
        if (st == SK_OK)
            st = cstore_exec(db, path, sql, err);
        if (st == SK_OK)
            st = cstore_exec(db, path, "COMMIT", err);
    } else {
        st = cstore_check_schema(db, path, err);
        int64_t version = pragma_int(db, "PRAGMA user_version", &rc);
        if (st == SK_OK && version == 2) /* versioned upgrade: 2 -> 3 adds uploads */
            st = cstore_exec(db, path, UPLOADS_SQL "PRAGMA user_version=3;", err);
        if (st == SK_OK)
            st = cstore_exec(db, path, "COMMIT", err);
    }
    if (st != SK_OK)
        cstore_rollback(db);
    return st;
}

sk_status sk_cstore_open(const char *path, sk_cstore **out, sk_error *err)
{
    if (!path || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_open needs a path and an out pointer");
    sk_cstore *cs = calloc(1, sizeof *cs);
    if (!cs || !(cs->path = strdup(path))) {
        free(cs);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening %s", path);
    }
    int rc = sqlite3_open_v2(path, &cs->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    sk_status st = SK_OK;
    if (rc != SQLITE_OK)
        st = cstore_db_error(cs->db, rc, path, "opening the store", err);
    if (st == SK_OK) {
        sqlite3_busy_timeout(cs->db, 10000);
        sqlite3_extended_result_codes(cs->db, 1);
        st = cstore_exec(cs->db, path, settings, err);
    }
    if (st == SK_OK)
        st = init_schema(cs->db, path, err);
    if (st != SK_OK) {
        sk_cstore_close(cs);
        return st;
    }
    *out = cs;
    return SK_OK;
}

void sk_cstore_close(sk_cstore *cs)
{
    if (!cs)
        return;
    sqlite3_close_v2(cs->db);
    free(cs->path);
    free(cs);
}
