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

#ifdef _WIN32   /* msvcrt (mingw-w64) declares no unlocked fwrite: the locked calls */
#define putc_unlocked putc
#define fwrite_unlocked fwrite
#endif

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

/* How many bytes s has, and whether it must be quoted. */
static size_t scan(const char *s, bool *quote)
{
    size_t n = strlen(s);
    *quote = n && (s[0] == ' ' || s[n - 1] == ' ' || strpbrk(s, ",\"\r\n") != NULL);
    return n;
}

/* The FILE is the export thread's alone (reader.c's workers never write),
 * so the _unlocked calls: a cell is a few of them, a row a few dozen, and
 * each locked call costs a lock once worker threads exist. */
static void put_field(csv_writer *w, const char *s, bool text)
{
    if (w->col++)
        putc_unlocked(',', w->f);
    if (!s || !*s)
        return;
    bool quote;
    size_t n = scan(s, &quote);
    /* The ' goes inside the quotes, so a reader that unquotes the field sees
     * it as the first character, as a spreadsheet does. */
    bool prefix = text && !w->raw && formula_start(s);
    if (quote)
        putc_unlocked('"', w->f);
    if (prefix)
        putc_unlocked('\'', w->f);
    if (!quote) {
        fwrite_unlocked(s, 1, n, w->f);
        return;
    }
    /* The runs between quotes at once, each quote written twice. */
    const char *q;
    while ((q = memchr(s, '"', n)) != NULL) {
        size_t run = (size_t)(q + 1 - s);   /* up to and with the quote */
        fwrite_unlocked(s, 1, run, w->f);
        putc_unlocked('"', w->f);
        s += run;
        n -= run;
    }
    fwrite_unlocked(s, 1, n, w->f);
    putc_unlocked('"', w->f);
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
    fwrite_unlocked("\r\n", 1, 2, w->f);
    w->col = 0;
}
