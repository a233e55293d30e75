/* quote.c - expression text quoted inside a message (see sk/expr.h). */
#include <stdio.h>
#include <string.h>

#include "sk/expr.h"

char *sk_expr_quote(char *out, size_t size, const char *src, size_t max_chars)
{
    if (!out || size == 0)
        return out;
    size_t o = 0, chars = 0;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    while (*s) {
        if (chars == max_chars) {
            if (o + 4 <= size) /* room for "..." and the NUL */
                memcpy(out + o, "...", 3), o += 3;
            break;
        }
        char esc[8] = "";
        size_t n = 1;
        if (*s == '\n')
            strcpy(esc, "\\n");
        else if (*s == '\r')
            strcpy(esc, "\\r");
        else if (*s == '\t')
            strcpy(esc, "\\t");
        else if (*s < 0x20 || *s == 0x7F)
            snprintf(esc, sizeof esc, "\\x%02X", *s);
        else if (*s >= 0xC0)
            while (n < 4 && (s[n] & 0xC0) == 0x80)
                n++; /* a whole UTF-8 character, never cut in two */
        size_t need = esc[0] ? strlen(esc) : n;
        if (o + need + 1 > size)
            break;
        if (esc[0])
            memcpy(out + o, esc, need);
        else
            memcpy(out + o, s, n);
        o += need;
        s += n;
        chars++;
    }
    out[o] = '\0';
    return out;
}
