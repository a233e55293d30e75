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

enum field {
    F_UNKNOWN = -1,
    F_TYPE, F_NAME, F_LABEL, F_HINT, F_REQUIRED, F_REQUIRED_MESSAGE, F_RELEVANT, F_CONSTRAINT,
    F_CONSTRAINT_MESSAGE, F_APPEARANCE, F_DEFAULT, F_CALCULATION, F_READ_ONLY, F_CHOICE_FILTER,
    F_PARAMETERS, F_QUOTE_CONSENT, F_IDENTIFYING, F_LIST_NAME, F_MEDIA, F_EXTRA, F_REPEAT_COUNT
};

typedef struct alias {
    const char *header;
    enum field field;
} alias;

static const alias survey_columns[] = {
    {"type", F_TYPE}, {"name", F_NAME}, {"label", F_LABEL}, {"hint", F_HINT},
    {"required", F_REQUIRED}, {"required_message", F_REQUIRED_MESSAGE},
    {"jr:requiredmsg", F_REQUIRED_MESSAGE}, {"relevant", F_RELEVANT},
    {"constraint", F_CONSTRAINT}, {"constraint_message", F_CONSTRAINT_MESSAGE},
    {"jr:constraintmsg", F_CONSTRAINT_MESSAGE}, {"appearance", F_APPEARANCE},
    {"default", F_DEFAULT}, {"calculation", F_CALCULATION}, {"read_only", F_READ_ONLY},
    {"readonly", F_READ_ONLY}, {"choice_filter", F_CHOICE_FILTER},
    {"parameters", F_PARAMETERS}, {"quote_consent", F_QUOTE_CONSENT},
    {"identifying", F_IDENTIFYING}, {"repeat_count", F_REPEAT_COUNT},
    {"jr:count", F_REPEAT_COUNT}, {NULL, F_UNKNOWN}};

static const alias choices_columns[] = {
    {"list_name", F_LIST_NAME}, {"name", F_NAME}, {"label", F_LABEL}, {NULL, F_UNKNOWN}};

static int translatable(enum field f)
{
    return f == F_LABEL || f == F_HINT || f == F_CONSTRAINT_MESSAGE || f == F_REQUIRED_MESSAGE;
}

static int is_media(const char *base)
{
    return strcmp(base, "media") == 0 || strcmp(base, "image") == 0 ||
           strcmp(base, "audio") == 0 || strcmp(base, "video") == 0 ||
           strcmp(base, "big-image") == 0 || strcmp(base, "big_image") == 0;
}

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

/* The base of a header ("label" of "Label::English (en)"), lowercased with
 * spaces as underscores, and the language part (trimmed), if any. */
static void split_header(const char *h, char *base, size_t size, const char **lang)
{
    const char *sep = strstr(h, "::");
    size_t n = sep ? (size_t)(sep - h) : strlen(h);
    while (n > 0 && isspace((unsigned char)h[n - 1]))
        n--;
    size_t w = 0;
    for (size_t i = 0; i < n && w + 1 < size; i++)
        base[w++] = h[i] == ' ' ? '_' : (char)tolower((unsigned char)h[i]);
    base[w] = '\0';
    *lang = NULL;
    if (sep) {
        sep += 2;
        while (isspace((unsigned char)*sep))
            sep++;
        *lang = sep;
    }
}

