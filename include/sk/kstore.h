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
 * *out set only on success.
 *
 * One process per data folder: before it touches kiosk.db, open takes an
 * exclusive lock on DIR/kiosk.lock (SK_KSTORE_LOCK_FILE: flock(2), the file
 * opened O_CLOEXEC, the holder's pid written into it) and holds it until
 * sk_kstore_close.  While another process (or another open in this one)
 * holds it, open fails with SK_ERR_STATE and the sentence "another
 * survey-kiosk is using DIR (pid N); close it first" (no "(pid N)" if the
 * holder has not written it yet), and touches nothing.  The kernel drops the
 * lock when its holder ends, however it ends (SIGKILL, a power cut): a lock
 * file left behind never blocks.  Only then, under the lock, does any draft
 * left by a crash become an INCOMPLETE record, so recovery can never wrap the
 * live draft of a sitting another process is running.  The lock is advisory
 * (survey-kiosk processes respect it; a file copy does not), and fork(2)
 * shares it with the child: close the store in a child, never reopen it there
 * while the parent has it open. */
#define SK_KSTORE_LOCK_FILE "kiosk.lock"
sk_status sk_kstore_open(const char *dir, sk_kstore **out, sk_error *err);

typedef struct sk_kstore_open_opts {
    /* Wait up to this long for another process to let go of the folder before
     * failing as above (0: at once).  Polled, so a wait ends as soon as the
     * holder exits. */
    int64_t wait_ms;
    /* When another process holds the folder, open it anyway WITHOUT the lock
     * and without recovering drafts, for the admin PIN and settings only
     * (sk_kstore_set_pin: `survey-kiosk --set-pin`, which a kiosk waiting on
     * its set-up screen polls for).  Such a store refuses sittings, installs
     * and exports with SK_ERR_STATE.  When the lock is free it is taken as
     * usual.  An unlocked open of a store that has no device identity yet
     * (the holder is still creating it) fails like a refused lock. */
    bool pin_only;
    /* For survey-kiosk-deliver, the helper process a kiosk starts to deliver
     * (kiosk/deliver.c): share the lock the kiosk holds instead of taking
     * one.  lock_fd is a descriptor of DIR/kiosk.lock the kiosk handed down
     * (sk_kstore_lock_fd); the open fails with SK_ERR_STATE unless it is that
     * very file and the lock is held through it (or free, and then taken
     * through it).  Such a store recovers no drafts (the kiosk's sitting is
     * live), refuses sittings, installs and exports with SK_ERR_STATE, and may
     * deliver (sk_kstore_outbox_open).  Closing it closes lock_fd, which
     * leaves the kiosk's lock in place.  POSIX only. */
    bool share_lock;
    int lock_fd;
} sk_kstore_open_opts;
/* sk_kstore_open with options (opts NULL = sk_kstore_open). */
sk_status sk_kstore_open_with(const char *dir, const sk_kstore_open_opts *opts, sk_kstore **out,
                              sk_error *err);
/* true when ks holds its folder's lock (false only for a pin_only open that
 * found the folder in use). */
bool sk_kstore_locked(const sk_kstore *ks);
/* The descriptor holding the folder's lock (close-on-exec), to hand to a
 * helper process (share_lock above); -1 when ks does not hold it itself. */
int sk_kstore_lock_fd(const sk_kstore *ks);
void sk_kstore_close(sk_kstore *ks);   /* NULL is a no-op; releases the lock last */

const char *sk_kstore_device_id(const sk_kstore *ks);    /* 16 lowercase hex digits */
const char *sk_kstore_device_label(const sk_kstore *ks); /* "" until set */
sk_status sk_kstore_set_label(sk_kstore *ks, const char *label, sk_error *err);

