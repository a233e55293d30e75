/* sk/keys.h - the study key (researcher) and its public half (travels in packs).
 *
 * A study key is an X25519 key pair (records are sealed to it) and an Ed25519
 * key pair (packs are signed with it).  study.key holds the secret halves
 * encrypted under a passphrase (Argon2id + XChaCha20-Poly1305); study.pub holds
 * the public halves.  Byte layouts: docs/FORMATS.md.
 */
#ifndef SK_KEYS_H
#define SK_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"

typedef struct sk_study_pub {
    uint8_t box_pk[32];   /* X25519: records are sealed to this */
    uint8_t sign_pk[32];  /* Ed25519: packs are signed by this */
} sk_study_pub;

typedef struct sk_study_key {
    sk_study_pub pub;
    uint8_t box_sk[32];
    uint8_t sign_sk[64];
} sk_study_key;

/* A kiosk's own Ed25519 key pair: it signs every record the kiosk writes and
 * every bundle it exports.  `sk` is libsodium's 64-byte secret key (seed ||
 * pk).  Kept in guarded memory by its owner. */
typedef struct sk_device_key {
    uint8_t pk[32];
    uint8_t sk[64];
} sk_device_key;

/* "K7QF-3M9X-T2RD-8HWA"-style, easy to read aloud and compare; NUL-terminated. */
#define SK_FINGERPRINT_SIZE 24

/* Make a new study key: DIR/study.key (mode 0600, encrypted under passphrase)
 * and DIR/study.pub.  Creates DIR if needed.  Refuses (SK_ERR_EXISTS) when
 * either file exists; writes both durably or neither.  pub_out may be NULL. */
sk_status sk_study_keygen(const char *dir, const char *passphrase, size_t pass_len,
                          sk_study_pub *pub_out, sk_error *err);

/* Decrypt a study.key.  SK_ERR_PASSPHRASE for a wrong passphrase, SK_ERR_FORMAT
 * for a file that is not a study key, SK_ERR_AUTH when it is damaged.
 * *out (set only on success) lives in guarded memory: free with sk_study_key_free. */
sk_status sk_study_key_load(const char *path, const char *passphrase, size_t pass_len,
                            sk_study_key **out, sk_error *err);
/* Wipe and free. NULL is a no-op. */
void sk_study_key_free(sk_study_key *key);

/* Read a study.pub (or the public half of a study.key, which stores it in clear). */
sk_status sk_study_pub_load(const char *path, sk_study_pub *out, sk_error *err);

/* The fingerprint of a study's public keys. */
void sk_study_fingerprint(const sk_study_pub *pub, char out[SK_FINGERPRINT_SIZE]);

/* A fingerprint is 10 bytes shown as 16 base32 symbols.  Decode one typed by
 * a person (case, dashes and spaces ignored, O/I/L read as 0/1/1, as for
 * withdrawal codes).  false when it cannot be one; out set only on success. */
#define SK_FINGERPRINT_BYTES 10
bool sk_fingerprint_decode(const char *typed, uint8_t out[SK_FINGERPRINT_BYTES]);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void sk_hex(const uint8_t *bytes, size_t n, char *out);
/* Parse exactly 2n hex digits; returns SK_ERR_FORMAT otherwise. */
sk_status sk_unhex(const char *hex, uint8_t *bytes, size_t n);

/* Write data to path atomically and durably: a temporary file in the same
 * folder, fsync, rename, fsync the folder.  mode for the new file.  With
 * no_replace, refuses (SK_ERR_EXISTS) when path exists.  SK_ERR_NOSPACE when
 * the disk is full; nothing is left behind on failure. */
sk_status sk_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                               int no_replace, sk_error *err);
/* Read a whole file (at most max bytes, else SK_ERR_FORMAT). *data is malloc'd. */
sk_status sk_read_file(const char *path, size_t max, uint8_t **data, size_t *len, sk_error *err);

#endif