static char *xstrdup(form_ctx *c, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        c->nomem = 1;
    return d;
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

static void parse_header(form_ctx *c, const wb_sheet *sh, const alias *known, header *out)
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
    for (size_t i = 0; i < r->n; i++) {
        char base[128];
        const char *lang;
        split_header(r->cells[i].text, base, sizeof base, &lang);
        column col = {.col = r->cells[i].col, .field = F_UNKNOWN, .lang = -1};
        for (const alias *a = known; a->header; a++)
            if (strcmp(base, a->header) == 0)
                col.field = a->field;
        if (is_media(base)) {
            form_problem(c, sh->name, r->row, col.col,
                         "media columns ('%s') are not supported by the kiosk; remove the "
                         "column",
                         r->cells[i].text);
            continue;
        }
        if (col.field == F_UNKNOWN && known == choices_columns && !lang) {
            col.field = F_EXTRA; /* choice_filter can test any choices column */
            col.extra = r->cells[i].text;
        } else if (col.field == F_UNKNOWN) {
            form_problem(c, sh->name, r->row, col.col,
                         "unknown column '%s'; see docs/XLSFORM.md for the columns the "
                         "kiosk reads, and rename or remove it",
                         r->cells[i].text);
            continue;
        }
        if (lang && !translatable(col.field)) {
            form_problem(c, sh->name, r->row, col.col,
                         "the column '%s' cannot be translated; only label, hint, "
                         "constraint_message and required_message take '::language'",
                         base);
            continue;
        }
        if (translatable(col.field))
            col.lang = lang_index(c, lang && *lang ? lang : "default");
        /* A repeated column is reported and left out: reading both would
         * fill the same field twice (and leak the first copy). */
        int dup = 0;
        for (size_t j = 0; j < out->n && !dup; j++)
            if (out->cols[j].field == col.field && out->cols[j].lang == col.lang &&
                col.field != F_EXTRA) {
                char first[8];
                form_problem(c, sh->name, r->row, col.col,
                             "the column '%s' appears twice (also column %s); keep one",
                             r->cells[i].text, wb_col_letter(out->cols[j].col, first));
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

/* ------------------------------------------------------------------ types */

typedef enum { T_OK, T_UNKNOWN, T_UNSUPPORTED } type_result;

static const char *const unsupported_types[] = {
    "geopoint", "geotrace", "geoshape", "audio", "video",
    "file", "barcode", "select_one_from_file", "select_multiple_from_file", "rank",
    "datetime", "dateTime", "xml-external", "csv-external", "phonenumber", "email",
    "username", "subscriberid", "simserial", "audit", "background-audio", "start-geopoint",
    "osm", NULL};

/* Copies raw with runs of spaces squeezed and "word word" keywords joined
 * with '_' ("select one" -> "select_one", "begin group" -> "begin_group"). */
static void normalise_type(const char *raw, char *out, size_t size)
{
    size_t w = 0;
    int space = 0;
    for (const char *p = raw; *p && w + 1 < size; p++) {
        if (isspace((unsigned char)*p)) {
            space = w > 0;
            continue;
        }
        if (space && w + 2 < size)
            out[w++] = ' ';
        space = 0;
        out[w++] = *p;
    }
    out[w] = '\0';
    static const char *const joined[] = {"select one", "select multiple", "begin group",
                                         "end group", "begin repeat", "end repeat", NULL};
    for (size_t i = 0; joined[i]; i++) {
        size_t n = strlen(joined[i]);
        if (strncasecmp(out, joined[i], n) == 0 && (out[n] == '\0' || out[n] == ' '))
            out[strchr(joined[i], ' ') - joined[i]] = '_';
    }
}

static type_result parse_type(const char *raw, sk_qtype *t, char *list, size_t list_size,
                              char *word, size_t word_size)
{
    char norm[256];
    normalise_type(raw, norm, sizeof norm);
    char *sp = strchr(norm, ' ');
    const char *arg = sp ? sp + 1 : "";
    if (sp)
        *sp = '\0';
    snprintf(word, word_size, "%s", norm);
    list[0] = '\0';
    static const struct {
        const char *name;
        sk_qtype t;
    } plain[] = {{"note", SK_Q_NOTE},           {"text", SK_Q_TEXT},
                 {"integer", SK_Q_INTEGER},     {"int", SK_Q_INTEGER},
                 {"decimal", SK_Q_DECIMAL},     {"date", SK_Q_DATE},
                 {"time", SK_Q_TIME},           {"range", SK_Q_RANGE},
                 {"acknowledge", SK_Q_ACKNOWLEDGE}, {"trigger", SK_Q_ACKNOWLEDGE},
                 {"calculate", SK_Q_CALCULATE}, {"hidden", SK_Q_HIDDEN},
                 {"image", SK_Q_SIGNATURE},     {"begin_group", SK_Q_BEGIN_GROUP},
                 {"end_group", SK_Q_END_GROUP}, {"start", SK_Q_START},
                 {"end", SK_Q_END},             {"today", SK_Q_TODAY},
                 {"deviceid", SK_Q_DEVICEID},
                 /* a repeat is a group whose rows are asked once per instance;
                  * build_row marks it (sk_question.is_repeat) */
                 {"begin_repeat", SK_Q_BEGIN_GROUP}, {"end_repeat", SK_Q_END_GROUP}};
    if (strcasecmp(norm, "select_one") == 0 || strcasecmp(norm, "select_multiple") == 0) {
        *t = strcasecmp(norm, "select_one") == 0 ? SK_Q_SELECT_ONE : SK_Q_SELECT_MULTIPLE;
        if (!*arg || strchr(arg, ' '))
            return T_UNKNOWN;
        snprintf(list, list_size, "%s", arg);
        return T_OK;
    }
    for (size_t i = 0; unsupported_types[i]; i++)
        if (strcasecmp(norm, unsupported_types[i]) == 0)
            return T_UNSUPPORTED;
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcasecmp(norm, plain[i].name) == 0) {
            *t = plain[i].t;
            /* end_group may repeat the group's name; nothing else takes an argument */
            if (*t == SK_Q_BEGIN_GROUP || *t == SK_Q_END_GROUP)
                snprintf(word, word_size, "%s", plain[i].name);
            return *arg && *t != SK_Q_END_GROUP ? T_UNKNOWN : T_OK;
        }
    return T_UNKNOWN;
}

/* ------------------------------------------------------------ appearances */

static const struct {
    const char *name;
    unsigned flag;
} appearances[] = {{"minimal", SK_AP_MINIMAL},        {"likert", SK_AP_LIKERT},
                   {"horizontal", SK_AP_HORIZONTAL},  {"horizontal-compact", SK_AP_HORIZONTAL},
                   {"multiline", SK_AP_MULTILINE},    {"field-list", SK_AP_FIELD_LIST},
                   {"table-list", SK_AP_TABLE_LIST},  {"signature", SK_AP_SIGNATURE},
                   {"consent", SK_AP_CONSENT}};

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
        if (!flag)
            form_problem(c, "survey", row, col,
                         "unknown appearance '%.*s'; the kiosk honours minimal, likert, "
                         "horizontal, multiline, field-list, table-list, signature and consent",
                         (int)n, s);
        flags |= flag;
    }
    return flags;
}

