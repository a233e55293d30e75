/* fuzz_csv.c - the pyxform CSV reader and the form builder behind it: the
 * input is a .csv questionnaire. */
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_load_form(data, size, "fuzz.csv");
    return 0;
}
