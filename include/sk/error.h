/* sk/error.h - status codes and located error messages for the core library.
 *
 * Every fallible core function returns an sk_status and, when it fails, fills
 * the caller's sk_error (if not NULL) with where the problem is (file, sheet,
 * row, column) and one sentence a person understands: lowercase first word,
 * what is wrong and what to do.  The core never prints; the apps format the
 * error with sk_error_format() and show it on screen or on stderr.
 *
 * For "report every problem" operations (questionnaire checking) problems are
 * collected in an sk_diags list instead.
 */
#ifndef SK_ERROR_H
#define SK_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum sk_status {
    SK_OK = 0,
    SK_ERR_ARG,         /* the caller passed something invalid (a bug or bad usage) */
    SK_ERR_NOMEM,       /* out of memory */
    SK_ERR_IO,          /* a file could not be opened, read, written or synced */
    SK_ERR_NOSPACE,     /* the disk is full; nothing was half-written */
    SK_ERR_FORMAT,      /* input is not in the expected format: bad magic, truncated, not a spreadsheet */
    SK_ERR_INVALID,     /* a questionnaire has problems; see the sk_diags list */
    SK_ERR_EXPR,        /* an expression has a syntax error or cannot be evaluated */
    SK_ERR_AUTH,        /* a signature or MAC did not verify: the data is damaged or tampered with */
    SK_ERR_PASSPHRASE,  /* wrong passphrase for a key file */
    SK_ERR_MISMATCH,    /* a different study key, or a device key that differs from the pinned one */
    SK_ERR_EXISTS,      /* refusing to overwrite something that exists */
    SK_ERR_NOTFOUND,    /* the thing asked for does not exist */
    SK_ERR_DB,          /* SQLite reported an error */
    SK_ERR_STATE,       /* the call is not valid now (for example no pack installed, no open sitting) */
    SK_ERR_UNSUPPORTED  /* a format version newer than this build understands, or an unsupported feature */
} sk_status;

typedef struct sk_error {
    sk_status status;
    char file[512];     /* "" when the error is not about a file */
    char sheet[32];     /* XLSForm sheet name, "" when not applicable */
    unsigned row;       /* 1-based row as a spreadsheet shows it, 0 when not applicable */
    char column[64];    /* column header or letter, "" when not applicable */
    char message[512];  /* one sentence: what is wrong and what to do */
} sk_error;

/* Short stable name of a status ("io", "auth", ...). Never NULL. */
const char *sk_status_name(sk_status st);

/* Reset err to SK_OK with empty fields. err may be NULL. */
void sk_error_clear(sk_error *err);

/* Fill err (may be NULL) and return st, so callers can write
 *   return sk_error_set(err, SK_ERR_IO, "cannot open %s: %s", path, strerror(errno));
 * The location fields are cleared. The message is truncated to fit. */
sk_status sk_error_set(sk_error *err, sk_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As sk_error_set with a location. file, sheet, column may be NULL; row 0 = none. */
sk_status sk_error_set_at(sk_error *err, sk_status st, const char *file, const char *sheet,
                          unsigned row, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

sk_status sk_error_vset_at(sk_error *err, sk_status st, const char *file, const char *sheet,
                           unsigned row, const char *column, const char *fmt, va_list ap)
    __attribute__((format(printf, 7, 0))); /* checks callers' formats; clang's -Wformat=2 needs it */

/* Set only the file field (for callers that add context after the fact). */
void sk_error_set_file(sk_error *err, const char *file);

/* Write "file:sheet:row:column: message" into buf, leaving out empty parts
 * (for example "form.xlsx:survey:12: unknown type 'geopoint'" or
 * "bundle.skb: the signature does not verify ...").
 * Returns the length it wanted to write, like snprintf. */
size_t sk_error_format(const sk_error *err, char *buf, size_t size);

/* A growable list of located problems ("report every problem, not the first"). */
typedef struct sk_diags {
    sk_error *items;
    size_t n, cap;
} sk_diags;

void sk_diags_init(sk_diags *d);
/* Append a problem; returns SK_ERR_NOMEM only when the list cannot grow. */
sk_status sk_diags_add(sk_diags *d, const char *file, const char *sheet, unsigned row,
                       const char *column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Sort by sheet (file-level problems first, then survey, choices, settings), then row. */
void sk_diags_sort(sk_diags *d);
/* Free the items; the struct itself is the caller's. NULL is a no-op. */
void sk_diags_free(sk_diags *d);

#endif
