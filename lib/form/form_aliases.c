/* form_aliases.c - pyxform's spellings of the things the kiosk reads.
 *
 * Forms written for ODK, Kobo or Ona use pyxform's aliases: "string" for
 * text, "select one from L", "bind:relevant", "label:English" with one
 * colon, settings "title" and "id_string".  They are mapped here to the one
 * spelling the builder knows, following pyxform's aliases.py and
 * parsing/sheet_headers.py (v4.5).  Also here: what pyxform accepts that
 * changes nothing on a kiosk (settings, columns, appearances), so that the
 * builder accepts it instead of refusing it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "form_internal.h"

/* ------------------------------------------------------------- headers */

typedef struct alias {
    const char *header;
    enum field field;
} alias;

static const alias survey_columns[] = {
    {"type", F_TYPE}, {"command", F_TYPE}, {"name", F_NAME}, {"label", F_LABEL},
    {"caption", F_LABEL}, {"hint", F_HINT}, {"required", F_REQUIRED},
    {"required_message", F_REQUIRED_MESSAGE}, {"jr:requiredmsg", F_REQUIRED_MESSAGE},
    {"requiredmsg", F_REQUIRED_MESSAGE}, {"relevant", F_RELEVANT}, {"relevance", F_RELEVANT},
    {"constraint", F_CONSTRAINT}, {"constraint_message", F_CONSTRAINT_MESSAGE},
    {"constraining_message", F_CONSTRAINT_MESSAGE}, {"jr:constraintmsg", F_CONSTRAINT_MESSAGE},
    {"appearance", F_APPEARANCE}, {"default", F_DEFAULT}, {"calculation", F_CALCULATION},
    {"calculate", F_CALCULATION}, {"read_only", F_READ_ONLY}, {"readonly", F_READ_ONLY},
    {"choice_filter", F_CHOICE_FILTER}, {"parameters", F_PARAMETERS},
    {"quote_consent", F_QUOTE_CONSENT}, {"identifying", F_IDENTIFYING}, {"scale", F_SCALE},
    {"repeat_count", F_REPEAT_COUNT}, {"jr:count", F_REPEAT_COUNT},
    /* media with the label */
    {"image", F_MEDIA_IMAGE}, {"big-image", F_IGNORED}, {"big_image", F_IGNORED},
    {"audio", F_MEDIA_AV}, {"video", F_MEDIA_AV},
    /* pyxform columns that change nothing a kiosk shows or records */
    {"guidance_hint", F_IGNORED}, {"autoplay", F_IGNORED}, {"rows", F_IGNORED},
    {"noapperrorstring", F_IGNORED}, {"no_app_error_string", F_IGNORED},
    {"jr:noapperrorstring", F_IGNORED}, {"compact_tag", F_IGNORED}, {"save_to", F_IGNORED},
    {"sms_field", F_IGNORED}, {"sms_option", F_IGNORED}, {"sms_separator", F_IGNORED},
    {"sms_allow_media", F_IGNORED}, {"sms_date_format", F_IGNORED},
    {"sms_datetime_format", F_IGNORED}, {"sms_response", F_IGNORED},
    {"tag", F_IGNORED}, {"flat", F_IGNORED}, {"jr:preload", F_IGNORED},
    {"jr:preloadparams", F_IGNORED}, {NULL, F_UNKNOWN}};

static const alias choices_columns[] = {
    {"list_name", F_LIST_NAME}, {"name", F_NAME}, {"value", F_NAME}, {"label", F_LABEL},
    {"caption", F_LABEL}, {"image", F_MEDIA_IMAGE}, {"big-image", F_IGNORED},
    {"big_image", F_IGNORED}, {"audio", F_MEDIA_AV}, {"video", F_MEDIA_AV},
    {NULL, F_UNKNOWN}};

/* bind::X and control::X / body::X: the attribute names that are columns. */
static const alias bind_attrs[] = {
    {"relevant", F_RELEVANT}, {"constraint", F_CONSTRAINT}, {"required", F_REQUIRED},
    {"calculate", F_CALCULATION}, {"readonly", F_READ_ONLY},
    {"jr:constraintmsg", F_CONSTRAINT_MESSAGE}, {"jr:requiredmsg", F_REQUIRED_MESSAGE},
    {"appearance", F_APPEARANCE}, {"jr:count", F_REPEAT_COUNT}, {NULL, F_UNKNOWN}};

