/* sheet_text.h - pyxform's text layouts (markdown and CSV) share one rule:
 * a non-empty first cell starts the sheet of that name, and the following
 * rows (first cell empty) are that sheet's rows 1, 2, 3, ...  Internal. */
#ifndef SK_FORM_SHEET_TEXT_H
#define SK_FORM_SHEET_TEXT_H

#include "sheet.h"

typedef struct text_cell {
    const char *s;
    size_t len;
} text_cell;

typedef struct text_layout {
    wb_workbook *wb;
    wb_sheet *cur;
    unsigned next_row;
    const char *name;
} text_layout;

/* Add one line of cells (cell 0 = the sheet-name column). line is the
 * file's line number, used in errors. */
sk_status text_layout_line(text_layout *t, const text_cell *cells, size_t n, unsigned line,
                           sk_error *err);

#endif
