/* sk/cstore.h - the researcher's central store (central.db).
 *
 * Merges signed kiosk bundles and other central stores, idempotently and in
 * any order.  Records stay sealed here; only export/report open them (with the
 * study key).  Each input is merged in one transaction: an interrupted merge
 * leaves the store as it was before that input.
 *
 * Trust (docs/FORMATS.md, "The central store"): a store belongs to one study,
 * pinned at creation (sk_cstore_pin_study) or by the first pack it takes;
 * packs of any other study are refused.  Every record is verified with the
 * key of the device that signed it, whether it comes in a bundle or in
 * another store.  A device is trusted only once the researcher accepts it:
 * until then its records are held (counted, never read by
 * sk_cstore_foreach_record).  Records are keyed by (device, record id): the
 * same key with the same bytes is "already present", with different bytes a
 * conflict, kept aside and never applied.  Withdrawals are signed by the study
 * key and remembered by tag, so an old bundle cannot bring withdrawn records
 * back and nobody without the study key can withdraw anything.
 */
#ifndef SK_CSTORE_H
#define SK_CSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/keys.h"
#include "sk/pack.h"
#include "sk/record.h"

typedef struct sk_cstore sk_cstore;

/* Open or create a store: a SQLite file (WAL), or a PostgreSQL database named
 * by a libpq URI (postgresql://... or postgres://...; an empty database
 * becomes a store, one holding other tables is refused).  *out set only on
 * success.  Errors name the store without its password: SK_ERR_IO (server not
 * running or unreachable), SK_ERR_AUTH (login refused), SK_ERR_NOTFOUND
 * (database missing), SK_ERR_FORMAT (not a store), SK_ERR_UNSUPPORTED (a
 * newer schema, or a build without libpq). */
sk_status sk_cstore_open(const char *path, sk_cstore **out, sk_error *err);
/* Open a store that exists, never making one (status, export, report): as
 * sk_cstore_open, but nothing is created: a missing file is SK_ERR_IO, and a
 * file or PostgreSQL database that holds no store yet is SK_ERR_STATE. */
sk_status sk_cstore_open_existing(const char *path, sk_cstore **out, sk_error *err);
/* True when store names a PostgreSQL store (a postgresql:// or postgres:// URI). */
bool sk_cstore_is_url(const char *store);
/* The store as messages should show it: a URI without its password (the
 * userinfo's and password=...).  malloc'd; NULL when out of memory. */
char *sk_cstore_display_name(const char *store);
/* The display name as one word a POSIX shell reads back unchanged (quoted in
 * '...' when it holds anything but letters, digits and _@%+=:,./-), for
 * hints that print a command to copy (a URI holds ? and &).  malloc'd; NULL
 * when out of memory. */
char *sk_cstore_shell_name(const char *store);
void sk_cstore_close(sk_cstore *cs);  /* NULL is a no-op */

/* The study the store belongs to.  *pinned false (and *out untouched) when
 * no study is pinned yet. */
sk_status sk_cstore_study(sk_cstore *cs, sk_study_pub *out, bool *pinned, sk_error *err);
/* Pin the store to a study (survey-sync merge --study).  SK_OK when it is
 * already pinned to that study; SK_ERR_MISMATCH when pinned to another. */
sk_status sk_cstore_pin_study(sk_cstore *cs, const sk_study_pub *study, sk_error *err);

typedef struct sk_merge_stats {
    uint64_t added;          /* new records of accepted devices */
    uint64_t held;           /* new records of devices not accepted yet (quarantine) */
    uint64_t present;        /* already held, byte for byte */
    uint64_t conflicts;      /* same (device, record id), different bytes: kept aside */
    uint64_t withdrawn;      /* skipped because their sitting was withdrawn */
    uint64_t refused;        /* newer than the last accepted number of a retired device */
    uint64_t packs_added;
    uint64_t withdrawals_added; /* signed withdrawals taken from another store */
    bool pinned;             /* this merge pinned the store to the study of its first pack */
} sk_merge_stats;

/* Progress callback for long merges: done of total items (total 0 = unknown). */
typedef void (*sk_progress_fn)(void *user, uint64_t done, uint64_t total);

/* Merge one input: a bundle file or another central store (chosen by content).
 * The input is authenticated whole before anything is applied; on any error
 * (SK_ERR_FORMAT, SK_ERR_AUTH for a signature that does not verify,
 * SK_ERR_MISMATCH for a pack of another study or a device key that differs
 * from the enrolled one, SK_ERR_STATE for a rejected device, SK_ERR_IO,
 * SK_ERR_NOSPACE) the store is unchanged and stats are not touched.
 * progress may be NULL. */
