/* wcode.c - withdrawal codes: 80 random bits as 16 Crockford base32 symbols,
 * "XXXX-XXXX-XXXX-XXXX"; people may type them in any case, with or without
 * separators, and with the look-alikes O, I, L.  Only a keyed hash (the tag)
 * is ever stored. */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"
#include "sk/keys.h"
#include "sk/record.h"

/* Domain separation: the BLAKE2b key for tags (31 ASCII bytes, no NUL). */
static const char tag_key[] = "survey-kiosk withdrawal code v1";

void sk_wcode_generate(char out[SK_WCODE_SIZE])
{
    uint8_t r[10];
    if (sodium_init() < 0) {
        /* randombytes_buf still reads the system source; nothing else to do */
    }
    randombytes_buf(r, sizeof r);
    sk_b32_grouped(r, out);
    sodium_memzero(r, sizeof r);
}

/* The 5-bit value of a typed symbol, or -1. */
static int symbol_value(char c)
{
    c = (char)toupper((unsigned char)c);
    if (c == 'O')
        return 0;
    if (c == 'I' || c == 'L')
        return 1;
    const char *p = c ? strchr(sk_b32_alphabet, c) : NULL;
    return p ? (int)(p - sk_b32_alphabet) : -1;
}

bool sk_wcode_normalize(const char *typed, char out[SK_WCODE_SIZE])
{
    if (!typed)
        return false;
    char sym[16];
    size_t n = 0;
    for (const char *p = typed; *p; p++) {
        if (*p == '-' || *p == ' ' || *p == '\t')
            continue;
        int v = symbol_value(*p);
        if (v < 0 || n == 16)
            return false;
        sym[n++] = sk_b32_alphabet[v];
    }
    if (n != 16)
        return false;
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        out[o++] = sym[i];
    }
    out[o] = '\0';
    return true;
}

void sk_wcode_tag(const char *canonical, uint8_t tag[SK_TAG_SIZE])
{
    crypto_generichash(tag, SK_TAG_SIZE, (const unsigned char *)canonical, strlen(canonical),
                       (const unsigned char *)tag_key, sizeof tag_key - 1);
}

bool sk_fingerprint_decode(const char *typed, uint8_t out[SK_FINGERPRINT_BYTES])
{
    char canon[SK_WCODE_SIZE];
    if (!sk_wcode_normalize(typed, canon))
        return false;
    uint8_t bytes[SK_FINGERPRINT_BYTES] = {0};
    size_t bit = 0;
    for (const char *p = canon; *p; p++) {
        if (*p == '-')
            continue;
        int v = symbol_value(*p);
        for (int b = 4; b >= 0; b--, bit++) /* most significant bit first */
            if (v & (1 << b))
                bytes[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
    }
    memcpy(out, bytes, sizeof bytes);
    return true;
}
