/* csv_instance.c - CSV attachments as secondary instances (see csv_instance.h). */
#include "csv_instance.h"

#include <stdlib.h>
#include <string.h>

struct csv_table {
    char **cells;   /* row-major, n_cols per row; row 0 is the header */
    size_t n_cols, n_rows; /* n_rows counts the items, not the header */
};

typedef struct reader {
    const char *s;
    size_t len, pos;
    unsigned line;
} reader;

/* One field at r->pos: malloc'd, *end_of_row set when the row ends after it.
 * NULL with *bad set on an unclosed quote, NULL alone when out of memory. */
static char *field(reader *r, int *end_of_row, int *bad)
{
    size_t cap = 16, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    int quoted = r->pos < r->len && r->s[r->pos] == '"';
    if (quoted)
        r->pos++;
    for (;;) {
        if (r->pos >= r->len) {
            if (quoted) {
                *bad = 1;
                free(out);
                return NULL;
            }
            *end_of_row = 1;
            break;
        }
        char c = r->s[r->pos];
        if (quoted && c == '"') {
            if (r->pos + 1 < r->len && r->s[r->pos + 1] == '"') {
                r->pos += 2;
            } else {
                quoted = 0;
                r->pos++;
                continue;
            }
        } else if (!quoted && c == ',') {
            r->pos++;
            *end_of_row = 0;
            break;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            r->pos += (c == '\r' && r->pos + 1 < r->len && r->s[r->pos + 1] == '\n') ? 2 : 1;
            r->line++;
            *end_of_row = 1;
            break;
        } else {
            if (c == '\n')
                r->line++;
            r->pos++;
        }
        if (n + 2 > cap) {
            cap *= 2;
            char *g = realloc(out, cap);
            if (!g) {
                free(out);
                return NULL;
            }
            out = g;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

void csv_table_free(csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < (t->n_rows + 1) * t->n_cols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

sk_status csv_table_parse(const char *file, const void *bytes, size_t len, csv_table **out,
                          sk_error *err)
{
    if (!file || (!bytes && len) || !out)
        return sk_error_set(err, SK_ERR_ARG, "csv_table_parse: NULL argument");
    reader r = {.s = bytes, .len = len, .line = 1};
    if (len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    csv_table *t = calloc(1, sizeof *t);
    if (!t)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file);
    size_t cap = 0, n = 0, col = 0;
    sk_status st = SK_OK;
    while (r.pos < r.len) {
        unsigned line = r.line;
        int end = 0, bad = 0;
        char *f = field(&r, &end, &bad);
        if (!f) {
            st = bad ? sk_error_set_at(err, SK_ERR_FORMAT, file, NULL, line, NULL,
                                       "a quoted field is never closed; add the closing \"")
                     : sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file);
            break;
        }
        if (n + 1 > cap) {
            cap = cap ? cap * 2 : 64;
            char **g = realloc(t->cells, cap * sizeof *g);
            if (!g) {
                free(f);
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file);
                break;
            }
            t->cells = g;
        }
        t->cells[n++] = f;
        col++;
        if (!end)
            continue;
        if (t->n_cols == 0) { /* the header row just ended */
            t->n_cols = col;
            for (size_t i = 0; i < col && st == SK_OK; i++) {
                if (!t->cells[i][0])
                    st = sk_error_set_at(err, SK_ERR_FORMAT, file, NULL, 1, NULL,
                                         "column %zu has no name; name every column in the "
                                         "first row", i + 1);
                for (size_t k = 0; k < i && st == SK_OK; k++)
                    if (strcmp(t->cells[i], t->cells[k]) == 0)
                        st = sk_error_set_at(err, SK_ERR_FORMAT, file, NULL, 1, NULL,
                                             "the column '%s' is named twice", t->cells[i]);
            }
        } else if (col == 1 && !t->cells[n - 1][0]) {
            free(t->cells[--n]); /* a blank line */
        } else if (col > t->n_cols) {
            st = sk_error_set_at(err, SK_ERR_FORMAT, file, NULL, line, NULL,
                                 "the row has %zu fields but the first row names %zu columns",
                                 col, t->n_cols);
        } else {
            while (col < t->n_cols && st == SK_OK) { /* a short row: the rest are empty */
                if (n + 1 > cap) {
                    cap *= 2;
                    char **g = realloc(t->cells, cap * sizeof *g);
                    if (!g) {
                        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file);
                        break;
                    }
                    t->cells = g;
                }
                if (!(t->cells[n] = strdup(""))) {
                    st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", file);
                    break;
                }
                n++, col++;
            }
            t->n_rows++;
        }
        col = 0;
        if (st != SK_OK)
            break;
    }
    if (st == SK_OK && t->n_cols == 0)
        st = sk_error_set_at(err, SK_ERR_FORMAT, file, NULL, 0, NULL,
                             "the file is empty; its first row must name the columns");
    if (st != SK_OK) {
        for (size_t i = 0; i < n; i++)
            free(t->cells[i]);
        free(t->cells);
        free(t);
        return st;
    }
    *out = t;
    return SK_OK;
}

size_t csv_table_rows(const csv_table *t) { return t ? t->n_rows : 0; }

const char *csv_table_value(const csv_table *t, size_t row, const char *col)
{
    if (!t || row >= t->n_rows)
        return NULL;
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->cells[c], col) == 0)
            return t->cells[(row + 1) * t->n_cols + c];
    return NULL;
}
