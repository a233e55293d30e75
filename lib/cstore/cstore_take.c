/* cstore_take.c - taking one device, pack or record into the store: the rules
 * every merge shares (study pinning, device enrolment, the record's own
 * signature, already present, conflict, withdrawn, quarantine). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cstore_internal.h"
#include "sk/answers.h"

static const char *const sql_ins_record =
    "INSERT INTO records(record_id, device, seq, kind, form_id, form_version, wtag, blob,"
    " import_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT(device, record_id) DO NOTHING";
static const char *const sql_get_blob =
    "SELECT blob FROM records WHERE device = ?2 AND record_id = ?1";
static const char *const sql_is_withdrawn = "SELECT 1 FROM withdrawals WHERE tag = ?1";
static const char *const sql_ins_conflict =
    "INSERT INTO conflicts(record_id, source, blob, blob_hash, time_ms, device)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";
static const char *const sql_ins_pack =
    "INSERT INTO packs(digest, study_fp, form_id, form_version, bytes, import_id)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING";

static sk_status db_fail(cstore_merge *m, const char *what, sk_error *err)
{
    return cdb_fail(m->cs->db, what, err);
}

void cstore_format_time(int64_t ms, char *out, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    snprintf(out, size, "an earlier date");
    if (gmtime_r(&secs, &tm))
        strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm);
}

sk_status cstore_merge_begin(cstore_merge *m, sk_error *err)
{
    cdb *db = m->cs->db;
    m->now_ms = sk_now_ms();
    sk_status st = cstore_study_get(m->cs, &m->study, &m->pinned, err);
    if (st == SK_OK)
        st = cstore_verifier_new(&m->verifier, cdb_backend(db) == CDB_PG, err);
    if (st == SK_OK)
        st = cstore_prepare_kept(db, sql_ins_record, &m->ins_record, err);
    if (st == SK_OK)
        st = cstore_prepare_kept(db, sql_get_blob, &m->get_blob, err);
    if (st == SK_OK)
        st = cstore_prepare_kept(db, sql_is_withdrawn, &m->is_withdrawn, err);
    if (st == SK_OK)
        st = cstore_prepare_kept(db, sql_ins_conflict, &m->ins_conflict, err);
    if (st == SK_OK)
        st = cstore_prepare_kept(db, sql_ins_pack, &m->ins_pack, err);
    if (st == SK_OK)
        st = cstore_merge_count_withdrawals(m, err);
    if (st != SK_OK)
        return st;
    cdb_stmt *s = NULL;
    st = cstore_prepare_kept(db, "INSERT INTO imports(source, time_ms) VALUES(?1, ?2) RETURNING id", &s,
                        err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, m->source);
    cdb_bind_int64(s, 2, m->now_ms);
    int rc = cdb_step(s);
    if (rc == CDB_ROW) {
        m->import_id = cdb_column_int64(s, 0);
        rc = cdb_step(s);
    }
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return db_fail(m, "recording the import", err);
    return SK_OK;
}

sk_status cstore_merge_end(cstore_merge *m, bool ok, sk_error *err)
{
    sk_status st = ok ? cstore_flush_records(m, err) : SK_OK;
    if (ok && st == SK_OK && m->verifier)
        st = cstore_verifier_wait(m->verifier, m->source, err);
    if (ok && st == SK_OK) {
        cdb_stmt *s = NULL;
        st = cstore_prepare_kept(m->cs->db,
                            "UPDATE imports SET added=?1, present=?2, conflicts=?3, withdrawn=?4,"
                            " packs_added=?5, held=?7, refused=?8 WHERE id=?6",
                            &s, err);
        if (st == SK_OK) {
            cdb_bind_int64(s, 1, (int64_t)m->stats.added);
            cdb_bind_int64(s, 2, (int64_t)m->stats.present);
            cdb_bind_int64(s, 3, (int64_t)m->stats.conflicts);
            cdb_bind_int64(s, 4, (int64_t)m->stats.withdrawn);
            cdb_bind_int64(s, 5, (int64_t)m->stats.packs_added);
            cdb_bind_int64(s, 6, m->import_id);
            cdb_bind_int64(s, 7, (int64_t)m->stats.held);
            cdb_bind_int64(s, 8, (int64_t)m->stats.refused);
            int rc = cdb_step(s);
            if (rc != CDB_DONE)
                st = db_fail(m, "recording the import", err);
        }
        cdb_finalize(s);
    }
    cdb_finalize(m->ins_record);
    cdb_finalize(m->get_blob);
    cdb_finalize(m->is_withdrawn);
    cdb_finalize(m->ins_conflict);
    cdb_finalize(m->ins_pack);
    m->ins_record = m->get_blob = m->is_withdrawn = m->ins_conflict = m->ins_pack = NULL;
    cstore_verifier_free(m->verifier);
    m->verifier = NULL;
    cstore_batch_free(m);
    return st;
}

static void device_fp(const uint8_t pk[32], uint8_t fp[SK_FINGERPRINT_BYTES])
{
    uint8_t h[32];
    crypto_generichash(h, sizeof h, pk, 32, NULL, 0);
    memcpy(fp, h, SK_FINGERPRINT_BYTES);
}

static sk_status key_mismatch(cstore_merge *m, const char *device_hex, sk_error *err)
{
    if (m->from_store)
        return sk_error_set_at(err, SK_ERR_MISMATCH, m->source, NULL, 0, NULL,
                               "the store holds device %s with another key than the one known "
                               "here; nothing in it was merged",
                               device_hex);
    return sk_error_set_at(err, SK_ERR_MISMATCH, m->source, NULL, 0, NULL,
                           "device %s is known here with another key; this bundle is not from "
                           "that kiosk, so nothing in it was merged",
                           device_hex);
}

sk_status cstore_pin_device(cstore_merge *m, const char *device_hex, const uint8_t pk[32],
                            const char *label, cstore_device *dev, sk_error *err)
{
    cdb *db = m->cs->db;
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare_kept(db,
                                  "SELECT pk, fp, state, retired_seq, state_ms FROM devices"
                                  " WHERE id = ?1",
                                  &s, err);
    if (st != SK_OK)
        return st;
    uint8_t fp[SK_FINGERPRINT_BYTES];
    device_fp(pk, fp);
    cdb_bind_text(s, 1, device_hex);
    int rc = cdb_step(s);
    bool known = rc == CDB_ROW;
    bool has_pk = known && !cdb_column_null(s, 0);
    bool same = known && (has_pk ? cdb_column_bytes(s, 0) == 32 &&
                                       sodium_memcmp(cdb_column_blob(s, 0), pk, 32) == 0
                                 : cdb_column_bytes(s, 1) == SK_FINGERPRINT_BYTES &&
                                       sodium_memcmp(cdb_column_blob(s, 1), fp, sizeof fp) == 0);
    int state = known ? (int)cdb_column_int64(s, 2) : SK_DEV_NEW;
    uint64_t retired_seq = known ? (uint64_t)cdb_column_int64(s, 3) : 0;
    int64_t state_ms = known ? cdb_column_int64(s, 4) : 0;
    cdb_finalize(s);
    if (rc != CDB_ROW && rc != CDB_DONE)
        return db_fail(m, "looking up a device", err);
    if (known && !same)
        return key_mismatch(m, device_hex, err);
    if (state == SK_DEV_REJECTED) {
        char when[40];
        cstore_format_time(state_ms, when, sizeof when);
        return sk_error_set_at(err, SK_ERR_STATE, m->source, NULL, 0, NULL,
                               "device %s was rejected on %s; nothing in this input was merged "
                               "(survey-sync devices accept %s would trust it after all)",
                               device_hex, when, device_hex);
    }
    const char *sql = !known ? "INSERT INTO devices(id, pk, fp, label, state, state_ms,"
                               " first_import_ms, last_import_ms)"
                               " VALUES(?1, ?2, ?5, ?3, 0, ?4, ?4, ?4)"
                      : has_pk ? "UPDATE devices SET label = ?3, last_import_ms = ?4 WHERE id = ?1"
                               : "UPDATE devices SET pk = ?2, label = ?3, first_import_ms = ?4,"
                                 " last_import_ms = ?4 WHERE id = ?1";
    st = cstore_prepare_kept(db, sql, &s, err);
    if (st != SK_OK)
        return st;
    cdb_bind_text(s, 1, device_hex);
    cdb_bind_blob(s, 2, pk, 32);
    cdb_bind_text(s, 3, label);
    cdb_bind_int64(s, 4, m->now_ms);
    if (cdb_param_count(s) >= 5)
        cdb_bind_blob(s, 5, fp, sizeof fp);
    rc = cdb_step(s);
    cdb_finalize(s);
    if (rc != CDB_DONE)
        return db_fail(m, "recording a device", err);
    memset(dev, 0, sizeof *dev);
    snprintf(dev->hex, sizeof dev->hex, "%s", device_hex);
    memcpy(dev->pk, pk, 32);
    dev->state = state;
    dev->retired_seq = retired_seq;
    return SK_OK;
}

sk_status cstore_check_header(const char *source, const uint8_t *blob, size_t len,
                              const uint8_t *device, sk_record_header *h, sk_error *err)
{
    sk_status st = sk_record_header_parse(blob, len, h, err);
    if (st != SK_OK) {
        sk_error_set_file(err, source);
        return st;
    }
    char id[2 * SK_RECORD_ID_SIZE + 1];
    sk_hex(h->record_id, SK_RECORD_ID_SIZE, id);
    if (h->kind < SK_REC_CONSENT || h->kind > SK_REC_DECLINED)
        return sk_error_set_at(err, SK_ERR_FORMAT, source, NULL, 0, NULL,
                               "record %s is a %s record, which never leaves a kiosk; nothing "
                               "in this input was merged",
                               id, sk_rec_kind_name(h->kind));
    if (h->seq == 0)
        return sk_error_set_at(err, SK_ERR_FORMAT, source, NULL, 0, NULL,
                               "record %s (%s) has no sequence number (0), which a kiosk never "
                               "writes for a finished record; nothing in this input was merged",
                               id, sk_rec_kind_name(h->kind));
    if (device && memcmp(device, h->device_id, SK_DEVICE_ID_SIZE) != 0) {
        char dev[2 * SK_DEVICE_ID_SIZE + 1];
        sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
        return sk_error_set_at(err, SK_ERR_MISMATCH, source, NULL, 0, NULL,
                               "record %s claims device %s, not the kiosk that signed this "
                               "input; nothing in it was merged",
                               id, dev);
    }
    return SK_OK;
}

static bool tag_is_zero(const uint8_t tag[SK_TAG_SIZE])
{
    return sodium_is_zero(tag, SK_TAG_SIZE);
}

sk_status cstore_merge_count_withdrawals(cstore_merge *m, sk_error *err)
{
    cdb_stmt *s = NULL;
    sk_status st = cstore_prepare_kept(m->cs->db, "SELECT EXISTS (SELECT 1 FROM withdrawals)",
                                  &s, err);
    if (st != SK_OK)
        return st;
    int rc = cdb_step(s);
    m->any_withdrawals = rc == CDB_ROW && (int)cdb_column_int64(s, 0) != 0;
    cdb_finalize(s);
    return rc == CDB_ROW ? SK_OK : db_fail(m, "checking withdrawals", err);
}

/* Is this record's sitting withdrawn?  1 yes, 0 no, -1 error (rc set). */
static int withdrawn(cstore_merge *m, const sk_record_header *h, int *rc)
{
    if (!m->any_withdrawals || tag_is_zero(h->withdraw_tag))
        return 0;
    cdb_reset(m->is_withdrawn);
    cdb_bind_blob(m->is_withdrawn, 1, h->withdraw_tag, SK_TAG_SIZE);
    *rc = cdb_step(m->is_withdrawn);
    int res = *rc == CDB_ROW ? 1 : *rc == CDB_DONE ? 0 : -1;
    cdb_reset(m->is_withdrawn);
    return res;
}

