/* cmd_pack.c - survey-sync pack FORM --key study.key --out F.pack:
 * check the questionnaire (same messages as check), then sign a pack with
 * the file's exact bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "serve.h"
#include "sk/form.h"
#include "sk/pack.h"

static const char usage[] = "pack FORM --key study.key --out F.pack [--passphrase-file F] "
                            "[--deliver-to https://HOST:PORT --server-dir DIR]";

#define FORM_FILE_MAX (32u << 20)

/* Every problem as FORM:sheet:row[:column]: message, then one closing line. */
static int report_problems(const char *path, const sk_diags *diags)
{
    char line[1200];
    for (size_t i = 0; i < diags->n; i++) {
        sk_error_format(&diags->items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    return sync_failf("%s: %zu problem%s; fix %s and run pack again", path, diags->n,
                      diags->n == 1 ? "" : "s", diags->n == 1 ? "it" : "them");
}

/* --deliver-to URL --server-dir DIR: the server's certificate pin and receipt
 * key, read from the folder `serve --init` made, go into the signed pack. */
static int delivery_extras(const char *url, const char *dir, uint8_t pin[32], uint8_t pk[32],
                           sk_pack_extras *x)
{
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return sync_failf("--deliver-to %s: give the server's address as https://HOST:PORT", url);
    sk_error err;
    char cert[4200];
    snprintf(cert, sizeof cert, "%s/%s", dir, SERVE_CERT_FILE);
    if (serve_tls_pin(cert, pin, &err) != SK_OK || sk_server_pub_load(dir, pk, &err) != SK_OK)
        return sync_fail(&err);
    if (strncmp(url, "http://", 7) == 0)
        fprintf(stderr, "survey-sync: warning: %s is not HTTPS: kiosks will deliver only to a "
                        "server run with --insecure-http (receipts are still checked)\n",
                url);
    x->deliver_url = url;
    x->tls_pin = pin;
    x->receipt_pk = pk;
    return 0;
}

static int sign_pack(const char *form_path, const sk_form *form, const char *key_path,
                     const char *out_path, const char *pass_file, const sk_pack_extras *extras)
{
    sk_error err;
    sk_error_clear(&err);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (sk_read_file(form_path, FORM_FILE_MAX, &bytes, &len, &err) != SK_OK)
        return sync_fail(&err);
    char *pass = NULL;
    size_t pass_len = 0;
    if (sync_passphrase(pass_file, 0, &pass, &pass_len) != 0) {
        free(bytes);
        return 1;
    }
    sk_study_key *key = NULL;
    sk_status st = sk_study_key_load(key_path, pass, pass_len, &key, &err);
    sync_passphrase_free(pass);
    if (st == SK_OK)
        st = sk_pack_write_with(out_path, key, form->id, form->version, form->title,
                                form->source_name, bytes, len, extras, &err);
    sk_study_key_free(key);
    free(bytes);
    if (st != SK_OK)
        return sync_fail(&err);
    sk_pack *pack = NULL;
    if (sk_pack_read(out_path, &pack, &err) != SK_OK)
        return sync_fail(&err);
    char digest[65], fp[SK_FINGERPRINT_SIZE];
    sk_hex(pack->digest, sizeof pack->digest, digest);
    sk_study_fingerprint(&pack->study, fp);
    printf("%s: signed pack of %s (form %s, version %s)\n", out_path, form->source_name, form->id,
           form->version);
    printf("  study fingerprint: %s\n  digest: %s\n", fp, digest);
    if (pack->delivery.url)
        printf("  kiosks deliver to: %s\n", pack->delivery.url);
    sk_pack_free(pack);
    return 0;
}

int cmd_pack(int argc, char **argv)
{
    const char *form_path = NULL, *key_path = NULL, *out_path = NULL, *pass_file = NULL;
    const char *deliver_to = NULL, *server_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--deliver-to") == 0 && i + 1 < argc) {
            deliver_to = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--server-dir") == 0 && i + 1 < argc) {
            server_dir = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out_path = argv[++i];
        else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
            pass_file = argv[++i];
        else if (argv[i][0] != '-' && !form_path)
            form_path = argv[i];
        else
            return sync_usage(usage);
    }
    if (!form_path || !key_path || !out_path || !deliver_to != !server_dir)
        return sync_usage(usage);
    sk_pack_extras extras = {0};
    uint8_t pin[32], receipt_pk[32];
    if (deliver_to && delivery_extras(deliver_to, server_dir, pin, receipt_pk, &extras) != 0)
        return 1;
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    sk_error_clear(&err);
    sk_status st = sk_form_load(form_path, &form, &diags, &err);
    int rc;
    if (st == SK_OK)
        rc = sign_pack(form_path, form, key_path, out_path, pass_file, &extras);
    else if (st == SK_ERR_INVALID)
        rc = report_problems(form_path, &diags);
    else
        rc = sync_fail(&err);
    sk_form_free(form);
    sk_diags_free(&diags);
    return rc;
}
