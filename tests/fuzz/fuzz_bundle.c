/* fuzz_bundle.c - the bundle reader over arbitrary bytes (it reads files, so
 * the input is written to a temporary file first): open, stream every item,
 * close.  Opening authenticates the whole file, so this mostly exercises the
 * framing and the checks before the signature; fuzz_signed and fuzz_merge
 * reach what lies behind it. */
#include <stdint.h>

#include "fuzz_util.h"
#include "sk/bundle.h"
#include "sk/pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fz_path(path, sizeof path, "input.skb");
    fz_write(path, data, size);
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_error err;
    if (sk_bundle_reader_open(path, &r, &info, &err) != SK_OK)
        return 0;
    sk_bundle_item_kind kind;
    const uint8_t *item;
    size_t len;
    int rc;
    while ((rc = sk_bundle_reader_next(r, &kind, &item, &len, &err)) == 1)
        (void)item;
    if (rc < 0)
        sk_bundle_reader_abort(r);
    else
        sk_bundle_reader_close(r, &err);
    return 0;
}
