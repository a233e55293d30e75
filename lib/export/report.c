/* report.c - sk_report: count every form version's records (tally.c), then
 * render the same tables as one self-contained HTML page or as plain text. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

/* Words of a scale's labels that say which kind it is.  A bipolar scale has
 * a negative pole; a unipolar one runs from nothing to much. */
static const char *const bipolar_words[] = {"disagree", "dissatisf", "unsatisf", "oppose",
                                            "unlikely", "worse", "unhelpful", "unimportant",
                                            "negative", "bad", NULL};
static const char *const unipolar_words[] = {"never", "not at all", "none", "rarely",
                                             "always", "a little", "a lot", "no influence",
                                             "very much", NULL};

static bool label_has(const sk_form *f, const sk_choice *c, const char *const *words)
{
    for (size_t l = 0; l < f->n_langs; l++) {
        const char *s = sk_form_text(f, c->label, (int)l);
        for (size_t w = 0; s && words[w]; w++)
            if (strcasestr(s, words[w]))
                return true;
    }
    return false;
}

bool tally_bipolar(const sk_form *f, int qi)
{
    const sk_question *q = &f->q[qi];
    if (q->scale == SK_SCALE_BIPOLAR)
        return true;
    if (q->scale == SK_SCALE_UNIPOLAR)
        return false;
    const sk_choice_list *list = sk_form_choices(f, qi);
    if (!list || list->n < 2)
        return false;
    /* Numbered choices symmetric around zero (-2 .. 2) are bipolar. */
    char *end;
    double lo = strtod(list->choices[0].name, &end);
    if (*end == '\0' && *list->choices[0].name) {
        double hi = strtod(list->choices[list->n - 1].name, &end);
        if (*end == '\0' && lo < 0 && hi > 0 && lo == -hi)
            return true;
    }
    for (size_t i = 0; i < list->n; i++)
        if (label_has(f, &list->choices[i], bipolar_words))
            return true;
    for (size_t i = 0; i < list->n; i++)
        if (label_has(f, &list->choices[i], unipolar_words))
            return false;
    return true;   /* a likert scale without other clues: agree ... disagree */
}

static char *dup_freq(size_t a, size_t b)
{
    char s[48];
    stats_freq(s, sizeof s, a, b);
    return strdup(s);
}

static char *dup_num(double x)
{
    char s[48];
    stats_num(s, sizeof s, x);
    return strdup(s);
}

