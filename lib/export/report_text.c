/* report_text.c - the report's tables as aligned plain text for a terminal.
 * Participants' text is printed with control characters replaced, so an
 * answer cannot move the cursor or recolour the researcher's terminal. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_model.h"
#include "sk/record.h"

static void put_clean(xbuf *b, const char *s, const char *newline)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '\n')
            xb_put(b, newline);
        else if (ch == '\t')
            xb_putn(b, " ", 1);
        else if (ch < 0x20 || ch == 0x7f)
            xb_putn(b, "?", 1);
        else
            xb_putn(b, s, 1);
    }
}

static void table_text(xbuf *b, const rtable *r)
{
    size_t head_w = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        size_t w = utf8_width(r->row_heads[i]);
        head_w = w > head_w ? w : head_w;
    }
    size_t col_w[r->n_cols ? r->n_cols : 1];
    for (size_t k = 0; k < r->n_cols; k++) {
        col_w[k] = utf8_width(r->col_heads[k]);
        for (size_t i = 0; i < r->n_rows; i++) {
            size_t w = utf8_width(r->cells[i * r->n_cols + k]);
            col_w[k] = w > col_w[k] ? w : col_w[k];
        }
    }
    xb_put(b, "  ");
    xb_pad(b, "", head_w, false);
    for (size_t k = 0; k < r->n_cols; k++) {
        xb_put(b, "  ");
        xb_pad(b, r->col_heads[k], col_w[k], true);
    }
    xb_put(b, "\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        xb_put(b, "  ");
        xb_pad(b, r->row_heads[i], head_w, false);
        for (size_t k = 0; k < r->n_cols; k++) {
            xb_put(b, "  ");
            xb_pad(b, r->cells[i * r->n_cols + k], col_w[k], true);
        }
        xb_put(b, "\n");
    }
}

static void question_text(xbuf *b, const form_tally *t, const qtally *qt)
{
    const sk_question *q = &t->form->q[qt->q];
    char line[256];
    xb_put(b, "\n");
    put_clean(b, sk_form_text(t->form, q->label, t->lang), " ");
    xb_printf(b, " [%s]\n  ", q->name);
    tally_summary_line(t, qt, line, sizeof line);
    xb_put(b, line);
    xb_put(b, "\n");
    if (qt->kind == TK_TEXT) {
        for (size_t i = 0; i < qt->n_texts; i++) {
            xb_put(b, "  - ");
            if (t->by_q >= 0) {
                xb_put(b, "[");
                put_clean(b, tally_col_label(t, qt->texts[i].col), " ");
                xb_put(b, "] ");
            }
            put_clean(b, qt->texts[i].value, "\n    ");
            xb_printf(b, " (record %s, ", qt->texts[i].record_id);
            put_clean(b, qt->texts[i].lang ? qt->texts[i].lang : "language unknown", " ");
            xb_put(b, ")\n");
        }
        int clause = q->quote_clause;
        for (int v = QUOTE_NOT_AGREED; clause >= 0 && v < QUOTE_VERDICTS; v++)
            if (v == QUOTE_NOT_AGREED || qt->left_out[v])
                xb_printf(b, "  %zu answer%s left out: %s (%s).\n", qt->left_out[v],
                          qt->left_out[v] == 1 ? "" : "s",
                          ethics_verdict_reason((quote_verdict)v), t->form->q[clause].name);
        return;
    }
    rtable r;
    if (!rtable_build(t, qt, &r)) {
        b->nomem = true;
        return;
    }
    table_text(b, &r);
    rtable_free(&r);
}

/* At the top, before any table: the counts below leave these out. */
static void unreadable_text(xbuf *b, const sk_unreadable_list *skipped)
{
    if (!skipped->n)
        return;
    xb_printf(b, "\n== Records that could not be read (%zu) ==\n", skipped->n);
    xb_printf(b, "%s left out of every count below; the other records are counted as usual.\n",
              skipped->n == 1 ? "It is" : "They are");
    for (size_t i = 0; i < skipped->n; i++) {
        const sk_unreadable *u = &skipped->items[i];
        xb_printf(b, "  device %s, seq %llu, record %s (%s, form ", u->device_id,
                  (unsigned long long)u->seq, u->record_id, sk_rec_kind_name(u->kind));
        put_clean(b, u->form_id, " ");
        xb_put(b, " v");
        put_clean(b, u->form_version, " ");
        xb_put(b, "): ");
        put_clean(b, u->reason, " ");
        xb_put(b, "\n");
    }
}

