/* export.c - sk_export_csv: the records of a central store as files for R,
 * Python, SPSS, Stata and Excel.
 *
 * Per form version, one pass over its records (streamed, one row at a time)
 * fills four tables (export_plan.c says their columns):
 *   responses    one row per finished or incomplete sitting
 *   consent      consent and declined records
 *   text         free-text answers in long format (NVivo, MAXQDA), only
 *                those the participant agreed may be quoted
 *   identifiers  answers of questions marked identifying, keyed by
 *                sitting_id (only when the form has any), so that the other
 *                files can be shared without them
 * and writes them in the formats asked for (opts->formats):
 *   csv   <id>-v<version>_<table>.csv, written during the pass
 *   xlsx  <id>-v<version>.xlsx, one sheet per table and the codebook
 *   sav   <id>-v<version>_<table>.sav (SPSS), dta the same for Stata
 * (the last three from the rows kept in table.c's spool, after the pass).
 * A form with repeats has one more table per repeat, one row per instance,
 * with PARENT_KEY (the response row's KEY) and KEY (KEY/<repeat>[n]), as ODK
 * Central and Briefcase write them: <id>-v<version>-<repeat>.csv (and .sav,
 * .dta, a sheet "repeat <repeat>" in the xlsx); the responses table then
 * ends with SET-OF-<repeat> and KEY.
 * <id>-v<version>_codebook.csv is always written (codebook.c; after the
 * pass, as it says how many answers were left out of the text table): it
 * is what every format's columns mean.  Once per run unreadable.csv lists
 * the records that could not be read: one damaged record is skipped and
 * listed rather than costing the researcher the whole export.  All files of
 * a run are committed only after every record has been read, so a wrong key
 * or a full disk leaves no output behind.
 *
 * Missing answers (the codebook's note row says the same): a question that
 * skip logic hid, or that an incomplete sitting never reached (it comes
 * after the last question answered), was not asked: an empty CSV cell,
 * SPSS -98, Stata .b, an empty xlsx cell.  A question that was asked and
 * left unanswered: CSV NA, SPSS -99, Stata .a, xlsx NA.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "export_run.h"
#include "reader.h"
#include "sk/export.h"
#include "sk/record.h"
#include "sk/runtime.h"

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

/* The last time the participant changed an answer of the given section (-1:
 * any).  Values the kiosk fills itself (end, calculations) are left out: they
 * are restamped when a sitting is abandoned, which is not an answer. */
static int64_t last_answer_ms(const export_run *x, const sk_answers *a, int section)
{
    int64_t last = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (section >= 0 && (int)a->items[i].section != section)
            continue;
        int qi = sk_form_find(x->form, a->items[i].name);
        if (qi >= 0 && export_not_asked_of_person(&x->form->q[qi]))
            continue;
        if (a->items[i].changed_ms > last)
            last = a->items[i].changed_ms;
    }
    return last;
}

static void record_ids(const sk_record_header *h, char rid[2 * SK_RECORD_ID_SIZE + 1],
                       char dev[2 * SK_DEVICE_ID_SIZE + 1])
{
    sk_hex(h->record_id, SK_RECORD_ID_SIZE, rid);
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
}

static void time_cell(ex_table *t, int64_t ms)
{
    char s[32];
    iso_time(s, sizeof s, ms);
    tab_cell(t, s, s, *s ? CELL_VALUE : CELL_EMPTY);
}

/* ---- why an answer is missing ---------------------------------------- */

/* What the export knows of one response record's skip logic. */
typedef struct asked_ctx {
    sk_run *run;       /* NULL when the form has no relevance at all; the reader's */
    int last_reached;  /* incomplete: the last question answered (form order); else n_q */
} asked_ctx;

/* The skip logic of a response record, worked out by the thread that opened
 * it (reader.c): only a form with relevance needs it. */