sk_status sk_cstore_merge(sk_cstore *cs, const char *input, sk_merge_stats *stats,
                          sk_progress_fn progress, void *user, sk_error *err);

/* What became of one record of a bundle (sk_cstore_merge_with's on_record). */
typedef enum sk_merge_outcome {
    SK_MERGED_ADDED = 1,     /* new, of an accepted device */
    SK_MERGED_HELD,          /* new, held until the device is accepted */
    SK_MERGED_PRESENT,       /* held already, byte for byte */
    SK_MERGED_CONFLICT,      /* differs from the copy held: kept aside */
    SK_MERGED_WITHDRAWN,     /* its sitting was withdrawn: not kept, on purpose */
    SK_MERGED_REFUSED        /* newer than a retired device's last accepted number */
} sk_merge_outcome;
typedef void (*sk_record_outcome_fn)(void *user, const uint8_t record_id[SK_RECORD_ID_SIZE],
                                     sk_merge_outcome outcome);

/* An upload that survey-sync serve received: logged in the store (table
 * uploads) in the same transaction as its merge. */
typedef struct sk_upload_note {
    uint8_t digest[32];      /* BLAKE2b-256 of the bundle as received */
    const char *peer;        /* the client's address, for the log */
} sk_upload_note;

typedef struct sk_merge_opts {
    const char *source;      /* the name kept for the input (conflicts, errors); NULL: the path */
    bool bundle_only;        /* refuse anything but a bundle (an upload is never a store) */
    sk_progress_fn progress; /* may be NULL */
    void *user;
    /* Called once per record of a bundle while it merges; the outcomes hold
     * only if the merge then returns SK_OK (else nothing was kept). */
    sk_record_outcome_fn on_record;
    void *record_user;
    const sk_upload_note *upload; /* non-NULL: log the upload */
    /* Filled when a bundle merged: the device it came from (or NULL). */
    uint8_t *device_id_out;  /* SK_DEVICE_ID_SIZE bytes */
} sk_merge_opts;

/* sk_cstore_merge with options (opts NULL: the defaults).  The one code path
 * behind both `survey-sync merge` and `survey-sync serve`: the same
 * authentication before parsing, study pinning, enrolment, quarantine and
 * idempotency, whichever way the bundle came.  With bundle_only, a central
 * store is refused with SK_ERR_FORMAT. */
sk_status sk_cstore_merge_with(sk_cstore *cs, const char *input, const sk_merge_opts *opts,
                               sk_merge_stats *stats, sk_error *err);

/* Uploads per device (survey-sync status): how many bundles serve took from
 * it and when the last one arrived. */
typedef struct sk_upload_row {
    char device_id[2 * SK_DEVICE_ID_SIZE + 1];
    char device_label[65];
    uint64_t uploads, records, added;
    int64_t last_ms;
} sk_upload_row;

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
    char fingerprint[SK_FINGERPRINT_SIZE];  /* "" when enrolled but never seen */
    int state;                              /* sk_device_state */
    uint64_t retired_seq;                   /* SK_DEV_RETIRED: last accepted number */
    uint64_t quarantined;                   /* records held until the device is accepted */
    uint64_t unreadable;                    /* records export/report could not read */
    sk_seq_range *held, *missing;
    size_t n_held, n_missing;
} sk_device_seq;

typedef struct sk_cstore_status {
    bool pinned;
    char study_fp[SK_FINGERPRINT_SIZE];     /* "" when not pinned */
    sk_status_row *rows;                    /* accepted and retired devices only */
    size_t n_rows;
    sk_device_seq *devices;                 /* every device, whatever its state */
    size_t n_devices;
    uint64_t n_withdrawals;
    sk_upload_row *uploads;                 /* devices that delivered through serve */
    size_t n_uploads;
} sk_cstore_status;

/* *out filled on success; release with sk_cstore_status_free. */
sk_status sk_cstore_status_get(sk_cstore *cs, sk_cstore_status *out, sk_error *err);
void sk_cstore_status_free(sk_cstore_status *st);

/* Withdraw the sitting whose code is `canonical` (see sk_wcode_normalize):
 * deletes its records, keeps a withdrawal statement signed with `key` (tag
 * and time, never the code) and refuses its records in later merges.
 * SK_ERR_MISMATCH when key is not the store's study (an unpinned store is
 * pinned to it); SK_ERR_NOTFOUND when no record carries that code (nothing
 * changes).  *n_removed (may be NULL) gets the number removed. */
