/* runtime.c - a form being filled in (see sk/runtime.h).
 *
 * Everything here is derived from the form and the answers; the run keeps only
 * the results of the last sk_run_update (relevance, required, read-only) so
 * that the kiosk can ask cheap questions while it draws a frame.
 *
 * Update order: calculations (in the dependency order the loader computed),
 * then relevance in form order (a group's relevance comes before its
 * children's, so a child simply inherits it), dropping the answers of hidden
 * questions, then defaults.  Relevance can depend on calculations and
 * calculations on answers that relevance just removed, so the whole pass runs
 * again until nothing changes (bounded: each pass can only remove answers or
 * settle a calculation).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk/expr.h"
#include "sk/runtime.h"

#include "csv_instance.h"

/* The passes settle in one or two rounds in real forms; a form whose
 * calculations feed back through relevance gets this many before we stop. */
#define MAX_PASSES 8

struct sk_run {
    const sk_form *form;
    sk_answers *answers;
    int lang;
    char *device_id;
    bool *relevant, *required, *read_only;
    sk_expr *now_expr, *today_expr;
    /* choice_filter evaluation: the choice being looked at */
    int64_t now_ms;           /* of the last update: checks and filters see the same "now" */
    const sk_choice *filter_choice;
    const char *filter_label;
    char itext_buf[300];      /* instance_value_cb's itextId, valid until its next call */
    /* CSV attachments (sk_run_add_csv), by instance id (the file name without .csv) */
    char **csv_ids;
    csv_table **csv;
    size_t n_csv;
};

static const char *lookup(void *user, const char *name)
{
    const sk_run *run = user;
    return sk_answers_get(run->answers, name);
}

static const char *choice_label_cb(void *user, const char *qname, const char *value)
{
    const sk_run *run = user;
    int q = sk_form_find(run->form, qname);
    return q < 0 ? NULL : sk_run_choice_label(run, q, value);
}

static const char *column_cb(void *user, const char *name)
{
    const sk_run *run = user;
    const sk_choice *c = run->filter_choice;
    if (!c)
        return NULL;
    if (strcmp(name, "name") == 0)
        return c->name;
    if (strcmp(name, "label") == 0)
        return run->filter_label;
    for (size_t i = 0; i < c->n_extra; i++)
        if (strcmp(c->extra_name[i], name) == 0)
            return c->extra_value[i];
    return NULL;
}

/* Secondary instances: the form's choice lists, by list name, for
 * instance('list')/root/item[...], pulldata() and jr:itext(). */
static const sk_choice_list *list_named(const sk_run *run, const char *id)
{
    for (size_t i = 0; i < run->form->n_lists; i++)
        if (strcmp(run->form->lists[i].name, id) == 0)
            return &run->form->lists[i];
    return NULL;
}

static const csv_table *csv_named(const sk_run *run, const char *id)
{
    for (size_t i = 0; i < run->n_csv; i++)
        if (strcmp(run->csv_ids[i], id) == 0)
            return run->csv[i];
    return NULL;
}

/* A CSV attachment comes first: pulldata('x', ...) means x.csv in ODK even
 * when a choice list has the same name. */
static long instance_rows_cb(void *user, const char *id)
{
    const csv_table *t = csv_named(user, id);
    if (t)
        return (long)csv_table_rows(t);
    const sk_choice_list *l = list_named(user, id);
    return l ? (long)l->n : -1;
}

static const char *instance_value_cb(void *user, const char *id, size_t row, const char *col)
{
    sk_run *run = user;
    const csv_table *t = csv_named(run, id);
    if (t)
        return csv_table_value(t, row, col);
    const sk_choice_list *l = list_named(run, id);
    if (!l || row >= l->n)
        return NULL;
    const sk_choice *c = &l->choices[row];
    if (strcmp(col, "name") == 0)
        return c->name;
    if (strcmp(col, "label") == 0)
        return sk_form_text(run->form, c->label, run->lang);
    if (strcmp(col, "itextId") == 0) {
        /* pyxform's id for the choice's label, read back by jr:itext() */
        snprintf(run->itext_buf, sizeof run->itext_buf, "static_instance-%s-%zu", id, row);
        return run->itext_buf;
    }
    for (size_t i = 0; i < c->n_extra; i++)
        if (strcmp(c->extra_name[i], col) == 0)
            return c->extra_value[i];
    return NULL;
}

