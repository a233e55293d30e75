/* cstore_db.c - opening a central store: a central.db file (SQLite) or a
 * PostgreSQL database (a postgresql:// URI): settings, the schema of each
 * backend, its version check and upgrades. */
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

/* The same schema on PostgreSQL (docs/FORMATS.md, "The central store on
 * PostgreSQL"): BYTEA for blobs, BIGINT for numbers that are 64-bit in
 * SQLite, identity columns for SQLite's integer primary keys; packs has a
 * column named rowid so that "the first pack imported" reads the same SQL on
 * both.  Text that is sorted or compared uses the "C" collation, the byte
 * order SQLite uses.  schema_version holds one row: the application marker
 * and the version (SQLite keeps them in the header instead). */
static const char *const pg_schema =
    "CREATE TABLE schema_version("
    "  application TEXT NOT NULL,"
    "  version INTEGER NOT NULL);"
    "CREATE TABLE meta("
    "  key TEXT PRIMARY KEY,"
    "  value BYTEA NOT NULL);"
    "CREATE TABLE devices("
    "  id TEXT COLLATE \"C\" PRIMARY KEY,"
    "  pk BYTEA,"
    "  fp BYTEA NOT NULL,"
    "  label TEXT NOT NULL,"
    "  state INTEGER NOT NULL DEFAULT 0,"
    "  retired_seq BIGINT,"
    "  state_ms BIGINT NOT NULL DEFAULT 0,"
    "  first_import_ms BIGINT NOT NULL DEFAULT 0,"
    "  last_import_ms BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE imports("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  time_ms BIGINT NOT NULL,"
    "  added BIGINT NOT NULL DEFAULT 0,"
    "  held BIGINT NOT NULL DEFAULT 0,"
    "  present BIGINT NOT NULL DEFAULT 0,"
    "  conflicts BIGINT NOT NULL DEFAULT 0,"
    "  withdrawn BIGINT NOT NULL DEFAULT 0,"
    "  refused BIGINT NOT NULL DEFAULT 0,"
    "  packs_added BIGINT NOT NULL DEFAULT 0);"
    "CREATE TABLE packs("
    "  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE,"
    "  digest BYTEA PRIMARY KEY,"
    "  study_fp TEXT COLLATE \"C\" NOT NULL,"
    "  form_id TEXT COLLATE \"C\" NOT NULL,"
    "  form_version TEXT COLLATE \"C\" NOT NULL,"
    "  bytes BYTEA NOT NULL,"
    "  import_id BIGINT NOT NULL);"
    "CREATE INDEX packs_form ON packs(form_id, form_version);"
    "CREATE TABLE records("
    "  device TEXT COLLATE \"C\" NOT NULL REFERENCES devices(id),"
    "  record_id BYTEA NOT NULL,"
    "  seq BIGINT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  form_id TEXT COLLATE \"C\" NOT NULL,"
    "  form_version TEXT COLLATE \"C\" NOT NULL,"
    "  wtag BYTEA,"
    "  blob BYTEA NOT NULL,"
    "  import_id BIGINT NOT NULL,"
    "  unreadable TEXT,"
    "  PRIMARY KEY(device, record_id));"
    "CREATE INDEX records_device_seq ON records(device, seq);"
    "CREATE INDEX records_form ON records(form_id, form_version, device, seq);"
    "CREATE INDEX records_wtag ON records(wtag) WHERE wtag IS NOT NULL;"
    "CREATE TABLE conflicts("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  device TEXT COLLATE \"C\" NOT NULL,"
    "  record_id BYTEA NOT NULL,"
    "  source TEXT NOT NULL,"
    "  blob BYTEA NOT NULL,"
    "  blob_hash BYTEA NOT NULL,"
    "  time_ms BIGINT NOT NULL,"
    "  UNIQUE(device, record_id, blob_hash));"
    "CREATE TABLE withdrawals("
    "  tag BYTEA PRIMARY KEY,"
    "  time_ms BIGINT NOT NULL,"
    "  statement BYTEA NOT NULL);"
    "CREATE TABLE withdrawn_records("
    "  device TEXT COLLATE \"C\" NOT NULL,"
    "  record_id BYTEA NOT NULL,"
    "  tag BYTEA NOT NULL REFERENCES withdrawals(tag),"
    "  seq BIGINT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  form_id TEXT COLLATE \"C\" NOT NULL,"
    "  form_version TEXT COLLATE \"C\" NOT NULL,"
    "  PRIMARY KEY(device, record_id));"
    "CREATE INDEX withdrawn_device_seq ON withdrawn_records(device, seq);"
    "CREATE TABLE uploads("
    "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  device TEXT COLLATE \"C\" NOT NULL,"
    "  time_ms BIGINT NOT NULL,"
    "  digest BYTEA NOT NULL,"
    "  records BIGINT NOT NULL,"
    "  added BIGINT NOT NULL,"
    "  peer TEXT NOT NULL);"
    "CREATE INDEX uploads_device ON uploads(device, time_ms);";

