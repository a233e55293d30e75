/* kstore_db.c - opening the kiosk store: durability settings, schema, the
 * device identity, crash recovery; plus settings, label, PIN and counts. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kstore_internal.h"

static const char *const schema =
    "CREATE TABLE device(one INTEGER PRIMARY KEY CHECK (one = 1), device_id TEXT NOT NULL,"
    "  sign_pk BLOB NOT NULL, sign_sk BLOB NOT NULL, label TEXT NOT NULL DEFAULT '',"
    "  pin_hash TEXT, created_ms INTEGER NOT NULL,"
    "  pin_failures INTEGER NOT NULL DEFAULT 0, pin_locked_until_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE packs(digest BLOB PRIMARY KEY, form_id TEXT NOT NULL, form_version TEXT NOT NULL,"
    "  title TEXT NOT NULL, bytes BLOB NOT NULL, installed_ms INTEGER NOT NULL,"
    "  install_order INTEGER NOT NULL);"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE drafts(sitting_id TEXT PRIMARY KEY, form_id TEXT NOT NULL,"
    "  form_version TEXT NOT NULL, blob BLOB NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE records(seq INTEGER PRIMARY KEY, record_id BLOB NOT NULL UNIQUE,"
    "  kind INTEGER NOT NULL, form_id TEXT NOT NULL, form_version TEXT NOT NULL,"
    "  blob BLOB NOT NULL, created_ms INTEGER NOT NULL, exported_ms INTEGER);"
    "CREATE INDEX records_unexported ON records(seq) WHERE exported_ms IS NULL;"
    "PRAGMA user_version = 2;";

/* Version 1 -> 2: the admin PIN's failure count and delay (sk_kstore_pin_attempt). */
static const char *const upgrade_1_2 =
    "ALTER TABLE device ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE device ADD COLUMN pin_locked_until_ms INTEGER NOT NULL DEFAULT 0;"
    "PRAGMA user_version = 2;";

/* Version 2 -> 3: delivery to survey-sync serve (kstore_outbox.c): when each
 * record and pack was delivered (a receipt named it), and the last try. */
static const char *const upgrade_2_3 =
    "ALTER TABLE records ADD COLUMN delivered_ms INTEGER;"
    "ALTER TABLE packs ADD COLUMN delivered_ms INTEGER;"
    "CREATE INDEX records_undelivered ON records(seq) WHERE delivered_ms IS NULL;"
    "CREATE TABLE delivery(one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  last_try_ms INTEGER NOT NULL DEFAULT 0, last_ok_ms INTEGER NOT NULL DEFAULT 0,"
    "  failures INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '');"
    "INSERT INTO delivery(one) VALUES (1);"
    "PRAGMA user_version = 3;";

sk_status ks_db_error(sk_kstore *ks, int rc, const char *doing, sk_error *err)
{
    int base = rc & 0xff;
    const char *msg = ks && ks->db ? sqlite3_errmsg(ks->db) : sqlite3_errstr(rc);
    if (base == SQLITE_FULL)
        return sk_error_set_at(err, SK_ERR_NOSPACE, ks ? ks->path : NULL, NULL, 0, NULL,
                               "the disk is full while %s; nothing was half-written; free "
                               "some space and try again",
                               doing);
    if (base == SQLITE_CORRUPT || base == SQLITE_NOTADB)
        return sk_error_set_at(err, SK_ERR_FORMAT, ks ? ks->path : NULL, NULL, 0, NULL,
                               "the kiosk store is damaged (%s) while %s; keep a copy of the "
                               "folder and contact the research team",
                               msg, doing);
    if (base == SQLITE_IOERR || base == SQLITE_CANTOPEN || base == SQLITE_READONLY ||
        base == SQLITE_PERM)
        return sk_error_set_at(err, SK_ERR_IO, ks ? ks->path : NULL, NULL, 0, NULL,
                               "cannot write the kiosk store while %s: %s; check that the "
                               "disk is not full and the folder is writable",
                               doing, msg);
    return sk_error_set_at(err, SK_ERR_DB, ks ? ks->path : NULL, NULL, 0, NULL,
                           "database error while %s: %s", doing, msg);
}

