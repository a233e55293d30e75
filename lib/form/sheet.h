/* sheet.h - the one reader interface behind sk_form_load (internal to lib/form).
 *
 * A workbook is a list of named sheets; a sheet is a list of non-empty rows in
 * file order; a row holds its non-empty cells, each a UTF-8 string with its
 * Excel row number and 1-based column.  Three back ends fill it: .xlsx
 * (sheet_xlsx.c), pyxform markdown tables (sheet_md.c) and pyxform CSV
 * (sheet_csv.c).  The form builder never knows which one ran.
 */
#ifndef SK_FORM_SHEET_H
#define SK_FORM_SHEET_H

#include <stddef.h>

#include "sk/error.h"

typedef struct wb_cell {
    unsigned col;   /* 1 = A */
    char *text;     /* never NULL, never "" */
} wb_cell;

typedef struct wb_row {
    unsigned row;   /* Excel row number */
    wb_cell *cells; /* ascending col */
    size_t n, cap;
} wb_row;

typedef struct wb_sheet {
    char *name;
    wb_row *rows;
    size_t n, cap;
} wb_sheet;

typedef struct wb_workbook {
    wb_sheet *sheets;
    size_t n, cap;
} wb_workbook;

/* Read a workbook from bytes.  name (the file name) picks the format when the
 * content does not (a zip is .xlsx) and names the file in errors.
 * Errors: SK_ERR_FORMAT (not a spreadsheet / damaged), SK_ERR_NOMEM. */
sk_status wb_read_mem(const void *data, size_t len, const char *name, wb_workbook *out,
                      sk_error *err);
sk_status wb_read_xlsx(const void *data, size_t len, const char *name, wb_workbook *out,
                       sk_error *err);
sk_status wb_read_md(const char *text, size_t len, const char *name, wb_workbook *out,
                     sk_error *err);
sk_status wb_read_csv(const char *text, size_t len, const char *name, wb_workbook *out,
                      sk_error *err);
void wb_free(wb_workbook *wb);
/* Strip blanks (spaces, tabs, line breaks, U+00A0) around every cell and
 * sheet name, as pyxform does; cells and rows left empty are dropped.
 * wb_read_mem does this. */
void wb_trim(wb_workbook *wb);

/* Builders shared by the back ends. NULL on out of memory. */
wb_sheet *wb_add_sheet(wb_workbook *wb, const char *name, size_t name_len);
wb_row *wb_add_row(wb_sheet *sh, unsigned row);
/* Appends (or, for a column already present, replaces) a cell; empty text is skipped. */
int wb_add_cell(wb_row *r, unsigned col, const char *text, size_t len);
const wb_sheet *wb_find_sheet(const wb_workbook *wb, const char *name);
/* The text of a cell, or NULL. */
const char *wb_cell_text(const wb_row *r, unsigned col);
/* "A", "AB", ... into buf (at least 8 bytes). */
const char *wb_col_letter(unsigned col, char *buf);

#endif
