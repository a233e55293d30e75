/* sk/bundle.h - signed kiosk bundles: the records a kiosk exports, plus the
 * packs they were collected with, signed by the device's Ed25519 key.
 *
 * Reading is two passes over the file so that memory stays flat for any size:
 * sk_bundle_reader_open authenticates the whole file before anything in it is
 * parsed; the items are then streamed, the bytes hashed again, and
 * sk_bundle_reader_close fails (SK_ERR_AUTH) if they differ from what was
 * authenticated, so a caller that commits only after a successful close never
 * takes in a byte that was not signed.  Byte layout: docs/FORMATS.md.
 */
#ifndef SK_BUNDLE_H
#define SK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/keys.h"
#include "sk/record.h"


#define SK_LABEL_MAX 64

/* The device id that belongs to a device public key: the first 8 bytes of
 * BLAKE2b-256(pk) (docs/FORMATS.md).  A kiosk makes its id with this;
 * sk_bundle_writer_open refuses (SK_ERR_ARG) and sk_bundle_reader_open
 * refuses (SK_ERR_AUTH) an id that does not match the key, so nobody can
 * present a key of their own under another device's id.  (Added by crypto.) */
void sk_device_id(const uint8_t device_pk[32], uint8_t id[SK_DEVICE_ID_SIZE]);

/* The device's fingerprint, in the same readable form as the study's
 * ("XXXX-XXXX-XXXX-XXXX", SK_FINGERPRINT_SIZE from sk/keys.h): base32 of the
 * first 10 bytes of BLAKE2b-256(pk), so its first 8 bytes are the device id.
 * The kiosk's admin screen shows it; `survey-sync devices` compares it. */
void sk_device_fingerprint(const uint8_t device_pk[32], char out[SK_FINGERPRINT_SIZE]);

typedef struct sk_bundle_info {
    uint8_t device_id[SK_DEVICE_ID_SIZE];
    uint8_t device_pk[32];
    char device_label[SK_LABEL_MAX + 1];
    int64_t created_ms;
    uint64_t n_records, n_packs;
} sk_bundle_info;

typedef struct sk_bundle_writer sk_bundle_writer;

/* Start writing a bundle to path (through a temporary file beside it). */
sk_status sk_bundle_writer_open(const char *path, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                const char *device_label, const uint8_t device_pk[32],
                                sk_bundle_writer **out, sk_error *err);
/* As sk_bundle_writer_open with the header's created_ms given, so that a
 * caller can name the file after the same time (sk_bundle_file_name). */
sk_status sk_bundle_writer_open_at(const char *path, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                   const char *device_label, const uint8_t device_pk[32],
                                   int64_t created_ms, sk_bundle_writer **out, sk_error *err);
sk_status sk_bundle_writer_add_pack(sk_bundle_writer *w, const uint8_t *pack, size_t len,
                                    sk_error *err);
sk_status sk_bundle_writer_add_record(sk_bundle_writer *w, const uint8_t *record, size_t len,
                                      sk_error *err);
/* Sign with the device key, fsync, rename into place.  Frees w whatever happens. */
sk_status sk_bundle_writer_finish(sk_bundle_writer *w, const sk_device_key *key, sk_error *err);
/* Remove the temporary file and free w. NULL is a no-op. */
void sk_bundle_writer_abort(sk_bundle_writer *w);

typedef enum sk_bundle_item_kind { SK_ITEM_PACK = 1, SK_ITEM_RECORD = 2 } sk_bundle_item_kind;

typedef struct sk_bundle_reader sk_bundle_reader;

/* Authenticate the whole file (pass 1) and, on success, position at the first
 * item.  SK_ERR_FORMAT for a file that is not a bundle or is truncated,
 * SK_ERR_AUTH for any altered byte, SK_ERR_UNSUPPORTED for a newer format. */
sk_status sk_bundle_reader_open(const char *path, sk_bundle_reader **out, sk_bundle_info *info,
                                sk_error *err);
/* Next item: returns 1 with *kind, *data, *len set (data valid until the next
 * call), 0 at the end, -1 on error (err filled). */
int sk_bundle_reader_next(sk_bundle_reader *r, sk_bundle_item_kind *kind, const uint8_t **data,
                          size_t *len, sk_error *err);
/* Confirm the streamed bytes were the authenticated ones; frees r. */
sk_status sk_bundle_reader_close(sk_bundle_reader *r, sk_error *err);
/* Free r without the final check (after an error). NULL is a no-op. */
void sk_bundle_reader_abort(sk_bundle_reader *r);

/* Convenience: the bundle file name for a device ("skb-<device id>-<first>-<last>-<time>.skb"). */
void sk_bundle_file_name(const uint8_t device_id[SK_DEVICE_ID_SIZE], uint64_t first_seq,
                         uint64_t last_seq, int64_t now_ms, char *out, size_t size);

#endif
