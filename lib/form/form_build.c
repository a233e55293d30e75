/* form_build.c - the survey, choices and settings sheets -> the sk_form model.
 *
 * Column headers are matched the way pyxform matches them: case-insensitive,
 * a space is an underscore ("list name" = list_name), and "label::English (en)"
 * is the label in the language "English (en)".  Every problem is reported
 * with its sheet, row and column, and building goes on so that one run shows
 * them all.  Expressions, references, the consent rules and pages are checked
 * afterwards in form_check.c.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_internal.h"
#include "sk/record.h" /* SK_FORM_ID_MAX */

/* Column, type and settings spellings are in form_aliases.c. */

typedef struct column {
    unsigned col;
    enum field field;
    int lang;          /* translatable: language index */
    const char *extra; /* F_EXTRA: the header as written */
} column;

typedef struct header {
    column *cols;
    size_t n;
} header;

/* The base of a settings header, lowercased with spaces as underscores. */
static void setting_key(const char *h, char *base, size_t size)
{
    form_header hd;
    form_header_split(h, 1, &hd);
    snprintf(base, size, "%s", hd.base);
}

static char *xstrdup(form_ctx *c, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        c->nomem = 1;
    return d;
}

/* Index of language name, or -1. */
static int find_lang(form_ctx *c, const char *name)
{
    const sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_langs; i++)
        if (strcmp(f->lang_names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Index of language name, adding it when absent. */
static int lang_index(form_ctx *c, const char *name)
{
    sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_langs; i++)
        if (strcmp(f->lang_names[i], name) == 0)
            return (int)i;
    char **names = realloc(f->lang_names, (f->n_langs + 1) * sizeof *names);
    if (names)
        f->lang_names = names;
    char **codes = realloc(f->lang_codes, (f->n_langs + 1) * sizeof *codes);
    if (codes)
        f->lang_codes = codes;
    if (!names || !codes) {
        c->nomem = 1;
        return 0;
    }
    /* "English (en)" -> code "en"; otherwise the name itself */
    const char *open = strrchr(name, '('), *close = strrchr(name, ')');
    char *code;
    if (open && close && close > open + 1 && close[1] == '\0')
        code = strndup(open + 1, (size_t)(close - open - 1));
    else
        code = strdup(name);
    f->lang_names[f->n_langs] = strdup(name);
    f->lang_codes[f->n_langs] = code;
    if (!code || !f->lang_names[f->n_langs])
        c->nomem = 1;
    return (int)f->n_langs++;
}

/* Whether any row below the header fills column col. */
static int column_used(const wb_sheet *sh, unsigned col)
{
    for (size_t i = 1; i < sh->n; i++)
        if (wb_cell_text(&sh->rows[i], col))
            return 1;
    return 0;
}

/* plain_lang: the language of a column without "::language" (the
 * default_language setting, as pyxform does, else "default"). */
static void parse_header(form_ctx *c, const wb_sheet *sh, int choices, const char *plain_lang,
                         header *out)
{
    memset(out, 0, sizeof *out);
    if (sh->n == 0)
        return;
    const wb_row *r = &sh->rows[0];
    out->cols = calloc(r->n ? r->n : 1, sizeof *out->cols);
    if (!out->cols) {
        c->nomem = 1;
        return;
    }
    int double_colon = 0;
    for (size_t i = 0; i < r->n; i++)
        double_colon |= strstr(r->cells[i].text, "::") != NULL;
    const char *sheet = choices ? "choices" : "survey";
    for (size_t i = 0; i < r->n; i++) {
        form_header hd;
        const char *text = r->cells[i].text;
        form_header_split(text, double_colon, &hd);
        column col = {.col = r->cells[i].col, .field = form_field_of(hd.base, choices), .lang = -1};
        if (col.field == F_IGNORED)
            continue;
        if (col.field == F_MEDIA_AV) {
            /* an empty media column changes nothing; a filled one is worth knowing */
            if (column_used(sh, col.col))
                form_warning(c, sheet, r->row, col.col,
                             "audio and video are not played on a kiosk; the column '%s' is "
                             "ignored",
                             text);
            continue;
        }
        if (col.field == F_UNKNOWN && choices && !hd.has_lang) {
            col.field = F_EXTRA; /* choice_filter can test any choices column */
            col.extra = text;
        } else if (col.field == F_UNKNOWN) {
            if (column_used(sh, col.col))
                form_warning(c, sheet, r->row, col.col,
                             "the column '%s' is not read by the kiosk; it is ignored (see "
                             "docs/XLSFORM.md for the columns the kiosk reads)",
                             text);
            continue;
        }
        if (hd.has_lang && !form_field_translatable(col.field)) {
            form_problem(c, sheet, r->row, col.col,
                         "the column '%s' cannot be translated; only label, hint, "
                         "constraint_message and required_message take '::language'",
                         hd.base);
            continue;
        }
        if (col.field == F_MEDIA_IMAGE) {
            /* pictures do not add a language (collect_languages counts only
             * texts, and every text array is already that long): a picture
             * in a language without texts goes with the plain language */
            col.lang = find_lang(c, hd.has_lang && *hd.lang ? hd.lang : plain_lang);
            if (col.lang < 0)
                col.lang = find_lang(c, plain_lang);
            if (col.lang < 0)
                col.lang = 0;
        } else if (form_field_translatable(col.field)) {
            col.lang = lang_index(c, hd.has_lang && *hd.lang ? hd.lang : plain_lang);
        }
        /* A repeated column is reported and left out: reading both would
         * fill the same field twice (and leak the first copy). */
        int dup = 0;
        for (size_t j = 0; j < out->n && !dup; j++)
            if (out->cols[j].field == col.field && out->cols[j].lang == col.lang &&
                col.field != F_EXTRA) {
                char first[8];
                form_problem(c, sheet, r->row, col.col,
                             "the column '%s' appears twice (also column %s); keep one", text,
                             wb_col_letter(out->cols[j].col, first));
                dup = 1;
            }
        if (!dup)
            out->cols[out->n++] = col;
    }
}

static const column *find_col(const header *h, enum field f)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->cols[i].field == f)
            return &h->cols[i];
    return NULL;
}

