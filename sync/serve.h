/* serve.h - survey-sync serve's parts: the server folder (serve_dir.c:
 * the TLS certificate and its pin, made with GnuTLS) and the HTTPS endpoint
 * (serve_http.c, libmicrohttpd).  App code: errors are sk_error, printed by
 * cmd_serve.c. */
#ifndef SYNC_SERVE_H
#define SYNC_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/cstore.h"
#include "sk/error.h"
#include "sk/receipt.h"

#define SERVE_CERT_FILE "cert.pem"
#define SERVE_TLS_KEY_FILE "tls.key"  /* secret, mode 0600 */

/* Make DIR/cert.pem (self-signed, ECDSA P-256, 10 years, subject names the
 * host names given) and DIR/tls.key (0600).  SK_ERR_EXISTS when either
 * exists.  pin gets SHA-256 of the certificate's SubjectPublicKeyInfo. */
sk_status serve_tls_init(const char *dir, const char *const *hosts, size_t n_hosts,
                         uint8_t pin[32], sk_error *err);
/* SHA-256 of the SubjectPublicKeyInfo (DER) of the certificate at path: the
 * pin a pack carries (curl's "sha256//" pin is its base64). */
sk_status serve_tls_pin(const char *cert_path, uint8_t pin[32], sk_error *err);

typedef struct serve_config {
    const char *listen;          /* HOST:PORT (PORT 0: any free port) */
    const char *dir;             /* the server folder (keys, certificate, spool/) */
    bool insecure_http;
    uint64_t max_body;           /* bytes; larger uploads are refused with 413 */
    unsigned max_connections;
    unsigned max_per_ip;         /* 0: no limit (a reverse proxy is one address) */
    unsigned idle_timeout_s;     /* a connection that sends nothing for this long is closed */
    unsigned request_timeout_s;  /* a request that takes longer than this is refused */
    unsigned device_rate;        /* uploads per device per minute */
} serve_config;

/* Run until SIGINT or SIGTERM.  Prints "listening on URL" on stdout once
 * ready and one log line per request on stderr.  Returns 0, or 1 with err
 * filled when the server could not start. */
int serve_run(const serve_config *cfg, sk_cstore *cs, const sk_server_key *key, sk_error *err);

#endif
