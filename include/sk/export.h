/* sk/export.h - getting the answers out: CSV + codebook, and the frequency report.
 *
 * Both open the records of a central store with the study key (in memory only),
 * never output a withdrawn record, and mark incomplete ones.  Files are written
 * atomically (sk_write_file_atomic or a temporary file + rename).
 */
#ifndef SK_EXPORT_H
#define SK_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "sk/cstore.h"
#include "sk/error.h"
#include "sk/keys.h"

typedef struct sk_export_opts {
    bool labels;      /* choice labels instead of names */
    bool excel_bom;   /* a UTF-8 byte order mark so Excel reads UTF-8 */
    int lang;         /* label language index, -1 = the form's default */
    /* Added by the export work (zero-initialised callers keep the old behaviour): */
    const char *language;  /* language code or name ("cy"), resolved per form; overrides lang */
    void (*on_file)(void *user, const char *path);  /* told of each file once it is in place */
    void *user;
} sk_export_opts;

/* Writes into outdir, per form version <id>-v<version>: _responses.csv (wide),
 * _codebook.csv, _consent.csv, _text.csv (long-format free text).
 * *n_files (may be NULL) gets the number of files written.  Every record is
 * opened before any file is put in place: SK_ERR_AUTH (a record sealed to
 * another study, or altered) leaves outdir as it was.  SK_ERR_NOTFOUND when
 * the store holds no forms or a form lacks the language asked for. */
sk_status sk_export_csv(sk_cstore *cs, const sk_study_key *key, const char *outdir,
                        const sk_export_opts *opts, size_t *n_files, sk_error *err);

typedef struct sk_report_opts {
    const char *by;   /* split every table by this question's answers; NULL = no split */
    bool text;        /* plain text tables instead of HTML */
    int lang;         /* -1 = default */
    const char *language;  /* added: language code or name, resolved per form; overrides lang */
} sk_report_opts;

/* The report as a malloc'd NUL-terminated string (HTML or text).
 * Frequencies are over finished responses; "asked" counts the responses in
 * which the question was relevant (skip logic re-evaluated on the answers),
 * "answered" those with a non-empty answer, and percentages are of answered.
 * SK_ERR_NOTFOUND when `by` names no select_one question of any form. */
sk_status sk_report(sk_cstore *cs, const sk_study_key *key, const sk_report_opts *opts,
                    char **out, size_t *out_len, sk_error *err);

#endif