sk_status cstore_take_conflict(cstore_merge *m, const char *device_hex,
                               const uint8_t id[SK_RECORD_ID_SIZE], const char *source,
                               const uint8_t *blob, size_t len, bool counted, sk_error *err)
{
    uint8_t hash[32];
    crypto_generichash(hash, sizeof hash, blob, len, NULL, 0);
    cdb_stmt *s = m->ins_conflict;
    cdb_reset(s);
    cdb_bind_blob(s, 1, id, SK_RECORD_ID_SIZE);
    cdb_bind_text(s, 2, source);
    cdb_bind_blob(s, 3, blob, len);
    cdb_bind_blob(s, 4, hash, sizeof hash);
    cdb_bind_int64(s, 5, m->now_ms);
    cdb_bind_text(s, 6, device_hex);
    int rc = cdb_step(s);
    cdb_reset(s);
    if (rc != CDB_DONE)
        return db_fail(m, "keeping a conflicting record aside", err);
    if (counted)
        m->stats.conflicts++;
    return SK_OK;
}

/* The (device, id) is held already: same bytes (present) or a conflict. */
static sk_status compare_held(cstore_merge *m, const char *device, const sk_record_header *h,
                              const uint8_t *blob, size_t len, sk_error *err)
{
    cdb_stmt *s = m->get_blob;
    cdb_reset(s);
    cdb_bind_blob(s, 1, h->record_id, SK_RECORD_ID_SIZE);
    cdb_bind_text(s, 2, device);
    int rc = cdb_step(s);
    if (rc != CDB_ROW) {
        cdb_reset(s);
        if (rc == CDB_DONE) /* the insert said it is there */
            return sk_error_set_at(err, SK_ERR_FORMAT, m->cs->path, NULL, 0, NULL,
                                   "the store changed under the merge while comparing a record; "
                                   "run the merge again");
        return db_fail(m, "comparing a record", err);
    }
    bool same = (size_t)cdb_column_bytes(s, 0) == len &&
                memcmp(cdb_column_blob(s, 0), blob, len) == 0;
    cdb_reset(s);
    if (same) {
        m->stats.present++;
        return SK_OK;
    }
    return cstore_take_conflict(m, device, h->record_id, m->source, blob, len, true, err);
}

