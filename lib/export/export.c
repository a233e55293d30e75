/* export.c - sk_export_csv: the records of a central store as CSV files.
 *
 * Per form version, one pass over its records (streamed, one row at a time)
 * writes three files side by side; the codebook comes from the form alone:
 *   <id>-v<version>_responses.csv   one row per finished or incomplete sitting
 *   <id>-v<version>_consent.csv     consent and declined records
 *   <id>-v<version>_text.csv        free-text answers in long format (NVivo, MAXQDA),
 *                                   only those the participant agreed may be quoted
 *   <id>-v<version>_identifiers.csv answers of questions marked identifying, keyed
 *                                   by sitting_id (only when the form has any), so
 *                                   that the other files can be shared without them
 *   <id>-v<version>_codebook.csv    (codebook.c; written after the pass, as it
 *                                   says how many answers were left out of _text)
 *   <id>-v<version>-<repeat>.csv    one per repeat, one row per instance, with
 *                                   PARENT_KEY (the response row's KEY) and KEY
 *                                   (KEY/<repeat>[n]), as ODK Central and
 *                                   Briefcase write them; the responses file
 *                                   then ends with SET-OF-<repeat> and KEY
 * and once per run unreadable.csv, the records that could not be read: one
 * damaged record is skipped and listed rather than costing the researcher the
 * whole export.  All files of a run are committed only after every record
 * has been read, so a wrong key or a full disk leaves no output behind.
 */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"
#include "sk/export.h"
#include "sk/record.h"

enum { F_RESPONSES, F_CONSENT, F_TEXT, F_IDENT, F_CODEBOOK, F_COUNT };
static const char *const file_suffix[F_COUNT] = {"_responses.csv", "_consent.csv", "_text.csv",
                                                 "_identifiers.csv", "_codebook.csv"};

typedef struct export_run {
    const sk_study_key *key;
    const sk_export_opts *opts;
    const sk_form *form;
    int lang;
    csv_writer csv[F_IDENT + 1];
    int *resp_q, *consent_q;   /* question indices with a column, in form order */
    int *ident_q;              /* identifying questions: only in _identifiers.csv */
    bool *resp_numeric;        /* [n_resp]: the column holds numbers (numeric_column) */
    size_t n_resp, n_consent, n_ident;
    consent_memo memo;         /* the last consent record, for quotation consent */
    size_t *left_out;          /* [n_q * QUOTE_VERDICTS]: answers kept out of _text.csv */
    size_t *total_left_out;    /* opts->quotes_left_out, may be NULL */
    sk_unreadable_list *skipped;
    /* Repeats: one table per repeat of the form (none: the files are as
     * they were before repeats). */
    struct rep_table {
        int q;                 /* the begin_repeat row */
        int *cols;             /* questions with a column, in form order */
        bool *numeric;
        size_t n;
        outfile file;
        csv_writer w;
    } *reps;
    size_t n_reps;
} export_run;

/* ---- values ---------------------------------------------------------- */

static const char *kind_name(int kind)
{
    switch (kind) {
    case SK_REC_CONSENT: return "consent";
    case SK_REC_RESPONSE: return "response";
    case SK_REC_INCOMPLETE: return "incomplete";
    case SK_REC_DECLINED: return "declined";
    default: return "unknown";
    }
}

static const char *choice_label(const export_run *x, int q, const char *name)
{
    const sk_choice_list *list = sk_form_choices(x->form, q);
    for (size_t i = 0; list && i < list->n; i++)
        if (strcmp(list->choices[i].name, name) == 0)
            return sk_form_text(x->form, list->choices[i].label, x->lang);
    return name;   /* a value the list no longer has: keep what was recorded */
}

/* A select_multiple answer with labels: "Label one; Label two". */
static void multi_labels(const export_run *x, int q, const char *value, xbuf *out)
{
    const sk_choice_list *list = sk_form_choices(x->form, q);
    for (const char *p = value; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if (end > p) {
            char *name = strndup(p, (size_t)(end - p));
            if (!name) {
                out->nomem = true;
                return;
            }
            const char *label = name;
            for (size_t i = 0; list && i < list->n; i++)
                if (strcmp(list->choices[i].name, name) == 0)
                    label = sk_form_text(x->form, list->choices[i].label, x->lang);
            xb_put(out, out->len ? "; " : "");
            xb_put(out, label);
            free(name);
        }
        p = end;
    }
}

