/* reader.c - the records of one form version for export and report, opened
 * on every core and handed back in store order.
 *
 * Opening a record (X25519 + XChaCha20-Poly1305) and parsing its answers
 * (JSON) cost far more than writing its CSV row or counting it, and each
 * record is independent, so worker threads open and parse while the calling
 * thread reads the store, and delivers the results strictly in (device, seq)
 * order, which export's row order and the report's consent bookkeeping
 * depend on.  Memory stays flat: at most RING batches of records are in
 * flight (below); when the ring is full the calling thread opens a batch
 * itself instead of waiting.  The plaintext answers live only in memory, as
 * before, and are wiped when freed (sk_answers_free).
 *
 * The skip logic of a record (export_prep: sk_run_update on a copy of its
 * answers, ~20,000 instructions) is worked out by the thread that opened
 * it, not by the calling thread: what the calling thread does per record
 * (reading the store, writing the row, counting) is the part that does not
 * spread over the cores, and at two threads it was what the report waited
 * on (bench/README.md). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sk/keys.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/record.h"

/* Records travel in batches: the calling thread fills one (the sealed bytes
 * copied into the batch's own buffer, which is kept for its next use, so no
 * allocation per record), a worker opens the whole batch, and the calling
 * thread takes it back whole.  One lock and one wake-up per batch instead of
 * per record, and a worker's batch is its own while it works.  At most RING
 * batches (RING * BATCH records, about RING * BATCH_BYTES of sealed bytes)
 * are in flight. */
#define RING 8
#define BATCH 32
#define BATCH_BYTES ((size_t)1 << 20)   /* a batch this full is sent (unless it is one record) */
#define MAX_WORKERS 16

enum { S_FREE, S_QUEUED, S_WORKING, S_DONE };

typedef struct item {
    bool open;                 /* wanted: opened by a worker */
    size_t off, len;           /* its sealed bytes in the batch's buffer */
    sk_record_header clear, h;
    sk_answers a;
    export_prep prep;          /* when why is SK_OK */
    sk_status why;             /* SK_OK: h and a are filled */
    char reason[600];
} item;

typedef struct batch {
    int state;
    size_t n;                  /* records in it */
    size_t opened;             /* items[0, opened) went through the opening: may hold answers */
    uint8_t *buf;              /* n records' sealed bytes, back to back (kept between uses) */
    size_t used, cap;
    item items[BATCH];
} batch;