static const char *property_cb(void *user, const char *name)
{
    const sk_run *run = user;
    if (strcmp(name, "version") == 0)
        return run->form->version;
    if (strcmp(name, "deviceid") == 0)
        return run->device_id;
    return NULL; /* username, email, phone number: a kiosk has none */
}

static sk_eval_ctx context(const sk_run *run, const char *self, int64_t now_ms)
{
    sk_eval_ctx ctx = {.lookup = lookup,
                       .choice_label = choice_label_cb,
                       .user = (void *)run,
                       .self = self,
                       .now_ms = now_ms,
                       .column = column_cb,
                       .instance_rows = instance_rows_cb,
                       .instance_value = instance_value_cb,
                       .property = property_cb};
    return ctx;
}

static sk_section section_of(const sk_question *q)
{
    return q->in_consent ? SK_SECTION_CONSENT : SK_SECTION_RESPONSE;
}

sk_status sk_run_new(const sk_form *form, sk_answers *answers, int lang, const char *device_id,
                     sk_run **out, sk_error *err)
{
    if (!form || !answers || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_new: NULL argument");
    sk_run *run = calloc(1, sizeof *run);
    if (!run)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting a sitting");
    run->form = form;
    run->answers = answers;
    run->lang = (lang >= 0 && (size_t)lang < form->n_langs) ? lang : form->default_lang;
    size_t n = form->n_q ? form->n_q : 1;
    run->relevant = calloc(n, sizeof(bool));
    run->required = calloc(n, sizeof(bool));
    run->read_only = calloc(n, sizeof(bool));
    run->device_id = strdup(device_id ? device_id : "");
    sk_status st = SK_OK;
    if (!run->relevant || !run->required || !run->read_only || !run->device_id)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory starting a sitting");
    if (st == SK_OK)
        st = sk_expr_compile("now()", &run->now_expr, err);
    if (st == SK_OK)
        st = sk_expr_compile("today()", &run->today_expr, err);
    if (st != SK_OK) {
        sk_run_free(run);
        return st;
    }
    /* Until the first update everything that is not inside a hidden group counts as shown. */
    for (size_t i = 0; i < form->n_q; i++)
        run->relevant[i] = true;
    *out = run;
    return SK_OK;
}

void sk_run_free(sk_run *run)
{
    if (!run)
        return;
    free(run->relevant);
    free(run->required);
    free(run->read_only);
    free(run->device_id);
    sk_expr_free(run->now_expr);
    sk_expr_free(run->today_expr);
    for (size_t i = 0; i < run->n_csv; i++) {
        free(run->csv_ids[i]);
        csv_table_free(run->csv[i]);
    }
    free(run->csv_ids);
    free(run->csv);
    free(run);
}

sk_status sk_run_add_csv(sk_run *run, const char *file_name, const void *bytes, size_t len,
                         sk_error *err)
{
    if (!run || !file_name || (!bytes && len))
        return sk_error_set(err, SK_ERR_ARG, "sk_run_add_csv: NULL argument");
    size_t n = strlen(file_name);
    if (n < 5 || strcmp(file_name + n - 4, ".csv") != 0)
        return sk_error_set(err, SK_ERR_ARG, "%s is not a .csv file", file_name);
    csv_table *t = NULL;
    sk_status st = csv_table_parse(file_name, bytes, len, &t, err);
    if (st != SK_OK)
        return st;
    char *id = strndup(file_name, n - 4);
    char **ids = id ? realloc(run->csv_ids, (run->n_csv + 1) * sizeof *ids) : NULL;
    if (ids)
        run->csv_ids = ids;
    csv_table **tabs = ids ? realloc(run->csv, (run->n_csv + 1) * sizeof *tabs) : NULL;
    if (!tabs) {
        free(id);
        csv_table_free(t);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file_name);
    }
    run->csv = tabs;
    run->csv_ids[run->n_csv] = id;
    run->csv[run->n_csv++] = t;
    return SK_OK;
}

