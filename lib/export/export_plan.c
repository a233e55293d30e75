/* export_plan.c - which tables a form version's export has and what their
 * columns are: the CSV header names, and what the xlsx, SPSS and Stata files
 * need beyond them (label, type, measurement level, value labels, a name
 * both SPSS and Stata accept).  Everything here comes from the form; the
 * rows come from the pass in export.c.
 *
 * Measurement levels: integer, decimal and range are scale; a select_one is
 * ordinal when its list is a coded scale (every choice name a number) or it
 * is shown as a Likert scale (appearance likert), nominal otherwise;
 * everything else is nominal.  A select_one's codes are its choice names
 * when they are all numbers (so -2..2 stays -2..2), else 1, 2, 3 ... in list
 * order; the labels are the choice labels in the export's language. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_run.h"

static bool is_number(const char *s)
{
    char *end;
    if (!*s)
        return false;
    (void)strtod(s, &end);
    return *end == '\0';
}

static bool numeric_names(const sk_choice_list *list)
{
    if (!list || !list->n)
        return false;
    for (size_t i = 0; i < list->n; i++)
        if (!is_number(list->choices[i].name))
            return false;
    return true;
}

/* Does question qi's CSV column hold numbers?  Decided per column from the
 * form (the codebook's type), never per cell, so a negative number stays -3
 * and a text answer "-3" is treated like every other text answer: integer,
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
    case SK_Q_SELECT_MULTIPLE:
        return !x->opts->labels && numeric_names(sk_form_choices(x->form, qi));
    default: return false;
    }
}

bool export_not_asked_of_person(const sk_question *q)
{
    return q->type >= SK_Q_START || q->type == SK_Q_CALCULATE || q->type == SK_Q_HIDDEN;
}

const char *export_question_label(const sk_form *form, int lang, const sk_question *q)
{
    const char *label = sk_form_text(form, q->label, lang);
    if (label && *label)
        return label;
    switch (q->type) {
    case SK_Q_START: return "When the form was started (filled by the kiosk, ISO 8601 UTC)";
    case SK_Q_END: return "When the form was last saved (filled by the kiosk, ISO 8601 UTC)";
    case SK_Q_TODAY: return "The date the form was filled in (filled by the kiosk)";
    case SK_Q_DEVICEID: return "The kiosk's device id (filled by the kiosk)";
    case SK_Q_CALCULATE: return q->calculation_src ? q->calculation_src : "";
    default: return q->name;
    }
}

static int add_meta(ex_table *t, const char *name, const char *label, tab_type type)
{
    return tab_col_add(t, name, label, type, type == TT_TEXT ? TM_NOMINAL : TM_SCALE, false);
}

/* The column(s) of one question in table t. */
static void question_columns(export_run *x, ex_table *t, int qi, bool numeric_csv)
{
    const sk_question *q = &x->form->q[qi];
    const sk_choice_list *list = sk_form_choices(x->form, qi);
    const char *label = export_question_label(x->form, x->lang, q);
    char column[1024];
    export_column_name(q->name, column, sizeof column);
    bool answer = !export_not_asked_of_person(q) && !q->in_consent;
    tab_type type = TT_TEXT;
    tab_measure m = TM_NOMINAL;
    switch (q->type) {
    case SK_Q_INTEGER: type = TT_INT; m = TM_SCALE; break;
    case SK_Q_DECIMAL:
    case SK_Q_RANGE: type = TT_NUM; m = TM_SCALE; break;
    case SK_Q_SELECT_ONE:
        if (list && list->n) {
            type = TT_CODED;
            m = numeric_names(list) || (q->appearance & SK_AP_LIKERT) ? TM_ORDINAL : TM_NOMINAL;
        }
        break;
    case SK_Q_DATE:
    case SK_Q_TODAY: type = TT_DATE; m = TM_SCALE; break;
    case SK_Q_START:
    case SK_Q_END:
    case SK_Q_DATETIME: type = TT_DATETIME; m = TM_SCALE; break;
    default: break;
    }
    if (q->identifying) {
        type = TT_TEXT;   /* kept as recorded: the file is for contacting people */
        m = TM_NOMINAL;
        answer = false;
    }
    int c = tab_col_add(t, column, label, type, m, answer);
    if (c < 0)
        return;
    t->cols[c].csv_numeric = numeric_csv;
    t->cols[c].labels = x->opts->labels;
    if (type == TT_CODED) {
        bool numeric = numeric_names(list);
        for (size_t k = 0; k < list->n; k++)
            tab_col_vlabel(t, c, numeric ? strtod(list->choices[k].name, NULL) : (double)(k + 1),
                           list->choices[k].name,
                           sk_form_text(x->form, list->choices[k].label, x->lang));
    }
    if (q->type == SK_Q_SELECT_MULTIPLE && !q->identifying)
        for (size_t k = 0; list && k < list->n; k++) {
            char name[1024], lab[2048];
            snprintf(name, sizeof name, "%s/%s", q->name, list->choices[k].name);
            snprintf(lab, sizeof lab, "%s: %s", label,
                     sk_form_text(x->form, list->choices[k].label, x->lang));
            int d = tab_col_add(t, name, lab, TT_INT, TM_NOMINAL, answer);
            if (d >= 0) {
                tab_col_vlabel(t, d, 0, "0", "not selected");
                tab_col_vlabel(t, d, 1, "1", "selected");
            }
        }
    if (q->type == SK_Q_SIGNATURE && q->in_consent && !q->identifying) {
        char name[1024];
        snprintf(name, sizeof name, "%s_strokes", q->name);
        tab_col_add(t, name, "Number of strokes in the drawn signature", TT_INT, TM_SCALE, false);
    }
}