/* Which appearances make sense on which type. */
static void check_appearance_fits(form_ctx *c, const sk_question *q, unsigned col)
{
    unsigned group_only = SK_AP_FIELD_LIST | SK_AP_TABLE_LIST | SK_AP_CONSENT;
    unsigned select_only = SK_AP_MINIMAL | SK_AP_LIKERT | SK_AP_HORIZONTAL;
    const char *type = sk_qtype_name(q->type);
    if ((q->appearance & group_only) && q->type != SK_Q_BEGIN_GROUP)
        form_problem(c, "survey", q->row, col,
                     "field-list, table-list and consent are group appearances, not for a %s "
                     "row",
                     type);
    if (q->type == SK_Q_BEGIN_GROUP && (q->appearance & ~group_only))
        form_problem(c, "survey", q->row, col,
                     "a group takes only field-list, table-list or consent as appearance");
    if ((q->appearance & select_only) && q->type != SK_Q_SELECT_ONE &&
        q->type != SK_Q_SELECT_MULTIPLE && q->type != SK_Q_RANGE)
        form_problem(c, "survey", q->row, col,
                     "minimal, likert and horizontal apply to select and range questions, "
                     "not to a %s row",
                     type);
    if ((q->appearance & SK_AP_MULTILINE) && q->type != SK_Q_TEXT)
        form_problem(c, "survey", q->row, col, "multiline applies to text questions only");
    if ((q->appearance & SK_AP_SIGNATURE) && q->type != SK_Q_SIGNATURE)
        form_problem(c, "survey", q->row, col, "signature applies to image rows only");
}

