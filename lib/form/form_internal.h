/* form_internal.h - what the form builder's files share (internal to lib/form).
 *
 * form_load.c   entry points: file/memory -> workbook -> builder -> checks
 * form_build.c  survey/choices/settings sheets -> sk_form rows (column aliases,
 *               translations, types, appearances, groups, settings)
 * form_check.c  expressions, references, circular calculations, consent, pages
 * form_names.c  the name -> question index (a hash table, O(1) per lookup)
 * form_dump.c   sk_form_dump and the small accessors
 */
#ifndef SK_FORM_INTERNAL_H
#define SK_FORM_INTERNAL_H

#include "sheet.h"
#include "sk/form.h"

typedef struct name_index {
    int *slots; /* question index + 1; 0 = empty */
    size_t cap; /* power of two */
    size_t used;
} name_index;

/* The allocation behind every sk_form: the public part first, so a
 * const sk_form * converts back to it. */
typedef struct form_impl {
    sk_form pub;
    name_index names;
    size_t cap_q, cap_lists;
} form_impl;

/* Where problems are reported. */
typedef struct form_ctx {
    form_impl *f;
    const char *file;
    sk_diags *diags;
    int nomem;
    struct q_cols *qcols; /* parallel to f->pub.q */
    size_t cap_qcols;
} form_ctx;

/* Add a problem; sheet may be NULL, col 0 = no column. */
void form_problem(form_ctx *c, const char *sheet, unsigned row, unsigned col, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Fill the model from the workbook; problems go to c->diags. */
void form_build(form_ctx *c, const wb_workbook *wb);
/* Expressions, references, cycles, consent rules, pages. Run after form_build. */
void form_check(form_ctx *c);
/* Repeats (form_repeat.c): nesting, where repeats may stand, references
 * into a repeat from outside it; fills q->repeat and f->repeats.  Run after
 * the expressions are compiled and before the pages are built. */
void form_check_repeats(form_ctx *c);

/* Where a question's expression column sits, for located messages. */
typedef enum {
    EX_RELEVANT, EX_CONSTRAINT, EX_CALCULATION, EX_CHOICE_FILTER, EX_REQUIRED, EX_READ_ONLY,
    EX_REPEAT_COUNT, EX_COUNT
} expr_slot;
extern const char *const form_expr_column[EX_COUNT];

/* Per question: the column number of each expression cell (0 when unknown),
 * kept beside the model while checking. */
typedef struct q_cols {
    unsigned col[EX_COUNT];
    unsigned appearance_col, parameters_col, default_col, quote_consent_col, identifying_col;
} q_cols;

/* name_index */
int names_add(name_index *ix, const sk_question *qs, int q); /* 1 = duplicate, -1 = nomem */
int names_find(const name_index *ix, const sk_question *qs, const char *name);
void names_free(name_index *ix);

/* Text helpers */
char **form_texts_new(size_t n_langs); /* calloc'd array of NULLs, or NULL */
void form_texts_free(char **t, size_t n_langs);
void form_question_free(sk_question *q, size_t n_langs);
void form_free_impl(form_impl *f);

#endif
