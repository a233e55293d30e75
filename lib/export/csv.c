/* csv.c - an RFC 4180 writer: CRLF line ends, fields quoted only when they
 * must be (a comma, a quote, CR or LF, or space at either end that a
 * spreadsheet would otherwise trim), quotes inside doubled.  UTF-8 passes
 * through untouched. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

void csv_init(csv_writer *w, FILE *f)
{
    w->f = f;
    w->col = 0;
    w->nomem = false;
}

static bool needs_quotes(const char *s)
{
    if (!*s)
        return false;
    if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

void csv_field(csv_writer *w, const char *s)
{
    if (w->col++)
        fputc(',', w->f);
    if (!s || !*s)
        return;
    if (!needs_quotes(s)) {
        fputs(s, w->f);
        return;
    }
    fputc('"', w->f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', w->f);
        fputc(*s, w->f);
    }
    fputc('"', w->f);
}

void csv_fieldf(csv_writer *w, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->nomem = true;
        csv_field(w, "");
        return;
    }
    csv_field(w, text);
    free(text);
}

void csv_end_row(csv_writer *w)
{
    fputs("\r\n", w->f);
    w->col = 0;
}
