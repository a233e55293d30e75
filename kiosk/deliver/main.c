/* survey-kiosk-deliver - the kiosk's delivery, in a process of its own, so that
 * libcurl and GnuTLS (their start-up time and several MiB of resident pages)
 * stay out of the process that draws the participant's screen, and a fault in
 * the network code cannot take the screen down (bench/README.md, issue 12).
 *
 *   survey-kiosk-deliver --data DIR
 *       one round now: batches of the records not delivered yet to the server
 *       the survey pack names, until nothing waits or a try fails (this is
 *       what `survey-kiosk --deliver` runs); takes the folder's lock as
 *       survey-kiosk --export does; exit 0 when nothing waits.
 *   survey-kiosk-deliver --data DIR --worker FD
 *       started by survey-kiosk (kiosk/deliver.c) when its pack names a
 *       server: FD is the kiosk's own DIR/kiosk.lock descriptor, shared (the
 *       store is opened for delivery only, see sk_kstore_open_opts); standard
 *       input is a socket from the kiosk: every byte read means "a sitting
 *       ended, try now", end of input means "stop" (the kiosk is closing or
 *       gone).  Tries at start, then after every poke and on a timer, with
 *       backoff and jitter after failures (30 s doubling to 15 min).
 *
 * Test builds only: SK_DELIVER_BACKOFF_MS and SK_DELIVER_MAX_MS shorten the
 * backoff, SK_DELIVER_BATCH the records per bundle. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#endif

#include "sk/deliver.h"
#include "sk/kstore.h"
#include "sk/pack.h"

static const char *prog = "survey-kiosk-deliver";

static int fail(const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s: error: %s\n", prog, buf);
    return 1;
}

/* The pack's server as a delivery target (false when it names none). */
static bool target_of(const sk_pack *pack, sk_deliver_target *t)
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

static void tuning(int64_t *base_ms, int64_t *max_ms, size_t *batch)
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

/* ---- one round, from a terminal or a script ---- */

static int deliver_once(sk_kstore *ks, const sk_pack *pack)
{
    sk_deliver_target t;
    if (!target_of(pack, &t)) {
        fprintf(stderr, "%s: error: the survey pack names no server to deliver to; "
                        "export to USB instead (--export DIR)\n",
                prog);
        return 1;
    }
    sk_error err;
    sk_kstore_outbox *ob = NULL;
    if (sk_kstore_outbox_open(ks, &ob, &err) != SK_OK)
        return fail(&err);
    int64_t base, max;
    sk_deliver_opts o = {0};
    tuning(&base, &max, &o.max_records);
    uint64_t total = 0;
    sk_status st = SK_OK;
    for (;;) {
        sk_deliver_result res;
        st = sk_deliver_once(ob, &t, &o, &res, &err);
        if (st != SK_OK || res.sent == 0 || res.delivered == 0)
            break;
        total += res.delivered;
    }
    sk_delivery_state s = {0};
    sk_error e2;
    sk_kstore_outbox_state(ob, &s, &e2);
    printf("delivered %llu record%s to %s; %llu waiting\n", (unsigned long long)total,
           total == 1 ? "" : "s", t.url, (unsigned long long)s.waiting);
    fflush(stdout);
    int rc = st != SK_OK ? fail(&err) : s.waiting ? 1 : 0;
    sk_kstore_outbox_close(ob);
    return rc;
}

/* ---- the worker: a thread that delivers, the main thread that listens ---- */