/* PostgreSQL upgrades, from version N-1 to N, each run in the transaction
 * that opens the store (none yet: PostgreSQL stores start at schema 3). */
static const char *const pg_upgrades[CSTORE_SCHEMA_VERSION + 1] = {0};

/* One integer from a query without parameters; rc CDB_ROW on success. */
static int64_t query_int(cdb *db, const char *sql, int *rc)
{
    cdb_stmt *s = NULL;
    int64_t v = 0;
    *rc = CDB_ERROR;
    if (cdb_prepare(db, sql, 0, &s, NULL) != SK_OK)
        return 0;
    *rc = cdb_step(s);
    if (*rc == CDB_ROW)
        v = cdb_column_int64(s, 0);
    cdb_finalize(s);
    return v;
}

static sk_status check_version(cdb *db, int64_t version, sk_error *err)
{
    const char *path = cdb_name(db);
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
    bool known = cdb_backend(db) == CDB_PG ? version == CSTORE_SCHEMA_VERSION ||
                                                 (version >= 1 && pg_upgrades[version + 1])
                                           : version == CSTORE_SCHEMA_VERSION || version == 2;
    if (!known) /* SQLite 2: readable, upgraded on open */
        return sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                               "the store has an unknown schema version %lld; check the file",
                               (long long)version);
    return SK_OK;
}

static sk_status check_pg(cdb *db, int64_t *version, sk_error *err)
{
    int rc;
    int64_t has = query_int(db, "SELECT count(*) FROM pg_catalog.pg_tables"
                                " WHERE schemaname = current_schema() AND tablename = 'schema_version'",
                            &rc);
    if (rc != CDB_ROW)
        return cdb_fail(db, "reading the store's schema", err);
    cdb_stmt *s = NULL;
    bool ours = false;
    int64_t v = 0;
    if (has) {
        sk_status st = cdb_prepare(db, "SELECT application, version FROM schema_version", 0, &s, err);
        if (st != SK_OK)
            return st;
        rc = cdb_step(s);
        if (rc == CDB_ROW) {
            const char *app = cdb_column_text(s, 0);
            ours = app && strcmp(app, CSTORE_PG_APP) == 0;
            v = cdb_column_int64(s, 1);
        }
        cdb_finalize(s);
        if (rc == CDB_ERROR)
            return cdb_fail(db, "reading the store's schema", err);
    }
    if (!ours)
        return sk_error_set_at(err, SK_ERR_FORMAT, cdb_name(db), NULL, 0, NULL,
                               "this PostgreSQL database holds tables but is not a survey-sync "
                               "central store; name an empty database (createdb NAME) or a store");
    if (version)
        *version = v;
    return check_version(db, v, err);
}

sk_status cstore_check_schema(cdb *db, int64_t *version, sk_error *err)
{
    if (cdb_backend(db) == CDB_PG)
        return check_pg(db, version, err);
    int rc;
    int64_t app = query_int(db, "PRAGMA application_id", &rc);
    if (rc != CDB_ROW)
        return cdb_fail(db, "reading the store's header", err);
    int64_t v = query_int(db, "PRAGMA user_version", &rc);
    if (rc != CDB_ROW)
        return cdb_fail(db, "reading the store's header", err);
    if (app != CSTORE_APP_ID)
        return sk_error_set_at(err, SK_ERR_FORMAT, cdb_name(db), NULL, 0, NULL,
                               "this SQLite file is not a survey-sync central store; check the "
                               "file name");
    if (version)
        *version = v;
    return check_version(db, v, err);
}

/* Create the schema in a new (empty) database (unless !create: then an empty
 * database is SK_ERR_STATE), or check an existing one and upgrade it, in
 * one writing transaction (so two programs opening a new store at once make
 * it once). */