sk_status ks_exec(sk_kstore *ks, const char *sql, const char *doing, sk_error *err)
{
    int rc = sqlite3_exec(ks->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SK_OK : ks_db_error(ks, rc, doing, err);
}

sk_status ks_prepare(sk_kstore *ks, const char *sql, sqlite3_stmt **st, sk_error *err)
{
    int rc = sqlite3_prepare_v2(ks->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? SK_OK : ks_db_error(ks, rc, "preparing a query", err);
}

/* A new device: Ed25519 key pair, its id, stored in the one device row. */
static sk_status make_device(sk_kstore *ks, sk_error *err)
{
    crypto_sign_keypair(ks->key->pk, ks->key->sk);
    sk_device_id(ks->key->pk, ks->device_id);
    sk_hex(ks->device_id, SK_DEVICE_ID_SIZE, ks->device_hex);
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks,
                             "INSERT INTO device(one, device_id, sign_pk, sign_sk, created_ms) "
                             "VALUES (1, ?, ?, ?, ?)",
                             &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, ks->device_hex, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ks->key->pk, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, ks->key->sk, 64, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, sk_now_ms());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "creating the device identity", err);
}

static sk_status load_device(sk_kstore *ks, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT device_id, sign_pk, sign_sk, label FROM device", &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return make_device(ks, err);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return ks_db_error(ks, rc, "reading the device identity", err);
    }
    const char *hex = (const char *)sqlite3_column_text(st, 0);
    const char *label = (const char *)sqlite3_column_text(st, 3);
    if (!hex || sqlite3_column_bytes(st, 1) != 32 || sqlite3_column_bytes(st, 2) != 64 ||
        sk_unhex(hex, ks->device_id, SK_DEVICE_ID_SIZE) != SK_OK) {
        sqlite3_finalize(st);
        return sk_error_set_at(err, SK_ERR_FORMAT, ks->path, NULL, 0, NULL,
                               "the device identity in the kiosk store is damaged");
    }
    snprintf(ks->device_hex, sizeof ks->device_hex, "%s", hex);
    memcpy(ks->key->pk, sqlite3_column_blob(st, 1), 32);
    memcpy(ks->key->sk, sqlite3_column_blob(st, 2), 64);
    snprintf(ks->label, sizeof ks->label, "%s", label ? label : "");
    sqlite3_finalize(st);
    return SK_OK;
}

static sk_status setup_schema(sk_kstore *ks, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "PRAGMA user_version", &st, err);
    if (s != SK_OK)
        return s;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (version > KSTORE_SCHEMA_VERSION)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, ks->path, NULL, 0, NULL,
                               "the kiosk store was made by a newer survey-kiosk (schema %d); "
                               "update this one",
                               version);
    if (version >= 0 && version < KSTORE_SCHEMA_VERSION) {
        /* Versioned upgrades, in order, in one transaction. */
        const char *doing = version == 0 ? "creating the store" : "upgrading the store";
        s = ks_exec(ks, "BEGIN IMMEDIATE", doing, err);
        if (s == SK_OK && version == 0)
            s = ks_exec(ks, schema, doing, err);
        if (s == SK_OK && version == 1)
            s = ks_exec(ks, upgrade_1_2, doing, err);
        if (s == SK_OK && version <= 2)
            s = ks_exec(ks, upgrade_2_3, doing, err);
        if (s == SK_OK)
            s = ks_exec(ks, "COMMIT", doing, err);
        if (s != SK_OK) {
            sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
            return s;
        }
    }
    return SK_OK;
}

/* kiosk.db holds the device's signing key: owner-only.  The file is made (or
 * an older 0644 one fixed) before SQLite opens it, because SQLite gives the
 * -wal and -shm files it creates the database file's mode.  -wal and -shm
 * left by an older version are fixed too.  Symbolic links are not followed. */
