/* serve_http.c - survey-sync serve's endpoint: POST /v1/bundles.
 *
 * libmicrohttpd, one thread per connection (a slow kiosk on a bad link holds
 * its own thread, never another's), TLS through GnuTLS unless
 * --insecure-http.  The body is spooled to a temporary file in DIR/spool
 * (hashed on the way: the receipt names the bundle by its digest) and then
 * merged with sk_cstore_merge_with, the same function `survey-sync merge`
 * uses, under one lock (one SQLite writer).  The answer is a receipt signed
 * by the server's key listing the record ids of the bundle the store now
 * accounts for (docs/FORMATS.md, "Receipts").
 *
 * Limits: Content-Length required (411) and at most max_body (413); a
 * request that takes longer than request_timeout is cut off; idle
 * connections are closed by libmicrohttpd; at most max_connections at once
 * (and max_per_ip); a device that delivered device_rate bundles in the last
 * minute gets 429 with Retry-After.  Every refusal is a 4xx (or 5xx for the
 * server's own trouble) with a sentence, and one log line on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "serve.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/keys.h"

#define RATE_SLOTS 1024 /* devices remembered for the rate limit */

typedef struct rate_slot {
    uint8_t device[SK_DEVICE_ID_SIZE];
    int64_t window_start_ms;
    unsigned count;
    bool used;
} rate_slot;

typedef struct server {
    const serve_config *cfg;
    sk_cstore *cs;
    const sk_server_key *key;
    pthread_mutex_t store_lock; /* one merge at a time: one SQLite writer */
    pthread_mutex_t rate_lock;
    rate_slot rates[RATE_SLOTS];
    char spool[4200];
} server;

/* One request in progress. */
typedef struct upload {
    int fd;
    char path[4300];
    uint64_t expected, received;
    int64_t start_ms;
    crypto_generichash_state hash;
    uint8_t head[16];            /* the bundle's first bytes: magic, version, device id */
    int refuse_code;             /* set: answer this once the body is in */
    char reason[300];
    char peer[64];
} upload;

static void logf_(const char *peer, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(const char *peer, const char *fmt, ...)
{
    char when[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line so that lines from several threads never interleave. */
    fprintf(stderr, "survey-sync serve: %s %s %s\n", when, peer, line);
}

static void peer_name(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, size, "-");
    if (!ci || !ci->client_addr)
        return;
    char host[INET6_ADDRSTRLEN] = "";
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host, sizeof host);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host,
                  sizeof host);
    snprintf(out, size, "%s", host);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned code, const char *type,
                               const void *body, size_t len, unsigned retry_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (retry_after) {
        char v[16];
        snprintf(v, sizeof v, "%u", retry_after);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* A refusal: the status, a sentence for the client and the log. */
static enum MHD_Result refuse(struct MHD_Connection *c, const char *peer, unsigned code,
                              unsigned retry_after, const char *reason)
{
    logf_(peer, "POST /v1/bundles -> %u: %s", code, reason);
    char body[600];
    int n = snprintf(body, sizeof body, "%s\n", reason);
    return respond(c, code, "text/plain; charset=utf-8", body,
                   n < 0 ? 0 : (size_t)n < sizeof body ? (size_t)n : sizeof body - 1, retry_after);
}

/* Count an upload against the device's budget; false when it is spent. */
static bool rate_allow(server *s, const uint8_t device[SK_DEVICE_ID_SIZE], bool charge)
{
    if (s->cfg->device_rate == 0)
        return true;
    int64_t now = sk_now_ms();
    uint8_t h[8];
    crypto_generichash(h, sizeof h, device, SK_DEVICE_ID_SIZE, NULL, 0);
    size_t slot = (((size_t)h[0] << 8) | h[1]) % RATE_SLOTS;
    pthread_mutex_lock(&s->rate_lock);
    rate_slot *r = &s->rates[slot];
    if (!r->used || memcmp(r->device, device, SK_DEVICE_ID_SIZE) != 0 ||
        now - r->window_start_ms >= 60000) {
        /* A new minute (or another device in this slot: it starts afresh). */
        memcpy(r->device, device, SK_DEVICE_ID_SIZE);
        r->window_start_ms = now;
        r->count = 0;
        r->used = true;
    }
    bool ok = r->count < s->cfg->device_rate;
    if (ok && charge)
        r->count++;
    pthread_mutex_unlock(&s->rate_lock);
    return ok;
}

/* Collects the record ids a merge accounted for, for the receipt. */
typedef struct id_list {
    uint8_t (*ids)[SK_RECORD_ID_SIZE];
    size_t n, cap;
    bool failed;
} id_list;

static void note_record(void *user, const uint8_t id[SK_RECORD_ID_SIZE], sk_merge_outcome o)
{
    id_list *l = user;
    /* Refused records (a retired device's newer ones) are not held: the kiosk
     * keeps them as waiting.  Everything else is held or accounted for. */
    if (o == SK_MERGED_REFUSED || l->failed)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        void *p = realloc(l->ids, cap * SK_RECORD_ID_SIZE);
        if (!p) {
            l->failed = true;
            return;
        }
        l->ids = p;
        l->cap = cap;
    }
    memcpy(l->ids[l->n++], id, SK_RECORD_ID_SIZE);
}

