/* write_xlsx.c - the export as one Excel workbook (libxlsxwriter).
 *
 * Why a workbook besides the CSV: a CSV double-clicked in Excel is read in
 * the machine's code page (mojibake for Chinese, emoji) and a cell that
 * starts with = is run as a formula.  Here every text is written with
 * worksheet_write_string (never write_formula), so "=SUM(1,2)" stays text
 * and nothing needs the CSV's leading '; numbers are numbers, dates and
 * date-times are Excel dates with a date format (UTC, as everywhere in the
 * export).  One sheet per table, in the order given (the codebook is one of
 * them), header row bold and frozen.
 *
 * Memory: constant_memory mode (rows streamed to temporary XML files, made
 * in the output folder rather than /tmp, so plaintext answers stay where
 * the researcher put them).  Missing answers as in the CSV: not asked empty,
 * asked and skipped the text NA. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <xlsxwriter.h>

#include "export_internal.h"

/* Sheet names: at most 31 characters, none of []:*?/\, unique. */
static void sheet_name(const char *name, char *const *taken, size_t n_taken, char out[32])
{
    snprintf(out, 32, "%.31s", name);
    for (char *p = out; *p; p++)
        if (strchr("[]:*?/\\", *p))
            *p = '_';
    char base[32];
    snprintf(base, sizeof base, "%s", out);
    for (unsigned k = 2;; k++) {
        bool clash = false;
        for (size_t i = 0; i < n_taken && !clash; i++)
            clash = strcasecmp(taken[i], out) == 0;
        if (!clash || k > 9999)
            return;
        char suffix[8];
        int sl = snprintf(suffix, sizeof suffix, "~%u", k);
        snprintf(out, 32, "%.*s%s", 31 - sl, base, suffix);
    }
}

static lxw_datetime to_lxw(int64_t ms)
{
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t sod = secs - days * 86400;
    /* civil_from_days (Howard Hinnant), the inverse of util.c's. */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    lxw_datetime dt = {(int)y, (int)m, (int)d, (int)(sod / 3600), (int)(sod % 3600 / 60),
                       (double)(sod % 60) + (double)(ms - secs * 1000) / 1000.0};
    return dt;
}

typedef struct formats {
    lxw_format *head, *date, *datetime;
} formats;

static lxw_error write_cell(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const tab_col *col,
                            const tab_cellv *v, const formats *fm)
{
    if (v->state == CELL_SKIPPED)
        return worksheet_write_string(ws, r, c, TAB_CSV_SKIPPED, NULL);
    if (v->state != CELL_VALUE)
        return LXW_NO_ERROR;   /* an empty cell */
    const char *s = v->value;
    char *end;
    int64_t t;
    switch (col->type) {
    case TT_INT:
    case TT_NUM: {
        double d = strtod(s, &end);
        if (*s && !*end)
            return worksheet_write_number(ws, r, c, d, NULL);
        break;
    }
    case TT_CODED: {
        const tab_vlabel *vl = tab_code(col, s);
        if (vl && col->labels)
            return worksheet_write_string(ws, r, c, vl->label, NULL);
        double d = strtod(s, &end);
        if (col->csv_numeric && *s && !*end)
            return worksheet_write_number(ws, r, c, d, NULL);
        break;
    }
    case TT_DATE:
        if (iso_parse_date(s, &t)) {
            lxw_datetime dt = to_lxw(t * 86400000);
            return worksheet_write_datetime(ws, r, c, &dt, fm->date);
        }
        break;
    case TT_DATETIME:
        if (iso_parse_ms(s, &t)) {
            lxw_datetime dt = to_lxw(t);
            return worksheet_write_datetime(ws, r, c, &dt, fm->datetime);
        }
        break;
    default: break;
    }
    /* Text, or a value its column's type cannot hold: as recorded. */
    return worksheet_write_string(ws, r, c, s, NULL);
}

static sk_status xerr(sk_error *err, const char *path, const char *sheet, size_t row,
                      const char *col, lxw_error e)
{
    if (e == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
        sk_error_set(err, SK_ERR_UNSUPPORTED,
                     "%s: sheet %s, row %zu, column %s: a text longer than Excel's 32,767 "
                     "characters; export it as csv, sav or dta instead of xlsx",
                     path, sheet, row, col ? col : "");
    else
        sk_error_set(err, SK_ERR_IO, "%s: cannot write the workbook (sheet %s): %s", path, sheet,
                     lxw_strerror(e));
    sk_error_set_file(err, path);
    return err->status;
}

static sk_status write_sheet(lxw_workbook *wb, const char *path, ex_table *t, const char *name,
                             const formats *fm, sk_error *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return sk_error_set(err, SK_ERR_NOMEM, "%s: cannot add the sheet %s", path, name);
    worksheet_freeze_panes(ws, 1, 0);
    for (size_t c = 0; c < t->n_cols; c++) {
        double width = t->cols[c].type == TT_DATETIME ? 20 : t->cols[c].type == TT_DATE ? 12 : 14;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width, NULL);
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        lxw_error e = worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].name, fm->head);
        if (e)
            return xerr(err, path, name, 1, t->cols[c].name, e);
    }
    sk_status st = t->n_rows ? tab_rewind(t, err) : SK_OK;
    for (size_t r = 0; r < t->n_rows && st == SK_OK; r++) {
        st = tab_next_row(t, err);
        for (size_t c = 0; c < t->n_cols && st == SK_OK; c++) {
            lxw_error e = write_cell(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, &t->cols[c],
                                     &t->cells[c], fm);
            if (e)
                st = xerr(err, path, name, r + 2, t->cols[c].name, e);
        }
    }
    return st;
}

sk_status xlsx_write(const char *path, ex_table *const *tables, size_t n_tables,
                     const char *tmpdir, sk_error *err)
{
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = (char *)tmpdir};
    lxw_workbook *wb = workbook_new_opt(path, &options);
    if (!wb)
        return sk_error_set(err, SK_ERR_NOMEM, "%s: cannot start the workbook", path);
    formats fm = {workbook_add_format(wb), workbook_add_format(wb), workbook_add_format(wb)};
    format_set_bold(fm.head);
    format_set_num_format(fm.date, "yyyy-mm-dd");
    format_set_num_format(fm.datetime, "yyyy-mm-dd hh:mm:ss");
    char **taken = calloc(n_tables + 1, sizeof *taken);
    sk_status st = taken ? SK_OK : sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s", path);
    for (size_t i = 0; i < n_tables && st == SK_OK; i++) {
        char name[32];
        sheet_name(tables[i]->name, taken, i, name);
        taken[i] = strdup(name);
        st = taken[i] ? write_sheet(wb, path, tables[i], name, &fm, err)
                      : sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s", path);
    }
    for (size_t i = 0; taken && i < n_tables; i++)
        free(taken[i]);
    free(taken);
    lxw_error e = workbook_close(wb);   /* writes the file; frees wb either way */
    if (st == SK_OK && e)
        st = xerr(err, path, "", 0, NULL, e);
    return st;
}
