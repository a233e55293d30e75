/* reader.c - the records of one form version for export and report, opened
 * on every core and handed back in store order.
 *
 * Opening a record (X25519 + XChaCha20-Poly1305) and parsing its answers
 * (JSON) cost far more than writing its CSV row or counting it, and each
 * record is independent, so worker threads open and parse while the calling
 * thread reads the store, and delivers the results strictly in (device, seq)
 * order, which export's row order and the report's consent bookkeeping
 * depend on.  Memory stays flat: at most RING records (and RING_BYTES of
 * sealed bytes) are in flight; when the ring is full the calling thread
 * opens records itself instead of waiting.  The plaintext answers live only
 * in memory, as before, and are wiped when freed (sk_answers_free). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"

#define RING 256
#define RING_BYTES ((size_t)16 << 20)
#define MAX_WORKERS 16

enum { S_QUEUED, S_WORKING, S_DONE };

typedef struct slot {
    int state;
    bool open;                 /* wanted: opened by a worker */
    uint8_t *blob;
    size_t len;
    sk_record_header clear, h;
    sk_answers a;
    sk_status why;             /* SK_OK: h and a are filled */
    char reason[600];
} slot;

typedef struct reader {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    slot ring[RING];
    uint64_t head, tail, next;  /* absolute: deliver at head, enqueue at tail, work at next */
    size_t bytes;
    bool stop;
    const sk_study_key *key;
    export_want_fn want;
    export_take_fn take;
    void *user;
    sk_unreadable_list *skipped;
    pthread_t threads[MAX_WORKERS];
    int n_threads;
} reader;

static int configured_threads;   /* 0: one per online core */

void sk_export_set_threads(int n)
{
    configured_threads = n < 0 ? 0 : n;
}

int export_thread_count(void)
{
    if (configured_threads > 0)
        return configured_threads;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 1 ? (int)(cpus < MAX_WORKERS + 1 ? cpus : MAX_WORKERS + 1) : 1;
}

/* Open and parse one slot (no lock held: the slot is ours while WORKING). */
static void open_slot(const reader *r, slot *s)
{
    sk_answers_init(&s->a);
    s->why = export_open_answers(s->blob, s->len, r->key, &s->a, &s->h, s->reason,
                                 sizeof s->reason);
}

/* Called with the lock held; releases it while opening. */
static void run_next(reader *r)
{
    slot *s = &r->ring[r->next++ % RING];
    if (s->state != S_QUEUED)
        return;
    s->state = S_WORKING;
    pthread_mutex_unlock(&r->mu);
    open_slot(r, s);
    pthread_mutex_lock(&r->mu);
    s->state = S_DONE;
    pthread_cond_broadcast(&r->done);
}

static void *worker(void *arg)
{
    reader *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->next == r->tail && !r->stop)
            pthread_cond_wait(&r->work, &r->mu);
        if (r->stop)
            break;
        run_next(r);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void free_slot(slot *s)
{
    free(s->blob);
    s->blob = NULL;
    if (s->open && s->state == S_DONE)   /* a queued slot of a stopped pass was never opened */
        sk_answers_free(&s->a);
}

/* Hand the slot at head to the caller (lock released meanwhile). */
static sk_status deliver_head(reader *r, sk_error *err)
{
    slot *s = &r->ring[r->head % RING];
    pthread_mutex_unlock(&r->mu);
    sk_status st = SK_OK;
    if (!s->open)
        st = r->take(r->user, &s->clear, NULL, NULL, err);
    else if (s->why == SK_OK)
        st = r->take(r->user, &s->clear, &s->h, &s->a, err);
    else if (s->why == SK_ERR_NOMEM)
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
    else
        st = unreadable_add(r->skipped, &s->clear, s->why, s->reason, err);
    size_t len = s->len;
    free_slot(s);
    pthread_mutex_lock(&r->mu);
    r->bytes -= len;
    r->head++;
    return st;
}

