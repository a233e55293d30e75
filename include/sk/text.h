/* sk/text.h - checks on text that comes from files other people made.
 *
 * Every string the formats carry (labels, form ids, titles, questionnaire
 * cells) must be UTF-8: a reader refuses invalid UTF-8 with the place named
 * instead of passing it on to a screen, a terminal or a JSON writer that
 * would drop or mangle it.
 */
#ifndef SK_TEXT_H
#define SK_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* true when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF).  A NUL byte counts as valid here;
 * formats that forbid NUL check it themselves. */
bool sk_utf8_valid(const char *s, size_t len);

/* The offset of the first byte that is not well-formed UTF-8, or len when
 * all of s[0..len) is. */
size_t sk_utf8_invalid_at(const char *s, size_t len);

/* true when name is a plain file name, safe to join to a folder and to show:
 * not empty, not "." or "..", no '/' or '\\' (no folder, on any system), no
 * control character (below 0x20, or 0x7f).  The one rule for a file a survey
 * pack carries or a form names (pictures, data files), so that what the
 * researcher's machine accepts the kiosk accepts too.  Length and UTF-8 are
 * the caller's checks (the limits differ by format).  name must not be NULL. */
bool sk_plain_file_name(const char *name);

#endif
