/* form_internal.h - what the form builder's files share (internal to lib/form).
 *
 * form_load.c   entry points: file/memory -> workbook -> builder -> checks
 * form_build.c  survey/choices/settings sheets -> sk_form rows (column aliases,
 *               translations, types, appearances, groups, settings)
 * form_check.c  expressions, references, circular calculations, consent, pages
 * form_aliases.c pyxform's spellings (headers, types, settings) and what a
 *               kiosk accepts and ignores
 * form_media.c  pictures shown with labels, looked for in FORM-media/
 * form_loop.c   loops over a choice list, expanded into groups before building
 * form_names.c  names unique per group, group paths, and the name -> question
 *               index (a hash table, O(1) per lookup)
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

/* A row left out of the model because its type is refused (for messages
 * about references to it). */
typedef struct refused_row {
    char *name, *type;
    unsigned row;
} refused_row;

/* Where problems are reported. */
typedef struct form_ctx {
    form_impl *f;
    const char *file;
    sk_diags *diags;
    sk_diags *warnings; /* things the kiosk accepts but ignores */
    int nomem;
    struct q_cols *qcols; /* parallel to f->pub.q */
    size_t cap_qcols;
    refused_row *refused;
    size_t n_refused;
    int allow_choice_duplicates; /* settings allow_choice_duplicates = yes */
    char **ambiguous; /* names used by several questions in different groups */
    size_t n_ambiguous;
    struct data_file_use { unsigned row, col; const char *column; } *data_file_at;
                      /* where each of f->pub.data_files is first read (messages) */
} form_ctx;

/* Note that an expression at (row, col) of survey column `column` reads
 * instance `id`, which is not a choice list: the form needs the file id.csv
 * (form_media_check looks for it beside the form). */
void form_note_data_file(form_ctx *c, const char *id, unsigned row, unsigned col, const char *column);

/* Add a problem; sheet may be NULL, col 0 = no column.  The message is
 * formatted without a length limit, control characters (a line break inside
 * an expression) are escaped, and a message longer than an sk_error holds
 * is shortened in the middle so that both its start and its advice remain. */
void form_problem(form_ctx *c, const char *sheet, unsigned row, unsigned col, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
/* As form_problem, into the warnings (the form still loads). */
void form_warning(form_ctx *c, const char *sheet, unsigned row, unsigned col, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* form_loop.c: pyxform's loops ("begin loop over LIST") become, in the
 * survey sheet, a group holding one group per choice with the loop's rows
 * copied in ("%(name)s", "%(label)s" replaced); copies keep their row
 * numbers.  Run before form_build.  Problems go to c->diags. */
void form_expand_loops(form_ctx *c, wb_workbook *wb);
/* 1 when s is an XML name as XLSForm needs one for a question or group: a
 * letter or '_' first, then letters, digits, '-', '_' or '.'; bytes >= 0x80
 * (UTF-8 letters) are accepted.  (form_build.c) */
int form_valid_name(const char *s);
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
    unsigned name_col, type_col;
} q_cols;

/* ------------------------------------------------ form_aliases.c
 * pyxform's spellings: column headers, types and settings. */

/* What a survey or choices column holds. */
enum field {
    F_UNKNOWN = -1,
    F_TYPE, F_NAME, F_LABEL, F_HINT, F_REQUIRED, F_REQUIRED_MESSAGE, F_RELEVANT, F_CONSTRAINT,
    F_CONSTRAINT_MESSAGE, F_APPEARANCE, F_DEFAULT, F_CALCULATION, F_READ_ONLY, F_CHOICE_FILTER,
    F_PARAMETERS, F_QUOTE_CONSENT, F_IDENTIFYING, F_SCALE, F_LIST_NAME, F_EXTRA,
    F_IGNORED,     /* a pyxform column that changes nothing on a kiosk: read silently */
    F_MEDIA_IMAGE, /* media::image, image, big-image: a picture with the label */
    F_MEDIA_AV,    /* media::audio, media::video, audio, video: not played on a kiosk */
    F_REPEAT_COUNT /* repeat_count, jr:count: the number of instances of a repeat */
};

/* A column header split as pyxform splits it: "label::English (en)" or, in a
 * sheet with no "::" header, "label:English" (single colon, with "jr:x" kept
 * together); "bind::relevant", "control:appearance" and "body::x" name the
 * column after the prefix.  base is lowercased, spaces as '_'; lang is the
 * language part ("" when none). */
typedef struct form_header {
    char base[128];
    char lang[128];
    int has_lang;
} form_header;
void form_header_split(const char *text, int double_colon, form_header *out);
/* The field of a survey (choices = 0) or choices (choices = 1) column base. */
enum field form_field_of(const char *base, int choices);
/* Whether a field takes "::language". */
int form_field_translatable(enum field f);

/* A type cell as pyxform reads it. */
typedef enum {
    T_OK,          /* *t and list are set */
    T_UNKNOWN,     /* not an XLSForm type */
    T_REFUSED,     /* an XLSForm type the kiosk refuses (loops) */
    T_UNCOLLECTED, /* a question the kiosk does not collect: kept, never shown, empty */
    T_META_EMPTY,  /* metadata a kiosk has no value for (username, phonenumber...): empty, silent */
    T_DECLARATION  /* xml-external / csv-external: declares data, no question */
} type_result;
/* word: the type word as written ("geopoint", "select_one"); list: the
 * choice list of a select; or_other: "select_one L or_other". */
type_result form_type_parse(const char *raw, sk_qtype *t, char *list, size_t list_size,
                            char *word, size_t word_size, int *or_other, const char **constraint);

/* Settings: the canonical key for a pyxform alias ("title" -> "form_title"),
 * else key itself.  form_setting_ignored: a pyxform setting that changes
 * nothing on a kiosk (instance_name, public_key, ...). */
const char *form_setting_key(const char *key);
int form_setting_ignored(const char *key);
/* An appearance that only changes how ODK draws a question (compact,
 * no-ticks, quick, ...): accepted and ignored. */
int form_appearance_display_only(const char *s, size_t n);
/* A sheet pyxform reads or tolerates besides survey/choices/settings. */

/* form_media.c: every picture name is a plain file name (else a problem);
 * with form_path, each one missing from FORM-media/ is a warning. */
void form_media_check(form_ctx *c, const char *form_path);

/* ------------------------------------------------ form_names.c (group paths) */
/* Names must be unique within their group; a name used in several groups
 * becomes the question's path ("household/age").  Builds the name index.
 * Problems (duplicates in one group) are reported. */
void form_names_resolve(form_ctx *c);
/* 1 when name is used by several questions (a ${name} is then ambiguous). */
int form_name_ambiguous(const form_ctx *c, const char *name);

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
