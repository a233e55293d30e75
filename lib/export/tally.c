/* tally.c - one pass over a form version's records, counting what the
 * report shows.  Skip logic decides the denominators: a question counts as
 * asked in a response when the runtime finds it relevant on that response's
 * answers (or when it was answered at all), and as answered when its answer
 * is not empty.  Frequencies use finished responses only.  A response that
 * cannot be read (or whose answers the skip logic cannot be evaluated on) is
 * left out of every count and listed, and the pass goes on. */
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "report_model.h"
#include "sk/record.h"
#include "sk/runtime.h"

static bool tallied(const sk_question *q, tally_kind *kind)
{
    if (q->in_consent || q->identifying)
        return false;   /* consent answers (names, signatures) and identifiers are not reported */
    if (q->is_repeat) {
        *kind = TK_NUMBER; /* a repeat: how many instances each response has */
        return true;
    }
    switch (q->type) {
    case SK_Q_SELECT_ONE:
    case SK_Q_ACKNOWLEDGE: *kind = TK_CHOICE; return true;
    case SK_Q_SELECT_MULTIPLE: *kind = TK_MULTI; return true;
    case SK_Q_INTEGER:
    case SK_Q_DECIMAL:
    case SK_Q_RANGE: *kind = TK_NUMBER; return true;
    case SK_Q_TEXT:
    case SK_Q_DATE:
    case SK_Q_TIME:
    case SK_Q_DATETIME: *kind = TK_TEXT; return true;
    default: return false;
    }
}

static bool in_table_list(const sk_form *f, int qi)
{
    for (int g = f->q[qi].parent; g >= 0; g = f->q[g].parent)
        if (f->q[g].appearance & SK_AP_TABLE_LIST)
            return true;
    return false;
}

static bool qtally_init(form_tally *t, qtally *qt, int qi, tally_kind kind)
{
    const sk_form *f = t->form;
    const sk_choice_list *list = sk_form_choices(f, qi);
    memset(qt, 0, sizeof *qt);
    qt->q = qi;
    qt->kind = kind;
    qt->n_opts = list ? list->n : f->q[qi].type == SK_Q_ACKNOWLEDGE ? 1 : 0;
    qt->likert = f->q[qi].type == SK_Q_SELECT_ONE &&
                 ((f->q[qi].appearance & SK_AP_LIKERT) || in_table_list(f, qi) ||
                  f->q[qi].scale != SK_SCALE_AUTO);
    qt->bipolar = qt->likert && tally_bipolar(f, qi);
    size_t nc = t->n_cols;
    qt->asked = calloc(nc, sizeof *qt->asked);
    qt->answered = calloc(nc, sizeof *qt->answered);
    qt->other = calloc(nc, sizeof *qt->other);
    qt->counts = calloc(qt->n_opts * nc + 1, sizeof *qt->counts);
    qt->nums = kind == TK_NUMBER ? calloc(nc, sizeof *qt->nums) : NULL;
    return qt->asked && qt->answered && qt->other && qt->counts && (kind != TK_NUMBER || qt->nums);
}

static void qtally_free(const form_tally *t, qtally *qt)
{
    free(qt->asked);
    free(qt->answered);
    free(qt->other);
    free(qt->counts);
    for (size_t c = 0; qt->nums && c < t->n_cols; c++)
        dvec_free(&qt->nums[c]);
    free(qt->nums);
    for (size_t i = 0; i < qt->n_texts; i++)
        sk_secret_free(qt->texts[i].value, 0);
    free(qt->texts);
}

void tally_free(form_tally *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_qs; i++)
        qtally_free(t, &t->qs[i]);
    free(t->qs);
    for (size_t i = 0; i < t->n_langs; i++)
        free(t->langs[i]);
    free(t->langs);
    consent_memo_free(&t->memo);
    free(t->by_lang);
    sk_form_free(t->form);
    memset(t, 0, sizeof *t);
}