/* Deliver what is ready at the head; with `block`, keep going until the
 * ring has room for len more bytes (or is empty), opening records here
 * rather than waiting while any is queued. */
static sk_status make_progress(reader *r, size_t len, bool drain, sk_error *err)
{
    sk_status st = SK_OK;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (st == SK_OK && r->head < r->tail && r->ring[r->head % RING].state == S_DONE)
            st = deliver_head(r, err);
        if (st != SK_OK)
            break;
        bool full = r->tail - r->head == RING ||
                    (r->tail > r->head && r->bytes + len > RING_BYTES);
        if (drain ? r->head == r->tail : !full)
            break;
        if (r->next < r->tail)
            run_next(r);   /* help rather than wait */
        else
            pthread_cond_wait(&r->done, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

typedef struct pass {
    reader *r;
    sk_status failed;
} pass;

static int on_record(void *user, const sk_record_header *hdr, const uint8_t *blob, size_t len,
                     sk_error *err)
{
    pass *p = user;
    reader *r = p->r;
    bool open = r->want ? r->want(r->user, hdr) : true;
    if (r->n_threads == 0) {
        /* One core: open here, no copies, no ring. */
        sk_status st;
        if (!open) {
            st = r->take(r->user, hdr, NULL, NULL, err);
        } else {
            sk_record_header h;
            sk_answers a;
            sk_answers_init(&a);
            char reason[600];
            sk_status why = export_open_answers(blob, len, r->key, &a, &h, reason, sizeof reason);
            if (why == SK_OK)
                st = r->take(r->user, hdr, &h, &a, err);
            else if (why == SK_ERR_NOMEM)
                st = sk_error_set(err, why, "out of memory reading the records");
            else
                st = unreadable_add(r->skipped, hdr, why, reason, err);
            sk_answers_free(&a);
        }
        p->failed = st;
        return st != SK_OK;
    }
    sk_status st = make_progress(r, open ? len : 0, false, err);
    uint8_t *copy = NULL;
    if (st == SK_OK && open && !(copy = malloc(len ? len : 1)))
        st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
    if (st != SK_OK) {
        p->failed = st;
        return 1;
    }
    if (copy)
        memcpy(copy, blob, len);
    pthread_mutex_lock(&r->mu);
    slot *s = &r->ring[r->tail % RING];
    s->open = open;
    s->blob = copy;
    s->len = open ? len : 0;
    s->clear = *hdr;
    s->state = open ? S_QUEUED : S_DONE;
    r->bytes += s->len;
    r->tail++;
    pthread_cond_signal(&r->work);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

sk_status export_read(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                      export_want_fn want, export_take_fn take, void *user,
                      sk_unreadable_list *skipped, sk_error *err)
{
    reader *r = calloc(1, sizeof *r);
    if (!r)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
    r->key = key;
    r->want = want;
    r->take = take;
    r->user = user;
    r->skipped = skipped;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->work, NULL);
    pthread_cond_init(&r->done, NULL);
    /* The calling thread opens records too whenever it would wait, so one
     * worker fewer than threads; with one thread everything happens inline. */
    int want_workers = export_thread_count() - 1;
    for (int i = 0; i < want_workers && i < MAX_WORKERS; i++) {
        if (pthread_create(&r->threads[i], NULL, worker, r) != 0)
            break;   /* fewer workers; with none, inline */
        r->n_threads++;
    }
    pass p = {r, SK_OK};
    sk_status st = sk_cstore_foreach_record(cs, cf->form_id, cf->form_version, on_record, &p, err);
    if (p.failed != SK_OK)
        st = p.failed;
    if (st == SK_OK && r->n_threads)
        st = make_progress(r, 0, true, err);
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->n_threads; i++)
        pthread_join(r->threads[i], NULL);
    /* Left by a failed pass: every worker has stopped, so no slot is in use. */
    for (uint64_t i = r->head; i < r->tail; i++)
        free_slot(&r->ring[i % RING]);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->done);
    free(r);
    return st;
}