static bool is_number(const char *s)
{
    char *end;
    if (!*s)
        return false;
    (void)strtod(s, &end);
    return *end == '\0';
}

/* Does question qi's column hold numbers?  Decided per column from the form
 * (the codebook's type), never per cell, so a negative number stays -3 and
 * a text answer "-3" is treated like every other text answer: integer,
 * decimal and range; a select written as choice names when every name of its
 * list is a number (a coded scale such as -2..2).  Calculations may build
 * text from answers, so they count as text. */
static bool numeric_column(const export_run *x, int qi)
{
    const sk_question *q = &x->form->q[qi];
    switch (q->type) {
    case SK_Q_INTEGER:
    case SK_Q_DECIMAL:
    case SK_Q_RANGE: return true;
    case SK_Q_SELECT_ONE:
    case SK_Q_SELECT_MULTIPLE: {
        const sk_choice_list *list = sk_form_choices(x->form, qi);
        if (x->opts->labels || !list || !list->n)
            return false;
        for (size_t i = 0; i < list->n; i++)
            if (!is_number(list->choices[i].name))
                return false;
        return true;
    }
    default: return false;
    }
}

static size_t stroke_count(const char *strokes)
{
    size_t n = 0;
    for (const char *p = strokes; *p;) {
        const char *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        for (const char *c = p; c < end; c++)
            if (*c != ' ') {
                n++;
                break;
            }
        p = *end ? end + 1 : end;
    }
    return n;
}

static const char *language_code(const export_run *x, const sk_answers *a)
{
    int lang = a->language ? sk_form_lang(x->form, a->language) : x->form->default_lang;
    if (lang >= 0)
        return x->form->lang_codes[lang];
    return a->language;
}

static int64_t last_change_ms(const sk_answers *a)
{
    int64_t last = a->started_ms;
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].changed_ms > last)
            last = a->items[i].changed_ms;
    return last;
}

static void record_ids(const sk_record_header *h, char rid[2 * SK_RECORD_ID_SIZE + 1],
                       char dev[2 * SK_DEVICE_ID_SIZE + 1])
{
    sk_hex(h->record_id, SK_RECORD_ID_SIZE, rid);
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
}

/* ---- headers --------------------------------------------------------- */

/* The header cells of value columns (a select_multiple also has one 0/1 column per choice). */
static void value_headers(const export_run *x, csv_writer *w, const int *qs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const sk_question *q = &x->form->q[qs[i]];
        char column[1024];
        export_column_name(q->name, column, sizeof column);
        csv_field(w, column);
        const sk_choice_list *list = sk_form_choices(x->form, qs[i]);
        if (q->type == SK_Q_SELECT_MULTIPLE)
            for (size_t c = 0; list && c < list->n; c++)
                csv_fieldf(w, "%s/%s", q->name, list->choices[c].name);
    }
}

