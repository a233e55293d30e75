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
 *
 * Repeats: a question inside a repeat is evaluated once per instance, with
 * ${x} of a sibling read in the same instance (ODK's relative references);
 * its relevance, required and read-only flags are kept per instance.  The
 * number of instances is the repeat's own answer entry; repeat_count sets it
 * at every pass, otherwise sk_run_add_instance/sk_run_remove_instance do.
 * The queries (sk_run_relevant, sk_run_check ...) answer for the instance
 * chosen with sk_run_set_instance.
 */
#include <math.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk/expr.h"
#include "runtime_internal.h"

#include "csv_instance.h"

/* The passes settle in one or two rounds in real forms; a form whose
 * calculations feed back through relevance gets this many before we stop. */
#define MAX_PASSES 8


const char *rt_lookup(void *user, const char *name)
{
    const sk_run *run = user;
    int q = sk_form_find(run->form, name);
    if (q < 0 || run->form->q[q].repeat < 0)
        return sk_answers_get(run->answers, name);
    if (run->form->q[q].is_repeat)
        return NULL; /* a repeat has no single value */
    const char *path = rt_path_of(run, q);
    if (path)
        return sk_answers_get_at(run->answers, path, name);
    /* From outside the repeat (a label): XPath's string() of the node-set,
     * which is its first node. */
    char buf[160];
    return sk_answers_get_at(run->answers, rt_inst_path(run, run->form->q[q].repeat, 1, buf,
                                                     sizeof buf), name);
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
    sk_eval_ctx ctx = {.lookup = rt_lookup,
                       .choice_label = choice_label_cb,
                       .user = (void *)run,
                       .self = self,
                       .now_ms = now_ms,
                       .column = column_cb,
                       .instance_rows = instance_rows_cb,
                       .instance_value = instance_value_cb,
                       .property = property_cb,
                       .count = rt_count_cb,
                       .nth = rt_nth_cb,
                       .position = run->ctx_inst};
    return ctx;
}

static sk_section section_of(const sk_question *q)
{
    return q->in_consent ? SK_SECTION_CONSENT : SK_SECTION_RESPONSE;
}

/* now() and today(), which start, end and today questions are filled with:
 * compiled once for the process and shared, read-only, by every run (export
 * and report start a run per record, and compiling them cost more than
 * evaluating the form's skip logic).  Never freed: they live as long as the
 * process, like a constant. */
static sk_expr *clock_now, *clock_today;
static sk_status clock_status;
static sk_error clock_err;

static void compile_clock_exprs(void)
{
    clock_status = sk_expr_compile("now()", &clock_now, &clock_err);
    if (clock_status == SK_OK)
        clock_status = sk_expr_compile("today()", &clock_today, &clock_err);
}

static sk_status clock_exprs(sk_run *run, sk_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, compile_clock_exprs);
    if (clock_status != SK_OK)
        return sk_error_set(err, clock_status, "%s", clock_err.message);
    run->now_expr = clock_now;
    run->today_expr = clock_today;
    return SK_OK;
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
        st = clock_exprs(run, err);
    if (st != SK_OK) {
        sk_run_free(run);
        return st;
    }
    /* Until the first update everything that is not inside a hidden group counts as shown. */
    for (size_t i = 0; i < form->n_q; i++)
        run->relevant[i] = true;
    run->ctx_repeat = -1;
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
    free(run->irel);
    free(run->ireq);
    free(run->iro);
    free(run->device_id);
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
sk_status rt_put(sk_run *run, const sk_question *q, const char *value, int64_t now_ms,
                     bool *changed, sk_error *err)
{
    const char *path = rt_path_of(run, (int)(q - run->form->q));
    const char *cur = sk_answers_get_at(run->answers, path, q->name);
    if ((cur == NULL && value == NULL) || (cur && value && strcmp(cur, value) == 0))
        return SK_OK;
    *changed = true;
    sk_status st = sk_answers_set_at(run->answers, path, q->name, value, section_of(q), now_ms);
    if (st != SK_OK)
        return sk_error_set(err, st, "out of memory recording an answer");
    return SK_OK;
}

static sk_status eval_error(const sk_run *run, const sk_question *q, const char *what,
                            const sk_error *inner, sk_error *err)
{
    if (run->ctx_inst)
        return sk_error_set_at(err, inner->status, run->form->source_name, "survey", q->row,
                               what, "the %s of '%s' in %s cannot be evaluated: %s", what,
                               q->name, run->ctx_path, inner->message);
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
        int qi = f->calc_order[k];
        const sk_question *q = &f->q[qi];
        if (!q->calculation)
            continue;
        /* Outside repeats once; inside, once per instance (n = 0: none). */
        size_t n = q->repeat >= 0 ? sk_run_instances(run, q->repeat) : 1;
        for (size_t inst = 1; inst <= n; inst++) {
            rt_enter(run, qi, inst);
            char *value = NULL;
            if (*rt_flag(run, run->relevant, run->irel, qi)) {
                sk_status st =
                    eval_string(run, q, q->calculation, "calculation", now_ms, &value, err);
                if (st != SK_OK)
                    return st;
            }
            sk_status st = rt_put(run, q, value, now_ms, changed, err);
            free(value);
            if (st != SK_OK)
                return st;
        }
    }
    rt_enter(run, -1, 0);
    return SK_OK;
}

