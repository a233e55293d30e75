/* bench_bundles.h - the bundle generator that bench_merge and bench_merge_pg
 * share: a study key and form pack, 10 kiosk keys, and 100 sealed bundles of
 * records made in parallel before anything is timed; plus the rows of a bundle
 * parsed into memory for a baseline, and the timing helpers both print with.
 *
 * Benchmark code, not library code: on any failure these print
 * "<bench_prog>: what: sentence" to stderr and exit(1).  Memory a caller gets
 * (bench.pack, a bench_rows' arrays and blobs) is the caller's to free. */
#ifndef SK_BENCH_BUNDLES_H
#define SK_BENCH_BUNDLES_H

#include <stddef.h>
#include <stdint.h>

#include "sk/bundle.h"
#include "sk/error.h"
#include "sk/record.h"

enum { N_BUNDLES = 100, N_KIOSKS = 10 };

typedef struct bench {
    char dir[1024];                                /* the caller sets it, and makes it */
    uint64_t per_bundle;                           /* the caller sets it, >= 1 */
    sk_study_key study;
    uint8_t *pack;                                 /* the form pack, read back */
    size_t pack_len;
    sk_device_key kiosk[N_KIOSKS];
    uint8_t kiosk_id[N_KIOSKS][SK_DEVICE_ID_SIZE];
    char bundle[N_BUNDLES][1100];                  /* dir/bNNN.skb */
} bench;

/* One bundle's records, parsed in memory (untimed) for a baseline: the caller
 * sizes h, blob and len for per_bundle rows; bench_load_rows appends at n. */
typedef struct bench_rows {
    sk_record_header *h;
    uint8_t **blob;
    size_t *len;
    size_t n;
} bench_rows;

/* The program name error messages start with; each main sets it. */
extern const char *bench_prog;

double bench_now_s(void);                       /* CLOCK_MONOTONIC, seconds */
double bench_peak_rss_mib(void);                /* getrusage's peak RSS */
/* Sorts v (n >= 1) and returns its p-quantile (0.5: the median). */
double bench_percentile(double *v, size_t n, double p);
void bench_die(const char *what, const sk_error *err);

/* New keys, dir/bench.pack (read back into b->pack) and the bundle paths. */
void bench_setup_keys(bench *b);
/* Writes all N_BUNDLES bundles, spread over the machine's cores (forked). */
void bench_make_bundles(const bench *b);
void bench_load_rows(const char *path, bench_rows *r);

#endif
