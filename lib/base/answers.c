/* answers.c - the answers of a sitting and their payload JSON (see sk/answers.h).
 *
 * jansson builds the JSON, and parses whatever answers_read_fast
 * (answers_read.c) leaves to it: errors, and documents other than the ones
 * sk_answers_to_json writes.  Its allocator is replaced once, for the
 * whole process, by one that wipes every block before freeing it: the JSON tree
 * holds copies of participants' answers, and they must not linger in freed heap.
 */
#define _GNU_SOURCE
#include "sk/answers.h"
#include "answers_internal.h"

#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYLOAD_FORMAT ANSWERS_PAYLOAD_FORMAT
#define PAYLOAD_VERSION ANSWERS_PAYLOAD_VERSION

static void wiping_free(void *p)
{
    if (!p)
        return;
    sodium_memzero(p, malloc_usable_size(p));
    free(p);
}

static void install_wiping_allocator(void)
{
    json_set_alloc_funcs(malloc, wiping_free);
}

static void ensure_json_allocator(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_wiping_allocator);
}

void sk_secret_free(void *p, size_t len)
{
    if (!p)
        return;
    sodium_memzero(p, len ? len : strlen(p));
    free(p);
}

int64_t sk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sk_answers_init(sk_answers *a)
{
    memset(a, 0, sizeof *a);
}

static void free_str(char **s)
{
    sk_secret_free(*s, 0);
    *s = NULL;
}

void sk_answers_free(sk_answers *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        free_str(&a->items[i].name);
        free_str(&a->items[i].repeat);
        free_str(&a->items[i].value);
    }
    free(a->items);
    free_str(&a->sitting_id);
    free_str(&a->form_id);
    free_str(&a->form_version);
    free_str(&a->language);
    sk_answers_init(a);
}

sk_status sk_answers_set_meta(char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = strdup(value)))
        return SK_ERR_NOMEM;
    free_str(field);
    *field = copy;
    return SK_OK;
}