sk_status sk_cstore_withdraw(sk_cstore *cs, const sk_study_key *key, const char *canonical,
                             uint64_t *n_removed, sk_error *err);

/* Devices: enrolment is the researcher's decision, per store. */
typedef enum sk_device_state {
    SK_DEV_NEW = 0,       /* seen, not accepted: its records are held */
    SK_DEV_ACCEPTED = 1,  /* trusted: its records are exported and reported */
    SK_DEV_REJECTED = 2,  /* refused: held records deleted, later inputs refused */
    SK_DEV_RETIRED = 3    /* lost or stolen: records up to retired_seq stay, newer refused */
} sk_device_state;
const char *sk_device_state_name(int state);   /* "new", "accepted", ... */

/* Find a device by id (16 hex digits, or a unique prefix of at least 4) or by
 * its fingerprint; id_out gets the full id.  SK_ERR_NOTFOUND, or SK_ERR_ARG
 * when a prefix matches several devices. */
sk_status sk_cstore_device_find(sk_cstore *cs, const char *what,
                                char id_out[2 * SK_DEVICE_ID_SIZE + 1], sk_error *err);
/* Enrol a device before its first bundle, by the fingerprint its admin screen
 * shows: it is accepted from the start.  SK_ERR_EXISTS when it is known
 * already; SK_ERR_ARG for text that is not a fingerprint.  label may be NULL. */
sk_status sk_cstore_device_add(sk_cstore *cs, const char *fingerprint, const char *label,
                               char id_out[2 * SK_DEVICE_ID_SIZE + 1], sk_error *err);
/* Accept (its held records become data), reject (its held records are
 * deleted; SK_ERR_STATE for a device accepted already: retire it instead) or
 * retire (its highest number held now is the last accepted, *last_seq gets
 * it; may be NULL).  *n (may be NULL) gets the records released or deleted.
 * SK_ERR_NOTFOUND for an unknown id. */
sk_status sk_cstore_device_accept(sk_cstore *cs, const char *id, uint64_t *n, sk_error *err);
sk_status sk_cstore_device_reject(sk_cstore *cs, const char *id, uint64_t *n, sk_error *err);
sk_status sk_cstore_device_retire(sk_cstore *cs, const char *id, uint64_t *last_seq,
                                  sk_error *err);

/* Export and report note a record they could not read (the reason is a
 * sentence), so that status counts it; noting it again replaces the reason. */
sk_status sk_cstore_note_unreadable(sk_cstore *cs, const uint8_t device_id[SK_DEVICE_ID_SIZE],
                                    const uint8_t record_id[SK_RECORD_ID_SIZE], const char *reason,
                                    sk_error *err);

/* The forms held: every (form id, version) with its pack, only packs signed
 * by `study` (NULL: the pinned study's; export and report pass the key they
 * were given, so a pack of any other study is never used to read data). */
typedef struct sk_cstore_form {
    char form_id[SK_FORM_ID_MAX + 1];
    char form_version[SK_FORM_VERSION_MAX + 1];
    sk_pack *pack;            /* owned by the list */
} sk_cstore_form;
sk_status sk_cstore_forms(sk_cstore *cs, const sk_study_pub *study, sk_cstore_form **out,
                          size_t *n, sk_error *err);
void sk_cstore_forms_free(sk_cstore_form *forms, size_t n);

/* Call fn for every record of an accepted (or retired) device, never
 * withdrawn, conflicting or quarantined ones, of one form version
 * (form_id/version NULL = all), in (device, seq) order, with the sealed blob.  fn returns 0 to go on, non-zero to stop (returned as
 * SK_ERR_STATE unless fn set err). Memory stays flat: rows are streamed. */
typedef int (*sk_record_fn)(void *user, const sk_record_header *h, const uint8_t *blob,
                            size_t len, sk_error *err);
sk_status sk_cstore_foreach_record(sk_cstore *cs, const char *form_id, const char *form_version,
                                   sk_record_fn fn, void *user, sk_error *err);

/* Conflicts kept aside: device and record ids (hex) and the input they came from. */
typedef struct sk_conflict {
    char device_id[2 * SK_DEVICE_ID_SIZE + 1];
    char record_id[2 * SK_RECORD_ID_SIZE + 1];
    char source[256];
} sk_conflict;
sk_status sk_cstore_conflicts(sk_cstore *cs, sk_conflict **out, size_t *n, sk_error *err);

#endif
