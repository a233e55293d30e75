/* write_stat.c - a table as an SPSS .sav or a Stata .dta, through ReadStat
 * (libreadstat), not a writer of our own: both formats have corners (very
 * long strings, value label tables, strLs) that a library used by R's haven
 * and Python's pyreadstat has already got right.
 *
 * What each column becomes (tab_col, from export_plan.c):
 *   text      string, width the longest value (at least 1); Stata: a strL
 *             when longer than 2045 bytes
 *   int, num  numeric (double)
 *   coded     numeric codes with value labels (Stata: long, when every code
 *             is a whole number, as Stata labels only those)
 *   date      SPSS SDATE10 (seconds since 1582-10-14), Stata %td (days
 *             since 1960-01-01)
 *   datetime  SPSS DATETIME20, Stata %tc (ms since 1960-01-01), UTC
 * with the variable label, measurement level (SPSS), and in answer columns
 * the missing codes: SPSS user-missing -99 (asked and skipped) and -98 (not
 * asked), the text "-99"/"-98" in string columns; Stata .a and .b, empty in
 * string columns (Stata strings have no missing values).  The codebook says
 * the same.  Labels longer than a format allows are cut at a character
 * boundary (Stata 80 characters, SPSS 255 bytes for variables, 120 for
 * values); the codebook has them whole.
 *
 * Rows come from the table's spool (table.c), so the row count and string
 * widths are known before the header is written, as both formats need. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <readstat.h>

#include "export_internal.h"

#define SAV_EPOCH_DAYS 141428   /* 1582-10-14 to 1970-01-01 */
#define DTA_EPOCH_DAYS 3653     /* 1960-01-01 to 1970-01-01 */
#define DTA_STR_MAX 2045

typedef struct stat_ctx {
    FILE *f;
    char message[256];   /* ReadStat's own words, when it gives any */
} stat_ctx;

static ssize_t data_writer(const void *data, size_t len, void *ctx)
{
    stat_ctx *c = ctx;
    return fwrite(data, 1, len, c->f) == len ? (ssize_t)len : -1;
}

static void error_handler(const char *message, void *ctx)
{
    stat_ctx *c = ctx;
    snprintf(c->message, sizeof c->message, "%s", message);
}

/* s cut to at most max_bytes (and max_chars code points, 0: no limit) at a
 * UTF-8 character boundary, into out (max_bytes + 1). */