static sk_status private_file(const char *path, bool create, sk_error *err)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | (create ? O_CREAT : 0),
                  0600);
    if (fd < 0) {
        if (!create && errno == ENOENT)
            return SK_OK;
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "cannot open the kiosk store: %s%s", strerror(errno),
                               errno == ELOOP ? " (it is a symbolic link; the store must be a "
                                                "plain file)"
                                              : "");
    }
    struct stat sb;
    sk_status s = SK_OK;
    if (fstat(fd, &sb) != 0)
        s = sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot read the kiosk store: %s",
                            strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        s = sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                            "the kiosk store is not a plain file; move it away");
    else if ((sb.st_mode & 077) && fchmod(fd, 0600) != 0)
        s = sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                            "the kiosk store can be read by other users and its mode cannot be "
                            "changed to 0600: %s",
                            strerror(errno));
    close(fd);
    return s;
}

/* A pin_only open without the lock found a store its holder is still
 * creating or upgrading: it must not create or upgrade it itself. */
static sk_status not_ready(const char *dir, sk_error *err)
{
    return sk_error_set(err, SK_ERR_STATE,
                        "another survey-kiosk is using %s and is still setting up its store; "
                        "try again in a moment",
                        dir);
}

sk_status sk_kstore_open(const char *dir, sk_kstore **out, sk_error *err)
{
    return sk_kstore_open_with(dir, NULL, out, err);
}