static bool same_repeat(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

const sk_answer *sk_answers_find_at(const sk_answers *a, const char *repeat, const char *name)
{
    /* Export and report look up every question of every record, and the
     * skip logic every name it reads: the first byte rules out most entries
     * without a call to strcmp. */
    const char c = name[0];
    for (size_t i = 0; i < a->n; i++) {
        const sk_answer *e = &a->items[i];
        if (e->name[0] == c && strcmp(e->name, name) == 0 && same_repeat(e->repeat, repeat))
            return e;
    }
    return NULL;
}

const sk_answer *sk_answers_find(const sk_answers *a, const char *name)
{
    return sk_answers_find_at(a, NULL, name);
}

const char *sk_answers_get_at(const sk_answers *a, const char *repeat, const char *name)
{
    const sk_answer *e = sk_answers_find_at(a, repeat, name);
    return e ? e->value : NULL;
}

const char *sk_answers_get(const sk_answers *a, const char *name)
{
    return sk_answers_get_at(a, NULL, name);
}

sk_status sk_answers_set_at(sk_answers *a, const char *repeat, const char *name,
                            const char *value, sk_section section, int64_t now_ms)
{
    sk_answer *e = (sk_answer *)sk_answers_find_at(a, repeat, name);
    if (!value) {
        if (e) {
            free_str(&e->name);
            free_str(&e->repeat);
            free_str(&e->value);
            size_t i = (size_t)(e - a->items);
            memmove(e, e + 1, (a->n - i - 1) * sizeof *e);
            a->n--;
        }
        return SK_OK;
    }
    char *copy = strdup(value);
    if (!copy)
        return SK_ERR_NOMEM;
    if (!e) {
        if (a->n == a->cap) {
            size_t cap = a->cap ? a->cap * 2 : 16;
            sk_answer *items = realloc(a->items, cap * sizeof *items);
            if (!items) {
                free(copy);
                return SK_ERR_NOMEM;
            }
            a->items = items;
            a->cap = cap;
        }
        e = &a->items[a->n];
        memset(e, 0, sizeof *e);
        if (!(e->name = strdup(name)) || (repeat && !(e->repeat = strdup(repeat)))) {
            free(e->name);
            free(copy);
            return SK_ERR_NOMEM;
        }
        a->n++;
    }
    free_str(&e->value);
    e->value = copy;
    e->section = section;
    e->changed_ms = now_ms;
    return SK_OK;
}

sk_status sk_answers_set(sk_answers *a, const char *name, const char *value, sk_section section,
                         int64_t now_ms)
{
    return sk_answers_set_at(a, NULL, name, value, section, now_ms);
}

void sk_answers_add_dwell_at(sk_answers *a, const char *repeat, const char *name, uint32_t ms)
{
    sk_answer *e = (sk_answer *)sk_answers_find_at(a, repeat, name);
    if (e)
        e->dwell_ms += ms;
}

void sk_answers_add_dwell(sk_answers *a, const char *name, uint32_t ms)
{
    sk_answers_add_dwell_at(a, NULL, name, ms);
}

char *sk_answers_instance(char *out, size_t size, const char *repeat_name, size_t index)
{
    snprintf(out, size, "%s[%zu]", repeat_name, index);
    return out;
}

/* The instance number of path "name[k]" when it belongs to repeat_name, else 0. */
static size_t instance_of(const char *path, const char *repeat_name)
{
    size_t n = strlen(repeat_name);
    if (!path || strncmp(path, repeat_name, n) != 0 || path[n] != '[')
        return 0;
    char *end;
    unsigned long k = strtoul(path + n + 1, &end, 10);
    return (*end == ']' && end[1] == '\0') ? (size_t)k : 0;
}

void sk_answers_remove_instance(sk_answers *a, const char *repeat_name, size_t index)
{
    size_t w = 0;
    for (size_t i = 0; i < a->n; i++) {
        sk_answer *e = &a->items[i];
        size_t k = instance_of(e->repeat, repeat_name);
        if (k == index) {
            free_str(&e->name);
            free_str(&e->repeat);
            free_str(&e->value);
            continue;
        }
        if (k > index) {
            /* "name[k-1]" is never longer than "name[k]": rename in place. */
            size_t n = strlen(repeat_name);
            snprintf(e->repeat + n, strlen(e->repeat + n) + 1, "[%zu]", k - 1);
        }
        a->items[w++] = *e;
    }
    a->n = w;
}

/* A copy of s into *out (NULL stays NULL); false when out of memory. */
static bool dup_str(char **out, const char *s)
{
    *out = s ? strdup(s) : NULL;
    return !s || *out;
}

sk_status sk_answers_copy(sk_answers *dst, const sk_answers *src)
{
    sk_answers tmp;
    sk_answers_init(&tmp);
    sk_status st = SK_OK;
    /* Entry by entry, not through sk_answers_set_at: src has no two entries
     * for one (repeat, name), so the search set_at does per entry (n^2 / 2
     * comparisons; export and report copy every record) finds nothing. */
    if (src->n && !(tmp.items = calloc(src->n, sizeof *tmp.items)))
        st = SK_ERR_NOMEM;
    else
        tmp.cap = src->n;
    for (size_t i = 0; i < src->n && st == SK_OK; i++) {
        const sk_answer *e = &src->items[i];
        sk_answer *d = &tmp.items[i];
        *d = *e;
        d->name = d->repeat = d->value = NULL;
        tmp.n++;
        if (!dup_str(&d->name, e->name) || !dup_str(&d->repeat, e->repeat) ||
            !dup_str(&d->value, e->value))
            st = SK_ERR_NOMEM;
    }
    if (st == SK_OK)
        st = sk_answers_set_meta(&tmp.sitting_id, src->sitting_id);
    if (st == SK_OK)
        st = sk_answers_set_meta(&tmp.form_id, src->form_id);
    if (st == SK_OK)
        st = sk_answers_set_meta(&tmp.form_version, src->form_version);
    if (st == SK_OK)
        st = sk_answers_set_meta(&tmp.language, src->language);
    if (st != SK_OK) {
        sk_answers_free(&tmp);
        return st;
    }
    tmp.started_ms = src->started_ms;
    tmp.finished_ms = src->finished_ms;
    sk_answers_free(dst);
    *dst = tmp;
    return SK_OK;
}

static const char *section_name(sk_section s)
{
    return s == SK_SECTION_CONSENT ? "consent" : "response";
}

/* json_string(NULL) is NULL, which json_object_set_new treats as an error;
 * metadata that is absent becomes JSON null instead. */
static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

sk_status sk_answers_to_json(const sk_answers *a, int section_filter, char **out, size_t *out_len,
                             sk_error *err)
{
    ensure_json_allocator();
    json_t *root = json_object(), *list = json_array();
    int bad = !root || !list;
    bad |= json_object_set_new(root, "format", json_string(PAYLOAD_FORMAT));
    bad |= json_object_set_new(root, "v", json_integer(PAYLOAD_VERSION));
    bad |= json_object_set_new(root, "sitting", string_or_null(a->sitting_id));
    bad |= json_object_set_new(root, "form_id", string_or_null(a->form_id));
    bad |= json_object_set_new(root, "form_version", string_or_null(a->form_version));
    bad |= json_object_set_new(root, "language", string_or_null(a->language));
    bad |= json_object_set_new(root, "started", json_integer(a->started_ms));
    bad |= json_object_set_new(root, "finished", json_integer(a->finished_ms));
    for (size_t i = 0; i < a->n && !bad; i++) {
        const sk_answer *e = &a->items[i];
        if (section_filter >= 0 && (int)e->section != section_filter)
            continue;
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "name", e->name, "value", e->value,
                              "section", section_name(e->section), "changed",
                              (json_int_t)e->changed_ms, "dwell_ms", (json_int_t)e->dwell_ms);
        /* "repeat" only inside a repeat instance, after the v1 keys. */
        if (o && e->repeat)
            bad |= json_object_set_new(o, "repeat", json_string(e->repeat));
        bad |= !o || json_array_append_new(list, o);
    }
    bad |= json_object_set_new(root, "answers", list);
    list = NULL;
    char *text = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory while sealing the answers");
    *out = text;
    if (out_len)
        *out_len = strlen(text);
    return SK_OK;
}

