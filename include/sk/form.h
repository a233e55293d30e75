/* sk/form.h - a questionnaire (XLSForm) loaded into memory.
 *
 * sk_form_load() reads an XLSForm from .xlsx, .md (pyxform markdown tables) or
 * .csv (pyxform's CSV layout), checks it completely and builds this model.
 * The model is read-only after loading; the kiosk, export and report all read
 * it directly.  Row numbers are the spreadsheet's own (Excel) row numbers.
 *
 * Translated texts (label, hint, constraint_message, required_message, choice
 * labels) are arrays indexed by language: text[lang] for lang in 0..n_langs-1,
 * any entry may be NULL.  Use sk_form_text() to get the text with fallback.
 */
#ifndef SK_FORM_H
#define SK_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "sk/error.h"

struct sk_expr;

typedef enum sk_qtype {
    SK_Q_NOTE,
    SK_Q_TEXT,
    SK_Q_INTEGER,
    SK_Q_DECIMAL,
    SK_Q_DATE,
    SK_Q_TIME,
    SK_Q_DATETIME,    /* dateTime: a date and a time, stored as ODK does
                         (2026-12-01T14:30:00.000+01:00, the kiosk's local time) */
    SK_Q_SELECT_ONE,
    SK_Q_SELECT_MULTIPLE,
    SK_Q_RANGE,
    SK_Q_ACKNOWLEDGE,
    SK_Q_CALCULATE,
    SK_Q_HIDDEN,
    SK_Q_SIGNATURE,   /* "image" with appearance signature */
    SK_Q_BEGIN_GROUP,
    SK_Q_END_GROUP,
    SK_Q_START,       /* metadata: filled by the runtime, never shown */
    SK_Q_END,
    SK_Q_TODAY,
    SK_Q_DEVICEID,
    SK_Q_UNCOLLECTED  /* a question or metadata a kiosk does not collect (geopoint, photo,
                         username, ...): kept so its column exists, never shown, always
                         empty; source_type says which (docs/XLSFORM.md) */
} sk_qtype;

/* Appearance flags (several may be combined, e.g. "likert" on a select in a table-list). */
enum {
    SK_AP_MINIMAL = 1u << 0,
    SK_AP_LIKERT = 1u << 1,
    SK_AP_HORIZONTAL = 1u << 2,
    SK_AP_MULTILINE = 1u << 3,
    SK_AP_FIELD_LIST = 1u << 4,
    SK_AP_TABLE_LIST = 1u << 5,
    SK_AP_SIGNATURE = 1u << 6,
    SK_AP_CONSENT = 1u << 7,  /* our own: the group is the consent section (docs/XLSFORM.md) */
    SK_AP_MONTH_YEAR = 1u << 8, /* date: month and year only (stored as YYYY-MM-01, as ODK) */
    SK_AP_YEAR = 1u << 9        /* date: the year only (stored as YYYY-01-01, as ODK) */
};

/* The survey column `scale`: a bipolar scale runs from one pole through a
 * neutral middle to the other (disagree ... agree); a unipolar one from none
 * to much (never ... always). */
typedef enum sk_scale { SK_SCALE_AUTO = 0, SK_SCALE_BIPOLAR, SK_SCALE_UNIPOLAR } sk_scale;

typedef struct sk_choice {
    char *name;
    char **label;            /* [n_langs] */
    char **image;            /* [n_langs] picture file shown with the label (media::image), entries may be NULL */
    size_t n_extra;          /* other columns of the choices sheet, for choice_filter */
    char **extra_name, **extra_value;
    unsigned row;
} sk_choice;

typedef struct sk_choice_list {
    char *name;
    sk_choice *choices;
    size_t n;
} sk_choice_list;

