/* form_check.c - the checks that need the whole form: expressions and the
 * names they refer to, circular calculations (and the calculation order),
 * labels, defaults, the consent section, and the pages the kiosk shows. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_internal.h"
#include "sk/expr.h"

const char *const form_expr_column[EX_COUNT] = {"relevant", "constraint", "calculation",
                                               "choice_filter", "required", "read_only",
                                               "repeat_count"};

static int shown(sk_qtype t)
{
    return t != SK_Q_CALCULATE && t != SK_Q_HIDDEN && t != SK_Q_START && t != SK_Q_END &&
           t != SK_Q_TODAY && t != SK_Q_DEVICEID && t != SK_Q_BEGIN_GROUP &&
           t != SK_Q_END_GROUP && t != SK_Q_UNCOLLECTED;
}

static int is_yes_no(const char *s, int *yes)
{
    /* pyxform's yes_no (aliases.py); an Excel boolean cell reads TRUE/FALSE */
    static const char *const y[] = {"yes", "true", "true()", NULL};
    static const char *const n[] = {"no", "false", "false()", NULL};
    for (int i = 0; y[i]; i++)
        if (strcasecmp(s, y[i]) == 0)
            return *yes = 1;
    for (int i = 0; n[i]; i++)
        if (strcasecmp(s, n[i]) == 0) {
            *yes = 0;
            return 1;
        }
    return 0;
}

/* A bare name in a choice_filter is a column of the question's choice list. */
static void check_filter_columns(form_ctx *c, const sk_question *q, unsigned col, const sk_expr *e)
{
    const sk_form *f = &c->f->pub;
    const sk_choice_list *list = q->list >= 0 ? &f->lists[q->list] : NULL;
    for (size_t i = 0; i < sk_expr_column_count(e); i++) {
        const char *name = sk_expr_column(e, i);
        int found = strcmp(name, "name") == 0 || strcmp(name, "label") == 0;
        for (size_t k = 0; list && !found && k < list->n; k++)
            for (size_t x = 0; x < list->choices[k].n_extra && !found; x++)
                found = strcmp(list->choices[k].extra_name[x], name) == 0;
        if (!found)
            form_problem(c, "survey", q->row, col,
                         "the choice_filter uses '%s', which is not a column of the choices "
                         "sheet for list '%s'; add the column or write ${%s} for a question",
                         name, list ? list->name : "?", name);
    }
}