/* ------------------------------------------------------------ appearances */

static const struct {
    const char *name;
    unsigned flag;
} appearances[] = {{"minimal", SK_AP_MINIMAL},        {"likert", SK_AP_LIKERT},
                   {"horizontal", SK_AP_HORIZONTAL},  {"horizontal-compact", SK_AP_HORIZONTAL},
                   {"multiline", SK_AP_MULTILINE},    {"field-list", SK_AP_FIELD_LIST},
                   {"table-list", SK_AP_TABLE_LIST},  {"signature", SK_AP_SIGNATURE},
                   {"consent", SK_AP_CONSENT},        {"month-year", SK_AP_MONTH_YEAR},
                   {"year", SK_AP_YEAR}};

static unsigned parse_appearance(form_ctx *c, const char *src, unsigned row, unsigned col)
{
    unsigned flags = 0;
    const char *p = src;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (p == s)
            break;
        size_t n = (size_t)(p - s);
        unsigned flag = 0;
        for (size_t i = 0; i < sizeof appearances / sizeof appearances[0]; i++)
            if (strlen(appearances[i].name) == n && strncasecmp(s, appearances[i].name, n) == 0)
                flag = appearances[i].flag;
        if (!flag && !form_appearance_display_only(s, n))
            form_warning(c, "survey", row, col,
                         "unknown appearance '%.*s' is ignored; the kiosk honours minimal, "
                         "likert, horizontal, multiline, field-list, table-list, signature, "
                         "consent, month-year and year",
                         (int)n, s);
        flags |= flag;
    }
    return flags;
}

/* Which appearances make sense on which type.  ODK draws a misplaced
 * appearance as if it were not there, so the kiosk ignores it too (with a
 * warning); only consent, which decides where answers are stored, must be
 * on a group. */
static void check_appearance_fits(form_ctx *c, sk_question *q, unsigned col)
{
    unsigned group_only = SK_AP_FIELD_LIST | SK_AP_TABLE_LIST | SK_AP_CONSENT;
    unsigned select_only = SK_AP_MINIMAL | SK_AP_LIKERT | SK_AP_HORIZONTAL;
    const char *type = sk_qtype_name(q->type);
    if ((q->appearance & SK_AP_CONSENT) && q->type != SK_Q_BEGIN_GROUP)
        form_problem(c, "survey", q->row, col,
                     "consent is a group appearance (the consent section), not for a %s row",
                     type);
    if ((q->appearance & (SK_AP_FIELD_LIST | SK_AP_TABLE_LIST)) && q->type != SK_Q_BEGIN_GROUP)
        form_warning(c, "survey", q->row, col,
                     "field-list and table-list are group appearances; ignored on a %s row",
                     type);
    if (q->type == SK_Q_BEGIN_GROUP && (q->appearance & ~group_only))
        form_warning(c, "survey", q->row, col,
                     "a group takes only field-list, table-list or consent as appearance; "
                     "the others are ignored");
    if ((q->appearance & select_only) && q->type != SK_Q_SELECT_ONE &&
        q->type != SK_Q_SELECT_MULTIPLE && q->type != SK_Q_RANGE && q->type != SK_Q_BEGIN_GROUP)
        form_warning(c, "survey", q->row, col,
                     "minimal, likert and horizontal apply to select and range questions; "
                     "ignored on a %s row",
                     type);
    if ((q->appearance & SK_AP_MULTILINE) && q->type != SK_Q_TEXT)
        form_warning(c, "survey", q->row, col, "multiline applies to text questions only; ignored");
    if ((q->appearance & SK_AP_SIGNATURE) && q->type != SK_Q_SIGNATURE)
        form_warning(c, "survey", q->row, col, "signature applies to image rows only; ignored");
    unsigned date_only = SK_AP_MONTH_YEAR | SK_AP_YEAR;
    if ((q->appearance & date_only) && q->type != SK_Q_DATE)
        form_warning(c, "survey", q->row, col,
                     "month-year and year apply to date questions only; ignored on a %s row",
                     type);
    if (q->type == SK_Q_BEGIN_GROUP)
        q->appearance &= group_only;
    else if (q->type == SK_Q_SELECT_ONE || q->type == SK_Q_SELECT_MULTIPLE || q->type == SK_Q_RANGE)
        q->appearance &= select_only | SK_AP_CONSENT;
    else
        q->appearance &= (q->type == SK_Q_TEXT ? SK_AP_MULTILINE : 0) |
                         (q->type == SK_Q_SIGNATURE ? SK_AP_SIGNATURE : 0) |
                         (q->type == SK_Q_DATE ? date_only : 0) | SK_AP_CONSENT;
}

/* ---------------------------------------------------------------- helpers */

int form_valid_name(const char *s)
{
    unsigned char c0 = (unsigned char)*s;
    if (!(isalpha(c0) || c0 == '_' || c0 >= 0x80))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s + 1; *p; p++)
        if (!(isalnum(*p) || *p == '_' || *p == '-' || *p == '.' || *p >= 0x80))
            return 0;
    return 1;
}

static int yes_no(const char *s, bool *out)
{
    if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 ||
        strcasecmp(s, "true()") == 0) {
        *out = true;
        return 1;
    }
    if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
        strcasecmp(s, "false()") == 0) {
        *out = false;
        return 1;
    }
    return 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    double d = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (!*s || *end || !isfinite(d))
        return 0;
    *out = d;
    return 1;
}

