/* sheet_text.c - the sheet-name-in-column-1 rule shared by .md and .csv. */
#include "sheet_text.h"

sk_status text_layout_line(text_layout *t, const text_cell *cells, size_t n, unsigned line,
                           sk_error *err)
{
    size_t first_data = 1;
    /* a first cell of blanks ("  ," in pyxform's padded CSV) is empty */
    int named = 0;
    for (size_t i = 0; n > 0 && i < cells[0].len && !named; i++)
        named = cells[0].s[i] != ' ' && cells[0].s[i] != '\t';
    if (named) {
        t->cur = wb_add_sheet(t->wb, cells[0].s, cells[0].len);
        if (!t->cur)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", t->name);
        t->next_row = 1;
        int any = 0;
        for (size_t i = 1; i < n; i++)
            any |= cells[i].len > 0;
        if (!any)
            return SK_OK;
    }
    if (!t->cur) {
        int any = 0;
        for (size_t i = 0; i < n; i++)
            any |= cells[i].len > 0;
        if (!any)
            return SK_OK;
        return sk_error_set_at(err, SK_ERR_FORMAT, t->name, NULL, line, NULL,
                               "line %u has cells before any sheet name; put the sheet name "
                               "(survey, choices, settings) in the first column first",
                               line);
    }
    wb_row *r = wb_add_row(t->cur, t->next_row++);
    if (!r)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", t->name);
    for (size_t i = first_data; i < n; i++)
        if (wb_add_cell(r, (unsigned)i, cells[i].s, cells[i].len) != 0)
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading %s", t->name);
    if (r->n == 0) { /* blank rows keep their number but hold nothing */
        t->cur->n--;
    }
    return SK_OK;
}
