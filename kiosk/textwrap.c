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

/* Back from i to the start of the character it is in. */
static size_t char_start(const char *text, size_t lo, size_t i)
{
    while (i > lo && ((unsigned char)text[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Is text[start, end) wider than max_w?  Widths grow with every character
 * added, so a prefix that is already too wide answers for the whole: measuring
 * only about a line's worth keeps a 3,000-character word (emoji typed without
 * spaces) from being measured whole once per line it wraps onto. */
static bool too_wide(const char *text, size_t start, size_t end, int max_w,
                     tw_measure_fn measure, void *ctx)
{
    size_t probe = start + 4 * ((size_t)(max_w > 0 ? max_w : 0) + 1);
    if (probe < end) {
        probe = char_start(text, start, probe);
        if (probe > start && measure(ctx, text + start, probe - start) > max_w)
            return true;
    }
    return measure(ctx, text + start, end - start) > max_w;
}

/* The longest prefix of text[start, end) of at least one character that fits:
 * a binary search over character boundaries (widths grow with length), so a
 * long word costs O(log n) measurements per line instead of one per character. */
static size_t fit_chars(const char *text, size_t start, size_t end, int max_w,
                        tw_measure_fn measure, void *ctx)
{
    uint32_t cp;
    /* lo: a boundary that fits (the first character is always taken);
     * hi: a boundary known to be too wide. */
    size_t lo = start + tw_utf8_next(text + start, end - start, &cp);
    size_t hi = end;
    if (!too_wide(text, start, end, max_w, measure, ctx))
        return end;
    while (lo < hi) {
        size_t mid = char_start(text, lo, lo + (hi - lo + 1) / 2);
        if (mid <= lo) {
            /* no boundary strictly between lo and hi other than hi itself */
            size_t next = lo + tw_utf8_next(text + lo, end - lo, &cp);
            if (next >= hi || measure(ctx, text + start, next - start) > max_w)
                break;
            lo = next;
            continue;
        }
        if (measure(ctx, text + start, mid - start) > max_w)
            hi = mid;
        else
            lo = mid;
        if (hi - lo <= 4) {
            /* a few bytes left: step character by character */
            while (lo < hi) {
                size_t next = lo + tw_utf8_next(text + lo, end - lo, &cp);
                if (next >= hi || measure(ctx, text + start, next - start) > max_w)
                    break;
                lo = next;
            }
            break;
        }
    }
    return lo;
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
        if (word_end > line && too_wide(text, line, word_end, max_w, measure, ctx)) {
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

/* ---- characters and grapheme clusters ---- */

size_t tw_cp_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static bool is_ri(uint32_t cp)
{
    return cp >= 0x1F1E6 && cp <= 0x1F1FF;
}

/* Code points that attach to the one before: combining marks, variation
 * selectors, emoji skin-tone modifiers, tag characters (subdivision flags),
 * the zero-width joiner and the enclosing keycap. */
static bool is_extend(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
           (cp >= 0x0591 && cp <= 0x05BD) || (cp >= 0x0610 && cp <= 0x061A) ||
           (cp >= 0x064B && cp <= 0x065F) || (cp >= 0x0900 && cp <= 0x0903) ||
           (cp >= 0x093A && cp <= 0x094F) || (cp >= 0x0E31 && cp <= 0x0E3A && cp != 0x0E32 &&
                                              cp != 0x0E33) ||
           (cp >= 0x0E47 && cp <= 0x0E4E) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
           (cp >= 0x1DC0 && cp <= 0x1DFF) || cp == 0x200C || cp == 0x200D ||
           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0x302A && cp <= 0x302F) ||
           cp == 0x3099 || cp == 0x309A || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
           (cp >= 0xE0020 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

size_t tw_cluster_next(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    uint32_t cp, prev;
    size_t j = i + tw_utf8_next(s + i, len - i, &prev);
    if (prev == '\r' && j < len && s[j] == '\n')
        return j + 1;
    if (prev == '\n' || prev == '\r')
        return j;
    bool ri_pair_open = is_ri(prev);
    while (j < len) {
        size_t l = tw_utf8_next(s + j, len - j, &cp);
        if (is_extend(cp)) {
            /* extends the cluster */
        } else if (prev == 0x200D) {
            /* the code point after a zero-width joiner joins the sequence */
        } else if (ri_pair_open && is_ri(cp)) {
            ri_pair_open = false; /* the second half of a flag */
            prev = cp;
            j += l;
            continue;
        } else {
            break;
        }
        ri_pair_open = false;
        prev = cp;
        j += l;
    }
    return j;
}

size_t tw_cluster_prev(const char *s, size_t len)
{
    /* Go back to a code point that surely starts a cluster (not an extender,
     * not after a joiner, not a regional indicator), then segment forwards:
     * the last cluster found is the answer.  Bounded: after 256 code points
     * of extenders the walk stops there (no real text joins that many). */
    size_t i = len, steps = 0;
    while (i > 0 && steps++ < 256) {
        size_t at = char_start(s, 0, i - 1);
        uint32_t cp;
        tw_utf8_next(s + at, len - at, &cp);
        i = at;
        if (is_extend(cp) || is_ri(cp))
            continue;
        if (at > 0) {
            size_t pat = char_start(s, 0, at - 1);
            uint32_t pcp;
            tw_utf8_next(s + pat, len - pat, &pcp);
            if (pcp == 0x200D || is_ri(pcp))
                continue;
        }
        break;
    }
    size_t last = i;
    while (i < len) {
        last = i;
        i = tw_cluster_next(s, len, i);
    }
    return last;
}

size_t tw_cluster_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i = tw_cluster_next(s, len, i))
        n++;
    return n;
}