/* A hidden repeat has no instances; repeat_count decides how many a shown one has. */
static sk_status update_count(sk_run *run, int r, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_question *q = &run->form->q[r];
    size_t n = sk_run_instances(run, r);
    if (!run->relevant[r]) {
        n = 0;
    } else if (q->repeat_count) {
        sk_eval_ctx ctx = context(run, NULL, now_ms);
        sk_error inner;
        double d = 0;
        if (sk_expr_eval_number(q->repeat_count, &ctx, &d, &inner) != SK_OK)
            return eval_error(run, q, "repeat_count", &inner, err);
        /* Empty or not a number (not answered yet): no instances, as in ODK. */
        n = !(d >= 1) ? 0 : d > SK_RUN_MAX_INSTANCES ? SK_RUN_MAX_INSTANCES : (size_t)d;
    }
    return rt_set_count(run, r, n, now_ms, changed, err);
}

static sk_status update_relevance(sk_run *run, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        size_t n = (q->repeat >= 0 && !q->is_repeat) ? sk_run_instances(run, q->repeat) : 1;
        for (size_t inst = 1; inst <= n; inst++) {
            rt_enter(run, (int)i, inst);
            bool rel = q->parent < 0 || *rt_flag(run, run->relevant, run->irel, q->parent);
            if (q->type != SK_Q_END_GROUP && rel && q->relevant) {
                sk_status st = eval_bool(run, q, q->relevant, "relevant", NULL, now_ms, &rel, err);
                if (st != SK_OK)
                    return st;
            }
            *rt_flag(run, run->relevant, run->irel, (int)i) = rel;
            /* An answer hidden by skip logic is not recorded. Metadata stays. */
            if (!rel && q->type != SK_Q_BEGIN_GROUP && q->type != SK_Q_END_GROUP &&
                q->type < SK_Q_START) {
                sk_status st = rt_put(run, q, NULL, now_ms, changed, err);
                if (st != SK_OK)
                    return st;
            }
        }
        rt_enter(run, -1, 0);
        if (q->is_repeat) {
            sk_status st = update_count(run, (int)i, now_ms, changed, err);
            if (st != SK_OK)
                return st;
        }
    }
    return SK_OK;
}

static sk_status fill_one(sk_run *run, const sk_question *q, int i, int64_t now_ms,
                          bool *changed, sk_error *err);

/* Defaults (every pass) or metadata (once, after the passes settle: "end"
 * changes at every update by design and depends on nothing). */
