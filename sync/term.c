/* term.c - untrusted text escaped for a terminal (see term.h). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

/* Length of the well-formed UTF-8 sequence at s (1..4), with its code point
 * in *cp, or 0 when the byte at s does not start one (RFC 3629 table 3-7). */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
        *cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        *cp = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;   /* no overlong forms */
        if (b == 0xED)
            hi = 0x9F;   /* no UTF-16 surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        *cp = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        if (b == 0xF4)
            hi = 0x8F;   /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        unsigned char c = s[i];   /* a NUL ends the string: it fails the range check */
        if (c < (i == 1 ? lo : 0x80) || c > (i == 1 ? hi : 0xBF))
            return 0;
        *cp = (*cp << 6) | (c & 0x3F);
    }
    return n;
}

/* Escape s into out, which has room for 4 * strlen(s) + 1 bytes (the worst
 * case: every byte becomes \xNN).  Returns the length written. */
static size_t escape(const char *s, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    char *o = out;
    while (*p) {
        uint32_t cp;
        size_t n = utf8_seq(p, &cp);
        if (n == 0 || (n == 1 && (cp < 0x20 || cp == 0x7F))) {
            /* A control byte, or a byte that is not UTF-8. */
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 0xF];
            p++;
        } else if (n == 2 && cp >= 0x80 && cp <= 0x9F) {
            /* C1 controls: a two-byte sequence, six bytes escaped. */
            memcpy(o, "\\u{", 3);
            o += 3;
            *o++ = hex[cp >> 4];
            *o++ = hex[cp & 0xF];
            *o++ = '}';
            p += n;
        } else {
            memcpy(o, p, n);
            o += n;
            p += n;
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

char *term_escape(const char *untrusted)
{
    if (!untrusted)
        untrusted = "";
    size_t len = strlen(untrusted);
    if (len > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = malloc(4 * len + 1);
    if (out)
        escape(untrusted, out);
    return out;
}

void term_put(FILE *f, const char *untrusted)
{
    if (!untrusted)
        return;
    char *s = term_escape(untrusted);
    if (s) {
        fputs(s, f);
        free(s);
        return;
    }
    /* Out of memory: show only printable ASCII rather than the raw bytes. */
    for (const unsigned char *p = (const unsigned char *)untrusted; *p; p++)
        fputc(*p >= 0x20 && *p < 0x7F ? *p : '?', f);
}
