/* codebook.c - what every exported column means: variable, label, type,
 * choices with their labels, relevance, required, constraint, the file the
 * column is in, and a note: how the column is handled for the participant's
 * protection (identifying, quoted only with consent, how many answers were
 * kept out of _text.csv and why).  Written from the form and the counts of
 * the export's pass. */
#include <stdio.h>
#include <string.h>

#include "export_internal.h"

/* The codebook's own columns; the last three come from the data tables. */
static const char *const cb_columns[] = {"variable",   "label",    "type",         "choices",
                                         "relevance",  "required", "constraint",   "file",
                                         "note",       "spss_stata_name", "measure", "missing"};
enum { CB_N = sizeof cb_columns / sizeof *cb_columns };

/* What the codebook says about missing answers (its second note row). */
#define MISSING_NOTE                                                                              \
    "Missing answers. Not asked (skip logic hid the question, or an incomplete sitting ended "   \
    "before it): an empty cell in CSV and xlsx, -98 in SPSS (user-missing), .b in Stata. Asked " \
    "and left unanswered: NA in CSV and xlsx (R and pandas read NA as missing), -99 in SPSS "    \
    "(user-missing), .a in Stata. Text columns: SPSS has the codes as text \"-98\"/\"-99\" "     \
    "(user-missing); Stata strings have no missing values, so both are empty there. Times are "  \
    "ISO 8601 in UTC with Z (2026-12-01T13:45:00Z, whole seconds); in xlsx, SPSS and Stata "     \
    "they are date-times and dates of those programs."

typedef struct cb_ctx {
    ex_table *cb;
    ex_table *const *tables;
    size_t n_tables;
} cb_ctx;

static const tab_col *find_col(const cb_ctx *c, const char *file, const char *var)
{
    for (size_t t = 0; t < c->n_tables; t++) {
        if (strcmp(c->tables[t]->name, file) != 0)
            continue;
        for (size_t i = 0; i < c->tables[t]->n_cols; i++)
            if (strcmp(c->tables[t]->cols[i].name, var) == 0)
                return &c->tables[t]->cols[i];
    }
    return NULL;
}

static void cell(ex_table *t, const char *s)
{
    tab_cell(t, s, s, s && *s ? CELL_VALUE : CELL_EMPTY);
}

static void row_note(const cb_ctx *c, const char *var, const char *label, const char *type,
                     const char *choices, const char *relevant, const char *required,
                     const char *constraint, const char *file, const char *note)
{
    static const char *const measures[] = {"nominal", "ordinal", "scale"};
    ex_table *t = c->cb;
    const char *fields[] = {var, label, type, choices, relevant, required, constraint, file, note};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        cell(t, fields[i]);
    const tab_col *col = find_col(c, file, var);
    cell(t, col ? col->var : "");
    cell(t, col ? measures[col->measure] : "");
    cell(t, !col || !col->answer ? ""
            : col->type == TT_TEXT
                ? "not asked: empty (SPSS \"-98\", Stata empty); skipped: NA (SPSS \"-99\", "
                  "Stata empty)"
                : "not asked: empty (SPSS -98, Stata .b); skipped: NA (SPSS -99, Stata .a)");
    tab_end_row(t);
}

static void row(const cb_ctx *c, const char *var, const char *label, const char *type,
                const char *choices, const char *relevant, const char *required,
                const char *constraint, const char *file)
{
    row_note(c, var, label, type, choices, relevant, required, constraint, file, "");
}

/* What the note column says about a question: identifying, or quoted only
 * with a clause (and how many answers that kept out of _text.csv). */
static void ethics_note(const sk_form *form, int qi, const size_t *left_out, xbuf *out)
{
    const sk_question *q = &form->q[qi];
    if (q->identifying) {
        xb_put(out, "identifying: written only to _identifiers.csv (keyed by sitting_id), "
                    "never to the responses, consent or text files, never in the report");
        return;
    }
    if (q->quote_clause < 0)
        return;
    xb_printf(out, "quoted (in _text.csv and the report) only where the consent clause %s was "
                   "ticked in the same sitting; every answer is in _responses.csv",
              form->q[q->quote_clause].name);
    size_t not_agreed = left_out ? left_out[(size_t)qi * QUOTE_VERDICTS + QUOTE_NOT_AGREED] : 0;
    size_t no_consent = left_out ? left_out[(size_t)qi * QUOTE_VERDICTS + QUOTE_NO_CONSENT] : 0;
    xb_printf(out, ". Left out of _text.csv: %zu (%s)", not_agreed,
              ethics_verdict_reason(QUOTE_NOT_AGREED));
    if (no_consent)
        xb_printf(out, "; %zu (%s)", no_consent, ethics_verdict_reason(QUOTE_NO_CONSENT));
}

