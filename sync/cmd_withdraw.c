/* cmd_withdraw.c - survey-sync withdraw: remove a participant's sitting.
 *
 *   survey-sync withdraw --store central.db --key study.key [--passphrase-file F] CODE
 *
 * CODE is the withdrawal code from the thank-you screen, in any case, with or
 * without dashes or spaces.  The withdrawal is signed with the study key, so
 * that only the research team can withdraw and the withdrawal can travel to
 * other stores.  Prints how many records were removed.  Exit 0, 1 for an
 * unknown code (nothing changes), 2 usage. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/keys.h"
#include "sk/record.h"

static const char usage[] =
    "withdraw --store central.db --key study.key [--passphrase-file F] CODE";

int cmd_withdraw(int argc, char **argv)
{
    const char *store = NULL, *typed = NULL, *key_path = NULL, *pass_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store = argv[++i];
        else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
            pass_file = argv[++i];
        else if (!typed && (argv[i][0] != '-' || argv[i][1] == '\0'))
            typed = argv[i];
        else
            return sync_usage(usage);
    }
    if (!store || !typed || !key_path)
        return sync_usage(usage);
    char code[SK_WCODE_SIZE];
    if (!sk_wcode_normalize(typed, code))
        return sync_failf("'%s' is not a withdrawal code (16 letters and digits, like "
                          "K7QF-3M9X-T2RD-8HWA); check the code",
                          typed);
    sk_error err;
    sk_cstore *cs = NULL;
    sk_study_key *key = NULL;
    if (sync_open_store_and_key(store, key_path, pass_file, "nothing was withdrawn", &cs, &key) != 0)
        return 1;
    uint64_t removed = 0;
    sk_status st = sk_cstore_withdraw(cs, key, code, &removed, &err);
    sk_study_key_free(key);
    sk_cstore_close(cs);
    if (st != SK_OK)
        return sync_fail(&err);
    printf("withdrawal code %s: %llu record%s removed; later merges will not bring %s back\n",
           code, (unsigned long long)removed, removed == 1 ? "" : "s",
           removed == 1 ? "it" : "them");
    return 0;
}