void sk_run_set_language(sk_run *run, int lang)
{
    if (run && lang >= 0 && (size_t)lang < run->form->n_langs)
        run->lang = lang;
}

int sk_run_language(const sk_run *run) { return run ? run->lang : 0; }

/* Set name's value when it differs; *changed records that something moved. */
static sk_status put(sk_run *run, const sk_question *q, const char *value, int64_t now_ms,
                     bool *changed, sk_error *err)
{
    const char *cur = sk_answers_get(run->answers, q->name);
    if ((cur == NULL && value == NULL) || (cur && value && strcmp(cur, value) == 0))
        return SK_OK;
    *changed = true;
    sk_status st = sk_answers_set(run->answers, q->name, value, section_of(q), now_ms);
    if (st != SK_OK)
        return sk_error_set(err, st, "out of memory recording an answer");
    return SK_OK;
}

static sk_status eval_error(const sk_run *run, const sk_question *q, const char *what,
                            const sk_error *inner, sk_error *err)
{
    return sk_error_set_at(err, inner->status, run->form->source_name, "survey", q->row, what,
                           "the %s of '%s' cannot be evaluated: %s", what, q->name,
                           inner->message);
}

static sk_status eval_bool(const sk_run *run, const sk_question *q, const sk_expr *e,
                           const char *what, const char *self, int64_t now_ms, bool *out,
                           sk_error *err)
{
    sk_eval_ctx ctx = context(run, self, now_ms);
    sk_error inner;
    if (sk_expr_eval_bool(e, &ctx, out, &inner) != SK_OK)
        return eval_error(run, q, what, &inner, err);
    return SK_OK;
}

static sk_status eval_string(const sk_run *run, const sk_question *q, const sk_expr *e,
                             const char *what, int64_t now_ms, char **out, sk_error *err)
{
    /* '.' in a calculation is the question's own current value (XForms),
     * which once() keeps. */
    sk_eval_ctx ctx = context(run, sk_answers_get(run->answers, q->name), now_ms);
    sk_error inner;
    if (sk_expr_eval_string(e, &ctx, out, &inner) != SK_OK)
        return eval_error(run, q, what, &inner, err);
    return SK_OK;
}

static sk_status update_calculations(sk_run *run, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t k = 0; k < f->n_calc; k++) {
        const sk_question *q = &f->q[f->calc_order[k]];
        if (!q->calculation)
            continue;
        char *value = NULL;
        if (run->relevant[f->calc_order[k]]) {
            sk_status st = eval_string(run, q, q->calculation, "calculation", now_ms, &value, err);
            if (st != SK_OK)
                return st;
        }
        sk_status st = put(run, q, value, now_ms, changed, err);
        free(value);
        if (st != SK_OK)
            return st;
    }
    return SK_OK;
}

static sk_status update_relevance(sk_run *run, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        bool rel = q->parent < 0 || run->relevant[q->parent];
        if (q->type == SK_Q_END_GROUP) {
            run->relevant[i] = rel;
            continue;
        }
        if (rel && q->relevant) {
            sk_status st = eval_bool(run, q, q->relevant, "relevant", NULL, now_ms, &rel, err);
            if (st != SK_OK)
                return st;
        }
        run->relevant[i] = rel;
        /* An answer hidden by skip logic is not recorded. Metadata stays. */
        if (!rel && q->type != SK_Q_BEGIN_GROUP && q->type < SK_Q_START) {
            sk_status st = put(run, q, NULL, now_ms, changed, err);
            if (st != SK_OK)
                return st;
        }
    }
    return SK_OK;
}

/* Defaults (every pass) or metadata (once, after the passes settle: "end"
 * changes at every update by design and depends on nothing). */
