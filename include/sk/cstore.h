/* sk/cstore.h - the researcher's central store (central.db).
 *
 * Merges signed kiosk bundles and other central stores, idempotently and in
 * any order.  Records stay sealed here; only export/report open them (with the
 * study key).  Each input is merged in one transaction: an interrupted merge
 * leaves the store as it was before that input.  Device keys are pinned on
 * first sight.  Same record id with the same bytes is "already present"; with
 * different bytes it is a conflict, kept in a side table and never applied.
 * Withdrawals are remembered by tag, so an old bundle cannot bring withdrawn
 * records back.
 */
#ifndef SK_CSTORE_H
#define SK_CSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/pack.h"
#include "sk/record.h"

typedef struct sk_cstore sk_cstore;

/* Open or create (WAL).  *out set only on success. */
sk_status sk_cstore_open(const char *path, sk_cstore **out, sk_error *err);
void sk_cstore_close(sk_cstore *cs);  /* NULL is a no-op */

typedef struct sk_merge_stats {
    uint64_t added;          /* new records */
    uint64_t present;        /* already held, byte for byte */
    uint64_t conflicts;      /* same record id, different bytes: kept aside */
    uint64_t withdrawn;      /* skipped because their sitting was withdrawn */
    uint64_t packs_added;
} sk_merge_stats;

/* Progress callback for long merges: done of total items (total 0 = unknown). */
typedef void (*sk_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Merge one input: a bundle file or another central store (chosen by content).
 * The input is authenticated whole before anything is applied; on any error
 * (SK_ERR_FORMAT, SK_ERR_AUTH, SK_ERR_MISMATCH for a device key that differs
 * from the pinned one, SK_ERR_IO, SK_ERR_NOSPACE) the store is unchanged and
 * stats are not touched.  progress may be NULL. */
sk_status sk_cstore_merge(sk_cstore *cs, const char *input, sk_merge_stats *stats,
                          sk_progress_fn progress, void *user, sk_error *err);

/* Status: one row per (study, form id, version, device). */
typedef struct sk_status_row {
    char study_fp[SK_FINGERPRINT_SIZE];
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
    char device_id[2 * SK_DEVICE_ID_SIZE + 1];
    char device_label[65];
    uint64_t finished, consents, incomplete, declined, withdrawn, conflicts;
    int64_t last_import_ms;
} sk_status_row;

/* A device's sequence numbers (over all its forms): ranges held and missing.
 * Each range is [first, last]. */
typedef struct sk_seq_range { uint64_t first, last; } sk_seq_range;
typedef struct sk_device_seq {
    char device_id[2 * SK_DEVICE_ID_SIZE + 1];
    char device_label[65];
    sk_seq_range *held, *missing;
    size_t n_held, n_missing;
} sk_device_seq;

typedef struct sk_cstore_status {
    sk_status_row *rows;
    size_t n_rows;
    sk_device_seq *devices;
    size_t n_devices;
    uint64_t n_withdrawals;
} sk_cstore_status;

/* *out filled on success; release with sk_cstore_status_free. */
sk_status sk_cstore_status_get(sk_cstore *cs, sk_cstore_status *out, sk_error *err);
void sk_cstore_status_free(sk_cstore_status *st);

/* Withdraw the sitting whose code is `canonical` (see sk_wcode_normalize):
 * deletes its records, keeps an audit entry (tag and time), and refuses its
 * records in later merges.  SK_ERR_NOTFOUND when no record carries that code
 * (nothing changes). *n_removed (may be NULL) gets the number removed. */
sk_status sk_cstore_withdraw(sk_cstore *cs, const char *canonical, uint64_t *n_removed,
                             sk_error *err);

/* The forms held: every (form id, version) with its pack. */
typedef struct sk_cstore_form {
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
    sk_pack *pack;            /* owned by the list */
} sk_cstore_form;
sk_status sk_cstore_forms(sk_cstore *cs, sk_cstore_form **out, size_t *n, sk_error *err);
void sk_cstore_forms_free(sk_cstore_form *forms, size_t n);

/* Call fn for every held record (never withdrawn or conflicting ones) of one
 * form version (form_id/version NULL = all), in (device, seq) order, with the
 * sealed blob.  fn returns 0 to go on, non-zero to stop (returned as
 * SK_ERR_STATE unless fn set err). Memory stays flat: rows are streamed. */
typedef int (*sk_record_fn)(void *user, const sk_record_header *h, const uint8_t *blob,
                            size_t len, sk_error *err);
sk_status sk_cstore_foreach_record(sk_cstore *cs, const char *form_id, const char *form_version,
                                   sk_record_fn fn, void *user, sk_error *err);

/* Conflicts kept aside: record ids (hex) and the input they came from. */
typedef struct sk_conflict { char record_id[2 * SK_RECORD_ID_SIZE + 1]; char source[256]; } sk_conflict;
sk_status sk_cstore_conflicts(sk_cstore *cs, sk_conflict **out, size_t *n, sk_error *err);

#endif
