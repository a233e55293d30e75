/* textwrap.c - greedy UTF-8 line breaking (see textwrap.h). */
#include "textwrap.h"

#include <string.h>

size_t tw_utf8_next(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len;
    uint32_t c;
    if (n == 0) {
        *cp = 0;
        return 0;
    }
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xE0) == 0xC0) {
        len = 2, c = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, c = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4, c = u[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return len;
}

bool tw_is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF)      /* radicals, kana, CJK punctuation, ideographs */
           || (cp >= 0xAC00 && cp <= 0xD7AF)   /* Hangul syllables */
           || (cp >= 0xF900 && cp <= 0xFAFF)   /* compatibility ideographs */
           || (cp >= 0xFF00 && cp <= 0xFFEF)   /* full-width forms */
           || (cp >= 0x20000 && cp <= 0x3FFFF);
}

static void emit(tw_line *lines, size_t max_lines, size_t *n, const char *text, size_t start,
                 size_t end)
{
    while (end > start && text[end - 1] == ' ')
        end--;
    if (*n < max_lines) {
        lines[*n].start = start;
        lines[*n].len = end - start;
    }
    (*n)++;
}

/* Closing punctuation that must not start a line: it sticks to the character before. */
static bool no_break_before(uint32_t cp)
{
    return cp == 0x3001 || cp == 0x3002 || cp == 0xFF0C || cp == 0xFF0E || cp == 0xFF01 ||
           cp == 0xFF1F || cp == 0xFF09 || cp == 0x300D || cp == 0x300F;
}

/* The segment at i: a word (or one CJK character with its closing
 * punctuation) ending at *word_end, plus the spaces after it, ending at the
 * returned offset. */
static size_t next_segment(const char *text, size_t i, size_t end, size_t *word_end)
{
    uint32_t cp;
    size_t clen = tw_utf8_next(text + i, end - i, &cp);
    size_t j = i + clen;
    if (cp != ' ') {
        if (tw_is_cjk(cp)) {
            while (j < end) {
                size_t l = tw_utf8_next(text + j, end - j, &cp);
                if (!no_break_before(cp))
                    break;
                j += l;
            }
        } else {
            while (j < end) {
                size_t l = tw_utf8_next(text + j, end - j, &cp);
                if (cp == ' ' || tw_is_cjk(cp))
                    break;
                j += l;
            }
        }
    } else {
        j = i; /* leading spaces: an empty word */
    }
    *word_end = j;
    while (j < end && text[j] == ' ')
        j++;
    return j;
}

/* The longest prefix of text[start, end) of at least one character that fits. */
static size_t fit_chars(const char *text, size_t start, size_t end, int max_w,
                        tw_measure_fn measure, void *ctx)
{
    uint32_t cp;
    size_t cut = start + tw_utf8_next(text + start, end - start, &cp);
    while (cut < end) {
        size_t next = cut + tw_utf8_next(text + cut, end - cut, &cp);
        if (measure(ctx, text + start, next - start) > max_w)
            break;
        cut = next;
    }
    return cut;
}

/* Wrap one paragraph (no '\n') text[start, end). */
static void wrap_paragraph(const char *text, size_t start, size_t end, int max_w,
                           tw_measure_fn measure, void *ctx, tw_line *lines, size_t max_lines,
                           size_t *n)
{
    size_t line = start, i = start;
    bool any = false;
    while (i < end) {
        size_t word_end, seg_end = next_segment(text, i, end, &word_end);
        if (word_end > line && measure(ctx, text + line, word_end - line) > max_w) {
            size_t cut = i > line ? i : fit_chars(text, line, word_end, max_w, measure, ctx);
            emit(lines, max_lines, n, text, line, cut);
            any = true;
            line = i = cut;
            continue;
        }
        i = seg_end;
    }
    if (line < end || !any)
        emit(lines, max_lines, n, text, line, end);
}

size_t tw_wrap(const char *text, int max_w, tw_measure_fn measure, void *ctx, tw_line *lines,
               size_t max_lines)
{
    size_t n = 0, len = strlen(text), start = 0;
    for (;;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        wrap_paragraph(text, start, end, max_w, measure, ctx, lines, max_lines, &n);
        if (!nl)
            break;
        start = end + 1;
    }
    return n;
}