typedef struct sk_question {
    sk_qtype type;
    /* Never NULL; unique in the form (end_group rows get "").  XLSForm
     * names are unique within their group; a name used in several groups
     * is replaced by the question's group path ("household/age", by_path
     * set), which is then also its data column.  An unnamed note gets
     * "note#ROW". */
    char *name;
    bool by_path;
    char *source_type;       /* SK_Q_UNCOLLECTED: the XLSForm type as written ("geopoint"); else NULL */
    bool or_other;           /* "select_one L or_other": the list has "other" and NAME_other follows */
    char **label, **hint, **constraint_message, **required_message; /* [n_langs], entries may be NULL */
    char **image;            /* [n_langs] picture file shown with the label (media::image), entries may be NULL */
    unsigned appearance;     /* SK_AP_* flags */
    int list;                /* index into form->lists for select_*, else -1 */
    int parent;              /* index of the enclosing begin_group, -1 at top level */
    int group_end;           /* begin_group: index of its end_group; others: -1 */
    bool in_consent;         /* inside the consent group */
    /* Repeats (lib/form/form_repeat.c): a begin_repeat row is a BEGIN_GROUP
     * with is_repeat set (its end_repeat an END_GROUP), so group logic applies
     * unchanged.  repeat: the begin_repeat around this row (the repeat row
     * itself for a begin_repeat: its own index), -1 outside every repeat.
     * Repeats do not nest (refused at load).  repeat_count_src/repeat_count:
     * the fixed or computed number of instances ("" / NULL: the participant
     * adds and removes instances). */
    bool is_repeat;
    int repeat;
    char *repeat_count_src;
    struct sk_expr *repeat_count;
    /* Expression sources exactly as written ("" when the cell is empty) and
     * their compiled forms (NULL when empty).  "required" accepts yes/no/true/
     * false as well as an expression; a plain yes compiles to true(). */
    char *relevant_src, *constraint_src, *calculation_src, *choice_filter_src, *required_src,
        *read_only_src, *default_value;
    struct sk_expr *relevant, *constraint, *calculation, *choice_filter, *required, *read_only;
    double range_start, range_end, range_step; /* range: from parameters (defaults 1, 10, 1) */
    /* Ethics columns (docs/XLSFORM.md).  quote_consent: the name of the
     * consent clause on which quoting this free-text answer depends ("" when
     * none; only on questionnaire text questions); quote_clause is that
     * clause's index, -1 when none.  identifying: the answer identifies the
     * participant (an e-mail address, a name); export keeps it apart from the
     * research data and the report never shows it. */
    char *quote_consent;
    int quote_clause;
    bool identifying;
    /* scale (docs/XLSFORM.md, "Rating scales in the report"): how the report
     * colours a select_one's choices; SK_SCALE_AUTO infers it from the list. */
    int scale;               /* sk_scale */
    unsigned row;
} sk_question;

/* A page is what the kiosk shows on one screen: a single question, a
 * field-list or table-list group (all its questions), or the consent group.
 * Computed at load time, in form order.  Calculate, hidden and metadata rows
 * are on no page. */
typedef struct sk_page {
    int group;               /* the field-list/table-list/consent group, or -1 */
    int *q;                  /* question indices shown on the page (no group rows) */
    size_t n;
    bool consent;
    int repeat;              /* the begin_repeat its questions belong to, or -1 */
} sk_page;

