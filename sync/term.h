/* term.h - showing text from packs and bundles (made by other people) on a
 * terminal without letting it drive the terminal.
 *
 * A title or label may hold ESC sequences that clear the screen, move the
 * cursor, rewrite earlier lines (so a forged line reads "signature: ok") or
 * set the window title.  Everything a terminal could act on is shown as an
 * escape instead: every C0 control (ESC, tab, newline, ...) and DEL as \xNN,
 * the C1 controls U+0080..U+009F as \u{NN}, and each byte that is not part of
 * well-formed UTF-8 (overlong forms, surrogates, above U+10FFFF, truncated
 * sequences) as \xNN.  Printable UTF-8 (accents, Chinese, emoji) is kept as
 * it is.  A backslash is kept as it is too. (sync/term.c) */
#ifndef SYNC_TERM_H
#define SYNC_TERM_H

#include <stdio.h>

/* untrusted, escaped, as a malloc'd string (free it); NULL when out of
 * memory.  NULL in gives "". */
char *term_escape(const char *untrusted);

/* Write untrusted to f, escaped.  NULL writes nothing. */
void term_put(FILE *f, const char *untrusted);

#endif