static void compile_one(form_ctx *c, sk_question *q, const q_cols *qc, expr_slot slot)
{
    char *srcs[EX_COUNT] = {q->relevant_src, q->constraint_src, q->calculation_src,
                            q->choice_filter_src, q->required_src, q->read_only_src,
                            q->repeat_count_src};
    sk_expr **outs[EX_COUNT] = {&q->relevant, &q->constraint, &q->calculation,
                                &q->choice_filter, &q->required, &q->read_only,
                                &q->repeat_count};
    const char *src = srcs[slot];
    if (!src || !*src)
        return;
    if (q->type == SK_Q_UNCOLLECTED && slot == EX_CHOICE_FILTER)
        return; /* its choices are never drawn */
    int yes;
    if ((slot == EX_REQUIRED || slot == EX_READ_ONLY) && is_yes_no(src, &yes)) {
        if (!yes)
            return; /* "no": not required, nothing to evaluate */
        src = "true()";
    }
    /* relevant yes/TRUE: always asked (no expression); no/FALSE: never */
    if (slot == EX_RELEVANT && is_yes_no(src, &yes)) {
        if (yes)
            return;
        src = "false()";
    }
    sk_error err;
    sk_error_clear(&err);
    sk_status st = slot == EX_CHOICE_FILTER ? sk_expr_compile_filter(src, outs[slot], &err)
                                            : sk_expr_compile(src, outs[slot], &err);
    if (st == SK_ERR_NOMEM) {
        c->nomem = 1;
        return;
    }
    if (st != SK_OK) {
        /* A message holds 512 bytes: quote at most 60 characters of a long
         * source so the reason after it is not lost, with its line breaks
         * escaped so the message stays on one line. */
        char quoted[300];
        form_problem(c, "survey", q->row, qc->col[slot], "syntax error in %s \"%s\": %s",
                     form_expr_column[slot], sk_expr_quote(quoted, sizeof quoted, src, 60),
                     err.message);
        return;
    }
    if (slot == EX_CHOICE_FILTER)
        check_filter_columns(c, q, qc->col[slot], *outs[slot]);
    /* instance('l') and pulldata('l', ...) read a choice list of the form,
     * or else the CSV file l.csv that the pack carries (as in ODK). */
    for (size_t i = 0; i < sk_expr_instance_count(*outs[slot]); i++) {
        const char *id = sk_expr_instance(*outs[slot], i);
        int found = 0;
        for (size_t k = 0; k < c->f->pub.n_lists && !found; k++)
            found = strcmp(c->f->pub.lists[k].name, id) == 0;
        if (!found) /* then a CSV file beside the form: form_media_check */
            form_note_data_file(c, id, q->row, qc->col[slot], form_expr_column[slot]);
    }
    for (size_t i = 0; i < sk_expr_ref_count(*outs[slot]); i++) {
        const char *ref = sk_expr_ref(*outs[slot], i);
        if (form_name_ambiguous(c, ref)) {
            form_problem(c, "survey", q->row, qc->col[slot],
                         "the %s refers to ${%s}, but several questions in different groups "
                         "are called '%s'; rename one so that the reference is clear",
                         form_expr_column[slot], ref, ref);
            continue;
        }
        if (sk_form_find(&c->f->pub, ref) >= 0)
            continue;
        const refused_row *rr = NULL;
        for (size_t k = 0; k < c->n_refused && !rr; k++)
            if (strcmp(c->refused[k].name, ref) == 0)
                rr = &c->refused[k];
        if (rr)
            form_problem(c, "survey", q->row, qc->col[slot],
                         "the %s refers to ${%s}, whose row (survey row %u) is refused for its "
                         "type '%s'",
                         form_expr_column[slot], ref, rr->row, rr->type);
        else
            form_problem(c, "survey", q->row, qc->col[slot],
                         "the %s refers to ${%s}, which is not a question in this form; "
                         "check the name",
                         form_expr_column[slot], ref);
    }
}

/* Depth-first search over calculate -> calculate references: a grey node met
 * again closes a cycle; the black post-order is the calculation order. */
typedef struct calc_walk {
    form_ctx *c;
    unsigned char *colour; /* 0 white, 1 grey, 2 black */
    int *path;
    size_t depth;
    int *order;
    size_t n_order;
} calc_walk;

static void visit(calc_walk *w, int q)
{
    sk_form *f = &w->c->f->pub;
    w->colour[q] = 1;
    w->path[w->depth++] = q;
    const sk_expr *e = f->q[q].calculation;
    for (size_t i = 0; e && i < sk_expr_ref_count(e); i++) {
        int d = sk_form_find(f, sk_expr_ref(e, i));
        if (d < 0 || f->q[d].type != SK_Q_CALCULATE)
            continue;
        if (w->colour[d] == 1) {
            char cycle[1024] = "";
            size_t start = w->depth;
            while (start > 0 && w->path[start - 1] != d)
                start--;
            for (size_t k = start - 1; k < w->depth; k++) {
                strncat(cycle, f->q[w->path[k]].name, sizeof cycle - strlen(cycle) - 1);
                strncat(cycle, " -> ", sizeof cycle - strlen(cycle) - 1);
            }
            strncat(cycle, f->q[d].name, sizeof cycle - strlen(cycle) - 1);
            form_problem(w->c, "survey", f->q[q].row, w->c->qcols[q].col[EX_CALCULATION],
                         "circular calculation: %s; one of them must not depend on the "
                         "others",
                         cycle);
        } else if (w->colour[d] == 0) {
            visit(w, d);
        }
    }
    w->depth--;
    w->colour[q] = 2;
    w->order[w->n_order++] = q;
}

static void order_calculations(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    calc_walk w = {.c = c};
    w.colour = calloc(f->n_q + 1, 1);
    w.path = malloc((f->n_q + 1) * sizeof *w.path);
    w.order = malloc((f->n_q + 1) * sizeof *w.order);
    if (!w.colour || !w.path || !w.order) {
        c->nomem = 1;
        free(w.colour);
        free(w.path);
        free(w.order);
        return;
    }
    for (size_t i = 0; i < f->n_q; i++)
        if (f->q[i].type == SK_Q_CALCULATE && w.colour[i] == 0)
            visit(&w, (int)i);
    free(w.colour);
    free(w.path);
    f->calc_order = w.order;
    f->n_calc = w.n_order;
}

