/* cmd_export.c - survey-sync export: the store's records as CSV files.
 *
 *   survey-sync export --store central.db --key study.key --out DIR
 *                      [--labels] [--excel] [--lang CODE] [--passphrase-file F]
 *
 * Prints each file written.  Exit 0 on success, 1 on failure (wrong
 * passphrase, a record that does not open with the key, disk full), 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"

static const char usage[] =
    "export --store central.db --key study.key --out DIR [--labels] [--excel] [--lang CODE] "
    "[--passphrase-file F]";

static void print_file(void *user, const char *path)
{
    (void)user;
    printf("%s\n", path);
}

/* Open an existing store (never create one here) and the study key. */
static int open_store_and_key(const char *store, const char *key_path, const char *pass_file,
                              sk_cstore **cs, sk_study_key **key)
{
    if (access(store, F_OK) != 0)
        return sync_failf("%s: no such store; merge bundles into it first "
                          "(survey-sync merge --store %s FILE...)", store, store);
    sk_error err;
    char *pass = NULL;
    size_t pass_len = 0;
    if (sync_passphrase(pass_file, 0, &pass, &pass_len) != 0)
        return 1;
    sk_status st = sk_study_key_load(key_path, pass, pass_len, key, &err);
    sync_passphrase_free(pass);
    if (st != SK_OK) {
        if (st == SK_ERR_PASSPHRASE)
            return sync_failf("%s: wrong passphrase; nothing was exported", key_path);
        return sync_fail(&err);
    }
    if (sk_cstore_open(store, cs, &err) != SK_OK) {
        sk_study_key_free(*key);
        *key = NULL;
        return sync_fail(&err);
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *store = NULL, *key_path = NULL, *out = NULL, *pass_file = NULL;
    sk_export_opts opts = {.lang = -1, .on_file = print_file};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--store") == 0 && has_value)
            store = argv[++i];
        else if (strcmp(a, "--key") == 0 && has_value)
            key_path = argv[++i];
        else if (strcmp(a, "--out") == 0 && has_value)
            out = argv[++i];
        else if (strcmp(a, "--lang") == 0 && has_value)
            opts.language = argv[++i];
        else if (strcmp(a, "--passphrase-file") == 0 && has_value)
            pass_file = argv[++i];
        else if (strcmp(a, "--labels") == 0)
            opts.labels = true;
        else if (strcmp(a, "--excel") == 0)
            opts.excel_bom = true;
        else
            return sync_usage(usage);
    }
    if (!store || !key_path || !out)
        return sync_usage(usage);

    sk_cstore *cs = NULL;
    sk_study_key *key = NULL;
    int rc = open_store_and_key(store, key_path, pass_file, &cs, &key);
    if (rc)
        return rc;
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        sk_study_key_free(key);
        sk_cstore_close(cs);
        return sync_failf("%s: cannot create the folder: %s", out, strerror(e));
    }
    sk_error err;
    size_t n_files = 0;
    sk_status st = sk_export_csv(cs, key, out, &opts, &n_files, &err);
    sk_study_key_free(key);
    sk_cstore_close(cs);
    if (st != SK_OK)
        return sync_fail(&err);
    fprintf(stderr, "survey-sync: %zu files written to %s\n", n_files, out);
    return 0;
}
