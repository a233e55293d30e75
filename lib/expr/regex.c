/* regex.c - regex() patterns: Java's syntax (what ODK's JavaRosa uses)
 * translated to POSIX extended expressions for the C library's regcomp.
 *
 * Two steps.  The vet (regex_vet.c) bounds what regcomp would cost and
 * drops Java's lazy markers.  The translation then rewrites what POSIX
 * spells differently or not at all:
 *
 *   Java                         POSIX ERE (what we emit)
 *   \d \w \s  (ASCII, as Java)   [0-9]  [0-9A-Z_a-z]  [ \t\n\v\f\r]
 *   \D \W \S                     the negated brackets
 *   \. \- \/ \@ ... (escaped     the character itself, escaped only where it is
 *     punctuation)               special in ERE ('\-' alone would be undefined)
 *   \t \n \r \f \e \a \xhh \uhhhh  the character (UTF-8)
 *   \A \z \Z                     ^ $ $
 *   \Q...\E                      each character quoted
 *   \p{Alpha} \p{L} \p{Digit}... [[:alpha:]] [[:digit:]] ...
 *   (?: ... )                    ( ... )
 *   (?i) at the start            REG_ICASE
 *   [...] with escapes inside    a bracket rebuilt from the set it denotes
 *
 * Inside a bracket POSIX treats '\' as an ordinary character, so Java's
 * [a-z\.] (letters and '.') would also match a backslash, and [\w-\.] (word
 * characters, '-' and '.') would become the invalid range "_-\".  The bracket
 * is therefore parsed as Java reads it into the set of ASCII characters it
 * holds, then written back in POSIX order: ']' first, '^' never first, '-'
 * last.  A '-' next to a class (\w-\.) is a literal '-', as in Java.
 * Non-ASCII characters in a bracket (regcomp works on bytes in the C locale
 * the tools run in) become alternatives: [aé] -> ([a]|é).
 *
 * Refused with a sentence: back-references, look-around ((?=, (?!, (?<=),
 * named and atomic groups, other inline flags, Unicode classes not in the
 * table, intersections ([a-z&&[^e]]), and a negated class mixed into a
 * bracket ([\Sa]) - Java accepts these but POSIX cannot say them.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* ---- Java -> POSIX ERE ---------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool nomem;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->nomem)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->nomem = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }

typedef struct xlat {
    const char *src;   /* the vetted pattern */
    const char *p;
    sbuf out;
    char *msg;
    size_t msg_size;
    bool bad;
} xlat;

