/* cmd_keygen.c - survey-sync keygen --out DIR [--passphrase-file F]:
 * make DIR/study.key (encrypted) and DIR/study.pub, print the fingerprint. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "sk/keys.h"

static const char usage[] = "keygen --out DIR [--passphrase-file F]";

int cmd_keygen(int argc, char **argv)
{
    const char *dir = NULL, *pass_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
            pass_file = argv[++i];
        else
            return sync_usage(usage);
    }
    if (!dir)
        return sync_usage(usage);
    char *pass = NULL;
    size_t pass_len = 0;
    if (sync_passphrase(pass_file, 1, &pass, &pass_len) != 0)
        return 1;
    sk_study_pub pub;
    sk_error err;
    sk_error_clear(&err);
    sk_status st = sk_study_keygen(dir, pass, pass_len, &pub, &err);
    sync_passphrase_free(pass);
    if (st != SK_OK)
        return sync_fail(&err);
    char fp[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&pub, fp);
    printf("study key:   %s/study.key (secret: keep it and its passphrase safe)\n", dir);
    printf("public key:  %s/study.pub\n", dir);
    printf("fingerprint: %s\n", fp);
    return 0;
}