bool answers_valid_instance(const char *s)
{
    const char *open = strchr(s, '[');
    if (!open || open == s || open[1] < '1' || open[1] > '9')
        return false;
    const char *p = open + 1;
    while (*p >= '0' && *p <= '9')
        p++;
    return p[0] == ']' && p[1] == '\0' && p - open < 12;
}

/* A string, null or absent (both NULL); another type is malformed. */
static sk_status take_meta(json_t *root, const char *key, char **field, sk_error *err)
{
    json_t *v = json_object_get(root, key);
    if (v && !json_is_string(v) && !json_is_null(v))
        return sk_error_set(err, SK_ERR_FORMAT, "the payload's %s is neither text nor null", key);
    return sk_answers_set_meta(field, json_is_string(v) ? json_string_value(v) : NULL);
}

sk_status sk_answers_from_json(const char *json, size_t len, sk_answers *out, sk_error *err)
{
    sk_status st = answers_read_fast(json, len, out);
    if (st == SK_OK)
        return SK_OK;
    if (st == SK_ERR_NOMEM)
        return sk_error_set(err, st, "out of memory while reading the answers");
    return answers_read_json(json, len, out, err);
}

sk_status answers_read_json(const char *json, size_t len, sk_answers *out, sk_error *err)
{
    ensure_json_allocator();
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return sk_error_set(err, SK_ERR_FORMAT, "the answers payload is not valid JSON (line %d: %s)",
                            jerr.line, jerr.text);
    sk_answers tmp;
    sk_answers_init(&tmp);
    sk_status st = SK_OK;
    json_t *fmt = json_object_get(root, "format"), *ver = json_object_get(root, "v");
    json_t *list = json_object_get(root, "answers");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), PAYLOAD_FORMAT) != 0 ||
        !json_is_integer(ver) || !json_is_array(list)) {
        st = sk_error_set(err, SK_ERR_FORMAT, "the payload is not a survey-kiosk answers document");
        goto done;
    }
    if (json_integer_value(ver) > PAYLOAD_VERSION) {
        st = sk_error_set(err, SK_ERR_UNSUPPORTED,
                          "the answers use payload version %lld; update survey-sync to read them",
                          (long long)json_integer_value(ver));
        goto done;
    }
    if ((st = take_meta(root, "sitting", &tmp.sitting_id, err)) ||
        (st = take_meta(root, "form_id", &tmp.form_id, err)) ||
        (st = take_meta(root, "form_version", &tmp.form_version, err)) ||
        (st = take_meta(root, "language", &tmp.language, err)))
        goto done;
    json_t *started = json_object_get(root, "started"), *finished = json_object_get(root, "finished");
    if ((started && !json_is_integer(started)) || (finished && !json_is_integer(finished))) {
        st = sk_error_set(err, SK_ERR_FORMAT, "the payload's started or finished time is not an integer");
        goto done;
    }
    tmp.started_ms = json_integer_value(started);   /* absent: 0 */
    tmp.finished_ms = json_integer_value(finished);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        const char *name = NULL, *value = NULL, *section = NULL;
        json_int_t changed = 0, dwell = 0;
        if (json_unpack(o, "{s:s, s:s, s:s, s:I, s:I}", "name", &name, "value", &value, "section",
                        &section, "changed", &changed, "dwell_ms", &dwell) != 0) {
            st = sk_error_set(err, SK_ERR_FORMAT, "answer %zu of the payload is malformed", i + 1);
            goto done;
        }
        if (strcmp(section, "consent") != 0 && strcmp(section, "response") != 0) {
            st = sk_error_set(err, SK_ERR_FORMAT, "answer %zu of the payload has an unknown section",
                              i + 1);
            goto done;
        }
        sk_section sec = strcmp(section, "consent") == 0 ? SK_SECTION_CONSENT : SK_SECTION_RESPONSE;
        json_t *rep = json_object_get(o, "repeat");
        if (rep && !(json_is_string(rep) && answers_valid_instance(json_string_value(rep)))) {
            st = sk_error_set(err, SK_ERR_FORMAT,
                              "answer %zu of the payload has a repeat that is not name[n]", i + 1);
            goto done;
        }
        const char *repeat = rep ? json_string_value(rep) : NULL;
        if ((st = sk_answers_set_at(&tmp, repeat, name, value, sec, changed)) != SK_OK)
            goto done;
        tmp.items[tmp.n - 1].dwell_ms = (uint32_t)dwell;
    }
done:
    json_decref(root);
    if (st != SK_OK) {
        sk_answers_free(&tmp);
        if (st == SK_ERR_NOMEM)
            sk_error_set(err, st, "out of memory while reading the answers");
        return st;
    }
    sk_answers_free(out);
    *out = tmp;
    return SK_OK;
}
