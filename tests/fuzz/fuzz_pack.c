/* fuzz_pack.c - sk_pack_parse over arbitrary bytes: everything a pack parser
 * reads before and while it checks the study's signature.  (What it reads
 * after a valid signature is fuzz_signed's job.) */
#include <stdint.h>

#include "sk/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sk_pack *pack = NULL;
    sk_error err;
    if (sk_pack_parse(data, size, &pack, &err) == SK_OK)
        sk_pack_free(pack);
    return 0;
}
