/* bench_merge.c - merging bundles into the central store, beside SQLite's own
 * insert rate for the same rows into the same schema, and peak memory.
 *
 *   bench_merge [RECORDS [DIR]]     (default 1000000 records, DIR in /tmp)
 *
 * The records are spread over 100 bundles from 10 kiosks (made first, untimed,
 * in parallel).  Then, in the same run:
 *   merge     sk_cstore_merge of every bundle into a new store (authentication,
 *             streaming, header checks, pinning, duplicate checks: everything);
 *   baseline  the same rows, already parsed in memory, inserted with plain
 *             prepared INSERTs into a new store with the identical schema and
 *             settings, one transaction per bundle as merge does.
 * Prints records/s for both, their ratio, per-bundle medians and p99, and the
 * peak RSS (getrusage) before and after each phase. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench_bundles.h"
#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/pack.h"
#include "sk/record.h"

static void remove_db(const char *path)
{
    char side[1200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static double run_merge(const bench *b, const char *store, double *per_bundle)
{
    sk_cstore *cs = NULL;
    sk_error err;
    remove_db(store);
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        bench_die("opening the store", &err);
    /* the kiosks are enrolled by fingerprint, so their records merge as data
     * (every record's signature is still verified) */
    for (int k = 0; k < N_KIOSKS; k++) {
        char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
        sk_device_fingerprint(b->kiosk[k].pk, fp);
        if (sk_cstore_device_add(cs, fp, "Bench", id, &err) != SK_OK)
            bench_die("enrolling a kiosk", &err);
    }
    double total = 0;
    for (int i = 0; i < N_BUNDLES; i++) {
        sk_merge_stats st;
        double t0 = bench_now_s();
        if (sk_cstore_merge(cs, b->bundle[i], &st, NULL, NULL, &err) != SK_OK)
            bench_die("merging", &err);
        per_bundle[i] = bench_now_s() - t0;
        total += per_bundle[i];
        if (st.added != b->per_bundle) {
            fprintf(stderr, "bench_merge: %s: %llu added, expected %llu\n", b->bundle[i],
                    (unsigned long long)st.added, (unsigned long long)b->per_bundle);
            exit(1);
        }
    }
    sk_cstore_close(cs);
    return total;
}

