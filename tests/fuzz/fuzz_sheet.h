/* fuzz_sheet.h - the body shared by fuzz_xlsx, fuzz_md and fuzz_csv: load a
 * questionnaire from memory under a given file name (which picks the reader
 * once the content has not: a zip is always .xlsx) and, when it loads, dump
 * the whole model so every field the builder filled is read back. */
#ifndef SK_FUZZ_SHEET_H
#define SK_FUZZ_SHEET_H

#include <stdint.h>
#include <stdlib.h>

#include "sk/form.h"

static inline void fz_load_form(const uint8_t *data, size_t len, const char *name)
{
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    sk_error_clear(&err);
    if (sk_form_load_mem(data, len, name, &form, &diags, &err) == SK_OK) {
        free(sk_form_dump(form));
        sk_form_free(form);
    }
    for (size_t i = 0; i < diags.n; i++) {
        char line[1400];
        sk_error_format(&diags.items[i], line, sizeof line);
    }
    sk_diags_free(&diags);
}

#endif
