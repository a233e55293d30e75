/* sk/receipt.h - the delivery server's receipt key and the receipts it signs.
 *
 * `survey-sync serve` answers every bundle it has merged with a receipt: the
 * record ids of that bundle the central store now holds, signed by the
 * server's own Ed25519 key.  A kiosk marks a record "delivered" only when a
 * receipt that verifies with the key its (signed) pack names lists it, so
 * nobody who can only intercept or fake the network can make a kiosk believe
 * records arrived.  Byte layouts: docs/FORMATS.md, "Receipts" and "The
 * server's receipt key".
 */
#ifndef SK_RECEIPT_H
#define SK_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/record.h"

#define SK_RECEIPT_VERSION 1
#define SK_SERVER_KEY_FILE "receipt.key"  /* secret, mode 0600 */
#define SK_SERVER_PUB_FILE "receipt.pub"
#define SK_SERVER_KEY_ID_SIZE 8
/* The most record ids one receipt lists (a bundle sent by a kiosk holds far
 * fewer; the bound keeps a reader's memory small whatever a server sends). */
#define SK_RECEIPT_IDS_MAX 1000000u

/* The server's receipt key; lives in guarded memory (sodium_malloc). */
typedef struct sk_server_key sk_server_key;

/* Make DIR/receipt.key (0600) and DIR/receipt.pub.  SK_ERR_EXISTS when
 * either exists (nothing is replaced).  pk_out (may be NULL) gets the public
 * key.  The secret is wiped from memory before returning. */
sk_status sk_server_key_init(const char *dir, uint8_t pk_out[32], sk_error *err);
/* Load DIR/receipt.key.  SK_ERR_FORMAT for a file that is not one, SK_ERR_IO
 * when it is readable by others than its owner (mode wider than 0600). */
sk_status sk_server_key_load(const char *dir, sk_server_key **out, sk_error *err);
void sk_server_key_free(sk_server_key *key);  /* wipes; NULL is a no-op */
void sk_server_key_pk(const sk_server_key *key, uint8_t pk[32]);
/* Read DIR/receipt.pub. */
sk_status sk_server_pub_load(const char *dir, uint8_t pk[32], sk_error *err);
/* The first 8 bytes of BLAKE2b-256(pk): names the key inside a receipt. */
void sk_server_key_id(const uint8_t pk[32], uint8_t id[SK_SERVER_KEY_ID_SIZE]);

typedef struct sk_receipt {
    uint8_t version;
    uint8_t key_id[SK_SERVER_KEY_ID_SIZE];
    uint8_t device_id[SK_DEVICE_ID_SIZE];
    uint8_t bundle_digest[32];   /* BLAKE2b-256 of the bundle file as received */
    int64_t time_ms;             /* the server's clock when it signed */
    size_t n_ids;
    uint8_t (*ids)[SK_RECORD_ID_SIZE]; /* ascending, no repeats; malloc'd */
} sk_receipt;

/* Sign a receipt.  ids (n of them, any order, repeats allowed) are sorted
 * and de-duplicated into it.  *out is malloc'd (*len bytes). */
sk_status sk_receipt_make(const sk_server_key *key, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                          const uint8_t bundle_digest[32], int64_t time_ms,
                          const uint8_t (*ids)[SK_RECORD_ID_SIZE], size_t n, uint8_t **out,
                          size_t *len, sk_error *err);
/* Check a receipt with the server key the pack names: SK_ERR_FORMAT when it
 * is not a receipt or is truncated, SK_ERR_UNSUPPORTED for a newer version,
 * SK_ERR_AUTH when it was signed by another key or altered.  *out set only on
 * success (release with sk_receipt_clear). */
sk_status sk_receipt_verify(const uint8_t *buf, size_t len, const uint8_t server_pk[32],
                            sk_receipt *out, sk_error *err);
void sk_receipt_clear(sk_receipt *r);  /* NULL is a no-op */
/* true when the receipt lists id (binary search). */
int sk_receipt_has(const sk_receipt *r, const uint8_t id[SK_RECORD_ID_SIZE]);

#endif