static sk_status update_filled(sk_run *run, int64_t now_ms, bool metadata, bool *changed,
                               sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        sk_status st = SK_OK;
        char *value = NULL;
        if (metadata != (q->type >= SK_Q_START))
            continue;
        switch (q->type) {
        case SK_Q_START:
            if (!sk_answers_get(run->answers, q->name))
                st = eval_string(run, q, run->now_expr, "start", now_ms, &value, err);
            break;
        case SK_Q_END:
            st = eval_string(run, q, run->now_expr, "end", now_ms, &value, err);
            break;
        case SK_Q_TODAY:
            if (!sk_answers_get(run->answers, q->name))
                st = eval_string(run, q, run->today_expr, "today", now_ms, &value, err);
            break;
        case SK_Q_DEVICEID:
            value = strdup(run->device_id);
            break;
        default:
            /* A default fills a shown question that has no entry yet; once the
             * participant clears it the entry is "" and stays so. */
            if (q->default_value && q->default_value[0] && run->relevant[i] &&
                q->type != SK_Q_CALCULATE && !sk_answers_find(run->answers, q->name))
                value = strdup(q->default_value);
            break;
        }
        if (st == SK_OK && value)
            st = put(run, q, value, now_ms, changed, err);
        free(value);
        if (st != SK_OK)
            return st;
    }
    return SK_OK;
}

static sk_status update_flags(sk_run *run, int64_t now_ms, sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        bool req = false, ro = false;
        if (run->relevant[i]) {
            const char *self = sk_answers_get(run->answers, q->name);
            sk_status st = SK_OK;
            if (q->required)
                st = eval_bool(run, q, q->required, "required", self, now_ms, &req, err);
            if (st == SK_OK && q->read_only)
                st = eval_bool(run, q, q->read_only, "read_only", self, now_ms, &ro, err);
            if (st != SK_OK)
                return st;
        }
        run->required[i] = req;
        run->read_only[i] = ro;
    }
    return SK_OK;
}

/* A select's answer that its choice_filter no longer offers is removed (for
 * select_multiple, just those choices), as JavaRosa does since 2019
 * (getodk/javarosa#437): change the region and the district chosen for the
 * old one does not stay behind unseen. */
static sk_status update_filtered(sk_run *run, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        const char *cur = sk_answers_get(run->answers, q->name);
        if (!q->choice_filter || !cur || !*cur || q->list < 0)
            continue;
        const sk_choice_list *l = &f->lists[q->list];
        size_t *idx = malloc((l->n ? l->n : 1) * sizeof *idx);
        char *keep = malloc(strlen(cur) + 1);
        if (!idx || !keep) {
            free(idx);
            free(keep);
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory filtering choices");
        }
        size_t n = sk_run_choices(run, (int)i, idx, l->n);
        size_t o = 0;
        for (const char *p = cur; *p;) {
            while (*p == ' ')
                p++;
            size_t len = strcspn(p, " ");
            bool offered = false;
            for (size_t k = 0; k < n && !offered && len; k++)
                offered = strlen(l->choices[idx[k]].name) == len &&
                          memcmp(l->choices[idx[k]].name, p, len) == 0;
            if (offered) {
                if (o)
                    keep[o++] = ' ';
                memcpy(keep + o, p, len);
                o += len;
            }
            p += len;
            if (q->type != SK_Q_SELECT_MULTIPLE)
                break; /* select_one: the whole value is one name */
        }
        keep[o] = '\0';
        if (q->type != SK_Q_SELECT_MULTIPLE && strcmp(keep, cur) != 0)
            o = 0; /* "a b" is not a select_one choice even if "a" is */
        sk_status st = strcmp(keep, cur) == 0 ? SK_OK
                                              : put(run, q, o ? keep : NULL, now_ms, changed, err);
        free(idx);
        free(keep);
        if (st != SK_OK)
            return st;
    }
    return SK_OK;
}

sk_status sk_run_update(sk_run *run, int64_t now_ms, sk_error *err)
{
    if (!run)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_update: NULL run");
    if (now_ms == 0)
        now_ms = sk_now_ms();
    run->now_ms = now_ms;
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        bool changed = false;
        sk_status st = update_calculations(run, now_ms, &changed, err);
        if (st == SK_OK)
            st = update_relevance(run, now_ms, &changed, err);
        if (st == SK_OK)
            st = update_filtered(run, now_ms, &changed, err);
        if (st == SK_OK)
            st = update_filled(run, now_ms, false, &changed, err);
        if (st != SK_OK)
            return st;
        if (!changed)
            break;
    }
    bool ignored = false;
    sk_status st = update_filled(run, now_ms, true, &ignored, err);
    return st == SK_OK ? update_flags(run, now_ms, err) : st;
}

