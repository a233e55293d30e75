/* export_internal.h - what lib/export's files share (internal to the module).
 *
 * buf.c        a growable text buffer (HTML, SVG, text tables are built in memory)
 * csv.c        an RFC 4180 writer onto a FILE*
 * outfile.c    output files written through a temporary file + rename
 * util.c, form_pack.c  times, question kinds, languages, the form in a pack
 * stats.c      numeric summaries, histograms, "59% (24/41)"
 * svg.c        inline SVG charts: bars, diverging stacked bars, histograms
 * export.c     sk_export_csv: the pass over the records, the rows, the files
 * export_plan.c  the tables' columns (export_run.h)
 * table.c      a table: columns with codebook metadata, rows to CSV and a spool
 * varname.c    SPSS/Stata-safe variable names
 * write_xlsx.c, write_stat.c   the workbook, the .sav and .dta files
 * codebook.c   the codebook (a table: CSV and an xlsx sheet)
 * tally.c      reading a store into per-question counts (for the report)
 * report.c     sk_report: gathers the tallies and picks the renderer
 * report_html.c, report_text.c   the two renderings of the same tables
 */
#ifndef SK_EXPORT_INTERNAL_H
#define SK_EXPORT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sk/answers.h"
#include "sk/error.h"
#include "sk/form.h"

/* ---- buf.c: a growable NUL-terminated string.  Out of memory is sticky:
 * after the first failure every append is a no-op and nomem stays set. */
typedef struct xbuf {
    char *s;
    size_t len, cap;
    bool nomem;
} xbuf;

