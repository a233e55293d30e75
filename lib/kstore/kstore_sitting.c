/* kstore_sitting.c - sittings: every save seals the whole draft and replaces
 * the previous sealed draft in one durable transaction; finishing, declining
 * or abandoning turns it into numbered records and deletes the draft in one
 * transaction; a draft left by a crash becomes an INCOMPLETE record at open.
 * The plaintext JSON exists only in memory and is wiped after sealing. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kstore_internal.h"

struct sk_sitting {
    sk_kstore *ks;
    sk_draft_key *dk;         /* the drafts' payload key, sealed to the study once */
    char sitting_id[33];
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
};

static void header(const sk_kstore *ks, sk_rec_kind kind, const char *form_id,
                   const char *form_version, uint64_t seq, sk_record_header *h)
{
    memset(h, 0, sizeof *h);
    h->kind = (uint8_t)kind;
    randombytes_buf(h->record_id, sizeof h->record_id);
    memcpy(h->device_id, ks->device_id, SK_DEVICE_ID_SIZE);
    h->seq = seq;
    snprintf(h->form_id, sizeof h->form_id, "%s", form_id);
    snprintf(h->form_version, sizeof h->form_version, "%s", form_version);
}

/* Seal answers (one section or all) under h. */
static sk_status seal_answers(sk_kstore *ks, const sk_record_header *h, const sk_answers *a,
                              int section, uint8_t **blob, size_t *len, sk_error *err)
{
    char *json = NULL;
    size_t json_len = 0;
    sk_status s = sk_answers_to_json(a, section, &json, &json_len, err);
    if (s != SK_OK)
        return s;
    s = sk_record_seal(h, &ks->study, ks->key, json, json_len, blob, len, err);
    sk_secret_free(json, json_len);
    return s;
}

static sk_status begin(sk_kstore *ks, sk_error *err)
{
    return ks_exec(ks, "BEGIN IMMEDIATE", "starting a transaction", err);
}