static void prep_record(const void *user, const sk_record_header *h, const sk_answers *a,
                        export_prep *p)
{
    const export_run *x = user;
    if (x->any_relevance && (h->kind == SK_REC_RESPONSE || h->kind == SK_REC_INCOMPLETE))
        export_prep_skip_logic(x->form, x->lang, h, a, p);
}

static sk_status asked_begin(export_run *x, const sk_record_header *h, const sk_answers *a,
                             export_prep *p, asked_ctx *c, sk_error *err)
{
    const sk_form *f = x->form;
    c->run = NULL;
    c->last_reached = (int)f->n_q;
    if (h->kind == SK_REC_INCOMPLETE) {
        c->last_reached = -1;
        for (size_t i = 0; i < a->n; i++) {
            int qi = sk_form_find(f, a->items[i].name);
            if (qi > c->last_reached && !export_not_asked_of_person(&f->q[qi]))
                c->last_reached = qi;
        }
    }
    if (!x->any_relevance)
        return SK_OK;
    if (!p->run && p->st == SK_OK)   /* not worked out where it was opened */
        export_prep_skip_logic(f, x->lang, h, a, p);
    if (p->st != SK_OK) {
        if (err)
            *err = p->err;
        return p->st;
    }
    c->run = p->run;
    return SK_OK;
}

/* The state of question qi's cell when its recorded value is v. */
static cell_state answer_state(const export_run *x, const asked_ctx *c, int qi, const char *v)
{
    const sk_question *q = &x->form->q[qi];
    if (v && *v)
        return CELL_VALUE;
    if (export_not_asked_of_person(q) || q->in_consent || q->identifying)
        return CELL_EMPTY;
    if (v)
        return CELL_SKIPPED;   /* "" is recorded only for a question on screen */
    if (qi > c->last_reached || (c->run && !sk_run_relevant(c->run, qi)))
        return CELL_NOT_ASKED;
    return CELL_SKIPPED;
}

/* start/end as ISO 8601 UTC with Z, like every other time of the export
 * (the kiosk records them in local time with an offset, as ODK does). */
static void datetime_answer(ex_table *t, const char *v, cell_state st)
{
    int64_t ms;
    char s[32];
    if (st == CELL_VALUE && iso_parse_ms(v, &ms)) {
        iso_time(s, sizeof s, ms);
        tab_cell(t, s, s, CELL_VALUE);
    } else {
        tab_cell(t, v, v, st);
    }
}

/* ---- rows ------------------------------------------------------------ */

/* The value cells of questions qs (in repeat instance `path`, or NULL). */
static void value_cells(export_run *x, ex_table *t, const int *qs, size_t n, const sk_answers *a,
                        const char *path, const asked_ctx *ac, xbuf *labels_buf)
{
    xbuf labels = *labels_buf;
    for (size_t i = 0; i < n; i++) {
        int qi = qs[i];
        const sk_question *q = &x->form->q[qi];
        const char *v = sk_answers_get_at(a, path, q->name);
        cell_state cs = answer_state(x, ac, qi, v);
        const sk_choice_list *list = sk_form_choices(x->form, qi);
        switch (q->type) {
        case SK_Q_SELECT_ONE:
            tab_cell(t, cs == CELL_VALUE && x->opts->labels ? choice_label(x, qi, v) : v, v, cs);
            break;
        case SK_Q_SELECT_MULTIPLE:
            if (cs == CELL_VALUE && x->opts->labels) {
                labels.len = 0;
                if (labels.s)
                    labels.s[0] = '\0';
                multi_labels(x, qi, v, &labels);
                tab_cell(t, labels.s ? labels.s : "", v, cs);
            } else {
                tab_cell(t, v, v, cs);
            }
            for (size_t c = 0; list && c < list->n; c++) {
                const char *bit = cs != CELL_VALUE                         ? NULL
                                  : export_has_token(v, list->choices[c].name) ? "1"
                                                                               : "0";
                tab_cell(t, bit, bit, cs);
            }
            break;
        case SK_Q_SIGNATURE: {
            const char *drawn = cs != CELL_VALUE ? NULL : stroke_count(v) ? "yes" : "no";
            tab_cell(t, drawn, drawn, cs);
            break;
        }
        case SK_Q_START:
        case SK_Q_END:
        case SK_Q_DATETIME:
            datetime_answer(t, v, cs);
            break;
        default:
            tab_cell(t, v, v, cs);
            break;
        }
    }
    *labels_buf = labels;
}

