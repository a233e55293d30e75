/* error.c - located errors and problem lists (see sk/error.h). */
#include "sk/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
    [SK_OK] = "ok",           [SK_ERR_ARG] = "argument",     [SK_ERR_NOMEM] = "memory",
    [SK_ERR_IO] = "io",       [SK_ERR_NOSPACE] = "no-space", [SK_ERR_FORMAT] = "format",
    [SK_ERR_INVALID] = "invalid", [SK_ERR_EXPR] = "expression", [SK_ERR_AUTH] = "auth",
    [SK_ERR_PASSPHRASE] = "passphrase", [SK_ERR_MISMATCH] = "mismatch",
    [SK_ERR_EXISTS] = "exists", [SK_ERR_NOTFOUND] = "not-found", [SK_ERR_DB] = "database",
    [SK_ERR_STATE] = "state", [SK_ERR_UNSUPPORTED] = "unsupported",
};

const char *sk_status_name(sk_status st)
{
    if ((unsigned)st < sizeof status_names / sizeof status_names[0] && status_names[st])
        return status_names[st];
    return "unknown";
}

void sk_error_clear(sk_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

static void copy_field(char *dst, size_t size, const char *src)
{
    if (!src)
        src = "";
    snprintf(dst, size, "%s", src);
}

sk_status sk_error_vset_at(sk_error *err, sk_status st, const char *file, const char *sheet,
                           unsigned row, const char *column, const char *fmt, va_list ap)
{
    if (!err)
        return st;
    err->status = st;
    copy_field(err->file, sizeof err->file, file);
    copy_field(err->sheet, sizeof err->sheet, sheet);
    err->row = row;
    copy_field(err->column, sizeof err->column, column);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return st;
}

sk_status sk_error_set_at(sk_error *err, sk_status st, const char *file, const char *sheet,
                          unsigned row, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sk_error_vset_at(err, st, file, sheet, row, column, fmt, ap);
    va_end(ap);
    return st;
}

sk_status sk_error_set(sk_error *err, sk_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sk_error_vset_at(err, st, NULL, NULL, 0, NULL, fmt, ap);
    va_end(ap);
    return st;
}

void sk_error_set_file(sk_error *err, const char *file)
{
    if (err)
        copy_field(err->file, sizeof err->file, file);
}

size_t sk_error_format(const sk_error *err, char *buf, size_t size)
{
    char row[16] = "";
    if (err->row)
        snprintf(row, sizeof row, "%u", err->row);
    const char *parts[] = {err->file, err->sheet, row, err->column};
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i][0])
            continue;
        int n = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0, "%s:", parts[i]);
        len += n > 0 ? (size_t)n : 0;
    }
    int n = snprintf(size > len ? buf + len : NULL, size > len ? size - len : 0, "%s%s",
                     len ? " " : "", err->message);
    return len + (n > 0 ? (size_t)n : 0);
}

void sk_diags_init(sk_diags *d)
{
    memset(d, 0, sizeof *d);
}

sk_status sk_diags_add(sk_diags *d, const char *file, const char *sheet, unsigned row,
                       const char *column, const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        sk_error *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return SK_ERR_NOMEM;
        d->items = items;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    sk_error_vset_at(&d->items[d->n++], SK_ERR_INVALID, file, sheet, row, column, fmt, ap);
    va_end(ap);
    return SK_OK;
}

static int sheet_rank(const char *sheet)
{
    static const char *const order[] = {"", "survey", "choices", "settings"};
    for (int i = 0; i < 4; i++)
        if (strcmp(sheet, order[i]) == 0)
            return i;
    return 4;
}

static int diag_cmp(const void *a, const void *b)
{
    const sk_error *x = a, *y = b;
    int rx = sheet_rank(x->sheet), ry = sheet_rank(y->sheet);
    if (rx != ry)
        return rx - ry;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return strcmp(x->column, y->column);
}

void sk_diags_sort(sk_diags *d)
{
    /* qsort is not stable; ties keep a deterministic order through the column. */
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, diag_cmp);
}

void sk_diags_free(sk_diags *d)
{
    if (!d)
        return;
    free(d->items);
    memset(d, 0, sizeof *d);
}
