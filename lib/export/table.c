/* table.c - one table of an export (responses, consent, free text,
 * identifiers, the codebook; one per repeat group later): its columns with
 * what the codebook knows about them, and its rows.
 *
 * A row goes to the table's CSV at once (when CSV was asked for) and, when
 * another format was asked for, to a spool: an unnamed file in the output
 * folder (O_TMPFILE: it has no name, so a crash leaves nothing behind, and
 * it never leaves the folder the researcher chose for the plaintext).  The
 * xlsx, SPSS and Stata writers need the row count and string widths before
 * the first row, so they read the spool after the pass; memory stays one
 * row whatever the study's size.
 *
 * Spool layout, per cell: one byte of cell_state, a uint32 length, the bytes
 * (the recorded value, not the CSV's rendering). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export_internal.h"

void tab_init(ex_table *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->nomem = t->name == NULL;
}

void tab_free(ex_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_cols; i++) {
        tab_col *c = &t->cols[i];
        free(c->name);
        free(c->var);
        free(c->label);
        for (size_t k = 0; k < c->n_vl; k++) {
            free(c->vl[k].name);
            free(c->vl[k].label);
        }
        free(c->vl);
    }
    free(t->cols);
    free(t->name);
    if (t->spool)
        fclose(t->spool);
    free(t->cells);
    free(t->rowbuf);
    memset(t, 0, sizeof *t);
}

int tab_col_add(ex_table *t, const char *name, const char *label, tab_type type,
                tab_measure measure, bool answer)
{
    if (t->nomem)
        return -1;
    if (t->n_cols == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        tab_col *cols = realloc(t->cols, cap * sizeof *cols);
        if (!cols) {
            t->nomem = true;
            return -1;
        }
        t->cols = cols;
        t->cap = cap;
    }
    tab_col *c = &t->cols[t->n_cols];
    memset(c, 0, sizeof *c);
    c->name = strdup(name);
    c->label = strdup(label ? label : "");
    c->type = type;
    c->measure = measure;
    c->answer = answer;
    c->csv_numeric = type == TT_INT || type == TT_NUM;
    if (!c->name || !c->label) {
        free(c->name);
        free(c->label);
        t->nomem = true;
        return -1;
    }
    return (int)t->n_cols++;
}

bool tab_col_vlabel(ex_table *t, int col, double code, const char *name, const char *label)
{
    tab_col *c = &t->cols[col];
    tab_vlabel *vl = realloc(c->vl, (c->n_vl + 1) * sizeof *vl);
    if (!vl) {
        t->nomem = true;
        return false;
    }
    c->vl = vl;
    vl[c->n_vl].code = code;
    vl[c->n_vl].name = strdup(name ? name : "");
    vl[c->n_vl].label = strdup(label ? label : "");
    if (!vl[c->n_vl].name || !vl[c->n_vl].label) {
        free(vl[c->n_vl].name);
        free(vl[c->n_vl].label);
        t->nomem = true;
        return false;
    }
    c->n_vl++;
    return true;
}

const tab_vlabel *tab_code(const tab_col *c, const char *name)
{
    for (size_t i = 0; i < c->n_vl; i++)
        if (strcmp(c->vl[i].name, name) == 0)
            return &c->vl[i];
    return NULL;
}

bool tab_name_vars(ex_table *t)
{
    char **taken = calloc(t->n_cols + 1, sizeof *taken);
    if (!taken)
        return !(t->nomem = true);
    for (size_t i = 0; i < t->n_cols; i++) {
        char var[VARNAME_MAX + 1];
        varname_safe(t->cols[i].name, var);
        if (!varname_unique(taken, i, var) || !(t->cols[i].var = strdup(var))) {
            t->nomem = true;
            break;
        }
        taken[i] = t->cols[i].var;
    }
    free(taken);
    return !t->nomem;
}

static FILE *spool_open(const char *dir)
{
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
    if (fd < 0) {
        /* A file system without O_TMPFILE: a named file, unlinked at once. */
        char path[4096];
        snprintf(path, sizeof path, "%s/.spool-XXXXXX", dir);
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

