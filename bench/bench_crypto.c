/* bench_crypto.c - record seal/open latency (median, p99), bundle write and
 * verify rate, study key load cost.  Prints a table; never run by ctest.
 * usage: bench_crypto [DIR]   (scratch files go to DIR, default /tmp) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sk/answers.h"
#include "sk/bundle.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    printf("%-34s %10.1f %10.1f %8d\n", what, t[n / 2], t[(n * 99) / 100], n);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    if (sodium_init() < 0)
        return 1;
    enum { N = 2000 };
    sk_study_key *key = sodium_malloc(sizeof *key);
    crypto_box_keypair(key->pub.box_pk, key->box_sk);
    crypto_sign_keypair(key->pub.sign_pk, key->sign_sk);
    sk_device_key dk;
    crypto_sign_keypair(dk.pk, dk.sk);
    uint8_t id[SK_DEVICE_ID_SIZE];
    sk_device_id(dk.pk, id);
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = SK_REC_RESPONSE;
    memcpy(h.device_id, id, sizeof id);
    strcpy(h.form_id, "bench");
    strcpy(h.form_version, "1");
    char payload[1024];
    memset(payload, 'x', sizeof payload);
    static double seal_t[N], open_t[N], verify_t[N];
    static uint8_t *blobs[N];
    static size_t lens[N];
    sk_error err;
    for (int i = 0; i < N; i++) {
        h.seq = (uint64_t)i + 1;
        randombytes_buf(h.record_id, sizeof h.record_id);
        double t0 = now_us();
        if (sk_record_seal(&h, &key->pub, &dk, payload, sizeof payload, &blobs[i], &lens[i], &err) !=
            SK_OK)
            return fprintf(stderr, "%s\n", err.message), 1;
        seal_t[i] = now_us() - t0;
        char *out;
        size_t out_len;
        t0 = now_us();
        if (sk_record_open(blobs[i], lens[i], key, NULL, &out, &out_len, &err) != SK_OK)
            return fprintf(stderr, "%s\n", err.message), 1;
        open_t[i] = now_us() - t0;
        sk_secret_free(out, out_len);
        t0 = now_us();
        if (sk_record_verify(blobs[i], lens[i], dk.pk, &err) != SK_OK)
            return fprintf(stderr, "%s\n", err.message), 1;
        verify_t[i] = now_us() - t0;
    }
    printf("%-34s %10s %10s %8s\n", "operation (1 KiB payload)", "median us", "p99 us", "runs");
    row("record seal", seal_t, N);
    row("record open", open_t, N);
    row("record verify (device signature)", verify_t, N);

    char path[4096];
    snprintf(path, sizeof path, "%s/bench_crypto.skb", dir);
    double t0 = now_us();
    sk_bundle_writer *w;
    if (sk_bundle_writer_open(path, id, "bench", dk.pk, &w, &err) != SK_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    size_t bytes = 0;
    for (int i = 0; i < N; i++) {
        sk_bundle_writer_add_record(w, blobs[i], lens[i], &err);
        bytes += lens[i];
    }
    if (sk_bundle_writer_finish(w, &dk, &err) != SK_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    double write_s = (now_us() - t0) / 1e6;
    t0 = now_us();
    sk_bundle_reader *r;
    sk_bundle_info info;
    if (sk_bundle_reader_open(path, &r, &info, &err) != SK_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    while (sk_bundle_reader_next(r, &kind, &data, &len, &err) == 1)
        ;
    if (sk_bundle_reader_close(r, &err) != SK_OK)
        return fprintf(stderr, "%s\n", err.message), 1;
    double read_s = (now_us() - t0) / 1e6;
    printf("\n%-34s %12s %12s\n", "bundle of 2000 records", "records/s", "MB/s");
    printf("%-34s %12.0f %12.1f\n", "write (sign, fsync, rename)", N / write_s, bytes / write_s / 1e6);
    printf("%-34s %12.0f %12.1f\n", "verify + stream (two passes)", N / read_s, bytes / read_s / 1e6);
    printf("ratio verify/write time: %.2f\n", read_s / write_s);
    unlink(path);

    /* the cost a researcher pays once per command: Argon2id MODERATE */
    char kdir[2048];
    snprintf(kdir, sizeof kdir, "%s/bench_crypto_key_XXXXXX", dir);
    if (mkdtemp(kdir)) {
        unsetenv("SK_PWHASH_FAST");
        sk_study_keygen(kdir, "bench passphrase", 16, NULL, &err);
        snprintf(path, sizeof path, "%s/study.key", kdir);
        t0 = now_us();
        sk_study_key *k2 = NULL;
        if (sk_study_key_load(path, "bench passphrase", 16, &k2, &err) == SK_OK)
            printf("\nstudy key load (Argon2id MODERATE): %.0f ms\n", (now_us() - t0) / 1e3);
        sk_study_key_free(k2);
        unlink(path);
        snprintf(path, sizeof path, "%s/study.pub", kdir);
        unlink(path);
        rmdir(kdir);
    }
    for (int i = 0; i < N; i++)
        free(blobs[i]);
    sk_study_key_free(key);
    return 0;
}
