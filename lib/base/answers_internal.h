/* answers_internal.h - the two readers of the answers payload behind
 * sk_answers_from_json (sk/answers.h).  Internal to lib/base; tests include
 * it to check that the two agree.
 *
 * answers_read_fast (answers_read.c) reads the documents survey-kiosk writes
 * (sk_answers_to_json, v1 and v2) in one pass with no parse tree: it is what
 * export and report spend their time in after the decryption.  It accepts
 * only documents that the general reader accepts too, with the same result;
 * anything else (an error, an unknown key, a duplicate, an escape it does not
 * decode, a number out of its range) it leaves to answers_read_json, the
 * general reader (jansson, answers.c), which decides and words the error.
 * So a payload is refused exactly when, and with the sentence, it always was.
 */
#ifndef SK_ANSWERS_INTERNAL_H
#define SK_ANSWERS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "sk/answers.h"

#define ANSWERS_PAYLOAD_FORMAT "survey-kiosk/answers"
/* v2 (repeats): an answer may carry "repeat"; v1 payloads still read. */
#define ANSWERS_PAYLOAD_VERSION 2

/* SK_OK: *out (initialised) replaced by the answers.  SK_ERR_NOMEM: out of
 * memory.  SK_ERR_UNSUPPORTED: not read here (use answers_read_json); out is
 * untouched in both failures.  Sets no sk_error: it never refuses anything. */
sk_status answers_read_fast(const char *json, size_t len, sk_answers *out);

/* The general reader: the payload through jansson's object model, every
 * check and error sentence of the format (out replaced on success only). */
sk_status answers_read_json(const char *json, size_t len, sk_answers *out, sk_error *err);

/* "name[n]" with n >= 1 written without leading zeros: a repeat instance. */
bool answers_valid_instance(const char *s);

#endif
