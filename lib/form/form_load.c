/* form_load.c - sk_form_load / sk_form_load_mem: read the file, pick the
 * reader, build the model, check it, and hand it over only when it is valid. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form_internal.h"
#include "sk/expr.h"
#include "sk/text.h"

/* A message as an sk_error holds it: control characters escaped (a line
 * break inside an expression would otherwise split the output line), and a
 * message too long for the field shortened in the middle, between UTF-8
 * characters, so that the start (what) and the end (what to do) remain. */
static void fit_message(const char *in, char *out, size_t size)
{
    char *esc = malloc(strlen(in) * 2 + 1);
    if (!esc) {
        snprintf(out, size, "%s", in);
        return;
    }
    size_t w = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            esc[w++] = '\\';
            esc[w++] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
        } else if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            esc[w++] = ' ';
        } else {
            esc[w++] = *p;
        }
    }
    esc[w] = '\0';
    if (w < size) {
        memcpy(out, esc, w + 1);
        free(esc);
        return;
    }
    static const char cut[] = " [...] ";
    size_t keep = size - 1 - (sizeof cut - 1);
    size_t head = keep / 2, tail = keep - head;
    while (head > 0 && ((unsigned char)esc[head] & 0xC0) == 0x80)
        head--;
    size_t from = w - tail;
    while (from < w && ((unsigned char)esc[from] & 0xC0) == 0x80)
        from++;
    snprintf(out, size, "%.*s%s%s", (int)head, esc, cut, esc + from);
    free(esc);
}

static void add_located(form_ctx *c, sk_diags *to, const char *sheet, unsigned row, unsigned col,
                        const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
static void add_located(form_ctx *c, sk_diags *to, const char *sheet, unsigned row, unsigned col,
                        const char *fmt, va_list ap)
{
    char msg[sizeof ((sk_error *)0)->message];
    char letter[8] = "";
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *raw = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!raw) {
        c->nomem = 1;
        return;
    }
    vsnprintf(raw, (size_t)n + 1, fmt, ap);
    fit_message(raw, msg, sizeof msg);
    free(raw);
    if (col)
        wb_col_letter(col, letter);
    /* A loop's body is copied once per choice (form_loop.c), each copy with
     * its source row: the same problem at the same place is told once. */
    for (size_t i = 0; i < to->n; i++) {
        const sk_error *e = &to->items[i];
        if (e->row == row && strcmp(e->sheet, sheet ? sheet : "") == 0 &&
            strcmp(e->column, col ? letter : "") == 0 && strcmp(e->message, msg) == 0)
            return;
    }
    if (sk_diags_add(to, c->file, sheet, row, col ? letter : NULL, "%s", msg) != SK_OK)
        c->nomem = 1;
}

void form_problem(form_ctx *c, const char *sheet, unsigned row, unsigned col, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_located(c, c->diags, sheet, row, col, fmt, ap);
    va_end(ap);
}

void form_warning(form_ctx *c, const char *sheet, unsigned row, unsigned col, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    add_located(c, c->warnings, sheet, row, col, fmt, ap);
    va_end(ap);
}

char **form_texts_new(size_t n_langs)
{
    return calloc(n_langs ? n_langs : 1, sizeof(char *));
}

void form_texts_free(char **t, size_t n_langs)
{
    if (!t)
        return;
    for (size_t i = 0; i < n_langs; i++)
        free(t[i]);
    free(t);
}

void form_question_free(sk_question *q, size_t n_langs)
{
    free(q->name);
    form_texts_free(q->label, n_langs);
    form_texts_free(q->hint, n_langs);
    form_texts_free(q->constraint_message, n_langs);
    form_texts_free(q->required_message, n_langs);
    form_texts_free(q->image, n_langs);
    free(q->relevant_src);
    free(q->constraint_src);
    free(q->calculation_src);
    free(q->choice_filter_src);
    free(q->required_src);
    free(q->read_only_src);
    free(q->default_value);
    free(q->quote_consent);
    free(q->source_type);
    free(q->repeat_count_src);
    sk_expr_free(q->repeat_count);
    sk_expr_free(q->relevant);
    sk_expr_free(q->constraint);
    sk_expr_free(q->calculation);
    sk_expr_free(q->choice_filter);
    sk_expr_free(q->required);
    sk_expr_free(q->read_only);
}