static void write_headers(export_run *x)
{
    csv_writer *w = &x->csv[F_RESPONSES];
    static const char *const meta[] = {"record_id", "sitting_id", "device_id", "seq",     "kind",
                                       "started",   "finished",   "language",  "duration_s"};
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        csv_field(w, meta[i]);
    value_headers(x, w, x->resp_q, x->n_resp);
    for (size_t r = 0; r < x->n_reps; r++)
        csv_fieldf(w, "SET-OF-%s", x->form->q[x->reps[r].q].name);
    if (x->n_reps)
        csv_field(w, "KEY");
    csv_end_row(w);
    for (size_t r = 0; r < x->n_reps; r++) {
        csv_writer *rw = &x->reps[r].w;
        value_headers(x, rw, x->reps[r].cols, x->reps[r].n);
        csv_field(rw, "PARENT_KEY");
        csv_field(rw, "KEY");
        csv_end_row(rw);
    }

    w = &x->csv[F_CONSENT];
    static const char *const cmeta[] = {"record_id", "sitting_id", "device_id", "seq", "kind",
                                        "time"};
    for (size_t i = 0; i < sizeof cmeta / sizeof *cmeta; i++)
        csv_field(w, cmeta[i]);
    for (size_t i = 0; i < x->n_consent; i++) {
        const sk_question *q = &x->form->q[x->consent_q[i]];
        char column[1024];
        export_column_name(q->name, column, sizeof column);
        csv_field(w, column);
        if (q->type == SK_Q_SIGNATURE)
            csv_fieldf(w, "%s_strokes", q->name);
    }
    csv_end_row(w);

    w = &x->csv[F_TEXT];
    static const char *const tmeta[] = {"record_id", "device_id", "seq",   "question",
                                        "question_label", "language", "answer"};
    for (size_t i = 0; i < sizeof tmeta / sizeof *tmeta; i++)
        csv_field(w, tmeta[i]);
    csv_end_row(w);

    if (!x->n_ident)
        return;
    w = &x->csv[F_IDENT];
    static const char *const imeta[] = {"sitting_id", "record_id", "device_id", "seq", "kind"};
    for (size_t i = 0; i < sizeof imeta / sizeof *imeta; i++)
        csv_field(w, imeta[i]);
    for (size_t i = 0; i < x->n_ident; i++) {
        char column[1024];
        export_column_name(x->form->q[x->ident_q[i]].name, column, sizeof column);
        csv_field(w, column);
    }
    csv_end_row(w);
}

/* ---- rows ------------------------------------------------------------ */

static void value_cells(export_run *x, csv_writer *w, const int *qs, const bool *numeric,
                        size_t n, const sk_answers *a, const char *path, xbuf *labels_buf);
static sk_status text_rows(export_run *x, const sk_record_header *h, const sk_answers *a,
                           const char *rid, const char *dev);

static sk_status response_row(export_run *x, const sk_record_header *h, const sk_answers *a,
                              sk_error *err)
{
    csv_writer *w = &x->csv[F_RESPONSES];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1], t[32];
    record_ids(h, rid, dev);
    csv_field(w, rid);
    csv_field(w, a->sitting_id);
    csv_field(w, dev);
    csv_fieldf(w, "%llu", (unsigned long long)h->seq);
    csv_field(w, kind_name(h->kind));
    iso_time(t, sizeof t, a->started_ms);
    csv_field(w, t);
    iso_time(t, sizeof t, h->kind == SK_REC_RESPONSE ? a->finished_ms : 0);
    csv_field(w, t);
    csv_field(w, language_code(x, a));
    int64_t end = a->finished_ms ? a->finished_ms : last_change_ms(a);
    if (a->started_ms > 0 && end >= a->started_ms)
        csv_fieldf(w, "%lld", (long long)((end - a->started_ms + 500) / 1000));
    else
        csv_field(w, "");

    xbuf labels;
    xb_init(&labels);
    value_cells(x, w, x->resp_q, x->resp_numeric, x->n_resp, a, NULL, &labels);
    for (size_t r = 0; r < x->n_reps; r++)
        csv_fieldf(w, "%s/%s", rid, x->form->q[x->reps[r].q].name);
    if (x->n_reps)
        csv_field(w, rid);
    /* One row per instance in each repeat's file: KEY is PARENT_KEY/<repeat>[n]. */
    for (size_t r = 0; r < x->n_reps; r++) {
        const char *name = x->form->q[x->reps[r].q].name;
        const char *count = sk_answers_get(a, name);
        unsigned long n = count ? strtoul(count, NULL, 10) : 0;
        csv_writer *rw = &x->reps[r].w;
        for (unsigned long k = 1; k <= n && k <= 100000; k++) {
            char path[300];
            sk_answers_instance(path, sizeof path, name, k);
            value_cells(x, rw, x->reps[r].cols, x->reps[r].numeric, x->reps[r].n, a, path,
                        &labels);
            csv_field(rw, rid);
            csv_fieldf(rw, "%s/%s", rid, path);
            csv_end_row(rw);
        }
        labels.nomem |= rw->nomem;
    }
    bool nomem = labels.nomem;
    xb_free(&labels);
    csv_end_row(w);
    if (nomem || w->nomem)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing record %s", rid);
    return text_rows(x, h, a, rid, dev);
}