/* range parameters: "start=1 end=10 step=1", separated by spaces, ';' or ','. */
static void parse_range(form_ctx *c, sk_question *q, const char *src, unsigned col)
{
    q->range_start = 1;
    q->range_end = 10;
    q->range_step = 1;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", src);
    for (char *save = NULL, *tok = strtok_r(buf, " ;,\t", &save); tok;
         tok = strtok_r(NULL, " ;,\t", &save)) {
        char *eq = strchr(tok, '=');
        double v;
        if (!eq || !parse_number(eq + 1, &v)) {
            form_problem(c, "survey", q->row, col,
                         "range parameter '%s' is not key=number; write e.g. start=0 end=10 "
                         "step=1",
                         tok);
            continue;
        }
        *eq = '\0';
        if (strcasecmp(tok, "start") == 0)
            q->range_start = v;
        else if (strcasecmp(tok, "end") == 0)
            q->range_end = v;
        else if (strcasecmp(tok, "step") == 0)
            q->range_step = v;
        else
            form_problem(c, "survey", q->row, col,
                         "unknown range parameter '%s'; use start, end and step", tok);
    }
    double span = fabs(q->range_end - q->range_start);
    if (q->range_step <= 0)
        form_problem(c, "survey", q->row, col, "range step must be greater than 0");
    else if (span == 0)
        form_problem(c, "survey", q->row, col, "range start and end must differ");
    else if (fabs(span / q->range_step - round(span / q->range_step)) > 1e-9)
        form_problem(c, "survey", q->row, col,
                     "range step %g does not divide the span from %g to %g evenly",
                     q->range_step, q->range_start, q->range_end);
}

static sk_question *new_question(form_ctx *c)
{
    form_impl *f = c->f;
    if (f->pub.n_q == f->cap_q) {
        size_t cap = f->cap_q ? f->cap_q * 2 : 32;
        sk_question *q = realloc(f->pub.q, cap * sizeof *q);
        q_cols *qc = realloc(c->qcols, cap * sizeof *qc);
        if (q)
            f->pub.q = q;
        if (qc)
            c->qcols = qc;
        if (!q || !qc) {
            c->nomem = 1;
            return NULL;
        }
        f->cap_q = cap;
    }
    sk_question *q = &f->pub.q[f->pub.n_q];
    memset(q, 0, sizeof *q);
    memset(&c->qcols[f->pub.n_q], 0, sizeof c->qcols[0]);
    q->list = q->parent = q->group_end = -1;
    q->range_start = 1;
    q->range_end = 10;
    q->range_step = 1;
    f->pub.n_q++;
    return q;
}

static char **texts(form_ctx *c)
{
    char **t = form_texts_new(c->f->pub.n_langs);
    if (!t)
        c->nomem = 1;
    return t;
}

/* A row refused for its type: remembered so that a ${name} pointing at it
 * says why it is missing. */
static void note_refused(form_ctx *c, const header *h, const wb_row *r, const char *type)
{
    const column *nc = NULL;
    for (size_t i = 0; i < h->n; i++)
        if (h->cols[i].field == F_NAME)
            nc = &h->cols[i];
    const char *name = nc ? wb_cell_text(r, nc->col) : NULL;
    if (!name)
        return;
    refused_row *rr = realloc(c->refused, (c->n_refused + 1) * sizeof *rr);
    if (!rr) {
        c->nomem = 1;
        return;
    }
    c->refused = rr;
    rr[c->n_refused].name = xstrdup(c, name);
    rr[c->n_refused].type = xstrdup(c, type);
    rr[c->n_refused].row = r->row;
    c->n_refused++;
}

/* "image" with appearance signature is the kiosk's drawn signature. */
static int has_signature_appearance(const header *h, const wb_row *r)
{
    for (size_t i = 0; i < h->n; i++) {
        const char *v = h->cols[i].field == F_APPEARANCE ? wb_cell_text(r, h->cols[i].col) : NULL;
        for (const char *p = v; p && *p;) {
            while (isspace((unsigned char)*p))
                p++;
            size_t n = strcspn(p, " \t\r\n");
            if (n == 9 && strncasecmp(p, "signature", 9) == 0)
                return 1;
            p += n;
        }
    }
    return 0;
}

/* "select_one L or_other", as pyxform builds it: the list gains the choice
 * "other" (label "Other", resolve_lists) and a text question NAME_other,
 * labelled "Specify other.", follows, relevant when "other" is selected. */
static void add_or_other(form_ctx *c, int select)
{
    const sk_question *s = &c->f->pub.q[select];
    char name[300], relevant[400];
    snprintf(name, sizeof name, "%s_other", s->name ? s->name : "");
    snprintf(relevant, sizeof relevant, "selected(${%s}, 'other')", s->name ? s->name : "");
    int parent = s->parent;
    unsigned row = s->row;
    sk_question *q = new_question(c);
    if (!q)
        return;
    q->type = SK_Q_TEXT;
    q->row = row;
    q->parent = parent;
    q->quote_clause = -1;
    q->name = xstrdup(c, name);
    q->label = texts(c);
    q->hint = texts(c);
    q->constraint_message = texts(c);
    q->required_message = texts(c);
    for (size_t l = 0; q->label && l < c->f->pub.n_langs; l++)
        q->label[l] = xstrdup(c, "Specify other.");
    q->relevant_src = xstrdup(c, relevant);
    q->constraint_src = xstrdup(c, "");
    q->calculation_src = xstrdup(c, "");
    q->choice_filter_src = xstrdup(c, "");
    q->required_src = xstrdup(c, "");
    q->read_only_src = xstrdup(c, "");
    q->repeat_count_src = xstrdup(c, "");
    q->default_value = xstrdup(c, "");
    q->quote_consent = xstrdup(c, "");
}

/* ----------------------------------------------------------------- survey */

