/* buf.c - a growable text buffer for the report's HTML, SVG and text tables. */
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

void xb_init(xbuf *b)
{
    memset(b, 0, sizeof *b);
}

void xb_free(xbuf *b)
{
    free(b->s);
    xb_init(b);
}

static bool grow(xbuf *b, size_t extra)
{
    if (b->nomem)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->nomem = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void xb_putn(xbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void xb_put(xbuf *b, const char *s)
{
    xb_putn(b, s, strlen(s));
}

void xb_printf(xbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void xb_html(xbuf *b, const char *s)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            xb_putn(b, run, (size_t)(s - run));
            xb_put(b, rep);
            run = s + 1;
        }
    }
    xb_putn(b, run, (size_t)(s - run));
}

void xb_pad(xbuf *b, const char *s, size_t width, bool right)
{
    size_t w = utf8_width(s);
    size_t pad = w < width ? width - w : 0;
    if (!right)
        xb_put(b, s);
    for (size_t i = 0; i < pad; i++)
        xb_putn(b, " ", 1);
    if (right)
        xb_put(b, s);
}