static sk_status response_row(export_run *x, const sk_record_header *h, const sk_answers *a,
                              export_prep *p, sk_error *err)
{
    ex_table *t = &x->tab[T_RESPONSES];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1];
    record_ids(h, rid, dev);
    asked_ctx ac;
    sk_status st = asked_begin(x, h, a, p, &ac, err);
    if (st != SK_OK)
        return st;
    tab_cell(t, rid, rid, CELL_VALUE);
    tab_cell(t, a->sitting_id, a->sitting_id, CELL_VALUE);
    tab_cell(t, dev, dev, CELL_VALUE);
    tab_cellf(t, "%llu", (unsigned long long)h->seq);
    tab_cell(t, kind_name(h->kind), kind_name(h->kind), CELL_VALUE);
    time_cell(t, a->started_ms);
    time_cell(t, h->kind == SK_REC_RESPONSE ? a->finished_ms : 0);
    tab_cell(t, language_code(x, a), language_code(x, a), CELL_VALUE);
    /* Finished: to the finish.  Incomplete: to the last answer, never to
     * when the kiosk gave up on the sitting (the codebook says so). */
    int64_t end = h->kind == SK_REC_RESPONSE && a->finished_ms ? a->finished_ms
                                                                 : last_answer_ms(x, a, -1);
    if (a->started_ms > 0 && end >= a->started_ms)
        tab_cellf(t, "%lld", (long long)((end - a->started_ms + 500) / 1000));
    else
        tab_cell(t, NULL, NULL, CELL_EMPTY);

    xbuf labels;
    xb_init(&labels);
    value_cells(x, t, x->resp_q, x->n_resp, a, NULL, &ac, &labels);
    for (size_t r = 0; r < x->n_reps; r++)
        tab_cellf(t, "%s/%s", rid, x->form->q[x->reps[r].q].name);
    if (x->n_reps)
        tab_cell(t, rid, rid, CELL_VALUE);
    /* One row per instance in each repeat's table: KEY is PARENT_KEY/<repeat>[n]. */
    for (size_t r = 0; r < x->n_reps; r++) {
        const char *name = x->form->q[x->reps[r].q].name;
        const char *count = sk_answers_get(a, name);
        unsigned long n = count ? strtoul(count, NULL, 10) : 0;
        ex_table *rt = &x->reps[r].tab;
        for (unsigned long k = 1; k <= n && k <= 100000; k++) {
            char path[300];
            sk_answers_instance(path, sizeof path, name, k);
            if (ac.run)
                sk_run_set_instance(ac.run, k);   /* relevance of this instance */
            value_cells(x, rt, x->reps[r].cols, x->reps[r].n, a, path, &ac, &labels);
            tab_cell(rt, rid, rid, CELL_VALUE);
            tab_cellf(rt, "%s/%s", rid, path);
            tab_end_row(rt);
        }
        if (ac.run)
            sk_run_set_instance(ac.run, 0);
        labels.nomem |= rt->nomem || (rt->csv && rt->csv->nomem);
    }
    bool nomem = labels.nomem;
    xb_free(&labels);
    tab_end_row(t);
    if (nomem || t->nomem || (t->csv && t->csv->nomem))
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing record %s", rid);

    /* Free text, one row per non-empty answer the participant agreed may be
     * quoted (the responses table keeps every answer: quoting is not analysis). */
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
        ex_table *tt = &x->tab[T_TEXT];
        const char *label = sk_form_text(x->form, q->label, x->lang);
        tab_cell(tt, rid, rid, CELL_VALUE);
        tab_cell(tt, dev, dev, CELL_VALUE);
        tab_cellf(tt, "%llu", (unsigned long long)h->seq);
        tab_cell(tt, q->name, q->name, CELL_VALUE);
        tab_cell(tt, label, label, CELL_VALUE);
        tab_cell(tt, language_code(x, a), language_code(x, a), CELL_VALUE);
        tab_cell(tt, v, v, CELL_VALUE);
        tab_end_row(tt);
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
    ex_table *t = &x->tab[T_CONSENT];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1];
    record_ids(h, rid, dev);
    tab_cell(t, rid, rid, CELL_VALUE);
    tab_cell(t, a->sitting_id, a->sitting_id, CELL_VALUE);
    tab_cell(t, dev, dev, CELL_VALUE);
    tab_cellf(t, "%llu", (unsigned long long)h->seq);
    tab_cell(t, kind_name(h->kind), kind_name(h->kind), CELL_VALUE);
    /* When the consent page was answered: the last change of a consent
     * answer, not when the record was written (the end of the sitting). */
    int64_t when = last_answer_ms(x, a, SK_SECTION_CONSENT);
    time_cell(t, when ? when : a->finished_ms ? a->finished_ms : a->started_ms);
    for (size_t i = 0; i < x->n_consent; i++) {
        const sk_question *q = &x->form->q[x->consent_q[i]];
        const char *v = sk_answers_get(a, q->name);
        if (q->type == SK_Q_ACKNOWLEDGE) {
            const char *yn = ethics_is_yes(v) ? "yes" : "no";
            tab_cell(t, yn, yn, CELL_VALUE);
        } else if (q->type == SK_Q_SIGNATURE) {
            /* Strokes stay out of the files: a drawn signature is identifying. */
            size_t n = v ? stroke_count(v) : 0;
            tab_cell(t, n ? "yes" : "no", n ? "yes" : "no", CELL_VALUE);
            tab_cellf(t, "%zu", n);
        } else {
            tab_cell(t, v, v, CELL_VALUE);
        }
    }
    tab_end_row(t);
}

