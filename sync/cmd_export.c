/* cmd_export.c - survey-sync export: the store's records as CSV, Excel,
 * SPSS and Stata files.
 *
 *   survey-sync export --store central.db --key study.key --out DIR
 *                      [--format csv,xlsx,sav,dta] [--labels] [--excel] [--raw]
 *                      [--lang CODE] [--passphrase-file F]
 *
 * --format takes a comma-separated list (csv when not given); the codebook
 * CSV and unreadable.csv are written whatever the list.
 * Prints each file written.  A record that cannot be read is skipped, named
 * in a warning and in DIR/unreadable.csv, and the export still succeeds.
 * --raw writes text cells exactly as recorded, without the ' that keeps a
 * spreadsheet from running "=..." as a formula.  Answers of identifying
 * questions go only to *_identifiers.csv; free text whose quotation clause
 * was not ticked stays out of *_text.csv, and a line says how many (the
 * codebook says which question and why).  Exit 0 on success, 1 on
 * failure (wrong passphrase, a key of another study, disk full), 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "term.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"

static const char usage[] =
    "export --store central.db --key study.key --out DIR [--format csv,xlsx,sav,dta] "
    "[--labels] [--excel] [--raw] [--lang CODE] [--passphrase-file F]";

static void print_file(void *user, const char *path)
{
    (void)user;
    /* The file names carry the form id and version from the pack. */
    term_put(stdout, path);
    putchar('\n');
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
        else if (strcmp(a, "--format") == 0 && has_value) {
            sk_error err;
            if (sk_export_parse_formats(argv[++i], &opts.formats, &err) != SK_OK) {
                sync_fail(&err);
                return 2;
            }
        } else if (strcmp(a, "--passphrase-file") == 0 && has_value)
            pass_file = argv[++i];
        else if (strcmp(a, "--labels") == 0)
            opts.labels = true;
        else if (strcmp(a, "--excel") == 0)
            opts.excel_bom = true;
        else if (strcmp(a, "--raw") == 0)
            opts.raw = true;
        else
            return sync_usage(usage);
    }
    if (!store || !key_path || !out)
        return sync_usage(usage);

    sk_cstore *cs = NULL;
    sk_study_key *key = NULL;
    int rc = sync_open_store_and_key(store, key_path, pass_file, "nothing was exported", &cs, &key);
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
    sk_unreadable_list skipped = {0};
    size_t left_out = 0;
    opts.unreadable = &skipped;
    opts.quotes_left_out = &left_out;
    sk_status st = sk_export_csv(cs, key, out, &opts, &n_files, &err);
    sk_study_key_free(key);
    sk_cstore_close(cs);
    if (st != SK_OK) {
        sk_unreadable_list_free(&skipped);
        return sync_fail(&err);
    }
    sync_warn_unreadable(&skipped);
    fprintf(stderr, "survey-sync: %zu files written to %s", n_files, out);
    if (skipped.n)
        fprintf(stderr, "; %zu record%s could not be read (see unreadable.csv)", skipped.n,
                skipped.n == 1 ? "" : "s");
    fputc('\n', stderr);
    if (left_out)
        fprintf(stderr,
                "survey-sync: %zu free-text answer%s left out of the *_text.csv files: no "
                "quotation consent in the same sitting (see the note column of the codebook)\n",
                left_out, left_out == 1 ? "" : "s");
    sk_unreadable_list_free(&skipped);
    return 0;
}
