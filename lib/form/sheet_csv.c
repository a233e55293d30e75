/* sheet_csv.c - pyxform's CSV layout (RFC 4180 quoting, UTF-8, optional BOM):
 *
 *   survey,,,
 *   ,type,name,label
 *   ,text,nm,"Your name, please"
 */
#include <stdlib.h>
#include <string.h>

#include "sheet_text.h"

#define MAX_CELLS 256

sk_status wb_read_csv(const char *text, size_t len, const char *name, wb_workbook *out,
                      sk_error *err)
{
    text_layout t = {.wb = out, .name = name};
    text_cell cells[MAX_CELLS];
    const char *p = text, *end = text + len;
    sk_status st = SK_OK;
    /* unquoted cell text is written here; it never grows beyond the input */
    char *buf = malloc(len + 1);
    if (!buf)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", name);
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    unsigned line = 1;
    while (p < end && st == SK_OK) {
        unsigned record_line = line;
        size_t n = 0, w = 0;
        int done = 0;
        while (!done) {
            size_t start = w;
            if (p < end && *p == '"') {
                p++;
                for (;;) {
                    if (p >= end) {
                        st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, record_line, NULL,
                                             "a quoted cell starting on line %u is never "
                                             "closed; add the closing '\"'",
                                             record_line);
                        break;
                    }
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            buf[w++] = '"';
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    if (*p == '\n')
                        line++;
                    buf[w++] = *p++;
                }
                if (st != SK_OK)
                    break;
            }
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                buf[w++] = *p++;
            if (n == MAX_CELLS) {
                st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, record_line, NULL,
                                     "more than %d columns on one line", MAX_CELLS);
                break;
            }
            cells[n].s = buf + start;
            cells[n].len = w - start;
            n++;
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '\r')
                p++;
            if (p < end && *p == '\n')
                p++;
            line++;
            done = 1;
        }
        if (st == SK_OK)
            st = text_layout_line(&t, cells, n, record_line, err);
    }
    free(buf);
    if (st == SK_OK && out->n == 0)
        st = sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                             "no sheet name (survey, choices, settings) in the first column; "
                             "this is not an XLSForm in pyxform's CSV layout");
    if (st != SK_OK)
        wb_free(out);
    return st;
}