static void check_rc(sqlite3 *db, int rc, int want)
{
    if (rc != want) {
        fprintf(stderr, "bench_merge: sqlite: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
}

static double run_baseline(const bench *b, const char *store, double *per_bundle)
{
    sk_cstore *cs = NULL;
    sk_error err;
    remove_db(store);
    if (sk_cstore_open(store, &cs, &err) != SK_OK) /* the identical schema */
        bench_die("opening the baseline store", &err);
    sk_cstore_close(cs);
    sqlite3 *db = NULL;
    check_rc(db, sqlite3_open(store, &db), SQLITE_OK);
    check_rc(db, sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                  " PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;",
                              NULL, NULL, NULL),
             SQLITE_OK);
    for (int k = 0; k < N_KIOSKS; k++) {
        char hex[2 * SK_DEVICE_ID_SIZE + 1], sql[256];
        sk_hex(b->kiosk_id[k], SK_DEVICE_ID_SIZE, hex);
        snprintf(sql, sizeof sql,
                 "INSERT INTO devices(id, pk, fp, label, state) VALUES('%s', NULL, x'00',"
                 " 'Bench', 1)",
                 hex);
        check_rc(db, sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_stmt *ins = NULL, *imp = NULL;
    check_rc(db, sqlite3_prepare_v2(db,
                                    "INSERT INTO records(record_id, device, seq, kind, form_id,"
                                    " form_version, wtag, blob, import_id)"
                                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                    -1, &ins, NULL),
             SQLITE_OK);
    check_rc(db, sqlite3_prepare_v2(db, "INSERT INTO imports(source, time_ms) VALUES(?1, 0)", -1,
                                    &imp, NULL),
             SQLITE_OK);
    bench_rows r = {malloc(b->per_bundle * sizeof *r.h), malloc(b->per_bundle * sizeof *r.blob),
              malloc(b->per_bundle * sizeof *r.len), 0};
    double total = 0;
    for (int i = 0; i < N_BUNDLES; i++) {
        r.n = 0;
        bench_load_rows(b->bundle[i], &r);
        double t0 = bench_now_s();
        check_rc(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_bind_text(imp, 1, b->bundle[i], -1, SQLITE_STATIC);
        check_rc(db, sqlite3_step(imp), SQLITE_DONE);
        sqlite3_reset(imp);
        int64_t import_id = sqlite3_last_insert_rowid(db);
        for (size_t j = 0; j < r.n; j++) {
            const sk_record_header *h = &r.h[j];
            char hex[2 * SK_DEVICE_ID_SIZE + 1];
            sk_hex(h->device_id, SK_DEVICE_ID_SIZE, hex);
            sqlite3_bind_blob(ins, 1, h->record_id, SK_RECORD_ID_SIZE, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, hex, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, (int64_t)h->seq);
            sqlite3_bind_int(ins, 4, h->kind);
            sqlite3_bind_text(ins, 5, h->form_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, h->form_version, -1, SQLITE_STATIC);
            if (sodium_is_zero(h->withdraw_tag, SK_TAG_SIZE))
                sqlite3_bind_null(ins, 7);
            else
                sqlite3_bind_blob(ins, 7, h->withdraw_tag, SK_TAG_SIZE, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 8, r.blob[j], (int)r.len[j], SQLITE_STATIC);
            sqlite3_bind_int64(ins, 9, import_id);
            check_rc(db, sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
        }
        check_rc(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        per_bundle[i] = bench_now_s() - t0;
        total += per_bundle[i];
        for (size_t j = 0; j < r.n; j++)
            free(r.blob[j]);
    }
    free(r.h);
    free(r.blob);
    free(r.len);
    sqlite3_finalize(ins);
    sqlite3_finalize(imp);
    sqlite3_close(db);
    return total;
}

static void print_row(const char *what, uint64_t n, double secs, double *per, double rss)
{
    double med = bench_percentile(per, N_BUNDLES, 0.5), p99 = bench_percentile(per, N_BUNDLES, 0.99);
    printf("| %-9s | %9llu | %8.2f | %10.0f | %9.2f | %9.2f | %8.1f |\n", what,
           (unsigned long long)n, secs, (double)n / secs, med * 1e3, p99 * 1e3, rss);
}

int main(int argc, char **argv)
{
    bench_prog = "bench_merge";
    if (sodium_init() < 0)
        return 1;
    uint64_t records = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    static bench b;
    b.per_bundle = records / N_BUNDLES ? records / N_BUNDLES : 1;
    records = b.per_bundle * N_BUNDLES;
    if (argc > 2)
        snprintf(b.dir, sizeof b.dir, "%s", argv[2]);
    else
        snprintf(b.dir, sizeof b.dir, "/tmp/bench_merge-%ld", (long)getpid());
    mkdir(b.dir, 0755);
    bench_setup_keys(&b);

    double t0 = bench_now_s();
    bench_make_bundles(&b);
    printf("bench_merge: %llu records in %d bundles from %d kiosks, made in %.1f s (untimed)\n",
           (unsigned long long)records, N_BUNDLES, N_KIOSKS, bench_now_s() - t0);
    double rss_start = bench_peak_rss_mib();

    char store[1100], base[1100];
    snprintf(store, sizeof store, "%s/central.db", b.dir);
    snprintf(base, sizeof base, "%s/baseline.db", b.dir);
    double per_merge[N_BUNDLES], per_base[N_BUNDLES];
    double t_merge = run_merge(&b, store, per_merge);
    double rss_merge = bench_peak_rss_mib();
    double t_base = run_baseline(&b, base, per_base);
    double rss_base = bench_peak_rss_mib();

    printf("\n| phase     |   records |  seconds |  records/s | median ms |    p99 ms "
           "| peak MiB |\n");
    printf("|-----------|-----------|----------|------------|-----------|-----------"
           "|----------|\n");
    printf("| %-9s | %9s | %8s | %10s | %9s | %9s | %8.1f |\n", "start", "-", "-", "-", "-", "-",
           rss_start);
    print_row("merge", records, t_merge, per_merge, rss_merge);
    print_row("baseline", records, t_base, per_base, rss_base);
    printf("\nmerge / plain insert rate: %.2f (goal >= 0.5); per-bundle times are for %llu "
           "records\n",
           t_base / t_merge, (unsigned long long)b.per_bundle);
    printf("peak RSS: %.1f MiB before merging, %.1f MiB after (goal: flat, < 64 MiB)\n", rss_start,
           rss_merge);

    for (int i = 0; i < N_BUNDLES; i++)
        unlink(b.bundle[i]);
    remove_db(store);
    remove_db(base);
    char pack[1100];
    snprintf(pack, sizeof pack, "%s/bench.pack", b.dir);
    unlink(pack);
    rmdir(b.dir);
    free(b.pack);
    return 0;
}