int form_field_translatable(enum field f)
{
    return f == F_LABEL || f == F_HINT || f == F_CONSTRAINT_MESSAGE || f == F_REQUIRED_MESSAGE ||
           f == F_MEDIA_IMAGE || f == F_MEDIA_AV || f == F_IGNORED;
}

/* lowercase, spaces as '_', surrounding blanks dropped */
static void normalise_token(const char *s, size_t n, char *out, size_t size)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    size_t w = 0;
    for (size_t i = 0; i < n && w + 1 < size; i++)
        out[w++] = s[i] == ' ' ? '_' : (char)tolower((unsigned char)s[i]);
    out[w] = '\0';
}

static void copy_trimmed(const char *s, size_t n, char *out, size_t size)
{
    while (n > 0 && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    snprintf(out, size, "%.*s", (int)n, s);
}

/* Splits text at sep into at most 4 tokens; with a single colon, "jr" joins
 * the token after it ("jr:constraintMsg" stays one token). */
static size_t tokens_of(const char *text, const char *sep, const char **tok, size_t *len)
{
    size_t n = 0, sl = strlen(sep);
    const char *p = text;
    while (n < 4) {
        const char *e = strstr(p, sep);
        if (n == 3)
            e = NULL; /* the rest is one token */
        tok[n] = p;
        len[n] = e ? (size_t)(e - p) : strlen(p);
        n++;
        if (!e)
            break;
        p = e + sl;
    }
    if (sl == 1)
        for (size_t i = 0; i + 1 < n; i++)
            if (len[i] == 2 && strncasecmp(tok[i], "jr", 2) == 0) {
                len[i] = (size_t)(tok[i + 1] + len[i + 1] - tok[i]);
                for (size_t k = i + 1; k + 1 < n; k++) {
                    tok[k] = tok[k + 1];
                    len[k] = len[k + 1];
                }
                n--;
            }
    return n;
}

void form_header_split(const char *text, int double_colon, form_header *out)
{
    memset(out, 0, sizeof *out);
    const char *tok[4];
    size_t len[4];
    size_t n = tokens_of(text, double_colon || strstr(text, "::") ? "::" : ":", tok, len);
    size_t at = 0;
    char first[128];
    normalise_token(tok[0], len[0], first, sizeof first);
    /* bind::relevant, control::appearance, body::x, media::image, instance::x */
    if (n > 1 && (strcmp(first, "bind") == 0 || strcmp(first, "control") == 0 ||
                  strcmp(first, "body") == 0 || strcmp(first, "media") == 0 ||
                  strcmp(first, "instance") == 0)) {
        char attr[128];
        normalise_token(tok[1], len[1], attr, sizeof attr);
        enum field f = F_UNKNOWN;
        for (const alias *a = bind_attrs; a->header; a++)
            if (strcmp(attr, a->header) == 0)
                f = a->field;
        if (strcmp(first, "media") == 0 || f != F_UNKNOWN)
            snprintf(out->base, sizeof out->base, "%s", attr);
        else /* another attribute: changes nothing on a kiosk */
            snprintf(out->base, sizeof out->base, "%.60s:%.60s", first, attr);
        at = 2;
    } else {
        snprintf(out->base, sizeof out->base, "%s", first);
        at = 1;
    }
    if (at < n) {
        /* the language is everything after the field (trimmed) */
        const char *s = tok[at];
        copy_trimmed(s, strlen(s), out->lang, sizeof out->lang);
        out->has_lang = 1;
    }
}

enum field form_field_of(const char *base, int choices)
{
    for (const alias *a = choices ? choices_columns : survey_columns; a->header; a++)
        if (strcmp(base, a->header) == 0)
            return a->field;
    if (strncmp(base, "bind:", 5) == 0 || strncmp(base, "control:", 8) == 0 ||
        strncmp(base, "body:", 5) == 0 || strncmp(base, "instance:", 9) == 0)
        return F_IGNORED;
    return F_UNKNOWN;
}

/* --------------------------------------------------------------- types */

/* Question types a kiosk does not collect: kept in the model (their column
 * exists, empty), never shown, a warning each. */
static const char *const uncollected_types[] = {
    "geopoint", "geotrace", "geoshape", "image", "photo", "audio", "video", "file", "barcode",
    "osm", "start-geopoint", "background-audio", "background-geopoint", "audit",
    "add image prompt", "add photo prompt", "add audio prompt", "add video prompt",
    "add file prompt", "q picture", "q image", "q audio", "q video", "q barcode",
    "add barcode prompt", "location", "q location", "gps", "q geopoint", "add location prompt",
    "q geoshape", "q geotrace", NULL};

/* Metadata that describes a phone and its user: a shared kiosk has none, so
 * they are recorded empty without a warning (docs/XLSFORM.md). */
static const char *const empty_metadata[] = {
    "username", "uri:username", "phonenumber", "uri:phonenumber", "get phone number",
    "simserial", "uri:simserial", "sim id", "get sim id", "subscriberid", "uri:subscriberid",
    "subscriber id", "get subscriber id", "email", "uri:email", NULL};

/* pyxform's question_type_dictionary.py, every name for a type the kiosk
 * has; constraint: the one pyxform's type adds ("percentage" is an integer
 * from 0 to 100). */
static const struct {
    const char *name;
    sk_qtype t;
    const char *constraint;
} plain_types[] = {
    {"note", SK_Q_NOTE, NULL}, {"q note", SK_Q_NOTE, NULL}, {"add note prompt", SK_Q_NOTE, NULL},
    {"text", SK_Q_TEXT, NULL}, {"string", SK_Q_TEXT, NULL}, {"q string", SK_Q_TEXT, NULL},
    {"add text prompt", SK_Q_TEXT, NULL},
    {"phone number", SK_Q_TEXT, "regex(., '^\\d*$')"},
    {"integer", SK_Q_INTEGER, NULL}, {"int", SK_Q_INTEGER, NULL}, {"q int", SK_Q_INTEGER, NULL},
    {"add integer prompt", SK_Q_INTEGER, NULL},
    {"percentage", SK_Q_INTEGER, "0 <= . and . <= 100"},
    {"number of days in last month", SK_Q_INTEGER, "0 <= . and . <= 31"},
    {"number of days in last six months", SK_Q_INTEGER, "0 <= . and . <= 183"},
    {"number of days in last year", SK_Q_INTEGER, "0 <= . and . <= 365"},
    {"decimal", SK_Q_DECIMAL, NULL}, {"q decimal", SK_Q_DECIMAL, NULL},
    {"add decimal prompt", SK_Q_DECIMAL, NULL},
    {"date", SK_Q_DATE, NULL}, {"q date", SK_Q_DATE, NULL}, {"add date prompt", SK_Q_DATE, NULL},
    {"time", SK_Q_TIME, NULL}, {"range", SK_Q_RANGE, NULL},
    {"datetime", SK_Q_DATETIME, NULL}, {"date time", SK_Q_DATETIME, NULL},
    {"q date time", SK_Q_DATETIME, NULL}, {"q datetime", SK_Q_DATETIME, NULL},
    {"add date time prompt", SK_Q_DATETIME, NULL}, {"add datetime prompt", SK_Q_DATETIME, NULL},
    {"acknowledge", SK_Q_ACKNOWLEDGE, NULL}, {"trigger", SK_Q_ACKNOWLEDGE, NULL},
    {"q acknowledge", SK_Q_ACKNOWLEDGE, NULL}, {"add acknowledge prompt", SK_Q_ACKNOWLEDGE, NULL},
    {"calculate", SK_Q_CALCULATE, NULL}, {"q calculate", SK_Q_CALCULATE, NULL},
    {"add calculate prompt", SK_Q_CALCULATE, NULL}, {"hidden", SK_Q_HIDDEN, NULL},
    {"begin_group", SK_Q_BEGIN_GROUP, NULL}, {"end_group", SK_Q_END_GROUP, NULL},
    /* a repeat is a group whose rows are asked once per instance; build_row
     * marks it (sk_question.is_repeat) from the word "begin_repeat" */
    {"begin_repeat", SK_Q_BEGIN_GROUP, NULL}, {"end_repeat", SK_Q_END_GROUP, NULL},
    {"start", SK_Q_START, NULL}, {"start time", SK_Q_START, NULL},
    {"get start time", SK_Q_START, NULL}, {"end", SK_Q_END, NULL},
    {"end time", SK_Q_END, NULL}, {"get end time", SK_Q_END, NULL},
    {"today", SK_Q_TODAY, NULL}, {"get today", SK_Q_TODAY, NULL},
    {"deviceid", SK_Q_DEVICEID, NULL}, {"device id", SK_Q_DEVICEID, NULL},
    {"get device id", SK_Q_DEVICEID, NULL}, {"imei", SK_Q_DEVICEID, NULL},
    {"uri:deviceid", SK_Q_DEVICEID, NULL}};

/* select spellings, longest first so "select one from" wins over "select one" */
static const struct {
    const char *prefix;
    sk_qtype t;
} select_spellings[] = {{"add select one prompt using ", SK_Q_SELECT_ONE},
                        {"add select multiple prompt using ", SK_Q_SELECT_MULTIPLE},
                        {"select all that apply from ", SK_Q_SELECT_MULTIPLE},
                        {"select all that apply ", SK_Q_SELECT_MULTIPLE},
                        {"select one from ", SK_Q_SELECT_ONE},
                        {"select_one ", SK_Q_SELECT_ONE},
                        {"select one ", SK_Q_SELECT_ONE},
                        {"select1 ", SK_Q_SELECT_ONE},
                        {"select one using ", SK_Q_SELECT_ONE},
                        {"select multiple using ", SK_Q_SELECT_MULTIPLE},
                        {"select multiple from ", SK_Q_SELECT_MULTIPLE},
                        {"q select1 ", SK_Q_SELECT_ONE},
                        {"q select ", SK_Q_SELECT_MULTIPLE},
                        {"select_multiple ", SK_Q_SELECT_MULTIPLE},
                        {"select multiple ", SK_Q_SELECT_MULTIPLE}};

/* Selects whose choices a kiosk does not have or does not draw. */
static const char *const uncollected_selects[] = {
    "select_one_from_file ", "select_multiple_from_file ", "select one from file ",
    "select multiple from file ", "select_one_external ", "select one external ", "rank ",
    "osm ", NULL};

/* raw with blanks squeezed to one space and trimmed */
static void squeeze(const char *raw, char *out, size_t size)
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
}

