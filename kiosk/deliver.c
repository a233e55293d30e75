/* deliver.c - the kiosk's delivery worker (see deliver.h). */
#include "deliver.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sk/answers.h"

struct kdeliver {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool poked;
    volatile int stop;
    sk_kstore_outbox *ob;
    sk_deliver_target target;
    char url[SK_PACK_URL_MAX + 1];
};

bool kdeliver_target(const sk_pack *pack, sk_deliver_target *t)
{
    if (!pack || !pack->delivery.url || !pack->delivery.url[0])
        return false;
    t->url = pack->delivery.url;
    memcpy(t->tls_pin, pack->delivery.tls_pin, 32);
    memcpy(t->receipt_pk, pack->delivery.receipt_pk, 32);
    return true;
}

#ifdef SK_TEST_HOOKS
static int64_t env_ms(const char *name, int64_t dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    long long n = v ? strtoll(v, &end, 10) : 0;
    return v && end != v && *end == '\0' && n > 0 ? (int64_t)n : dflt;
}
#endif

void kdeliver_tuning(int64_t *base_ms, int64_t *max_ms, size_t *batch)
{
    *base_ms = 30 * 1000;
    *max_ms = 15 * 60 * 1000;
    *batch = SK_DELIVER_BATCH;
#ifdef SK_TEST_HOOKS
    *base_ms = env_ms("SK_DELIVER_BACKOFF_MS", *base_ms);
    *max_ms = env_ms("SK_DELIVER_MAX_MS", *max_ms);
    *batch = (size_t)env_ms("SK_DELIVER_BATCH", (int64_t)*batch);
#endif
}

static void clock_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Deliver until nothing waits or a try fails; returns the wait before the next round. */
static int64_t round_of_tries(kdeliver *d, int64_t base_ms, int64_t max_ms, size_t batch)
{
    sk_deliver_opts opts = {.max_records = batch, .cancel = &d->stop};
    while (!d->stop) {
        sk_deliver_result res;
        sk_error err;
        if (sk_deliver_once(d->ob, &d->target, &opts, &res, &err) != SK_OK) {
            sk_delivery_state s;
            uint32_t failures = 1;
            if (sk_kstore_outbox_state(d->ob, &s, &err) == SK_OK && s.failures)
                failures = s.failures;
            return sk_deliver_backoff_ms(failures, base_ms, max_ms);
        }
        if (res.sent == 0)
            return base_ms; /* the timer: look again later */
        if (res.delivered == 0)
            return sk_deliver_backoff_ms(1, base_ms, max_ms); /* the server held none: no spin */
    }
    return 0;
}

static void *worker(void *arg)
{
    kdeliver *d = arg;
    int64_t base_ms, max_ms;
    size_t batch;
    kdeliver_tuning(&base_ms, &max_ms, &batch);
    int64_t wait_ms = 0; /* at start: at once (after a restart too) */
    for (;;) {
        pthread_mutex_lock(&d->lock);
        if (wait_ms > 0 && !d->poked && !d->stop) {
            struct timespec until;
            clock_in(&until, wait_ms);
            while (!d->poked && !d->stop &&
                   pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT) {
            }
        }
        d->poked = false;
        bool stop = d->stop;
        pthread_mutex_unlock(&d->lock);
        if (stop)
            break;
        wait_ms = round_of_tries(d, base_ms, max_ms, batch);
    }
    return NULL;
}

kdeliver *kdeliver_start(sk_kstore *ks, const sk_pack *pack, char *msg, size_t size)
{
    sk_deliver_target t;
    if (msg && size)
        msg[0] = '\0';
    if (!kdeliver_target(pack, &t))
        return NULL;
    kdeliver *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(msg, size, "out of memory starting delivery");
        return NULL;
    }
    snprintf(d->url, sizeof d->url, "%s", t.url);
    d->target = t;
    d->target.url = d->url; /* the pack may be replaced while we run */
    sk_error err;
    if (sk_kstore_outbox_open(ks, &d->ob, &err) != SK_OK) {
        sk_error_format(&err, msg, size);
        free(d);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&d->lock, NULL);
    if (pthread_create(&d->thread, NULL, worker, d) != 0) {
        snprintf(msg, size, "cannot start the delivery thread");
        sk_kstore_outbox_close(d->ob);
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    return d;
}

void kdeliver_poke(kdeliver *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->poked = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void kdeliver_stop(kdeliver *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = 1;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    sk_kstore_outbox_close(d->ob);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static void hhmm(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm))
        snprintf(out, size, "-");
    else
        strftime(out, size, "%H:%M", &tm);
}

void kdeliver_describe(const sk_delivery_state *s, char *out, size_t size)
{
    char when[16];
    if (s->waiting == 0 && s->delivered == 0) {
        snprintf(out, size, "nothing to deliver yet");
    } else if (s->waiting == 0) {
        hhmm(s->delivered_up_to_ms, when, sizeof when);
        snprintf(out, size, "delivered up to %s, 0 waiting", when);
    } else if (s->last_try_ms == 0) {
        snprintf(out, size, "%llu waiting, not tried yet", (unsigned long long)s->waiting);
    } else {
        hhmm(s->last_try_ms, when, sizeof when);
        snprintf(out, size, "%llu waiting, last try %s: %s", (unsigned long long)s->waiting, when,
                 s->last_error[0] ? s->last_error : "delivered part, more to send");
    }
}
