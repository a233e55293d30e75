/* sheet.c - the workbook model shared by the three readers, and format choice. */
#include "sheet.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(p, ncap * elem);
    if (np)
        *cap = ncap;
    return np;
}

wb_sheet *wb_add_sheet(wb_workbook *wb, const char *name, size_t name_len)
{
    wb_sheet *s = grow(wb->sheets, &wb->cap, wb->n + 1, sizeof *s);
    if (!s)
        return NULL;
    wb->sheets = s;
    char *copy = strndup(name, name_len);
    if (!copy)
        return NULL;
    s = &wb->sheets[wb->n++];
    memset(s, 0, sizeof *s);
    s->name = copy;
    return s;
}

wb_row *wb_add_row(wb_sheet *sh, unsigned row)
{
    wb_row *r = grow(sh->rows, &sh->cap, sh->n + 1, sizeof *r);
    if (!r)
        return NULL;
    sh->rows = r;
    r = &sh->rows[sh->n++];
    memset(r, 0, sizeof *r);
    r->row = row;
    return r;
}

int wb_add_cell(wb_row *r, unsigned col, const char *text, size_t len)
{
    if (len == 0)
        return 0;
    char *copy = strndup(text, len);
    if (!copy)
        return -1;
    for (size_t i = 0; i < r->n; i++)
        if (r->cells[i].col == col) {
            free(r->cells[i].text);
            r->cells[i].text = copy;
            return 0;
        }
    wb_cell *c = grow(r->cells, &r->cap, r->n + 1, sizeof *c);
    if (!c) {
        free(copy);
        return -1;
    }
    r->cells = c;
    size_t at = r->n;
    while (at > 0 && r->cells[at - 1].col > col) { /* keep columns ascending */
        r->cells[at] = r->cells[at - 1];
        at--;
    }
    r->cells[at].col = col;
    r->cells[at].text = copy;
    r->n++;
    return 0;
}

const wb_sheet *wb_find_sheet(const wb_workbook *wb, const char *name)
{
    for (size_t i = 0; i < wb->n; i++)
        if (strcasecmp(wb->sheets[i].name, name) == 0)
            return &wb->sheets[i];
    return NULL;
}

const char *wb_cell_text(const wb_row *r, unsigned col)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->cells[i].col == col)
            return r->cells[i].text;
    return NULL;
}

const char *wb_col_letter(unsigned col, char *buf)
{
    char tmp[8];
    size_t n = 0;
    while (col > 0 && n < sizeof tmp) {
        col--;
        tmp[n++] = (char)('A' + col % 26);
        col /= 26;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return buf;
}

void wb_free(wb_workbook *wb)
{
    if (!wb)
        return;
    for (size_t i = 0; i < wb->n; i++) {
        wb_sheet *s = &wb->sheets[i];
        for (size_t j = 0; j < s->n; j++) {
            for (size_t k = 0; k < s->rows[j].n; k++)
                free(s->rows[j].cells[k].text);
            free(s->rows[j].cells);
        }
        free(s->rows);
        free(s->name);
    }
    free(wb->sheets);
    memset(wb, 0, sizeof *wb);
}

/* Length of the blank at s (a space, tab, line break or U+00A0), else 0. */
static size_t blank_at(const char *s, size_t left)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        return 1;
    if (left >= 2 && (unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
        return 2;
    return 0;
}

/* Blank before the end of s (len bytes), else 0. */
static size_t blank_before(const char *s, size_t len)
{
    if (len >= 1 && blank_at(s + len - 1, 1) == 1)
        return 1;
    if (len >= 2 && (unsigned char)s[len - 2] == 0xC2 && (unsigned char)s[len - 1] == 0xA0)
        return 2;
    return 0;
}

/* s without surrounding blanks, moved to its start; returns the new length. */
static size_t trim(char *s)
{
    size_t len = strlen(s), lead = 0, b;
    while (lead < len && (b = blank_at(s + lead, len - lead)) > 0)
        lead += b;
    while (len > lead && (b = blank_before(s + lead, len - lead)) > 0)
        len -= b;
    memmove(s, s + lead, len - lead);
    s[len - lead] = '\0';
    return len - lead;
}

void wb_trim(wb_workbook *wb)
{
    for (size_t i = 0; i < wb->n; i++) {
        wb_sheet *sh = &wb->sheets[i];
        trim(sh->name);
        for (size_t j = 0; j < sh->n; j++) {
            wb_row *r = &sh->rows[j];
            size_t w = 0;
            for (size_t k = 0; k < r->n; k++) {
                if (trim(r->cells[k].text) == 0) {
                    free(r->cells[k].text); /* a cell of blanks is an empty cell */
                    continue;
                }
                r->cells[w++] = r->cells[k];
            }
            r->n = w;
        }
        /* a row that held only blanks is no row: the header stays first */
        size_t w = 0;
        for (size_t j = 0; j < sh->n; j++) {
            if (sh->rows[j].n == 0) {
                free(sh->rows[j].cells);
                continue;
            }
            sh->rows[w++] = sh->rows[j];
        }
        sh->n = w;
    }
}

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n >= e && strcasecmp(name + n - e, ext) == 0;
}

static sk_status wb_read_any(const void *data, size_t len, const char *name, wb_workbook *out,
                             sk_error *err)
{
    memset(out, 0, sizeof *out);
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
        return wb_read_xlsx(data, len, name, out, err);
    if (memchr(data, '\0', len))
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this is not a spreadsheet (binary content that is not .xlsx); "
                               "give an XLSForm as .xlsx, .md or .csv");
    if (has_ext(name, ".md"))
        return wb_read_md(data, len, name, out, err);
    if (has_ext(name, ".csv"))
        return wb_read_csv(data, len, name, out, err);
    if (has_ext(name, ".xlsx"))
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this .xlsx file is not a zip archive; save it again from "
                               "Excel or LibreOffice as .xlsx");
    return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                           "this is not a spreadsheet this tool reads; give an XLSForm as "
                           ".xlsx, .md (pyxform markdown) or .csv");
}

sk_status wb_read_mem(const void *data, size_t len, const char *name, wb_workbook *out,
                      sk_error *err)
{
    sk_status st = wb_read_any(data, len, name, out, err);
    if (st == SK_OK)
        wb_trim(out); /* pyxform strips every cell, header and sheet name */
    return st;
}