static int has_text(const sk_form *f, char **t)
{
    for (size_t i = 0; t && i < f->n_langs; i++)
        if (t[i])
            return 1;
    return 0;
}

static const sk_choice *find_choice(const sk_choice_list *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->choices[i].name) == len && strncmp(l->choices[i].name, name, len) == 0)
            return &l->choices[i];
    return NULL;
}

static void check_default(form_ctx *c, const sk_question *q, unsigned col)
{
    const sk_form *f = &c->f->pub;
    const char *d = q->default_value;
    if (!d || !*d)
        return;
    if ((q->type == SK_Q_SELECT_ONE || q->type == SK_Q_SELECT_MULTIPLE) && q->list >= 0) {
        const sk_choice_list *l = &f->lists[q->list];
        if (q->type == SK_Q_SELECT_ONE) {
            if (!find_choice(l, d, strlen(d)))
                form_problem(c, "survey", q->row, col,
                             "the default '%s' is not a choice of list '%s'", d, l->name);
            return;
        }
        for (const char *p = d; *p;) {
            while (*p == ' ')
                p++;
            size_t n = strcspn(p, " ");
            if (n && !find_choice(l, p, n))
                form_problem(c, "survey", q->row, col,
                             "the default '%.*s' is not a choice of list '%s'", (int)n, p,
                             l->name);
            p += n;
        }
    } else if (q->type == SK_Q_INTEGER || q->type == SK_Q_DECIMAL || q->type == SK_Q_RANGE) {
        char *end;
        if (q->type == SK_Q_INTEGER)
            (void)strtoll(d, &end, 10);
        else
            (void)strtod(d, &end);
        if (*end)
            form_problem(c, "survey", q->row, col, "the default '%s' is not a %s", d,
                         q->type == SK_Q_INTEGER ? "whole number" : "number");
    }
}

/* The consent section: one group, at the top level, before any question,
 * holding only clauses (acknowledge), the information sheet (notes), a name
 * (text) and a signature. */
static void check_consent(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    int seen_question = -1;
    for (size_t i = 0; i < f->n_q; i++) {
        sk_question *q = &f->q[i];
        if (q->type == SK_Q_BEGIN_GROUP && (q->appearance & SK_AP_CONSENT)) {
            if (f->consent_group >= 0) {
                form_problem(c, "survey", q->row, c->qcols[i].appearance_col,
                             "a second consent group; a form has at most one consent "
                             "section (the first is on row %u)",
                             f->q[f->consent_group].row);
                continue;
            }
            f->consent_group = (int)i;
            if (q->parent >= 0)
                form_problem(c, "survey", q->row, c->qcols[i].appearance_col,
                             "the consent group must not be inside another group");
            if (seen_question >= 0)
                form_problem(c, "survey", q->row, c->qcols[i].appearance_col,
                             "the consent group must come before the questions (row %u "
                             "asks '%s' first); move it to the top",
                             f->q[seen_question].row, f->q[seen_question].name);
            int end = q->group_end >= 0 ? q->group_end : (int)f->n_q; /* exclusive */
            for (int k = (int)i + 1; k < end; k++) {
                sk_question *m = &f->q[k];
                m->in_consent = true;
                if (m->type == SK_Q_ACKNOWLEDGE || m->type == SK_Q_NOTE ||
                    m->type == SK_Q_TEXT || m->type == SK_Q_SIGNATURE)
                    continue;
                form_problem(c, "survey", m->row, 0,
                             "a %s row inside the consent group; the consent section holds "
                             "only acknowledge (clauses), note (information sheet), text (a "
                             "name) and image with appearance signature",
                             m->source_type ? m->source_type : sk_qtype_name(m->type));
            }
            if (q->group_end >= 0)
                i = (size_t)q->group_end;
        } else if (shown(q->type) && seen_question < 0) {
            seen_question = (int)i;
        }
    }
}

/* quote_consent and identifying (docs/XLSFORM.md, "Quotation consent and
 * identifiers").  Both decide what leaves the researcher's machine, so a
 * mistake is refused here rather than guessed at export: a clause name that
 * names nothing would otherwise let no answer (or every answer) through. */