sk_status cstore_take_record(cstore_merge *m, const cstore_device *dev, const sk_record_header *h,
                             const uint8_t *blob, size_t len, sk_error *err)
{
    /* The record's own proof: signed by the device it names, whatever
     * carried it here (a bundle, or a store that has no signature).  Checked
     * beside the merge; cstore_merge_end refuses the input if it fails. */
    m->last_deferred = false;
    sk_status st = cstore_verifier_submit(m->verifier, dev, blob, len, err);
    if (st != SK_OK)
        return st;
    int rc = CDB_DONE;
    int w = withdrawn(m, h, &rc);
    if (w < 0)
        return db_fail(m, "checking withdrawals", err);
    if (w) {
        m->stats.withdrawn++;
        return SK_OK;
    }
    if (dev->state == SK_DEV_RETIRED && h->seq > dev->retired_seq) {
        m->stats.refused++;
        return SK_OK;
    }
    if (cdb_backend(m->cs->db) == CDB_PG)
        return cstore_batch_add(m, dev, h, blob, len, err);
    const char *device = dev->hex;
    cdb_stmt *s = m->ins_record;
    cdb_reset(s);
    cdb_bind_blob(s, 1, h->record_id, SK_RECORD_ID_SIZE);
    cdb_bind_text(s, 2, device);
    cdb_bind_int64(s, 3, (int64_t)h->seq);
    cdb_bind_int64(s, 4, h->kind);
    cdb_bind_text(s, 5, h->form_id);
    cdb_bind_text(s, 6, h->form_version);
    if (tag_is_zero(h->withdraw_tag))
        cdb_bind_null(s, 7);
    else
        cdb_bind_blob(s, 7, h->withdraw_tag, SK_TAG_SIZE);
    cdb_bind_blob(s, 8, blob, len);
    cdb_bind_int64(s, 9, m->import_id);
    rc = cdb_step(s);
    int64_t changed = cdb_changes(s);
    cdb_reset(s);
    if (rc != CDB_DONE)
        return db_fail(m, "storing a record", err);
    if (changed == 1) {
        if (dev->state == SK_DEV_ACCEPTED || dev->state == SK_DEV_RETIRED)
            m->stats.added++;
        else
            m->stats.held++;
        return SK_OK;
    }
    return compare_held(m, device, h, blob, len, err);
}