/* The methods context, as in the HTML report. */
static void methods_text(xbuf *b, const form_tally *t, const sk_cstore_status *status)
{
    const sk_form *f = t->form;
    char first[32], last[32];
    iso_time(first, sizeof first, t->first_ms);
    iso_time(last, sizeof last, t->last_ms);
    xb_printf(b, "Collected: %.10s to %.10s (UTC)\n", t->first_ms ? first : "-",
              t->last_ms ? last : "-");
    uint64_t withdrawn = 0;
    for (size_t i = 0; status && i < status->n_rows; i++) {
        const sk_status_row *r = &status->rows[i];
        if (strcmp(r->form_id, f->id) != 0 || strcmp(r->form_version, f->version) != 0)
            continue;
        withdrawn += r->withdrawn;
        xb_put(b, "  kiosk ");
        put_clean(b, r->device_label[0] ? r->device_label : r->device_id, " ");
        xb_printf(b, " (%s): finished %llu, incomplete %llu, declined %llu, withdrawn %llu\n",
                  r->device_id, (unsigned long long)r->finished, (unsigned long long)r->incomplete,
                  (unsigned long long)r->declined, (unsigned long long)r->withdrawn);
    }
    for (size_t i = 0; i < t->n_by_lang; i++) {
        const char *code = t->by_lang[i].code;
        int l = *code ? sk_form_lang(f, code) : -1;
        xb_put(b, "  language ");
        put_clean(b, l >= 0 ? f->lang_names[l] : *code ? code : "not recorded", " ");
        xb_printf(b, ": %llu sitting%s\n", (unsigned long long)t->by_lang[i].sittings,
                  t->by_lang[i].sittings == 1 ? "" : "s");
    }
    xb_printf(b, "Withdrawn: %llu\n", (unsigned long long)withdrawn);
}

static void store_warning_text(xbuf *b, const sk_cstore_status *status)
{
    uint64_t missing = 0, quarantined = 0;
    for (size_t i = 0; status && i < status->n_devices; i++) {
        const sk_device_seq *d = &status->devices[i];
        for (size_t k = 0; k < d->n_missing; k++)
            missing += d->missing[k].last - d->missing[k].first + 1;
        quarantined += d->quarantined;
    }
    if (missing)
        xb_printf(b, "\nWARNING: this data set is not complete: %llu record%s missing (gaps); "
                     "see survey-sync status.\n",
                  (unsigned long long)missing, missing == 1 ? " is" : "s are");
    if (quarantined)
        xb_printf(b, "%sWARNING: %llu record%s held back from kiosks not yet enrolled; see "
                     "survey-sync status.\n",
                  missing ? "" : "\n", (unsigned long long)quarantined,
                  quarantined == 1 ? " is" : "s are");
}

void render_text(xbuf *b, form_tally *forms, size_t n, const sk_unreadable_list *skipped,
                 const sk_cstore_status *status, const sk_report_opts *opts)
{
    char now[32];
    iso_time(now, sizeof now, sk_now_ms());
    xb_printf(b, "Survey report (%s)\n", now);
    store_warning_text(b, status);
    unreadable_text(b, skipped);
    if (!n)
        xb_put(b, "\nThe store holds no forms yet: merge some bundles first.\n");
    for (size_t i = 0; i < n; i++) {
        const form_tally *t = &forms[i];
        const sk_form *f = t->form;
        xb_put(b, "\n== ");
        put_clean(b, f->title, " ");
        xb_printf(b, " (form %s, version %s) ==\n", f->id, f->version);
        xb_printf(b,
                  "Sittings: %llu (finished %llu, incomplete %llu, declined %llu); consents: %llu\n",
                  (unsigned long long)(t->responses + t->incomplete + t->declined),
                  (unsigned long long)t->responses, (unsigned long long)t->incomplete,
                  (unsigned long long)t->declined, (unsigned long long)t->consents);
        methods_text(b, t, status);
        xb_put(b, "Counts are of finished responses; 'asked' follows the skip logic; "
                  "percentages are of those who answered.\n");
        if (opts->by && t->by_q < 0)
            xb_printf(b, "This form has no question '%s': tables are not split.\n", opts->by);
        else if (t->by_q >= 0)
            xb_printf(b, "Split by: %s [%s]\n",
                      sk_form_text(f, f->q[t->by_q].label, t->lang), f->q[t->by_q].name);
        for (size_t k = 0; k < t->n_qs; k++)
            question_text(b, t, &t->qs[k]);
    }
}