bool sk_run_relevant(const sk_run *run, int q)
{
    return run && q >= 0 && (size_t)q < run->form->n_q && run->relevant[q];
}

bool sk_run_required(const sk_run *run, int q)
{
    return run && q >= 0 && (size_t)q < run->form->n_q && run->required[q];
}

bool sk_run_read_only(const sk_run *run, int q)
{
    return run && q >= 0 && (size_t)q < run->form->n_q && run->read_only[q];
}

static bool is_integer(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static bool is_decimal(const char *s)
{
    if (*s == '-')
        s++;
    int digits = 0, dots = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (*s == '.' && !dots)
            dots++;
        else
            return false;
    }
    return digits > 0;
}

static bool is_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

static bool is_time(const char *s)
{
    int h, m;
    char tail;
    return strlen(s) == 5 && sscanf(s, "%2d:%2d%c", &h, &m, &tail) == 2 && h >= 0 && h < 24 &&
           m >= 0 && m < 60;
}

static const char *message(const sk_run *run, char *const *texts, const char *fallback)
{
    const char *m = sk_form_text(run->form, texts, run->lang);
    return (m && *m) ? m : fallback;
}

bool sk_run_check(const sk_run *run, int q, const char **msg)
{
    if (!sk_run_relevant(run, q) || run->read_only[q])
        return true;
    const sk_question *qq = &run->form->q[q];
    const char *v = sk_answers_get(run->answers, qq->name);
    bool empty = !v || !*v;
    if (qq->type == SK_Q_ACKNOWLEDGE)
        empty = !v || (strcmp(v, "OK") != 0 && strcmp(v, "yes") != 0);
    if (run->required[q] && empty) {
        if (msg)
            *msg = message(run, qq->required_message,
                           qq->type == SK_Q_ACKNOWLEDGE ? "Please tick this box to continue."
                                                        : "This question requires an answer.");
        return false;
    }
    if (empty)
        return true;
    const char *bad = NULL;
    switch (qq->type) {
    case SK_Q_INTEGER: if (!is_integer(v)) bad = "Please enter a whole number."; break;
    case SK_Q_DECIMAL: if (!is_decimal(v)) bad = "Please enter a number."; break;
    case SK_Q_DATE: if (!is_date(v)) bad = "Please enter a date."; break;
    case SK_Q_TIME: if (!is_time(v)) bad = "Please enter a time."; break;
    case SK_Q_RANGE: {
        double x = strtod(v, NULL);
        if (!is_decimal(v) || x < fmin(qq->range_start, qq->range_end) ||
            x > fmax(qq->range_start, qq->range_end))
            bad = "Please choose a value on the scale.";
        break;
    }
    default: break;
    }
    if (!bad && qq->constraint) {
        bool ok = true;
        sk_eval_ctx ctx = context(run, v, run->now_ms);
        if (sk_expr_eval_bool(qq->constraint, &ctx, &ok, NULL) != SK_OK || !ok)
            bad = message(run, qq->constraint_message, "This answer is not accepted.");
    }
    if (bad) {
        if (msg)
            *msg = bad;
        return false;
    }
    return true;
}

bool sk_run_page_ok(const sk_run *run, size_t page, int *first_bad)
{
    if (first_bad)
        *first_bad = -1;
    if (!run || page >= run->form->n_pages)
        return false;
    const sk_page *p = &run->form->pages[page];
    for (size_t i = 0; i < p->n; i++)
        if (!sk_run_check(run, p->q[i], NULL)) {
            if (first_bad)
                *first_bad = p->q[i];
            return false;
        }
    return true;
}