/* The identifying answers of a record, if it holds any, keyed by sitting. */
static void identifiers_row(export_run *x, const sk_record_header *h, const sk_answers *a)
{
    bool any = false;
    for (size_t i = 0; i < x->n_ident && !any; i++)
        any = sk_answers_find(a, x->form->q[x->ident_q[i]].name) != NULL;
    if (!any)
        return;
    ex_table *t = &x->tab[T_IDENT];
    char rid[2 * SK_RECORD_ID_SIZE + 1], dev[2 * SK_DEVICE_ID_SIZE + 1];
    record_ids(h, rid, dev);
    tab_cell(t, a->sitting_id, a->sitting_id, CELL_VALUE);
    tab_cell(t, rid, rid, CELL_VALUE);
    tab_cell(t, dev, dev, CELL_VALUE);
    tab_cellf(t, "%llu", (unsigned long long)h->seq);
    tab_cell(t, kind_name(h->kind), kind_name(h->kind), CELL_VALUE);
    for (size_t i = 0; i < x->n_ident; i++) {
        const char *v = sk_answers_get(a, x->form->q[x->ident_q[i]].name);
        tab_cell(t, v, v, CELL_VALUE);
    }
    tab_end_row(t);
}

/* ---- the pass over the records -------------------------------------- */

