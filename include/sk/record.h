/* sk/record.h - sealed records, withdrawal codes and signed withdrawals.
 *
 * A record is a clear header (only what merging needs) and a payload (the
 * answers JSON, see sk/answers.h) encrypted with a fresh key that is sealed to
 * the study's X25519 key; the header is the AEAD's associated data.  The
 * writing kiosk signs every record with its device key (format v2), so a
 * record carries its proof into any bundle or store it is copied to.  The
 * kiosk can seal but never open.  Byte layout: docs/FORMATS.md.
 */
#ifndef SK_RECORD_H
#define SK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/keys.h"

typedef enum sk_rec_kind {
    SK_REC_CONSENT = 1,     /* the consent section of a finished sitting */
    SK_REC_RESPONSE = 2,    /* the questionnaire answers of a finished sitting */
    SK_REC_INCOMPLETE = 3,  /* abandoned (idle, admin) or recovered after a crash */
    SK_REC_DECLINED = 4,    /* the participant chose not to take part */
    SK_REC_DRAFT = 5        /* a sitting in progress: never leaves the kiosk */
} sk_rec_kind;

#define SK_RECORD_ID_SIZE 16
#define SK_DEVICE_ID_SIZE 8
#define SK_TAG_SIZE 16
#define SK_FORM_ID_MAX 64       /* bytes, without NUL */
#define SK_FORM_VERSION_MAX 32

typedef struct sk_record_header {
    uint8_t version;                        /* record format version */
    uint8_t kind;                           /* sk_rec_kind */
    uint8_t record_id[SK_RECORD_ID_SIZE];   /* random */
    uint8_t device_id[SK_DEVICE_ID_SIZE];
    uint64_t seq;                           /* per-device 1, 2, 3, ...; 0 for drafts */
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
    uint8_t withdraw_tag[SK_TAG_SIZE];      /* sk_wcode_tag of the sitting's code; zeros = none */
} sk_record_header;

/* Seal payload under h (version is set by this call) to the study key and
 * sign the result with the device key; h->device_id must be the id of
 * device->pk (SK_ERR_ARG otherwise).  *out is malloc'd, owned by the caller;
 * out-parameters are set only on success. */
sk_status sk_record_seal(const sk_record_header *h, const sk_study_pub *study,
                         const sk_device_key *device, const void *payload, size_t len,
                         uint8_t **out, size_t *out_len, sk_error *err);

/* A sitting's draft key: saving an answer re-seals the whole draft, and an
 * X25519 sealed box per save would be most of a save's cost.  The drafts of one
 * sitting therefore share one payload key, sealed to the study once; each save
 * still gets a fresh random nonce, and the record format is unchanged (every
 * draft carries the same sealed key).  Final records always get a fresh key.
 * Lives in guarded memory; sk_draft_key_free wipes it.  NULL is a no-op. */
typedef struct sk_draft_key {
    uint8_t key[32];
    uint8_t sealed[80];       /* crypto_box_seal of key to the study's box_pk */
} sk_draft_key;
sk_status sk_draft_key_new(const sk_study_pub *study, sk_draft_key **out, sk_error *err);
void sk_draft_key_free(sk_draft_key *dk);
/* As sk_record_seal for a DRAFT record (h->kind must be SK_REC_DRAFT). */
sk_status sk_record_seal_draft(const sk_record_header *h, const sk_draft_key *dk,
                               const sk_device_key *device, const void *payload, size_t len,
                               uint8_t **out, size_t *out_len, sk_error *err);

/* Make an INCOMPLETE record from a sealed DRAFT the kiosk can no longer read
 * (crash recovery): the draft blob becomes the payload of a record with
 * header h.  sk_record_open unwraps it. */
sk_status sk_record_wrap_draft(const sk_record_header *h, const sk_study_pub *study,
                               const sk_device_key *device, const uint8_t *draft,
                               size_t draft_len, uint8_t **out, size_t *out_len, sk_error *err);

/* Read the clear header without any key.  SK_ERR_FORMAT when malformed. */
sk_status sk_record_header_parse(const uint8_t *blob, size_t len, sk_record_header *out,
                                 sk_error *err);

/* Check a record's device signature with the public key of the device its
 * header names.  No study key needed: the central store verifies every record
 * it takes, from a bundle or from another store.  SK_ERR_MISMATCH when
 * device_pk is not the key of the header's device id, SK_ERR_AUTH when the
 * signature does not verify, SK_ERR_FORMAT / SK_ERR_UNSUPPORTED when the
 * record cannot be parsed. */
sk_status sk_record_verify(const uint8_t *blob, size_t len, const uint8_t device_pk[32],
                           sk_error *err);

/* Open with the study key: verifies the header, decrypts, unwraps a wrapped
 * draft.  (It does not check the device signature: see sk_record_verify.)  *payload is NUL-terminated, release with sk_secret_free.
 * SK_ERR_AUTH when the record was altered or sealed to another study. */
sk_status sk_record_open(const uint8_t *blob, size_t len, const sk_study_key *key,
                         sk_record_header *hdr, char **payload, size_t *payload_len,
                         sk_error *err);

/* Withdrawal codes: at least 60 bits, grouped for reading off a screen,
 * no ambiguous characters (e.g. "K7QF-3M9X-T2RD-8H").  NUL-terminated. */
#define SK_WCODE_SIZE 24
void sk_wcode_generate(char out[SK_WCODE_SIZE]);
/* Accept a code typed by a person (any case, with or without separators or
 * spaces) and write its canonical grouped form.  false when it cannot be a code. */
bool sk_wcode_normalize(const char *typed, char out[SK_WCODE_SIZE]);
/* The tag stored in record headers: a keyed hash of the canonical code. */
void sk_wcode_tag(const char *canonical, uint8_t tag[SK_TAG_SIZE]);

const char *sk_rec_kind_name(int kind);    /* "consent", "response", ... */

/* A withdrawal statement: "the sitting with this tag is withdrawn", signed by
 * the study key, so that a withdrawal can travel from store to store and no
 * one without the study key can withdraw anything.  96 bytes
 * (docs/FORMATS.md, "Withdrawal statements"). */
#define SK_WITHDRAWAL_SIZE 96
void sk_withdrawal_sign(const sk_study_key *key, const uint8_t tag[SK_TAG_SIZE], int64_t time_ms,
                        uint8_t out[SK_WITHDRAWAL_SIZE]);
/* Verify with the study's public key; on success *tag and *time_ms (either may
 * be NULL) are set.  SK_ERR_FORMAT for bytes that are not a statement,
 * SK_ERR_UNSUPPORTED for a newer version, SK_ERR_AUTH when the signature is
 * not the study's. */
sk_status sk_withdrawal_verify(const uint8_t *bytes, size_t len, const sk_study_pub *study,
                               uint8_t tag[SK_TAG_SIZE], int64_t *time_ms, sk_error *err);

#endif
