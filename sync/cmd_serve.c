/* cmd_serve.c - survey-sync serve: kiosks deliver bundles over the network.
 *
 *   survey-sync serve --init DIR [--host NAME]...
 *       make the server folder: DIR/receipt.key (0600) and receipt.pub, the
 *       server's Ed25519 key that signs receipts, and DIR/cert.pem +
 *       DIR/tls.key (0600), a self-signed TLS certificate.  Prints the
 *       certificate pin.  `pack --deliver-to URL --server-dir DIR` puts the
 *       pin and the receipt key into the survey pack.
 *   survey-sync serve --store STORE --listen HOST:PORT --server-dir DIR
 *       [--study study.pub] [--insecure-http] [--max-bundle-mb N]
 *       [--max-connections N] [--max-per-ip N] [--idle-timeout S]
 *       [--request-timeout S] [--device-rate N]
 *       serve POST /v1/bundles until SIGINT/SIGTERM (serve_http.c).
 *
 * Exit 0 after a clean stop, 1 when the server could not start, 2 usage. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "cmd.h"
#include "serve.h"
#include "sk/cstore.h"
#include "sk/keys.h"
#include "sk/receipt.h"

static const char usage[] =
    "serve --store STORE --listen HOST:PORT --server-dir DIR [--study study.pub] "
    "[--insecure-http] [--max-bundle-mb N] [--max-connections N] [--max-per-ip N] "
    "[--idle-timeout S] [--request-timeout S] [--device-rate N]\n"
    "       survey-sync serve --init DIR [--host NAME]...";

#define MAX_HOSTS 16

static int init_dir(const char *dir, const char *const *hosts, size_t n_hosts)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sync_failf("%s: cannot create the folder: %s", dir, strerror(errno));
    sk_error err;
    uint8_t pk[32], pin[32];
    if (sk_server_key_init(dir, pk, &err) != SK_OK)
        return sync_fail(&err);
    if (serve_tls_init(dir, hosts, n_hosts, pin, &err) != SK_OK)
        return sync_fail(&err);
    char pin64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(pin64, sizeof pin64, pin, sizeof pin, sodium_base64_VARIANT_ORIGINAL);
    char pkhex[65];
    sk_hex(pk, 32, pkhex);
    printf("%s/%s: the server's receipt key (secret: keep it here, back it up)\n", dir,
           SK_SERVER_KEY_FILE);
    printf("%s/%s: its public half %s\n", dir, SK_SERVER_PUB_FILE, pkhex);
    printf("%s/%s and %s: a self-signed TLS certificate, pin sha256//%s\n", dir, SERVE_CERT_FILE,
           SERVE_TLS_KEY_FILE, pin64);
    printf("next: survey-sync pack FORM --key study.key --out F.pack --deliver-to "
           "https://HOST:PORT --server-dir %s\n",
           dir);
    return 0;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

int cmd_serve(int argc, char **argv)
{
    const char *store = NULL, *listen = NULL, *dir = NULL, *init = NULL, *study_path = NULL;
    const char *hosts[MAX_HOSTS];
    size_t n_hosts = 0;
    serve_config cfg = {.max_body = 64ull << 20, .max_connections = 256, .max_per_ip = 0,
                        .idle_timeout_s = 60, .request_timeout_s = 900, .device_rate = 30};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long n = 0;
        if (strcmp(a, "--insecure-http") == 0) {
            cfg.insecure_http = true;
            continue;
        }
        if (!v)
            return sync_usage(usage);
        i++;
        if (strcmp(a, "--store") == 0)
            store = v;
        else if (strcmp(a, "--listen") == 0)
            listen = v;
        else if (strcmp(a, "--server-dir") == 0)
            dir = v;
        else if (strcmp(a, "--init") == 0)
            init = v;
        else if (strcmp(a, "--study") == 0)
            study_path = v;
        else if (strcmp(a, "--host") == 0 && n_hosts < MAX_HOSTS)
            hosts[n_hosts++] = v;
        else if (strcmp(a, "--max-bundle-mb") == 0 && parse_uint(v, 4096, &n) && n > 0)
            cfg.max_body = n << 20;
        else if (strcmp(a, "--max-connections") == 0 && parse_uint(v, 10000, &n) && n > 0)
            cfg.max_connections = (unsigned)n;
        else if (strcmp(a, "--max-per-ip") == 0 && parse_uint(v, 10000, &n))
            cfg.max_per_ip = (unsigned)n;
        else if (strcmp(a, "--idle-timeout") == 0 && parse_uint(v, 86400, &n) && n > 0)
            cfg.idle_timeout_s = (unsigned)n;
        else if (strcmp(a, "--request-timeout") == 0 && parse_uint(v, 86400, &n) && n > 0)
            cfg.request_timeout_s = (unsigned)n;
        else if (strcmp(a, "--device-rate") == 0 && parse_uint(v, 1000000, &n))
            cfg.device_rate = (unsigned)n;
        else
            return sync_usage(usage);
    }
    if (init) {
        if (store || listen || dir)
            return sync_usage(usage);
        return init_dir(init, hosts, n_hosts);
    }
    if (!store || !listen || !dir)
        return sync_usage(usage);
    cfg.listen = listen;
    cfg.dir = dir;

    /* Every thread (libmicrohttpd's, the merge's) inherits this mask, so the
     * signals reach serve_run's sigwait and nothing else. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    sk_error err;
    sk_server_key *key = NULL;
    if (sk_server_key_load(dir, &key, &err) != SK_OK)
        return sync_fail(&err);
    sk_study_pub study;
    if (study_path && sk_study_pub_load(study_path, &study, &err) != SK_OK) {
        sk_server_key_free(key);
        return sync_fail(&err);
    }
    sk_cstore *cs = NULL;
    if (sk_cstore_open(store, &cs, &err) != SK_OK) {
        sk_server_key_free(key);
        return sync_fail(&err);
    }
    int rc = 0;
    if (study_path && sk_cstore_pin_study(cs, &study, &err) != SK_OK)
        rc = sync_fail(&err);
    if (rc == 0 && serve_run(&cfg, cs, key, &err) != 0)
        rc = sync_fail(&err);
    sk_cstore_close(cs);
    sk_server_key_free(key);
    return rc;
}
