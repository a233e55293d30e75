/* sk/deliver.h - one delivery to survey-sync serve (libcurl): a bundle of the
 * records not delivered yet goes to POST URL/v1/bundles; the records become
 * delivered only when the answer is a receipt that verifies with the server
 * key the signed pack names, for this device and this very bundle.  The TLS
 * certificate is checked against the pack's pin (SHA-256 of its public key),
 * never against a CA.  Blocking: the kiosk calls it from its delivery thread
 * (kiosk/deliver.c), a script from `survey-kiosk --deliver`.
 *
 * The backoff a caller waits between failed tries: sk_deliver_backoff_ms.
 */
#ifndef SK_DELIVER_H
#define SK_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"
#include "sk/kstore.h"

typedef struct sk_deliver_target {
    const char *url;              /* "https://HOST:PORT" (or http:// for --insecure-http) */
    uint8_t tls_pin[32];          /* SHA-256 of the certificate's SubjectPublicKeyInfo */
    uint8_t receipt_pk[32];       /* the server's receipt key */
} sk_deliver_target;

typedef struct sk_deliver_result {
    uint64_t sent;                /* records in the bundle sent (0: nothing waited) */
    uint64_t delivered;           /* records newly marked delivered */
    bool packs_sent;
    long http_status;             /* 0 when no answer came */
} sk_deliver_result;

/* Records per delivery: small bundles make progress on a poor link (a try
 * cut off loses at most one bundle's worth of sending). */
#define SK_DELIVER_BATCH 200

/* curl_global_init: call once, before any thread starts. */
sk_status sk_deliver_global_init(sk_error *err);

typedef struct sk_deliver_opts {
    size_t max_records;           /* 0: SK_DELIVER_BATCH */
    unsigned timeout_s;           /* the whole request; 0: 15 minutes */
    const volatile int *cancel;   /* non-zero: give up at once (the kiosk is closing); may be NULL */
} sk_deliver_opts;

/* One try (opts may be NULL: the defaults).  On failure err holds
 * a sentence for the admin screen ("cannot reach the server: No route to
 * host", "the server refused the bundle (HTTP 409): ..."), the try is noted
 * in kiosk.db (sk_kstore_outbox_failed) and nothing is marked.  A receipt
 * that does not verify is SK_ERR_AUTH and marks nothing. */
sk_status sk_deliver_once(sk_kstore_outbox *ob, const sk_deliver_target *t,
                          const sk_deliver_opts *opts, sk_deliver_result *res, sk_error *err);

/* The wait after `failures` failed tries in a row: 30 s doubling up to 15
 * min, times a random factor in [0.5, 1.0] (jitter, so that kiosks that lost
 * the server together do not come back together).  base_ms/max_ms 0: those
 * defaults (tests pass shorter ones). */
int64_t sk_deliver_backoff_ms(uint32_t failures, int64_t base_ms, int64_t max_ms);

#endif