/* The value cells of questions qs (in instance `path` of a repeat, or NULL). */
static void value_cells(export_run *x, csv_writer *w, const int *qs, const bool *numeric,
                        size_t n, const sk_answers *a, const char *path, xbuf *labels_buf)
{
    xbuf labels = *labels_buf;
    for (size_t i = 0; i < n; i++) {
        int qi = qs[i];
        const sk_question *q = &x->form->q[qi];
        const char *v = sk_answers_get_at(a, path, q->name);
        const sk_choice_list *list = sk_form_choices(x->form, qi);
        if (numeric[i]) {
            csv_number(w, v);
            for (size_t c = 0; q->type == SK_Q_SELECT_MULTIPLE && list && c < list->n; c++)
                csv_number(w, !v ? "" : export_has_token(v, list->choices[c].name) ? "1" : "0");
            continue;
        }
        switch (q->type) {
        case SK_Q_SELECT_ONE:
            csv_field(w, v && *v && x->opts->labels ? choice_label(x, qi, v) : v);
            break;
        case SK_Q_SELECT_MULTIPLE:
            if (v && x->opts->labels) {
                labels.len = 0;
                if (labels.s)
                    labels.s[0] = '\0';
                multi_labels(x, qi, v, &labels);
                csv_field(w, labels.s ? labels.s : "");
            } else {
                csv_field(w, v);
            }
            for (size_t c = 0; list && c < list->n; c++)
                csv_number(w, !v ? "" : export_has_token(v, list->choices[c].name) ? "1" : "0");
            break;
        case SK_Q_SIGNATURE:
            csv_field(w, !v ? "" : stroke_count(v) ? "yes" : "no");
            break;
        default:
            csv_field(w, v);
            break;
        }
    }
    *labels_buf = labels;
}

static sk_status text_rows(export_run *x, const sk_record_header *h, const sk_answers *a,
                           const char *rid, const char *dev)
{
    /* Free text, one row per non-empty answer the participant agreed may be
     * quoted (responses.csv keeps every answer: quoting is not analysis). */
    for (size_t i = 0; i < x->n_resp; i++) {
        const sk_question *q = &x->form->q[x->resp_q[i]];
        const char *v = sk_answers_get(a, q->name);
        if (q->type != SK_Q_TEXT || !v || !*v)
            continue;
        quote_verdict verdict = ethics_quote(x->form, x->resp_q[i], dev, a, &x->memo);
        if (verdict != QUOTE_OK) {
            x->left_out[(size_t)x->resp_q[i] * QUOTE_VERDICTS + verdict]++;
            if (x->total_left_out)
                ++*x->total_left_out;
            continue;
        }
        csv_writer *tw = &x->csv[F_TEXT];
        csv_field(tw, rid);
        csv_field(tw, dev);
        csv_fieldf(tw, "%llu", (unsigned long long)h->seq);
        csv_field(tw, q->name);
        csv_field(tw, sk_form_text(x->form, q->label, x->lang));
        csv_field(tw, language_code(x, a));
        csv_field(tw, v);
        csv_end_row(tw);
    }
    return SK_OK;
}

static bool has_consent_answers(const export_run *x, const sk_answers *a)
{
    for (size_t i = 0; i < x->n_consent; i++)
        if (sk_answers_find(a, x->form->q[x->consent_q[i]].name))
            return true;
    return false;
}

static void consent_row(export_run *x, const sk_record_header *h, const sk_answers *a)
{
    csv_writer *w = &x->csv[F_CONSENT];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1], t[32];
    record_ids(h, rid, dev);
    csv_field(w, rid);
    csv_field(w, a->sitting_id);
    csv_field(w, dev);
    csv_fieldf(w, "%llu", (unsigned long long)h->seq);
    csv_field(w, kind_name(h->kind));
    iso_time(t, sizeof t, a->finished_ms ? a->finished_ms : last_change_ms(a));
    csv_field(w, t);
    for (size_t i = 0; i < x->n_consent; i++) {
        const sk_question *q = &x->form->q[x->consent_q[i]];
        const char *v = sk_answers_get(a, q->name);
        if (q->type == SK_Q_ACKNOWLEDGE) {
            csv_field(w, ethics_is_yes(v) ? "yes" : "no");
        } else if (q->type == SK_Q_SIGNATURE) {
            /* Strokes stay out of the CSV: a drawn signature is identifying. */
            size_t n = v ? stroke_count(v) : 0;
            csv_field(w, n ? "yes" : "no");
            csv_fieldf(w, "%zu", n);
        } else {
            csv_field(w, v);
        }
    }
    csv_end_row(w);
}

