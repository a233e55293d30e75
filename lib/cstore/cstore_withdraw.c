/* cstore_withdraw.c - removing a participant's sitting by its withdrawal code.
 * The audit keeps the code's tag (a keyed hash, never the code) and the time;
 * the tag also stops a later merge of an old bundle from bringing the records
 * back. */
#include <string.h>
#include <time.h>

#include "cstore_internal.h"
#include "sk/answers.h"

static sk_status run_tag(sk_cstore *cs, const char *sql, const uint8_t tag[SK_TAG_SIZE],
                         int64_t time_ms, int *changes, sk_error *err)
{
    sqlite3_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, cs->path, sql, &s, err);
    if (st != SK_OK)
        return st;
    sqlite3_bind_blob(s, 1, tag, SK_TAG_SIZE, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int64(s, 2, time_ms);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return cstore_db_error(cs->db, rc, cs->path, "withdrawing records", err);
    if (changes)
        *changes = sqlite3_changes(cs->db);
    return SK_OK;
}

sk_status cstore_withdraw_tag(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                              uint64_t *n_removed, sk_error *err)
{
    int removed = 0;
    /* The earliest time wins when two stores withdrew the same sitting. */
    sk_status st = run_tag(cs,
                           "INSERT INTO withdrawals(tag, time_ms) VALUES(?1, ?2)"
                           " ON CONFLICT(tag) DO UPDATE"
                           " SET time_ms = min(time_ms, excluded.time_ms)",
                           tag, time_ms, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs,
                     "INSERT OR IGNORE INTO withdrawn_records(record_id, tag, device, seq, kind,"
                     " form_id, form_version) SELECT record_id, wtag, device, seq, kind, form_id,"
                     " form_version FROM records WHERE wtag = ?1",
                     tag, 0, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs,
                     "DELETE FROM conflicts WHERE record_id IN"
                     " (SELECT record_id FROM records WHERE wtag = ?1)",
                     tag, 0, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs, "DELETE FROM records WHERE wtag = ?1", tag, 0, &removed, err);
    if (st == SK_OK && n_removed)
        *n_removed = (uint64_t)removed;
    return st;
}

/* When the tag was withdrawn before: its time, else -1. */
static int64_t withdrawn_at(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE])
{
    sqlite3_stmt *s = NULL;
    int64_t t = -1;
    if (sqlite3_prepare_v2(cs->db, "SELECT time_ms FROM withdrawals WHERE tag = ?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_blob(s, 1, tag, SK_TAG_SIZE, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            t = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return t;
}

static sk_status not_found(sk_cstore *cs, const char *canonical, const uint8_t tag[SK_TAG_SIZE],
                           sk_error *err)
{
    int64_t t = withdrawn_at(cs, tag);
    if (t < 0)
        return sk_error_set(err, SK_ERR_NOTFOUND,
                            "no record carries withdrawal code %s; check the code", canonical);
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    char when[32] = "an earlier date";
    if (gmtime_r(&secs, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    return sk_error_set(err, SK_ERR_NOTFOUND,
                        "withdrawal code %s was already withdrawn on %s; nothing more to remove",
                        canonical, when);
}

sk_status sk_cstore_withdraw(sk_cstore *cs, const char *canonical, uint64_t *n_removed,
                             sk_error *err)
{
    char check[SK_WCODE_SIZE];
    if (!cs || !canonical || !sk_wcode_normalize(canonical, check) ||
        strcmp(check, canonical) != 0)
        return sk_error_set(err, SK_ERR_ARG,
                            "'%s' is not a withdrawal code in canonical form; pass it through "
                            "sk_wcode_normalize first",
                            canonical ? canonical : "(null)");
    uint8_t tag[SK_TAG_SIZE];
    sk_wcode_tag(canonical, tag);
    sk_status st = cstore_exec(cs->db, cs->path, "BEGIN IMMEDIATE", err);
    if (st != SK_OK)
        return st;
    uint64_t removed = 0;
    st = cstore_withdraw_tag(cs, tag, sk_now_ms(), &removed, err);
    if (st == SK_OK && removed == 0) {
        cstore_rollback(cs->db); /* nothing changes, not even the audit */
        return not_found(cs, canonical, tag, err);
    }
    if (st == SK_OK)
        st = cstore_exec(cs->db, cs->path, "COMMIT", err);
    if (st != SK_OK) {
        cstore_rollback(cs->db);
        return st;
    }
    if (n_removed)
        *n_removed = removed;
    return SK_OK;
}