static void cut(const char *s, size_t max_bytes, size_t max_chars, char *out)
{
    size_t n = 0, chars = 0;
    while (s[n]) {
        size_t len = 1;
        while (((unsigned char)s[n + len] & 0xC0) == 0x80)
            len++;
        if (n + len > max_bytes || (max_chars && chars == max_chars))
            break;
        n += len;
        chars++;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static bool whole_codes(const tab_col *c)
{
    for (size_t i = 0; i < c->n_vl; i++)
        if (c->vl[i].code != floor(c->vl[i].code) || fabs(c->vl[i].code) > 2e9)
            return false;
    return true;
}


/* ---- SPSS names of very long strings ---------------------------------
 * A .sav string longer than 255 bytes is stored as segments; ReadStat names
 * the extra segments after the first five characters of the variable's
 * 8-byte short name plus a base-36 digit (TEAM_2 -> TEAM_1, TEAM_2, ...)
 * without checking that those names are free, and readers (SPSS, haven)
 * then mix the variables up.  So before anything is written, a long text
 * column whose segment names would clash gets a name with a stem of its
 * own: s<column number>_<name>.  The codebook is written after this, so it
 * lists the name the files use (the same in .sav and .dta). */

#define SAV_SHORT 8
#define SAV_STRING_MAX 255

static size_t segments(const tab_col *c)
{
    return c->type == TT_TEXT && c->width > SAV_STRING_MAX ? (c->width + 251) / 252 : 1;
}

/* The short names ReadStat will give (upper case, 8 bytes, clashes V<n>_A). */
static void short_names(const ex_table *t, char (*out)[SAV_SHORT + 1])
{
    for (size_t i = 0; i < t->n_cols; i++) {
        snprintf(out[i], SAV_SHORT + 1, "%.8s", t->cols[i].var);
        for (char *p = out[i]; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        for (size_t k = 0; k < i; k++)
            if (strcmp(out[k], out[i]) == 0) {
                snprintf(out[i], SAV_SHORT + 1, "V%u_A", (unsigned)((i + 1) % 100000));
                break;
            }
    }
}

static void ghost(const char *shortname, size_t segment, char out[SAV_SHORT + 1])
{
    static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    snprintf(out, SAV_SHORT + 1, "%.5s%c", shortname, digits[segment % 36]);
}

/* Does a segment name of column c clash with a short name or another
 * column's segment name? */
static bool clashes(const ex_table *t, char (*sn)[SAV_SHORT + 1], size_t c)
{
    for (size_t s = 1; s < segments(&t->cols[c]); s++) {
        char g[SAV_SHORT + 1];
        ghost(sn[c], s, g);
        for (size_t k = 0; k < t->n_cols; k++) {
            if (strcmp(sn[k], g) == 0)
                return true;
            for (size_t s2 = 1; k != c && s2 < segments(&t->cols[k]); s2++) {
                char g2[SAV_SHORT + 1];
                ghost(sn[k], s2, g2);
                if (strcmp(g, g2) == 0)
                    return true;
            }
        }
    }
    return false;
}

bool stat_fix_names(ex_table *t)
{
    char(*sn)[SAV_SHORT + 1] = calloc(t->n_cols + 1, sizeof *sn);
    if (!sn)
        return false;
    bool ok = true;
    for (int round = 0; round < 3 && ok; round++) {
        short_names(t, sn);
        bool changed = false;
        for (size_t c = 0; c < t->n_cols && ok; c++) {
            if (segments(&t->cols[c]) < 2 || !clashes(t, sn, c))
                continue;
            char name[VARNAME_MAX + 1];
            snprintf(name, sizeof name, "s%03zu_%s", c % 1000, t->cols[c].var);
            char **taken = calloc(t->n_cols + 1, sizeof *taken);
            ok = taken != NULL;
            for (size_t k = 0; ok && k < t->n_cols; k++)
                taken[k] = k == c ? NULL : t->cols[k].var;
            ok = ok && varname_unique(taken, t->n_cols, name);
            free(taken);
            char *copy = ok ? strdup(name) : NULL;
            ok = copy != NULL;
            if (ok) {
                free(t->cols[c].var);
                t->cols[c].var = copy;
                changed = true;
                short_names(t, sn);
            }
        }
        if (!changed)
            break;
    }
    free(sn);
    return ok;
}

typedef struct var_plan {
    readstat_variable_t *v;
    readstat_type_t type;
} var_plan;

static readstat_measure_t measure(tab_measure m)
{
    return m == TM_SCALE ? READSTAT_MEASURE_SCALE
           : m == TM_ORDINAL ? READSTAT_MEASURE_ORDINAL
                             : READSTAT_MEASURE_NOMINAL;
}

static void add_vars(readstat_writer_t *w, const ex_table *t, stat_format fmt, var_plan *plan)
{
    bool sav = fmt == STAT_SAV;
    for (size_t i = 0; i < t->n_cols; i++) {
        const tab_col *c = &t->cols[i];
        readstat_type_t type = READSTAT_TYPE_DOUBLE;
        size_t width = 0;
        const char *format = sav ? "F8.0" : "%9.0g";
        switch (c->type) {
        case TT_TEXT:
            type = READSTAT_TYPE_STRING;
            width = c->width ? c->width : 1;
            if (sav && c->answer && width < 3)
                width = 3;   /* room for "-99" */
            if (!sav && width > DTA_STR_MAX)
                type = READSTAT_TYPE_STRING_REF;
            format = NULL;
            break;
        case TT_NUM: format = sav ? "F10.2" : "%10.0g"; break;
        case TT_CODED:
            if (!sav && whole_codes(c))
                type = READSTAT_TYPE_INT32;
            break;
        case TT_DATE:
            format = sav ? "SDATE10" : "%td";
            if (!sav)
                type = READSTAT_TYPE_INT32;
            break;
        case TT_DATETIME: format = sav ? "DATETIME20" : "%tc"; break;
        default: break;
        }
        if (!sav && c->type == TT_INT && c->n_vl && whole_codes(c))
            type = READSTAT_TYPE_INT32;   /* 0/1 columns, labelled */
        readstat_variable_t *v = readstat_add_variable(w, c->var, type, width);
        plan[i].v = v;
        plan[i].type = type;
        char label[321];
        cut(c->label, sav ? 255 : 320, sav ? 0 : 80, label);
        readstat_variable_set_label(v, label);
        if (format)
            readstat_variable_set_format(v, format);
        readstat_variable_set_measure(v, measure(c->measure));

        bool numeric = type != READSTAT_TYPE_STRING && type != READSTAT_TYPE_STRING_REF;
        if (sav && c->answer) {
            if (numeric) {
                readstat_variable_add_missing_double_value(v, TAB_SAV_SKIPPED);
                readstat_variable_add_missing_double_value(v, TAB_SAV_NOT_ASKED);
            } else {
                readstat_variable_add_missing_string_value(v, "-99");
                readstat_variable_add_missing_string_value(v, "-98");
            }
        }
        /* Value labels: the choices, and the two missing codes. */
        bool labelled = c->n_vl && (sav || type == READSTAT_TYPE_INT32);
        bool missing_labels = c->answer && numeric && c->type != TT_DATE && c->type != TT_DATETIME &&
                              (sav || type == READSTAT_TYPE_INT32);
        if (!labelled && !missing_labels)
            continue;
        readstat_label_set_t *set = readstat_add_label_set(
            w, sav ? READSTAT_TYPE_DOUBLE : READSTAT_TYPE_INT32, c->var);
        for (size_t k = 0; labelled && k < c->n_vl; k++) {
            char vl[121];
            cut(c->vl[k].label, sav ? 120 : 120, 0, vl);
            if (sav)
                readstat_label_double_value(set, c->vl[k].code, vl);
            else
                readstat_label_int32_value(set, (int32_t)c->vl[k].code, vl);
        }
        if (missing_labels) {
            if (sav) {
                readstat_label_double_value(set, TAB_SAV_SKIPPED, "asked and skipped");
                readstat_label_double_value(set, TAB_SAV_NOT_ASKED, "not asked");
            } else {
                readstat_label_tagged_value(set, TAB_DTA_SKIPPED, "asked and skipped");
                readstat_label_tagged_value(set, TAB_DTA_NOT_ASKED, "not asked");
            }
        }
        readstat_variable_set_label_set(v, set);
    }
}

/* One cell: a value converted to its column's type, or a missing code. */
static readstat_error_t put(readstat_writer_t *w, stat_format fmt, const tab_col *c,
                            const var_plan *p, const tab_cellv *cell, readstat_string_ref_t *ref)
{
    bool sav = fmt == STAT_SAV;
    bool numeric = p->type != READSTAT_TYPE_STRING && p->type != READSTAT_TYPE_STRING_REF;
    if (cell->state == CELL_SKIPPED || cell->state == CELL_NOT_ASKED) {
        bool skipped = cell->state == CELL_SKIPPED;
        if (!c->answer)
            return numeric ? readstat_insert_missing_value(w, p->v)
                           : readstat_insert_string_value(w, p->v, "");
        if (sav)
            return numeric ? readstat_insert_double_value(w, p->v, skipped ? TAB_SAV_SKIPPED
                                                                           : TAB_SAV_NOT_ASKED)
                           : readstat_insert_string_value(w, p->v, skipped ? "-99" : "-98");
        if (numeric)
            return readstat_insert_tagged_missing_value(w, p->v, skipped ? TAB_DTA_SKIPPED
                                                                         : TAB_DTA_NOT_ASKED);
        static const tab_cellv empty = {CELL_EMPTY, ""};
        cell = &empty;
    }
    if (!numeric) {
        const char *s = cell->state == CELL_VALUE ? cell->value : "";
        if (p->type == READSTAT_TYPE_STRING_REF)
            return readstat_insert_string_ref(w, p->v, ref);
        return readstat_insert_string_value(w, p->v, s);
    }
    if (cell->state != CELL_VALUE)
        return readstat_insert_missing_value(w, p->v);
    double d;
    int64_t t;
    char *end;
    const char *s = cell->value;
    switch (c->type) {
    case TT_CODED: {
        const tab_vlabel *vl = tab_code(c, s);
        if (!vl)   /* a value the list no longer has (the CSV keeps it) */
            return readstat_insert_missing_value(w, p->v);
        d = vl->code;
        break;
    }
    case TT_DATE:
        if (!iso_parse_date(s, &t))
            return readstat_insert_missing_value(w, p->v);
        if (!sav)
            return readstat_insert_int32_value(w, p->v, (int32_t)(t + DTA_EPOCH_DAYS));
        d = (double)(t + SAV_EPOCH_DAYS) * 86400.0;
        break;
    case TT_DATETIME:
        if (!iso_parse_ms(s, &t))
            return readstat_insert_missing_value(w, p->v);
        d = sav ? (double)t / 1000.0 + SAV_EPOCH_DAYS * 86400.0
                : (double)t + DTA_EPOCH_DAYS * 86400000.0;
        break;
    default:
        d = strtod(s, &end);
        if (!*s || *end)
            return readstat_insert_missing_value(w, p->v);
        break;
    }
    if (p->type == READSTAT_TYPE_INT32)
        return readstat_insert_int32_value(w, p->v, (int32_t)d);
    return readstat_insert_double_value(w, p->v, d);
}

static sk_status rs_error(sk_error *err, const char *path, const ex_table *t, size_t row,
                          const char *col, readstat_error_t e, const stat_ctx *c)
{
    sk_status st = e == READSTAT_ERROR_WRITE ? (errno == ENOSPC ? SK_ERR_NOSPACE : SK_ERR_IO)
                   : e == READSTAT_ERROR_MALLOC ? SK_ERR_NOMEM
                                                : SK_ERR_UNSUPPORTED;
    if (row)
        sk_error_set(err, st, "%s: table %s, row %zu, column %s: %s%s%s", path, t->name, row,
                     col ? col : "", readstat_error_message(e), *c->message ? ": " : "",
                     c->message);
    else
        sk_error_set(err, st, "%s: table %s: %s%s%s", path, t->name, readstat_error_message(e),
                     *c->message ? ": " : "", c->message);
    sk_error_set_file(err, path);
    return st;
}

sk_status stat_write(ex_table *t, stat_format fmt, const char *file_label, FILE *f,
                     const char *path, sk_error *err)
{
    stat_ctx ctx = {.f = f};
    var_plan *plan = calloc(t->n_cols + 1, sizeof *plan);
    readstat_writer_t *w = readstat_writer_init();
    if (!plan || !w) {
        free(plan);
        if (w)
            readstat_writer_free(w);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s", path);
    }
    readstat_set_data_writer(w, data_writer);
    readstat_writer_set_error_handler(w, error_handler);
    char label[81];
    cut(file_label, 80, fmt == STAT_DTA ? 80 : 0, label);
    readstat_writer_set_file_label(w, label);
    if (fmt == STAT_DTA)
        readstat_writer_set_file_format_version(w, 118);   /* Stata 14+: UTF-8 */
    else
        readstat_writer_set_compression(w, READSTAT_COMPRESS_ROWS);
    add_vars(w, t, fmt, plan);

    /* Stata strLs: ReadStat wants every string of a strL column before the
     * header is written, so one pass over the spool first.  (ReadStat holds
     * them in memory either way; only strL columns, above 2045 bytes.) */
    size_t n_strl = 0;
    for (size_t i = 0; i < t->n_cols; i++)
        n_strl += plan[i].type == READSTAT_TYPE_STRING_REF;
    readstat_string_ref_t **refs = NULL;
    sk_status st = SK_OK;
    if (n_strl && t->n_rows) {
        refs = calloc(t->n_rows * n_strl, sizeof *refs);
        st = refs ? tab_rewind(t, err)
                  : sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s", path);
        for (size_t r = 0; r < t->n_rows && st == SK_OK; r++) {
            st = tab_next_row(t, err);
            for (size_t i = 0, k = 0; i < t->n_cols && st == SK_OK; i++) {
                if (plan[i].type != READSTAT_TYPE_STRING_REF)
                    continue;
                const tab_cellv *cell = &t->cells[i];
                refs[r * n_strl + k] =
                    readstat_add_string_ref(w, cell->state == CELL_VALUE ? cell->value : "");
                if (!refs[r * n_strl + k++])
                    st = sk_error_set(err, SK_ERR_NOMEM, "out of memory writing %s", path);
            }
        }
    }

    readstat_error_t e = READSTAT_OK;
    if (st == SK_OK)
        e = fmt == STAT_SAV ? readstat_begin_writing_sav(w, &ctx, (long)t->n_rows)
                            : readstat_begin_writing_dta(w, &ctx, (long)t->n_rows);
    if (st == SK_OK && e == READSTAT_OK)
        e = readstat_validate_metadata(w);
    if (st == SK_OK && e != READSTAT_OK)
        st = rs_error(err, path, t, 0, NULL, e, &ctx);
    if (st == SK_OK && t->n_rows)
        st = tab_rewind(t, err);
    for (size_t r = 0; r < t->n_rows && st == SK_OK; r++) {
        st = tab_next_row(t, err);
        if (st == SK_OK && (e = readstat_begin_row(w)) != READSTAT_OK)
            st = rs_error(err, path, t, r + 1, NULL, e, &ctx);
        for (size_t i = 0, k = 0; i < t->n_cols && st == SK_OK; i++) {
            readstat_string_ref_t *ref =
                plan[i].type == READSTAT_TYPE_STRING_REF ? refs[r * n_strl + k++] : NULL;
            if ((e = put(w, fmt, &t->cols[i], &plan[i], &t->cells[i], ref)) != READSTAT_OK)
                st = rs_error(err, path, t, r + 1, t->cols[i].name, e, &ctx);
        }
        if (st == SK_OK && (e = readstat_end_row(w)) != READSTAT_OK)
            st = rs_error(err, path, t, r + 1, NULL, e, &ctx);
    }
    if (st == SK_OK && (e = readstat_end_writing(w)) != READSTAT_OK)
        st = rs_error(err, path, t, 0, NULL, e, &ctx);
    readstat_writer_free(w);
    free(refs);
    free(plan);
    return st;
}
