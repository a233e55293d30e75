/* cstore_devices.c - device enrolment, the researcher's decision per store:
 * a device seen for the first time is "new" and its records are held; the
 * researcher compares its fingerprint with the kiosk's admin screen and
 * accepts it (or enrols it beforehand by that fingerprint), rejects it, or
 * retires it when the kiosk is lost or stolen. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cstore_internal.h"
#include "sk/answers.h"
#include "sk/bundle.h"

const char *sk_device_state_name(int state)
{
    switch (state) {
    case SK_DEV_NEW: return "new";
    case SK_DEV_ACCEPTED: return "accepted";
    case SK_DEV_REJECTED: return "rejected";
    case SK_DEV_RETIRED: return "retired";
    default: return "unknown";
    }
}

typedef char device_hex[2 * SK_DEVICE_ID_SIZE + 1];

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Run a query on one text parameter that returns at most a few ids. */
static sk_status find_ids(sk_cstore *cs, const char *sql, const char *param, device_hex first,
                          int *count, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, sql, &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, param);
    int rc;
    *count = 0;
    while ((rc = cdb_step(s)) == CDB_ROW) {
        if ((*count)++ == 0)
            snprintf(first, sizeof(device_hex), "%s", (const char *)cdb_column_text(s, 0));
    }
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "looking up a device", err);
    return SK_OK;
}

sk_status sk_cstore_device_find(sk_cstore *cs, const char *what, char id_out[2 * SK_DEVICE_ID_SIZE + 1],
                                sk_error *err)
{
    if (!cs || !what || !id_out)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_device_find needs a store and a device");
    size_t n = strlen(what);
    device_hex found;
    int count = 0;
    sk_status st;
    if (n >= 4 && n <= 2 * SK_DEVICE_ID_SIZE && all_hex(what, n)) {
        char lower[2 * SK_DEVICE_ID_SIZE + 2];
        for (size_t i = 0; i <= n; i++)
            lower[i] = (char)tolower((unsigned char)what[i]);
        st = find_ids(cs, "SELECT id FROM devices WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2",
                      lower, found, &count, err);
        if (st != SK_OK)
            return st;
        if (count > 1)
            return sk_error_set(err, SK_ERR_ARG,
                                "'%s' matches more than one device; give more of its id", what);
    }
    uint8_t fp[SK_FINGERPRINT_BYTES];
    if (count == 0 && sk_fingerprint_decode(what, fp)) {
        device_hex id;
        sk_hex(fp, SK_DEVICE_ID_SIZE, id);
        /* the id is the fingerprint's first 8 bytes; the other 2 must agree too */
        cdb_stmt *s = NULL;
        st = cstore_prepare(cs->db, "SELECT id FROM devices WHERE id = ?1 AND fp = ?2",
                            &s, err);
        if (st != SK_OK)
            return st;
        cdb_bind_text(s, 1, id);
        cdb_bind_blob(s, 2, fp, sizeof fp);
        int rc = cdb_step(s);
        cdb_finalize(s);
        if (rc == CDB_ROW) {
            snprintf(found, sizeof found, "%s", id);
            count = 1;
        } else if (rc != CDB_DONE) {
            return cdb_fail(cs->db, "looking up a device", err);
        }
    }
    if (count == 0)
        return sk_error_set(err, SK_ERR_NOTFOUND,
                            "no device '%s' in this store; 'survey-sync devices list' shows them",
                            what);
    memcpy(id_out, found, sizeof found);
    return SK_OK;
}

