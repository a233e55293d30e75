/* cstore_study.c - the study a central store belongs to.  It is pinned once
 * (merge --study, or the first pack the store takes) and never changes: a
 * pack of another study is refused, and export and report read only packs of
 * the key they are given. */
#include <string.h>

#include <sodium.h>

#include "cstore_internal.h"

sk_status cstore_study_get(sk_cstore *cs, sk_study_pub *out, bool *pinned, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare_kept(cs->db, "SELECT value FROM meta WHERE key = 'study'",
                                  &s, err);
    if (st != SK_OK)
        return st;
    int rc = cdb_step(s);
    if (rc == CDB_ROW && cdb_column_bytes(s, 0) == 64) {
        const uint8_t *v = cdb_column_blob(s, 0);
        memcpy(out->box_pk, v, 32);
        memcpy(out->sign_pk, v + 32, 32);
        *pinned = true;
    } else if (rc == CDB_DONE) {
        *pinned = false;
    } else if (rc == CDB_ROW) {
        st = sk_error_set_at(err, SK_ERR_FORMAT, cs->path, NULL, 0, NULL,
                             "the store's pinned study is damaged; restore the store from a "
                             "backup");
    } else {
        st = cdb_fail(cs->db, "reading the store's study", err);
    }
    cdb_finalize(s);
    return st;
}

sk_status cstore_study_set(sk_cstore *cs, const sk_study_pub *study, sk_error *err)
{
    uint8_t v[64];
    memcpy(v, study->box_pk, 32);
    memcpy(v + 32, study->sign_pk, 32);
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db,
                                  "INSERT INTO meta(key, value) VALUES('study', ?1)", &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_blob(s, 1, v, sizeof v);
    int rc = cdb_step(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "pinning the store's study", err);
    return SK_OK;
}

sk_status sk_cstore_study(sk_cstore *cs, sk_study_pub *out, bool *pinned, sk_error *err)
{
    if (!cs || !out || !pinned)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_study needs a store and out pointers");
    sk_study_pub tmp;
    bool is_pinned = false;
    sk_status st = cstore_study_get(cs, &tmp, &is_pinned, err);
    if (st != SK_OK)
        return st;
    if (is_pinned)
        *out = tmp;
    *pinned = is_pinned;
    return SK_OK;
}

sk_status sk_cstore_pin_study(sk_cstore *cs, const sk_study_pub *study, sk_error *err)
{
    if (!cs || !study)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_pin_study needs a store and a study");
    sk_status st = cdb_begin(cs->db, CDB_WRITE, err);
    if (st != SK_OK)
        return st;
    sk_study_pub have;
    bool pinned = false;
    st = cstore_study_get(cs, &have, &pinned, err);
    if (st == SK_OK && pinned && sodium_memcmp(&have, study, sizeof have) != 0) {
        char want[SK_FINGERPRINT_SIZE], got[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&have, got);
        sk_study_fingerprint(study, want);
        st = sk_error_set_at(err, SK_ERR_MISMATCH, cs->path, NULL, 0, NULL,
                             "the store belongs to study %s, not %s; use the store made for "
                             "that study, or a new one",
                             got, want);
    }
    if (st == SK_OK && !pinned)
        st = cstore_study_set(cs, study, err);
    if (st == SK_OK)
        st = cdb_commit(cs->db, err);
    if (st != SK_OK)
        cdb_rollback(cs->db);
    return st;
}