typedef struct sk_form {
    char *title;             /* settings form_title, else the file name without extension */
    char **titles;           /* [n_langs] form_title::LANGUAGE, entries may be NULL; NULL when
                                no title is translated (use sk_form_title) */
    char *id;                /* settings form_id, else the file name without extension */
    char *version;           /* settings version, else "1" */
    char *source_name;       /* the file name the form was loaded from (no directory) */
    size_t n_langs;          /* at least 1 */
    char **lang_names;       /* as in the column: "English (en)", or "default" when untranslated */
    char **lang_codes;       /* "en" from "English (en)"; the name when there is no code */
    int default_lang;        /* from settings default_language, else 0 */
    sk_question *q;
    size_t n_q;
    sk_choice_list *lists;
    size_t n_lists;
    int consent_group;       /* index of the consent begin_group, -1 when there is none */
    int *calc_order;         /* calculate questions in dependency order */
    size_t n_calc;
    sk_page *pages;
    size_t n_pages;
    int *repeats;            /* begin_repeat rows in form order */
    size_t n_repeats;
    /* Kiosk settings (settings sheet, documented in docs/XLSFORM.md). */
    unsigned idle_timeout_s;     /* kiosk_idle_timeout, default 90 */
    unsigned thanks_timeout_s;   /* kiosk_thanks_timeout, default 20 */
    unsigned idle_countdown_s;   /* kiosk_idle_countdown, default 20: the "still there?" warning before the idle reset */
    bool show_withdrawal_code;   /* kiosk_withdrawal_code, default yes */
    /* What the kiosk accepts but ignores or leaves empty (a geopoint, an
     * unknown setting or column, audio media), located like problems.
     * survey-sync check and pack print them; --strict refuses the form. */
    sk_diags warnings;
    char **data_files;       /* "x.csv" for each instance('x') / pulldata('x', ...) that is
                                not a choice list, in first-use order: files a pack carries */
    size_t n_data_files;
} sk_form;

/* Load and check a questionnaire file.  The format is chosen by content
 * (a zip is .xlsx) and then by extension (.md, .csv).
 * On success *out is a new form owned by the caller (sk_form_free); its
 * warnings list what was accepted but is ignored.
 * Returns SK_ERR_INVALID with every problem appended to diags (each with
 * file, sheet, row and, where it helps, column), or SK_ERR_IO / SK_ERR_FORMAT
 * / SK_ERR_NOMEM with err filled.  *out is set only on success. */
sk_status sk_form_load(const char *path, sk_form **out, sk_diags *diags, sk_error *err);

/* As sk_form_load, from bytes in memory (the questionnaire inside a pack).
 * name is the original file name: it picks the format and names the file in
 * messages.  data is not kept. */
sk_status sk_form_load_mem(const void *data, size_t len, const char *name, sk_form **out,
                           sk_diags *diags, sk_error *err);

/* NULL is a no-op. */
void sk_form_free(sk_form *form);

/* Pictures shown with labels (media::image of questions and choices).
 * sk_form_load(path) looks for them in sk_form_media_dir(path) and warns
 * about each one missing; a name with a folder part is a problem.
 * sk_form_media_dir: "dir/survey.xlsx" -> "dir/survey-media" (malloc'd,
 * NULL when out of memory), as ODK lays media out beside a form.
 * sk_form_media: the files a pack carries for the form: the distinct picture
 * names in form order, then its data_files (CSV read by instance() and
 * pulldata(); sk_form_load(path) refuses the form when one is missing from
 * the media folder), each malloc'd, in a malloc'd array (free with
 * sk_form_media_free; NULL is a no-op). */
char *sk_form_media_dir(const char *form_path);
sk_status sk_form_media(const sk_form *form, char ***names, size_t *n, sk_error *err);
void sk_form_media_free(char **names, size_t n);

/* Index of the question called name, or -1. */
int sk_form_find(const sk_form *form, const char *name);
/* The choice list of a select question, or NULL. */
const sk_choice_list *sk_form_choices(const sk_form *form, int q);
/* Language index whose name or code equals lang, or -1. */
int sk_form_lang(const sk_form *form, const char *lang);

/* texts[lang], else texts[default_lang], else the first non-NULL entry, else "". */
const char *sk_form_text(const sk_form *form, char *const *texts, int lang);

/* The form's title in language lang: form_title::LANGUAGE when the settings
 * sheet translates it, else form_title (never NULL). */
const char *sk_form_title(const sk_form *form, int lang);

/* Short name of a type as XLSForm writes it ("select_one", "begin_group", ...). */
const char *sk_qtype_name(sk_qtype t);

/* A stable, human-readable text dump of the whole model (for golden tests).
 * Returns a malloc'd string owned by the caller, or NULL when out of memory. */
char *sk_form_dump(const sk_form *form);

#endif