/* ---------------------------------------------------------------- helpers */

/* XML names as XLSForm needs them: a letter or '_' first, then letters,
 * digits, '-', '_' or '.'; bytes >= 0x80 (UTF-8 letters) are accepted. */
static int valid_name(const char *s)
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
    type_result tr = parse_type(type_src, &type, list, sizeof list, word, sizeof word);
    if (tr == T_UNSUPPORTED) {
        form_problem(c, "survey", r->row, type_col,
                     "the type '%s' is not supported by the kiosk (see docs/XLSFORM.md); "
                     "remove the row or use a supported type",
                     word);
        return;
    }
    if (tr == T_UNKNOWN) {
        form_problem(c, "survey", r->row, type_col,
                     "unknown type '%s'; see docs/XLSFORM.md for the supported types",
                     type_src);
        return;
    }
    int index = (int)c->f->pub.n_q;
    sk_question *q = new_question(c);
    if (!q)
        return;
    q_cols *qc = &c->qcols[index];
    q->type = type;
    q->row = r->row;
    q->label = texts(c);
    q->hint = texts(c);
    q->constraint_message = texts(c);
    q->required_message = texts(c);
    char **srcs[EX_COUNT] = {&q->relevant_src, &q->constraint_src, &q->calculation_src,
                             &q->choice_filter_src, &q->required_src, &q->read_only_src,
                             &q->repeat_count_src};
    q->repeat = -1;
    q->is_repeat = strcasecmp(word, "begin_repeat") == 0;
    const char *name = NULL, *appearance = NULL, *parameters = NULL, *identifying = NULL;
    unsigned name_col = 0;
    q->quote_clause = -1;
    for (size_t i = 0; i < h->n; i++) {
        const column *col = &h->cols[i];
        const char *v = wb_cell_text(r, col->col);
        switch (col->field) {
        case F_NAME: name = v; name_col = col->col; break;
        case F_LABEL: if (v && q->label) q->label[col->lang] = xstrdup(c, v); break;
        case F_HINT: if (v && q->hint) q->hint[col->lang] = xstrdup(c, v); break;
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
        default: break;
        }
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

    if (!name) {
        form_problem(c, "survey", r->row, name_col,
                     "this %s row has no name; every row except end_group needs one",
                     sk_qtype_name(type));
        q->name = xstrdup(c, "");
    } else {
        q->name = xstrdup(c, name);
        if (!valid_name(name))
            form_problem(c, "survey", r->row, name_col,
                         "'%s' is not a valid name; start with a letter or '_' and use only "
                         "letters, digits, '_', '-' and '.'",
                         name);
        else if (q->name) {
            int dup = names_find(&c->f->names, c->f->pub.q, name);
            if (dup >= 0)
                form_problem(c, "survey", r->row, name_col,
                             "duplicate name '%s' (also on row %u); names must be unique",
                             name, c->f->pub.q[dup].row);
            else if (names_add(&c->f->names, c->f->pub.q, index) < 0)
                c->nomem = 1;
        }
    }
    if (appearance)
        q->appearance = parse_appearance(c, appearance, r->row, qc->appearance_col);
    if (type == SK_Q_SIGNATURE && !(q->appearance & SK_AP_SIGNATURE)) {
        form_problem(c, "survey", r->row, type_col,
                     "image rows are only supported with appearance signature (photos are "
                     "not supported by the kiosk)");
    }
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
}

