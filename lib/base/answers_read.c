/* answers_read.c - answers_read_fast: the answers payload read in one pass,
 * straight into an sk_answers (see answers_internal.h for how it shares the
 * work with the general reader).
 *
 * Why not jansson: its object model costs a hash table per answer object and
 * a few hundred allocations per payload (each wiped when freed, as answers
 * must be), about as much CPU as the X25519 open of the record itself
 * (bench/README.md, bench_export).  This reader allocates only the strings
 * the sk_answers keeps.  A streaming library (yajl) would save the tree too,
 * but would be one more dependency on every platform the kiosk is built for
 * (arm64, Windows) for a document whose shape is fixed, and jansson would
 * still be needed for the error sentences.
 *
 * Strict by construction: every step that meets something it was not made
 * for (whitespace aside, anything but the documented keys with the types
 * they have, each once; numbers beyond 18 digits or with a fraction; escapes
 * that are not well-formed characters; a control byte, invalid UTF-8, a
 * duplicate answer; trailing bytes) gives up, and the general reader reads
 * the payload instead.  What this reader accepts, jansson accepts, with the
 * same values: RFC 8259 strings and integers, JSON_REJECT_DUPLICATES.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answers_internal.h"
#include "sk/text.h"

/* RD_, not R_: R_OK is access()'s macro in mingw-w64's headers. */
enum { RD_OK, RD_NO, RD_NOMEM };   /* read, leave it to the general reader, out of memory */

typedef struct rd {
    const char *p, *end;
} rd;

static void skip_ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* The next token is the single character c. */
static bool take(rd *r, char c)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return true;
    }
    return false;
}

/* The next token is exactly the bytes of lit (a string written without escapes). */
static bool take_lit(rd *r, const char *lit, size_t n)
{
    skip_ws(r);
    if ((size_t)(r->end - r->p) >= n && memcmp(r->p, lit, n) == 0) {
        r->p += n;
        return true;
    }
    return false;
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Decode the escaped body [s, e) into out (room for e - s bytes and a NUL:
 * no escape is shorter than what it stands for).  false: an escape jansson
 * refuses or this reader does not decode (\u0000, a lone surrogate). */
static bool unescape(const char *s, const char *e, char *out)
{
    char *o = out;
    while (s < e) {
        if (*s != '\\') {
            *o++ = *s++;
            continue;
        }
        char c = s[1];   /* the scan saw a byte after every backslash */
        s += 2;
        switch (c) {
        case '"': *o++ = '"'; continue;
        case '\\': *o++ = '\\'; continue;
        case '/': *o++ = '/'; continue;
        case 'b': *o++ = '\b'; continue;
        case 'f': *o++ = '\f'; continue;
        case 'n': *o++ = '\n'; continue;
        case 'r': *o++ = '\r'; continue;
        case 't': *o++ = '\t'; continue;
        case 'u': break;
        default: return false;
        }
        if (e - s < 4)
            return false;
        long cp = hex4(s);
        s += 4;
        if (cp <= 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
            return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = e - s >= 6 && s[0] == '\\' && s[1] == 'u' ? hex4(s + 2) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF)
                return false;
            s += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (cp < 0x80) {
            *o++ = (char)cp;
        } else if (cp < 0x800) {
            *o++ = (char)(0xC0 | (cp >> 6));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            *o++ = (char)(0xE0 | (cp >> 12));
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *o++ = (char)(0xF0 | (cp >> 18));
            *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
            *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *o = '\0';
    return true;
}

/* A string value, decoded into a new NUL-terminated copy (*out, owned by the caller). */
static int read_string(rd *r, char **out)
{
    if (!take(r, '"'))
        return RD_NO;
    const char *s = r->p;
    bool escaped = false, high = false;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20)
            return RD_NO;   /* raw control characters are not JSON */
        if (c == '\\') {
            escaped = true;
            if (r->end - r->p < 2)
                return RD_NO;
            r->p++;
        }
        high |= c >= 0x80;
        r->p++;
    }
    if (r->p == r->end)
        return RD_NO;
    const char *e = r->p++;
    size_t n = (size_t)(e - s);
    if (high && !sk_utf8_valid(s, n))   /* escapes are ASCII: checking the raw bytes is enough */
        return RD_NO;
    char *copy = malloc(n + 1);
    if (!copy)
        return RD_NOMEM;
    if (!escaped) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    } else if (!unescape(s, e, copy)) {
        sk_secret_free(copy, n + 1);
        return RD_NO;
    }
    *out = copy;
    return RD_OK;
}

/* An integer as jansson reads one: -?(0|[1-9][0-9]*), no fraction or
 * exponent; at most 18 digits, so it cannot overflow. */
