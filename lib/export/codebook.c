/* codebook.c - what every exported column means: variable, label, type,
 * choices with their labels, relevance, required, constraint, and the file
 * the column is in.  Written from the form alone. */
#include <string.h>

#include "export_internal.h"

static void row(csv_writer *w, const char *var, const char *label, const char *type,
                const char *choices, const char *relevant, const char *required,
                const char *constraint, const char *file)
{
    csv_field(w, var);
    csv_field(w, label);
    csv_field(w, type);
    csv_field(w, choices);
    csv_field(w, relevant);
    csv_field(w, required);
    csv_field(w, constraint);
    csv_field(w, file);
    csv_end_row(w);
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

static bool question_rows(csv_writer *w, const sk_form *form, int lang, int qi, const char *file)
{
    const sk_question *q = &form->q[qi];
    const sk_choice_list *list = sk_form_choices(form, qi);
    char type[128];
    if (list)
        snprintf(type, sizeof type, "%s %s", sk_qtype_name(q->type), list->name);
    else
        snprintf(type, sizeof type, "%s", sk_qtype_name(q->type));

    xbuf choices, rel;
    xb_init(&choices);
    xb_init(&rel);
    xb_put(&choices, "");
    xb_put(&rel, "");
    for (size_t c = 0; list && c < list->n; c++)
        xb_printf(&choices, "%s%s=%s", c ? "; " : "", list->choices[c].name,
                  sk_form_text(form, list->choices[c].label, lang));
    if (q->type == SK_Q_RANGE)
        xb_printf(&choices, "start=%g end=%g step=%g", q->range_start, q->range_end,
                  q->range_step);
    relevance(form, qi, &rel);
    bool ok = !choices.nomem && !rel.nomem;
    if (ok) {
        const char *label = sk_form_text(form, q->label, lang);
        if (q->type == SK_Q_CALCULATE && !*label)
            label = q->calculation_src;
        char column[1024];
        export_column_name(q->name, column, sizeof column);
        row(w, column, label, type, choices.s, rel.s, q->required_src, q->constraint_src, file);
        if (q->type == SK_Q_SELECT_MULTIPLE)
            for (size_t c = 0; list && c < list->n; c++) {
                char var[256], lab[1024];
                snprintf(var, sizeof var, "%s/%s", q->name, list->choices[c].name);
                snprintf(lab, sizeof lab, "%s: %s", sk_form_text(form, q->label, lang),
                         sk_form_text(form, list->choices[c].label, lang));
                row(w, var, lab, "0/1", "1=selected; 0=not selected (empty: not asked)", rel.s,
                    "", "", file);
            }
        if (q->type == SK_Q_SIGNATURE && q->in_consent) {
            char var[256];
            snprintf(var, sizeof var, "%s_strokes", q->name);
            row(w, var, "Number of strokes in the drawn signature", "integer", "", rel.s, "", "",
                file);
        }
    }
    xb_free(&choices);
    xb_free(&rel);
    return ok;
}

/* The first row after the header says how text cells were written, so that
 * whoever reads the data knows where a leading ' came from (and that it is
 * not the participant's). */
static void formula_note(csv_writer *w)
{
    if (w->raw)
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

sk_status codebook_write(const sk_form *form, int lang, bool raw, FILE *f, sk_error *err)
{
    csv_writer w;
    csv_init(&w, f);
    /* Labels, choices and expressions come from the questionnaire: defused
     * like any other text cell. */
    w.raw = raw;
    row(&w, "variable", "label", "type", "choices", "relevance", "required", "constraint", "file");
    formula_note(&w);
    static const char *const meta[][3] = {
        {"record_id", "Record identifier (random, 32 hex digits)", "text"},
        {"device_id", "Kiosk that collected the record (16 hex digits)", "text"},
        {"seq", "The kiosk's sequence number of the record", "integer"},
        {"kind", "response (finished), incomplete (abandoned or recovered), consent or declined",
         "text"},
        {"started", "When the sitting started (ISO 8601, UTC)", "dateTime"},
        {"finished", "When the sitting finished (ISO 8601, UTC); empty when incomplete",
         "dateTime"},
        {"language", "Language code the participant used", "text"},
        {"duration_s", "Seconds from start to finish (or to the last answer when incomplete)",
         "integer"},
    };
    for (size_t i = 0; i < sizeof meta / sizeof *meta; i++)
        row(&w, meta[i][0], meta[i][1], meta[i][2], "", "", "", "", "responses");
    row(&w, "time", "When consent was given or declined (ISO 8601, UTC)", "dateTime", "", "", "",
        "", "consent");

    bool nomem = false;
    for (size_t i = 0; i < form->n_q && !nomem; i++)
        if (is_answer_question(&form->q[i]))
            nomem = !question_rows(&w, form, lang, (int)i,
                                   form->q[i].in_consent ? "consent" : "responses");
    nomem = nomem || w.nomem;
    if (nomem)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing the codebook of %s",
                            form->id);
    return SK_OK;
}