/* Verify and install a pack file (read with sk_read_file: the path is
 * followed like any open(2); see sk_kstore_install_pack_mem for media that
 * must not be trusted that far).  Refuses a pack whose signature does not
 * verify (SK_ERR_AUTH), a truncated one (SK_ERR_FORMAT), one signed by another
 * study than the packs already installed (SK_ERR_MISMATCH).  A newer version
 * of a form becomes current; records of older versions are kept.
 * *installed (may be NULL) receives the parsed pack (sk_pack_free). */
sk_status sk_kstore_install_pack(sk_kstore *ks, const char *path, sk_pack **installed,
                                 sk_error *err);
/* The same from bytes the caller has read (len bytes at bytes, still the
 * caller's); name (may be NULL) is the file named in error messages. */
sk_status sk_kstore_install_pack_mem(sk_kstore *ks, const uint8_t *bytes, size_t len,
                                     const char *name, sk_pack **installed, sk_error *err);
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

/* Delivery to survey-sync serve (the kiosk's background worker, lib/deliver).
 * A record is "delivered" once a receipt signed by the server its pack names
 * listed it (sk_kstore_outbox_delivered); delivery never deletes anything and
 * is independent of USB export (a record may travel both ways; the central
 * store merges it once). */
typedef struct sk_delivery_state {
    uint64_t waiting;            /* records no receipt has named yet */
    uint64_t delivered;          /* records a receipt has named */
    int64_t delivered_up_to_ms;  /* with nothing waiting: when the newest record was made */
    int64_t last_try_ms;         /* 0: never tried */
    int64_t last_ok_ms;          /* the last try that got a receipt */
    uint32_t failures;           /* failed tries in a row (kept across restarts) */
    char last_error[256];        /* "" after a success */
} sk_delivery_state;
sk_status sk_kstore_delivery_state(sk_kstore *ks, sk_delivery_state *out, sk_error *err);

/* The delivery worker's own connection to kiosk.db, for another thread than
 * the one using ks (WAL: the screen's writes and the worker's reads never
 * wait on each other for long).  Open it from the thread that owns ks (it
 * needs the folder's lock, its own or shared: share_lock); ks must outlive
 * it.  *out set only on success. */
typedef struct sk_kstore_outbox sk_kstore_outbox;
sk_status sk_kstore_outbox_open(sk_kstore *ks, sk_kstore_outbox **out, sk_error *err);
void sk_kstore_outbox_close(sk_kstore_outbox *ob);  /* NULL is a no-op */
/* Write a signed bundle (the same format and writer as sk_kstore_export) of
 * at most max_records records not delivered yet, oldest first, with the packs
 * they were collected with unless a receipt already covered those packs, to
 * path (replaced).  *n_records 0 (and no file) when nothing waits.
 * *has_packs (may be NULL) tells whether packs went in. */
sk_status sk_kstore_outbox_bundle(sk_kstore_outbox *ob, const char *path, size_t max_records,
                                  uint64_t *n_records, bool *has_packs, sk_error *err);
struct sk_receipt;
/* A receipt that verified for the bundle just sent (SK_ERR_AUTH when it
 * names another device; nothing is marked then): mark the records it
 * names delivered (and the bundle's packs, when packs_sent), record the try
 * as a success.  *n_marked (may be NULL) gets how many were newly marked. */
sk_status sk_kstore_outbox_delivered(sk_kstore_outbox *ob, const struct sk_receipt *r,
                                     bool packs_sent, int64_t now_ms, uint64_t *n_marked,
                                     sk_error *err);
/* A try that failed: remember when and why (a sentence), count it. */
sk_status sk_kstore_outbox_failed(sk_kstore_outbox *ob, int64_t now_ms, const char *why,
                                  sk_error *err);
/* As sk_kstore_delivery_state, on the worker's connection. */
sk_status sk_kstore_outbox_state(sk_kstore_outbox *ob, sk_delivery_state *out, sk_error *err);
/* The kiosk's data folder (where the worker keeps its outgoing bundle). */
const char *sk_kstore_outbox_dir(const sk_kstore_outbox *ob);

