/* util.c - little-endian integers, the output buffer and the input cursor
 * (see crypto_internal.h), and libsodium start-up. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto_internal.h"

sk_status sk_crypto_init(sk_error *err)
{
    if (sodium_init() < 0)
        return sk_error_set(err, SK_ERR_IO,
                            "libsodium could not start (no source of randomness); check /dev/urandom");
    return SK_OK;
}

void sk_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void sk_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void sk_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t sk_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

uint32_t sk_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

uint64_t sk_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Grow by copying into a new block and wiping the old one: realloc could
 * leave a copy of plaintext behind in freed memory. */
static bool obuf_reserve(sk_obuf *b, size_t n)
{
    if (b->failed)
        return false;
    if (n <= b->cap - b->len)
        return true;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len < n) {
        if (want > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        want *= 2;
    }
    uint8_t *p = malloc(want);
    if (!p) {
        b->failed = true;
        return false;
    }
    if (b->data) {
        memcpy(p, b->data, b->len);
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    b->data = p;
    b->cap = want;
    return true;
}

void sk_obuf_put(sk_obuf *b, const void *p, size_t n)
{
    if (!obuf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sk_obuf_u8(sk_obuf *b, uint8_t v) { sk_obuf_put(b, &v, 1); }

void sk_obuf_u16(sk_obuf *b, uint16_t v)
{
    uint8_t t[2];
    sk_put_u16(t, v);
    sk_obuf_put(b, t, 2);
}

void sk_obuf_u32(sk_obuf *b, uint32_t v)
{
    uint8_t t[4];
    sk_put_u32(t, v);
    sk_obuf_put(b, t, 4);
}

void sk_obuf_u64(sk_obuf *b, uint64_t v)
{
    uint8_t t[8];
    sk_put_u64(t, v);
    sk_obuf_put(b, t, 8);
}

void sk_obuf_wipe(sk_obuf *b)
{
    if (b->data) {
        sodium_memzero(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

bool sk_take(sk_cursor *c, size_t n, const uint8_t **out)
{
    if (n > c->left)
        return false;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return true;
}

bool sk_take_u8(sk_cursor *c, uint8_t *v)
{
    const uint8_t *p;
    if (!sk_take(c, 1, &p))
        return false;
    *v = p[0];
    return true;
}

bool sk_take_u16(sk_cursor *c, uint16_t *v)
{
    const uint8_t *p;
    if (!sk_take(c, 2, &p))
        return false;
    *v = sk_get_u16(p);
    return true;
}

bool sk_take_u32(sk_cursor *c, uint32_t *v)
{
    const uint8_t *p;
    if (!sk_take(c, 4, &p))
        return false;
    *v = sk_get_u32(p);
    return true;
}

bool sk_take_u64(sk_cursor *c, uint64_t *v)
{
    const uint8_t *p;
    if (!sk_take(c, 8, &p))
        return false;
    *v = sk_get_u64(p);
    return true;
}

bool sk_take_str8(sk_cursor *c, char *out, size_t max)
{
    sk_cursor save = *c;
    uint8_t n;
    const uint8_t *p;
    if (!sk_take_u8(c, &n) || n > max || !sk_take(c, n, &p) || memchr(p, 0, n)) {
        *c = save;
        return false;
    }
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

bool sk_take_str16(sk_cursor *c, size_t max, char **out)
{
    sk_cursor save = *c;
    uint16_t n;
    const uint8_t *p;
    if (!sk_take_u16(c, &n) || n > max || !sk_take(c, n, &p) || memchr(p, 0, n)) {
        *c = save;
        return false;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        *c = save;
        return false;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    *out = s;
    return true;
}

const char sk_b32_alphabet[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void sk_b32_grouped(const uint8_t bytes[10], char out[20])
{
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i && i % 4 == 0)
            out[o++] = '-';
        /* symbol i is bits 5i .. 5i+4 of the bytes read most significant bit first */
        unsigned v = 0;
        for (int b = 0; b < 5; b++) {
            int bit = 5 * i + b;
            v = (v << 1) | ((bytes[bit / 8] >> (7 - bit % 8)) & 1u);
        }
        out[o++] = sk_b32_alphabet[v];
    }
    out[o] = '\0';
}