/* One opened record, in store order (reader.c opens them on every core). */
static sk_status on_record(void *user, const sk_record_header *clear, const sk_record_header *hp,
                           sk_answers *ap, export_prep *p, sk_error *err)
{
    export_run *x = user;
    (void)clear;
    const sk_record_header h = *hp;
    const sk_answers a = *ap;
    sk_status st = SK_OK;
    switch (h.kind) {
    case SK_REC_RESPONSE:
        st = response_row(x, &h, &a, p, err);
        break;
    case SK_REC_INCOMPLETE:
        st = response_row(x, &h, &a, p, err);
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
    return st;
}

/* ---- per form version ------------------------------------------------ */

/* The files of one form version, in the order they are put in place. */
enum {
    S_CSV = 0,                      /* + table: <base>_<table>.csv */
    S_CODEBOOK = S_CSV + T_COUNT,   /* <base>_codebook.csv */
    S_XLSX,                         /* <base>.xlsx */
    S_SAV,                          /* + table: <base>_<table>.sav */
    S_DTA = S_SAV + T_COUNT,        /* + table: <base>_<table>.dta */
    S_COUNT = S_DTA + T_COUNT
};

/* The files of every form's repeat tables (their number depends on the
 * form): put in place with the others once the whole run has succeeded. */
typedef struct rep_file_list {
    outfile *items;
    size_t n, cap;
} rep_file_list;

/* A new, empty outfile of the list (NULL: out of memory). */
static outfile *rep_file_new(rep_file_list *l, sk_error *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        outfile *items = realloc(l->items, cap * sizeof *items);
        if (!items) {
            sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting repeats");
            return NULL;
        }
        l->items = items;
        l->cap = cap;
    }
    outfile *o = &l->items[l->n++];
    memset(o, 0, sizeof *o);
    return o;
}

/* "<id>-v<version>" with anything that is not safe in a file name replaced. */
static void base_name(char *out, size_t size, const char *id, const char *version)
{
    snprintf(out, size, "%s-v%s", id, version);
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == '\\' || *p == ':' || (unsigned char)*p < 0x20)
            *p = '_';
}

static sk_status open_file(const char *outdir, const char *base, const char *suffix,
                           bool bom, outfile *o, sk_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", outdir, base, suffix);
    sk_status st = outfile_open(o, path, err);
    if (st == SK_OK && bom)
        fputs("\xEF\xBB\xBF", o->f);
    return st;
}

/* The files made from the spooled rows once the pass is over. */
static sk_status write_binary(export_run *x, ex_table *codebook, const char *outdir,
                              const char *base, unsigned formats, outfile *files,
                              rep_file_list *rep_files, sk_error *err)
{
    sk_status st = SK_OK;
    if (formats & SK_FORMAT_XLSX) {
        ex_table **tables = calloc(T_COUNT + x->n_reps + 1, sizeof *tables);
        if (!tables)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s.xlsx", base);
        size_t n = 0;
        for (int i = 0; i < T_COUNT; i++)
            if (x->tab[i].n_cols)
                tables[n++] = &x->tab[i];
        for (size_t r = 0; r < x->n_reps; r++)
            tables[n++] = &x->reps[r].tab;
        tables[n++] = codebook;
        st = open_file(outdir, base, ".xlsx", false, &files[S_XLSX], err);
        if (st == SK_OK)
            st = outfile_detach(&files[S_XLSX], err);
        if (st == SK_OK)
            st = xlsx_write(files[S_XLSX].tmp, tables, n, outdir, err);
        if (st == SK_OK)
            st = outfile_attach(&files[S_XLSX], err);
        free(tables);
    }
    static const struct { unsigned flag; int slot; stat_format fmt; const char *ext; } stat[] = {
        {SK_FORMAT_SAV, S_SAV, STAT_SAV, ".sav"}, {SK_FORMAT_DTA, S_DTA, STAT_DTA, ".dta"}};
    for (size_t k = 0; k < 2 && st == SK_OK; k++) {
        if (!(formats & stat[k].flag))
            continue;
        for (int i = 0; i < T_COUNT && st == SK_OK; i++) {
            if (!x->tab[i].n_cols)
                continue;
            char suffix[64];
            snprintf(suffix, sizeof suffix, "_%s%s", x->tab[i].name, stat[k].ext);
            outfile *o = &files[stat[k].slot + i];
            st = open_file(outdir, base, suffix, false, o, err);
            if (st == SK_OK) {
                char label[256];
                snprintf(label, sizeof label, "%s: %s", base, x->tab[i].name);
                st = stat_write(&x->tab[i], stat[k].fmt, label, o->f, o->path, err);
            }
        }
        for (size_t r = 0; r < x->n_reps && st == SK_OK; r++) {
            const char *rn = x->form->q[x->reps[r].q].name;
            char suffix[300];
            snprintf(suffix, sizeof suffix, "-%s%s", rn, stat[k].ext);
            outfile *o = rep_file_new(rep_files, err);
            st = o ? open_file(outdir, base, suffix, false, o, err) : SK_ERR_NOMEM;
            if (st == SK_OK) {
                char label[512];
                snprintf(label, sizeof label, "%s: repeat %s", base, rn);
                st = stat_write(&x->reps[r].tab, stat[k].fmt, label, o->f, o->path, err);
            }
        }
    }
    return st;
}