static sk_status end(sk_kstore *ks, sk_status s, sk_error *err)
{
    if (s == SK_OK)
        s = ks_exec(ks, "COMMIT", "committing", err);
    if (s != SK_OK)
        sqlite3_exec(ks->db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

sk_status sk_kstore_sitting_start(sk_kstore *ks, sk_answers *draft, sk_sitting **out,
                                  sk_error *err)
{
    if (!ks || !draft || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_kstore_sitting_start: NULL argument");
    sk_status s = ks_need_lock(ks, "start a sitting", err);
    if (s != SK_OK)
        return s;
    sk_pack *p = NULL;
    s = sk_kstore_current_pack(ks, &p, err);
    if (s != SK_OK)
        return s;
    sk_sitting *si = calloc(1, sizeof *si);
    if (!si) {
        sk_pack_free(p);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting a sitting");
    }
    si->ks = ks;
    s = sk_draft_key_new(&p->study, &si->dk, err);
    if (s != SK_OK) {
        sk_pack_free(p);
        free(si);
        return s;
    }
    uint8_t id[16];
    randombytes_buf(id, sizeof id);
    sk_hex(id, sizeof id, si->sitting_id);
    snprintf(si->form_id, sizeof si->form_id, "%s", p->form_id);
    snprintf(si->form_version, sizeof si->form_version, "%s", p->form_version);
    sk_pack_free(p);
    if (sk_answers_set_meta(&draft->sitting_id, si->sitting_id) != SK_OK ||
        sk_answers_set_meta(&draft->form_id, si->form_id) != SK_OK ||
        sk_answers_set_meta(&draft->form_version, si->form_version) != SK_OK) {
        sk_draft_key_free(si->dk);
        free(si);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting a sitting");
    }
    draft->started_ms = sk_now_ms();
    *out = si;
    return SK_OK;
}

sk_status sk_sitting_save(sk_sitting *si, const sk_answers *draft, sk_error *err)
{
    if (!si || !draft)
        return sk_error_set(err, SK_ERR_ARG, "sk_sitting_save: NULL argument");
    sk_kstore *ks = si->ks;
    sk_record_header h;
    header(ks, SK_REC_DRAFT, si->form_id, si->form_version, 0, &h);
    uint8_t *blob = NULL;
    size_t len = 0;
    char *json = NULL;
    size_t json_len = 0;
    sk_status s = sk_answers_to_json(draft, -1, &json, &json_len, err);
    if (s == SK_OK)
        s = sk_record_seal_draft(&h, si->dk, si->ks->key, json, json_len, &blob, &len, err);
    sk_secret_free(json, json_len);
    if (s != SK_OK)
        return s;
    /* One statement replaces the previous draft: its own implicit transaction is
     * durable at commit (WAL + synchronous=FULL). */
    if (!ks->save_stmt)
        s = ks_prepare(ks,
                       "INSERT OR REPLACE INTO drafts(sitting_id, form_id, form_version, blob, "
                       "updated_ms) VALUES (?, ?, ?, ?, ?)",
                       &ks->save_stmt, err);
    sqlite3_stmt *st = ks->save_stmt;
    if (s == SK_OK) {
        sqlite3_bind_text(st, 1, si->sitting_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, si->form_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, si->form_version, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, blob, (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, sk_now_ms());
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE)
            s = ks_db_error(ks, rc, "saving an answer", err);
    }
    free(blob);
    return s;
}

static sk_status delete_draft(sk_kstore *ks, const char *sitting_id, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "DELETE FROM drafts WHERE sitting_id = ?", &st, err);
    if (s != SK_OK)
        return s;
    sqlite3_bind_text(st, 1, sitting_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SK_OK : ks_db_error(ks, rc, "removing the draft", err);
}

/* Seal and insert one record of the sitting with the next sequence number. */
static sk_status add_record(sk_sitting *si, sk_rec_kind kind, const sk_answers *a, int section,
                            const uint8_t *tag, sk_error *err)
{
    sk_kstore *ks = si->ks;
    uint64_t seq;
    sk_status s = ks_next_seq(ks, &seq, err);
    if (s != SK_OK)
        return s;
    sk_record_header h;
    header(ks, kind, si->form_id, si->form_version, seq, &h);
    if (tag)
        memcpy(h.withdraw_tag, tag, SK_TAG_SIZE);
    uint8_t *blob = NULL;
    size_t len = 0;
    s = seal_answers(ks, &h, a, section, &blob, &len, err);
    if (s == SK_OK)
        s = ks_insert_record(ks, &h, blob, len, err);
    free(blob);
    return s;
}

static bool has_section(const sk_answers *a, sk_section sec)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].section == sec)
            return true;
    return false;
}

/* The final records go in with the finish time; the caller's draft stays as it is. */
static sk_status final_copy(const sk_answers *draft, sk_answers *copy, sk_error *err)
{
    sk_answers_init(copy);
    if (sk_answers_copy(copy, draft) != SK_OK)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory finishing a sitting");
    if (!copy->finished_ms)
        copy->finished_ms = sk_now_ms();
    return SK_OK;
}

sk_status sk_sitting_finish(sk_sitting *si, const sk_answers *draft, char code[SK_WCODE_SIZE],
                            sk_error *err)
{
    if (!si || !draft)
        return sk_error_set(err, SK_ERR_ARG, "sk_sitting_finish: NULL argument");
    sk_answers a;
    sk_status s = final_copy(draft, &a, err);
    if (s != SK_OK)
        return s;
    char wcode[SK_WCODE_SIZE];
    uint8_t tag[SK_TAG_SIZE];
    sk_wcode_generate(wcode);
    sk_wcode_tag(wcode, tag);
    s = begin(si->ks, err);
    if (s == SK_OK) {
        if (has_section(&a, SK_SECTION_CONSENT))
            s = add_record(si, SK_REC_CONSENT, &a, SK_SECTION_CONSENT, tag, err);
        if (s == SK_OK)
            s = add_record(si, SK_REC_RESPONSE, &a, SK_SECTION_RESPONSE, tag, err);
        if (s == SK_OK)
            s = delete_draft(si->ks, si->sitting_id, err);
        s = end(si->ks, s, err);
    }
    sk_answers_free(&a);
    if (s == SK_OK) {
        if (code)
            memcpy(code, wcode, SK_WCODE_SIZE);
        sk_draft_key_free(si->dk);
        free(si);
    }
    sodium_memzero(wcode, sizeof wcode);
    return s;
}