/* The identifying answers of a record, if it holds any, keyed by sitting. */
static void identifiers_row(export_run *x, const sk_record_header *h, const sk_answers *a)
{
    bool any = false;
    for (size_t i = 0; i < x->n_ident && !any; i++)
        any = sk_answers_find(a, x->form->q[x->ident_q[i]].name) != NULL;
    if (!any)
        return;
    csv_writer *w = &x->csv[F_IDENT];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1];
    record_ids(h, rid, dev);
    csv_field(w, a->sitting_id);
    csv_field(w, rid);
    csv_field(w, dev);
    csv_fieldf(w, "%llu", (unsigned long long)h->seq);
    csv_field(w, kind_name(h->kind));
    for (size_t i = 0; i < x->n_ident; i++)
        csv_field(w, sk_answers_get(a, x->form->q[x->ident_q[i]].name));
    csv_end_row(w);
}

/* ---- the pass over the records -------------------------------------- */

static int on_record(void *user, const sk_record_header *hdr, const uint8_t *blob, size_t len,
                     sk_error *err)
{
    export_run *x = user;
    sk_record_header h;
    sk_answers a;
    sk_answers_init(&a);
    bool ok = false;
    sk_status st = export_open_record(blob, len, x->key, hdr, &a, &h, x->skipped, &ok, err);
    if (st != SK_OK || !ok) {
        /* Not read: listed in x->skipped, and the pass goes on. */
        sk_answers_free(&a);
        return st != SK_OK;
    }
    switch (h.kind) {
    case SK_REC_RESPONSE:
        st = response_row(x, &h, &a, err);
        break;
    case SK_REC_INCOMPLETE:
        st = response_row(x, &h, &a, err);
        if (st == SK_OK && has_consent_answers(x, &a))
            consent_row(x, &h, &a);
        break;
    case SK_REC_CONSENT: {
        consent_row(x, &h, &a);
        char dev[2 * SK_DEVICE_ID_SIZE + 1];
        sk_hex(h.device_id, SK_DEVICE_ID_SIZE, dev);
        if (!consent_memo_note(&x->memo, x->form, dev, &a))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading consent");
        break;
    }
    case SK_REC_DECLINED:
        consent_row(x, &h, &a);
        break;
    default:
        break;   /* drafts never leave a kiosk; a newer kind is not ours to guess */
    }
    if (st == SK_OK && x->n_ident && h.kind >= SK_REC_CONSENT && h.kind <= SK_REC_DECLINED)
        identifiers_row(x, &h, &a);
    sk_answers_free(&a);
    return st != SK_OK;
}

/* ---- per form version ------------------------------------------------ */

