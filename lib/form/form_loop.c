/* form_loop.c - pyxform's loops ("begin loop over LIST" ... "end loop"),
 * expanded in the survey sheet before the model is built.
 *
 * pyxform (builder.py, tests/test_loop.py) turns a loop named L over the
 * choice list C into a group L holding, for each choice of C except one named
 * "none", a group named after the choice and labelled with the choice's
 * label, holding a copy of the loop's rows in which "%(name)s" and
 * "%(label)s" are replaced by the choice's name and label (in the column's
 * language).  So a question q of the loop is /L/CHOICE/q, and its data column
 * the path L/CHOICE/q (form_names.c names repeated names by path).  We do the
 * same with the sheet's rows, so every later check sees ordinary groups; each
 * copy keeps its source row number, so a problem names the row the author
 * wrote.  Two differences, both stricter or kinder than pyxform: the
 * substitution also reaches rows inside a group inside the loop (pyxform
 * leaves those literal, a known gap), and a repeat or a loop inside a loop is
 * refused with its row (pyxform fails later on a duplicate name).
 *
 * Owns nothing after it returns: the survey sheet's rows are replaced in
 * place (the old ones freed).  Problems go to c->diags; out of memory sets
 * c->nomem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_internal.h"

typedef struct lang_col {
    unsigned col;
    char lang[128]; /* "" = no language */
} lang_col;

typedef struct loop_cols {
    unsigned type_col, name_col;
    lang_col labels[32]; /* the label columns */
    size_t n_labels;
} loop_cols;

/* Whether the sheet's headers use "::" (then "label:x" is not a language). */
static int double_colon(const wb_row *hr)
{
    for (size_t i = 0; i < hr->n; i++)
        if (strstr(hr->cells[i].text, "::"))
            return 1;
    return 0;
}

static void read_cols(const wb_sheet *sh, int choices, loop_cols *out)
{
    memset(out, 0, sizeof *out);
    if (sh->n == 0)
        return;
    const wb_row *hr = &sh->rows[0];
    int dc = double_colon(hr);
    for (size_t i = 0; i < hr->n; i++) {
        form_header hd;
        form_header_split(hr->cells[i].text, dc, &hd);
        enum field f = form_field_of(hd.base, choices);
        if ((choices ? f == F_LIST_NAME : f == F_TYPE) && !out->type_col)
            out->type_col = hr->cells[i].col; /* choices: the list name */
        if (f == F_NAME && !out->name_col)
            out->name_col = hr->cells[i].col;
        if (f == F_LABEL && out->n_labels < sizeof out->labels / sizeof out->labels[0]) {
            lang_col *l = &out->labels[out->n_labels++];
            l->col = hr->cells[i].col;
            snprintf(l->lang, sizeof l->lang, "%s", hd.has_lang ? hd.lang : "");
        }
    }
}

/* The language of survey column col ("" when none). */
static const char *col_lang(const wb_row *hr, int dc, unsigned col)
{
    static char lang[128];
    lang[0] = '\0';
    for (size_t i = 0; i < hr->n; i++)
        if (hr->cells[i].col == col) {
            form_header hd;
            form_header_split(hr->cells[i].text, dc, &hd);
            if (hd.has_lang)
                snprintf(lang, sizeof lang, "%s", hd.lang);
        }
    return lang;
}

/* A choice's label in lang: the choices column of that language, else the
 * first label column (one untranslated label serves every language). */
static const char *choice_label(const loop_cols *cc, const wb_row *choice, const char *lang)
{
    for (size_t i = 0; i < cc->n_labels; i++)
        if (strcmp(cc->labels[i].lang, lang) == 0 && wb_cell_text(choice, cc->labels[i].col))
            return wb_cell_text(choice, cc->labels[i].col);
    for (size_t i = 0; i < cc->n_labels; i++)
        if (wb_cell_text(choice, cc->labels[i].col))
            return wb_cell_text(choice, cc->labels[i].col);
    return NULL;
}

typedef enum { K_OTHER, K_BEGIN_LOOP, K_END_LOOP, K_BEGIN_REPEAT } row_kind;

/* Skips blanks and '_' (pyxform: "begin loop", "begin_loop"). */
static const char *skip_sep(const char *p)
{
    while (*p == ' ' || *p == '_' || *p == '\t')
        p++;
    return p;
}

/* p starts with word (any case) followed by a separator or the end: the
 * text after it, else NULL. */
