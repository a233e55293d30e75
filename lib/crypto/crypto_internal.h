/* crypto_internal.h - shared by lib/crypto: libsodium start-up, little-endian
 * integers, a growable output buffer and a bounds-checked input cursor.
 * Every reader in this module goes through sk_cursor so that no length field
 * is used before it has been checked against the bytes that remain. */
#ifndef SK_CRYPTO_INTERNAL_H
#define SK_CRYPTO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"

/* sodium_init() once (it is idempotent and thread-safe); SK_ERR_IO if libsodium
 * cannot start (no randomness source). */
sk_status sk_crypto_init(sk_error *err);

void sk_put_u16(uint8_t *p, uint16_t v);
void sk_put_u32(uint8_t *p, uint32_t v);
void sk_put_u64(uint8_t *p, uint64_t v);
uint16_t sk_get_u16(const uint8_t *p);
uint32_t sk_get_u32(const uint8_t *p);
uint64_t sk_get_u64(const uint8_t *p);

/* Output buffer: appends grow it; on allocation failure `failed` is set and
 * later appends do nothing, so callers check once at the end. */
typedef struct sk_obuf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
} sk_obuf;

void sk_obuf_put(sk_obuf *b, const void *p, size_t n);
void sk_obuf_u8(sk_obuf *b, uint8_t v);
void sk_obuf_u16(sk_obuf *b, uint16_t v);
void sk_obuf_u32(sk_obuf *b, uint32_t v);
void sk_obuf_u64(sk_obuf *b, uint64_t v);
/* Wipe and free the contents (the buffer may hold plaintext). */
void sk_obuf_wipe(sk_obuf *b);

/* Input cursor over [p, p+left).  Each take returns false, consuming
 * nothing, when fewer bytes remain than asked for. */
typedef struct sk_cursor {
    const uint8_t *p;
    size_t left;
} sk_cursor;

bool sk_take(sk_cursor *c, size_t n, const uint8_t **out);
bool sk_take_u8(sk_cursor *c, uint8_t *v);
bool sk_take_u16(sk_cursor *c, uint16_t *v);
bool sk_take_u32(sk_cursor *c, uint32_t *v);
bool sk_take_u64(sk_cursor *c, uint64_t *v);
/* A u8- or u16-length-prefixed string of at most max bytes without NUL,
 * copied NUL-terminated into out (max+1 bytes). */
bool sk_take_str8(sk_cursor *c, char *out, size_t max);
/* As above with a u16 length, malloc'd. */
bool sk_take_str16(sk_cursor *c, size_t max, char **out);

/* The unambiguous base32 alphabet (Crockford: 0-9 A-Z without I L O U). */
extern const char sk_b32_alphabet[33];
/* 10 bytes -> 16 symbols grouped 4-4-4-4 with dashes, NUL-terminated (20 bytes). */
void sk_b32_grouped(const uint8_t bytes[10], char out[20]);

/* fileio.c helpers shared with the bundle writer. */
/* Create "<path>.tmp-XXXXXX" beside path (mode 0600), fill tmp with its name;
 * returns the descriptor or -1 with err filled. */
int sk_temp_beside(const char *path, char *tmp, size_t tmp_size, sk_error *err);
/* fsync the folder that holds path, so a rename into it is durable. */
sk_status sk_fsync_parent(const char *path, sk_error *err);
/* Map errno after a failed write/fsync to SK_ERR_NOSPACE or SK_ERR_IO, with a message. */
sk_status sk_write_error(sk_error *err, const char *path, int errnum);

#endif