static sk_status update_filled(sk_run *run, int64_t now_ms, bool metadata, bool *changed,
                               sk_error *err)
{
    const sk_form *f = run->form;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        if (metadata != (q->type >= SK_Q_START))
            continue;
        size_t n = (q->repeat >= 0 && !q->is_repeat) ? sk_run_instances(run, q->repeat) : 1;
        for (size_t inst = 1; inst <= n; inst++) {
            rt_enter(run, (int)i, inst);
            sk_status st = fill_one(run, q, (int)i, now_ms, changed, err);
            if (st != SK_OK)
                return st;
        }
        rt_enter(run, -1, 0);
    }
    return SK_OK;
}

static sk_status fill_one(sk_run *run, const sk_question *q, int i, int64_t now_ms,
                          bool *changed, sk_error *err)
{
    {
        sk_status st = SK_OK;
        char *value = NULL;
        const char *path = rt_path_of(run, i);
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
            if (q->default_value && q->default_value[0] &&
                *rt_flag(run, run->relevant, run->irel, i) && q->type != SK_Q_CALCULATE &&
                !sk_answers_find_at(run->answers, path, q->name))
                value = strdup(q->default_value);
            break;
        }
        if (st == SK_OK && value)
            st = rt_put(run, q, value, now_ms, changed, err);
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
        size_t n = (q->repeat >= 0 && !q->is_repeat) ? sk_run_instances(run, q->repeat) : 1;
        for (size_t inst = 1; inst <= n; inst++) {
            rt_enter(run, (int)i, inst);
            bool req = false, ro = false;
            if (*rt_flag(run, run->relevant, run->irel, (int)i)) {
                const char *self = sk_answers_get_at(run->answers, rt_path_of(run, (int)i), q->name);
                sk_status st = SK_OK;
                if (q->required)
                    st = eval_bool(run, q, q->required, "required", self, now_ms, &req, err);
                if (st == SK_OK && q->read_only)
                    st = eval_bool(run, q, q->read_only, "read_only", self, now_ms, &ro, err);
                if (st != SK_OK)
                    return st;
            }
            *rt_flag(run, run->required, run->ireq, (int)i) = req;
            *rt_flag(run, run->read_only, run->iro, (int)i) = ro;
        }
        rt_enter(run, -1, 0);
    }
    return SK_OK;
}

/* A select's answer that its choice_filter no longer offers is removed (for
 * select_multiple, just those choices), as JavaRosa does since 2019
 * (getodk/javarosa#437): change the region and the district chosen for the
 * old one does not stay behind unseen. */
/* One select's answer (in the run's current instance) against its filter. */
static sk_status filter_one(sk_run *run, const sk_question *q, int i, int64_t now_ms,
                            bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    rt_at(run, i);
    const char *cur = sk_answers_get_at(run->answers, rt_path_of(run, i), q->name);
    if (!cur || !*cur)
        return SK_OK;
    const sk_choice_list *l = &f->lists[q->list];
    size_t *idx = malloc((l->n ? l->n : 1) * sizeof *idx);
    char *keep = malloc(strlen(cur) + 1);
    if (!idx || !keep) {
        free(idx);
        free(keep);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory filtering choices");
    }
    size_t n = sk_run_choices(run, i, idx, l->n);
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
                                          : rt_put(run, q, o ? keep : NULL, now_ms, changed, err);
    free(idx);
    free(keep);
    return st;
}

static sk_status update_filtered(sk_run *run, int64_t now_ms, bool *changed, sk_error *err)
{
    const sk_form *f = run->form;
    size_t saved_inst = run->cur_inst;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        if (!q->choice_filter || q->list < 0)
            continue;
        /* Inside a repeat: each instance's answer against its own filter. */
        size_t n_inst = (q->repeat >= 0 && !q->is_repeat) ? sk_run_instances(run, q->repeat) : 1;
        for (size_t inst = 1; inst <= n_inst; inst++) {
            run->cur_inst = q->repeat >= 0 ? inst : saved_inst;
            sk_status st = filter_one(run, q, (int)i, now_ms, changed, err);
            if (st != SK_OK) {
                run->cur_inst = saved_inst;
                rt_enter(run, -1, 0);
                return st;
            }
        }
    }
    run->cur_inst = saved_inst;
    rt_enter(run, -1, 0);
    return SK_OK;
}

