/* textwrap.h - UTF-8 line breaking, independent of SDL.
 *
 * Lines break at spaces; between any two CJK characters (Chinese, Japanese
 * and Korean text has no spaces); at '\n'; and, for a word wider than the
 * whole line, between characters.  Widths come from a callback so the same
 * code serves the renderer (SDL_ttf metrics) and the unit tests. */
#ifndef KIOSK_TEXTWRAP_H
#define KIOSK_TEXTWRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Width in pixels of the len bytes at s (a whole number of characters). */
typedef int (*tw_measure_fn)(void *ctx, const char *s, size_t len);

typedef struct tw_line {
    size_t start, len;      /* byte range in the text, trailing spaces excluded */
} tw_line;

/* Decode one UTF-8 character at s (at most n bytes); returns its length
 * (1 for an invalid byte, which decodes as U+FFFD). */
size_t tw_utf8_next(const char *s, size_t n, uint32_t *cp);
/* True for characters between which a line may break without a space. */
bool tw_is_cjk(uint32_t cp);

/* Break text into lines no wider than max_w.  Fills at most max_lines
 * entries and returns the number of lines the whole text needs (so a caller
 * can size its array and call again).  An empty text is one empty line. */
size_t tw_wrap(const char *text, int max_w, tw_measure_fn measure, void *ctx, tw_line *lines,
               size_t max_lines);

/* Characters: tw_cp_count counts Unicode code points (what the form's
 * string-length() counts, so the kiosk's limit and the form's constraint
 * agree).  Grapheme clusters (what a person sees as one character) are
 * approximated: a code point with the combining marks, variation selectors,
 * emoji skin-tone modifiers, tag characters and keycaps after it, joined by
 * zero-width joiners to the next code point; two regional indicators make one
 * flag; CR LF is one.  Enough never to split an emoji sequence, a flag or an
 * accented letter; not the whole of UAX #29 (Hangul jamo, Indic conjuncts). */
size_t tw_cp_count(const char *s, size_t len);
/* The end of the grapheme cluster that starts at byte i of s[0, len). */
size_t tw_cluster_next(const char *s, size_t len, size_t i);
/* The start of the last grapheme cluster of s[0, len) (0 when len is 0). */
size_t tw_cluster_prev(const char *s, size_t len);
size_t tw_cluster_count(const char *s, size_t len);

#endif