static void build_row(form_ctx *c, const header *h, const wb_row *r, int *stack,
                      size_t *depth, char (*lists)[128])
{
    const char *type_src = NULL;
    unsigned type_col = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->cols[i].field == F_TYPE) {
            type_src = wb_cell_text(r, h->cols[i].col);
            type_col = h->cols[i].col;
        }
    if (!type_src) {
        form_problem(c, "survey", r->row, type_col,
                     "this row has no type; fill in the type column or delete the row");
        return;
    }
    sk_qtype type = SK_Q_NOTE;
    char list[256], word[256];
    int or_other = 0;
    const char *type_constraint = NULL;
    type_result tr = form_type_parse(type_src, &type, list, sizeof list, word, sizeof word,
                                     &or_other, &type_constraint);
    if (tr == T_REFUSED || tr == T_UNKNOWN) {
        if (tr == T_REFUSED)
            form_problem(c, "survey", r->row, type_col,
                         "the type '%s' is not supported by the kiosk yet (see "
                         "docs/XLSFORM.md); remove the row or use a supported type",
                         word);
        else
            form_problem(c, "survey", r->row, type_col,
                         "unknown type '%s'; see docs/XLSFORM.md for the supported types",
                         type_src);
        note_refused(c, h, r, tr == T_REFUSED ? word : type_src);
        return;
    }
    if (tr == T_DECLARATION)
        return; /* xml-external / csv-external declare data, they ask nothing */
    if (tr == T_UNCOLLECTED && (strcasecmp(word, "image") == 0 || strcasecmp(word, "photo") == 0) &&
        has_signature_appearance(h, r))
        tr = T_OK, type = SK_Q_SIGNATURE;
    if (tr == T_UNCOLLECTED || tr == T_META_EMPTY)
        type = SK_Q_UNCOLLECTED;
    int index = (int)c->f->pub.n_q;
    sk_question *q = new_question(c);
    if (!q)
        return;
    q_cols *qc = &c->qcols[index];
    q->type = type;
    q->row = r->row;
    qc->type_col = type_col;
    if (type == SK_Q_UNCOLLECTED)
        q->source_type = xstrdup(c, word);
    q->label = texts(c);
    q->hint = texts(c);
    q->constraint_message = texts(c);
    q->required_message = texts(c);
    q->image = texts(c);
    char **srcs[EX_COUNT] = {&q->relevant_src, &q->constraint_src, &q->calculation_src,
                             &q->choice_filter_src, &q->required_src, &q->read_only_src,
                             &q->repeat_count_src};
    q->repeat = -1;
    q->is_repeat = strcasecmp(word, "begin_repeat") == 0;
    const char *name = NULL, *appearance = NULL, *parameters = NULL, *identifying = NULL;
    const char *scale = NULL;
    unsigned name_col = 0, scale_col = 0;
    q->quote_clause = -1;
    for (size_t i = 0; i < h->n; i++) {
        const column *col = &h->cols[i];
        const char *v = wb_cell_text(r, col->col);
        switch (col->field) {
        case F_NAME: name = v; name_col = col->col; break;
        case F_LABEL: if (v && q->label) q->label[col->lang] = xstrdup(c, v); break;
        case F_HINT: if (v && q->hint) q->hint[col->lang] = xstrdup(c, v); break;
        case F_MEDIA_IMAGE: if (v && q->image) q->image[col->lang] = xstrdup(c, v); break;
        case F_CONSTRAINT_MESSAGE:
            if (v && q->constraint_message) q->constraint_message[col->lang] = xstrdup(c, v);
            break;
        case F_REQUIRED_MESSAGE:
            if (v && q->required_message) q->required_message[col->lang] = xstrdup(c, v);
            break;
        case F_RELEVANT: *srcs[EX_RELEVANT] = xstrdup(c, v); qc->col[EX_RELEVANT] = col->col; break;
        case F_CONSTRAINT: *srcs[EX_CONSTRAINT] = xstrdup(c, v); qc->col[EX_CONSTRAINT] = col->col; break;
        case F_CALCULATION: *srcs[EX_CALCULATION] = xstrdup(c, v); qc->col[EX_CALCULATION] = col->col; break;
        case F_CHOICE_FILTER: *srcs[EX_CHOICE_FILTER] = xstrdup(c, v); qc->col[EX_CHOICE_FILTER] = col->col; break;
        case F_REQUIRED: *srcs[EX_REQUIRED] = xstrdup(c, v); qc->col[EX_REQUIRED] = col->col; break;
        case F_READ_ONLY: *srcs[EX_READ_ONLY] = xstrdup(c, v); qc->col[EX_READ_ONLY] = col->col; break;
        case F_REPEAT_COUNT: *srcs[EX_REPEAT_COUNT] = xstrdup(c, v); qc->col[EX_REPEAT_COUNT] = col->col; break;
        case F_APPEARANCE: appearance = v; qc->appearance_col = col->col; break;
        case F_DEFAULT: q->default_value = v ? xstrdup(c, v) : NULL; qc->default_col = col->col; break;
        case F_PARAMETERS: parameters = v; qc->parameters_col = col->col; break;
        case F_QUOTE_CONSENT:
            q->quote_consent = v ? xstrdup(c, v) : NULL;
            qc->quote_consent_col = col->col;
            break;
        case F_IDENTIFYING: identifying = v; qc->identifying_col = col->col; break;
        case F_SCALE: scale = v; scale_col = col->col; break;
        default: break;
        }
    }
    /* pyxform's own constraint of a type ("percentage": 0 to 100) */
    if (type_constraint && (!q->constraint_src || !*q->constraint_src)) {
        free(q->constraint_src);
        q->constraint_src = xstrdup(c, type_constraint);
    }
    for (int i = 0; i < EX_COUNT; i++)
        if (!*srcs[i])
            *srcs[i] = xstrdup(c, "");
    if (!q->default_value)
        q->default_value = xstrdup(c, "");
    if (!q->quote_consent)
        q->quote_consent = xstrdup(c, "");
    /* identifying decides where an answer may be written: a value we do not
     * understand must not silently leave an e-mail address in the data. */
    if (identifying && *identifying) {
        if (strcasecmp(identifying, "yes") == 0 || strcasecmp(identifying, "true") == 0)
            q->identifying = true;
        else if (strcasecmp(identifying, "no") != 0 && strcasecmp(identifying, "false") != 0)
            form_problem(c, "survey", r->row, qc->identifying_col,
                         "identifying is '%s'; write yes (the answer identifies the "
                         "participant) or leave it empty",
                         identifying);
    }
    /* scale: how the report colours a rating scale (docs/XLSFORM.md, "Rating
     * scales in the report"); empty lets the report infer it from the list. */
    if (scale && *scale) {
        if (strcasecmp(scale, "bipolar") == 0)
            q->scale = SK_SCALE_BIPOLAR;
        else if (strcasecmp(scale, "unipolar") == 0)
            q->scale = SK_SCALE_UNIPOLAR;
        else
            form_problem(c, "survey", r->row, scale_col,
                         "scale is '%s'; write bipolar (agree ... disagree, a neutral middle) "
                         "or unipolar (none ... a lot), or leave it empty",
                         scale);
    }

    if (type == SK_Q_END_GROUP) {
        q->name = xstrdup(c, "");
        if (*depth == 0) {
            form_problem(c, "survey", r->row, type_col,
                         "end_group without a matching begin_group; remove it or add the "
                         "begin_group");
            q->parent = -1;
            return;
        }
        int begin = stack[--*depth];
        bool end_repeat = strcasecmp(word, "end_repeat") == 0;
        if (end_repeat != c->f->pub.q[begin].is_repeat)
            form_problem(c, "survey", r->row, type_col,
                         "%s closes '%s', which is a %s (row %u); write %s here",
                         word, c->f->pub.q[begin].name,
                         c->f->pub.q[begin].is_repeat ? "repeat" : "group",
                         c->f->pub.q[begin].row,
                         c->f->pub.q[begin].is_repeat ? "end_repeat" : "end_group");
        c->f->pub.q[begin].group_end = index;
        q->parent = c->f->pub.q[begin].parent;
        return;
    }
    q->parent = *depth ? stack[*depth - 1] : -1;
    if (type == SK_Q_BEGIN_GROUP)
        stack[(*depth)++] = index;

    qc->name_col = name_col;
    if (!name && type == SK_Q_NOTE) {
        /* pyxform lets a note go unnamed; it holds no answer, so a name
         * made from its row serves (and cannot clash: names have no '#') */
        char made[32];
        snprintf(made, sizeof made, "note#%u", r->row);
        q->name = xstrdup(c, made);
    } else if (!name) {
        form_problem(c, "survey", r->row, name_col,
                     "this %s row has no name; every row except end_group needs one",
                     sk_qtype_name(type));
        q->name = xstrdup(c, "");
    } else {
        q->name = xstrdup(c, name);
        if (!form_valid_name(name))
            form_problem(c, "survey", r->row, name_col,
                         "'%s' is not a valid name; start with a letter or '_' and use only "
                         "letters, digits, '_', '-' and '.'",
                         name);
        else if (type == SK_Q_BEGIN_GROUP && q->parent < 0 && strcmp(name, "meta") == 0)
            form_problem(c, "survey", r->row, name_col,
                         "the group name 'meta' is reserved (pyxform keeps the form's "
                         "metadata there); rename the group");
    }
    if (type == SK_Q_UNCOLLECTED) {
        if (tr == T_UNCOLLECTED)
            form_warning(c, "survey", r->row, 0,
                         "%s '%s' is not collected on a kiosk; it will be left empty", word,
                         q->name ? q->name : "");
        free(q->default_value); /* "left empty": a default would fill it */
        q->default_value = xstrdup(c, "");
        appearance = NULL;      /* drawn by ODK only */
    }
    if (appearance)
        q->appearance = parse_appearance(c, appearance, r->row, qc->appearance_col);
    check_appearance_fits(c, q, qc->appearance_col);
    if (type == SK_Q_RANGE)
        parse_range(c, q, parameters ? parameters : "", qc->parameters_col);
    else if (parameters)
        form_problem(c, "survey", r->row, qc->parameters_col,
                     "parameters are only read for range questions; remove them here");
    if (type == SK_Q_SELECT_ONE || type == SK_Q_SELECT_MULTIPLE)
        if (snprintf(lists[index], 128, "%s", list) >= 128)
            form_problem(c, "survey", r->row, type_col,
                         "the choice list name is longer than 127 characters; shorten it");
    if (type == SK_Q_CALCULATE && !*q->calculation_src)
        form_problem(c, "survey", r->row, type_col,
                     "calculate row '%s' has no calculation; fill in the calculation column",
                     q->name ? q->name : "");
    if (or_other) {
        q->or_other = true;
        add_or_other(c, index); /* last: it may move c->f->pub.q */
    }
}