static unsigned http_code(sk_status st)
{
    switch (st) {
    case SK_ERR_FORMAT:
    case SK_ERR_AUTH:
    case SK_ERR_UNSUPPORTED:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;   /* 422: not a bundle we can take */
    case SK_ERR_MISMATCH:
        return MHD_HTTP_CONFLICT;               /* 409: another study, another key */
    case SK_ERR_STATE:
        return MHD_HTTP_FORBIDDEN;              /* 403: a rejected device */
    case SK_ERR_NOSPACE:
        return MHD_HTTP_INSUFFICIENT_STORAGE;   /* 507 */
    default:
        return MHD_HTTP_SERVICE_UNAVAILABLE;    /* 503: try again later */
    }
}

/* The whole body is in: merge it and answer with a receipt. */
static enum MHD_Result finish_upload(server *s, struct MHD_Connection *c, upload *u)
{
    uint8_t digest[32];
    crypto_generichash_final(&u->hash, digest, sizeof digest);
    if (close(u->fd) != 0) {
        u->fd = -1;
        return refuse(c, u->peer, MHD_HTTP_SERVICE_UNAVAILABLE, 60,
                      "the server could not keep the upload; try again later");
    }
    u->fd = -1;
    sk_upload_note note = {.peer = u->peer};
    memcpy(note.digest, digest, sizeof digest);
    char source[200];
    snprintf(source, sizeof source, "upload from %s", u->peer);
    uint8_t device[SK_DEVICE_ID_SIZE] = {0};
    id_list ids = {0};
    sk_merge_opts opts = {.source = source, .bundle_only = true, .on_record = note_record,
                          .record_user = &ids, .upload = &note, .device_id_out = device};
    sk_merge_stats stats;
    sk_error err;
    sk_error_clear(&err);
    pthread_mutex_lock(&s->store_lock);
    sk_status st = sk_cstore_merge_with(s->cs, u->path, &opts, &stats, &err);
    pthread_mutex_unlock(&s->store_lock);
    if (st == SK_OK && ids.failed)
        st = sk_error_set(&err, SK_ERR_NOMEM, "out of memory listing the records");
    enum MHD_Result ret;
    if (st != SK_OK) {
        char msg[1200];
        sk_error_format(&err, msg, sizeof msg);
        unsigned code = http_code(st);
        ret = refuse(c, u->peer, code, code >= 500 ? 60 : 0, msg);
    } else {
        rate_allow(s, device, true);
        uint8_t *receipt = NULL;
        size_t len = 0;
        st = sk_receipt_make(s->key, device, digest, sk_now_ms(), (const uint8_t(*)[SK_RECORD_ID_SIZE])ids.ids,
                             ids.n, &receipt, &len, &err);
        if (st != SK_OK) {
            ret = refuse(c, u->peer, MHD_HTTP_SERVICE_UNAVAILABLE, 60,
                         "the server could not sign a receipt; try again later");
        } else {
            char dev[2 * SK_DEVICE_ID_SIZE + 1];
            sk_hex(device, SK_DEVICE_ID_SIZE, dev);
            logf_(u->peer,
                  "POST /v1/bundles -> 200: device %s, %llu bytes, %llu new, %llu held, "
                  "%llu already present, %llu conflicts; receipt lists %zu",
                  dev, (unsigned long long)u->received, (unsigned long long)stats.added,
                  (unsigned long long)stats.held, (unsigned long long)stats.present,
                  (unsigned long long)stats.conflicts, ids.n);
            ret = respond(c, MHD_HTTP_OK, "application/vnd.survey-kiosk.receipt", receipt, len, 0);
            free(receipt);
        }
    }
    free(ids.ids);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    upload *u = *con_cls;
    if (!u) {
        /* First call: the headers are in, no body yet. */
        char peer[64];
        peer_name(c, peer, sizeof peer);
        if (strcmp(url, "/v1/bundles") != 0) {
            logf_(peer, "%s %.200s -> 404", method, url);
            return respond(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found; kiosks POST to /v1/bundles\n",
                           39, 0);
        }
        if (strcmp(method, "POST") != 0) {
            logf_(peer, "%s /v1/bundles -> 405", method);
            return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "POST a bundle here\n", 19, 0);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        char *end = NULL;
        errno = 0;
        unsigned long long len = cl ? strtoull(cl, &end, 10) : 0;
        if (!cl || errno || end == cl || *end)
            return refuse(c, peer, MHD_HTTP_LENGTH_REQUIRED, 0,
                          "the upload needs a Content-Length header");
        if (len == 0)
            return refuse(c, peer, MHD_HTTP_BAD_REQUEST, 0, "the upload is empty; send a bundle");
        if (len > s->cfg->max_body) {
            char why[160];
            snprintf(why, sizeof why,
                     "the bundle is %llu bytes, more than this server takes (%llu); send "
                     "fewer records at a time",
                     len, (unsigned long long)s->cfg->max_body);
            return refuse(c, peer, MHD_HTTP_CONTENT_TOO_LARGE, 0, why);
        }
        u = calloc(1, sizeof *u);
        if (!u)
            return MHD_NO;
        u->fd = -1;
        snprintf(u->peer, sizeof u->peer, "%s", peer);
        snprintf(u->path, sizeof u->path, "%s/up-XXXXXX", s->spool);
        u->fd = mkostemp(u->path, O_CLOEXEC);
        if (u->fd < 0) {
            u->path[0] = '\0';
            free(u);
            return refuse(c, peer, MHD_HTTP_SERVICE_UNAVAILABLE, 60,
                          "the server cannot keep uploads just now (its spool folder); try "
                          "again later");
        }
        u->expected = len;
        u->start_ms = sk_now_ms();
        crypto_generichash_init(&u->hash, NULL, 0, 32);
        *con_cls = u;
        return MHD_YES;
    }
    if (*data_size) {
        if (sk_now_ms() - u->start_ms > (int64_t)s->cfg->request_timeout_s * 1000) {
            logf_(u->peer, "POST /v1/bundles -> closed: the upload took longer than %u s",
                  s->cfg->request_timeout_s);
            return MHD_NO; /* mid-body: libmicrohttpd can only close the connection */
        }
        size_t n = *data_size;
        if (u->refuse_code == 0) {
            if (u->received < sizeof u->head) {
                size_t k = sizeof u->head - (size_t)u->received;
                memcpy(u->head + u->received, data, k < n ? k : n);
            }
            u->received += n;
            if (u->received >= sizeof u->head && u->received - n < sizeof u->head) {
                /* The device id, from the (not yet authenticated) header: only
                 * to refuse a flood early; the budget is charged only after an
                 * upload verified and merged. */
                if (memcmp(u->head, "SKBN", 4) != 0) {
                    u->refuse_code = MHD_HTTP_UNPROCESSABLE_CONTENT;
                    snprintf(u->reason, sizeof u->reason,
                             "this is not a kiosk bundle; POST the .skb file a kiosk exports");
                } else if (!rate_allow(s, u->head + 8, false)) {
                    u->refuse_code = MHD_HTTP_TOO_MANY_REQUESTS;
                    snprintf(u->reason, sizeof u->reason,
                             "this device sent %u bundles in the last minute; wait a minute",
                             s->cfg->device_rate);
                }
            }
            crypto_generichash_update(&u->hash, (const unsigned char *)data, n);
            for (size_t off = 0; u->refuse_code == 0 && off < n;) {
                ssize_t w = write(u->fd, data + off, n - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    u->refuse_code = errno == ENOSPC ? MHD_HTTP_INSUFFICIENT_STORAGE
                                                     : MHD_HTTP_SERVICE_UNAVAILABLE;
                    snprintf(u->reason, sizeof u->reason,
                             "the server could not keep the upload (%s); try again later",
                             strerror(errno));
                    break;
                }
                off += (size_t)w;
            }
        }
        *data_size = 0;
        return MHD_YES;
    }
    /* The body is complete (libmicrohttpd checked it against Content-Length). */
    if (u->refuse_code)
        return refuse(c, u->peer, (unsigned)u->refuse_code,
                      u->refuse_code == MHD_HTTP_TOO_MANY_REQUESTS ? 60
                      : u->refuse_code >= 500                   ? 60
                                                                : 0,
                      u->reason);
    if (u->received < sizeof u->head)
        return refuse(c, u->peer, MHD_HTTP_UNPROCESSABLE_CONTENT, 0,
                      "this is not a kiosk bundle (too short)");
    return finish_upload(s, c, u);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    upload *u = *con_cls;
    if (!u)
        return;
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && u->received < u->expected)
        logf_(u->peer, "POST /v1/bundles -> closed after %llu of %llu bytes (nothing merged)",
              (unsigned long long)u->received, (unsigned long long)u->expected);
    if (u->fd >= 0)
        close(u->fd);
    if (u->path[0])
        unlink(u->path);
    free(u);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[600];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    logf_("-", "libmicrohttpd: %s", line);
}

