/* sk/export.h - getting the answers out: CSV + codebook, and the frequency report.
 *
 * Both open the records of a central store with the study key (in memory only),
 * never output a withdrawn record, and mark incomplete ones.  Files are written
 * atomically through a temporary file + rename, created with mode 0666 less
 * the process's umask (so umask 077 gives files only their owner can read).
 *
 * A record that cannot be read (its payload does not open with the study key,
 * is not an answers document, or is from a newer build) is skipped: the others
 * are still exported and counted, and the skipped ones are listed (see
 * sk_unreadable_list).  A study key that is not the study of a form's pack is
 * refused before anything is read (SK_ERR_MISMATCH), since then every record
 * would be unreadable.
 */
#ifndef SK_EXPORT_H
#define SK_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/cstore.h"
#include "sk/error.h"
#include "sk/keys.h"
#include "sk/record.h"

/* A record left out because it could not be read.  All fields come from the
 * record's clear header except status and reason. */
typedef struct sk_unreadable {
    char device_id[2 * SK_DEVICE_ID_SIZE + 1];   /* hex */
    uint64_t seq;
    char record_id[2 * SK_RECORD_ID_SIZE + 1];   /* hex */
    int kind;                                    /* sk_rec_kind (sk_rec_kind_name) */
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
    sk_status status;                            /* SK_ERR_AUTH, SK_ERR_FORMAT, ... */
    char reason[512];                            /* one sentence, lowercase first word */
} sk_unreadable;

/* The skipped records of one export or report, in the order met (form, then
 * device and seq).  The caller owns the struct: zero-initialise it, pass its
 * address in the options, and release it with sk_unreadable_list_free (also
 * after a failed call).  Each call first empties it, then fills it with the
 * records that call skipped. */
typedef struct sk_unreadable_list {
    sk_unreadable *items;
    size_t n, cap;
} sk_unreadable_list;

/* Free the items and zero the struct (not the struct itself). NULL is a no-op. */
void sk_unreadable_list_free(sk_unreadable_list *list);

typedef struct sk_export_opts {
    bool labels;      /* choice labels instead of names */
    bool excel_bom;   /* a UTF-8 byte order mark so Excel reads UTF-8 */
    int lang;         /* label language index, -1 = the form's default */
    /* Added by the export work (zero-initialised callers keep the old behaviour): */
    const char *language;  /* language code or name ("cy"), resolved per form; overrides lang */
    void (*on_file)(void *user, const char *path);  /* told of each file once it is in place */
    void *user;
    /* Text cells that begin with = + - @, a tab or a CR are written with a
     * leading ' so that a spreadsheet shows them instead of running them as
     * formulas; columns of numbers (integer, decimal, range, counts, choice
     * names that are all numbers) are never changed.  raw turns this off:
     * every cell exactly as recorded.  The codebook says which applies. */
    bool raw;
    /* Out, may be NULL: the records skipped because they could not be read
     * (they are also written to unreadable.csv).  See sk_unreadable_list. */
    sk_unreadable_list *unreadable;
    /* Out, may be NULL: how many free-text answers were kept out of _text.csv
     * because their question's quote_consent clause was not ticked in the
     * same sitting (or that sitting's consent could not be read).  The
     * codebook says how many per question and why. */
    size_t *quotes_left_out;
    /* Which files: SK_FORMAT_* or'd together; 0 means SK_FORMAT_CSV. */
    unsigned formats;
} sk_export_opts;

/* Export formats (sk_export_opts.formats, survey-sync export --format). */
enum {
    SK_FORMAT_CSV = 1u << 0,    /* <base>_<table>.csv: RFC 4180, UTF-8 */
    SK_FORMAT_XLSX = 1u << 1,   /* <base>.xlsx: a sheet per table and the codebook */
    SK_FORMAT_SAV = 1u << 2,    /* <base>_<table>.sav: SPSS, with labels and missing codes */
    SK_FORMAT_DTA = 1u << 3     /* <base>_<table>.dta: Stata 14+ (format 118, UTF-8) */
};

/* Parse a comma-separated list of format names (csv, xlsx, sav, dta) into
 * SK_FORMAT_* flags.  SK_ERR_ARG for an empty list or an unknown name (the
 * message names the accepted ones); *out set only on success. */
sk_status sk_export_parse_formats(const char *list, unsigned *out, sk_error *err);

/* Writes into outdir, per form version <id>-v<version>, in the formats of
 * opts->formats (CSV when 0; the codebook is always a CSV; xlsx, sav and dta
 * are described in docs/FORMATS.md, "Export files"): _responses.csv (wide),
 * _codebook.csv, _consent.csv, _text.csv (long-format free text, only the
 * answers that may be quoted: docs/XLSFORM.md, "Quotation consent and
 * identifiers"), _identifiers.csv (only when the form marks questions
 * identifying: their answers, keyed by sitting_id, and nowhere else); a
 * sitting_id column joins a sitting's consent and response rows; and once,
 * unreadable.csv: device, seq, record_id, kind, reason of every record that
 * could not be read (only the header row when there are none, so an old list
 * never stays behind).  *n_files (may be NULL) gets the number of files
 * written.  Every record is read before any file is put in place, so on a
 * failure outdir is left as it was.  SK_ERR_MISMATCH when key is not the
 * study of a form; SK_ERR_NOTFOUND when the store holds no forms or a form
 * lacks the language asked for. */
sk_status sk_export_csv(sk_cstore *cs, const sk_study_key *key, const char *outdir,
                        const sk_export_opts *opts, size_t *n_files, sk_error *err);

typedef struct sk_report_opts {
    const char *by;   /* split every table by this question's answers; NULL = no split */
    bool text;        /* plain text tables instead of HTML */
    int lang;         /* -1 = default */
    const char *language;  /* added: language code or name, resolved per form; overrides lang */
    /* Out, may be NULL: the response records left out of the counts because
     * they could not be read (the report lists them in a section of its own).
     * The report's tables are of finished responses; "Consents" counts every
     * sitting that gave consent, whether it finished or was abandoned after
     * consent (so incomplete records are opened); declined and incomplete
     * sittings are counted from their clear headers.  Identifying questions
     * are never shown; free text is listed only where it may be quoted. */
    sk_unreadable_list *unreadable;
} sk_report_opts;

/* The report as a malloc'd NUL-terminated string (HTML or text).
 * Frequencies are over finished responses; "asked" counts the responses in
 * which the question was relevant (skip logic re-evaluated on the answers),
 * "answered" those with a non-empty answer, and percentages are of answered.
 * SK_ERR_NOTFOUND when `by` names no select_one question of any form;
 * SK_ERR_MISMATCH when key is not the study of a form. */
sk_status sk_report(sk_cstore *cs, const sk_study_key *key, const sk_report_opts *opts,
                    char **out, size_t *out_len, sk_error *err);

/* Write a report (or any text) to path atomically: temporary file beside it,
 * fsync, rename, fsync of the folder; mode 0666 less the umask. */
sk_status sk_report_write(const char *path, const char *text, size_t len, sk_error *err);

/* How many threads export and report use to open and parse records (the
 * calling thread included; records are still written in store order).
 * 0, the default, is one per online core; 1 opens everything on the calling
 * thread.  Process-wide; set it before a call, not during one (benchmarks,
 * or a shared machine that must keep cores free). */
void sk_export_set_threads(int n);

#endif