typedef struct worker {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool poked;
    volatile int stop;
    sk_kstore_outbox *ob;
    sk_deliver_target target;
} worker;

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
static int64_t round_of_tries(worker *w, int64_t base_ms, int64_t max_ms, size_t batch)
{
    sk_deliver_opts opts = {.max_records = batch, .cancel = &w->stop};
    while (!w->stop) {
        sk_deliver_result res;
        sk_error err;
        if (sk_deliver_once(w->ob, &w->target, &opts, &res, &err) != SK_OK) {
            sk_delivery_state s;
            uint32_t failures = 1;
            if (sk_kstore_outbox_state(w->ob, &s, &err) == SK_OK && s.failures)
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

static void *deliver_loop(void *arg)
{
    worker *w = arg;
    int64_t base_ms, max_ms;
    size_t batch;
    tuning(&base_ms, &max_ms, &batch);
    int64_t wait_ms = 0; /* at start: at once (after a restart too) */
    for (;;) {
        pthread_mutex_lock(&w->lock);
        if (wait_ms > 0 && !w->poked && !w->stop) {
            struct timespec until;
            clock_in(&until, wait_ms);
            while (!w->poked && !w->stop &&
                   pthread_cond_timedwait(&w->wake, &w->lock, &until) != ETIMEDOUT) {
            }
        }
        w->poked = false;
        bool stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            break;
        wait_ms = round_of_tries(w, base_ms, max_ms, batch);
    }
    return NULL;
}

static void signal_worker(worker *w, bool stop)
{
    pthread_mutex_lock(&w->lock);
    if (stop)
        w->stop = 1;
    else
        w->poked = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
}

static int run_worker(sk_kstore *ks, const sk_pack *pack)
{
    worker w = {.poked = false};
    if (!target_of(pack, &w.target))
        return 0; /* nothing to do: the kiosk starts us only for a pack with a server */
    sk_error err;
    if (sk_kstore_outbox_open(ks, &w.ob, &err) != SK_OK)
        return fail(&err);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w.wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w.lock, NULL);
    pthread_t thread;
    int rc = 0;
    if (pthread_create(&thread, NULL, deliver_loop, &w) != 0) {
        fprintf(stderr, "%s: error: cannot start the delivery thread\n", prog);
        rc = 1;
    } else {
        char buf[64];
        for (;;) {
            ssize_t n = read(0, buf, sizeof buf);
            if (n > 0)
                signal_worker(&w, false);
            else if (n == 0 || errno != EINTR)
                break; /* the kiosk closed its end, or is gone */
        }
        signal_worker(&w, true); /* a request in progress is abandoned: its records stay waiting */
        pthread_join(thread, NULL);
    }
    pthread_cond_destroy(&w.wake);
    pthread_mutex_destroy(&w.lock);
    sk_kstore_outbox_close(w.ob);
    return rc;
}

static int usage_error(const char *what)
{
    fprintf(stderr,
            "%s: error: %s\n"
            "usage: survey-kiosk-deliver --data DIR            (what survey-kiosk --deliver runs)\n"
            "       survey-kiosk-deliver --data DIR --worker FD  (started by survey-kiosk)\n",
            prog, what);
    return 2;
}

int main(int argc, char **argv)
{
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (argc > 0 && strcmp(base ? base + 1 : argv[0], "survey-kiosk") == 0)
        prog = "survey-kiosk"; /* run by `survey-kiosk --deliver`: speak as it */
    const char *data = NULL;
    int lock_fd = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc) {
            char *end;
            long fd = strtol(argv[++i], &end, 10);
            if (*end || fd < 3 || fd > 1024)
                return usage_error("--worker wants the descriptor of the kiosk's lock");
            lock_fd = (int)fd;
        } else {
            return usage_error("unknown argument");
        }
    }
    if (!data)
        return usage_error("--data DIR is needed");
#ifdef __linux__
    /* The worker ends with its kiosk at once, even in the middle of a request
     * (end of input tells it too, but only between reads of the network). */
    if (lock_fd >= 0)
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    sk_error err;
    if (sk_deliver_global_init(&err) != SK_OK) /* before any thread */
        return fail(&err);
    sk_kstore_open_opts opts = {.wait_ms = 5000, .share_lock = lock_fd >= 0, .lock_fd = lock_fd};
    sk_kstore *ks = NULL;
    if (sk_kstore_open_with(data, &opts, &ks, &err) != SK_OK)
        return fail(&err);
    sk_pack *pack = NULL;
    int rc;
    if (sk_kstore_current_pack(ks, &pack, &err) != SK_OK)
        rc = fail(&err);
    else
        rc = lock_fd >= 0 ? run_worker(ks, pack) : deliver_once(ks, pack);
    sk_pack_free(pack);
    sk_kstore_close(ks);
    return rc;
}
