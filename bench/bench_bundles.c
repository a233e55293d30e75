/* bench_bundles.c - the bundles bench_merge and bench_merge_pg merge: see
 * bench_bundles.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench_bundles.h"
#include "sk/pack.h"

const char *bench_prog = "bench";

double bench_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double bench_peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

void bench_die(const char *what, const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s: %s: %s\n", bench_prog, what, buf);
    exit(1);
}

void bench_setup_keys(bench *b)
{
    crypto_box_keypair(b->study.pub.box_pk, b->study.box_sk);
    crypto_sign_keypair(b->study.pub.sign_pk, b->study.sign_sk);
    char path[1100];
    snprintf(path, sizeof path, "%s/bench.pack", b->dir);
    sk_error err;
    unlink(path);
    if (sk_pack_write(path, &b->study, "bench", "1", "Bench", "form.md",
                      (const uint8_t *)"| survey |\n", 11, &err) != SK_OK ||
        sk_read_file(path, 1 << 20, &b->pack, &b->pack_len, &err) != SK_OK)
        bench_die("making the pack", &err);
    for (int k = 0; k < N_KIOSKS; k++) {
        crypto_sign_keypair(b->kiosk[k].pk, b->kiosk[k].sk);
        sk_device_id(b->kiosk[k].pk, b->kiosk_id[k]);
    }
    for (int i = 0; i < N_BUNDLES; i++)
        snprintf(b->bundle[i], sizeof b->bundle[i], "%s/b%03d.skb", b->dir, i);
}

/* Bundle i: kiosk i % 10, its (i / 10)-th slice of sequence numbers.  Kinds
 * cycle consent, response (sharing a withdrawal tag), incomplete, declined. */
static void make_bundle(const bench *b, int i)
{
    int k = i % N_KIOSKS;
    uint64_t first = (uint64_t)(i / N_KIOSKS) * b->per_bundle + 1;
    char label[32];
    snprintf(label, sizeof label, "Bench-Pi-%d", k);
    sk_error err;
    sk_bundle_writer *w = NULL;
    unlink(b->bundle[i]);
    if (sk_bundle_writer_open(b->bundle[i], b->kiosk_id[k], label, b->kiosk[k].pk, &w, &err) !=
            SK_OK ||
        sk_bundle_writer_add_pack(w, b->pack, b->pack_len, &err) != SK_OK)
        bench_die("writing a bundle", &err);
    uint8_t tag[SK_TAG_SIZE];
    for (uint64_t n = 0; n < b->per_bundle; n++) {
        static const uint8_t kinds[4] = {SK_REC_CONSENT, SK_REC_RESPONSE, SK_REC_INCOMPLETE,
                                         SK_REC_DECLINED};
        sk_record_header h = {0};
        h.kind = kinds[n % 4];
        randombytes_buf(h.record_id, SK_RECORD_ID_SIZE);
        memcpy(h.device_id, b->kiosk_id[k], SK_DEVICE_ID_SIZE);
        h.seq = first + n;
        strcpy(h.form_id, "bench");
        strcpy(h.form_version, "1");
        if (h.kind == SK_REC_CONSENT)
            randombytes_buf(tag, sizeof tag);
        if (h.kind <= SK_REC_RESPONSE)
            memcpy(h.withdraw_tag, tag, sizeof tag);
        char payload[96];
        int len = snprintf(payload, sizeof payload, "{\"answers\":{\"q1\":\"%llu\"}}",
                           (unsigned long long)h.seq);
        uint8_t *blob = NULL;
        size_t blob_len = 0;
        if (sk_record_seal(&h, &b->study.pub, &b->kiosk[k], payload, (size_t)len, &blob, &blob_len,
                           &err) !=
                SK_OK ||
            sk_bundle_writer_add_record(w, blob, blob_len, &err) != SK_OK)
            bench_die("sealing a record", &err);
        free(blob);
    }
    if (sk_bundle_writer_finish(w, &b->kiosk[k], &err) != SK_OK)
        bench_die("finishing a bundle", &err);
}

/* Sealing dominates: spread the bundles over the machine's cores. */
void bench_make_bundles(const bench *b)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cores > 1 ? (int)cores : 1;
    for (int w = 0; w < workers; w++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "%s: fork: %s\n", bench_prog, strerror(errno));
            exit(1);
        }
        if (pid == 0) {
            for (int i = w; i < N_BUNDLES; i += workers)
                make_bundle(b, i);
            _exit(0);
        }
    }
    int status, failed = 0;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (failed) {
        fprintf(stderr, "%s: making the bundles failed\n", bench_prog);
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

void bench_load_rows(const char *path, bench_rows *r)
{
    sk_error err;
    sk_bundle_reader *rd = NULL;
    sk_bundle_info info;
    if (sk_bundle_reader_open(path, &rd, &info, &err) != SK_OK)
        bench_die("reading a bundle", &err);
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int more;
    while ((more = sk_bundle_reader_next(rd, &kind, &data, &len, &err)) > 0) {
        if (kind != SK_ITEM_RECORD)
            continue;
        if (sk_record_header_parse(data, len, &r->h[r->n], &err) != SK_OK)
            bench_die("parsing a record", &err);
        r->blob[r->n] = malloc(len);
        memcpy(r->blob[r->n], data, len);
        r->len[r->n++] = len;
    }
    if (more < 0 || sk_bundle_reader_close(rd, &err) != SK_OK)
        bench_die("reading a bundle", &err);
}
