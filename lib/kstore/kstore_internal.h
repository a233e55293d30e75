/* kstore_internal.h - shared between the kiosk store's files (internal).
 *
 * kiosk.db schema (user_version 3; a version-1 store gains the two pin_ columns,
 * a version-2 store the delivery columns and table):
 *   device    one row: device id (hex), Ed25519 key pair, label, admin PIN hash,
 *             wrong PINs in a row and the end of the current PIN delay (ms)
 *   packs     every pack installed, byte for byte; the current one is the last installed
 *   settings  small non-secret key/value settings
 *   drafts    the sealed draft of each sitting in progress (at most one per sitting)
 *   records   finished records with their per-device sequence number (the primary key),
 *             when they were exported and when a server's receipt named them (delivered_ms)
 *   delivery  one row: the last delivery try, its error, failures in a row
 * The device's secret key is stored in clear: the kiosk must sign bundles unattended,
 * and it protects the integrity of bundles, not the answers (those are sealed to the
 * study key, which the kiosk never holds).  That is why kiosk.db, -wal and -shm
 * are mode 0600 (sk_kstore_open).
 * DIR/kiosk.lock (kstore_lock.c) is the one-process-per-folder lock, taken
 * before kiosk.db is opened and dropped after it is closed.
 */
#ifndef SK_KSTORE_INTERNAL_H
#define SK_KSTORE_INTERNAL_H

#include <sqlite3.h>

#include "sk/bundle.h"
#include "sk/kstore.h"

#define KSTORE_SCHEMA_VERSION 3

struct sk_kstore {
    sqlite3 *db;
    char path[4096];
    char device_hex[2 * SK_DEVICE_ID_SIZE + 1];
    uint8_t device_id[SK_DEVICE_ID_SIZE];
    char label[SK_LABEL_MAX + 1];
    sk_device_key *key;      /* sodium_malloc'd */
    bool has_study;          /* a pack is installed: study is its public key */
    sk_study_pub study;
    sqlite3_stmt *save_stmt;  /* the draft upsert, prepared once: it runs at every answer */
    int lock_fd;              /* DIR/kiosk.lock with our flock, or -1 (opened PIN-only) */
    bool shared_lock;         /* lock_fd is the kiosk's, handed to its delivery helper */
};

/* sqlite result -> status with a sentence naming the store. */
sk_status ks_db_error(sk_kstore *ks, int rc, const char *doing, sk_error *err);
/* Run SQL without results. */
sk_status ks_exec(sk_kstore *ks, const char *sql, const char *doing, sk_error *err);
/* Prepare or fail with a message. */
sk_status ks_prepare(sk_kstore *ks, const char *sql, sqlite3_stmt **st, sk_error *err);
/* The next sequence number (inside a write transaction). */
sk_status ks_next_seq(sk_kstore *ks, uint64_t *seq, sk_error *err);
/* Insert a sealed record row. */
sk_status ks_insert_record(sk_kstore *ks, const sk_record_header *h, const uint8_t *blob,
                           size_t len, sk_error *err);
/* Turn drafts left by a crash into INCOMPLETE records (kstore_sitting.c). */
sk_status ks_recover_drafts(sk_kstore *ks, sk_error *err);
/* Take DIR/kiosk.lock (kstore_lock.c), waiting up to wait_ms; sets ks->lock_fd.
 * When another process holds it: SK_ERR_STATE with "another survey-kiosk is
 * using DIR (pid N); close it first" and *busy true. */
sk_status ks_lock_take(sk_kstore *ks, const char *dir, int64_t wait_ms, bool *busy, sk_error *err);
/* Share the lock a kiosk handed down as fd (open opts share_lock); sets
 * ks->lock_fd and ks->shared_lock. */
sk_status ks_lock_share(sk_kstore *ks, const char *dir, int fd, sk_error *err);
/* Drop the lock (after kiosk.db is closed). */
void ks_lock_release(sk_kstore *ks);
/* SK_OK when ks holds the folder's lock itself (not shared); else
 * SK_ERR_STATE saying it cannot `doing`. */
sk_status ks_need_lock(const sk_kstore *ks, const char *doing, sk_error *err);
/* Load the study key of the installed packs into ks (kstore_pack.c). */
sk_status ks_load_study(sk_kstore *ks, sk_error *err);

#endif
