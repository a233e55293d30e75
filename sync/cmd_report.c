/* cmd_report.c - survey-sync report: frequencies as a self-contained HTML
 * page, or as plain text on the terminal.
 *
 *   survey-sync report --store central.db --key study.key
 *                      (--out report.html | --text) [--by QUESTION] [--lang CODE]
 *                      [--passphrase-file F]
 *
 * A response that cannot be read is left out of the counts, named in a
 * warning and listed in the report itself; the report is still made.
 * Answers of identifying questions are never shown; free text of a question
 * with quote_consent is listed only where that clause was ticked in the same
 * sitting, with "N answers left out" and why (docs/XLSFORM.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "sk/answers.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"

static const char usage[] =
    "report --store central.db --key study.key (--out report.html | --text) [--by QUESTION] "
    "[--lang CODE] [--passphrase-file F]";

int cmd_report(int argc, char **argv)
{
    const char *store = NULL, *key_path = NULL, *out = NULL, *pass_file = NULL;
    sk_report_opts opts = {.lang = -1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--store") == 0 && has_value)
            store = argv[++i];
        else if (strcmp(a, "--key") == 0 && has_value)
            key_path = argv[++i];
        else if (strcmp(a, "--out") == 0 && has_value)
            out = argv[++i];
        else if (strcmp(a, "--by") == 0 && has_value)
            opts.by = argv[++i];
        else if (strcmp(a, "--lang") == 0 && has_value)
            opts.language = argv[++i];
        else if (strcmp(a, "--passphrase-file") == 0 && has_value)
            pass_file = argv[++i];
        else if (strcmp(a, "--text") == 0)
            opts.text = true;
        else
            return sync_usage(usage);
    }
    if (!store || !key_path || (!out == !opts.text))
        return sync_usage(usage);

    sk_cstore *cs = NULL;
    sk_study_key *key = NULL;
    int rc = sync_open_store_and_key(store, key_path, pass_file, "no report was made", &cs, &key);
    if (rc)
        return rc;
    sk_error err;
    char *report = NULL;
    size_t len = 0;
    sk_unreadable_list skipped = {0};
    opts.unreadable = &skipped;
    sk_status st = sk_report(cs, key, &opts, &report, &len, &err);
    sk_study_key_free(key);
    sk_cstore_close(cs);
    if (st == SK_OK)
        sync_warn_unreadable(&skipped);
    /* sk_report_write lets the umask decide the mode: the report holds
     * participants' answers. */
    if (st == SK_OK && out)
        st = sk_report_write(out, report, len, &err);
    else if (st == SK_OK && fwrite(report, 1, len, stdout) != len)
        st = sk_error_set(&err, SK_ERR_IO, "cannot write the report to standard output");
    /* The report holds participants' free text. */
    sk_secret_free(report, len);
    size_t n_skipped = skipped.n;
    sk_unreadable_list_free(&skipped);
    if (st != SK_OK)
        return sync_fail(&err);
    if (out)
        fprintf(stderr, "survey-sync: report written to %s%s", out, n_skipped ? "; " : "\n");
    else if (n_skipped)
        fprintf(stderr, "survey-sync: ");
    if (n_skipped)
        fprintf(stderr, "%zu record%s could not be read (listed in the report)\n", n_skipped,
                n_skipped == 1 ? "" : "s");
    return 0;
}