static const char *word_at(const char *p, const char *word)
{
    size_t n = strlen(word);
    if (strncasecmp(p, word, n) != 0 || (p[n] && p[n] != ' ' && p[n] != '_' && p[n] != '\t'))
        return NULL;
    return p + n;
}

/* What a type cell starts; for a loop, *list gets the list name ("" when
 * none).  pyxform: "begin loop over L", "begin_loop over L", "begin loop L". */
static row_kind kind_of(const char *type, char *list, size_t list_size)
{
    list[0] = '\0';
    const char *p = skip_sep(type), *q;
    if ((q = word_at(p, "end")) != NULL)
        return (q = word_at(skip_sep(q), "loop")) != NULL && !*skip_sep(q) ? K_END_LOOP : K_OTHER;
    if ((q = word_at(p, "begin")) == NULL)
        return K_OTHER;
    p = skip_sep(q);
    if (word_at(p, "repeat") || word_at(p, "lgroup") || word_at(p, "looped"))
        return K_BEGIN_REPEAT;
    if ((q = word_at(p, "loop")) == NULL)
        return K_OTHER;
    while (*q == ' ' || *q == '\t')
        q++;
    const char *over = word_at(q, "over");
    if (over && *over) /* "over" then a list; a list named "over" stays a list */
        for (q = over; *q == ' ' || *q == '\t'; q++)
            ;
    size_t n = strcspn(q, " \t");
    snprintf(list, list_size, "%.*s", (int)n, q);
    return K_BEGIN_LOOP;
}

