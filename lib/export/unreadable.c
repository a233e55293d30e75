/* unreadable.c - records that export and report skip instead of stopping:
 * the list (sk_unreadable_list), its CSV, the study-key check that tells a
 * wrong key (every record unreadable: refuse) from one damaged record (skip
 * it), and sk_report_write. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "reader.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"

void sk_unreadable_list_free(sk_unreadable_list *list)
{
    if (!list)
        return;
    free(list->items);
    memset(list, 0, sizeof *list);
}

sk_status unreadable_add(sk_unreadable_list *list, const sk_record_header *h, sk_status why,
                         const char *reason, sk_error *err)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        sk_unreadable *items = realloc(list->items, cap * sizeof *items);
        if (!items)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory listing unreadable records");
        list->items = items;
        list->cap = cap;
    }
    sk_unreadable *u = &list->items[list->n++];
    memset(u, 0, sizeof *u);
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, u->device_id);
    sk_hex(h->record_id, SK_RECORD_ID_SIZE, u->record_id);
    u->seq = h->seq;
    u->kind = h->kind;
    snprintf(u->form_id, sizeof u->form_id, "%s", h->form_id);
    snprintf(u->form_version, sizeof u->form_version, "%s", h->form_version);
    u->status = why;
    snprintf(u->reason, sizeof u->reason, "%s", reason);
    return SK_OK;
}

sk_status export_open_answers(const uint8_t *blob, size_t len, const sk_study_key *key,
                              sk_answers *a, sk_record_header *h, char *reason, size_t size)
{
    sk_error why;
    sk_error_clear(&why);
    char *payload = NULL;
    size_t plen = 0;
    sk_status st = sk_record_open(blob, len, key, h, &payload, &plen, &why);
    if (st == SK_OK) {
        st = sk_answers_from_json(payload, plen, a, &why);
        sk_secret_free(payload, plen);
        if (st == SK_OK)
            return SK_OK;
        snprintf(reason, size, "%s%s", why.message,
                 st == SK_ERR_UNSUPPORTED ? "; update survey-sync" : "");
    } else {
        /* The key is the form's study (export_check_study), so this record
         * alone was altered, damaged, or sealed to another study. */
        snprintf(reason, size, "%s", why.message);
    }
    return st;
}

sk_status export_open_record(const uint8_t *blob, size_t len, const sk_study_key *key,
                             const sk_record_header *clear, sk_answers *a, sk_record_header *h,
                             sk_unreadable_list *skipped, bool *ok, sk_error *err)
{
    char reason[600];
    *ok = false;
    sk_status st = export_open_answers(blob, len, key, a, h, reason, sizeof reason);
    if (st == SK_OK) {
        *ok = true;
        return SK_OK;
    }
    if (st == SK_ERR_NOMEM)
        return sk_error_set(err, st, "out of memory reading the records");
    return unreadable_add(skipped, clear, st, reason, err);
}

sk_status export_check_study(const sk_cstore_form *cf, const sk_study_key *key, sk_error *err)
{
    if (memcmp(&cf->pack->study, &key->pub, sizeof key->pub) == 0)
        return SK_OK;
    char want[SK_FINGERPRINT_SIZE], have[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&cf->pack->study, want);
    sk_study_fingerprint(&key->pub, have);
    return sk_error_set(err, SK_ERR_MISMATCH,
                        "form %s version %s belongs to study %s but the study key is %s; "
                        "check that study.key belongs to this study; nothing was read",
                        cf->form_id, cf->form_version, want, have);
}

void export_note_unreadable(sk_cstore *cs, const sk_unreadable_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        const sk_unreadable *u = &list->items[i];
        uint8_t dev[SK_DEVICE_ID_SIZE], rid[SK_RECORD_ID_SIZE];
        if (sk_unhex(u->device_id, dev, sizeof dev) != SK_OK ||
            sk_unhex(u->record_id, rid, sizeof rid) != SK_OK)
            continue;
        /* Best effort: the count in `status` is a convenience, the list the
         * export or report returns is the record of what was skipped, and a
         * store busy with a merge must not cost the researcher the export. */
        (void)sk_cstore_note_unreadable(cs, dev, rid, u->reason, NULL);
    }
}

void unreadable_csv(const sk_unreadable_list *list, csv_writer *w)
{
    static const char *const head[] = {"device", "seq", "record_id", "kind", "reason"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csv_field(w, head[i]);
    csv_end_row(w);
    for (size_t i = 0; i < list->n; i++) {
        const sk_unreadable *u = &list->items[i];
        csv_field(w, u->device_id);
        csv_fieldf(w, "%llu", (unsigned long long)u->seq);
        csv_field(w, u->record_id);
        csv_field(w, sk_rec_kind_name(u->kind));
        csv_field(w, u->reason);
        csv_end_row(w);
    }
}

sk_status sk_report_write(const char *path, const char *text, size_t len, sk_error *err)
{
    if (!path || (!text && len))
        return sk_error_set(err, SK_ERR_ARG, "sk_report_write needs a path and the text");
    outfile o;
    sk_status st = outfile_open(&o, path, err);
    if (st != SK_OK)
        return st;
    /* A short write leaves ferror(o.f) set: outfile_commit names the error
     * and removes the temporary file. */
    size_t put = len ? fwrite(text, 1, len, o.f) : 0;
    (void)put;
    return outfile_commit(&o, err);
}