/* The relevance that applies: the question's own and every enclosing group's. */
static void relevance(const sk_form *form, int qi, xbuf *out)
{
    for (int g = qi; g >= 0; g = form->q[g].parent) {
        const char *src = form->q[g].relevant_src;
        if (!src || !*src)
            continue;
        if (out->len)
            xb_put(out, " and ");
        if (g == qi)
            xb_put(out, src);
        else
            xb_printf(out, "(%s) [group %s]", src, form->q[g].name);
    }
}

static bool question_rows(const cb_ctx *w, const sk_form *form, int lang, int qi, const char *file,
                          const size_t *left_out)
{
    const sk_question *q = &form->q[qi];
    const sk_choice_list *list = sk_form_choices(form, qi);
    char type[128];
    if (list)
        snprintf(type, sizeof type, "%s %s", sk_qtype_name(q->type), list->name);
    else if (q->type == SK_Q_UNCOLLECTED) /* the column exists so the data match the form */
        snprintf(type, sizeof type, "%s (not collected on a kiosk: always empty)",
                 q->source_type ? q->source_type : "");
    else
        snprintf(type, sizeof type, "%s", sk_qtype_name(q->type));

    xbuf choices, rel, note;
    xb_init(&choices);
    xb_init(&rel);
    xb_init(&note);
    xb_put(&choices, "");
    xb_put(&rel, "");
    xb_put(&note, "");
    ethics_note(form, qi, left_out, &note);
    if (q->by_path) /* XLSForm names are unique only within a group */
        xb_printf(&note, "%snamed by its group path: several groups have a question called "
                         "'%s'",
                  note.len ? "; " : "", strrchr(q->name, '/') ? strrchr(q->name, '/') + 1 : q->name);
    for (size_t c = 0; list && c < list->n; c++)
        xb_printf(&choices, "%s%s=%s", c ? "; " : "", list->choices[c].name,
                  sk_form_text(form, list->choices[c].label, lang));
    if (q->type == SK_Q_RANGE)
        xb_printf(&choices, "start=%g end=%g step=%g", q->range_start, q->range_end,
                  q->range_step);
    relevance(form, qi, &rel);
    bool ok = !choices.nomem && !rel.nomem && !note.nomem;
    if (ok) {
        const char *label = export_question_label(form, lang, q);
        char column[1024];
        export_column_name(q->name, column, sizeof column);
        row_note(w, column, label, type, choices.s, rel.s, q->required_src, q->constraint_src,
                 file, note.s);
        /* An identifying question is one column of _identifiers.csv, as recorded. */
        if (q->type == SK_Q_SELECT_MULTIPLE && !q->identifying)
            for (size_t c = 0; list && c < list->n; c++) {
                char var[256], lab[1024];
                snprintf(var, sizeof var, "%s/%s", q->name, list->choices[c].name);
                snprintf(lab, sizeof lab, "%s: %s", export_question_label(form, lang, q),
                         sk_form_text(form, list->choices[c].label, lang));
                row(w, var, lab, "0/1", "1=selected; 0=not selected", rel.s,
                    "", "", file);
            }
        if (q->type == SK_Q_SIGNATURE && q->in_consent && !q->identifying) {
            char var[256];
            snprintf(var, sizeof var, "%s_strokes", q->name);
            row(w, var, "Number of strokes in the drawn signature", "integer", "", rel.s, "", "",
                file);
        }
    }
    xb_free(&choices);
    xb_free(&rel);
    xb_free(&note);
    return ok;
}

/* The first row after the header says how text cells were written, so that
 * whoever reads the data knows where a leading ' came from (and that it is
 * not the participant's). */
static void formula_note(const cb_ctx *w, bool raw)
{
    if (raw)
        row(w, "", "This export was made with --raw: every cell is exactly as recorded. A text "
                   "cell that begins with = + - or @ may be run as a formula when the file is "
                   "opened in Excel or LibreOffice.", "note", "", "", "", "", "all");
    else
        row(w, "", "Text cells that begin with = + - @, a tab or a carriage return are written "
                   "with a leading ' so that Excel and LibreOffice show them instead of running "
                   "them as formulas; the ' is not part of the answer. Number columns (integer, "
                   "decimal, range, 0/1, counts, and choice names that are all numbers) are never "
                   "changed. survey-sync export --raw writes every cell exactly as recorded.",
            "note", "", "", "", "", "all");
}

