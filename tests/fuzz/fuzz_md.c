/* fuzz_md.c - the pyxform markdown reader and the form builder behind it:
 * the input is a .md questionnaire. */
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_load_form(data, size, "fuzz.md");
    return 0;
}