static int choice_index(const sk_form *f, int qi, const char *name)
{
    const sk_choice_list *list = sk_form_choices(f, qi);
    for (size_t i = 0; list && i < list->n; i++)
        if (strcmp(list->choices[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The language code of a sitting, as export writes it; a language the form
 * does not name is kept (once) in the tally so the items can point at it. */
static const char *sitting_lang(form_tally *t, const sk_answers *a)
{
    const sk_form *f = t->form;
    int lang = a->language ? sk_form_lang(f, a->language) : f->default_lang;
    if (lang >= 0)
        return f->lang_codes[lang];
    for (size_t i = 0; i < t->n_langs; i++)
        if (strcmp(t->langs[i], a->language) == 0)
            return t->langs[i];
    char **langs = realloc(t->langs, (t->n_langs + 1) * sizeof *langs);
    if (!langs)
        return NULL;
    t->langs = langs;
    if (!(langs[t->n_langs] = strdup(a->language)))
        return NULL;
    return langs[t->n_langs++];
}

static int64_t last_answer_ms(const sk_answers *a)
{
    int64_t last = a->finished_ms > a->started_ms ? a->finished_ms : a->started_ms;
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].changed_ms > last)
            last = a->items[i].changed_ms;
    return last;
}

/* A sitting read (finished, incomplete or declined): the collection dates
 * and the count per language of the methods section. */
static bool note_sitting(form_tally *t, const sk_answers *a)
{
    const char *lang = sitting_lang(t, a);
    if (!lang && a->language)
        return false;
    if (!lang)
        lang = "";
    if (a->started_ms > 0 && (!t->first_ms || a->started_ms < t->first_ms))
        t->first_ms = a->started_ms;
    int64_t last = last_answer_ms(a);
    if (last > t->last_ms)
        t->last_ms = last;
    for (size_t i = 0; i < t->n_by_lang; i++)
        if (strcmp(t->by_lang[i].code, lang) == 0) {
            t->by_lang[i].sittings++;
            return true;
        }
    struct lang_count *grown = realloc(t->by_lang, (t->n_by_lang + 1) * sizeof *grown);
    if (!grown)
        return false;
    t->by_lang = grown;
    grown[t->n_by_lang].code = lang;
    grown[t->n_by_lang++].sittings = 1;
    return true;
}

typedef struct text_src {
    const char *rid, *lang;
} text_src;

/* Add one answer to column col and to the total.  src: where a listed
 * (text) answer came from. */
static bool count_answer(form_tally *t, qtally *qt, size_t col, const char *v, const text_src *src)
{
    const sk_form *f = t->form;
    size_t total = t->n_cols - 1;
    size_t cols[2] = {col, total};
    size_t n_targets = col == total ? 1 : 2;
    for (size_t k = 0; k < n_targets; k++) {
        size_t c = cols[k];
        qt->answered[c]++;
        if (qt->kind == TK_CHOICE) {
            int o = f->q[qt->q].type == SK_Q_ACKNOWLEDGE ? 0 : choice_index(f, qt->q, v);
            if (o < 0)
                qt->other[c]++;
            else
                qt->counts[(size_t)o * t->n_cols + c]++;
        } else if (qt->kind == TK_MULTI) {
            const sk_choice_list *list = sk_form_choices(f, qt->q);
            for (size_t o = 0; list && o < list->n; o++)
                if (export_has_token(v, list->choices[o].name))
                    qt->counts[o * t->n_cols + c]++;
        } else if (qt->kind == TK_NUMBER) {
            char *end;
            double x = strtod(v, &end);
            if (end == v || *end)
                qt->other[c]++;
            else if (!dvec_push(&qt->nums[c], x))
                return false;
        }
    }
    if (qt->kind == TK_TEXT) {
        if (qt->n_texts == qt->cap_texts) {
            size_t cap = qt->cap_texts ? qt->cap_texts * 2 : 16;
            text_item *items = realloc(qt->texts, cap * sizeof *items);
            if (!items)
                return false;
            qt->texts = items;
            qt->cap_texts = cap;
        }
        char *copy = strdup(v);
        if (!copy)
            return false;
        text_item *item = &qt->texts[qt->n_texts++];
        item->value = copy;
        item->col = col;
        snprintf(item->record_id, sizeof item->record_id, "%s", src->rid);
        item->lang = src->lang;
    }
    return true;
}

typedef struct tally_run {
    form_tally *t;
    const sk_study_key *key;
    sk_unreadable_list *skipped;
} tally_run;

/* p: the response's skip logic, worked out where it was opened (reader.c). */
static sk_status tally_response(form_tally *t, const sk_record_header *h, const sk_answers *a,
                                export_prep *p, sk_error *err)
{
    const sk_form *f = t->form;
    size_t col = 0;
    if (t->by_q >= 0) {
        const char *bv = sk_answers_get(a, f->q[t->by_q].name);
        int o = bv && *bv ? choice_index(f, t->by_q, bv) : -1;
        col = o >= 0 ? (size_t)o : t->n_by;
    }
    if (!p->run && p->st == SK_OK)   /* not worked out where it was opened */
        export_prep_skip_logic(f, t->lang, h, a, p);
    sk_run *run = p->run;
    char dev[2 * SK_DEVICE_ID_SIZE + 1], rid[2 * SK_RECORD_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
    sk_hex(h->record_id, SK_RECORD_ID_SIZE, rid);
    text_src src = {rid, sitting_lang(t, a)};
    sk_status st = src.lang || !a->language
                       ? SK_OK
                       : sk_error_set(err, SK_ERR_NOMEM, "out of memory counting answers");
    if (st == SK_OK && p->st != SK_OK) {
        *err = p->err;
        st = p->st;
    }
    for (size_t i = 0; i < t->n_qs && st == SK_OK; i++) {
        qtally *qt = &t->qs[i];
        const sk_question *qq = &f->q[qt->q];
        /* A question inside a repeat is counted once per instance; a repeat
         * itself counts its instances (0 when shown and none was added). */
        size_t n_inst = qq->repeat >= 0 && !qq->is_repeat ? sk_run_instances(run, qq->repeat) : 1;
        for (size_t k = 1; k <= n_inst && st == SK_OK; k++) {
            char path[160];
            const char *in = NULL;
            if (qq->repeat >= 0 && !qq->is_repeat) {
                in = sk_answers_instance(path, sizeof path, f->q[qq->repeat].name, k);
                sk_run_set_instance(run, k);
            }
            const char *v = sk_answers_get_at(a, in, qq->name);
            if (qq->is_repeat && !v && sk_run_relevant(run, qt->q))
                v = "0";
            bool answered = v && *v;
            if (!answered && !sk_run_relevant(run, qt->q))
                continue;
            qt->asked[col]++;
            if (col != t->n_cols - 1)
                qt->asked[t->n_cols - 1]++;
            if (!answered)
                continue;
            if (qt->kind == TK_TEXT) {
                /* Counted as answered either way; listed only when it may be quoted. */
                quote_verdict verdict = ethics_quote(f, qt->q, dev, a, &t->memo);
                if (verdict != QUOTE_OK) {
                    qt->answered[col]++;
                    if (col != t->n_cols - 1)
                        qt->answered[t->n_cols - 1]++;
                    qt->left_out[verdict]++;
                    continue;
                }
            }
            if (!count_answer(t, qt, col, v, &src))
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory counting answers");
        }
    }
    /* Only a response that was counted may open the "No answer" column. */
    if (st == SK_OK && t->by_q >= 0 && col == t->n_by)
        t->no_answer_used = true;
    return st;
}

/* Every record, in store order, from its clear header: the counts by kind,
 * and whether it must be opened. */
static bool want_record(void *user, const sk_record_header *hdr)
{
    tally_run *r = user;
    form_tally *t = r->t;
    switch (hdr->kind) {
    case SK_REC_CONSENT:
        t->consents++;
        return t->quotes;   /* opened only when a quotation depends on its clauses */
    case SK_REC_DECLINED: t->declined++; return true;   /* opened for its language and date */
    case SK_REC_INCOMPLETE:
        t->incomplete++;
        return true;   /* opened: was consent given before the sitting was abandoned? */
    case SK_REC_RESPONSE: return true;
    default: return false;
    }
}

/* A response's skip logic, on the thread that opened it. */
static void prep_record(const void *user, const sk_record_header *h, const sk_answers *a,
                        export_prep *p)
{
    const form_tally *t = user;
    if (h->kind == SK_REC_RESPONSE)
        export_prep_skip_logic(t->form, t->lang, h, a, p);
}

/* An opened record, in store order. */
static sk_status take_record(void *user, const sk_record_header *hdr, const sk_record_header *hp,
                             sk_answers *a, export_prep *p, sk_error *err)
{
    tally_run *r = user;
    form_tally *t = r->t;
    if (!hp)
        return SK_OK;   /* counted by want_record */
    const sk_record_header h = *hp;
    sk_status st = SK_OK;
    if (hdr->kind != SK_REC_CONSENT && !note_sitting(t, a))
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory counting sittings");
    if (st != SK_OK || hdr->kind == SK_REC_DECLINED) {
        /* counted above */
    } else if (hdr->kind == SK_REC_CONSENT) {
        char dev[2 * SK_DEVICE_ID_SIZE + 1];
        sk_hex(h.device_id, SK_DEVICE_ID_SIZE, dev);
        if (!consent_memo_note(&t->memo, t->form, dev, a))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading consent");
    } else if (hdr->kind == SK_REC_INCOMPLETE) {
        if (ethics_consent_given(t->form, a))
            t->consents++;
    } else {
        sk_error why;
        sk_error_clear(&why);
        st = tally_response(t, &h, a, p, &why);
        if (st == SK_OK) {
            t->responses++;
        } else if (st == SK_ERR_NOMEM) {
            sk_error_set(err, st, "%s", why.message);
        } else {
            /* tally_response counts nothing unless it succeeds. */
            char reason[600];
            snprintf(reason, sizeof reason,
                     "the questionnaire's skip logic cannot be evaluated on its answers (%s)",
                     why.message);
            st = unreadable_add(r->skipped, hdr, st, reason, err);
        }
    }
    return st;
}

sk_status tally_form(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                     const sk_report_opts *opts, sk_unreadable_list *skipped, form_tally *t,
                     sk_error *err)
{
    memset(t, 0, sizeof *t);
    t->by_q = -1;
    sk_status st = export_check_study(cf, key, err);
    if (st != SK_OK)
        return st;
    st = export_load_form(cf->pack, &t->form, err);
    if (st != SK_OK)
        return st;
    const sk_form *f = t->form;
    st = export_lang(f, opts->language, opts->lang, &t->lang, err);
    if (st == SK_OK && opts->by) {
        t->by_q = sk_form_find(f, opts->by);
        if (t->by_q >= 0 && f->q[t->by_q].type != SK_Q_SELECT_ONE)
            st = sk_error_set(err, SK_ERR_ARG,
                              "--by needs a select_one question; '%s' in form %s is %s",
                              opts->by, f->id, sk_qtype_name(f->q[t->by_q].type));
        if (st == SK_OK && t->by_q >= 0)
            t->n_by = sk_form_choices(f, t->by_q)->n;
    }
    t->n_cols = t->by_q >= 0 ? t->n_by + 2 : 1;
    t->quotes = ethics_form_quotes(f);
    t->qs = st == SK_OK ? calloc(f->n_q + 1, sizeof *t->qs) : NULL;
    if (st == SK_OK && !t->qs)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory preparing the report");
    for (size_t i = 0; i < f->n_q && st == SK_OK; i++) {
        tally_kind kind;
        if (!tallied(&f->q[i], &kind))
            continue;
        if (!qtally_init(t, &t->qs[t->n_qs++], (int)i, kind))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory preparing the report");
    }
    tally_run r = {t, key, skipped};
    if (st == SK_OK)
        st = export_read(cs, cf, key, want_record, prep_record, t, take_record, &r, skipped, err);
    if (st != SK_OK)
        tally_free(t);
    return st;
}

const char *tally_option_label(const form_tally *t, const qtally *qt, size_t o)
{
    const sk_choice_list *list = sk_form_choices(t->form, qt->q);
    if (list && o < list->n)
        return sk_form_text(t->form, list->choices[o].label, t->lang);
    return "Ticked";
}

const char *tally_col_label(const form_tally *t, size_t c)
{
    if (c == t->n_cols - 1)
        return "Total";
    if (c == t->n_by)
        return "No answer";
    return sk_form_text(t->form, sk_form_choices(t->form, t->by_q)->choices[c].label, t->lang);
}

size_t tally_visible_cols(const form_tally *t, size_t *cols)
{
    size_t n = 0;
    for (size_t c = 0; c < t->n_cols; c++)
        if (t->n_cols == 1 || c != t->n_by || t->no_answer_used)
            cols[n++] = c;
    return n;
}
