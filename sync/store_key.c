/* store_key.c - what export and report both need: first an existing central
 * store (never created here) and the study key, unlocked with the passphrase;
 * last, warnings for the records they could not read.  status and devices
 * share the existing-store check. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"
#include "term.h"

int sync_no_store(const char *store)
{
    char *shown = sk_cstore_display_name(store), *word = sk_cstore_shell_name(store);
    int rc = sync_failf("%s: no such store; merge bundles into it first "
                        "(survey-sync merge --store %s FILE...)",
                        shown ? shown : "the store", word ? word : "STORE");
    free(shown);
    free(word);
    return rc;
}

int sync_open_existing_store(const char *store, sk_cstore **cs)
{
    if (!sk_cstore_is_url(store) && access(store, F_OK) != 0)
        return sync_no_store(store);
    sk_error err;
    sk_status st = sk_cstore_open_existing(store, cs, &err);
    if (st == SK_ERR_STATE) /* a database or file without a store in it */
        return sync_no_store(store);
    return st == SK_OK ? 0 : sync_fail(&err);
}

int sync_open_store_and_key(const char *store, const char *key_path, const char *pass_file,
                            const char *nothing_done, sk_cstore **cs, sk_study_key **key)
{
    if (!sk_cstore_is_url(store) && access(store, F_OK) != 0)
        return sync_no_store(store);
    sk_error err;
    char *pass = NULL;
    size_t pass_len = 0;
    if (sync_passphrase(pass_file, 0, &pass, &pass_len) != 0)
        return 1;
    sk_status st = sk_study_key_load(key_path, pass, pass_len, key, &err);
    sync_passphrase_free(pass);
    if (st != SK_OK) {
        if (st == SK_ERR_PASSPHRASE)
            return sync_failf("%s: wrong passphrase; %s", key_path, nothing_done);
        return sync_fail(&err);
    }
    if (sync_open_existing_store(store, cs) != 0) {
        sk_study_key_free(*key);
        *key = NULL;
        return 1;
    }
    return 0;
}

void sync_warn_unreadable(const sk_unreadable_list *skipped)
{
    for (size_t i = 0; i < skipped->n; i++) {
        const sk_unreadable *u = &skipped->items[i];
        fprintf(stderr, "survey-sync: warning: skipped record %s (device %s, seq %llu, %s, form ",
                u->record_id, u->device_id, (unsigned long long)u->seq, sk_rec_kind_name(u->kind));
        term_put(stderr, u->form_id);
        fputs(" v", stderr);
        term_put(stderr, u->form_version);
        fputs("): ", stderr);
        term_put(stderr, u->reason);
        fputc('\n', stderr);
    }
}