static sk_status export_form(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                             const char *outdir, const sk_export_opts *opts, unsigned formats,
                             outfile *files, rep_file_list *rep_files,
                             sk_unreadable_list *skipped, sk_error *err)
{
    export_run x = {.key = key, .opts = opts, .skipped = skipped,
                    .total_left_out = opts->quotes_left_out};
    sk_form *form = NULL;
    ex_table codebook;
    tab_init(&codebook, "codebook");
    sk_status st = export_check_study(cf, key, err);
    if (st == SK_OK)
        st = export_load_form(cf->pack, &form, err);
    if (st != SK_OK) {
        tab_free(&codebook);
        return st;
    }
    x.form = form;
    st = export_lang(form, opts->language, opts->lang, &x.lang, err);
    if (st == SK_OK)
        st = export_plan(&x, err);

    char base[160];
    base_name(base, sizeof base, cf->form_id, cf->form_version);
    bool csv = formats & SK_FORMAT_CSV;
    const char *spool = formats & ~(unsigned)SK_FORMAT_CSV ? outdir : NULL;
    for (int i = 0; i < T_COUNT && st == SK_OK; i++) {
        if (!x.tab[i].n_cols)
            continue;   /* no identifying questions: no file to keep apart */
        if (csv) {
            char suffix[64];
            snprintf(suffix, sizeof suffix, "_%s.csv", x.tab[i].name);
            st = open_file(outdir, base, suffix, opts->excel_bom, &files[S_CSV + i], err);
            if (st != SK_OK)
                break;
            csv_init(&x.csv[i], files[S_CSV + i].f);
            x.csv[i].raw = opts->raw;
        }
        st = tab_begin(&x.tab[i], csv ? &x.csv[i] : NULL, spool, err);
    }
    for (size_t r = 0; r < x.n_reps && st == SK_OK; r++) {
        rep_table *rt = &x.reps[r];
        if (csv) {
            char suffix[300];
            snprintf(suffix, sizeof suffix, "-%s.csv", form->q[rt->q].name);
            outfile *o = rep_file_new(rep_files, err);
            st = o ? open_file(outdir, base, suffix, opts->excel_bom, o, err) : SK_ERR_NOMEM;
            if (st != SK_OK)
                break;
            csv_init(&rt->csv, o->f);
            rt->csv.raw = opts->raw;
        }
        st = tab_begin(&rt->tab, csv ? &rt->csv : NULL, spool, err);
    }
    if (st == SK_OK)
        st = export_read(cs, cf, key, NULL, prep_record, &x, on_record, &x, skipped, err);
    for (int i = 0; i < T_COUNT && st == SK_OK; i++)
        if (x.tab[i].nomem || (csv && x.csv[i].nomem))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the %s table",
                              x.tab[i].name);
    for (size_t r = 0; r < x.n_reps && st == SK_OK; r++)
        if (x.reps[r].tab.nomem || (csv && x.reps[r].csv.nomem))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the %s table",
                              x.reps[r].tab.name);
    for (int i = 0; i < T_COUNT && st == SK_OK && (formats & (SK_FORMAT_SAV | SK_FORMAT_DTA)); i++)
        if (!stat_fix_names(&x.tab[i]))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory naming the %s table's variables",
                              x.tab[i].name);
    for (size_t r = 0; r < x.n_reps && st == SK_OK && (formats & (SK_FORMAT_SAV | SK_FORMAT_DTA));
         r++)
        if (!stat_fix_names(&x.reps[r].tab))
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory naming the %s table's variables",
                              x.reps[r].tab.name);
    if (st == SK_OK)
        st = open_file(outdir, base, "_codebook.csv", opts->excel_bom, &files[S_CODEBOOK], err);
    if (st == SK_OK) {
        ex_table **tables = calloc(T_COUNT + x.n_reps, sizeof *tables);
        if (!tables)
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the codebook");
        for (int i = 0; tables && i < T_COUNT; i++)
            tables[i] = &x.tab[i];
        for (size_t r = 0; tables && r < x.n_reps; r++)
            tables[T_COUNT + r] = &x.reps[r].tab;
        csv_writer w;
        csv_init(&w, files[S_CODEBOOK].f);
        w.raw = opts->raw;
        if (tables)
            st = codebook_write(form, x.lang, x.left_out, tables, T_COUNT + x.n_reps, &codebook,
                                &w, formats & SK_FORMAT_XLSX ? outdir : NULL, err);
        free(tables);
    }
    if (st == SK_OK)
        st = write_binary(&x, &codebook, outdir, base, formats, files, rep_files, err);
    export_plan_free(&x);
    tab_free(&codebook);
    sk_form_free(form);
    return st;
}