sk_status cstore_take_pack(cstore_merge *m, const uint8_t *bytes, size_t len, sk_error *err)
{
    sk_pack *pack = NULL;
    sk_status st = sk_pack_parse(bytes, len, &pack, err);
    if (st != SK_OK) {
        sk_error_set_file(err, m->source);
        return st;
    }
    char fp[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&pack->study, fp);
    if (m->pinned && sodium_memcmp(&m->study, &pack->study, sizeof m->study) != 0) {
        char want[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&m->study, want);
        sk_pack_free(pack);
        return sk_error_set_at(err, SK_ERR_MISMATCH, m->source, NULL, 0, NULL,
                               "a survey pack in it is signed by study %s, but this store belongs "
                               "to study %s; nothing in it was merged",
                               fp, want);
    }
    if (!m->pinned) {
        st = cstore_study_set(m->cs, &pack->study, err);
        if (st != SK_OK) {
            sk_pack_free(pack);
            return st;
        }
        m->study = pack->study;
        m->pinned = true;
        m->stats.pinned = true;
    }
    cdb_stmt *s = m->ins_pack;
    cdb_reset(s);
    cdb_bind_blob(s, 1, pack->digest, sizeof pack->digest);
    cdb_bind_text(s, 2, fp);
    cdb_bind_text(s, 3, pack->form_id);
    cdb_bind_text(s, 4, pack->form_version);
    cdb_bind_blob(s, 5, bytes, len);
    cdb_bind_int64(s, 6, m->import_id);
    int rc = cdb_step(s);
    int64_t changed = cdb_changes(s);
    cdb_reset(s);
    sk_pack_free(pack);
    if (rc != CDB_DONE)
        return db_fail(m, "storing a survey pack", err);
    m->stats.packs_added += (uint64_t)changed;
    return SK_OK;
}

void cstore_merge_tick(cstore_merge *m)
{
    m->done++;
    if (!m->progress)
        return;
    if (m->total == 0) {
        if (m->done % 4096 == 0)
            m->progress(m->user, m->done, 0);
        return;
    }
    if (m->step == 0)
        m->step = m->total / 100 ? m->total / 100 : 1;
    if (m->done >= m->next_report || m->done == m->total) {
        m->progress(m->user, m->done, m->total);
        m->next_report = m->done + m->step;
    }
}
