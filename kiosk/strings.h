/* strings.h - the kiosk's own words (buttons, thank-you, idle warning) in a
 * few languages; the questionnaire's words always come from the pack.
 * Unknown languages and keys fall back to English. */
#ifndef KIOSK_STRINGS_H
#define KIOSK_STRINGS_H

const char *kstr(const char *lang_code, const char *key);

#endif