static void check_ethics(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_q; i++) {
        sk_question *q = &f->q[i];
        const q_cols *qc = &c->qcols[i];
        if (q->identifying &&
            (q->type == SK_Q_NOTE || q->type == SK_Q_BEGIN_GROUP || q->type == SK_Q_END_GROUP))
            form_problem(c, "survey", q->row, qc->identifying_col,
                         "identifying on a %s row, which holds no answer; mark the questions "
                         "whose answers identify the participant",
                         sk_qtype_name(q->type));
        if (!q->quote_consent || !*q->quote_consent)
            continue;
        if (q->type != SK_Q_TEXT || q->in_consent) {
            form_problem(c, "survey", q->row, qc->quote_consent_col,
                         "quote_consent on '%s' (%s%s); only free-text questions of the "
                         "questionnaire are quoted, so only they take a quotation clause",
                         q->name, q->in_consent ? "in the consent section, " : "",
                         sk_qtype_name(q->type));
            continue;
        }
        if (q->identifying) {
            form_problem(c, "survey", q->row, qc->quote_consent_col,
                         "'%s' is both identifying and quoted (quote_consent); identifying "
                         "answers are never quoted, so remove one of the two",
                         q->name);
            continue;
        }
        int k = sk_form_find(f, q->quote_consent);
        if (k < 0 || !f->q[k].in_consent || f->q[k].type != SK_Q_ACKNOWLEDGE) {
            form_problem(c, "survey", q->row, qc->quote_consent_col,
                         "quote_consent '%s' is not a clause of the consent section; name "
                         "an acknowledge row inside the group with appearance consent",
                         q->quote_consent);
            continue;
        }
        q->quote_clause = k;
    }
}

static int add_page(form_ctx *c, int group, bool consent)
{
    sk_form *f = &c->f->pub;
    sk_page *p = realloc(f->pages, (f->n_pages + 1) * sizeof *p);
    if (!p) {
        c->nomem = 1;
        return -1;
    }
    f->pages = p;
    p = &f->pages[f->n_pages++];
    memset(p, 0, sizeof *p);
    p->group = group;
    p->consent = consent;
    p->repeat = -1;
    return 0;
}

static void page_add_q(form_ctx *c, sk_page *p, int q)
{
    int *qs = realloc(p->q, (p->n + 1) * sizeof *qs);
    if (!qs) {
        c->nomem = 1;
        return;
    }
    p->q = qs;
    p->q[p->n++] = q;
}

static void build_pages(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_q && !c->nomem; i++) {
        const sk_question *q = &f->q[i];
        unsigned page_group = SK_AP_FIELD_LIST | SK_AP_TABLE_LIST | SK_AP_CONSENT;
        if (q->type == SK_Q_BEGIN_GROUP && (q->appearance & page_group) && q->group_end >= 0) {
            if (add_page(c, (int)i, (q->appearance & SK_AP_CONSENT) != 0))
                return;
            sk_page *p = &f->pages[f->n_pages - 1];
            p->repeat = q->repeat;
            for (int k = (int)i + 1; k < q->group_end; k++)
                if (shown(f->q[k].type))
                    page_add_q(c, p, k);
            i = (size_t)q->group_end;
        } else if (shown(q->type)) {
            if (add_page(c, -1, false))
                return;
            f->pages[f->n_pages - 1].repeat = q->repeat;
            page_add_q(c, &f->pages[f->n_pages - 1], (int)i);
        }
    }
}

void form_check(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_q && !c->nomem; i++) {
        sk_question *q = &f->q[i];
        for (int s = 0; s < EX_COUNT; s++)
            compile_one(c, q, &c->qcols[i], (expr_slot)s);
        if (shown(q->type) && !has_text(f, q->label) && !has_text(f, q->image))
            form_problem(c, "survey", q->row, 0,
                         "the %s '%s' has no label; add one in at least one language",
                         sk_qtype_name(q->type), q->name);
        check_default(c, q, c->qcols[i].default_col);
    }
    if (c->nomem)
        return;
    order_calculations(c);
    check_consent(c);
    check_ethics(c);
    form_check_repeats(c);
    build_pages(c);
}