/* HOST:PORT (or [v6]:PORT) -> a socket address. */
static sk_status parse_listen(const char *listen, struct sockaddr_storage *ss, sk_error *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1])
        return sk_error_set(err, SK_ERR_ARG, "--listen %s: give HOST:PORT, e.g. 0.0.0.0:8443",
                            listen);
    size_t hl = (size_t)(colon - listen);
    const char *h = listen;
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res)
        return sk_error_set(err, SK_ERR_ARG, "--listen %s: %s", listen, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return SK_OK;
}

static sk_status read_secret_pem(const char *path, char **out, sk_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    struct stat sb;
    if (stat(path, &sb) == 0 && (sb.st_mode & 077))
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "the TLS key can be read by other users; run chmod 600 on it");
    sk_status st = sk_read_file(path, 1u << 20, &data, &len, err);
    if (st != SK_OK)
        return st;
    char *p = sodium_malloc(len + 1);
    if (p) {
        memcpy(p, data, len);
        p[len] = '\0';
    }
    sodium_memzero(data, len);
    free(data);
    if (!p)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    *out = p;
    return SK_OK;
}

int serve_run(const serve_config *cfg, sk_cstore *cs, const sk_server_key *key, sk_error *err)
{
    server *s = calloc(1, sizeof *s);
    if (!s) {
        sk_error_set(err, SK_ERR_NOMEM, "out of memory");
        return 1;
    }
    s->cfg = cfg;
    s->cs = cs;
    s->key = key;
    pthread_mutex_init(&s->store_lock, NULL);
    pthread_mutex_init(&s->rate_lock, NULL);
    snprintf(s->spool, sizeof s->spool, "%s/spool", cfg->dir);
    int rc = 1;
    char *tls_key = NULL;
    uint8_t *cert = NULL;
    struct MHD_Daemon *d = NULL;
    struct sockaddr_storage ss;
    if (mkdir(s->spool, 0700) != 0 && errno != EEXIST) {
        sk_error_set_at(err, SK_ERR_IO, s->spool, NULL, 0, NULL, "cannot make the spool folder: %s",
                        strerror(errno));
        goto out;
    }
    if (parse_listen(cfg->listen, &ss, err) != SK_OK)
        goto out;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    if (!cfg->insecure_http) {
        char path[4300];
        size_t len = 0;
        snprintf(path, sizeof path, "%s/%s", cfg->dir, SERVE_CERT_FILE);
        if (sk_read_file(path, 1u << 20, &cert, &len, err) != SK_OK)
            goto out;
        uint8_t *c2 = realloc(cert, len + 1);
        if (!c2) {
            sk_error_set(err, SK_ERR_NOMEM, "out of memory");
            goto out;
        }
        cert = c2;
        cert[len] = '\0';
        snprintf(path, sizeof path, "%s/%s", cfg->dir, SERVE_TLS_KEY_FILE);
        if (read_secret_pem(path, &tls_key, err) != SK_OK)
            goto out;
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
                         MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                         MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_ip,
                         MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
                         MHD_OPTION_ARRAY, cfg->insecure_http ? &tls_opts[2] : tls_opts,
                         MHD_OPTION_END);
    if (!d) {
        sk_error_set(err, SK_ERR_IO,
                     "cannot listen on %s (the address is in use, not this machine's, or the "
                     "certificate and key in %s do not load); check --listen and the folder",
                     cfg->listen, cfg->dir);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    const char *colon = strrchr(cfg->listen, ':');
    printf("listening on %s://%.*s:%u\n", cfg->insecure_http ? "http" : "https",
           (int)(colon - cfg->listen), cfg->listen, info ? info->port : 0);
    if (cfg->insecure_http)
        fprintf(stderr, "survey-sync serve: warning: --insecure-http: no TLS; receipts are still "
                        "signed, but anyone on the network sees which kiosks deliver and when\n");
    fflush(stdout);
    fflush(stderr);
    /* Wait for SIGINT/SIGTERM (blocked in every thread by cmd_serve). */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "survey-sync serve: stopping (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_stop_daemon(d); /* waits for the requests in progress to end */
    rc = 0;
out:
    if (tls_key)
        sodium_free(tls_key); /* wipes */
    free(cert);
    pthread_mutex_destroy(&s->store_lock);
    pthread_mutex_destroy(&s->rate_lock);
    free(s);
    return rc;
}
