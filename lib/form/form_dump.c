/* form_dump.c - accessors and the stable text dump used by golden tests.
 * The dump leaves out source_name so that the same form as .xlsx, .md and
 * .csv dumps identically. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form_internal.h"

static const char *const qtype_names[] = {
    [SK_Q_NOTE] = "note",           [SK_Q_TEXT] = "text",
    [SK_Q_INTEGER] = "integer",     [SK_Q_DECIMAL] = "decimal",
    [SK_Q_DATE] = "date",           [SK_Q_TIME] = "time",
    [SK_Q_DATETIME] = "dateTime",
    [SK_Q_SELECT_ONE] = "select_one", [SK_Q_SELECT_MULTIPLE] = "select_multiple",
    [SK_Q_RANGE] = "range",         [SK_Q_ACKNOWLEDGE] = "acknowledge",
    [SK_Q_CALCULATE] = "calculate", [SK_Q_HIDDEN] = "hidden",
    [SK_Q_SIGNATURE] = "signature", [SK_Q_BEGIN_GROUP] = "begin_group",
    [SK_Q_END_GROUP] = "end_group", [SK_Q_START] = "start",
    [SK_Q_END] = "end",             [SK_Q_TODAY] = "today",
    [SK_Q_DEVICEID] = "deviceid",   [SK_Q_UNCOLLECTED] = "not_collected",
};

const char *sk_qtype_name(sk_qtype t)
{
    if ((unsigned)t < sizeof qtype_names / sizeof qtype_names[0] && qtype_names[t])
        return qtype_names[t];
    return "unknown";
}

int sk_form_find(const sk_form *form, const char *name)
{
    if (!form || !name)
        return -1;
    const form_impl *f = (const form_impl *)form;
    return names_find(&f->names, form->q, name);
}

const sk_choice_list *sk_form_choices(const sk_form *form, int q)
{
    if (!form || q < 0 || (size_t)q >= form->n_q || form->q[q].list < 0)
        return NULL;
    return &form->lists[form->q[q].list];
}

int sk_form_lang(const sk_form *form, const char *lang)
{
    if (!form || !lang)
        return -1;
    for (size_t i = 0; i < form->n_langs; i++)
        if (strcmp(form->lang_names[i], lang) == 0 || strcmp(form->lang_codes[i], lang) == 0)
            return (int)i;
    return -1;
}

const char *sk_form_title(const sk_form *form, int lang)
{
    if (!form)
        return "";
    if (form->titles && lang >= 0 && (size_t)lang < form->n_langs && form->titles[lang])
        return form->titles[lang];
    return form->title ? form->title : "";
}

const char *sk_form_text(const sk_form *form, char *const *texts, int lang)
{
    if (!form || !texts)
        return "";
    if (lang >= 0 && (size_t)lang < form->n_langs && texts[lang])
        return texts[lang];
    if (form->default_lang >= 0 && (size_t)form->default_lang < form->n_langs &&
        texts[form->default_lang])
        return texts[form->default_lang];
    for (size_t i = 0; i < form->n_langs; i++)
        if (texts[i])
            return texts[i];
    return "";
}

/* ------------------------------------------------------------------ dump */

typedef struct out {
    char *s;
    size_t n, cap;
    int nomem;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->nomem)
        return;
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || o->n + (size_t)need + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (need >= 0 && o->n + (size_t)need + 1 > cap)
            cap *= 2;
        char *s = need < 0 ? NULL : realloc(o->s, cap);
        if (!s) {
            o->nomem = 1;
            return;
        }
        o->s = s;
        o->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(o->s + o->n, o->cap - o->n, fmt, ap);
    va_end(ap);
    o->n += (size_t)need;
}

/* Texts are quoted with newlines escaped so that each dump line is one field. */
static void put_quoted(out *o, const char *s)
{
    put(o, "\"");
    for (; *s; s++) {
        if (*s == '\n')
            put(o, "\\n");
        else if (*s == '"' || *s == '\\')
            put(o, "\\%c", *s);
        else
            put(o, "%c", *s);
    }
    put(o, "\"");
}

static void put_texts(out *o, const sk_form *f, const char *what, char *const *t)
{
    for (size_t i = 0; t && i < f->n_langs; i++)
        if (t[i]) {
            put(o, "    %s[%s] ", what, f->lang_codes[i]);
            put_quoted(o, t[i]);
            put(o, "\n");
        }
}

static void put_appearance(out *o, unsigned ap)
{
    static const char *const names[] = {"minimal",    "likert",     "horizontal", "multiline",
                                        "field-list", "table-list", "signature",  "consent",
                                        "month-year", "year"};
    const char *sep = "";
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ap & (1u << i)) {
            put(o, "%s%s", sep, names[i]);
            sep = ",";
        }
    if (!*sep)
        put(o, "-");
}

