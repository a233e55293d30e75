/* fuzz_xlsx.c - the .xlsx reader (libzip + expat) and the form builder: the
 * input is a whole .xlsx, or NUL-separated XML parts that the harness packs
 * into one (fuzz_util.h, fz_xlsx), so that most mutations land in the XML the
 * reader parses rather than in the zip structure. */
#include "fuzz_sheet.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *xlsx;
    size_t len;
    fz_xlsx(data, size, &xlsx, &len);
    fz_load_form(xlsx, len, "fuzz.xlsx");
    free(xlsx);
    return 0;
}