sk_status sk_kstore_open_with(const char *dir, const sk_kstore_open_opts *opts, sk_kstore **out,
                              sk_error *err)
{
    if (!dir || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_open: NULL argument");
    sk_kstore_open_opts o = {0};
    if (opts)
        o = *opts;
    if (sodium_init() < 0)
        return sk_error_set(err, SK_ERR_STATE, "libsodium could not be initialised");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sk_error_set_at(err, SK_ERR_IO, dir, NULL, 0, NULL,
                               "cannot create the kiosk's data folder: %s", strerror(errno));
    sk_kstore *ks = calloc(1, sizeof *ks);
    if (!ks)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening the kiosk store");
    ks->lock_fd = -1;
    ks->key = sodium_malloc(sizeof *ks->key);
    if (!ks->key) {
        free(ks);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening the kiosk store");
    }
    /* The lock first: nothing below (file modes, schema, device, recovery)
     * runs while another process has the folder. */
    bool busy = false;
    sk_status s = o.share_lock ? ks_lock_share(ks, dir, o.lock_fd, err)
                               : ks_lock_take(ks, dir, o.wait_ms, &busy, err);
    if (s != SK_OK && !(busy && o.pin_only)) {
        sodium_free(ks->key);
        free(ks);
        return s;
    }
    bool locked = s == SK_OK;
    snprintf(ks->path, sizeof ks->path, "%s/kiosk.db", dir);
    char side[sizeof ks->path + 8];
    s = private_file(ks->path, locked, err);
    snprintf(side, sizeof side, "%s-wal", ks->path);
    if (s == SK_OK)
        s = private_file(side, false, err);
    snprintf(side, sizeof side, "%s-shm", ks->path);
    if (s == SK_OK)
        s = private_file(side, false, err);
    if (s != SK_OK) {
        ks_lock_release(ks);
        sodium_free(ks->key);
        free(ks);
        return s;
    }
    int rc = sqlite3_open_v2(ks->path, &ks->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    if (rc != SQLITE_OK && !locked)
        s = not_ready(dir, err); /* no kiosk.db yet: its holder is creating it */
    else
        s = rc == SQLITE_OK ? SK_OK : ks_db_error(ks, rc, "opening the kiosk store", err);
    if (s == SK_OK) {
        sqlite3_busy_timeout(ks->db, 5000);
        /* Durable at every commit; deleted pages zeroed; temporary data never on disk. */
        s = ks_exec(ks,
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                    "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;",
                    "setting up the store", err);
    }
    if (s == SK_OK && !locked) {
        /* Without the lock: read only a store that is complete, change no schema. */
        sqlite3_stmt *st;
        s = ks_prepare(ks, "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT COUNT(*) FROM sqlite_master WHERE name = 'device')",
                       &st, err);
        if (s == SK_OK) {
            bool ready = sqlite3_step(st) == SQLITE_ROW &&
                         sqlite3_column_int(st, 0) == KSTORE_SCHEMA_VERSION &&
                         sqlite3_column_int(st, 1) == 1;
            sqlite3_finalize(st);
            if (!ready)
                s = not_ready(dir, err);
        }
        if (s == SK_OK && ks_prepare(ks, "SELECT 1 FROM device", &st, err) == SK_OK) {
            bool has_device = sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            if (!has_device)
                s = not_ready(dir, err);
        }
    }
    if (s == SK_OK)
        s = setup_schema(ks, err);
    if (s == SK_OK)
        s = load_device(ks, err);
    if (s == SK_OK)
        s = ks_load_study(ks, err);
    if (s == SK_OK && locked && !ks->shared_lock)
        s = ks_recover_drafts(ks, err); /* only ever under our own lock: see kstore.h */
    if (s != SK_OK) {
        sk_kstore_close(ks);
        return s;
    }
    *out = ks;
    return SK_OK;
}

bool sk_kstore_locked(const sk_kstore *ks) { return ks && ks->lock_fd >= 0; }

int sk_kstore_lock_fd(const sk_kstore *ks)
{
    return ks && !ks->shared_lock ? ks->lock_fd : -1;
}

void sk_kstore_close(sk_kstore *ks)
{
    if (!ks)
        return;
    sqlite3_finalize(ks->save_stmt);
    sqlite3_close(ks->db);
    ks_lock_release(ks); /* last: the next process finds kiosk.db closed */
    sodium_free(ks->key);
    sodium_memzero(ks, sizeof *ks);
    free(ks);
}

const char *sk_kstore_device_id(const sk_kstore *ks) { return ks ? ks->device_hex : ""; }
const char *sk_kstore_device_label(const sk_kstore *ks) { return ks ? ks->label : ""; }

sk_status sk_kstore_set_label(sk_kstore *ks, const char *label, sk_error *err)
{
    if (!ks || !label)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_set_label: NULL argument");
    if (strlen(label) > SK_LABEL_MAX)
        return sk_error_set(err, SK_ERR_ARG, "a device label has at most %d bytes", SK_LABEL_MAX);
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "UPDATE device SET label = ?", &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return ks_db_error(ks, rc, "saving the device label", err);
    snprintf(ks->label, sizeof ks->label, "%s", label);
    return SK_OK;
}

sk_status ks_next_seq(sk_kstore *ks, uint64_t *seq, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT COALESCE(MAX(seq), 0) + 1 FROM records", &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *seq = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SK_OK : ks_db_error(ks, rc, "numbering a record", err);
}

sk_status ks_insert_record(sk_kstore *ks, const sk_record_header *h, const uint8_t *blob,
                           size_t len, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks,
                             "INSERT INTO records(seq, record_id, kind, form_id, form_version, "
                             "blob, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)h->seq);
    sqlite3_bind_blob(st, 2, h->record_id, SK_RECORD_ID_SIZE, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, h->kind);
    sqlite3_bind_text(st, 4, h->form_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, h->form_version, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, blob, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, sk_now_ms());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "saving a record", err);
}

sk_status sk_kstore_counts_get(sk_kstore *ks, sk_kstore_counts *out, sk_error *err)
{
    if (!ks || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_counts_get: NULL argument");
    sqlite3_stmt *st;
    sk_status s = ks_prepare(
        ks,
        "SELECT (SELECT COUNT(*) FROM records WHERE kind = 2), (SELECT COUNT(*) FROM records "
        "WHERE kind = 1), (SELECT COUNT(*) FROM records WHERE kind = 3), (SELECT COUNT(*) FROM "
        "records WHERE kind = 4), (SELECT COUNT(*) FROM records WHERE exported_ms IS NULL), "
        "(SELECT COUNT(*) FROM drafts)",
        &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        sk_kstore_counts c = {
            (uint64_t)sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1),
            (uint64_t)sqlite3_column_int64(st, 2), (uint64_t)sqlite3_column_int64(st, 3),
            (uint64_t)sqlite3_column_int64(st, 4), (uint64_t)sqlite3_column_int64(st, 5)};
        *out = c;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SK_OK : ks_db_error(ks, rc, "counting records", err);
}

/* ---- admin PIN ------------------------------------------------------------- */

bool sk_kstore_pin_valid(const char *pin)
{
    if (!pin)
        return false;
    size_t n = strlen(pin);
    if (n < SK_PIN_MIN || n > SK_PIN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pin[i] < '0' || pin[i] > '9')
            return false;
    return true;
}

bool sk_kstore_has_pin(sk_kstore *ks)
{
    sqlite3_stmt *st;
    if (!ks || ks_prepare(ks, "SELECT pin_hash IS NOT NULL FROM device", &st, NULL) != SK_OK)
        return false;
    bool has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return has;
}

/* Interactive limits: a PIN check on a Raspberry Pi must take well under a second.
 * SK_PWHASH_FAST (test builds only, as for study keys) uses the minimum. */
static void pin_cost(unsigned long long *ops, size_t *mem)
{
    *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
#ifdef SK_TEST_HOOKS
    const char *fast = getenv("SK_PWHASH_FAST");
    if (fast && strcmp(fast, "1") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_MIN;
        *mem = crypto_pwhash_MEMLIMIT_MIN;
    }
#endif
}

sk_status sk_kstore_set_pin(sk_kstore *ks, const char *pin, sk_error *err)
{
    if (!ks || !pin)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_set_pin: NULL argument");
    if (!pin || !sk_kstore_pin_valid(pin))
        return sk_error_set(err, SK_ERR_ARG, "the PIN must be %d to %d digits (0-9 only)",
                            SK_PIN_MIN, SK_PIN_MAX);
    char hash[crypto_pwhash_STRBYTES];
    unsigned long long ops;
    size_t mem;
    pin_cost(&ops, &mem);
    if (crypto_pwhash_str(hash, pin, strlen(pin), ops, mem) != 0)
        return sk_error_set(err, SK_ERR_NOMEM, "not enough memory to hash the PIN");
    /* A new PIN starts with a clean slate: the one who sets it has the machine. */
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks,
                             "UPDATE device SET pin_hash = ?, pin_failures = 0, "
                             "pin_locked_until_ms = 0",
                             &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    sodium_memzero(hash, sizeof hash);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "saving the PIN", err);
}

int64_t sk_kstore_pin_backoff_ms(uint32_t failures)
{
    if (failures < SK_PIN_FREE_TRIES)
        return 0;
    int64_t ms = SK_PIN_FIRST_DELAY_MS;
    for (uint32_t i = SK_PIN_FREE_TRIES; i < failures && ms < SK_PIN_MAX_DELAY_MS; i++)
        ms *= 2;
    return ms < SK_PIN_MAX_DELAY_MS ? ms : SK_PIN_MAX_DELAY_MS;
}

typedef struct pin_row {
    char hash[crypto_pwhash_STRBYTES];
    uint32_t failures;
    int64_t locked_until;
} pin_row;

static sk_status read_pin_row(sk_kstore *ks, pin_row *row, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks,
                             "SELECT pin_hash, pin_failures, pin_locked_until_ms FROM device "
                             "WHERE pin_hash IS NOT NULL",
                             &st, err);
    if (s != SK_OK)
        return s;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(st, 0);
        snprintf(row->hash, sizeof row->hash, "%s", h ? h : "");
        sqlite3_int64 f = sqlite3_column_int64(st, 1);
        row->failures = f < 0 ? 0 : f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
        row->locked_until = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return sk_error_set(err, SK_ERR_STATE, "no admin PIN is set yet");
    return rc == SQLITE_ROW ? SK_OK : ks_db_error(ks, rc, "reading the PIN", err);
}