void xb_init(xbuf *b);
void xb_free(xbuf *b);
void xb_put(xbuf *b, const char *s);
void xb_putn(xbuf *b, const char *s, size_t n);
void xb_printf(xbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text escaped for HTML element content and attribute values (& < > " '). */
void xb_html(xbuf *b, const char *s);
/* Pad s (UTF-8) with spaces to `width` terminal columns (left-aligned, or right when right). */
void xb_pad(xbuf *b, const char *s, size_t width, bool right);
/* width.c: terminal columns of a UTF-8 string (wcwidth rules: CJK and emoji
 * 2, combining marks 0), and of one code point. */
size_t utf8_width(const char *s);
int codepoint_width(uint32_t c);

/* ---- csv.c: RFC 4180 (CRLF line ends; a field with , " CR or LF, or leading/
 * trailing space, is quoted and its quotes doubled).  Write errors are sticky
 * in ferror(f).  A text cell that begins with = + - @, tab or CR gets a
 * leading ' so that a spreadsheet shows it instead of running it as a formula,
 * unless raw is set; number columns are written with csv_number, untouched. */
typedef struct csv_writer {
    FILE *f;
    size_t col;   /* fields written on the current row */
    bool nomem;   /* a formatted field could not be allocated */
    bool raw;     /* write text cells exactly as given (export --raw) */
} csv_writer;

void csv_init(csv_writer *w, FILE *f);             /* raw off */
void csv_field(csv_writer *w, const char *s);       /* a text cell; NULL writes an empty field */
void csv_number(csv_writer *w, const char *s);      /* a cell of a number column: never prefixed */
void csv_fieldf(csv_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csv_end_row(csv_writer *w);

/* ---- table.c: one table of an export (see table.c).  A writer of any
 * format takes any number of tables: a name, columns with codebook metadata
 * (label, type, measurement level, value labels) and rows. */
typedef enum tab_type {
    TT_TEXT,      /* a string */
    TT_INT,       /* a whole number (counts, 0/1, seq) */
    TT_NUM,       /* a number (decimal, range) */
    TT_CODED,     /* a choice: the recorded name, coded by the column's value labels */
    TT_DATE,      /* YYYY-MM-DD */
    TT_DATETIME   /* ISO 8601 UTC, YYYY-MM-DDTHH:MM:SSZ */
} tab_type;
typedef enum tab_measure { TM_NOMINAL, TM_ORDINAL, TM_SCALE } tab_measure;
/* What a cell holds.  SKIPPED and NOT_ASKED only in answer columns. */
typedef enum cell_state {
    CELL_VALUE,      /* an answer or a value */
    CELL_EMPTY,      /* nothing, and nothing to say about why (a metadata column) */
    CELL_SKIPPED,    /* the question was asked (relevant, reached) and left unanswered */
    CELL_NOT_ASKED   /* skip logic hid it, or the sitting ended before it */
} cell_state;
/* The CSV cell of an asked-and-skipped answer (not asked: empty).  R
 * (read.csv, readr) and pandas read both as missing by default. */
#define TAB_CSV_SKIPPED "NA"
/* SPSS user-missing codes and Stata extended missing values of numeric
 * answer columns (strings: SPSS the same codes as text, Stata empty). */
#define TAB_SAV_SKIPPED (-99.0)
#define TAB_SAV_NOT_ASKED (-98.0)
#define TAB_DTA_SKIPPED 'a'
#define TAB_DTA_NOT_ASKED 'b'

typedef struct tab_vlabel {
    double code;
    char *name;    /* the recorded value (choice name) */
    char *label;   /* what SPSS/Stata/the codebook show */
} tab_vlabel;

#define VARNAME_MAX 32
typedef struct tab_col {
    char *name;          /* the CSV and xlsx header */
    char *var;           /* the SPSS/Stata name (tab_name_vars), NULL before */
    char *label;
    tab_type type;
    tab_measure measure;
    tab_vlabel *vl;      /* value labels, in list order */
    size_t n_vl;
    bool answer;         /* a question's column: skipped / not asked apply */
    bool csv_numeric;    /* written with csv_number (TT_INT/TT_NUM by default) */
    bool labels;         /* TT_CODED: xlsx shows the label, as the CSV does (--labels) */
    size_t width;        /* longest value in bytes among the spooled rows */
} tab_col;

typedef struct tab_cellv {
    cell_state state;
    const char *value;   /* "" unless CELL_VALUE */
} tab_cellv;

typedef struct ex_table {
    char *name;          /* "responses", "consent", ... (file suffix, sheet name) */
    tab_col *cols;
    size_t n_cols, cap;
    size_t n_rows;
    struct csv_writer *csv;   /* NULL: no CSV of this table */
    FILE *spool;         /* NULL: rows are not kept */
    size_t col;          /* cells written on the current row */
    bool nomem;          /* sticky */
    tab_cellv *cells;    /* [n_cols]: the row tab_next_row read */
    char *rowbuf;
    size_t rowbuf_cap;
} ex_table;

void tab_init(ex_table *t, const char *name);
void tab_free(ex_table *t);     /* NULL is a no-op; closes the spool */
/* Add a column; its index, or -1 when out of memory (t->nomem is set). */
int tab_col_add(ex_table *t, const char *name, const char *label, tab_type type,
                tab_measure measure, bool answer);
bool tab_col_vlabel(ex_table *t, int col, double code, const char *name, const char *label);
/* The value label of a recorded value, NULL when the list does not have it. */
const tab_vlabel *tab_code(const tab_col *c, const char *name);
/* Give every column its SPSS/Stata name (varname.c), unique in the table. */
bool tab_name_vars(ex_table *t);
/* After the columns: writes the CSV header (csv may be NULL) and opens the
 * spool in spool_dir (NULL: rows are not kept). */
sk_status tab_begin(ex_table *t, struct csv_writer *csv, const char *spool_dir, sk_error *err);
/* The next cell of the row: csv_text is what the CSV shows (labels with
 * --labels), value what was recorded; value NULL with CELL_VALUE is EMPTY. */
void tab_cell(ex_table *t, const char *csv_text, const char *value, cell_state st);
void tab_cellf(ex_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tab_end_row(ex_table *t);
/* Reading the spooled rows back: rewind, then n_rows times next_row (fills t->cells). */
sk_status tab_rewind(ex_table *t, sk_error *err);
sk_status tab_next_row(ex_table *t, sk_error *err);

/* ---- varname.c: names SPSS and Stata both accept (see varname.c). */
void varname_safe(const char *name, char out[VARNAME_MAX + 1]);
/* Make name unique (case-insensitively) among taken[0..n_taken): _2, _3, ... */
bool varname_unique(char *const *taken, size_t n_taken, char name[VARNAME_MAX + 1]);

/* ---- write_xlsx.c: one workbook, one sheet per table (the codebook is one
 * of them), typed cells, dates as dates, text always as strings. */
sk_status xlsx_write(const char *path, ex_table *const *tables, size_t n_tables,
                     const char *tmpdir, sk_error *err);
/* ---- write_stat.c: an SPSS .sav or a Stata .dta of one table (ReadStat). */
typedef enum stat_format { STAT_SAV, STAT_DTA } stat_format;
sk_status stat_write(ex_table *t, stat_format fmt, const char *file_label, FILE *f,
                     const char *path, sk_error *err);
/* After the rows are in, before the codebook: rename a text column longer
 * than 255 bytes whose SPSS segment names would clash (see write_stat.c).
 * false when out of memory. */
bool stat_fix_names(ex_table *t);

/* ---- outfile.c: a file that appears at its path only when committed. */
typedef struct outfile {
    char *path, *tmp;
    FILE *f;
} outfile;

sk_status outfile_open(outfile *o, const char *path, sk_error *err);
/* Flush, fsync, rename into place, fsync the folder. Closes o either way. */
sk_status outfile_commit(outfile *o, sk_error *err);
/* For a library that writes a file by name (libxlsxwriter): close o->f, the
 * library writes o->tmp, then outfile_attach opens it again for the commit. */
sk_status outfile_detach(outfile *o, sk_error *err);
sk_status outfile_attach(outfile *o, sk_error *err);
/* Remove the temporary file. Safe on a closed or zeroed outfile. */
void outfile_abort(outfile *o);

/* ---- stats.c */
typedef struct dvec {
    double *v;
    size_t n, cap;
} dvec;

bool dvec_push(dvec *d, double x);
void dvec_free(dvec *d);

typedef struct num_summary {
    size_t n;
    double mean, sd, median, min, max;  /* sd: sample (n - 1); 0 when n < 2 */
} num_summary;

/* Summarise d (sorts d->v in place). */
num_summary stats_summarise(dvec *d);
/* Percentage rounded half up, as an integer: 24 of 41 -> 59. b == 0 -> 0. */
unsigned stats_percent(size_t a, size_t b);
/* "59% (24/41)"; "n/a (0/0)" when b is 0.  out needs 48 bytes. */
void stats_freq(char *out, size_t size, size_t a, size_t b);
/* A number as a report shows it: up to 2 decimals, no trailing zeros ("3", "2.5"). */
void stats_num(char *out, size_t size, double x);

/* Histogram: n_bins equal-width bins over [lo, hi]; integer data gets one bin
 * per value when the span is small.  counts is malloc'd. */
typedef struct histogram {
    double lo, width;
    size_t *counts;
    size_t n_bins;
} histogram;
bool stats_histogram(const dvec *sorted, bool integers, histogram *out);
void histogram_free(histogram *h);

/* ---- svg.c: charts as inline <svg> elements (no scripts, no external URLs). */
typedef struct svg_bar {
    const char *label;  /* text (escaped by the chart; wrapped onto several lines) */
    size_t count, of;   /* the bar is count/of wide; the caption is "N% (count/of)" */
} svg_bar;
void svg_bars(xbuf *b, const svg_bar *bars, size_t n);
/* Bars by group (--by): per item (only .label is used) one thin bar per
 * group, counts [n_items * n_groups] of of[n_groups], and a legend. */
void svg_grouped_bars(xbuf *b, const svg_bar *items, size_t n_items, const char *const *groups,
                      size_t n_groups, const size_t *counts, const size_t *of);
/* The colour of group g in svg_grouped_bars (colour-blind safe, cycles after 8). */
const char *svg_group_colour(size_t g);

/* Rating scales: one row per item, segments per choice in scale order.
 * Bipolar (svg_diverging): the first half of the scale lies left of the
 * centre line, the second half right, a middle choice (odd scale) straddles
 * it, and each row says "% disagree" and "% agree" (the shares of the two
 * halves).  Unipolar: one stacked bar from none to most. */
typedef struct svg_drow {
    const char *label;
    const size_t *counts;  /* [n_choices] */
    size_t total;          /* answered */
} svg_drow;
void svg_likert(xbuf *b, const svg_drow *rows, size_t n_rows, const char *const *choice_labels,
                size_t n_choices, bool bipolar);
void svg_diverging(xbuf *b, const svg_drow *rows, size_t n_rows, const char *const *choice_labels,
                   size_t n_choices);
/* The n colours of a scale ("#rrggbb"): bipolar mirrors reds and blues
 * around a grey middle, every step distinct; unipolar runs pale to dark. */
void svg_scale_colours(size_t n, bool bipolar, char (*out)[8]);
/* Label wrapping: the estimated width in px (12 px sans) of the first n bytes
 * of s, and s cut into lines of at most max_px (at spaces, or between wide
 * characters; a longer word is cut), at most max_lines (the last one takes
 * the rest).  Returns the number of lines. */
typedef struct svg_line {
    size_t start, len;   /* bytes of s */
} svg_line;
double svg_text_px(const char *s, size_t n);
size_t svg_wrap(const char *s, double max_px, svg_line *lines, size_t max_lines);
void svg_histogram(xbuf *b, const histogram *h, bool integers);

/* ---- small helpers shared by export and report */
/* ISO 8601 UTC ("2026-11-22T17:53:00Z"); "" for 0. out needs 32 bytes. */
void iso_time(char *out, size_t size, int64_t ms);
/* An ISO 8601 date-time (YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or +HH:MM/-HH:MM;
 * no zone reads as UTC) as ms since the epoch; false when it is not one. */
bool iso_parse_ms(const char *s, int64_t *ms);
/* YYYY-MM-DD as days since 1970-01-01; false when it is not a date. */
bool iso_parse_date(const char *s, int64_t *days);
/* The questions that get a column/table: answers (not notes, groups, metadata). */
bool is_answer_question(const sk_question *q);
/* Is `name` one of the space-separated names of a select_multiple `value`? */
bool export_has_token(const char *value, const char *name);
/* The CSV column of a question: its name, or "<name>_answer" when the name is
 * also a metadata column (record_id, started, ...).  names are short (XLSForm names), 1024 bytes is ample. */
void export_column_name(const char *question, char *out, size_t size);
/* Resolve a language given by code or name (NULL = use index), for one form. */
sk_status export_lang(const sk_form *form, const char *code, int index, int *out, sk_error *err);
/* export_plan.c: a question's label in lang, or, when it has none, what
 * fills it ("When the form was started ..." for start, the calculation). */
const char *export_question_label(const sk_form *form, int lang, const sk_question *q);
/* codebook.c: the codebook CSV of a form, labels in language lang; raw as
 * the export's (its first row explains the ' before formula-like text).
 * left_out (may be NULL): [n_q * QUOTE_VERDICTS] free-text answers kept out
 * of _text.csv, by question and reason, said in the question's note. */
/* The codebook is a table too (so the xlsx has it as a sheet): cb is
 * initialised here, written to csv (its raw decides the formula note) and
 * spooled in spool_dir (NULL: not kept).  tables are the data tables: the
 * codebook gives each variable's SPSS/Stata name and measurement level from
 * them. */
struct ex_table;
sk_status codebook_write(const sk_form *form, int lang, const size_t *left_out,
                         struct ex_table *const *tables, size_t n_tables, struct ex_table *cb,
                         csv_writer *csv, const char *spool_dir, sk_error *err);
/* ---- ethics.c: consent given, quotation consent (docs/XLSFORM.md). */
/* A consent clause value that means ticked: yes (also OK, true, 1). */
bool ethics_is_yes(const char *v);
/* Did this sitting give consent?  a holds its consent answers (a consent or
 * incomplete record): every required clause ticked, or, when no clause is
 * required, a consent answer and then an answer to the questionnaire.
 * Declining never does (a declined record has a required clause unticked). */
bool ethics_consent_given(const sk_form *f, const sk_answers *a);
/* Does some question of f depend on a quotation clause? */
bool ethics_form_quotes(const sk_form *f);

/* The clauses ticked in the last consent record met (see ethics.c for why
 * one is enough). */
typedef struct consent_memo {
    bool valid;
    char device[33];
    char sitting[33];
    bool *ticked;        /* [n_q], by question index */
} consent_memo;
/* Remember the consent record a (of device_hex).  false when out of memory. */
bool consent_memo_note(consent_memo *m, const sk_form *f, const char *device_hex,
                       const sk_answers *a);
void consent_memo_free(consent_memo *m);

typedef enum quote_verdict {
    QUOTE_OK,            /* no clause needed, or ticked in the same sitting */
    QUOTE_NOT_AGREED,    /* the clause was not ticked */
    QUOTE_NO_CONSENT,    /* no readable consent record of the same sitting */
    QUOTE_VERDICTS
} quote_verdict;
/* May question qi's answer in record a (response or incomplete) be quoted? */
quote_verdict ethics_quote(const sk_form *f, int qi, const char *device_hex, const sk_answers *a,
                           const consent_memo *m);
/* Why an answer was left out, one phrase ("" for QUOTE_OK). */
const char *ethics_verdict_reason(quote_verdict v);

/* ---- unreadable.c: records skipped instead of stopping the run. */
struct sk_unreadable_list;
struct sk_cstore_form;
struct sk_study_key;
struct sk_record_header;
/* Append a record (from its clear header) with why it was skipped.  Only
 * SK_ERR_NOMEM fails. */
sk_status unreadable_add(struct sk_unreadable_list *list, const struct sk_record_header *h,
                         sk_status why, const char *reason, sk_error *err);
/* Open a record and parse its answers into a (initialised by the caller).
 * *ok true: *h and *a are filled.  *ok false: the record was added to
 * skipped with the reason.  Fails only when out of memory. */
sk_status export_open_record(const uint8_t *blob, size_t len, const struct sk_study_key *key,
                             const struct sk_record_header *clear, sk_answers *a,
                             struct sk_record_header *h, struct sk_unreadable_list *skipped,
                             bool *ok, sk_error *err);
/* SK_ERR_MISMATCH (nothing read) when key is not the study of the form's pack. */
sk_status export_check_study(const struct sk_cstore_form *cf, const struct sk_study_key *key,
                             sk_error *err);
/* unreadable.csv: device, seq, record_id, kind, reason (a header row at least). */
void unreadable_csv(const struct sk_unreadable_list *list, csv_writer *w);
/* Tell the store about each skipped record (status counts them). */
struct sk_cstore;
void export_note_unreadable(struct sk_cstore *cs, const struct sk_unreadable_list *list);
/* form_pack.c: the forms of key's study held in the store (sk_cstore_forms);
 * SK_ERR_MISMATCH when there are none because the store is another study's. */
sk_status export_forms(struct sk_cstore *cs, const struct sk_study_key *key,
                       struct sk_cstore_form **forms, size_t *n_forms, sk_error *err);
/* Load the questionnaire carried by a pack. */
struct sk_pack;
sk_status export_load_form(const struct sk_pack *pack, sk_form **out, sk_error *err);

#endif
