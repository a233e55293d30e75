/* deliver.c - one delivery try with libcurl (see sk/deliver.h).  The bundle
 * is written to DIR/outbox.skb (sealed records only, like a USB export),
 * read back, sent, and the answer checked as a receipt before anything is
 * marked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "sk/answers.h"
#include "sk/deliver.h"
#include "sk/keys.h"
#include "sk/receipt.h"

#define ANSWER_MAX ((size_t)64 << 20) /* a receipt of a whole batch is far smaller */

sk_status sk_deliver_global_init(sk_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sk_error_set(err, SK_ERR_IO, "libcurl could not start");
    if (sodium_init() < 0)
        return sk_error_set(err, SK_ERR_IO, "libsodium could not start");
    return SK_OK;
}

int64_t sk_deliver_backoff_ms(uint32_t failures, int64_t base_ms, int64_t max_ms)
{
    if (base_ms <= 0)
        base_ms = 30 * 1000;
    if (max_ms <= 0)
        max_ms = 15 * 60 * 1000;
    if (failures == 0)
        return 0;
    int64_t d = base_ms;
    for (uint32_t i = 1; i < failures && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    /* [d/2, d]: spread out, never longer than the cap. */
    return d / 2 + (int64_t)((uint64_t)randombytes_uniform(1000001) * (uint64_t)(d - d / 2) / 1000000);
}

typedef struct answer {
    uint8_t *data;
    size_t len;
    bool too_long;
} answer;

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
    answer *a = user;
    size_t k = size * n;
    if (a->len + k > ANSWER_MAX) {
        a->too_long = true;
        return 0;
    }
    uint8_t *q = realloc(a->data, a->len + k + 1);
    if (!q)
        return 0;
    memcpy(q + a->len, p, k);
    a->data = q;
    a->len += k;
    a->data[a->len] = 0;
    return k;
}

/* The first line of a refusal, printable characters only, for the screen. */
static void reason_line(const answer *a, char *out, size_t size)
{
    size_t j = 0;
    for (size_t i = 0; a->data && i < a->len && j + 1 < size; i++) {
        unsigned char c = a->data[i];
        if (c == '\n' || c == '\r')
            break;
        out[j++] = (c >= 0x20 && c != 0x7f) ? (char)c : '?';
    }
    out[j] = '\0';
}

/* Send body to t->url/v1/bundles; *status and *ans get the answer. */
static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    const volatile int *cancel = user;
    return cancel && *cancel;
}

static sk_status post(const sk_deliver_target *t, const uint8_t *body, size_t len,
                      unsigned timeout_s, const volatile int *cancel, long *status, answer *ans,
                      sk_error *err)
{
    char url[600], pin[100];
    size_t ul = strlen(t->url);
    snprintf(url, sizeof url, "%.*s/v1/bundles", (int)(ul && t->url[ul - 1] == '/' ? ul - 1 : ul),
             t->url);
    char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, t->tls_pin, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(pin, sizeof pin, "sha256//%s", b64);
    CURL *c = curl_easy_init();
    if (!c)
        return sk_error_set(err, SK_ERR_NOMEM, "libcurl could not start a request");
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/vnd.survey-kiosk.bundle");
    hdr = curl_slist_append(hdr, "Expect:"); /* no 100-continue round trip on a slow link */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* a thread of its own */
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, ans);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)(timeout_s ? timeout_s : 900));
    /* A link that carries nothing for five minutes is given up (and
     * retried).  Not less: on a slow link the whole bundle sits in the
     * kernel's socket buffer at once and curl sees no progress while it
     * drains and the server merges. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 300L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "survey-kiosk");
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cancel);
    /* The pin stands in for a CA: the server's certificate is self-signed,
     * and what must match is its public key, the one the signed pack names.
     * libcurl checks the pin even with peer verification off. */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, pin);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK)
        return SK_OK;
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return sk_error_set(err, SK_ERR_AUTH,
                            "the server's certificate is not the one the survey pack names; "
                            "nothing was sent (check the server address)");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return sk_error_set(err, SK_ERR_IO, "cannot reach the server: %s", detail);
    case CURLE_ABORTED_BY_CALLBACK:
        return sk_error_set(err, SK_ERR_IO, "the delivery was stopped (the kiosk is closing)");
    case CURLE_OPERATION_TIMEDOUT:
        return sk_error_set(err, SK_ERR_IO, "the server did not answer in time: %s", detail);
    default:
        return sk_error_set(err, SK_ERR_IO, "the delivery failed: %s", detail);
    }
}