static void build_survey(form_ctx *c, const wb_sheet *sh, const char *plain_lang,
                         char (**lists)[128])
{
    header h;
    parse_header(c, sh, 0, plain_lang, &h);
    if (sh->n == 0 || !h.cols) {
        form_problem(c, "survey", 1, 0, "the survey sheet is empty; add a header row with "
                                       "type, name and label");
        free(h.cols);
        return;
    }
    if (!find_col(&h, F_TYPE))
        form_problem(c, "survey", sh->rows[0].row, 0,
                     "the survey sheet has no 'type' column; add it to the header row");
    if (!find_col(&h, F_NAME))
        form_problem(c, "survey", sh->rows[0].row, 0,
                     "the survey sheet has no 'name' column; add it to the header row");
    if (!find_col(&h, F_TYPE) || !find_col(&h, F_NAME)) {
        free(h.cols);
        return;
    }
    int *stack = malloc(sh->n * sizeof *stack);
    *lists = calloc(2 * sh->n, sizeof **lists); /* or_other adds a question per row */
    if (!stack || !*lists) {
        c->nomem = 1;
        free(stack);
        free(h.cols);
        return;
    }
    size_t depth = 0;
    for (size_t i = 1; i < sh->n && !c->nomem; i++)
        build_row(c, &h, &sh->rows[i], stack, &depth, *lists);
    while (depth > 0) {
        const sk_question *g = &c->f->pub.q[stack[--depth]];
        form_problem(c, "survey", g->row, 0,
                     "the group '%s' is never closed; add an end_group row after its last "
                     "question",
                     g->name);
    }
    free(stack);
    free(h.cols);
}