sk_status codebook_write(const sk_form *form, int lang, const size_t *left_out,
                         ex_table *const *tables, size_t n_tables, ex_table *cb, csv_writer *csv,
                         const char *spool_dir, sk_error *err)
{
    /* Labels, choices and expressions come from the questionnaire: defused
     * like any other text cell (csv->raw as the export's). */
    for (size_t i = 0; i < CB_N; i++)
        tab_col_add(cb, cb_columns[i], "", TT_TEXT, TM_NOMINAL, false);
    sk_status st = tab_begin(cb, csv, spool_dir, err);
    if (st != SK_OK)
        return st;
    cb_ctx c = {cb, tables, n_tables};
    cb_ctx *w = &c;
    formula_note(w, csv->raw);
    row(w, "", MISSING_NOTE, "note", "", "", "", "", "all");
    static const char *const meta[][3] = {
        {"record_id", "Record identifier (random, 32 hex digits)", "text"},
        {"sitting_id",
         "Sitting identifier (random, 32 hex digits): the same in a sitting's consent row, "
         "response row and identifiers row, so join them on it",
         "text"},
        {"device_id", "Kiosk that collected the record (16 hex digits)", "text"},
        {"seq", "The kiosk's sequence number of the record", "integer"},
        {"kind", "response (finished), incomplete (abandoned or recovered), consent or declined",
         "text"},
        {"started", "When the sitting started (ISO 8601 UTC)", "dateTime"},
        {"finished", "When the sitting finished (ISO 8601 UTC); empty when incomplete",
         "dateTime"},
        {"language", "Language code the participant used", "text"},
        {"duration_s", "Seconds from start to finish; when incomplete, from start to the last answer "
                       "(not to when the sitting was abandoned)",
         "integer"},
    };
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        row(w, meta[i][0], meta[i][1], meta[i][2], "", "", "", "", "responses");
    row(w, "sitting_id", "Sitting identifier: the same as in the sitting's response row",
        "text", "", "", "", "", "consent");
    row(w, "time", "When consent was given or declined: the last change on the consent page "
        "(ISO 8601 UTC), not when the sitting ended", "dateTime", "", "", "",
        "", "consent");
    bool any_identifying = false;
    for (size_t i = 0; i < form->n_q; i++)
        any_identifying |= form->q[i].identifying && is_answer_question(&form->q[i]);
    if (any_identifying)
        row_note(w, "sitting_id",
                 "Sitting identifier: the key of the identifiers file, the same as in the "
                 "sitting's response and consent rows",
                 "text", "", "", "", "", "identifiers",
                 "keep _identifiers.csv apart from the research data; share the other files "
                 "without it");

    /* Repeats: the keys that join each repeat's file to the responses. */
    for (size_t r = 0; r < form->n_repeats; r++) {
        const sk_question *rq = &form->q[form->repeats[r]];
        char var[300], lab[1024], file[300];
        snprintf(var, sizeof var, "SET-OF-%s", rq->name);
        snprintf(lab, sizeof lab,
                 "The set of '%s' instances of this response (KEY/%s): their rows in "
                 "%s-v%s-%s.csv have it as PARENT_KEY/%s",
                 sk_form_text(form, rq->label, lang), rq->name, form->id, form->version,
                 rq->name, rq->name);
        row(w, var, lab, "text", "", "", "", "", "responses");
        snprintf(file, sizeof file, "repeat %s", rq->name);
        row(w, "PARENT_KEY", "The KEY of the response row this instance belongs to", "text",
            "", "", "", "", file);
        snprintf(lab, sizeof lab, "This instance: PARENT_KEY/%s[n], n = 1, 2, ... in the order "
                 "the participant gave them", rq->name);
        row(w, "KEY", lab, "text", "", "", "", "", file);
    }
    if (form->n_repeats)
        row(w, "KEY", "The response's key (its record_id): PARENT_KEY in the repeat files", "text",
            "", "", "", "", "responses");

    bool nomem = false;
    for (size_t i = 0; i < form->n_q && !nomem; i++)
        if (is_answer_question(&form->q[i])) {
            char rfile[300];
            if (form->q[i].repeat >= 0)
                snprintf(rfile, sizeof rfile, "repeat %s", form->q[form->q[i].repeat].name);
            nomem = !question_rows(w, form, lang, (int)i,
                                   form->q[i].repeat >= 0   ? rfile
                                   : form->q[i].identifying ? "identifiers"
                                   : form->q[i].in_consent  ? "consent"
                                                            : "responses",
                                   left_out);
        }
    nomem = nomem || cb->nomem || csv->nomem;
    if (nomem)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the codebook of %s",
                            form->id);
    return SK_OK;
}