void form_free_impl(form_impl *f)
{
    sk_form *p = &f->pub;
    for (size_t i = 0; i < p->n_q; i++)
        form_question_free(&p->q[i], p->n_langs);
    free(p->q);
    for (size_t l = 0; l < p->n_lists; l++) {
        sk_choice_list *cl = &p->lists[l];
        for (size_t i = 0; i < cl->n; i++) {
            sk_choice *ch = &cl->choices[i];
            free(ch->name);
            form_texts_free(ch->label, p->n_langs);
            form_texts_free(ch->image, p->n_langs);
            for (size_t k = 0; k < ch->n_extra; k++) {
                free(ch->extra_name[k]);
                free(ch->extra_value[k]);
            }
            free(ch->extra_name);
            free(ch->extra_value);
        }
        free(cl->choices);
        free(cl->name);
    }
    free(p->lists);
    for (size_t i = 0; i < p->n_langs; i++) {
        free(p->lang_names[i]);
        free(p->lang_codes[i]);
    }
    free(p->lang_names);
    free(p->lang_codes);
    for (size_t i = 0; i < p->n_pages; i++)
        free(p->pages[i].q);
    free(p->pages);
    free(p->calc_order);
    if (p->titles)
        for (size_t i = 0; i < p->n_langs; i++)
            free(p->titles[i]);
    free(p->titles);
    free(p->repeats);
    for (size_t i = 0; i < p->n_data_files; i++)
        free(p->data_files[i]);
    free(p->data_files);
    free(p->title);
    free(p->id);
    free(p->version);
    free(p->source_name);
    names_free(&f->names);
    sk_diags_free(&p->warnings);
    free(f);
}

void sk_form_free(sk_form *form)
{
    if (form)
        form_free_impl((form_impl *)form);
}

/* Offset of the first byte that is not well-formed UTF-8, or -1. */
static long utf8_invalid_at(const char *s)
{
    size_t len = strlen(s), at = sk_utf8_invalid_at(s, len);
    return at == len ? -1 : (long)at;
}

/* Every sheet name and cell must be UTF-8 before anything reads it: the
 * kiosk renders and seals these texts, and the builder quotes them in its
 * messages.  Reports each bad cell (up to a limit, so that a binary file
 * named .csv gives a short list) and returns how many were found. */