sk_status sk_run_update(sk_run *run, int64_t now_ms, sk_error *err)
{
    if (!run)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_update: NULL run");
    if (now_ms == 0)
        now_ms = sk_now_ms();
    run->now_ms = now_ms;
    rt_enter(run, -1, 0);
    /* Answers read from a record (the report) arrive with their instances:
     * room for their flags before the first pass reads them. */
    for (size_t r = 0; r < run->form->n_repeats; r++)
        if (rt_grow_instances(run, sk_run_instances(run, run->form->repeats[r])) != SK_OK)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading repeat instances");
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
    if (st == SK_OK)
        st = update_flags(run, now_ms, err);
    return st;
}

bool sk_run_relevant(const sk_run *run, int q)
{
    if (!run || q < 0 || (size_t)q >= run->form->n_q)
        return false;
    rt_at(run, q);
    return rt_exists(run, q) && *rt_flag(run, run->relevant, run->irel, q);
}

bool sk_run_required(const sk_run *run, int q)
{
    if (!run || q < 0 || (size_t)q >= run->form->n_q)
        return false;
    rt_at(run, q);
    return rt_exists(run, q) && *rt_flag(run, run->required, run->ireq, q);
}

bool sk_run_read_only(const sk_run *run, int q)
{
    if (!run || q < 0 || (size_t)q >= run->form->n_q)
        return false;
    rt_at(run, q);
    return rt_exists(run, q) && *rt_flag(run, run->read_only, run->iro, q);
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

/* dateTime as ODK writes it: YYYY-MM-DDTHH:MM[:SS[.sss]] and a zone (Z or
 * +HH:MM / -HH:MM), which the kiosk always writes. */
static bool is_datetime(const char *s)
{
    char date[11];
    if (strlen(s) < 16 || s[10] != 'T')
        return false;
    memcpy(date, s, 10);
    date[10] = '\0';
    char hm[6];
    memcpy(hm, s + 11, 5);
    hm[5] = '\0';
    if (!is_date(date) || !is_time(hm))
        return false;
    const char *p = s + 16;
    if (p[0] == ':' && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) && p[1] < '6')
        p += 3;
    if (p[0] == '.' && isdigit((unsigned char)p[1]))
        for (p++; isdigit((unsigned char)*p);)
            p++;
    if (strcmp(p, "Z") == 0 || *p == '\0')
        return true;
    int zh, zm;
    char tail;
    return (*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
           sscanf(p + 1, "%2d:%2d%c", &zh, &zm, &tail) == 2 && zh <= 14 && zm < 60;
}

static const char *message(const sk_run *run, char *const *texts, const char *fallback)
{
    const char *m = sk_form_text(run->form, texts, run->lang);
    return (m && *m) ? m : fallback;
}

bool sk_run_check(const sk_run *run, int q, const char **msg)
{
    if (!sk_run_relevant(run, q) || sk_run_read_only(run, q))
        return true;
    const sk_question *qq = &run->form->q[q];
    const char *v = sk_run_answer(run, q); /* leaves the context at q's instance */
    bool empty = !v || !*v;
    if (qq->type == SK_Q_ACKNOWLEDGE)
        empty = !v || (strcmp(v, "OK") != 0 && strcmp(v, "yes") != 0);
    if (*rt_flag(run, run->required, run->ireq, q) && empty) {
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
    case SK_Q_DATETIME: if (!is_datetime(v)) bad = "Please enter a date and a time."; break;
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
    rt_at(run, q);
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
    if (p->group >= 0 && !sk_run_relevant(run, p->group))
        return false;
    for (size_t i = 0; i < p->n; i++)
        if (sk_run_relevant(run, p->q[i]))
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
    if (q >= 0)
        rt_at(run, q);
    const char *v = q >= 0 ? rt_lookup((void *)run, name) : NULL;
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