/* The admin PIN: SK_PIN_MIN to SK_PIN_MAX digits, stored as an Argon2id hash.
 *
 * Guessing is slowed by a delay kept in the store (so a restart does not
 * clear it): the first SK_PIN_FREE_TRIES wrong PINs in a row cost nothing;
 * the wrong PIN that reaches SK_PIN_FREE_TRIES starts a delay of
 * SK_PIN_FIRST_DELAY_MS, each further one doubles it, up to
 * SK_PIN_MAX_DELAY_MS.  While a delay runs every PIN is refused without being
 * checked, the right one too.  A right PIN outside a delay resets the count. */
#define SK_PIN_MIN 6
#define SK_PIN_MAX 12
#define SK_PIN_FREE_TRIES 3
#define SK_PIN_FIRST_DELAY_MS ((int64_t)30 * 1000)
#define SK_PIN_MAX_DELAY_MS ((int64_t)15 * 60 * 1000)

typedef struct sk_pin_result {
    bool checked;       /* false: a delay was running and the PIN was not looked at */
    bool accepted;      /* checked and right (the count is now 0) */
    uint32_t failures;  /* wrong PINs in a row after this attempt (0 when accepted) */
    int64_t wait_ms;    /* from now_ms until a PIN is checked again; 0 = at once */
} sk_pin_result;

bool sk_kstore_has_pin(sk_kstore *ks);   /* false also when the store cannot be read */
/* true when pin follows the rules (digits only, SK_PIN_MIN..SK_PIN_MAX). */
bool sk_kstore_pin_valid(const char *pin);
/* Set or replace the PIN (digits only, SK_PIN_MIN..SK_PIN_MAX, else SK_ERR_ARG)
 * and clear the failure count and any delay.  The caller keeps and wipes pin. */
sk_status sk_kstore_set_pin(sk_kstore *ks, const char *pin, sk_error *err);
/* One PIN entry at now_ms (sk_now_ms() on a kiosk; tests pass their own
 * clock).  The attempt is recorded as wrong, durably, before the hash is
 * checked, and cleared when it was right, so stopping the process mid-check
 * gains nothing.  If now_ms is before the stored end of a delay by more than
 * the delay itself (the clock went back), the delay is cut to one full delay
 * from now_ms.  *result is set only on SK_OK.  Errors: SK_ERR_ARG (NULL
 * argument), SK_ERR_STATE (no PIN set), SK_ERR_IO / SK_ERR_NOSPACE / SK_ERR_DB
 * / SK_ERR_FORMAT (the attempt could not be recorded: the PIN counts as not
 * accepted).  pin stays the caller's (wipe it after the call). */
sk_status sk_kstore_pin_attempt(sk_kstore *ks, const char *pin, int64_t now_ms,
                                sk_pin_result *result, sk_error *err);
/* How long from now_ms until a PIN is checked again (0 = no delay), for the
 * keypad screen.  *wait_ms set only on SK_OK; SK_ERR_STATE when no PIN is set. */
sk_status sk_kstore_pin_wait(sk_kstore *ks, int64_t now_ms, int64_t *wait_ms, sk_error *err);
/* The delay that follows `failures` wrong PINs in a row (0, 30 s, 60 s, ... 15 min). */
int64_t sk_kstore_pin_backoff_ms(uint32_t failures);

/* The device's fingerprint, "XXXX-XXXX-XXXX-XXXX" (sk_device_fingerprint of
 * its public key): what `survey-sync devices` shows for this kiosk, for a
 * researcher to compare with the admin screen.  "" when ks is NULL. */
void sk_kstore_device_fingerprint(const sk_kstore *ks, char out[SK_FINGERPRINT_SIZE]);

/* Small non-secret settings (idle timeout override, text size, theme, ...).
 * get: *value malloc'd, or NULL when unset. */
sk_status sk_kstore_get_setting(sk_kstore *ks, const char *key, char **value, sk_error *err);
sk_status sk_kstore_set_setting(sk_kstore *ks, const char *key, const char *value, sk_error *err);

#endif
