/* report_model.h - the report's numbers, shared by tally.c (which counts),
 * report.c (which builds the tables) and the HTML and text renderers. */
#ifndef SK_REPORT_MODEL_H
#define SK_REPORT_MODEL_H

#include "export_internal.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"

typedef enum tally_kind {
    TK_CHOICE,  /* select_one, acknowledge: one answer out of a list */
    TK_MULTI,   /* select_multiple: share of respondents per choice */
    TK_NUMBER,  /* integer, decimal, range: summary statistics + histogram */
    TK_TEXT     /* text, date, time: the answers listed */
} tally_kind;

typedef struct text_item {
    char *value;
    size_t col;          /* the --by column it belongs to */
    char record_id[2 * SK_RECORD_ID_SIZE + 1];   /* hex, so a quote can be traced */
    const char *lang;    /* language code (the form's, or as recorded: owned by the tally) */
} text_item;

/* One question's counts.  Arrays indexed [col] have n_cols entries; the last
 * column is the total.  counts is [n_opts][n_cols]. */
typedef struct qtally {
    int q;
    tally_kind kind;
    bool likert;         /* select_one shown as a rating scale */
    bool bipolar;        /* likert: a diverging chart (else a sequential one): tally_bipolar */
    size_t n_opts;
    size_t *asked, *answered, *other, *counts;
    dvec *nums;
    text_item *texts;
    size_t n_texts, cap_texts;
    size_t left_out[QUOTE_VERDICTS];  /* answers not listed: no quotation consent */
} qtally;

typedef struct form_tally {
    sk_form *form;
    int lang;
    uint64_t responses, consents, declined, incomplete;
    int by_q;            /* the --by question in this form, or -1 */
    size_t n_by;         /* its choices */
    size_t n_cols;       /* n_by + 2 (by choices, no answer, total) with --by, else 1 */
    bool no_answer_used; /* some response did not answer the --by question */
    qtally *qs;
    size_t n_qs;
    bool quotes;         /* some question depends on a quotation clause */
    consent_memo memo;   /* the last consent record read (ethics.c) */
    char **langs;        /* languages recorded that the form does not name */
    size_t n_langs;
    /* Methods context: sittings (finished, incomplete, declined) that could
     * be read, their first start and last answer, and how many per language. */
    int64_t first_ms, last_ms;
    struct lang_count { const char *code; uint64_t sittings; } *by_lang;  /* code owned as text_item.lang */
    size_t n_by_lang;
} form_tally;

/* Is a likert question's scale bipolar (agree ... disagree) rather than
 * unipolar (never ... always)?  The form's `scale` column when given, else
 * inferred from the choice labels (docs/XLSFORM.md, "Rating scales"). */
bool tally_bipolar(const sk_form *f, int qi);

/* Count one form version's records into *out.  A response that cannot be
 * read is appended to skipped and left out.  SK_ERR_MISMATCH when key is not
 * the form's study. */
sk_status tally_form(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                     const sk_report_opts *opts, sk_unreadable_list *skipped, form_tally *out,
                     sk_error *err);
void tally_free(form_tally *t);

/* The label of option o of a tallied question, in the report language. */
const char *tally_option_label(const form_tally *t, const qtally *qt, size_t o);
/* The heading of column c ("Total", "No answer", or a --by choice label). */
const char *tally_col_label(const form_tally *t, size_t c);
/* Columns to show, in order (skips an unused "No answer"); returns how many. */
size_t tally_visible_cols(const form_tally *t, size_t *cols);

/* A table as both renderers draw it: row heads and cells, all plain text. */
typedef struct rtable {
    size_t n_rows, n_cols;
    char **row_heads;    /* [n_rows] */
    char **col_heads;    /* [n_cols] */
    char **cells;        /* [n_rows * n_cols] */
} rtable;

/* The table of a question (not TK_TEXT).  false when out of memory. */
bool rtable_build(const form_tally *t, const qtally *qt, rtable *out);
void rtable_free(rtable *r);
/* "select_one, asked 41, answered 39" as shown under a question's title. */
void tally_summary_line(const form_tally *t, const qtally *qt, char *out, size_t size);

/* skipped: the responses left out of the counts, shown in a section of their own. */
/* status (may be NULL): the store's devices and rows, for the methods
 * context (per kiosk, withdrawn) and the warning about gaps and quarantine. */
void render_html(xbuf *b, form_tally *forms, size_t n, const sk_unreadable_list *skipped,
                 const sk_cstore_status *status, const sk_report_opts *opts);
void render_text(xbuf *b, form_tally *forms, size_t n, const sk_unreadable_list *skipped,
                 const sk_cstore_status *status, const sk_report_opts *opts);

#endif
