/* cmd.h - survey-sync's commands, one cmd_<name>() per file, dispatched from
 * the table in main.c (as git's builtin/).  Each returns the exit status:
 * 0 success, 1 failure, 2 usage; status also SYNC_EXIT_GAPS. */
#ifndef SYNC_CMD_H
#define SYNC_CMD_H

#include <stdio.h>

#include "sk/error.h"

/* survey-sync status: the store is readable but some device has gaps (README). */
enum { SYNC_EXIT_GAPS = 3 };

int cmd_keygen(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_withdraw(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* "survey-sync: error: <located message>" on stderr. Returns 1. */
int sync_fail(const sk_error *err);
/* "survey-sync: error: <printf message>" on stderr. Returns 1. */
int sync_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "survey-sync: usage: <text>" on stderr. Returns 2. */
int sync_usage(const char *usage);

/* The study key's passphrase, from --passphrase-file F (if given), else
 * $SURVEY_PASSPHRASE, else a no-echo prompt on the terminal (asked twice when
 * confirm is set).  *out is in guarded memory: release with sync_passphrase_free.
 * Returns 0, or 1 after printing an error. (sync/passphrase.c) */
int sync_passphrase(const char *passphrase_file, int confirm, char **out, size_t *len);
void sync_passphrase_free(char *pass);

struct sk_cstore;
struct sk_study_key;
/* Open an existing central store and unlock the study key (asking for the
 * passphrase).  nothing_done ends the wrong-passphrase message ("nothing was
 * exported").  Returns 0 with *cs and *key set, or 1 after printing an error.
 * (sync/store_key.c) */
int sync_open_store_and_key(const char *store, const char *key_path, const char *pass_file,
                            const char *nothing_done, struct sk_cstore **cs,
                            struct sk_study_key **key);

/* "survey-sync: error: STORE: no such store; merge bundles into it first
 * (survey-sync merge --store STORE FILE...)", the store without its password
 * and quoted for the shell.  Returns 1.  (sync/store_key.c) */
int sync_no_store(const char *store);
/* Open a store that must exist (sk_cstore_open_existing): a missing file or
 * a database without a store gets sync_no_store.  Returns 0 with *cs set, or 1
 * after printing an error.  (sync/store_key.c) */
int sync_open_existing_store(const char *store, struct sk_cstore **cs);

struct sk_unreadable_list;
/* One "survey-sync: warning: ..." line on stderr per record that export or
 * report skipped: device, seq, record id, kind, form and why (escaped: the
 * reason may quote the record).  (sync/store_key.c) */
void sync_warn_unreadable(const struct sk_unreadable_list *skipped);

struct sk_form;
/* Print a loaded form's warnings (FORM:sheet:row[:col]: message) on stderr;
 * with strict and at least one warning, a closing error line naming cmd,
 * and return 1.  Else 0.  (sync/form_warn.c) */
int sync_form_warnings(const char *path, const struct sk_form *form, int strict, const char *cmd);

struct sk_cstore_status;
/* For each new device with held records, one line: its id, label,
 * fingerprint and the command that accepts it.  (sync/cmd_devices.c) */
void sync_print_new_devices(FILE *f, const struct sk_cstore_status *st, const char *store);

#endif
