/* export_run.h - the state of one form version's export, shared by export.c
 * (the pass over the records, the rows) and export_plan.c (which tables and
 * columns there are).  Internal to lib/export. */
#ifndef SK_EXPORT_RUN_H
#define SK_EXPORT_RUN_H

#include "export_internal.h"
#include "sk/export.h"

/* The data tables of a form version, in file order. */
enum { T_RESPONSES, T_CONSENT, T_TEXT, T_IDENT, T_COUNT };

/* A repeat's table: one row per instance, its questions' columns, then
 * PARENT_KEY (the response row's KEY) and KEY (KEY/<repeat>[n]), as ODK
 * Central and Briefcase write them.  Named "repeat <name>" (the codebook's
 * file column, the xlsx sheet); its files are <base>-<name>.csv/.sav/.dta. */
typedef struct rep_table {
    int q;                     /* the begin_repeat row */
    int *cols;                 /* questions with a column, in form order */
    size_t n;
    ex_table tab;
    csv_writer csv;
} rep_table;

typedef struct export_run {
    const sk_study_key *key;
    const sk_export_opts *opts;
    const sk_form *form;
    int lang;
    ex_table tab[T_COUNT];     /* T_IDENT has no columns when nothing is identifying */
    csv_writer csv[T_COUNT];
    int *resp_q, *consent_q;   /* question indices with a column, in form order */
    int *ident_q;              /* identifying questions: only in the identifiers table */
    bool *resp_numeric;        /* [n_resp]: the CSV column holds numbers (numeric_column) */
    size_t n_resp, n_consent, n_ident;
    bool any_relevance;        /* some question or group has a relevant expression */
    consent_memo memo;         /* the last consent record, for quotation consent */
    size_t *left_out;          /* [n_q * QUOTE_VERDICTS]: answers kept out of the text table */
    size_t *total_left_out;    /* opts->quotes_left_out, may be NULL */
    sk_unreadable_list *skipped;
    /* Repeats: one table per repeat of the form (none: the tables are as
     * they were before repeats). */
    rep_table *reps;
    size_t n_reps;
} export_run;

/* export_plan.c: the question lists and every table's columns (names,
 * labels, types, measurement levels, value labels, SPSS/Stata names).
 * SK_ERR_NOMEM only. */
sk_status export_plan(export_run *x, sk_error *err);
void export_plan_free(export_run *x);
/* Is the metadata/computed question qi filled by the kiosk, not asked of
 * the participant (start, end, today, deviceid, calculate, hidden)? */
bool export_not_asked_of_person(const sk_question *q);

#endif