/* text with "%(name)s" and "%(label)s" replaced; malloc'd, NULL = nomem. */
static char *substitute(const char *text, const char *name, const char *label)
{
    static const char pn[] = "%(name)s", pl[] = "%(label)s";
    size_t need = 1;
    for (const char *p = text; *p;) {
        if (strncmp(p, pn, sizeof pn - 1) == 0)
            need += strlen(name), p += sizeof pn - 1;
        else if (strncmp(p, pl, sizeof pl - 1) == 0)
            need += strlen(label), p += sizeof pl - 1;
        else
            need++, p++;
    }
    char *out = malloc(need), *w = out;
    if (!out)
        return NULL;
    for (const char *p = text; *p;) {
        if (strncmp(p, pn, sizeof pn - 1) == 0) {
            memcpy(w, name, strlen(name));
            w += strlen(name);
            p += sizeof pn - 1;
        } else if (strncmp(p, pl, sizeof pl - 1) == 0) {
            memcpy(w, label, strlen(label));
            w += strlen(label);
            p += sizeof pl - 1;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

static int add_text(form_ctx *c, wb_row *r, unsigned col, const char *text)
{
    if (wb_add_cell(r, col, text, strlen(text)) != 0) {
        c->nomem = 1;
        return -1;
    }
    return 0;
}

/* A copy of src into out; with a choice, its cells substituted and, when
 * type is given, the type cell replaced. */
static wb_row *copy_row(form_ctx *c, wb_sheet *out, const wb_row *src, const wb_row *hr, int dc,
                        const loop_cols *cc, const wb_row *choice, const char *choice_name,
                        unsigned type_col, const char *type)
{
    wb_row *r = wb_add_row(out, src->row);
    if (!r) {
        c->nomem = 1;
        return NULL;
    }
    for (size_t i = 0; i < src->n; i++) {
        const wb_cell *cell = &src->cells[i];
        if (type && cell->col == type_col)
            continue;
        if (!choice) {
            if (add_text(c, r, cell->col, cell->text))
                return NULL;
            continue;
        }
        const char *label = choice_label(cc, choice, col_lang(hr, dc, cell->col));
        char *t = substitute(cell->text, choice_name, label ? label : choice_name);
        if (!t || add_text(c, r, cell->col, t)) {
            free(t);
            c->nomem = 1;
            return NULL;
        }
        free(t);
    }
    if (type && add_text(c, r, type_col, type))
        return NULL;
    return r;
}

/* The rows of list `list` in the choices sheet (indexes into ch->rows). */
static size_t list_rows(const wb_sheet *ch, const loop_cols *cc, const char *list, size_t *idx,
                        size_t max)
{
    size_t n = 0;
    for (size_t i = 1; ch && i < ch->n && n < max; i++) {
        const char *ln = wb_cell_text(&ch->rows[i], cc->type_col);
        const char *nm = wb_cell_text(&ch->rows[i], cc->name_col);
        if (ln && nm && strcmp(ln, list) == 0 && strcmp(nm, "none") != 0)
            idx[n++] = i;
    }
    return n;
}

/* One loop: rows [b] (begin) .. [e] (end) of sh, expanded into out. */
static void expand_one(form_ctx *c, const wb_sheet *sh, size_t b, size_t e, const char *list,
                       const loop_cols *sc, const wb_sheet *ch, const loop_cols *cc,
                       wb_sheet *out)
{
    const wb_row *hr = &sh->rows[0];
    int dc = double_colon(hr);
    const wb_row *begin = &sh->rows[b];
    const char *loop_name = wb_cell_text(begin, sc->name_col);
    size_t cap = ch ? ch->n : 1;
    size_t *idx = malloc(cap * sizeof *idx);
    if (!idx) {
        c->nomem = 1;
        return;
    }
    size_t n = list_rows(ch, cc, list, idx, cap);
    int ok = 1;
    if (!ch) {
        form_problem(c, "survey", begin->row, sc->type_col,
                     "the loop '%s' is over the choice list '%s' but there is no choices "
                     "sheet; add one",
                     loop_name ? loop_name : "", list);
        ok = 0;
    } else if (n == 0) {
        form_problem(c, "survey", begin->row, sc->type_col,
                     "unknown choice list '%s' (or it has no choices); the loop repeats its "
                     "questions once per choice of the list: add it to the choices sheet or "
                     "fix the type",
                     list);
        ok = 0;
    }
    for (size_t k = 0; k < n; k++) {
        const wb_row *choice = &ch->rows[idx[k]];
        const char *cn = wb_cell_text(choice, cc->name_col);
        if (!form_valid_name(cn)) {
            form_problem(c, "choices", choice->row, cc->name_col,
                         "the choice name '%s' names a group of the loop '%s' (survey row %u), "
                         "so it must be a valid name: letters, digits and '_', starting with a "
                         "letter",
                         cn, loop_name ? loop_name : "", begin->row);
            ok = 0;
        }
    }
    /* the loop itself: a group (label, relevance and appearance kept) */
    if (!copy_row(c, out, begin, hr, dc, cc, NULL, NULL, sc->type_col, "begin_group"))
        goto done;
    for (size_t k = 0; ok && k < n; k++) {
        const wb_row *choice = &ch->rows[idx[k]];
        const char *cn = wb_cell_text(choice, cc->name_col);
        /* the choice's group: its name and, per survey label column, its label */
        wb_row *g = wb_add_row(out, begin->row);
        if (!g || add_text(c, g, sc->type_col, "begin_group") ||
            (sc->name_col && add_text(c, g, sc->name_col, cn))) {
            c->nomem = 1;
            goto done;
        }
        for (size_t l = 0; l < sc->n_labels; l++) {
            const char *lab = choice_label(cc, choice, sc->labels[l].lang);
            if (lab && add_text(c, g, sc->labels[l].col, lab))
                goto done;
        }
        for (size_t i = b + 1; i < e; i++)
            if (!copy_row(c, out, &sh->rows[i], hr, dc, cc, choice, cn, 0, NULL))
                goto done;
        wb_row *ge = wb_add_row(out, sh->rows[e].row);
        if (!ge || add_text(c, ge, sc->type_col, "end_group")) {
            c->nomem = 1;
            goto done;
        }
    }
    if (!ok) /* the body once, unexpanded, so its own problems are still found */
        for (size_t i = b + 1; i < e; i++)
            if (!copy_row(c, out, &sh->rows[i], hr, dc, cc, NULL, NULL, 0, NULL))
                goto done;
    if (!copy_row(c, out, &sh->rows[e], hr, dc, cc, NULL, NULL, sc->type_col, "end_group"))
        goto done;
done:
    free(idx);
}

void form_expand_loops(form_ctx *c, wb_workbook *wb)
{
    wb_sheet *sh = (wb_sheet *)wb_find_sheet(wb, "survey");
    if (!sh || sh->n < 2)
        return;
    loop_cols sc, cc;
    read_cols(sh, 0, &sc);
    if (!sc.type_col)
        return; /* form_build says the type column is missing */
    int any = 0;
    char list[256];
    for (size_t i = 1; i < sh->n && !any; i++) {
        const char *t = wb_cell_text(&sh->rows[i], sc.type_col);
        row_kind k = t ? kind_of(t, list, sizeof list) : K_OTHER;
        any = k == K_BEGIN_LOOP || k == K_END_LOOP;
    }
    if (!any)
        return; /* the common case: the sheet is left as it is */
    const wb_sheet *ch = wb_find_sheet(wb, "choices");
    if (ch)
        read_cols(ch, 1, &cc);
    else
        memset(&cc, 0, sizeof cc);
    wb_sheet out = {0};
    if (!copy_row(c, &out, &sh->rows[0], &sh->rows[0], 0, &cc, NULL, NULL, 0, NULL))
        goto fail;
    for (size_t i = 1; i < sh->n && !c->nomem; i++) {
        const wb_row *r = &sh->rows[i];
        const char *t = wb_cell_text(r, sc.type_col);
        row_kind k = t ? kind_of(t, list, sizeof list) : K_OTHER;
        if (k == K_END_LOOP) {
            form_problem(c, "survey", r->row, sc.type_col,
                         "end loop without a matching begin loop; remove it or add a "
                         "'begin loop over LIST' row above");
            continue;
        }
        if (k != K_BEGIN_LOOP) {
            if (!copy_row(c, &out, r, &sh->rows[0], 0, &cc, NULL, NULL, 0, NULL))
                goto fail;
            continue;
        }
        const char *name = wb_cell_text(r, sc.name_col);
        /* find its end; a loop or a repeat inside it is refused */
        size_t e = 0;
        int inner = 0, depth = 0;
        for (size_t j = i + 1; j < sh->n && !e; j++) {
            const char *tj = wb_cell_text(&sh->rows[j], sc.type_col);
            char l2[256];
            row_kind kj = tj ? kind_of(tj, l2, sizeof l2) : K_OTHER;
            if (kj == K_END_LOOP && depth > 0) {
                depth--;
            } else if (kj == K_END_LOOP) {
                e = j;
            } else if (kj == K_BEGIN_LOOP || kj == K_BEGIN_REPEAT) {
                form_problem(c, "survey", sh->rows[j].row, sc.type_col,
                             "a %s inside the loop '%s' (row %u) is not supported: its "
                             "names would repeat once per choice; move it out of the loop",
                             kj == K_BEGIN_LOOP ? "loop" : "repeat", name ? name : "",
                             r->row);
                inner = 1;
                depth += kj == K_BEGIN_LOOP;
            }
        }
        if (!e) {
            form_problem(c, "survey", r->row, sc.type_col,
                         "the loop '%s' is never closed; add an 'end loop' row after its "
                         "questions",
                         name ? name : "");
            continue; /* the rows below are still checked, outside any loop */
        }
        if (!list[0]) {
            form_problem(c, "survey", r->row, sc.type_col,
                         "a loop needs a choice list: write 'begin loop over LIST', where "
                         "LIST is a list_name of the choices sheet");
            inner = 1;
        }
        if (inner) { /* refused: the rows as plain groups, checked once */
            copy_row(c, &out, r, &sh->rows[0], 0, &cc, NULL, NULL, sc.type_col, "begin_group");
            for (size_t j = i + 1; j < e && !c->nomem; j++) {
                const char *tj = wb_cell_text(&sh->rows[j], sc.type_col);
                char l2[256];
                row_kind kj = tj ? kind_of(tj, l2, sizeof l2) : K_OTHER;
                copy_row(c, &out, &sh->rows[j], &sh->rows[0], 0, &cc, NULL, NULL, sc.type_col,
                         kj == K_BEGIN_LOOP ? "begin_group" : kj == K_END_LOOP ? "end_group" : NULL);
            }
            copy_row(c, &out, &sh->rows[e], &sh->rows[0], 0, &cc, NULL, NULL, sc.type_col,
                     "end_group");
        } else {
            expand_one(c, sh, i, e, list, &sc, ch, &cc, &out);
        }
        i = e;
    }
    if (c->nomem)
        goto fail;
    /* swap the expanded rows in */
    for (size_t j = 0; j < sh->n; j++) {
        for (size_t k = 0; k < sh->rows[j].n; k++)
            free(sh->rows[j].cells[k].text);
        free(sh->rows[j].cells);
    }
    free(sh->rows);
    sh->rows = out.rows;
    sh->n = out.n;
    sh->cap = out.cap;
    return;
fail:
    c->nomem = 1;
    for (size_t j = 0; j < out.n; j++) {
        for (size_t k = 0; k < out.rows[j].n; k++)
            free(out.rows[j].cells[k].text);
        free(out.rows[j].cells);
    }
    free(out.rows);
}