size_t sk_run_choices(const sk_run *run, int q, size_t *idx, size_t max)
{
    const sk_choice_list *list = sk_form_choices(run->form, q);
    if (!list)
        return 0;
    const sk_question *qq = &run->form->q[q];
    sk_run *mut = (sk_run *)run; /* the filter's "current choice" is scratch state */
    size_t n = 0;
    for (size_t i = 0; i < list->n && n < max; i++) {
        bool keep = true;
        if (qq->choice_filter) {
            mut->filter_choice = &list->choices[i];
            mut->filter_label = sk_form_text(run->form, list->choices[i].label, run->lang);
            sk_eval_ctx ctx = context(run, NULL, run->now_ms);
            if (sk_expr_eval_bool(qq->choice_filter, &ctx, &keep, NULL) != SK_OK)
                keep = false;
            mut->filter_choice = NULL;
        }
        if (keep)
            idx[n++] = i;
    }
    return n;
}

static bool page_shown(const sk_run *run, int page)
{
    const sk_page *p = &run->form->pages[page];
    if (p->group >= 0 && !run->relevant[p->group])
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (run->relevant[p->q[i]])
            return true;
    return false;
}

int sk_run_next_page(const sk_run *run, int page)
{
    if (!run)
        return -1;
    for (int p = page < 0 ? 0 : page + 1; (size_t)p < run->form->n_pages; p++)
        if (page_shown(run, p))
            return p;
    return -1;
}

int sk_run_prev_page(const sk_run *run, int page)
{
    if (!run)
        return -1;
    if ((size_t)page > run->form->n_pages)
        page = (int)run->form->n_pages;
    for (int p = page - 1; p >= 0; p--)
        if (page_shown(run, p))
            return p;
    return -1;
}

void sk_run_progress(const sk_run *run, int page, size_t *done, size_t *total)
{
    size_t d = 0, t = 0;
    for (size_t p = 0; run && p < run->form->n_pages; p++) {
        if (!page_shown(run, (int)p))
            continue;
        t++;
        if ((int)p < page)
            d++;
    }
    if (done)
        *done = d;
    if (total)
        *total = t;
}

const char *sk_run_choice_label(const sk_run *run, int q, const char *value)
{
    const sk_choice_list *list = run ? sk_form_choices(run->form, q) : NULL;
    if (!list || !value)
        return NULL;
    for (size_t i = 0; i < list->n; i++)
        if (strcmp(list->choices[i].name, value) == 0)
            return sk_form_text(run->form, list->choices[i].label, run->lang);
    return NULL;
}

/* Append n bytes to out at *len, keeping room for the NUL; *len counts all. */
static void append(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (size > 0 && *len < size - 1) {
        size_t room = size - 1 - *len;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
}

/* The answer to name as a participant reads it. */
static void append_answer(const sk_run *run, const char *name, char *out, size_t size,
                          size_t *len)
{
    int q = sk_form_find(run->form, name);
    const char *v = sk_answers_get(run->answers, name);
    if (q < 0 || !v)
        return;
    sk_qtype t = run->form->q[q].type;
    if (t != SK_Q_SELECT_ONE && t != SK_Q_SELECT_MULTIPLE) {
        append(out, size, len, v, strlen(v));
        return;
    }
    bool first = true;
    for (const char *p = v; *p;) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        if (e == p)
            break;
        char choice[256];
        snprintf(choice, sizeof choice, "%.*s", (int)(e - p), p);
        const char *label = sk_run_choice_label(run, q, choice);
        if (!first)
            append(out, size, len, ", ", 2);
        append(out, size, len, label ? label : choice, strlen(label ? label : choice));
        first = false;
        p = e;
    }
}

size_t sk_run_interpolate(const sk_run *run, const char *text, char *out, size_t size)
{
    size_t len = 0;
    for (const char *p = text ? text : ""; *p;) {
        const char *ref = strstr(p, "${");
        const char *close = ref ? strchr(ref + 2, '}') : NULL;
        if (!ref || !close) {
            append(out, size, &len, p, strlen(p));
            break;
        }
        append(out, size, &len, p, (size_t)(ref - p));
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(close - ref - 2), ref + 2);
        if (run)
            append_answer(run, name, out, size, &len);
        p = close + 1;
    }
    if (size > 0)
        out[len < size ? len : size - 1] = '\0';
    return len;
}
