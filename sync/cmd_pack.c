/* cmd_pack.c - survey-sync pack FORM --key study.key --out F.pack [--strict]:
 * check the questionnaire (same messages and warnings as check), then sign
 * a pack with the file's exact bytes and the pictures its labels show (from
 * FORM-media/ beside it, as ODK lays them out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "serve.h"
#include "sk/form.h"
#include "sk/pack.h"

static const char usage[] =
    "pack FORM --key study.key --out F.pack [--passphrase-file F] [--strict] "
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

/* The pictures the form shows, from FORM-media/ beside it (ODK's layout),
 * as pack attachments.  A picture that is missing was a warning of the
 * form's load and is left out.  Returns 0, or 1 after printing an error. */
static int collect_media(const char *form_path, const sk_form *form, sk_pack_file **out,
                         size_t *n_out)
{
    sk_error err;
    sk_error_clear(&err);
    char **names = NULL;
    size_t n = 0;
    *out = NULL;
    *n_out = 0;
    if (sk_form_media(form, &names, &n, &err) != SK_OK)
        return sync_fail(&err);
    char *dir = sk_form_media_dir(form_path);
    sk_pack_file *files = calloc(n ? n : 1, sizeof *files);
    if (!dir || !files) {
        free(dir);
        free(files);
        sk_form_media_free(names, n);
        return sync_failf("out of memory reading the pictures of %s", form_path);
    }
    size_t got = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (access(path, F_OK) != 0)
            continue; /* warned about by the load */
        if (sk_read_file(path, FORM_FILE_MAX, &files[got].bytes, &files[got].len, &err) != SK_OK) {
            rc = sync_fail(&err);
            break;
        }
        files[got].name = names[i];
        names[i] = NULL;
        got++;
    }
    free(dir);
    sk_form_media_free(names, n);
    *out = files;
    *n_out = got;
    return rc;
}

static void free_media(sk_pack_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++) {
        free(files[i].name);
        free(files[i].bytes);
    }
    free(files);
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
                     const char *out_path, const char *pass_file, const sk_pack_extras *delivery)
{
    sk_error err;
    sk_error_clear(&err);
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (sk_read_file(form_path, FORM_FILE_MAX, &bytes, &len, &err) != SK_OK)
        return sync_fail(&err);
    sk_pack_file *media = NULL;
    size_t n_media = 0;
    if (collect_media(form_path, form, &media, &n_media) != 0) {
        free_media(media, n_media);
        free(bytes);
        return 1;
    }
    char *pass = NULL;
    size_t pass_len = 0;
    if (sync_passphrase(pass_file, 0, &pass, &pass_len) != 0) {
        free_media(media, n_media);
        free(bytes);
        return 1;
    }
    sk_study_key *key = NULL;
    sk_status st = sk_study_key_load(key_path, pass, pass_len, &key, &err);
    sync_passphrase_free(pass);
    sk_pack_extras extras = *delivery;
    extras.attachments = media;
    extras.n_attachments = n_media;
    if (st == SK_OK)
        st = sk_pack_write_with(out_path, key, form->id, form->version, form->title,
                                form->source_name, bytes, len, &extras, &err);
    sk_study_key_free(key);
    free_media(media, n_media);
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
    if (pack->n_attachments) {
        printf("  attachments: %zu (", pack->n_attachments);
        for (size_t i = 0; i < pack->n_attachments; i++)
            printf("%s%s", i ? ", " : "", pack->attachments[i].name);
        printf(")\n");
    }
    if (pack->delivery.url)
        printf("  kiosks deliver to: %s\n", pack->delivery.url);
    sk_pack_free(pack);
    return 0;
}

int cmd_pack(int argc, char **argv)
{
    const char *form_path = NULL, *key_path = NULL, *out_path = NULL, *pass_file = NULL;
    const char *deliver_to = NULL, *server_dir = NULL;
    int strict = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
            continue;
        }
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
    sk_pack_extras delivery = {0};
    uint8_t pin[32], receipt_pk[32];
    if (deliver_to && delivery_extras(deliver_to, server_dir, pin, receipt_pk, &delivery) != 0)
        return 1;
    sk_form *form = NULL;
    sk_diags diags;
    sk_error err;
    sk_diags_init(&diags);
    sk_error_clear(&err);
    sk_status st = sk_form_load(form_path, &form, &diags, &err);
    int rc;
    if (st == SK_OK) {
        rc = sync_form_warnings(form_path, form, strict, "pack");
        if (rc == 0)
            rc = sign_pack(form_path, form, key_path, out_path, pass_file, &delivery);
    }
    else if (st == SK_ERR_INVALID)
        rc = report_problems(form_path, &diags);
    else
        rc = sync_fail(&err);
    sk_form_free(form);
    sk_diags_free(&diags);
    return rc;
}