/* snprintf(dst, size, "%s", src) without the cost of a format */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Case-insensitive equality with a lowercase table entry; the first byte is
 * compared first because most rows differ there (a 2,000-row form parses
 * 2,000 types against these tables). */
static int eq_ci(const char *s, const char *entry)
{
    return tolower((unsigned char)*s) == *entry && strcasecmp(s, entry) == 0;
}

static int prefix_ci(const char *s, const char *entry, size_t n)
{
    return tolower((unsigned char)*s) == *entry && strncasecmp(s, entry, n) == 0;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

type_result form_type_parse(const char *raw, sk_qtype *t, char *list, size_t list_size,
                            char *word, size_t word_size, int *or_other, const char **constraint)
{
    *constraint = NULL;
    char norm[256];
    squeeze(raw, norm, sizeof norm);
    int multi_word = strchr(norm, ' ') != NULL;
    list[0] = '\0';
    *or_other = 0;
    copy_str(word, word_size, norm);
    for (size_t i = 0; uncollected_selects[i]; i++)
        if (prefix_ci(norm, uncollected_selects[i], strlen(uncollected_selects[i]))) {
            snprintf(word, word_size, "%.*s", (int)strlen(uncollected_selects[i]) - 1, norm);
            return T_UNCOLLECTED;
        }
    for (size_t i = 0; i < sizeof select_spellings / sizeof select_spellings[0]; i++) {
        size_t n = strlen(select_spellings[i].prefix);
        if (!prefix_ci(norm, select_spellings[i].prefix, n))
            continue;
        *t = select_spellings[i].t;
        snprintf(word, word_size, "%s", *t == SK_Q_SELECT_ONE ? "select_one" : "select_multiple");
        const char *arg = norm + n;
        size_t ln = strcspn(arg, " ");
        const char *rest = arg + ln;
        if (*rest == ' ') {
            rest++;
            if (eq_ci(rest, "or_other") || eq_ci(rest, "or other") ||
                eq_ci(rest, "or specify other"))
                *or_other = 1;
            else
                return T_UNKNOWN;
        }
        if (ln == 0)
            return T_UNKNOWN;
        snprintf(list, list_size, "%.*s", (int)ln, arg);
        return T_OK;
    }
    /* "begin group" = "begin_group"; "end group" may repeat the group's name */
    char head[256];
    copy_str(head, sizeof head, norm);
    const char *arg = "";
    if (has_prefix(head, "begin ") || has_prefix(head, "end ")) {
        char *sp = strchr(head, ' ');
        *sp = '_';
    }
    char *sp = strchr(head, ' ');
    if (sp) {
        *sp = '\0';
        arg = sp + 1;
    }
    if (eq_ci(head, "begin_loop") || eq_ci(head, "end_loop") ||
        eq_ci(head, "begin_lgroup") || eq_ci(head, "end_lgroup") ||
        eq_ci(head, "begin_looped_group")) {
        copy_str(word, word_size, head);
        return T_REFUSED;
    }
    if (eq_ci(head, "xml-external") || eq_ci(head, "csv-external")) {
        copy_str(word, word_size, head);
        return T_DECLARATION;
    }
    for (size_t i = 0; uncollected_types[i]; i++)
        if (eq_ci(norm, uncollected_types[i])) {
            copy_str(word, word_size, uncollected_types[i]);
            return T_UNCOLLECTED;
        }
    for (size_t i = 0; empty_metadata[i]; i++)
        if (eq_ci(norm, empty_metadata[i])) {
            copy_str(word, word_size, empty_metadata[i]);
            return T_META_EMPTY;
        }
    for (size_t i = 0; multi_word && i < sizeof plain_types / sizeof plain_types[0]; i++)
        if (strchr(plain_types[i].name, ' ') && eq_ci(norm, plain_types[i].name)) {
            *t = plain_types[i].t; /* "get start time", "phone number" */
            *constraint = plain_types[i].constraint;
            return T_OK;
        }
    copy_str(word, word_size, head);
    for (size_t i = 0; i < sizeof plain_types / sizeof plain_types[0]; i++)
        if (eq_ci(head, plain_types[i].name)) {
            *t = plain_types[i].t;
            *constraint = plain_types[i].constraint;
            /* end_group may repeat the group's name; nothing else takes an argument */
            return *arg && *t != SK_Q_END_GROUP ? T_UNKNOWN : T_OK;
        }
    return T_UNKNOWN;
}

/* ------------------------------------------------------------ settings */

const char *form_setting_key(const char *key)
{
    if (strcmp(key, "title") == 0 || strcmp(key, "set_form_title") == 0)
        return "form_title";
    if (strcmp(key, "id_string") == 0 || strcmp(key, "set_form_id") == 0)
        return "form_id";
    return key;
}

int form_setting_ignored(const char *key)
{
    static const char *const ignored[] = {
        "instance_name", "public_key", "submission_url", "style", "namespaces",
        "allow_choice_duplicates", "auto_send", "auto_delete", "client_editable",
        "instance_xmlns", "omit_instanceid", "clean_text_values", "prefix", "delimiter",
        "compact_prefix", "compact_delimiter", "sms_keyword", "sms_separator",
        "sms_allow_media", "sms_date_format", "sms_datetime_format", "sms_response",
        "name", "entities_version", "form_version", NULL};
    for (size_t i = 0; ignored[i]; i++)
        if (strcmp(key, ignored[i]) == 0)
            return 1;
    return strncmp(key, "attribute::", 11) == 0 || strncmp(key, "attribute:", 10) == 0;
}

/* --------------------------------------------------------- appearances */

int form_appearance_display_only(const char *s, size_t n)
{
    static const char *const display[] = {
        "compact", "quickcompact", "columns", "columns-pack", "columns-1", "columns-2",
        "columns-3", "columns-4", "columns-5", "no-ticks", "hidden", "quick", "label",
        "list", "list-nolabel", "hidden-answer", "no-calendar",
        "ethiopian", "coptic", "islamic", "bikram-sambat", "myanmar", "persian", "numbers",
        "thousands-sep", "autocomplete", "search", "url", "w1", "w2", "w3", "w4", "w5", "w6",
        "w7", "w8", "w9", "w10", "masked", "image-map", "map", "placement-map", "printer",
        "new", "new-front", "selfie", "draw", "annotate", "distress", "counter", "rating",
        "bearing", "vertical", "picker", "no-buttons", "spinner", "minimal-compact",
        "compact-2", "horizontal-compact", NULL};
    for (size_t i = 0; display[i]; i++)
        if (strlen(display[i]) == n && strncasecmp(s, display[i], n) == 0)
            return 1;
    /* compact-N, columns-N, w-N, search(...), ex:app */
    if ((n > 8 && strncasecmp(s, "columns-", 8) == 0) ||
        (n > 8 && strncasecmp(s, "compact-", 8) == 0) || (n > 7 && strncasecmp(s, "search(", 7) == 0) ||
        (n > 3 && strncasecmp(s, "ex:", 3) == 0))
        return 1;
    return 0;
}