static sk_status write_pin_state(sk_kstore *ks, uint32_t failures, int64_t locked_until,
                                 sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "UPDATE device SET pin_failures = ?, pin_locked_until_ms = ?",
                             &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_int64(st, 1, failures);
    sqlite3_bind_int64(st, 2, locked_until);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "saving the PIN attempt", err);
}

/* The wait still to run at now_ms.  A delay longer than the schedule allows
 * for this failure count means the clock went back (a Raspberry Pi has no
 * real-time clock until the network sets it): the wait is then cut to one
 * full delay from now, never years. */
static int64_t remaining(const pin_row *row, int64_t now_ms, int64_t *locked_until)
{
    int64_t full = sk_kstore_pin_backoff_ms(row->failures);
    *locked_until = row->locked_until;
    if (row->locked_until <= now_ms)
        return 0;
    if (row->locked_until - now_ms > full)
        *locked_until = now_ms + full;
    return *locked_until - now_ms;
}

sk_status sk_kstore_pin_wait(sk_kstore *ks, int64_t now_ms, int64_t *wait_ms, sk_error *err)
{
    if (!ks || !wait_ms)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_pin_wait: NULL argument");
    pin_row row;
    sk_status s = read_pin_row(ks, &row, err);
    if (s == SK_OK) {
        int64_t until;
        *wait_ms = remaining(&row, now_ms, &until);
    }
    sodium_memzero(&row, sizeof row);
    return s;
}

