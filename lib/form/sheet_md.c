/* sheet_md.c - pyxform's markdown-table layout:
 *
 *   | survey |         |      |            |
 *   |        | type    | name | label      |
 *   |        | text    | nm   | Your name  |
 *
 * Lines that do not start with '|' (after spaces) are ignored, as pyxform does.
 * Cells are trimmed; "\|" is a literal bar inside a cell. */
#include <stdlib.h>
#include <string.h>

#include "sheet_text.h"

#define MAX_CELLS 256

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

sk_status wb_read_md(const char *text, size_t len, const char *name, wb_workbook *out,
                     sk_error *err)
{
    text_layout t = {.wb = out, .name = name};
    text_cell cells[MAX_CELLS];
    char *unescaped = NULL;
    const char *p = text, *end = text + len;
    unsigned line = 0;
    sk_status st = SK_OK;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end && st == SK_OK) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *s = p;
        p = eol < end ? eol + 1 : end;
        while (s < eol && is_space(*s))
            s++;
        if (s == eol || *s != '|')
            continue;
        const char *e = eol;
        while (e > s && is_space(e[-1]))
            e--;
        if (e > s + 1 && e[-1] == '|' && e[-2] != '\\')
            e--; /* the closing bar */
        s++;
        /* cells may contain "\|": copy the line with escapes removed, and
         * mark real separators with '\0' */
        free(unescaped);
        unescaped = malloc((size_t)(e - s) + 1);
        if (!unescaped) {
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", name);
            break;
        }
        size_t n = 0, w = 0, start = 0;
        for (const char *c = s;; c++) {
            if (c == e || *c == '|') {
                if (n == MAX_CELLS) {
                    st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, line, NULL,
                                         "more than %d columns on one line", MAX_CELLS);
                    break;
                }
                size_t a = start, b = w;
                while (a < b && is_space(unescaped[a]))
                    a++;
                while (b > a && is_space(unescaped[b - 1]))
                    b--;
                cells[n].s = unescaped + a;
                cells[n].len = b - a;
                n++;
                unescaped[w++] = '\0';
                start = w;
                if (c == e)
                    break;
                continue;
            }
            if (*c == '\\' && c + 1 < e && c[1] == '|')
                c++;
            unescaped[w++] = *c;
        }
        if (st == SK_OK)
            st = text_layout_line(&t, cells, n, line, err);
    }
    free(unescaped);
    if (st == SK_OK && out->n == 0)
        st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                             "no markdown table with a sheet name (| survey |) was found; "
                             "this is not an XLSForm");
    if (st != SK_OK)
        wb_free(out);
    return st;
}
