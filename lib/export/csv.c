/* csv.c - an RFC 4180 writer: CRLF line ends, fields quoted only when they
 * must be (a comma, a quote, CR or LF, or space at either end that a
 * spreadsheet would otherwise trim), quotes inside doubled.  UTF-8 passes
 * through untouched.
 *
 * Text cells are "defused" unless the writer is raw: Excel and LibreOffice
 * run a cell that begins with = + - @ (or a tab or CR before one) as a
 * formula, so a participant who types =HYPERLINK(...) into a free-text box
 * would otherwise get a formula run on the researcher's machine (OWASP "CSV
 * injection").  A leading ' makes the spreadsheet show the text as text.
 * Number columns go through csv_number and are never changed: whether a
 * column is text is decided per column by the caller, not by guessing at
 * each cell, so a negative number stays -3. */
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
    w->raw = false;
}

/* Would a spreadsheet take a cell starting like s as a formula? */
static bool formula_start(const char *s)
{
    return s && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
}

static bool needs_quotes(const char *s)
{
    if (!*s)
        return false;
    if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
        return true;
    return strpbrk(s, ",\"\r\n") != NULL;
}

static void put_field(csv_writer *w, const char *s, bool text)
{
    if (w->col++)
        fputc(',', w->f);
    if (!s || !*s)
        return;
    /* The ' goes inside the quotes, so a reader that unquotes the field sees
     * it as the first character, as a spreadsheet does. */
    const char *prefix = text && !w->raw && formula_start(s) ? "'" : "";
    if (!needs_quotes(s)) {
        fputs(prefix, w->f);
        fputs(s, w->f);
        return;
    }
    fputc('"', w->f);
    fputs(prefix, w->f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', w->f);
        fputc(*s, w->f);
    }
    fputc('"', w->f);
}

void csv_field(csv_writer *w, const char *s)
{
    put_field(w, s, true);
}

void csv_number(csv_writer *w, const char *s)
{
    put_field(w, s, false);
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