static sk_status plan_columns(export_run *x)
{
    const sk_form *f = x->form;
    x->resp_q = calloc(f->n_q + 1, sizeof *x->resp_q);
    x->consent_q = calloc(f->n_q + 1, sizeof *x->consent_q);
    x->resp_numeric = calloc(f->n_q + 1, sizeof *x->resp_numeric);
    x->ident_q = calloc(f->n_q + 1, sizeof *x->ident_q);
    x->left_out = calloc(f->n_q * QUOTE_VERDICTS + 1, sizeof *x->left_out);
    if (!x->resp_q || !x->consent_q || !x->resp_numeric || !x->ident_q || !x->left_out)
        return SK_ERR_NOMEM;
    if (f->n_repeats && !(x->reps = calloc(f->n_repeats, sizeof *x->reps)))
        return SK_ERR_NOMEM;
    for (size_t r = 0; r < f->n_repeats; r++) {
        struct rep_table *t = &x->reps[x->n_reps++];
        t->q = f->repeats[r];
        t->cols = calloc(f->n_q + 1, sizeof *t->cols);
        t->numeric = calloc(f->n_q + 1, sizeof *t->numeric);
        if (!t->cols || !t->numeric)
            return SK_ERR_NOMEM;
        for (size_t i = 0; i < f->n_q; i++)
            if (f->q[i].repeat == t->q && is_answer_question(&f->q[i])) {
                t->numeric[t->n] = numeric_column(x, (int)i);
                t->cols[t->n++] = (int)i;
            }
    }
    for (size_t i = 0; i < f->n_q; i++) {
        if (!is_answer_question(&f->q[i]) || f->q[i].repeat >= 0)
            continue;   /* rows inside a repeat are in the repeat's own file */
        if (f->q[i].identifying)
            x->ident_q[x->n_ident++] = (int)i;
        else if (f->q[i].in_consent)
            x->consent_q[x->n_consent++] = (int)i;
        else
            x->resp_q[x->n_resp++] = (int)i;
    }
    for (size_t i = 0; i < x->n_resp; i++)
        x->resp_numeric[i] = numeric_column(x, x->resp_q[i]);
    return SK_OK;
}

/* "<id>-v<version>" with anything that is not safe in a file name replaced. */
static void base_name(char *out, size_t size, const char *id, const char *version)
{
    snprintf(out, size, "%s-v%s", id, version);
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == '\\' || *p == ':' || (unsigned char)*p < 0x20)
            *p = '_';
}

/* The repeat files of every form of a run: committed after all of them are written. */
typedef struct rep_file_list {
    outfile *items;
    size_t n, cap;
} rep_file_list;

static sk_status rep_files_add(rep_file_list *l, outfile *o, sk_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        outfile *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting repeats");
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = *o;
    memset(o, 0, sizeof *o);
    return SK_OK;
}

static sk_status export_form(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                             const char *outdir, const sk_export_opts *opts, outfile *files,
                             rep_file_list *rep_files, sk_unreadable_list *skipped,
                             sk_error *err)
{
    export_run x = {.key = key, .opts = opts, .skipped = skipped,
                    .total_left_out = opts->quotes_left_out};
    sk_form *form = NULL;
    sk_status st = export_check_study(cf, key, err);
    if (st == SK_OK)
        st = export_load_form(cf->pack, &form, err);
    if (st != SK_OK)
        return st;
    x.form = form;
    st = export_lang(form, opts->language, opts->lang, &x.lang, err);
    if (st == SK_OK && plan_columns(&x) != SK_OK)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", cf->form_id);

    char base[160];
    base_name(base, sizeof base, cf->form_id, cf->form_version);
    for (int i = 0; i < F_COUNT && st == SK_OK; i++) {
        if (i == F_IDENT && !x.n_ident)
            continue;   /* no identifying questions: no file to keep apart */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s%s", outdir, base, file_suffix[i]);
        st = outfile_open(&files[i], path, err);
        if (st == SK_OK && opts->excel_bom)
            fputs("\xEF\xBB\xBF", files[i].f);
        if (st == SK_OK && i != F_CODEBOOK) {
            csv_init(&x.csv[i], files[i].f);
            x.csv[i].raw = opts->raw;
        }
    }
    for (size_t r = 0; r < x.n_reps && st == SK_OK; r++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s-%s.csv", outdir, base, form->q[x.reps[r].q].name);
        st = outfile_open(&x.reps[r].file, path, err);
        if (st == SK_OK && opts->excel_bom)
            fputs("\xEF\xBB\xBF", x.reps[r].file.f);
        if (st == SK_OK) {
            csv_init(&x.reps[r].w, x.reps[r].file.f);
            x.reps[r].w.raw = opts->raw;
        }
    }
    if (st == SK_OK) {
        write_headers(&x);
        st = sk_cstore_foreach_record(cs, cf->form_id, cf->form_version, on_record, &x, err);
    }
    /* The repeat files join the run's list, committed with the others. */
    for (size_t r = 0; r < x.n_reps; r++) {
        if (st == SK_OK && x.reps[r].file.f)
            st = rep_files_add(rep_files, &x.reps[r].file, err);
        if (st != SK_OK)
            outfile_abort(&x.reps[r].file);
        free(x.reps[r].cols);
        free(x.reps[r].numeric);
    }
    free(x.reps);
    if (st == SK_OK)
        st = codebook_write(form, x.lang, opts->raw, x.left_out, files[F_CODEBOOK].f, err);
    consent_memo_free(&x.memo);
    free(x.ident_q);
    free(x.left_out);
    free(x.resp_q);
    free(x.consent_q);
    free(x.resp_numeric);
    sk_form_free(form);
    return st;
}