static bool any_relevance(const sk_form *f)
{
    for (size_t i = 0; i < f->n_q; i++)
        if (f->q[i].relevant)
            return true;
    return false;
}

sk_status export_plan(export_run *x, sk_error *err)
{
    const sk_form *f = x->form;
    x->resp_q = calloc(f->n_q + 1, sizeof *x->resp_q);
    x->consent_q = calloc(f->n_q + 1, sizeof *x->consent_q);
    x->resp_numeric = calloc(f->n_q + 1, sizeof *x->resp_numeric);
    x->ident_q = calloc(f->n_q + 1, sizeof *x->ident_q);
    x->left_out = calloc(f->n_q * QUOTE_VERDICTS + 1, sizeof *x->left_out);
    if (!x->resp_q || !x->consent_q || !x->resp_numeric || !x->ident_q || !x->left_out)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", f->id);
    if (f->n_repeats && !(x->reps = calloc(f->n_repeats, sizeof *x->reps)))
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", f->id);
    for (size_t r = 0; r < f->n_repeats; r++) {
        rep_table *rt = &x->reps[x->n_reps++];
        char name[300];
        snprintf(name, sizeof name, "repeat %s", f->q[f->repeats[r]].name);
        tab_init(&rt->tab, name);
        rt->q = f->repeats[r];
        rt->cols = calloc(f->n_q + 1, sizeof *rt->cols);
        if (!rt->cols)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", f->id);
        for (size_t i = 0; i < f->n_q; i++)
            if (f->q[i].repeat == rt->q && is_answer_question(&f->q[i]))
                rt->cols[rt->n++] = (int)i;
    }
    for (size_t i = 0; i < f->n_q; i++) {
        if (!is_answer_question(&f->q[i]) || f->q[i].repeat >= 0)
            continue;   /* rows inside a repeat are in the repeat's own table */
        if (f->q[i].identifying)
            x->ident_q[x->n_ident++] = (int)i;
        else if (f->q[i].in_consent)
            x->consent_q[x->n_consent++] = (int)i;
        else
            x->resp_q[x->n_resp++] = (int)i;
    }
    x->any_relevance = any_relevance(f);

    static const char *const names[T_COUNT] = {"responses", "consent", "text", "identifiers"};
    for (int i = 0; i < T_COUNT; i++)
        tab_init(&x->tab[i], names[i]);

    ex_table *t = &x->tab[T_RESPONSES];
    add_meta(t, "record_id", "Record identifier", TT_TEXT);
    add_meta(t, "sitting_id", "Sitting identifier (joins consent, responses, identifiers)",
             TT_TEXT);
    add_meta(t, "device_id", "Kiosk that collected the record", TT_TEXT);
    add_meta(t, "seq", "The kiosk's sequence number of the record", TT_INT);
    add_meta(t, "kind", "response (finished) or incomplete", TT_TEXT);
    add_meta(t, "started", "When the sitting started (UTC)", TT_DATETIME);
    add_meta(t, "finished", "When the sitting finished (UTC); empty when incomplete", TT_DATETIME);
    add_meta(t, "language", "Language code the participant used", TT_TEXT);
    add_meta(t, "duration_s", "Seconds from start to finish, or to the last answer if incomplete",
             TT_INT);
    for (size_t i = 0; i < x->n_resp; i++) {
        x->resp_numeric[i] = numeric_column(x, x->resp_q[i]);
        question_columns(x, t, x->resp_q[i], x->resp_numeric[i]);
    }
    for (size_t r = 0; r < x->n_reps; r++) {
        char name[300], label[600];
        const char *rn = f->q[x->reps[r].q].name;
        snprintf(name, sizeof name, "SET-OF-%s", rn);
        snprintf(label, sizeof label, "The set of '%s' instances (PARENT_KEY in its file)", rn);
        add_meta(t, name, label, TT_TEXT);
    }
    if (x->n_reps)
        add_meta(t, "KEY", "The response's key (its record_id): PARENT_KEY in the repeat files",
                 TT_TEXT);
    for (size_t r = 0; r < x->n_reps; r++) {
        rep_table *rt = &x->reps[r];
        for (size_t i = 0; i < rt->n; i++)
            question_columns(x, &rt->tab, rt->cols[i], numeric_column(x, rt->cols[i]));
        add_meta(&rt->tab, "PARENT_KEY", "The KEY of the response row this instance belongs to",
                 TT_TEXT);
        add_meta(&rt->tab, "KEY", "This instance: PARENT_KEY/<repeat>[n]", TT_TEXT);
        if (!tab_name_vars(&rt->tab) || rt->tab.nomem)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", f->id);
    }

    t = &x->tab[T_CONSENT];
    add_meta(t, "record_id", "Record identifier", TT_TEXT);
    add_meta(t, "sitting_id", "Sitting identifier (joins consent, responses, identifiers)",
             TT_TEXT);
    add_meta(t, "device_id", "Kiosk that collected the record", TT_TEXT);
    add_meta(t, "seq", "The kiosk's sequence number of the record", TT_INT);
    add_meta(t, "kind", "consent, declined, or incomplete (abandoned after consent)", TT_TEXT);
    add_meta(t, "time", "When consent was given or declined (UTC)", TT_DATETIME);
    for (size_t i = 0; i < x->n_consent; i++)
        question_columns(x, t, x->consent_q[i], false);

    t = &x->tab[T_TEXT];
    add_meta(t, "record_id", "Record identifier", TT_TEXT);
    add_meta(t, "device_id", "Kiosk that collected the record", TT_TEXT);
    add_meta(t, "seq", "The kiosk's sequence number of the record", TT_INT);
    add_meta(t, "question", "The question's name", TT_TEXT);
    add_meta(t, "question_label", "The question's label", TT_TEXT);
    add_meta(t, "language", "Language code the participant used", TT_TEXT);
    add_meta(t, "answer", "The free-text answer", TT_TEXT);

    if (x->n_ident) {
        t = &x->tab[T_IDENT];
        add_meta(t, "sitting_id", "Sitting identifier (joins consent, responses, identifiers)",
                 TT_TEXT);
        add_meta(t, "record_id", "Record identifier", TT_TEXT);
        add_meta(t, "device_id", "Kiosk that collected the record", TT_TEXT);
        add_meta(t, "seq", "The kiosk's sequence number of the record", TT_INT);
        add_meta(t, "kind", "The record's kind", TT_TEXT);
        for (size_t i = 0; i < x->n_ident; i++)
            question_columns(x, t, x->ident_q[i], false);
    }
    for (int i = 0; i < T_COUNT; i++)
        if (!tab_name_vars(&x->tab[i]) || x->tab[i].nomem)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory exporting %s", f->id);
    return SK_OK;
}

void export_plan_free(export_run *x)
{
    for (int i = 0; i < T_COUNT; i++)
        tab_free(&x->tab[i]);
    for (size_t r = 0; r < x->n_reps; r++) {
        tab_free(&x->reps[r].tab);
        free(x->reps[r].cols);
    }
    free(x->reps);
    x->reps = NULL;
    x->n_reps = 0;
    consent_memo_free(&x->memo);
    free(x->ident_q);
    free(x->left_out);
    free(x->resp_q);
    free(x->consent_q);
    free(x->resp_numeric);
}