static void xfail(xlat *x, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void xfail(xlat *x, const char *at, const char *fmt, ...)
{
    if (x->bad)
        return;
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(x->msg, x->msg_size, "%s (character %zu)", what, (size_t)(at - x->src) + 1);
    x->bad = true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_encode(unsigned long cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* A character escape at x->p ('\' already seen at p[-1]): \t \n \r \f \e \a
 * \xhh \uhhhh.  Returns the code point and advances, or -1 when p is not one. */
static long char_escape(xlat *x)
{
    const char *p = x->p;
    switch (*p) {
    case 't': x->p++; return '\t';
    case 'n': x->p++; return '\n';
    case 'r': x->p++; return '\r';
    case 'f': x->p++; return '\f';
    case 'e': x->p++; return 0x1B;
    case 'a': x->p++; return 0x07;
    case 'x':
    case 'u': {
        int n = *p == 'x' ? 2 : 4;
        long cp = 0;
        for (int i = 1; i <= n; i++) {
            int h = hexval(p[i]);
            if (h < 0) {
                xfail(x, p - 1, "'\\%c' must be followed by %d hexadecimal digits", *p, n);
                return -1;
            }
            cp = cp * 16 + h;
        }
        if (cp == 0) {
            xfail(x, p - 1, "a NUL character cannot be matched");
            return -1;
        }
        x->p += n + 1;
        return cp;
    }
    default: return -1;
    }
}

/* Java's \p{Name} (and the POSIX names Java accepts) as a POSIX class name. */
static const char *unicode_class(const char *name, size_t len)
{
    static const char *const map[][2] = {
        {"Alpha", "alpha"}, {"L", "alpha"},     {"IsAlphabetic", "alpha"}, {"Lu", "upper"},
        {"Upper", "upper"}, {"Ll", "lower"},    {"Lower", "lower"},        {"Digit", "digit"},
        {"N", "digit"},     {"Nd", "digit"},    {"IsDigit", "digit"},      {"Alnum", "alnum"},
        {"Punct", "punct"}, {"P", "punct"},     {"Space", "space"},        {"Blank", "blank"},
        {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Print", "print"},     {"Graph", "graph"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == len && memcmp(map[i][0], name, len) == 0)
            return map[i][1];
    return NULL;
}

/* \p{Name} at x->p (pointing at 'p' or 'P'): the class name, advancing. */
static const char *read_unicode_class(xlat *x)
{
    const char *at = x->p - 1;
    const char *open = x->p + 1;
    if (*open != '{') {
        xfail(x, at, "write Unicode classes as \\p{Name}");
        return NULL;
    }
    const char *close = strchr(open, '}');
    if (!close) {
        xfail(x, at, "the class \\p{ is never closed");
        return NULL;
    }
    const char *cls = unicode_class(open + 1, (size_t)(close - open - 1));
    if (!cls) {
        xfail(x, at, "the class \\p{%.*s} is not supported; use one of Alpha, L, Upper, Lower, "
                     "Digit, Alnum, Punct, Space",
              (int)(close - open - 1), open + 1);
        return NULL;
    }
    x->p = close + 1;
    return cls;
}

/* The set a bracket denotes: ASCII characters, POSIX class names, and
 * non-ASCII characters (kept as UTF-8 text). */
typedef struct bset {
    bool ascii[128];
    const char *classes[12];
    size_t n_classes;
    char other[256][5];         /* non-ASCII single characters */
    size_t n_other;
    const char *neg_class;      /* \D \W \S: only when it is the whole bracket */
    size_t n_items;
} bset;

static void set_range(bset *s, int lo, int hi)
{
    for (int c = lo; c <= hi; c++)
        s->ascii[c] = true;
}

static void set_word(bset *s)
{
    set_range(s, '0', '9');
    set_range(s, 'A', 'Z');
    set_range(s, 'a', 'z');
    s->ascii['_'] = true;
}

static void set_space(bset *s)
{
    static const char sp[] = " \t\n\v\f\r";
    for (const char *c = sp; *c; c++)
        s->ascii[(unsigned char)*c] = true;
}

/* One bracket element at x->p: a character (code point returned), or a
 * class added to s (returns -2).  -1 on error. */
static long bracket_element(xlat *x, bset *s)
{
    const char *at = x->p;
    unsigned char c = (unsigned char)*x->p;
    if (c == '[' && x->p[1] == ':') {
        const char *end = strstr(x->p + 2, ":]");
        if (!end) {
            xfail(x, at, "the class '[:' is never closed with ':]'");
            return -1;
        }
        static const char *const names[] = {"alpha", "digit", "alnum", "upper", "lower", "space",
                                            "punct", "blank", "cntrl", "xdigit", "print", "graph"};
        size_t len = (size_t)(end - x->p - 2);
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i]) == len && memcmp(names[i], x->p + 2, len) == 0) {
                if (s->n_classes < sizeof s->classes / sizeof s->classes[0])
                    s->classes[s->n_classes++] = names[i];
                x->p = end + 2;
                return -2;
            }
        xfail(x, at, "unknown class '[:%.*s:]'", (int)len, x->p + 2);
        return -1;
    }
    if (c == '[') {
        xfail(x, at, "brackets inside brackets (Java's union) are not supported; list the "
                     "characters in one bracket");
        return -1;
    }
    if (c == '&' && x->p[1] == '&') {
        xfail(x, at, "bracket intersections ('&&') are not supported");
        return -1;
    }
    if (c == '\\' && x->p[1]) {
        x->p++;
        char e = *x->p;
        long cp = char_escape(x);
        if (x->bad)
            return -1;
        if (cp >= 0)
            return cp;
        switch (e) {
        case 'd': set_range(s, '0', '9'); x->p++; return -2;
        case 'w': set_word(s); x->p++; return -2;
        case 's': set_space(s); x->p++; return -2;
        case 'D': s->neg_class = "[^0-9]"; x->p++; return -2;
        case 'W': s->neg_class = "[^0-9A-Z_a-z]"; x->p++; return -2;
        case 'S': s->neg_class = "[^ \t\n\v\f\r]"; x->p++; return -2;
        case 'p': {
            const char *cls = read_unicode_class(x);
            if (!cls)
                return -1;
            if (s->n_classes < sizeof s->classes / sizeof s->classes[0])
                s->classes[s->n_classes++] = cls;
            return -2;
        }
        default: break;
        }
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
            xfail(x, at, "the escape '\\%c' is not supported inside brackets", e);
            return -1;
        }
        x->p++;
        return (unsigned char)e; /* \. \- \] \\ \[ \^ ...: the character itself */
    }
    /* A plain character, possibly multi-byte UTF-8. */
    if (c < 0x80) {
        x->p++;
        return c;
    }
    const char *start = x->p++;
    while (((unsigned char)*x->p & 0xC0) == 0x80)
        x->p++;
    long cp = 0x80; /* any non-ASCII marker; the text is kept in s->other */
    size_t n = (size_t)(x->p - start);
    if (n > 4 || s->n_other == sizeof s->other / sizeof s->other[0]) {
        xfail(x, at, "the bracket holds too many non-ASCII characters");
        return -1;
    }
    memcpy(s->other[s->n_other], start, n);
    s->other[s->n_other][n] = '\0';
    s->n_other++;
    return cp | 0x40000000; /* already stored */
}

static void add_char(xlat *x, bset *s, long cp, const char *at)
{
    if (cp & 0x40000000)
        return; /* a non-ASCII character from the text, stored already */
    if (cp < 0x80) {
        s->ascii[cp] = true;
        return;
    }
    if (s->n_other == sizeof s->other / sizeof s->other[0]) {
        xfail(x, at, "the bracket holds too many non-ASCII characters");
        return;
    }
    size_t n = utf8_encode((unsigned long)cp, s->other[s->n_other]);
    s->other[s->n_other][n] = '\0';
    s->n_other++;
}

/* Write the ASCII part of s as a POSIX bracket body (without the brackets). */
static void emit_bracket_body(sbuf *b, const bset *s)
{
    if (s->ascii[']'])
        sb_putc(b, ']');
    for (int c = 1; c < 128; c++) {
        if (!s->ascii[c] || c == ']' || c == '-' || c == '^' || c == '[')
            continue;
        int end = c;
        while (end + 1 < 128 && s->ascii[end + 1] && end + 1 != ']' && end + 1 != '-' &&
               end + 1 != '^' && end + 1 != '[')
            end++;
        sb_putc(b, (char)c);
        if (end - c >= 2) {
            sb_putc(b, '-');
            sb_putc(b, (char)end);
        } else if (end > c) {
            sb_putc(b, (char)end);
        }
        c = end;
    }
    for (size_t i = 0; i < s->n_classes; i++) {
        sb_puts(b, "[:");
        sb_puts(b, s->classes[i]);
        sb_puts(b, ":]");
    }
    if (s->ascii['['])
        sb_putc(b, '['); /* after the classes, so it never starts "[:" */
    if (s->ascii['^'])
        sb_putc(b, '^');
    if (s->ascii['-'])
        sb_putc(b, '-');
}

static void translate_bracket(xlat *x)
{
    const char *open = x->p;
    x->p++; /* [ */
    bool neg = false;
    if (*x->p == '^') {
        neg = true;
        x->p++;
    }
    bset s;
    memset(&s, 0, sizeof s);
    bool first = true;
    while (!x->bad && *x->p && (*x->p != ']' || first)) {
        const char *at = x->p;
        long lo = bracket_element(x, &s);
        first = false;
        if (x->bad)
            return;
        s.n_items++;
        if (lo == -2)
            continue;
        /* A range a-b: '-' followed by anything but the closing ']'. */
        if (*x->p == '-' && x->p[1] && x->p[1] != ']') {
            const char *dash = x->p;
            x->p++;
            bset probe;
            memset(&probe, 0, sizeof probe);
            long hi = bracket_element(x, &probe);
            if (x->bad)
                return;
            if (hi == -2) {
                /* [a-\w]: Java reads the '-' as a character */
                add_char(x, &s, lo, at);
                s.ascii['-'] = true;
                for (int c = 0; c < 128; c++)
                    s.ascii[c] |= probe.ascii[c];
                for (size_t i = 0; i < probe.n_classes && s.n_classes < 12; i++)
                    s.classes[s.n_classes++] = probe.classes[i];
                if (probe.neg_class)
                    s.neg_class = probe.neg_class, s.n_items += 2;
                continue;
            }
            if ((lo & 0x40000000) || (hi & 0x40000000) || lo >= 0x80 || hi >= 0x80) {
                xfail(x, dash, "ranges of non-ASCII characters are not supported; list "
                               "the characters");
                return;
            }
            if (hi < lo) {
                xfail(x, dash, "the range '%c-%c' runs backwards", (int)lo, (int)hi);
                return;
            }
            set_range(&s, (int)lo, (int)hi);
            continue;
        }
        add_char(x, &s, lo, at);
    }
    if (x->bad)
        return;
    if (*x->p != ']') {
        xfail(x, open, "the bracket '[' is never closed with ']'");
        return;
    }
    x->p++;
    if (s.neg_class) {
        if (s.n_items != 1 || neg) {
            xfail(x, open, "a negated class (\\D, \\W, \\S) must stand alone, not inside "
                           "other brackets; write it outside the bracket with '|'");
            return;
        }
        sb_puts(&x->out, s.neg_class);
        return;
    }
    bool any_ascii = s.n_classes > 0;
    for (int c = 0; c < 128 && !any_ascii; c++)
        any_ascii = s.ascii[c];
    if (s.n_other > 0 && neg) {
        xfail(x, open, "a negated bracket with non-ASCII characters is not supported");
        return;
    }
    if (!any_ascii && s.n_other == 0) {
        xfail(x, open, "the bracket matches nothing");
        return;
    }
    if (s.n_other > 0)
        sb_putc(&x->out, '(');
    if (any_ascii) {
        if (!neg && s.n_classes == 0 && s.ascii['^']) {
            int members = 0;
            for (int c = 0; c < 128; c++)
                members += s.ascii[c];
            if (members == 1) {
                sb_puts(&x->out, "\\^"); /* "[^]" would be a negation */
                goto others;
            }
        }
        sb_puts(&x->out, neg ? "[^" : "[");
        emit_bracket_body(&x->out, &s);
        sb_putc(&x->out, ']');
    }
others:
    for (size_t i = 0; i < s.n_other; i++) {
        if (i > 0 || any_ascii)
            sb_putc(&x->out, '|');
        sb_puts(&x->out, s.other[i]);
    }
    if (s.n_other > 0)
        sb_putc(&x->out, ')');
}

static bool ere_special(char c) { return c && strchr(".[]()*+?{}|^$\\", c) != NULL; }

static void put_literal(xlat *x, long cp)
{
    char u[4];
    if (cp < 0x80 && ere_special((char)cp))
        sb_putc(&x->out, '\\');
    sb_putn(&x->out, u, utf8_encode((unsigned long)cp, u));
}

/* An escape outside brackets, x->p just after the '\'. */
static void translate_escape(xlat *x)
{
    const char *at = x->p - 1;
    char e = *x->p;
    long cp = char_escape(x);
    if (x->bad)
        return;
    if (cp >= 0) {
        put_literal(x, cp);
        return;
    }
    const char *rep = NULL;
    switch (e) {
    case 'd': rep = "[0-9]"; break;
    case 'D': rep = "[^0-9]"; break;
    case 'w': rep = "[0-9A-Z_a-z]"; break;
    case 'W': rep = "[^0-9A-Z_a-z]"; break;
    case 's': rep = "[ \t\n\v\f\r]"; break;
    case 'S': rep = "[^ \t\n\v\f\r]"; break;
    case 'A': rep = "^"; break;
    case 'z': case 'Z': rep = "$"; break;
    case 'b': rep = "\\b"; break; /* glibc's ERE has Java's word boundaries */
    case 'B': rep = "\\B"; break;
    default: break;
    }
    if (rep) {
        sb_puts(&x->out, rep);
        x->p++;
        return;
    }
    if (e == 'p' || e == 'P') {
        bool negp = e == 'P';
        const char *cls = read_unicode_class(x);
        if (!cls)
            return;
        sb_puts(&x->out, negp ? "[^[:" : "[[:");
        sb_puts(&x->out, cls);
        sb_puts(&x->out, ":]]");
        return;
    }
    if (e == 'Q') {
        x->p++;
        const char *end = strstr(x->p, "\\E");
        size_t n = end ? (size_t)(end - x->p) : strlen(x->p);
        for (size_t i = 0; i < n; i++) {
            if (ere_special(x->p[i]))
                sb_putc(&x->out, '\\');
            sb_putc(&x->out, x->p[i]);
        }
        x->p += n + (end ? 2 : 0);
        return;
    }
    if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
        xfail(x, at, "the escape '\\%c' is not supported", e);
        return;
    }
    /* Escaped punctuation is the character itself; only ERE's specials keep
     * the backslash ('\<' would be glibc's start of word). */
    x->p++;
    if (ere_special(e))
        sb_putc(&x->out, '\\');
    sb_putc(&x->out, e);
}

static void translate_group(xlat *x)
{
    const char *at = x->p;
    x->p++; /* ( */
    sb_putc(&x->out, '(');
    if (*x->p != '?')
        return;
    if (x->p[1] == ':') {
        x->p += 2;
        return;
    }
    const char *what = "inline flags other than a leading (?i)";
    if (x->p[1] == '=' || x->p[1] == '!')
        what = "look-ahead groups (?= and (?!";
    else if (x->p[1] == '<' && (x->p[2] == '=' || x->p[2] == '!'))
        what = "look-behind groups (?<= and (?<!";
    else if (x->p[1] == '<')
        what = "named groups (?<name>";
    else if (x->p[1] == '>')
        what = "atomic groups (?>";
    xfail(x, at, "%s are not supported", what);
}

/* Returns the ERE text (malloc'd) and *icase, or NULL with x->msg set. */
static char *translate(const char *vetted, int *icase, char *msg, size_t msg_size)
{
    xlat x = {.src = vetted, .p = vetted, .msg = msg, .msg_size = msg_size};
    *icase = 0;
    if (strncmp(x.p, "(?i)", 4) == 0) {
        *icase = 1;
        x.p += 4;
    }
    sb_puts(&x.out, "");
    while (!x.bad && *x.p) {
        char c = *x.p;
        if (c == '\\' && x.p[1]) {
            x.p++;
            translate_escape(&x);
        } else if (c == '[') {
            translate_bracket(&x);
        } else if (c == '(') {
            translate_group(&x);
        } else {
            sb_putc(&x.out, c);
            x.p++;
        }
    }
    if (x.out.nomem && !x.bad) {
        snprintf(msg, msg_size, "out of memory");
        x.bad = true;
    }
    if (x.bad) {
        free(x.out.s);
        return NULL;
    }
    return x.out.s;
}

int expr_regex_compile(regex_t *re, const char *pattern, char *msg, size_t msg_size)
{
    char *vetted = malloc(strlen(pattern) + 1);
    if (!vetted) {
        snprintf(msg, msg_size, "out of memory");
        return REG_ESPACE;
    }
    if (expr_regex_vet(pattern, vetted, msg, msg_size) != 0) {
        free(vetted);
        return REG_BADPAT;
    }
    int icase;
    char *ere = translate(vetted, &icase, msg, msg_size);
    free(vetted);
    if (!ere)
        return REG_BADPAT;
    int rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
    free(ere);
    if (rc != 0)
        regerror(rc, re, msg, msg_size);
    return rc;
}