static sk_status close_as(sk_sitting *si, const sk_answers *draft, sk_rec_kind kind, int section,
                          sk_error *err)
{
    sk_answers a;
    sk_status s = final_copy(draft, &a, err);
    if (s != SK_OK)
        return s;
    s = begin(si->ks, err);
    if (s == SK_OK) {
        s = add_record(si, kind, &a, section, NULL, err);
        if (s == SK_OK)
            s = delete_draft(si->ks, si->sitting_id, err);
        s = end(si->ks, s, err);
    }
    sk_answers_free(&a);
    if (s == SK_OK) {
        sk_draft_key_free(si->dk);
        free(si);
    }
    return s;
}

sk_status sk_sitting_decline(sk_sitting *si, const sk_answers *draft, sk_error *err)
{
    if (!si || !draft)
        return sk_error_set(err, SK_ERR_ARG, "sk_sitting_decline: NULL argument");
    return close_as(si, draft, SK_REC_DECLINED, SK_SECTION_CONSENT, err);
}

sk_status sk_sitting_abandon(sk_sitting *si, const sk_answers *draft, sk_error *err)
{
    if (!si || !draft)
        return sk_error_set(err, SK_ERR_ARG, "sk_sitting_abandon: NULL argument");
    return close_as(si, draft, SK_REC_INCOMPLETE, -1, err);
}

/* Called by sk_kstore_open only while it holds DIR/kiosk.lock: any draft here
 * then belongs to a process that has ended, never to a live sitting. */
sk_status ks_recover_drafts(sk_kstore *ks, sk_error *err)
{
    sqlite3_stmt *st;
    sk_status s = ks_prepare(ks, "SELECT COUNT(*) FROM drafts", &st, err);
    if (s != SK_OK)
        return s;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (n == 0)
        return SK_OK;
    if (!ks->has_study)
        return sk_error_set_at(err, SK_ERR_STATE, ks->path, NULL, 0, NULL,
                               "the store holds an unfinished sitting but no survey pack; "
                               "contact the research team");
    s = begin(ks, err);
    if (s != SK_OK)
        return s;
    s = ks_prepare(ks, "SELECT sitting_id, form_id, form_version, blob FROM drafts ORDER BY "
                       "updated_ms",
                   &st, err);
    int rc = SQLITE_DONE;
    while (s == SK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t seq;
        s = ks_next_seq(ks, &seq, err);
        if (s != SK_OK)
            break;
        sk_record_header h;
        header(ks, SK_REC_INCOMPLETE, (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), seq, &h);
        uint8_t *blob = NULL;
        size_t len = 0;
        s = sk_record_wrap_draft(&h, &ks->study, ks->key, sqlite3_column_blob(st, 3),
                                 (size_t)sqlite3_column_bytes(st, 3), &blob, &len, err);
        if (s == SK_OK)
            s = ks_insert_record(ks, &h, blob, len, err);
        free(blob);
    }
    if (s == SK_OK && rc != SQLITE_DONE)
        s = ks_db_error(ks, rc, "recovering an unfinished sitting", err);
    if (st)
        sqlite3_finalize(st);
    if (s == SK_OK)
        s = ks_exec(ks, "DELETE FROM drafts", "recovering an unfinished sitting", err);
    return end(ks, s, err);
}