char *sk_form_dump(const sk_form *f)
{
    out o = {0};
    if (!f)
        return NULL;
    put(&o, "form id=%s version=%s\n  title ", f->id, f->version);
    put_quoted(&o, f->title);
    put(&o, "\n  kiosk idle=%u countdown=%u thanks=%u withdrawal_code=%s\n", f->idle_timeout_s,
        f->idle_countdown_s, f->thanks_timeout_s, f->show_withdrawal_code ? "yes" : "no");
    put(&o, "languages %zu default=%d\n", f->n_langs, f->default_lang);
    for (size_t i = 0; i < f->n_langs; i++)
        put(&o, "  [%zu] %s (%s)\n", i, f->lang_names[i], f->lang_codes[i]);
    put(&o, "questions %zu\n", f->n_q);
    for (size_t i = 0; i < f->n_q; i++) {
        const sk_question *q = &f->q[i];
        put(&o, "  #%zu row=%u %s %s parent=%d", i, q->row, sk_qtype_name(q->type), q->name,
            q->parent);
        if (q->type == SK_Q_BEGIN_GROUP)
            put(&o, " end=%d", q->group_end);
        if (q->list >= 0)
            put(&o, " list=%s", f->lists[q->list].name);
        if (q->source_type)
            put(&o, " source_type=%s", q->source_type);
        if (q->by_path)
            put(&o, " by_path");
        if (q->or_other)
            put(&o, " or_other");
        if (q->in_consent)
            put(&o, " consent");
        /* Only when set, so the golden dumps of forms without them stay as they are. */
        if (q->identifying)
            put(&o, " identifying");
        if (q->is_repeat)
            put(&o, " repeat count=%s", *q->repeat_count_src ? q->repeat_count_src : "(participant)");
        if (q->quote_consent && *q->quote_consent)
            put(&o, " quote_consent=%s", q->quote_consent);
        put(&o, " appearance=");
        put_appearance(&o, q->appearance);
        put(&o, "\n");
        put_texts(&o, f, "label", q->label);
        put_texts(&o, f, "hint", q->hint);
        put_texts(&o, f, "constraint_message", q->constraint_message);
        put_texts(&o, f, "required_message", q->required_message);
        const char *srcs[] = {q->relevant_src, q->constraint_src, q->calculation_src,
                              q->choice_filter_src, q->required_src, q->read_only_src,
                              q->default_value};
        const char *names[] = {"relevant", "constraint", "calculation", "choice_filter",
                               "required", "read_only", "default"};
        for (size_t k = 0; k < 7; k++)
            if (srcs[k] && *srcs[k]) {
                put(&o, "    %s ", names[k]);
                put_quoted(&o, srcs[k]);
                put(&o, "\n");
            }
        if (q->type == SK_Q_RANGE)
            put(&o, "    range start=%g end=%g step=%g\n", q->range_start, q->range_end,
                q->range_step);
    }
    put(&o, "choice lists %zu\n", f->n_lists);
    for (size_t l = 0; l < f->n_lists; l++) {
        const sk_choice_list *cl = &f->lists[l];
        put(&o, "  list %s (%zu)\n", cl->name, cl->n);
        for (size_t i = 0; i < cl->n; i++) {
            const sk_choice *ch = &cl->choices[i];
            put(&o, "    choice row=%u %s\n", ch->row, ch->name);
            for (size_t k = 0; k < f->n_langs; k++)
                if (ch->label[k]) {
                    put(&o, "      label[%s] ", f->lang_codes[k]);
                    put_quoted(&o, ch->label[k]);
                    put(&o, "\n");
                }
            for (size_t k = 0; k < ch->n_extra; k++)
                if (*ch->extra_value[k]) {
                    put(&o, "      %s=", ch->extra_name[k]);
                    put_quoted(&o, ch->extra_value[k]);
                    put(&o, "\n");
                }
        }
    }
    put(&o, "consent_group %d\ncalc_order", f->consent_group);
    for (size_t i = 0; i < f->n_calc; i++)
        put(&o, " %s", f->q[f->calc_order[i]].name);
    put(&o, "\npages %zu\n", f->n_pages);
    for (size_t i = 0; i < f->n_pages; i++) {
        const sk_page *p = &f->pages[i];
        put(&o, "  page %zu group=%d%s:", i, p->group, p->consent ? " consent" : "");
        for (size_t k = 0; k < p->n; k++)
            put(&o, " %s", f->q[p->q[k]].name);
        put(&o, "\n");
    }
    if (o.nomem) {
        free(o.s);
        return NULL;
    }
    return o.s;
}