static int read_int(rd *r, int64_t *out)
{
    skip_ws(r);
    bool neg = r->p < r->end && *r->p == '-';
    if (neg)
        r->p++;
    const char *d = r->p;
    int64_t v = 0;
    for (; r->p < r->end && *r->p >= '0' && *r->p <= '9'; r->p++) {
        if (r->p - d == 18)
            return RD_NO;
        v = v * 10 + (*r->p - '0');
    }
    size_t n = (size_t)(r->p - d);
    if (n == 0 || (n > 1 && *d == '0'))
        return RD_NO;
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
        return RD_NO;   /* a real, not an integer */
    *out = neg ? -v : v;
    return RD_OK;
}

/* An object key: its index in keys (of n), or -1 for one this reader does
 * not know or that is written with escapes. */
static int read_key(rd *r, const char *const *keys, int n)
{
    if (!take(r, '"'))
        return -1;
    const char *s = r->p;
    while (r->p < r->end && *r->p != '"' && *r->p != '\\')
        r->p++;
    if (r->p == r->end || *r->p != '"')
        return -1;
    size_t len = (size_t)(r->p++ - s);
    if (!take(r, ':'))
        return -1;
    for (int i = 0; i < n; i++)   /* a first-byte test spares most comparisons */
        if (keys[i][0] == *s && strlen(keys[i]) == len && memcmp(keys[i], s, len) == 0)
            return i;
    return -1;
}

/* After a member: true at ',' (another follows), false at the closing
 * bracket (*done set) or anything else (*done clear). */
static bool next_member(rd *r, char close, bool *done)
{
    *done = false;
    if (take(r, ','))
        return true;
    *done = take(r, close);
    return false;
}

static int append(sk_answers *a, const sk_answer *e)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        sk_answer *items = realloc(a->items, cap * sizeof *items);
        if (!items)
            return RD_NOMEM;
        a->items = items;
        a->cap = cap;
    }
    a->items[a->n++] = *e;
    return RD_OK;
}

enum { K_NAME, K_VALUE, K_SECTION, K_CHANGED, K_DWELL, K_REPEAT, K_ANSWER_KEYS };

static int read_answer(rd *r, sk_answers *a)
{
    static const char *const keys[] = {"name", "value", "section", "changed", "dwell_ms", "repeat"};
    const unsigned required = (1u << K_REPEAT) - 1;
    sk_answer e;
    memset(&e, 0, sizeof e);
    int64_t dwell = 0;
    unsigned seen = 0;
    int res = take(r, '{') ? RD_OK : RD_NO;
    for (bool more = true, done = false; res == RD_OK && more;) {
        int k = read_key(r, keys, K_ANSWER_KEYS);
        switch (k < 0 || (seen & (1u << k)) ? -1 : k) {   /* unknown or duplicate key: -1 */
        case K_NAME: res = read_string(r, &e.name); break;
        case K_VALUE: res = read_string(r, &e.value); break;
        case K_REPEAT:
            res = read_string(r, &e.repeat);
            if (res == RD_OK && !answers_valid_instance(e.repeat))
                res = RD_NO;
            break;
        case K_CHANGED: res = read_int(r, &e.changed_ms); break;
        case K_DWELL: res = read_int(r, &dwell); break;
        case K_SECTION:
            if (take_lit(r, "\"response\"", 10))
                e.section = SK_SECTION_RESPONSE;
            else if (take_lit(r, "\"consent\"", 9))
                e.section = SK_SECTION_CONSENT;
            else
                res = RD_NO;
            break;
        default: res = RD_NO; break;
        }
        seen |= k >= 0 ? 1u << k : 0;
        more = res == RD_OK && next_member(r, '}', &done);
        if (res == RD_OK && !more && !done)
            res = RD_NO;
    }
    if (res == RD_OK && (seen & required) != required)
        res = RD_NO;
    e.dwell_ms = (uint32_t)dwell;   /* as the general reader casts it */
    if (res == RD_OK)
        res = append(a, &e);
    if (res != RD_OK) {
        sk_secret_free(e.name, 0);
        sk_secret_free(e.value, 0);
        sk_secret_free(e.repeat, 0);
    }
    return res;
}

static int read_answers(rd *r, sk_answers *a)
{
    if (!take(r, '['))
        return RD_NO;
    if (take(r, ']'))
        return RD_OK;
    int res = RD_OK;
    for (bool more = true, done = false; res == RD_OK && more;) {
        res = read_answer(r, a);
        more = res == RD_OK && next_member(r, ']', &done);
        if (res == RD_OK && !more && !done)
            res = RD_NO;
    }
    return res;
}

