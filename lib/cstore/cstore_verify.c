/* cstore_verify.c - checking the records' device signatures beside the merge.
 *
 * An Ed25519 verification costs more than inserting the record (about 50 us
 * against 35 us here), so a merge that verified each record before inserting
 * it would run at a third of SQLite's insert rate.  Instead the merge thread
 * inserts at once and hands a copy of each record to worker threads that
 * verify it; before the transaction commits, the merge waits for every
 * verification and rolls everything back if one failed.  Nothing unverified
 * is ever committed.  Memory stays bounded: the queue holds at most
 * QUEUE_ITEMS records and QUEUE_BYTES bytes; when it is full the merge
 * thread verifies the oldest record itself. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cstore_internal.h"

#define QUEUE_ITEMS 1024
#define QUEUE_BYTES ((size_t)32 << 20)
#define MAX_THREADS 8

typedef struct vjob {
    uint8_t *blob;
    size_t len;
    uint8_t pk[32];
    char device[2 * SK_DEVICE_ID_SIZE + 1];
} vjob;

struct cstore_verifier {
    pthread_t threads[MAX_THREADS];
    int n_threads;
    pthread_mutex_t mu;
    pthread_cond_t has_work, idle;
    vjob ring[QUEUE_ITEMS];
    size_t head, count, bytes;
    int busy;
    bool stop;
    bool failed;               /* the first failure is kept */
    sk_status fail_status;
    char fail_what[400];
};

static void note_failure(cstore_verifier *v, sk_status st, const vjob *j, const sk_error *e)
{
    if (v->failed)
        return;
    v->failed = true;
    v->fail_status = st;
    sk_record_header h;
    char id[2 * SK_RECORD_ID_SIZE + 1] = "?";
    if (sk_record_header_parse(j->blob, j->len, &h, NULL) == SK_OK)
        sk_hex(h.record_id, SK_RECORD_ID_SIZE, id);
    snprintf(v->fail_what, sizeof v->fail_what, "record %s of device %s: %.300s", id, j->device,
             e->message);
}

/* Take the oldest job and verify it; called with the lock held, which is
 * released during the verification itself. */
static void run_one(cstore_verifier *v)
{
    vjob j = v->ring[v->head];
    v->head = (v->head + 1) % QUEUE_ITEMS;
    v->count--;
    v->bytes -= j.len;
    v->busy++;
    bool skip = v->failed; /* the input is refused already: no need to look further */
    pthread_mutex_unlock(&v->mu);
    sk_error e;
    sk_status st = skip ? SK_OK : sk_record_verify(j.blob, j.len, j.pk, &e);
    pthread_mutex_lock(&v->mu);
    if (st != SK_OK)
        note_failure(v, st, &j, &e);
    free(j.blob);
    v->busy--;
    if (v->count == 0 && v->busy == 0)
        pthread_cond_broadcast(&v->idle);
}

static void *worker(void *arg)
{
    cstore_verifier *v = arg;
    pthread_mutex_lock(&v->mu);
    for (;;) {
        while (v->count == 0 && !v->stop)
            pthread_cond_wait(&v->has_work, &v->mu);
        if (v->count == 0 && v->stop)
            break;
        run_one(v);
    }
    pthread_mutex_unlock(&v->mu);
    return NULL;
}

sk_status cstore_verifier_new(cstore_verifier **out, bool merge_thread_waits, sk_error *err)
{
    cstore_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory starting the merge");
    pthread_mutex_init(&v->mu, NULL);
    pthread_cond_init(&v->has_work, NULL);
    pthread_cond_init(&v->idle, NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* One core: verifying inline is fastest.  Otherwise a worker for every
     * core but one; the merge thread, between its inserts, verifies too
     * whenever the queue is full (cstore_verifier_submit), so no core idles
     * while records wait.  On PostgreSQL the merge thread mostly waits for
     * the server (which has a core of its own to use meanwhile), so a worker
     * for every core: measured with bench_merge_pg on 2 cores. */
    long n = merge_thread_waits ? cpus : cpus - 1;
    int want = cpus > 1 ? (int)(n < MAX_THREADS ? n : MAX_THREADS) : 0;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&v->threads[i], NULL, worker, v) != 0)
            break; /* fewer threads, or inline when none started */
        v->n_threads++;
    }
    *out = v;
    return SK_OK;
}

sk_status cstore_verifier_submit(cstore_verifier *v, const cstore_device *dev, const uint8_t *blob,
                                 size_t len, sk_error *err)
{
    if (v->n_threads == 0) {
        sk_error e;
        vjob j = {.blob = (uint8_t *)blob, .len = len};
        snprintf(j.device, sizeof j.device, "%s", dev->hex);
        sk_status st = sk_record_verify(blob, len, dev->pk, &e);
        if (st != SK_OK)
            note_failure(v, st, &j, &e);
        return SK_OK;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory checking a record's signature");
    memcpy(copy, blob, len);
    pthread_mutex_lock(&v->mu);
    while (v->count == QUEUE_ITEMS || (v->count > 0 && v->bytes + len > QUEUE_BYTES))
        run_one(v); /* full: the workers are behind, so help them */
    vjob *j = &v->ring[(v->head + v->count) % QUEUE_ITEMS];
    j->blob = copy;
    j->len = len;
    memcpy(j->pk, dev->pk, 32);
    snprintf(j->device, sizeof j->device, "%s", dev->hex);
    v->count++;
    v->bytes += len;
    pthread_cond_signal(&v->has_work);
    pthread_mutex_unlock(&v->mu);
    return SK_OK;
}

sk_status cstore_verifier_wait(cstore_verifier *v, const char *source, sk_error *err)
{
    pthread_mutex_lock(&v->mu);
    while (v->count > 0) /* help with what is left rather than wait for it */
        run_one(v);
    while (v->busy > 0)
        pthread_cond_wait(&v->idle, &v->mu);
    bool failed = v->failed;
    pthread_mutex_unlock(&v->mu);
    if (!failed)
        return SK_OK;
    return sk_error_set_at(err, v->fail_status, source, NULL, 0, NULL,
                           "%s; nothing in this input was merged", v->fail_what);
}

void cstore_verifier_free(cstore_verifier *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&v->mu);
    v->stop = true;
    v->failed = true; /* whatever is left is not looked at */
    pthread_cond_broadcast(&v->has_work);
    pthread_mutex_unlock(&v->mu);
    for (int i = 0; i < v->n_threads; i++)
        pthread_join(v->threads[i], NULL);
    for (size_t i = 0; i < v->count; i++) /* left by an aborted merge */
        free(v->ring[(v->head + i) % QUEUE_ITEMS].blob);
    pthread_mutex_destroy(&v->mu);
    pthread_cond_destroy(&v->has_work);
    pthread_cond_destroy(&v->idle);
    free(v);
}