void rtable_free(rtable *r)
{
    for (size_t i = 0; r->row_heads && i < r->n_rows; i++)
        free(r->row_heads[i]);
    for (size_t i = 0; r->col_heads && i < r->n_cols; i++)
        free(r->col_heads[i]);
    for (size_t i = 0; r->cells && i < r->n_rows * r->n_cols; i++)
        free(r->cells[i]);
    free(r->row_heads);
    free(r->col_heads);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

static const char *const number_rows[] = {"n", "mean", "SD", "median", "min", "max"};

bool rtable_build(const form_tally *t, const qtally *qt, rtable *r)
{
    memset(r, 0, sizeof *r);
    size_t cols[t->n_cols];
    size_t nc = tally_visible_cols(t, cols);
    size_t other_row = 0;
    for (size_t c = 0; c < t->n_cols; c++)
        other_row |= qt->other[c];
    size_t body = qt->kind == TK_NUMBER ? 6 : qt->n_opts + (other_row ? 1 : 0);
    r->n_rows = 1 + body;
    r->n_cols = nc;
    r->row_heads = calloc(r->n_rows, sizeof *r->row_heads);
    r->col_heads = calloc(nc, sizeof *r->col_heads);
    r->cells = calloc(r->n_rows * nc, sizeof *r->cells);
    if (!r->row_heads || !r->col_heads || !r->cells) {
        rtable_free(r);
        return false;
    }
    bool ok = true;
    for (size_t k = 0; k < nc; k++)
        ok &= (r->col_heads[k] = strdup(tally_col_label(t, cols[k]))) != NULL;
    ok &= (r->row_heads[0] = strdup("Answered (of asked)")) != NULL;
    for (size_t k = 0; k < nc; k++)
        ok &= (r->cells[k] = dup_freq(qt->answered[cols[k]], qt->asked[cols[k]])) != NULL;

    if (qt->kind == TK_NUMBER) {
        for (size_t i = 0; i < 6; i++)
            ok &= (r->row_heads[1 + i] = strdup(number_rows[i])) != NULL;
        for (size_t k = 0; k < nc; k++) {
            num_summary s = stats_summarise(&qt->nums[cols[k]]);
            char **cell = &r->cells[nc + k];
            ok &= (cell[0] = malloc(24)) != NULL;
            if (cell[0])
                snprintf(cell[0], 24, "%zu", s.n);
            double v[5] = {s.mean, s.sd, s.median, s.min, s.max};
            for (size_t i = 0; i < 5; i++)
                ok &= (cell[(i + 1) * nc] = s.n ? dup_num(v[i]) : strdup("")) != NULL;
        }
    } else {
        for (size_t o = 0; o < qt->n_opts; o++) {
            ok &= (r->row_heads[1 + o] = strdup(tally_option_label(t, qt, o))) != NULL;
            for (size_t k = 0; k < nc; k++)
                ok &= (r->cells[(1 + o) * nc + k] =
                           dup_freq(qt->counts[o * t->n_cols + cols[k]], qt->answered[cols[k]])) !=
                      NULL;
        }
        if (other_row) {
            ok &= (r->row_heads[1 + qt->n_opts] = strdup("Other value")) != NULL;
            for (size_t k = 0; k < nc; k++)
                ok &= (r->cells[(1 + qt->n_opts) * nc + k] =
                           dup_freq(qt->other[cols[k]], qt->answered[cols[k]])) != NULL;
        }
    }
    if (!ok)
        rtable_free(r);
    return ok;
}

void tally_summary_line(const form_tally *t, const qtally *qt, char *out, size_t size)
{
    const sk_question *q = &t->form->q[qt->q];
    size_t total = t->n_cols - 1;
    const char *what = qt->kind == TK_MULTI    ? "; shares of respondents, several answers each"
                       : qt->kind == TK_NUMBER ? ""
                       : qt->kind == TK_TEXT && q->quote_clause >= 0
                           ? "; listed where the participant agreed to be quoted"
                       : qt->kind == TK_TEXT   ? "; answers listed"
                                               : "";
    if (q->is_repeat) {
        snprintf(out, size, "repeat: instances per response, %zu responses", qt->asked[total]);
        return;
    }
    if (q->repeat >= 0) {
        /* Counted per instance of the repeat, not per response. */
        snprintf(out, size, "%s in the repeat '%s', asked in %zu instances, answered in %zu%s",
                 sk_qtype_name(q->type), t->form->q[q->repeat].name, qt->asked[total],
                 qt->answered[total], what);
        return;
    }
    snprintf(out, size, "%s, asked %zu, answered %zu%s", sk_qtype_name(q->type),
             qt->asked[total], qt->answered[total], what);
}

sk_status sk_report(sk_cstore *cs, const sk_study_key *key, const sk_report_opts *opts,
                    char **out, size_t *out_len, sk_error *err)
{
    static const sk_report_opts defaults = {.lang = -1};
    if (!cs || !key || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_report needs a store, a key and an output");
    if (!opts)
        opts = &defaults;
    sk_unreadable_list own = {0};
    sk_unreadable_list *skipped = opts->unreadable ? opts->unreadable : &own;
    skipped->n = 0;
    sk_cstore_form *forms = NULL;
    size_t n_forms = 0;
    sk_status st = export_forms(cs, key, &forms, &n_forms, err);
    if (st != SK_OK)
        return st;
    form_tally *tallies = calloc(n_forms + 1, sizeof *tallies);
    if (!tallies)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory preparing the report");
    size_t n_done = 0;
    for (; st == SK_OK && n_done < n_forms; n_done++) {
        st = tally_form(cs, &forms[n_done], key, opts, skipped, &tallies[n_done], err);
        if (st != SK_OK)
            break;
    }
    if (st == SK_OK && opts->by) {
        bool found = false;
        for (size_t i = 0; i < n_forms; i++)
            found |= tallies[i].by_q >= 0;
        if (!found)
            st = sk_error_set(err, SK_ERR_NOTFOUND,
                              "--by %s: no form in the store has a question called '%s'",
                              opts->by, opts->by);
    }
    if (st == SK_OK)
        export_note_unreadable(cs, skipped);
    /* The methods context and the warning about gaps and held records. */
    sk_cstore_status status;
    memset(&status, 0, sizeof status);
    bool have_status = false;
    if (st == SK_OK) {
        st = sk_cstore_status_get(cs, &status, err);
        have_status = st == SK_OK;
    }
    xbuf b;
    xb_init(&b);
    if (st == SK_OK) {
        if (opts->text)
            render_text(&b, tallies, n_forms, skipped, &status, opts);
        else
            render_html(&b, tallies, n_forms, skipped, &status, opts);
        if (b.nomem || !b.s)
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the report");
    }
    if (have_status)
        sk_cstore_status_free(&status);
    for (size_t i = 0; i < n_done; i++)
        tally_free(&tallies[i]);
    free(tallies);
    sk_cstore_forms_free(forms, n_forms);
    sk_unreadable_list_free(&own);
    if (st != SK_OK) {
        xb_free(&b);
        return st;
    }
    *out = b.s;
    if (out_len)
        *out_len = b.len;
    return SK_OK;
}