/* ---------------------------------------------------------------- choices */

static int list_index(form_ctx *c, const char *name)
{
    sk_form *f = &c->f->pub;
    for (size_t i = f->n_lists; i-- > 0;) /* rows of a list are usually together */
        if (strcmp(f->lists[i].name, name) == 0)
            return (int)i;
    if (f->n_lists == c->f->cap_lists) {
        size_t cap = c->f->cap_lists ? c->f->cap_lists * 2 : 16;
        sk_choice_list *l = realloc(f->lists, cap * sizeof *l);
        if (!l) {
            c->nomem = 1;
            return -1;
        }
        f->lists = l;
        c->f->cap_lists = cap;
    }
    sk_choice_list *l = &f->lists[f->n_lists];
    memset(l, 0, sizeof *l);
    l->name = xstrdup(c, name);
    return (int)f->n_lists++;
}

static void build_choices(form_ctx *c, const wb_sheet *sh, const char *plain_lang)
{
    header h;
    parse_header(c, sh, 1, plain_lang, &h);
    if (sh->n == 0 || !h.cols) {
        free(h.cols);
        return;
    }
    const column *lc = find_col(&h, F_LIST_NAME), *nc = find_col(&h, F_NAME);
    if (!lc)
        form_problem(c, "choices", sh->rows[0].row, 0,
                     "the choices sheet has no 'list_name' column; add it to the header row");
    if (!nc)
        form_problem(c, "choices", sh->rows[0].row, 0,
                     "the choices sheet has no 'name' column; add it to the header row");
    if (!lc || !nc) {
        free(h.cols);
        return;
    }
    size_t n_extra = 0;
    for (size_t i = 0; i < h.n; i++)
        n_extra += h.cols[i].field == F_EXTRA;
    size_t *caps = NULL, n_caps = 0;
    for (size_t i = 1; i < sh->n && !c->nomem; i++) {
        const wb_row *r = &sh->rows[i];
        const char *list = wb_cell_text(r, lc->col), *name = wb_cell_text(r, nc->col);
        if (!list) {
            form_problem(c, "choices", r->row, lc->col,
                         "this choice has no list_name; fill it in or delete the row");
            continue;
        }
        if (!name) {
            form_problem(c, "choices", r->row, nc->col,
                         "this choice of list '%s' has no name; fill it in", list);
            continue;
        }
        int li = list_index(c, list);
        if (li < 0)
            break;
        if ((size_t)li >= n_caps) {
            size_t *nc2 = realloc(caps, (size_t)(li + 1) * sizeof *caps);
            if (!nc2) {
                c->nomem = 1;
                break;
            }
            caps = nc2;
            while (n_caps <= (size_t)li)
                caps[n_caps++] = 0;
        }
        sk_choice_list *l = &c->f->pub.lists[li];
        int dup = 0;
        for (size_t k = 0; k < l->n && !c->allow_choice_duplicates; k++)
            if (strcmp(l->choices[k].name, name) == 0) {
                form_problem(c, "choices", r->row, nc->col,
                             "duplicate choice '%s' in list '%s' (also on row %u)", name, list,
                             l->choices[k].row);
                dup = 1;
            }
        if (dup)
            continue;
        if (l->n == caps[li]) {
            size_t cap = caps[li] ? caps[li] * 2 : 8;
            sk_choice *ch = realloc(l->choices, cap * sizeof *ch);
            if (!ch) {
                c->nomem = 1;
                break;
            }
            l->choices = ch;
            caps[li] = cap;
        }
        sk_choice *ch = &l->choices[l->n++];
        memset(ch, 0, sizeof *ch);
        ch->row = r->row;
        ch->name = xstrdup(c, name);
        ch->label = texts(c);
        ch->image = texts(c);
        if (n_extra) {
            ch->extra_name = calloc(n_extra, sizeof *ch->extra_name);
            ch->extra_value = calloc(n_extra, sizeof *ch->extra_value);
            if (!ch->extra_name || !ch->extra_value)
                c->nomem = 1;
        }
        for (size_t k = 0; k < h.n && !c->nomem; k++) {
            const char *v = wb_cell_text(r, h.cols[k].col);
            if (h.cols[k].field == F_LABEL && v && ch->label)
                ch->label[h.cols[k].lang] = xstrdup(c, v);
            else if (h.cols[k].field == F_MEDIA_IMAGE && v && ch->image)
                ch->image[h.cols[k].lang] = xstrdup(c, v);
            else if (h.cols[k].field == F_EXTRA) {
                ch->extra_name[ch->n_extra] = xstrdup(c, h.cols[k].extra);
                ch->extra_value[ch->n_extra] = xstrdup(c, v ? v : "");
                ch->n_extra++;
            }
        }
        int labelled = 0; /* a label or a picture, as ODK accepts */
        for (size_t k = 0; ch->label && k < c->f->pub.n_langs; k++)
            labelled |= ch->label[k] != NULL || (ch->image && ch->image[k] != NULL);
        if (!labelled)
            form_problem(c, "choices", r->row, 0,
                         "the choice '%s' of list '%s' has no label; add one", name, list);
    }
    free(caps);
    free(h.cols);
}

/* --------------------------------------------------------------- settings */