sk_status sk_cstore_device_add(sk_cstore *cs, const char *fingerprint, const char *label,
                               char id_out[2 * SK_DEVICE_ID_SIZE + 1], sk_error *err)
{
    if (!cs || !fingerprint || !id_out)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_device_add needs a store and a fingerprint");
    uint8_t fp[SK_FINGERPRINT_BYTES];
    if (!sk_fingerprint_decode(fingerprint, fp))
        return sk_error_set(err, SK_ERR_ARG,
                            "'%s' is not a device fingerprint (16 symbols like "
                            "XXXX-XXXX-XXXX-XXXX, from the kiosk's admin screen)",
                            fingerprint);
    label = label ? label : "";
    if (strlen(label) > SK_LABEL_MAX)
        return sk_error_set(err, SK_ERR_ARG, "the label is longer than %d bytes; shorten it",
                            SK_LABEL_MAX);
    device_hex id;
    sk_hex(fp, SK_DEVICE_ID_SIZE, id);
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db,
                                  "INSERT INTO devices(id, pk, fp, label, state, state_ms)"
                                  " VALUES(?1, NULL, ?2, ?3, 1, ?4) ON CONFLICT(id) DO NOTHING",
                                  &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, id);
    cdb_bind_blob(s, 2, fp, sizeof fp);
    cdb_bind_text(s, 3, label);
    cdb_bind_int64(s, 4, sk_now_ms());
    int rc = cdb_step(s);
    int64_t changed = cdb_changes(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "enrolling a device", err);
    if (changed == 0)
        return sk_error_set(err, SK_ERR_EXISTS,
                            "device %s is known to this store already; 'survey-sync devices "
                            "list' shows its state (accept it with 'devices accept %s')",
                            id, id);
    memcpy(id_out, id, sizeof id);
    return SK_OK;
}

/* The device's state; SK_ERR_NOTFOUND when unknown. */
static sk_status device_state(sk_cstore *cs, const char *id, int *state, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, "SELECT state FROM devices WHERE id = ?1", &s,
                                  err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, id);
    int rc = cdb_step(s);
    if (rc == CDB_ROW)
        *state = (int)cdb_column_int64(s, 0);
    cdb_finalize(s);
    if (rc == CDB_DONE)
        return sk_error_set(err, SK_ERR_NOTFOUND,
                            "no device %s in this store; 'survey-sync devices list' shows them", id);
    if (rc != CDB_ROW)
        return cdb_fail(cs->db, "looking up a device", err);
    return SK_OK;
}

/* Run sql with ?1 = id (and ?2 = a number); *changes gets the rows changed. */
static sk_status run_id(sk_cstore *cs, const char *sql, const char *id, int64_t num,
                        uint64_t *changes, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db, sql, &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, id);
    if (cdb_param_count(s) >= 2)
        cdb_bind_int64(s, 2, num);
    int rc = cdb_step(s);
    int64_t value = rc == CDB_ROW ? cdb_column_int64(s, 0) : cdb_changes(s);
    cdb_finalize(s);
    if (rc != CDB_DONE && rc != CDB_ROW)
        return cdb_fail(cs->db, "changing a device", err);
    if (changes)
        *changes = (uint64_t)value;
    return SK_OK;
}

/* One transaction around a state change: check the current state, apply. */
typedef sk_status (*change_fn)(sk_cstore *cs, const char *id, int state, uint64_t *n,
                               sk_error *err);

static sk_status change(sk_cstore *cs, const char *id, change_fn fn, uint64_t *n, sk_error *err)
{
    if (!cs || !id)
        return sk_error_set(err, SK_ERR_ARG, "a device change needs a store and a device id");
    sk_status st = cdb_begin(cs->db, CDB_WRITE, err);
    if (st != SK_OK)
        return st;
    int state = 0;
    uint64_t count = 0;
    st = device_state(cs, id, &state, err);
    if (st == SK_OK)
        st = fn(cs, id, state, &count, err);
    if (st == SK_OK)
        st = cdb_commit(cs->db, err);
    if (st != SK_OK) {
        cdb_rollback(cs->db);
        return st;
    }
    if (n)
        *n = count;
    return SK_OK;
}

static sk_status set_state(sk_cstore *cs, const char *id, int state, sk_error *err)
{
    sk_status st = run_id(cs, "UPDATE devices SET state = ?2 WHERE id = ?1", id, state, NULL, err);
    if (st == SK_OK)
        st = run_id(cs, "UPDATE devices SET state_ms = ?2 WHERE id = ?1", id, sk_now_ms(), NULL,
                     err);
    return st;
}

