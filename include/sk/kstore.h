/* sk/kstore.h - the kiosk's durable store (DIR/kiosk.db).
 *
 * Everything a participant gives is sealed to the study key before it reaches
 * this store and committed durably at once (SQLite WAL, synchronous=FULL).
 * The store holds the device identity, the installed packs, the sealed drafts
 * of sittings in progress and the finished records with their per-device
 * sequence numbers.  It never holds a plaintext answer.
 */
#ifndef SK_KSTORE_H
#define SK_KSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/answers.h"
#include "sk/error.h"
#include "sk/pack.h"
#include "sk/record.h"

typedef struct sk_kstore sk_kstore;
typedef struct sk_sitting sk_sitting;

typedef struct sk_kstore_counts {
    uint64_t finished;       /* response records (completed sittings) */
    uint64_t consents;       /* consent records */
    uint64_t incomplete;     /* abandoned or recovered sittings */
    uint64_t declined;       /* declined consent */
    uint64_t not_exported;   /* records not yet written to any bundle */
    uint64_t in_progress;    /* drafts (0 or 1 when one kiosk process runs) */
} sk_kstore_counts;

/* Open (creating DIR and kiosk.db on first use, with a new device identity).
 * Any draft left by a crash becomes an INCOMPLETE record here.
 * *out set only on success. */
sk_status sk_kstore_open(const char *dir, sk_kstore **out, sk_error *err);
void sk_kstore_close(sk_kstore *ks);   /* NULL is a no-op */

const char *sk_kstore_device_id(const sk_kstore *ks);    /* 16 lowercase hex digits */
const char *sk_kstore_device_label(const sk_kstore *ks); /* "" until set */
sk_status sk_kstore_set_label(sk_kstore *ks, const char *label, sk_error *err);

/* Verify and install a pack file.  Refuses a pack whose signature does not
 * verify (SK_ERR_AUTH), a truncated one (SK_ERR_FORMAT), one signed by another
 * study than the packs already installed (SK_ERR_MISMATCH).  A newer version
 * of a form becomes current; records of older versions are kept.
 * *installed (may be NULL) receives the parsed pack (sk_pack_free). */
sk_status sk_kstore_install_pack(sk_kstore *ks, const char *path, sk_pack **installed,
                                 sk_error *err);
/* The pack installed last (the one the kiosk shows); SK_ERR_STATE when none. */
sk_status sk_kstore_current_pack(sk_kstore *ks, sk_pack **out, sk_error *err);

sk_status sk_kstore_counts_get(sk_kstore *ks, sk_kstore_counts *out, sk_error *err);

/* Sittings.  Start takes the current pack's form id and version and sets the
 * sitting id and started time in *draft (the caller's answers).
 * Each save seals the whole draft and replaces the previous sealed draft in
 * one durable transaction.  finish/decline/abandon write the final records
 * with the next sequence numbers and delete the draft atomically, then free the
 * sitting; on failure the sitting stays open and the call may be retried. */
sk_status sk_kstore_sitting_start(sk_kstore *ks, sk_answers *draft, sk_sitting **out,
                                  sk_error *err);
sk_status sk_sitting_save(sk_sitting *s, const sk_answers *draft, sk_error *err);
/* Writes a CONSENT record (the consent-section answers) when there are any and
 * a RESPONSE record (the rest), both tagged with a new withdrawal code, which
 * is written to code (may be NULL when the form shows no code). */
sk_status sk_sitting_finish(sk_sitting *s, const sk_answers *draft, char code[SK_WCODE_SIZE],
                            sk_error *err);
/* A DECLINED record with the consent answers given so far. */
sk_status sk_sitting_decline(sk_sitting *s, const sk_answers *draft, sk_error *err);
/* An INCOMPLETE record with everything so far (idle timeout, admin). */
sk_status sk_sitting_abandon(sk_sitting *s, const sk_answers *draft, sk_error *err);

/* Write a bundle of the records not yet exported (all records with all) into
 * outdir, named by sk_bundle_file_name, signed by the device key.  Marks them
 * exported only after the file is durably in place.  With nothing to export,
 * returns SK_OK with *n_records 0 and writes no file.  path_out (may be NULL)
 * receives the file's path (size bytes). */
sk_status sk_kstore_export(sk_kstore *ks, const char *outdir, bool all, char *path_out,
                           size_t size, uint64_t *n_records, sk_error *err);

/* The admin PIN (Argon2id hash in the store). */
bool sk_kstore_has_pin(sk_kstore *ks);
sk_status sk_kstore_set_pin(sk_kstore *ks, const char *pin, sk_error *err);
sk_status sk_kstore_check_pin(sk_kstore *ks, const char *pin, bool *ok, sk_error *err);

/* Small non-secret settings (idle timeout override, text size, theme, ...).
 * get: *value malloc'd, or NULL when unset. */
sk_status sk_kstore_get_setting(sk_kstore *ks, const char *key, char **value, sk_error *err);
sk_status sk_kstore_set_setting(sk_kstore *ks, const char *key, const char *value, sk_error *err);

#endif
