/* ethics.c - what the participant agreed to, as export and report need it:
 * whether a sitting's consent was given, and whether a free-text answer may
 * be quoted (its question's quote_consent clause ticked in the same sitting).
 *
 * A finished sitting is written as a consent record and a response record in
 * one kiosk transaction, so they have consecutive sequence numbers, and the
 * store hands records over in (device, seq) order: the consent record of a
 * response is the one just before it.  The memo therefore keeps only the
 * last consent record's ticked clauses (memory stays flat however large the
 * study), and a response is matched to it by device and sitting id, never
 * by position alone.  An abandoned or recovered sitting is one incomplete
 * record holding both sections, so its clauses are in the record itself. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

bool ethics_is_yes(const char *v)
{
    return v && (strcmp(v, "yes") == 0 || strcmp(v, "OK") == 0 || strcmp(v, "true") == 0 ||
                 strcmp(v, "1") == 0);
}

/* A clause that must be accepted to continue: required written as yes/true.
 * (A computed requirement cannot be judged without the runtime; such a clause
 * is treated as optional, which never counts a consent that was not given
 * because the sitting must still show a ticked clause or an answer.) */
static bool clause_required(const sk_question *q)
{
    const char *r = q->required_src;
    return r && (strcmp(r, "yes") == 0 || strcmp(r, "true") == 0 || strcmp(r, "true()") == 0 ||
                 strcmp(r, "Yes") == 0 || strcmp(r, "YES") == 0 || strcmp(r, "TRUE") == 0);
}

bool ethics_consent_given(const sk_form *f, const sk_answers *a)
{
    if (f->consent_group < 0)
        return false;
    bool any_required = false, any_consent = false;
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        if (!q->in_consent)
            continue;
        const char *v = sk_answers_get(a, q->name);
        any_consent |= v != NULL;
        if (q->type == SK_Q_ACKNOWLEDGE && clause_required(q)) {
            any_required = true;
            if (!ethics_is_yes(v))
                return false;   /* the kiosk does not go on without it */
        }
    }
    if (!any_consent)
        return false;
    if (any_required)
        return true;
    /* No clause is required: consent was given when the participant went on
     * to the questionnaire, i.e. answered anything after the consent page. */
    for (size_t i = 0; i < a->n; i++)
        if (a->items[i].section == SK_SECTION_RESPONSE)
            return true;
    return false;
}

bool ethics_form_quotes(const sk_form *f)
{
    for (size_t i = 0; i < f->n_q; i++)
        if (f->q[i].quote_clause >= 0)
            return true;
    return false;
}

void consent_memo_free(consent_memo *m)
{
    free(m->ticked);
    memset(m, 0, sizeof *m);
}

bool consent_memo_note(consent_memo *m, const sk_form *f, const char *device_hex,
                       const sk_answers *a)
{
    if (!m->ticked) {
        m->ticked = calloc(f->n_q + 1, sizeof *m->ticked);
        if (!m->ticked)
            return false;
    }
    m->valid = a->sitting_id != NULL;
    snprintf(m->device, sizeof m->device, "%s", device_hex);
    snprintf(m->sitting, sizeof m->sitting, "%s", a->sitting_id ? a->sitting_id : "");
    for (size_t i = 0; i < f->n_q; i++)
        m->ticked[i] = f->q[i].in_consent && f->q[i].type == SK_Q_ACKNOWLEDGE &&
                       ethics_is_yes(sk_answers_get(a, f->q[i].name));
    return true;
}

quote_verdict ethics_quote(const sk_form *f, int qi, const char *device_hex, const sk_answers *a,
                           const consent_memo *m)
{
    int k = f->q[qi].quote_clause;
    if (k < 0)
        return QUOTE_OK;
    /* An incomplete record carries its own consent answers. */
    const char *own = sk_answers_get(a, f->q[k].name);
    if (own)
        return ethics_is_yes(own) ? QUOTE_OK : QUOTE_NOT_AGREED;
    if (!m || !m->valid || !m->ticked || !a->sitting_id || strcmp(m->sitting, a->sitting_id) != 0 ||
        strcmp(m->device, device_hex) != 0)
        return QUOTE_NO_CONSENT;
    return m->ticked[k] ? QUOTE_OK : QUOTE_NOT_AGREED;
}

const char *ethics_verdict_reason(quote_verdict v)
{
    switch (v) {
    case QUOTE_NOT_AGREED: return "the participant did not tick the quotation clause";
    case QUOTE_NO_CONSENT:
        return "the sitting's consent record is missing or could not be read";
    default: return "";
    }
}