static sk_status do_accept(sk_cstore *cs, const char *id, int state, uint64_t *n, sk_error *err)
{
    if (state == SK_DEV_ACCEPTED)
        return SK_OK;
    if (state == SK_DEV_RETIRED)
        return sk_error_set(err, SK_ERR_STATE,
                            "device %s was retired (lost or stolen) and is not trusted again; "
                            "give the kiosk a new identity (a new data folder) and accept that",
                            id);
    sk_status st = run_id(cs, "SELECT count(*) FROM records WHERE device = ?1", id, 0, n, err);
    if (st == SK_OK)
        st = set_state(cs, id, SK_DEV_ACCEPTED, err);
    return st;
}

static sk_status do_reject(sk_cstore *cs, const char *id, int state, uint64_t *n, sk_error *err)
{
    if (state == SK_DEV_REJECTED)
        return SK_OK;
    if (state != SK_DEV_NEW)
        return sk_error_set(err, SK_ERR_STATE,
                            "device %s is %s: its records are data now; to stop trusting it "
                            "from here on, retire it ('survey-sync devices retire %s')",
                            id, sk_device_state_name(state), id);
    sk_status st = run_id(cs, "DELETE FROM conflicts WHERE device = ?1", id, 0, NULL, err);
    if (st == SK_OK)
        st = run_id(cs, "DELETE FROM records WHERE device = ?1", id, 0, n, err);
    if (st == SK_OK)
        st = set_state(cs, id, SK_DEV_REJECTED, err);
    return st;
}

static sk_status do_retire(sk_cstore *cs, const char *id, int state, uint64_t *n, sk_error *err)
{
    if (state == SK_DEV_RETIRED)
        return run_id(cs, "SELECT coalesce(retired_seq, 0) FROM devices WHERE id = ?1", id, 0, n,
                      err);
    if (state != SK_DEV_ACCEPTED)
        return sk_error_set(err, SK_ERR_STATE,
                            "device %s is %s, not accepted; a device never accepted is "
                            "rejected instead ('survey-sync devices reject %s')",
                            id, sk_device_state_name(state), id);
    sk_status st = run_id(cs,
                          "SELECT coalesce(max(seq), 0) FROM (SELECT seq FROM records WHERE device = ?1"
                          " UNION ALL SELECT seq FROM withdrawn_records WHERE device = ?1) AS held",
                          id, 0, n, err);
    if (st == SK_OK)
        st = run_id(cs, "UPDATE devices SET retired_seq = ?2 WHERE id = ?1", id, (int64_t)*n,
                    NULL, err);
    if (st == SK_OK)
        st = set_state(cs, id, SK_DEV_RETIRED, err);
    return st;
}

sk_status sk_cstore_device_accept(sk_cstore *cs, const char *id, uint64_t *n, sk_error *err)
{
    return change(cs, id, do_accept, n, err);
}

sk_status sk_cstore_device_reject(sk_cstore *cs, const char *id, uint64_t *n, sk_error *err)
{
    return change(cs, id, do_reject, n, err);
}

sk_status sk_cstore_device_retire(sk_cstore *cs, const char *id, uint64_t *last_seq,
                                  sk_error *err)
{
    return change(cs, id, do_retire, last_seq, err);
}

sk_status sk_cstore_note_unreadable(sk_cstore *cs, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                    const uint8_t record_id[SK_RECORD_ID_SIZE], const char *reason,
                                    sk_error *err)
{
    if (!cs || !device_id || !record_id || !reason)
        return sk_error_set(err, SK_ERR_ARG, "sk_cstore_note_unreadable needs a record and a reason");
    device_hex dev;
    sk_hex(device_id, SK_DEVICE_ID_SIZE, dev);
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare(cs->db,
                                  "UPDATE records SET unreadable = ?3 WHERE device = ?1 AND"
                                  " record_id = ?2",
                                  &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, dev);
    cdb_bind_blob(s, 2, record_id, SK_RECORD_ID_SIZE);
    cdb_bind_text(s, 3, reason);
    int rc = cdb_step(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return cdb_fail(cs->db, "noting an unreadable record", err);
    return SK_OK;
}
