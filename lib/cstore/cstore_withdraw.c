/* cstore_withdraw.c - removing a participant's sitting by its withdrawal code.
 * Only the study key can withdraw: the audit keeps a statement signed by it
 * (the code's tag, a keyed hash, never the code, and the time), which is also
 * what lets the withdrawal travel to other stores.  The tag stops a later
 * merge of an old bundle from bringing the records back. */
#include <string.h>

#include <sodium.h>

#include "cstore_internal.h"
#include "sk/answers.h"

/* Run sql with ?1 = tag (and ?2, ?3 when the statement has them). */
static sk_status run_tag(sk_cstore *cs, const char *sql, const uint8_t tag[SK_TAG_SIZE],
                         int64_t time_ms, const uint8_t *statement, int *changes, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, sql, &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_blob(s, 1, tag, SK_TAG_SIZE);
    if (cdb_param_count(s) >= 3) {
        cdb_bind_int64(s, 2, time_ms);
        cdb_bind_blob(s, 3, statement, SK_WITHDRAWAL_SIZE);
    }
    int rc = cdb_step(s);
    int64_t changed = cdb_changes(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "withdrawing records", err);
    if (changes)
        *changes = (int)changed;
    return SK_OK;
}

sk_status cstore_withdraw_tag(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                              const uint8_t statement[SK_WITHDRAWAL_SIZE], uint64_t *n_removed,
                              bool *added, sk_error *err)
{
    int removed = 0, inserted = 0;
    sk_status st = run_tag(cs,
                           "INSERT INTO withdrawals(tag, time_ms, statement) VALUES(?1, ?2, ?3)"
                           " ON CONFLICT(tag) DO NOTHING",
                           tag, time_ms, statement, &inserted, err);
    /* The earliest time wins when two stores withdrew the same sitting; each
     * statement is signed, so the one kept is whichever is earlier. */
    if (st == SK_OK && !inserted)
        st = run_tag(cs,
                     "UPDATE withdrawals SET time_ms = ?2, statement = ?3"
                     " WHERE tag = ?1 AND time_ms > ?2",
                     tag, time_ms, statement, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs,
                     "INSERT INTO withdrawn_records(device, record_id, tag, seq, kind, form_id,"
                     " form_version) SELECT device, record_id, wtag, seq, kind, form_id,"
                     " form_version FROM records WHERE wtag = ?1 ON CONFLICT DO NOTHING",
                     tag, 0, NULL, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs,
                     "DELETE FROM conflicts WHERE EXISTS (SELECT 1 FROM records r"
                     " WHERE r.wtag = ?1 AND r.device = conflicts.device"
                     " AND r.record_id = conflicts.record_id)",
                     tag, 0, NULL, NULL, err);
    if (st == SK_OK)
        st = run_tag(cs, "DELETE FROM records WHERE wtag = ?1", tag, 0, NULL, &removed, err);
    if (st == SK_OK && n_removed)
        *n_removed = (uint64_t)removed;
    if (st == SK_OK && added)
        *added = inserted > 0;
    return st;
}

/* When the tag was withdrawn before: its time, else -1. */
static int64_t withdrawn_at(sk_cstore *cs, const uint8_t tag[SK_TAG_SIZE])
{
    cdb_stmt *s = NULL;
    int64_t t = -1;
    if (cstore_prepare(cs->db, "SELECT time_ms FROM withdrawals WHERE tag = ?1", &s, NULL) ==
        SK_OK) {
        cdb_bind_blob(s, 1, tag, SK_TAG_SIZE);
        if (cdb_step(s) == CDB_ROW)
            t = cdb_column_int64(s, 0);
    }
    cdb_finalize(s);
    return t;
}

static sk_status not_found(sk_cstore *cs, const char *canonical, const uint8_t tag[SK_TAG_SIZE],
                           sk_error *err)
{
    int64_t t = withdrawn_at(cs, tag);
    if (t < 0)
        return sk_error_set(err, SK_ERR_NOTFOUND,
                            "no record carries withdrawal code %s; check the code", canonical);
    char when[40];
    cstore_format_time(t, when, sizeof when);
    return sk_error_set(err, SK_ERR_NOTFOUND,
                        "withdrawal code %s was already withdrawn on %s; nothing more to remove",
                        canonical, when);
}

/* The key must be the store's study (pinning an unpinned store to it). */
static sk_status check_study(sk_cstore *cs, const sk_study_key *key, sk_error *err)
{
    sk_study_pub have;
    bool pinned = false;
    sk_status st = cstore_study_get(cs, &have, &pinned, err);
    if (st != SK_OK)
        return st;
    if (!pinned)
        return cstore_study_set(cs, &key->pub, err);
    if (sodium_memcmp(&have, &key->pub, sizeof have) != 0) {
        char got[SK_FINGERPRINT_SIZE], want[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&have, got);
        sk_study_fingerprint(&key->pub, want);
        return sk_error_set_at(err, SK_ERR_MISMATCH, cs->path, NULL, 0, NULL,
                               "the store belongs to study %s, but the key given is study %s; "
                               "use that study's key",
                               got, want);
    }
    return SK_OK;
}

sk_status sk_cstore_withdraw(sk_cstore *cs, const sk_study_key *key, const char *canonical,
                             uint64_t *n_removed, sk_error *err)
{
    char check[SK_WCODE_SIZE];
    if (!cs || !key || !canonical || !sk_wcode_normalize(canonical, check) ||
        strcmp(check, canonical) != 0)
        return sk_error_set(err, SK_ERR_ARG,
                            "'%s' is not a withdrawal code in canonical form; pass it through "
                            "sk_wcode_normalize first (and give the study key)",
                            canonical ? canonical : "(null)");
    uint8_t tag[SK_TAG_SIZE], statement[SK_WITHDRAWAL_SIZE];
    sk_wcode_tag(canonical, tag);
    int64_t now = sk_now_ms();
    sk_withdrawal_sign(key, tag, now, statement);
    sk_status st = cdb_begin(cs->db, CDB_WRITE, err);
    if (st != SK_OK)
        return st;
    uint64_t removed = 0;
    st = check_study(cs, key, err);
    if (st == SK_OK)
        st = cstore_withdraw_tag(cs, tag, now, statement, &removed, NULL, err);
    if (st == SK_OK && removed == 0) {
        cdb_rollback(cs->db); /* nothing changes, not even the audit */
        return not_found(cs, canonical, tag, err);
    }
    if (st == SK_OK)
        st = cdb_commit(cs->db, err);
    if (st != SK_OK) {
        cdb_rollback(cs->db);
        return st;
    }
    if (n_removed)
        *n_removed = removed;
    return SK_OK;
}