static void set_seconds(form_ctx *c, const char *key, const char *v, unsigned row,
                        unsigned col, unsigned *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end || n == 0 || n > 86400)
        form_problem(c, "settings", row, col,
                     "%s must be a whole number of seconds from 1 to 86400, not '%s'", key, v);
    else
        *out = (unsigned)n;
}

/* A form id is text, as pyxform (since 1.0) and ODK Collect/Central take it:
 * "My Survey" is a valid id.  It names records and packs (at most
 * SK_FORM_ID_MAX bytes there) and export files, whose names export.c makes
 * safe; a control character would garble the lines that print it. */
static void check_form_id(form_ctx *c, const char *v, unsigned row, unsigned col)
{
    size_t n = strlen(v);
    if (n > SK_FORM_ID_MAX)
        form_problem(c, "settings", row, col,
                     "form_id is %zu bytes long; records carry at most %d, shorten it", n,
                     SK_FORM_ID_MAX);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            form_problem(c, "settings", row, col,
                         "form_id holds a control character (a line break or tab?); write "
                         "it on one line");
            break;
        }
}

static void build_settings(form_ctx *c, const wb_sheet *sh, const char **default_language,
                           unsigned *default_language_row)
{
    sk_form *f = &c->f->pub;
    if (sh->n < 2)
        return;
    const wb_row *hr = &sh->rows[0], *vr = &sh->rows[1];
    for (size_t i = 2; i < sh->n; i++)
        form_problem(c, "settings", sh->rows[i].row, 0,
                     "the settings sheet has one row of values under its header; remove "
                     "this row");
    for (size_t i = 0; i < hr->n; i++) {
        char raw_key[128];
        setting_key(hr->cells[i].text, raw_key, sizeof raw_key);
        const char *key = form_setting_key(raw_key);
        form_header hd;
        form_header_split(hr->cells[i].text, 1, &hd);
        unsigned col = hr->cells[i].col;
        const char *v = wb_cell_text(vr, col);
        if (!v)
            continue;
        if (strcmp(key, "form_title") == 0) {
            if (!hd.has_lang || !hd.lang[0]) {  /* form_title::LANGUAGE: build_titles */
                free(f->title);
                f->title = xstrdup(c, v);
            }
        } else if (strcmp(key, "form_id") == 0) {
            free(f->id);
            f->id = xstrdup(c, v);
            check_form_id(c, v, vr->row, col);
        } else if (strcmp(key, "version") == 0) {
            free(f->version);
            f->version = xstrdup(c, v);
        } else if (strcmp(key, "default_language") == 0) {
            *default_language = v;
            *default_language_row = vr->row;
        } else if (strcmp(key, "kiosk_idle_timeout") == 0) {
            set_seconds(c, key, v, vr->row, col, &f->idle_timeout_s);
        } else if (strcmp(key, "kiosk_idle_countdown") == 0) {
            set_seconds(c, key, v, vr->row, col, &f->idle_countdown_s);
        } else if (strcmp(key, "kiosk_thanks_timeout") == 0) {
            set_seconds(c, key, v, vr->row, col, &f->thanks_timeout_s);
        } else if (strcmp(key, "kiosk_withdrawal_code") == 0) {
            if (!yes_no(v, &f->show_withdrawal_code))
                form_problem(c, "settings", vr->row, col,
                             "kiosk_withdrawal_code must be yes or no, not '%s'", v);
        } else if (strcmp(key, "allow_choice_duplicates") == 0) {
            bool yes = false;
            c->allow_choice_duplicates = yes_no(v, &yes) && yes;
        } else if (form_setting_ignored(key)) {
            continue; /* pyxform settings that change nothing on a kiosk */
        } else if (strncmp(key, "kiosk_", 6) == 0) {
            /* our own namespace: a misspelt kiosk setting must not pass */
            form_problem(c, "settings", hr->row, col,
                         "unknown kiosk setting '%s'; see docs/XLSFORM.md for the settings "
                         "the kiosk reads",
                         hr->cells[i].text);
        } else {
            form_warning(c, "settings", hr->row, col,
                         "unknown setting '%s' is ignored; see docs/XLSFORM.md for the "
                         "settings the kiosk reads",
                         hr->cells[i].text);
        }
    }
}

/* Languages come from the headers of survey and choices, in column order;
 * a column without "::language" is in plain_lang. */
static void collect_languages(form_ctx *c, const wb_sheet *survey, const wb_sheet *choices,
                              const char *plain_lang)
{
    const wb_sheet *sheets[2] = {survey, choices};
    for (int s = 0; s < 2; s++) {
        if (!sheets[s] || sheets[s]->n == 0)
            continue;
        const wb_row *r = &sheets[s]->rows[0];
        int double_colon = 0;
        for (size_t i = 0; i < r->n; i++)
            double_colon |= strstr(r->cells[i].text, "::") != NULL;
        for (size_t i = 0; i < r->n; i++) {
            form_header hd;
            form_header_split(r->cells[i].text, double_colon, &hd);
            enum field fld = form_field_of(hd.base, s);
            if (fld == F_LABEL || fld == F_HINT || fld == F_CONSTRAINT_MESSAGE ||
                fld == F_REQUIRED_MESSAGE)
                lang_index(c, hd.has_lang && *hd.lang ? hd.lang : plain_lang);
        }
    }
    if (c->f->pub.n_langs == 0)
        lang_index(c, plain_lang);
}

/* pyxform's "other" choice, label "Other" in every language, unless the
 * list has one already. */