#define MAX_UTF8_PROBLEMS 20
static size_t check_utf8(form_ctx *c, const wb_workbook *wb)
{
    size_t found = 0;
    for (size_t s = 0; s < wb->n; s++) {
        const wb_sheet *sh = &wb->sheets[s];
        long at = utf8_invalid_at(sh->name);
        if (at >= 0 && found++ < MAX_UTF8_PROBLEMS)
            form_problem(c, NULL, 0, 0,
                         "the name of sheet %zu: invalid UTF-8 at byte %ld; save the file as "
                         "UTF-8",
                         s + 1, at + 1);
        if (at >= 0)
            continue; /* its cells cannot be located by a sheet name */
        const char *sheet = sh->name;
        const wb_row *header = sh->n > 0 ? &sh->rows[0] : NULL;
        for (size_t r = 0; r < sh->n; r++) {
            const wb_row *row = &sh->rows[r];
            for (size_t k = 0; k < row->n; k++) {
                at = utf8_invalid_at(row->cells[k].text);
                if (at < 0 || found++ >= MAX_UTF8_PROBLEMS)
                    continue;
                const char *head = r > 0 ? wb_cell_text(header, row->cells[k].col) : NULL;
                if (r == 0)
                    form_problem(c, sheet, row->row, row->cells[k].col,
                                 "column header: invalid UTF-8 at byte %ld; save the file as "
                                 "UTF-8",
                                 at + 1);
                else if (head && utf8_invalid_at(head) < 0 && strlen(head) < 100)
                    form_problem(c, sheet, row->row, row->cells[k].col,
                                 "column %s: invalid UTF-8 at byte %ld; save the file as UTF-8",
                                 head, at + 1);
                else
                    form_problem(c, sheet, row->row, row->cells[k].col,
                                 "invalid UTF-8 at byte %ld; save the file as UTF-8", at + 1);
            }
        }
    }
    if (found > MAX_UTF8_PROBLEMS)
        form_problem(c, NULL, 0, 0, "%zu more cells are not valid UTF-8; save the file as UTF-8",
                     found - MAX_UTF8_PROBLEMS);
    return found;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "dir/study.v2.xlsx" -> "study.v2" */
static char *stem(const char *name)
{
    const char *dot = strrchr(name, '.');
    return strndup(name, dot && dot != name ? (size_t)(dot - name) : strlen(name));
}

/* media_path: the form's path on disk, to find its pictures; NULL from memory. */
static sk_status load_mem(const void *data, size_t len, const char *name, const char *media_path,
                          sk_form **out, sk_diags *diags, sk_error *err)
{
    if (!data || !name || !out || !diags)
        return sk_error_set(err, SK_ERR_ARG, "sk_form_load_mem needs data, a name, out and diags");
    wb_workbook wb;
    sk_status st = wb_read_mem(data, len, name, &wb, err);
    if (st != SK_OK)
        return st;
    form_impl *f = calloc(1, sizeof *f);
    if (!f) {
        wb_free(&wb);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory loading %s", name);
    }
    size_t before = diags->n;
    sk_diags_init(&f->pub.warnings);
    form_ctx c = {.f = f, .file = name, .diags = diags, .warnings = &f->pub.warnings};
    /* Text that is not UTF-8 stops here: nothing after this point (nor its
     * messages, which quote cells) has to cope with it. */
    if (check_utf8(&c, &wb) == 0) {
        form_expand_loops(&c, &wb);
        if (!c.nomem)
            form_build(&c, &wb);
        if (!c.nomem)
            form_check(&c); /* even after build problems: report every problem in one run */
        if (!c.nomem)
            form_media_check(&c, media_path);
    }
    wb_free(&wb);
    free(c.qcols);
    for (size_t i = 0; i < c.n_refused; i++) {
        free(c.refused[i].name);
        free(c.refused[i].type);
    }
    free(c.refused);
    for (size_t i = 0; i < c.n_ambiguous; i++)
        free(c.ambiguous[i]);
    free(c.ambiguous);
    free(c.data_file_at);
    sk_form *p = &f->pub;
    p->source_name = strdup(base_name(name));
    if (!p->title)
        p->title = stem(base_name(name));
    if (!p->id)
        p->id = stem(base_name(name));
    if (!p->version)
        p->version = strdup("1");
    if (c.nomem || !p->source_name || !p->title || !p->id || !p->version) {
        form_free_impl(f);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory loading %s", name);
    }
    if (diags->n > before) {
        sk_diags_sort(diags);
        form_free_impl(f);
        return sk_error_set_at(err, SK_ERR_INVALID, name, NULL, 0, NULL,
                               "%zu problem%s in the questionnaire", diags->n - before,
                               diags->n - before == 1 ? "" : "s");
    }
    sk_diags_sort(&p->warnings);
    *out = p;
    return SK_OK;
}

sk_status sk_form_load_mem(const void *data, size_t len, const char *name, sk_form **out,
                           sk_diags *diags, sk_error *err)
{
    return load_mem(data, len, name, NULL, out, diags, err);
}

sk_status sk_form_load(const char *path, sk_form **out, sk_diags *diags, sk_error *err)
{
    if (!path)
        return sk_error_set(err, SK_ERR_ARG, "sk_form_load needs a path");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot open: %s",
                               strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(fp);
                return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        free(buf);
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "cannot read the file; check it is a readable file, not a "
                               "directory");
    }
    sk_status st = buf ? load_mem(buf, len, path, path, out, diags, err)
                       : sk_error_set(err, SK_ERR_ARG, "no data read from %s", path);
    free(buf);
    return st;
}