sk_status sk_export_csv(sk_cstore *cs, const sk_study_key *key, const char *outdir,
                        const sk_export_opts *opts, size_t *n_files, sk_error *err)
{
    static const sk_export_opts defaults = {.lang = -1};
    if (!cs || !key || !outdir)
        return sk_error_set(err, SK_ERR_ARG, "sk_export_csv needs a store, a key and a folder");
    if (!opts)
        opts = &defaults;
    sk_unreadable_list own = {0};
    sk_unreadable_list *skipped = opts->unreadable ? opts->unreadable : &own;
    skipped->n = 0;
    if (opts->quotes_left_out)
        *opts->quotes_left_out = 0;
    sk_cstore_form *forms = NULL;
    size_t n_forms = 0;
    sk_status st = export_forms(cs, key, &forms, &n_forms, err);
    if (st != SK_OK)
        return st;
    if (!n_forms) {
        sk_cstore_forms_free(forms, n_forms);
        return sk_error_set(err, SK_ERR_NOTFOUND,
                            "the store holds no forms yet; merge some bundles first");
    }
    /* The per-form files, then unreadable.csv. */
    size_t n_out = n_forms * F_COUNT + 1;
    outfile *files = calloc(n_out, sizeof *files);
    if (!files) {
        sk_cstore_forms_free(forms, n_forms);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting the export");
    }
    rep_file_list reps = {0};
    for (size_t i = 0; i < n_forms && st == SK_OK; i++)
        st = export_form(cs, &forms[i], key, outdir, opts, files + i * F_COUNT, &reps, skipped,
                         err);
    if (st == SK_OK) {
        /* Written even when empty, so that an unreadable.csv of an earlier
         * export in the same folder cannot outlive the problem it listed. */
        char path[4096];
        snprintf(path, sizeof path, "%s/unreadable.csv", outdir);
        outfile *u = &files[n_out - 1];
        st = outfile_open(u, path, err);
        if (st == SK_OK) {
            if (opts->excel_bom)
                fputs("\xEF\xBB\xBF", u->f);
            csv_writer w;
            csv_init(&w, u->f);
            w.raw = opts->raw;
            unreadable_csv(skipped, &w);
            if (w.nomem)
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing unreadable.csv");
        }
    }
    if (st == SK_OK)
        export_note_unreadable(cs, skipped);
    sk_unreadable_list_free(&own);
    size_t written = 0;
    for (size_t i = 0; i < n_out; i++) {
        if (st == SK_OK && files[i].f) {
            char *path = strdup(files[i].path);
            st = path ? outfile_commit(&files[i], err)
                      : sk_error_set(err, SK_ERR_NOMEM, "out of memory finishing the export");
            if (st == SK_OK) {
                written++;
                if (opts->on_file)
                    opts->on_file(opts->user, path);
            } else {
                outfile_abort(&files[i]);
            }
            free(path);
        } else {
            outfile_abort(&files[i]);
        }
    }
    for (size_t i = 0; i < reps.n; i++) {
        if (st == SK_OK) {
            char *path = strdup(reps.items[i].path);
            st = path ? outfile_commit(&reps.items[i], err)
                      : sk_error_set(err, SK_ERR_NOMEM, "out of memory finishing the export");
            if (st == SK_OK) {
                written++;
                if (opts->on_file)
                    opts->on_file(opts->user, path);
            } else {
                outfile_abort(&reps.items[i]);
            }
            free(path);
        } else {
            outfile_abort(&reps.items[i]);
        }
    }
    free(reps.items);
    free(files);
    sk_cstore_forms_free(forms, n_forms);
    if (st == SK_OK && n_files)
        *n_files = written;
    return st;
}
