/* fuzz_answers.c - the answers payload readers (lib/base): the input is a
 * payload as a record carries it.  sk_answers_from_json (the one-pass reader
 * first, jansson for whatever it leaves) must give the same status, the same
 * error sentence and the same answers as the general reader alone, and the
 * one-pass reader must never accept what the general one reads otherwise;
 * any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sk/answers.h"
#include "../../lib/base/answers_internal.h"

static int same_str(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

static int same_answers(const sk_answers *x, const sk_answers *y)
{
    if (x->n != y->n || !same_str(x->sitting_id, y->sitting_id) ||
        !same_str(x->form_id, y->form_id) || !same_str(x->form_version, y->form_version) ||
        !same_str(x->language, y->language) || x->started_ms != y->started_ms ||
        x->finished_ms != y->finished_ms)
        return 0;
    for (size_t i = 0; i < x->n; i++) {
        const sk_answer *a = &x->items[i], *b = &y->items[i];
        if (strcmp(a->name, b->name) || !same_str(a->repeat, b->repeat) ||
            strcmp(a->value, b->value) || a->section != b->section ||
            a->changed_ms != b->changed_ms || a->dwell_ms != b->dwell_ms)
            return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = size ? (const char *)data : "";
    sk_answers a, b, f;
    sk_answers_init(&a);
    sk_answers_init(&b);
    sk_answers_init(&f);
    sk_error ea, eb;
    sk_error_clear(&ea);
    sk_error_clear(&eb);
    sk_status sa = sk_answers_from_json(json, size, &a, &ea);
    sk_status sb = answers_read_json(json, size, &b, &eb);
    sk_status sf = answers_read_fast(json, size, &f);
    if (sa != sb || strcmp(ea.message, eb.message) != 0 || !same_answers(&a, &b))
        abort();
    if (sf == SK_OK && (sb != SK_OK || !same_answers(&f, &b)))
        abort();
    if (sf != SK_OK && sf != SK_ERR_UNSUPPORTED && sf != SK_ERR_NOMEM)
        abort();
    sk_answers_free(&a);
    sk_answers_free(&b);
    sk_answers_free(&f);
    return 0;
}