typedef struct reader {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    batch ring[RING];
    uint64_t head, tail, next;  /* absolute: deliver at head, fill at tail, work at next */
    bool stop;
    const sk_study_key *key;
    export_want_fn want;
    export_prep_fn prep;
    const void *prep_user;
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

static void prep_init(export_prep *p)
{
    sk_answers_init(&p->copy);
    p->run = NULL;
    p->st = SK_OK;
}

static void prep_free(export_prep *p)
{
    sk_run_free(p->run);
    p->run = NULL;
    sk_answers_free(&p->copy);
}

void export_prep_skip_logic(const sk_form *f, int lang, const sk_record_header *h,
                            const sk_answers *a, export_prep *p)
{
    char dev[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
    /* On a copy: sk_run_update may fill defaults and drop hidden answers,
     * and export and report use what was recorded. */
    p->st = sk_answers_copy(&p->copy, a);
    if (p->st != SK_OK) {
        p->st = sk_error_set(&p->err, SK_ERR_NOMEM, "out of memory reading the records");
        return;
    }
    sk_run *run = NULL;
    p->st = sk_run_new(f, &p->copy, lang, dev, &run, &p->err);
    if (p->st == SK_OK)
        p->st = sk_run_update(run, a->finished_ms ? a->finished_ms : a->started_ms, &p->err);
    p->run = run;   /* freed with the record, also when the update failed */
}

/* Open and parse a wanted record, and work out its skip logic. */
static sk_status open_one(const reader *r, const uint8_t *blob, size_t len, sk_answers *a,
                          sk_record_header *h, export_prep *p, char *reason, size_t size)
{
    sk_answers_init(a);
    prep_init(p);
    sk_status why = export_open_answers(blob, len, r->key, a, h, reason, size);
    if (why == SK_OK && r->prep)
        r->prep(r->prep_user, h, a, p);
    return why;
}

/* Open and parse every wanted record of a batch (no lock held: the batch is
 * ours while WORKING). */
static void open_batch(const reader *r, batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        item *it = &b->items[i];
        if (!it->open)
            continue;
        it->why = open_one(r, b->buf + it->off, it->len, &it->a, &it->h, &it->prep, it->reason,
                           sizeof it->reason);
        b->opened = i + 1;
    }
}

/* Called with the lock held; releases it while opening the next queued batch. */
static void run_next(reader *r)
{
    batch *b = &r->ring[r->next++ % RING];
    b->state = S_WORKING;
    pthread_mutex_unlock(&r->mu);
    open_batch(r, b);
    pthread_mutex_lock(&r->mu);
    b->state = S_DONE;
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

/* Wipe the answers of a batch's opened records and make it FREE (its buffer
 * is kept for the next use). */
static void clear_batch(batch *b)
{
    for (size_t i = 0; i < b->opened; i++)
        if (b->items[i].open) {
            prep_free(&b->items[i].prep);
            sk_answers_free(&b->items[i].a);
        }
    b->n = b->opened = b->used = 0;
    b->state = S_FREE;
}

/* Hand the records of the batch at head to the caller, in order (no lock
 * held: a DONE batch is no worker's). */
static sk_status deliver(reader *r, batch *b, sk_error *err)
{
    sk_status st = SK_OK;
    for (size_t i = 0; i < b->n && st == SK_OK; i++) {
        item *it = &b->items[i];
        if (!it->open)
            st = r->take(r->user, &it->clear, NULL, NULL, NULL, err);
        else if (it->why == SK_OK)
            st = r->take(r->user, &it->clear, &it->h, &it->a, &it->prep, err);
        else if (it->why == SK_ERR_NOMEM)
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
        else
            st = unreadable_add(r->skipped, &it->clear, it->why, it->reason, err);
    }
    clear_batch(b);
    return st;
}

/* Deliver the batches that are done at head; then, with `drain`, until
 * every batch is delivered, else until the batch at tail is free to fill.
 * Rather than wait while a batch is queued, the calling thread opens it. */
static sk_status make_progress(reader *r, bool drain, sk_error *err)
{
    sk_status st = SK_OK;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (st == SK_OK && r->head < r->tail && r->ring[r->head % RING].state == S_DONE) {
            batch *b = &r->ring[r->head % RING];
            pthread_mutex_unlock(&r->mu);
            st = deliver(r, b, err);
            pthread_mutex_lock(&r->mu);
            r->head++;
        }
        if (st != SK_OK)
            break;
        if (drain ? r->head == r->tail : r->tail - r->head < RING)
            break;
        if (r->next < r->tail)
            run_next(r);   /* help rather than wait */
        else
            pthread_cond_wait(&r->done, &r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return st;
}

/* Queue the batch being filled (at tail) for the workers. */
static void send_batch(reader *r)
{
    pthread_mutex_lock(&r->mu);
    r->ring[r->tail % RING].state = S_QUEUED;
    r->tail++;
    pthread_cond_signal(&r->work);
    pthread_mutex_unlock(&r->mu);
}

typedef struct pass {
    reader *r;
    sk_status failed;
} pass;

/* One core: open here, no copies, no batches. */
static sk_status inline_record(reader *r, const sk_record_header *hdr, bool open,
                               const uint8_t *blob, size_t len, sk_error *err)
{
    if (!open)
        return r->take(r->user, hdr, NULL, NULL, NULL, err);
    sk_record_header h;
    sk_answers a;
    export_prep p;
    char reason[600];
    sk_status st, why = open_one(r, blob, len, &a, &h, &p, reason, sizeof reason);
    if (why == SK_OK)
        st = r->take(r->user, hdr, &h, &a, &p, err);
    else if (why == SK_ERR_NOMEM)
        st = sk_error_set(err, why, "out of memory reading the records");
    else
        st = unreadable_add(r->skipped, hdr, why, reason, err);
    prep_free(&p);
    sk_answers_free(&a);
    return st;
}

static int on_record(void *user, const sk_record_header *hdr, const uint8_t *blob, size_t len,
                     sk_error *err)
{
    pass *p = user;
    reader *r = p->r;
    bool open = r->want ? r->want(r->user, hdr) : true;
    if (r->n_threads == 0) {
        p->failed = inline_record(r, hdr, open, blob, len, err);
        return p->failed != SK_OK;
    }
    /* The batch at tail is FREE (being filled) or the ring is full. */
    sk_status st = SK_OK;
    if (r->tail - r->head == RING)
        st = make_progress(r, false, err);
    batch *b = &r->ring[r->tail % RING];
    size_t need = open ? len : 0;
    if (st == SK_OK && b->used + need > b->cap) {
        size_t cap = b->cap ? b->cap : 64 * 1024;
        while (cap < b->used + need)
            cap *= 2;
        uint8_t *grown = realloc(b->buf, cap);
        if (grown) {
            b->buf = grown;
            b->cap = cap;
        } else {
            st = sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
        }
    }
    if (st != SK_OK) {
        p->failed = st;
        return 1;
    }
    item *it = &b->items[b->n++];
    it->open = open;
    it->off = b->used;
    it->len = need;
    it->clear = *hdr;
    if (need)
        memcpy(b->buf + b->used, blob, need);
    b->used += need;
    if (b->n == BATCH || b->used >= BATCH_BYTES) {
        send_batch(r);
        /* Take back what is done already, so rows keep flowing. */
        p->failed = make_progress(r, false, err);
        return p->failed != SK_OK;
    }
    return 0;
}

sk_status export_read(sk_cstore *cs, const sk_cstore_form *cf, const sk_study_key *key,
                      export_want_fn want, export_prep_fn prep, const void *prep_user,
                      export_take_fn take, void *user, sk_unreadable_list *skipped, sk_error *err)
{
    reader *r = calloc(1, sizeof *r);
    if (!r)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory reading the records");
    r->key = key;
    r->want = want;
    r->prep = prep;
    r->prep_user = prep_user;
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
    if (st == SK_OK && r->n_threads) {
        if (r->ring[r->tail % RING].n)
            send_batch(r);   /* the last, partly filled batch */
        st = make_progress(r, true, err);
    }
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_broadcast(&r->work);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->n_threads; i++)
        pthread_join(r->threads[i], NULL);
    /* Left by a failed pass: every worker has stopped, so no batch is in
     * use; a queued batch that was never opened holds no answers. */
    for (size_t i = 0; i < RING; i++) {
        clear_batch(&r->ring[i]);
        free(r->ring[i].buf);
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->work);
    pthread_cond_destroy(&r->done);
    free(r);
    return st;
}