sk_status tab_begin(ex_table *t, csv_writer *csv, const char *spool_dir, sk_error *err)
{
    if (t->nomem)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory planning the %s table", t->name);
    t->csv = csv;
    if (spool_dir) {
        t->spool = spool_open(spool_dir);
        if (!t->spool) {
            int e = errno;
            sk_error_set(err, e == ENOSPC ? SK_ERR_NOSPACE : SK_ERR_IO,
                         "cannot create a temporary file in %s: %s", spool_dir, strerror(e));
            sk_error_set_file(err, spool_dir);
            return err->status;
        }
    }
    t->cells = calloc(t->n_cols + 1, sizeof *t->cells);
    if (!t->cells)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory planning the %s table", t->name);
    if (csv) {
        for (size_t i = 0; i < t->n_cols; i++)
            csv_field(csv, t->cols[i].name);
        csv_end_row(csv);
    }
    return SK_OK;
}

void tab_cell(ex_table *t, const char *csv_text, const char *value, cell_state st)
{
    if (t->col >= t->n_cols) {
        t->nomem = true;   /* a programming error: more cells than columns */
        return;
    }
    tab_col *c = &t->cols[t->col++];
    if (st == CELL_VALUE && !value)
        st = CELL_EMPTY;
    if (t->csv) {
        if (st == CELL_SKIPPED)
            csv_number(t->csv, TAB_CSV_SKIPPED);
        else if (st != CELL_VALUE)
            csv_number(t->csv, "");
        else if (c->csv_numeric)
            csv_number(t->csv, csv_text);
        else
            csv_field(t->csv, csv_text);
    }
    if (!t->spool)
        return;
    size_t len = st == CELL_VALUE ? strlen(value) : 0;
    if (len > c->width)
        c->width = len;
    uint8_t s = (uint8_t)st;
    uint32_t l = (uint32_t)len;
    fwrite(&s, 1, 1, t->spool);
    fwrite(&l, sizeof l, 1, t->spool);
    if (len)
        fwrite(value, 1, len, t->spool);
}

void tab_cellf(ex_table *t, const char *fmt, ...)
{
    char *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->nomem = true;
        tab_cell(t, "", "", CELL_EMPTY);
        return;
    }
    tab_cell(t, text, text, CELL_VALUE);
    free(text);
}

void tab_end_row(ex_table *t)
{
    while (t->col < t->n_cols)   /* never short: a missing cell is an empty one */
        tab_cell(t, NULL, NULL, CELL_EMPTY);
    if (t->csv)
        csv_end_row(t->csv);
    t->col = 0;
    t->n_rows++;
}

sk_status tab_rewind(ex_table *t, sk_error *err)
{
    if (!t->spool || fflush(t->spool) != 0 || ferror(t->spool) ||
        fseek(t->spool, 0, SEEK_SET) != 0) {
        int e = errno ? errno : EIO;
        return sk_error_set(err, e == ENOSPC ? SK_ERR_NOSPACE : SK_ERR_IO,
                            "cannot keep the rows of the %s table in a temporary file: %s",
                            t->name, strerror(e));
    }
    return SK_OK;
}

sk_status tab_next_row(ex_table *t, sk_error *err)
{
    size_t used = 0;
    /* Offsets first (the buffer may move), pointers once the row is read. */
    size_t *offs = calloc(t->n_cols + 1, sizeof *offs);
    if (!offs)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading back the %s table", t->name);
    for (size_t i = 0; i < t->n_cols; i++) {
        uint8_t s;
        uint32_t l;
        if (fread(&s, 1, 1, t->spool) != 1 || fread(&l, sizeof l, 1, t->spool) != 1) {
            free(offs);
            return sk_error_set(err, SK_ERR_IO, "the temporary file of the %s table ended early",
                                t->name);
        }
        if (used + l + 1 > t->rowbuf_cap) {
            size_t cap = (used + l + 1) * 2;
            char *b = realloc(t->rowbuf, cap);
            if (!b) {
                free(offs);
                return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading back the %s table",
                                    t->name);
            }
            t->rowbuf = b;
            t->rowbuf_cap = cap;
        }
        if (l && fread(t->rowbuf + used, 1, l, t->spool) != l) {
            free(offs);
            return sk_error_set(err, SK_ERR_IO, "the temporary file of the %s table ended early",
                                t->name);
        }
        t->rowbuf[used + l] = '\0';
        t->cells[i].state = (cell_state)s;
        offs[i] = used;
        used += l + 1;
    }
    for (size_t i = 0; i < t->n_cols; i++)
        t->cells[i].value = t->rowbuf + offs[i];
    free(offs);
    return SK_OK;
}
