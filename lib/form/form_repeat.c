/* form_repeat.c - the checks that repeats need once the whole form is built.
 *
 * A begin_repeat row is a BEGIN_GROUP with is_repeat set (form_build.c), so
 * everything groups do (parents, relevance, field-list pages) holds for it.
 * What is particular to repeats is checked here:
 *   - repeats do not nest (one level of instances: the kiosk, the records
 *     and the export are built for that; a nested repeat is refused with
 *     its row, and docs/XLSFORM.md says so);
 *   - a repeat stands neither in the consent section nor in a field-list or
 *     table-list group (one page cannot hold a varying number of instances);
 *   - repeat_count is only read on begin_repeat rows and may not depend on
 *     the repeat's own questions;
 *   - an expression outside a repeat reads the repeat's questions only as a
 *     whole, through count(), sum(), count-non-empty() or indexed-repeat()
 *     (ODK would silently take the first instance of a bare ${x}; an author
 *     almost never means that).
 * It fills q->repeat for every row and f->repeats.
 */
#include <stdlib.h>
#include <string.h>

#include "form_internal.h"
#include "sk/expr.h"

static void check_refs(form_ctx *c, const sk_question *q, const sk_expr *e, unsigned col,
                       const char *column)
{
    const sk_form *f = &c->f->pub;
    for (size_t i = 0; e && i < sk_expr_ref_count(e); i++) {
        int d = sk_form_find(f, sk_expr_ref(e, i));
        if (d < 0)
            continue;
        int rep = f->q[d].repeat;
        /* Inside the same repeat a reference is the sibling in the same instance. */
        if (rep < 0 || rep == q->repeat || !sk_expr_ref_bare(e, i))
            continue;
        if (d == rep)
            continue; /* ${repeat} itself in a label or relevant: harmless, reads "" */
        form_problem(c, "survey", q->row, col,
                     "the %s reads ${%s}, which is inside the repeat '%s' (row %u), from "
                     "outside it; use count(${%s}), sum(${%s}), count-non-empty(${%s}) or "
                     "indexed-repeat(${%s}, ${%s}, n)",
                     column, f->q[d].name, f->q[rep].name, f->q[rep].row, f->q[rep].name,
                     f->q[d].name, f->q[d].name, f->q[d].name, f->q[rep].name);
    }
}

void form_check_repeats(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    size_t n = 0;
    for (size_t i = 0; i < f->n_q; i++)
        n += f->q[i].is_repeat;
    if (n && !(f->repeats = malloc(n * sizeof *f->repeats))) {
        c->nomem = 1;
        return;
    }
    /* Rows come in form order, so a parent's repeat is known before its children. */
    for (size_t i = 0; i < f->n_q; i++) {
        sk_question *q = &f->q[i];
        int outer = q->parent >= 0 ? f->q[q->parent].repeat : -1;
        q->repeat = q->is_repeat ? (int)i : outer;
        if (q->type == SK_Q_END_GROUP)
            q->repeat = outer; /* its parent is the parent of the group it closes */
        if (q->repeat >= 0 && q->identifying)
            form_problem(c, "survey", q->row, c->qcols[i].identifying_col,
                         "'%s' is marked identifying inside the repeat '%s'; identifying "
                         "answers are kept in a file of their own, one per sitting: ask it "
                         "outside the repeat",
                         q->name, f->q[q->repeat].name);
        if (!q->is_repeat) {
            if (*q->repeat_count_src)
                form_problem(c, "survey", q->row, c->qcols[i].col[EX_REPEAT_COUNT],
                             "repeat_count is only read on begin_repeat rows; remove it "
                             "from this %s row",
                             sk_qtype_name(q->type));
            continue;
        }
        f->repeats[f->n_repeats++] = (int)i;
        if (outer >= 0)
            form_problem(c, "survey", q->row, 0,
                         "the repeat '%s' is inside the repeat '%s' (row %u); the kiosk "
                         "does not collect nested repeats: move it out, or ask the same "
                         "questions once per instance of '%s'",
                         q->name, f->q[outer].name, f->q[outer].row, f->q[outer].name);
        if (q->in_consent)
            form_problem(c, "survey", q->row, 0,
                         "the repeat '%s' is inside the consent section; consent is given "
                         "once, so move the repeat out of it",
                         q->name);
        for (int g = q->parent; g >= 0; g = f->q[g].parent)
            if (f->q[g].appearance & (SK_AP_FIELD_LIST | SK_AP_TABLE_LIST)) {
                form_problem(c, "survey", q->row, 0,
                             "the repeat '%s' is inside the %s group '%s' (row %u); one page "
                             "cannot hold a varying number of instances: give the repeat "
                             "itself the field-list appearance instead",
                             q->name,
                             (f->q[g].appearance & SK_AP_FIELD_LIST) ? "field-list"
                                                                     : "table-list",
                             f->q[g].name, f->q[g].row);
                break;
            }
        if (q->appearance & SK_AP_CONSENT)
            form_problem(c, "survey", q->row, c->qcols[i].appearance_col,
                         "a repeat cannot be the consent section; use a group");
    }
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        const sk_expr *ex[EX_COUNT] = {q->relevant,     q->constraint, q->calculation,
                                       q->choice_filter, q->required,  q->read_only,
                                       q->repeat_count};
        for (int s = 0; s < EX_COUNT; s++)
            check_refs(c, q, ex[s], c->qcols[i].col[s], form_expr_column[s]);
        if (!q->repeat_count)
            continue;
        /* The number of instances cannot come from inside them. */
        for (size_t r = 0; r < sk_expr_ref_count(q->repeat_count); r++) {
            int d = sk_form_find(f, sk_expr_ref(q->repeat_count, r));
            if (d >= 0 && f->q[d].repeat == (int)i)
                form_problem(c, "survey", q->row, c->qcols[i].col[EX_REPEAT_COUNT],
                             "the repeat_count of '%s' reads ${%s}, which is inside the "
                             "repeat itself; count from a question asked before it",
                             q->name, f->q[d].name);
        }
    }
}