static sk_status init_schema(cdb *db, bool create, sk_error *err)
{
    bool pg = cdb_backend(db) == CDB_PG;
    sk_status st = cdb_begin(db, CDB_WRITE, err);
    if (st != SK_OK)
        return st;
    int rc;
    int64_t n_objects =
        query_int(db,
                  pg ? "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                       " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                     : "SELECT count(*) FROM sqlite_master",
                  &rc);
    if (rc != CDB_ROW) {
        st = cdb_fail(db, "reading the store's schema", err);
        cdb_rollback(db);
        return st;
    }
    if (n_objects == 0 && !create) {
        st = sk_error_set_at(err, SK_ERR_STATE, cdb_name(db), NULL, 0, NULL,
                             pg ? "this PostgreSQL database holds no central store yet; merge "
                                  "bundles into it first"
                                : "this file holds no central store yet; merge bundles into it "
                                  "first");
    } else if (n_objects == 0) {
        char sql[160];
        if (pg)
            snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES('%s', %d)", CSTORE_PG_APP,
                     CSTORE_SCHEMA_VERSION);
        else
            snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
                     CSTORE_APP_ID, CSTORE_SCHEMA_VERSION);
        st = cdb_exec(db, pg ? pg_schema : schema, "creating the store", err);
        if (st == SK_OK)
            st = cdb_exec(db, sql, "creating the store", err);
    } else {
        int64_t version = 0;
        st = cstore_check_schema(db, &version, err);
        if (st == SK_OK && !pg && version == 2) /* versioned upgrade: 2 -> 3 adds uploads */
            st = cdb_exec(db, UPLOADS_SQL "PRAGMA user_version=3;", "upgrading the store", err);
        for (int64_t v = version + 1; pg && st == SK_OK && v <= CSTORE_SCHEMA_VERSION; v++) {
            char sql[80];
            snprintf(sql, sizeof sql, "UPDATE schema_version SET version = %lld", (long long)v);
            st = cdb_exec(db, pg_upgrades[v], "upgrading the store", err);
            if (st == SK_OK)
                st = cdb_exec(db, sql, "upgrading the store", err);
        }
    }
    if (st == SK_OK)
        st = cdb_commit(db, err);
    if (st != SK_OK)
        cdb_rollback(db);
    return st;
}

static sk_status open_store(const char *path, bool create, sk_cstore **out, sk_error *err)
{
    if (!path || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_open needs a path and an out pointer");
    sk_cstore *cs = calloc(1, sizeof *cs);
    if (!cs || !(cs->path = cdb_display_name(path)) || !(cs->target = strdup(path))) {
        if (cs)
            free(cs->path);
        free(cs);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening a store");
    }
    sk_status st = cdb_open(path, cs->path, create ? CDB_CREATE : 0, &cs->db, err);
    if (st == SK_OK && cdb_backend(cs->db) == CDB_SQLITE)
        st = cdb_exec(cs->db, settings, "updating the store", err);
    if (st == SK_OK)
        st = init_schema(cs->db, create, err);
    if (st != SK_OK) {
        sk_cstore_close(cs);
        return st;
    }
    *out = cs;
    return SK_OK;
}

sk_status sk_cstore_open(const char *path, sk_cstore **out, sk_error *err)
{
    return open_store(path, true, out, err);
}

sk_status sk_cstore_open_existing(const char *path, sk_cstore **out, sk_error *err)
{
    return open_store(path, false, out, err);
}

bool sk_cstore_is_url(const char *store)
{
    return cdb_is_url(store);
}

char *sk_cstore_display_name(const char *store)
{
    return cdb_display_name(store);
}

char *sk_cstore_shell_name(const char *store)
{
    char *shown = cdb_display_name(store);
    if (!shown)
        return NULL;
    size_t n = 2;
    bool plain = *shown != '\0';
    for (const char *c = shown; *c; c++) {
        plain = plain && ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                          (*c >= '0' && *c <= '9') || strchr("_@%+=:,./-", *c));
        n += *c == '\'' ? 4 : 1; /* ' becomes '\'' */
    }
    if (plain)
        return shown;
    char *out = malloc(n + 1), *o = out;
    if (out) {
        *o++ = '\'';
        for (const char *c = shown; *c; c++) {
            if (*c == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *c;
            }
        }
        *o++ = '\'';
        *o = '\0';
    }
    free(shown);
    return out;
}

void sk_cstore_close(sk_cstore *cs)
{
    if (!cs)
        return;
    cdb_close(cs->db);
    free(cs->path);
    free(cs->target);
    free(cs);
}