static void add_other_choice(form_ctx *c, sk_choice_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->choices[k].name, "other") == 0)
            return;
    sk_choice *ch = realloc(l->choices, (l->n + 1) * sizeof *ch);
    if (!ch) {
        c->nomem = 1;
        return;
    }
    l->choices = ch;
    ch = &l->choices[l->n];
    memset(ch, 0, sizeof *ch);
    ch->name = xstrdup(c, "other");
    ch->label = texts(c);
    ch->row = l->n ? l->choices[l->n - 1].row : 0;
    for (size_t k = 0; ch->label && k < c->f->pub.n_langs; k++)
        ch->label[k] = xstrdup(c, "Other");
    if (l->n && l->choices[0].n_extra) {
        /* keep every choice with the same extra columns (choice_filter reads them) */
        size_t n = l->choices[0].n_extra;
        ch->extra_name = calloc(n, sizeof *ch->extra_name);
        ch->extra_value = calloc(n, sizeof *ch->extra_value);
        if (!ch->extra_name || !ch->extra_value) {
            c->nomem = 1;
        } else {
            for (size_t x = 0; x < n; x++) {
                ch->extra_name[x] = xstrdup(c, l->choices[0].extra_name[x]);
                ch->extra_value[x] = xstrdup(c, "");
            }
            ch->n_extra = n;
        }
    }
    l->n++;
}

/* form_title::LANGUAGE columns of the settings sheet: the title in each
 * language (the kiosk's welcome screen shows the participant's).  Read once
 * every language is known, so titles[] has n_langs entries; a language the
 * survey sheet does not have is a problem (a typo would otherwise hide). */
static void build_titles(form_ctx *c, const wb_sheet *sh)
{
    sk_form *f = &c->f->pub;
    if (sh->n < 2)
        return;
    const wb_row *hr = &sh->rows[0], *vr = &sh->rows[1];
    for (size_t i = 0; i < hr->n; i++) {
        form_header hd;
        form_header_split(hr->cells[i].text, 1, &hd);
        const char *key = form_setting_key(hd.base), *lang = hd.lang;
        const char *v = wb_cell_text(vr, hr->cells[i].col);
        if (strcmp(key, "form_title") != 0 || !hd.has_lang || !*lang || !v)
            continue;
        int l = sk_form_lang(f, lang);
        if (l < 0) {
            form_problem(c, "settings", hr->row, hr->cells[i].col,
                         "form_title::%s names a language the survey sheet has no labels in; "
                         "use one of its languages",
                         lang);
            continue;
        }
        if (!f->titles && !(f->titles = calloc(f->n_langs, sizeof *f->titles))) {
            c->nomem = 1;
            return;
        }
        free(f->titles[l]);
        f->titles[l] = xstrdup(c, v);
        if (!f->title)  /* only translated titles: the first is the pack's title */
            f->title = xstrdup(c, v);
    }
}

static void resolve_lists(form_ctx *c, const char (*lists)[128], int have_choices)
{
    sk_form *f = &c->f->pub;
    for (size_t i = 0; lists && i < f->n_q; i++) {
        sk_question *q = &f->q[i];
        if (q->type != SK_Q_SELECT_ONE && q->type != SK_Q_SELECT_MULTIPLE)
            continue;
        for (size_t l = 0; l < f->n_lists; l++)
            if (strcmp(f->lists[l].name, lists[i]) == 0)
                q->list = (int)l;
        if (q->list < 0) {
            if (!have_choices)
                form_problem(c, "survey", q->row, c->qcols[i].type_col,
                             "'%s' uses the choice list '%s' but there is no choices sheet; "
                             "add one",
                             q->name, lists[i]);
            else
                form_problem(c, "survey", q->row, c->qcols[i].type_col,
                             "unknown choice list '%s'; add it to the choices sheet or fix "
                             "the type",
                             lists[i]);
            continue;
        }
        if (q->or_other)
            add_other_choice(c, &f->lists[q->list]);
        const sk_choice_list *l = &f->lists[q->list];
        if (q->type == SK_Q_SELECT_MULTIPLE)
            for (size_t k = 0; k < l->n; k++)
                if (strpbrk(l->choices[k].name, " \t"))
                    form_problem(c, "choices", l->choices[k].row, 0,
                                 "the choice name '%s' contains a space, but list '%s' is "
                                 "used by select_multiple '%s', whose answers are separated "
                                 "by spaces; use '_' instead",
                                 l->choices[k].name, l->name, q->name);
    }
}

void form_build(form_ctx *c, const wb_workbook *wb)
{
    sk_form *f = &c->f->pub;
    f->idle_timeout_s = 90;
    f->idle_countdown_s = 20;
    f->thanks_timeout_s = 20;
    f->show_withdrawal_code = true;
    f->consent_group = -1;
    const wb_sheet *survey = wb_find_sheet(wb, "survey");
    const wb_sheet *choices = wb_find_sheet(wb, "choices");
    const wb_sheet *settings = wb_find_sheet(wb, "settings");
    /* Other sheets (external_choices, choices-backup, notes, entities...)
     * change nothing on a kiosk: pyxform reads them for features the kiosk
     * does not have, or not at all. */
    if (!survey) {
        form_problem(c, NULL, 0, 0,
                     "there is no 'survey' sheet; an XLSForm needs one with type, name and "
                     "label columns");
        return;
    }
    const char *default_language = NULL;
    unsigned default_language_row = 0;
    if (settings)
        build_settings(c, settings, &default_language, &default_language_row);
    /* pyxform puts a column without "::language" in the default language */
    const char *plain_lang = default_language ? default_language : "default";
    collect_languages(c, survey, choices, plain_lang);
    if (choices)
        build_choices(c, choices, plain_lang);
    char (*lists)[128] = NULL;
    build_survey(c, survey, plain_lang, &lists);
    resolve_lists(c, (const char (*)[128])lists, choices != NULL);
    free(lists);
    if (settings)
        build_titles(c, settings);
    if (default_language) {
        f->default_lang = sk_form_lang(f, default_language);
        if (f->default_lang < 0) {
            f->default_lang = 0;
            form_problem(c, "settings", default_language_row, 0,
                         "default_language '%s' is not one of the form's languages",
                         default_language);
        }
    }
    form_names_resolve(c);
}