static void build_survey(form_ctx *c, const wb_sheet *sh, char (**lists)[128])
{
    header h;
    parse_header(c, sh, survey_columns, &h);
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
    *lists = calloc(sh->n, sizeof **lists);
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

static void build_choices(form_ctx *c, const wb_sheet *sh)
{
    header h;
    parse_header(c, sh, choices_columns, &h);
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
        for (size_t k = 0; k < l->n; k++)
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
            else if (h.cols[k].field == F_EXTRA) {
                ch->extra_name[ch->n_extra] = xstrdup(c, h.cols[k].extra);
                ch->extra_value[ch->n_extra] = xstrdup(c, v ? v : "");
                ch->n_extra++;
            }
        }
        int labelled = 0;
        for (size_t k = 0; ch->label && k < c->f->pub.n_langs; k++)
            labelled |= ch->label[k] != NULL;
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
        char key[64];
        const char *lang;
        split_header(hr->cells[i].text, key, sizeof key, &lang);
        unsigned col = hr->cells[i].col;
        const char *v = wb_cell_text(vr, col);
        if (!v)
            continue;
        if (strcmp(key, "form_title") == 0) {
            free(f->title);
            f->title = xstrdup(c, v);
        } else if (strcmp(key, "form_id") == 0) {
            free(f->id);
            f->id = xstrdup(c, v);
            if (!valid_name(v))
                form_problem(c, "settings", vr->row, col,
                             "form_id '%s' is not a valid name; use letters, digits and '_'",
                             v);
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
        } else {
            form_problem(c, "settings", hr->row, col,
                         "unknown setting '%s'; see docs/XLSFORM.md for the settings the "
                         "kiosk reads",
                         hr->cells[i].text);
        }
    }
}

/* Languages come from the headers of survey and choices, in column order. */
static void collect_languages(form_ctx *c, const wb_sheet *survey, const wb_sheet *choices)
{
    const wb_sheet *sheets[2] = {survey, choices};
    for (int s = 0; s < 2; s++) {
        if (!sheets[s] || sheets[s]->n == 0)
            continue;
        const wb_row *r = &sheets[s]->rows[0];
        for (size_t i = 0; i < r->n; i++) {
            char base[128];
            const char *lang;
            split_header(r->cells[i].text, base, sizeof base, &lang);
            enum field fld = F_UNKNOWN;
            const alias *known = s == 0 ? survey_columns : choices_columns;
            for (const alias *a = known; a->header; a++)
                if (strcmp(base, a->header) == 0)
                    fld = a->field;
            if (translatable(fld))
                lang_index(c, lang && *lang ? lang : "default");
        }
    }
    if (c->f->pub.n_langs == 0)
        lang_index(c, "default");
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
                form_problem(c, "survey", q->row, 0,
                             "'%s' uses the choice list '%s' but there is no choices sheet; "
                             "add one",
                             q->name, lists[i]);
            else
                form_problem(c, "survey", q->row, 0,
                             "unknown choice list '%s'; add it to the choices sheet or fix "
                             "the type",
                             lists[i]);
            continue;
        }
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
    for (size_t i = 0; i < wb->n; i++) {
        const char *n = wb->sheets[i].name;
        if (strcasecmp(n, "survey") && strcasecmp(n, "choices") && strcasecmp(n, "settings") &&
            wb->sheets[i].n > 0)
            form_problem(c, NULL, 0, 0,
                         "the sheet '%s' is not read by the kiosk (only survey, choices and "
                         "settings); rename or remove it",
                         n);
    }
    if (!survey) {
        form_problem(c, NULL, 0, 0,
                     "there is no 'survey' sheet; an XLSForm needs one with type, name and "
                     "label columns");
        return;
    }
    collect_languages(c, survey, choices);
    const char *default_language = NULL;
    unsigned default_language_row = 0;
    if (settings)
        build_settings(c, settings, &default_language, &default_language_row);
    if (choices)
        build_choices(c, choices);
    char (*lists)[128] = NULL;
    build_survey(c, survey, &lists);
    resolve_lists(c, (const char (*)[128])lists, choices != NULL);
    free(lists);
    if (default_language) {
        f->default_lang = sk_form_lang(f, default_language);
        if (f->default_lang < 0) {
            f->default_lang = 0;
            form_problem(c, "settings", default_language_row, 0,
                         "default_language '%s' is not one of the form's languages", 
                         default_language);
        }
    }
}