/* The answer to the bundle we sent (digest) must be a receipt for it. */
static sk_status check_receipt(sk_kstore_outbox *ob, const sk_deliver_target *t,
                               const answer *ans, const uint8_t digest[32], bool packs_sent,
                               sk_deliver_result *res, sk_error *err)
{
    sk_receipt r;
    sk_status st = sk_receipt_verify(ans->data, ans->len, t->receipt_pk, &r, err);
    if (st != SK_OK)
        return st;
    if (memcmp(r.bundle_digest, digest, 32) != 0) {
        sk_receipt_clear(&r);
        return sk_error_set(err, SK_ERR_AUTH,
                            "the server's receipt is for another bundle; nothing was marked "
                            "delivered");
    }
    uint64_t n = 0;
    st = sk_kstore_outbox_delivered(ob, &r, packs_sent, sk_now_ms(), &n, err);
    sk_receipt_clear(&r);
    if (st == SK_OK)
        res->delivered = n;
    return st;
}

sk_status sk_deliver_once(sk_kstore_outbox *ob, const sk_deliver_target *t,
                          const sk_deliver_opts *opts, sk_deliver_result *res, sk_error *err)
{
    static const sk_deliver_opts defaults;
    if (!opts)
        opts = &defaults;
    size_t max_records = opts->max_records;
    if (!ob || !t || !t->url || !res)
        return sk_error_set(err, SK_ERR_ARG, "sk_deliver_once: NULL argument");
    sk_deliver_result out = {0};
    char path[4200];
    snprintf(path, sizeof path, "%s/outbox.skb", sk_kstore_outbox_dir(ob));
    bool packs = false;
    sk_status st = sk_kstore_outbox_bundle(ob, path, max_records ? max_records : SK_DELIVER_BATCH,
                                           &out.sent, &packs, err);
    if (st != SK_OK || out.sent == 0) {
        if (st == SK_OK)
            *res = out;
        return st;
    }
    out.packs_sent = packs;
    uint8_t *body = NULL;
    size_t len = 0;
    st = sk_read_file(path, (size_t)1 << 31, &body, &len, err);
    remove(path); /* rebuilt at every try: a record delivered meanwhile is not resent */
    if (st != SK_OK)
        return st;
    uint8_t digest[32];
    crypto_generichash(digest, sizeof digest, body, len, NULL, 0);
    answer ans = {0};
    st = post(t, body, len, opts->timeout_s, opts->cancel, &out.http_status, &ans, err);
    free(body);
    if (st == SK_OK && out.http_status != 200) {
        char why[300];
        reason_line(&ans, why, sizeof why);
        st = sk_error_set(err, out.http_status >= 500 ? SK_ERR_IO : SK_ERR_STATE,
                          "the server refused the bundle (HTTP %ld)%s%s", out.http_status,
                          why[0] ? ": " : "", why);
    }
    if (st == SK_OK && ans.too_long)
        st = sk_error_set(err, SK_ERR_FORMAT, "the server's answer is far too long for a receipt");
    if (st == SK_OK)
        st = check_receipt(ob, t, &ans, digest, packs, &out, err);
    free(ans.data);
    if (st != SK_OK) {
        char msg[600];
        sk_error_format(err, msg, sizeof msg);
        sk_error e2;
        sk_kstore_outbox_failed(ob, sk_now_ms(), msg, &e2); /* best effort: the try failed anyway */
        return st;
    }
    *res = out;
    return SK_OK;
}