sk_status sk_export_parse_formats(const char *list, unsigned *out, sk_error *err)
{
    static const struct { const char *name; unsigned flag; } known[] = {
        {"csv", SK_FORMAT_CSV}, {"xlsx", SK_FORMAT_XLSX}, {"sav", SK_FORMAT_SAV},
        {"dta", SK_FORMAT_DTA}};
    unsigned formats = 0;
    const char *p = list ? list : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool found = false;
        for (size_t i = 0; i < sizeof known / sizeof *known && !found; i++)
            if (strlen(known[i].name) == n && strncmp(p, known[i].name, n) == 0) {
                formats |= known[i].flag;
                found = true;
            }
        if (!found)
            return sk_error_set(err, SK_ERR_ARG,
                                "unknown export format '%.*s'; the formats are csv, xlsx, sav "
                                "and dta, given as a comma-separated list (--format csv,sav)",
                                (int)n, p);
        p = end ? end + 1 : p + n;
    }
    if (!formats)
        return sk_error_set(err, SK_ERR_ARG,
                            "no export format given; the formats are csv, xlsx, sav and dta");
    *out = formats;
    return SK_OK;
}

sk_status sk_export_csv(sk_cstore *cs, const sk_study_key *key, const char *outdir,
                        const sk_export_opts *opts, size_t *n_files, sk_error *err)
{
    static const sk_export_opts defaults = {.lang = -1};
    if (!cs || !key || !outdir)
        return sk_error_set(err, SK_ERR_ARG, "sk_export_csv needs a store, a key and a folder");
    if (!opts)
        opts = &defaults;
    unsigned formats = opts->formats ? opts->formats : SK_FORMAT_CSV;
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
    size_t n_out = n_forms * S_COUNT + 1;
    outfile *files = calloc(n_out, sizeof *files);
    if (!files) {
        sk_cstore_forms_free(forms, n_forms);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting the export");
    }
    rep_file_list reps = {0};
    for (size_t i = 0; i < n_forms && st == SK_OK; i++)
        st = export_form(cs, &forms[i], key, outdir, opts, formats, files + i * S_COUNT, &reps,
                         skipped, err);
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
    /* The repeat tables' files after the others (the responses file names
     * their rows' PARENT_KEY). */
    for (size_t i = 0; i < reps.n; i++) {
        if (st == SK_OK && reps.items[i].f) {
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