sk_status sk_kstore_pin_attempt(sk_kstore *ks, const char *pin, int64_t now_ms,
                                sk_pin_result *result, sk_error *err)
{
    if (!ks || !pin || !result)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_pin_attempt: NULL argument");
    pin_row row;
    sk_pin_result r = {0};
    sk_status s = ks_exec(ks, "BEGIN IMMEDIATE", "checking the PIN", err);
    if (s != SK_OK)
        return s;
    s = read_pin_row(ks, &row, err);
    if (s != SK_OK) {
        sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
        sodium_memzero(&row, sizeof row);
        return s;
    }
    int64_t until = 0;
    if ((r.wait_ms = remaining(&row, now_ms, &until)) > 0) {
        /* A delay runs: refused without looking at the PIN, the count unchanged.
         * A delay cut short after the clock went back is stored as cut. */
        r.failures = row.failures;
        if (until != row.locked_until)
            s = write_pin_state(ks, row.failures, until, err);
        if (s == SK_OK)
            s = ks_exec(ks, "COMMIT", "checking the PIN", err);
        if (s != SK_OK)
            sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
        sodium_memzero(&row, sizeof row);
        if (s == SK_OK)
            *result = r;
        return s;
    }
    /* Count the attempt as wrong before checking it, durably: cutting the power
     * while the hash is computed cannot then buy a free guess. */
    uint32_t failed = row.failures < UINT32_MAX ? row.failures + 1 : UINT32_MAX;
    int64_t delay = sk_kstore_pin_backoff_ms(failed);
    s = write_pin_state(ks, failed, delay ? now_ms + delay : 0, err);
    if (s == SK_OK)
        s = ks_exec(ks, "COMMIT", "checking the PIN", err);
    if (s != SK_OK) {
        sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
        sodium_memzero(&row, sizeof row);
        return s;
    }
    r.checked = true;
    r.accepted = crypto_pwhash_str_verify(row.hash, pin, strlen(pin)) == 0;
    sodium_memzero(&row, sizeof row);
    if (r.accepted) {
        s = write_pin_state(ks, 0, 0, err);
        if (s != SK_OK)
            return s;
    } else {
        r.failures = failed;
        r.wait_ms = delay;
    }
    *result = r;
    return SK_OK;
}

void sk_kstore_device_fingerprint(const sk_kstore *ks, char out[SK_FINGERPRINT_SIZE])
{
    if (!ks || !out) {
        if (out)
            out[0] = '\0';
        return;
    }
    sk_device_fingerprint(ks->key->pk, out);
}

/* ---- settings --------------------------------------------------------------- */

sk_status sk_kstore_get_setting(sk_kstore *ks, const char *key, char **value, sk_error *err)
{
    if (!ks || !key || !value)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_get_setting: NULL argument");
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT value FROM settings WHERE key = ?", &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    char *v = NULL;
    if (rc == SQLITE_ROW) {
        v = strdup((const char *)sqlite3_column_text(st, 0));
        if (!v) {
            sqlite3_finalize(st);
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading a setting");
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ks_db_error(ks, rc, "reading a setting", err);
    *value = v;
    return SK_OK;
}

sk_status sk_kstore_set_setting(sk_kstore *ks, const char *key, const char *value, sk_error *err)
{
    if (!ks || !key || !value)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_set_setting: NULL argument");
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", &st,
                             err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "saving a setting", err);
}