/* A string or null (NULL) into a metadata field. */
static int read_meta(rd *r, char **field)
{
    if (take_lit(r, "null", 4))
        return RD_OK;
    return read_string(r, field);
}

/* FNV-1a over the answer's (repeat, name): for the duplicate check. */
static uint32_t answer_hash(const sk_answer *e)
{
    uint32_t h = 2166136261u;
    for (const char *s = e->name; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    h = (h ^ 0xFFu) * 16777619u;   /* "a" in no repeat differs from "a" in "" */
    for (const char *s = e->repeat; s && *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* Does a hold two answers to the same question in the same instance?  The
 * general reader merges them (the later value wins, in the earlier place),
 * which is for it to do.  -1: out of memory. */
static int has_duplicates(const sk_answers *a)
{
    uint32_t local[256];
    size_t size = 16;
    while (size < 2 * a->n)
        size *= 2;
    uint32_t *slots = local;
    if (size <= 256)
        memset(local, 0, size * sizeof *local);
    else if (!(slots = calloc(size, sizeof *slots)))
        return -1;
    int dup = 0;
    for (size_t i = 0; i < a->n && !dup; i++) {
        const sk_answer *e = &a->items[i];
        size_t s = answer_hash(e) & (size - 1);
        for (; slots[s]; s = (s + 1) & (size - 1)) {
            const sk_answer *o = &a->items[slots[s] - 1];
            if (strcmp(o->name, e->name) == 0 &&
                (o->repeat == e->repeat || (o->repeat && e->repeat && !strcmp(o->repeat, e->repeat)))) {
                dup = 1;
                break;
            }
        }
        slots[s] = (uint32_t)i + 1;
    }
    if (slots != local)
        free(slots);
    return dup;
}

enum { K_FORMAT, K_V, K_SITTING, K_FORM_ID, K_FORM_VERSION, K_LANGUAGE, K_STARTED, K_FINISHED,
       K_ANSWERS, K_ROOT_KEYS };

static int read_doc(rd *r, sk_answers *a)
{
    static const char *const keys[] = {"format", "v", "sitting", "form_id", "form_version",
                                       "language", "started", "finished", "answers"};
    const unsigned required = 1u << K_FORMAT | 1u << K_V | 1u << K_ANSWERS;
    static const char format[] = "\"" ANSWERS_PAYLOAD_FORMAT "\"";
    unsigned seen = 0;
    int64_t v = 0;
    int res = take(r, '{') ? RD_OK : RD_NO;
    for (bool more = true, done = false; res == RD_OK && more;) {
        int k = read_key(r, keys, K_ROOT_KEYS);
        if (k < 0 || (seen & (1u << k)))
            res = RD_NO;
        else if (k == K_FORMAT)
            res = take_lit(r, format, sizeof format - 1) ? RD_OK : RD_NO;
        else if (k == K_V)
            res = read_int(r, &v) == RD_OK && v >= 1 && v <= ANSWERS_PAYLOAD_VERSION ? RD_OK : RD_NO;
        else if (k == K_SITTING)
            res = read_meta(r, &a->sitting_id);
        else if (k == K_FORM_ID)
            res = read_meta(r, &a->form_id);
        else if (k == K_FORM_VERSION)
            res = read_meta(r, &a->form_version);
        else if (k == K_LANGUAGE)
            res = read_meta(r, &a->language);
        else if (k == K_STARTED)
            res = read_int(r, &a->started_ms);
        else if (k == K_FINISHED)
            res = read_int(r, &a->finished_ms);
        else
            res = read_answers(r, a);
        seen |= k >= 0 ? 1u << k : 0;
        more = res == RD_OK && next_member(r, '}', &done);
        if (res == RD_OK && !more && !done)
            res = RD_NO;
    }
    if (res == RD_OK && (seen & required) != required)
        res = RD_NO;
    return res;
}

sk_status answers_read_fast(const char *json, size_t len, sk_answers *out)
{
    if (!json || !out)
        return SK_ERR_UNSUPPORTED;
    rd r = {json, json + len};
    sk_answers tmp;
    sk_answers_init(&tmp);
    int res = read_doc(&r, &tmp);
    skip_ws(&r);
    if (res == RD_OK && r.p != r.end)
        res = RD_NO;   /* bytes after the document */
    if (res == RD_OK) {
        int dup = has_duplicates(&tmp);
        res = dup < 0 ? RD_NOMEM : dup ? RD_NO : RD_OK;
    }
    if (res != RD_OK) {
        sk_answers_free(&tmp);   /* wipes what was read */
        return res == RD_NOMEM ? SK_ERR_NOMEM : SK_ERR_UNSUPPORTED;
    }
    sk_answers_free(out);
    *out = tmp;
    return SK_OK;
}
