/* sk/answers.h - the answers of one sitting: what gets sealed into records.
 *
 * An sk_answers is an ordered list of (question name -> value) with the time of
 * the last change and how long the question was on screen, plus the sitting's
 * language and timestamps.  Values are XPath strings, as the expression engine
 * sees them:
 *   - text/integer/decimal/date (YYYY-MM-DD)/time (HH:MM): the text typed;
 *   - select_one: the choice name; select_multiple: names separated by one space;
 *   - acknowledge: "OK" when ticked, "" when not (consent clauses: "yes"/"no");
 *   - signature: strokes "x,y x,y x,y;x,y ..." in 0..1000 pad coordinates;
 *   - "" means asked and left empty; an absent entry means never answered.
 * The kiosk keeps one sk_answers per sitting and hands it to the store at every
 * change; the store seals it (sk_answers_to_json) and never writes plaintext.
 *
 * Memory: all strings are owned by the struct.  sk_answers_free wipes every
 * value before freeing it, because answers are the participant's secrets.
 */
#ifndef SK_ANSWERS_H
#define SK_ANSWERS_H

#include <stdint.h>
#include <stddef.h>

#include "sk/error.h"

typedef enum sk_section {
    SK_SECTION_RESPONSE = 0, /* a questionnaire answer: goes into the response record */
    SK_SECTION_CONSENT = 1   /* a consent clause, name or signature: goes into the consent record */
} sk_section;

typedef struct sk_answer {
    char *name;
    /* The repeat instance the answer belongs to, as "household[2]" (the
     * repeat's name and its 1-based instance); NULL outside repeats.  The
     * repeat's own entry (name "household", repeat NULL) holds how many
     * instances there are, as a decimal string. */
    char *repeat;
    char *value;
    sk_section section;
    int64_t changed_ms; /* Unix time in milliseconds of the last change */
    uint32_t dwell_ms;  /* total time the question was on screen */
} sk_answer;

typedef struct sk_answers {
    sk_answer *items;
    size_t n, cap;
    char *sitting_id;   /* 32 hex chars, set by the store when the sitting starts; may be NULL */
    char *form_id, *form_version;
    char *language;     /* language label as in the form ("English (en)"), NULL = default */
    int64_t started_ms, finished_ms; /* 0 = not yet */
} sk_answers;

void sk_answers_init(sk_answers *a);
/* Wipe and free everything; the struct is left initialised. NULL is a no-op. */
void sk_answers_free(sk_answers *a);
/* Deep copy; dst must be initialised and is replaced. */
sk_status sk_answers_copy(sk_answers *dst, const sk_answers *src);

/* The value for name, or NULL when never answered. The pointer lives until
 * the next change to that entry. */
const char *sk_answers_get(const sk_answers *a, const char *name);
const sk_answer *sk_answers_find(const sk_answers *a, const char *name);

/* Set (or replace) name's value, stamped now_ms. value NULL removes the entry
 * (for example an answer hidden by skip logic). */
sk_status sk_answers_set(sk_answers *a, const char *name, const char *value, sk_section section,
                         int64_t now_ms);
/* Add time on screen to name's entry; does nothing when there is no entry. */
void sk_answers_add_dwell(sk_answers *a, const char *name, uint32_t ms);

/* The same inside a repeat instance: repeat is "household[2]", or NULL for
 * an answer outside repeats (then these are the functions above). */
const sk_answer *sk_answers_find_at(const sk_answers *a, const char *repeat, const char *name);
const char *sk_answers_get_at(const sk_answers *a, const char *repeat, const char *name);
sk_status sk_answers_set_at(sk_answers *a, const char *repeat, const char *name,
                            const char *value, sk_section section, int64_t now_ms);
void sk_answers_add_dwell_at(sk_answers *a, const char *repeat, const char *name, uint32_t ms);
/* Remove instance `index` (1-based) of repeat `repeat_name`: its answers go,
 * the answers of later instances move down one ("household[3]" becomes
 * "household[2]"), and nothing else changes (the caller updates the count
 * entry).  Never fails: it only frees and renames in place. */
void sk_answers_remove_instance(sk_answers *a, const char *repeat_name, size_t index);
/* Writes "name[index]" into out (size bytes); returns out. */
char *sk_answers_instance(char *out, size_t size, const char *repeat_name, size_t index);
/* Set one of the string metadata fields (sitting_id, form_id, ...) by pointer. */
sk_status sk_answers_set_meta(char **field, const char *value);

/* Serialise to the payload JSON documented in docs/FORMATS.md ("survey-kiosk/answers" v2;
 * the reader also reads v1, which had no repeats).
 * section_filter: -1 for every entry, or an sk_section to keep only that section.
 * *out is NUL-terminated, owned by the caller, to be released with sk_secret_free(). */
sk_status sk_answers_to_json(const sk_answers *a, int section_filter, char **out, size_t *out_len,
                             sk_error *err);
/* Parse payload JSON into out (initialised by the caller; replaced on success only). */
sk_status sk_answers_from_json(const char *json, size_t len, sk_answers *out, sk_error *err);

/* Wipe len bytes at p (len 0: strlen(p)) and free it. NULL is a no-op. */
void sk_secret_free(void *p, size_t len);

/* Current Unix time in milliseconds (CLOCK_REALTIME). */
int64_t sk_now_ms(void);

#endif
