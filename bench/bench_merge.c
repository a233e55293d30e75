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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/pack.h"
#include "sk/record.h"

enum { N_BUNDLES = 100, N_KIOSKS = 10 };

typedef struct bench {
    char dir[1024];
    uint64_t per_bundle;
    sk_study_key study;
    uint8_t *pack;
    size_t pack_len;
    sk_device_key kiosk[N_KIOSKS];
    uint8_t kiosk_id[N_KIOSKS][SK_DEVICE_ID_SIZE];
    char bundle[N_BUNDLES][1100];
} bench;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* Linux: KiB */
}

static void die(const char *what, const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "bench_merge: %s: %s\n", what, buf);
    exit(1);
}

static void setup_keys(bench *b)
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
        die("making the pack", &err);
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
        die("writing a bundle", &err);
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
            die("sealing a record", &err);
        free(blob);
    }
    if (sk_bundle_writer_finish(w, &b->kiosk[k], &err) != SK_OK)
        die("finishing a bundle", &err);
}

/* Sealing dominates: spread the bundles over the machine's cores. */
static void make_bundles(const bench *b)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cores > 1 ? (int)cores : 1;
    for (int w = 0; w < workers; w++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("bench_merge: fork");
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
        fprintf(stderr, "bench_merge: making the bundles failed\n");
        exit(1);
    }
}

static void remove_db(const char *path)
{
    char side[1200];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static double run_merge(const bench *b, const char *store, double *per_bundle)
{
    sk_cstore *cs = NULL;
    sk_error err;
    remove_db(store);
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        die("opening the store", &err);
    /* the kiosks are enrolled by fingerprint, so their records merge as data
     * (every record's signature is still verified) */
    for (int k = 0; k < N_KIOSKS; k++) {
        char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
        sk_device_fingerprint(b->kiosk[k].pk, fp);
        if (sk_cstore_device_add(cs, fp, "Bench", id, &err) != SK_OK)
            die("enrolling a kiosk", &err);
    }
    double total = 0;
    for (int i = 0; i < N_BUNDLES; i++) {
        sk_merge_stats st;
        double t0 = now_s();
        if (sk_cstore_merge(cs, b->bundle[i], &st, NULL, NULL, &err) != SK_OK)
            die("merging", &err);
        per_bundle[i] = now_s() - t0;
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

/* One bundle's rows, parsed in memory (untimed) for the baseline. */
typedef struct rows {
    sk_record_header *h;
    uint8_t **blob;
    size_t *len;
    size_t n;
} rows;

static void load_rows(const char *path, rows *r)
{
    sk_error err;
    sk_bundle_reader *rd = NULL;
    sk_bundle_info info;
    if (sk_bundle_reader_open(path, &rd, &info, &err) != SK_OK)
        die("reading a bundle", &err);
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int more;
    while ((more = sk_bundle_reader_next(rd, &kind, &data, &len, &err)) > 0) {
        if (kind != SK_ITEM_RECORD)
            continue;
        if (sk_record_header_parse(data, len, &r->h[r->n], &err) != SK_OK)
            die("parsing a record", &err);
        r->blob[r->n] = malloc(len);
        memcpy(r->blob[r->n], data, len);
        r->len[r->n++] = len;
    }
    if (more < 0 || sk_bundle_reader_close(rd, &err) != SK_OK)
        die("reading a bundle", &err);
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
        die("opening the baseline store", &err);
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
    rows r = {malloc(b->per_bundle * sizeof *r.h), malloc(b->per_bundle * sizeof *r.blob),
              malloc(b->per_bundle * sizeof *r.len), 0};
    double total = 0;
    for (int i = 0; i < N_BUNDLES; i++) {
        r.n = 0;
        load_rows(b->bundle[i], &r);
        double t0 = now_s();
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
        per_bundle[i] = now_s() - t0;
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
    double med = percentile(per, N_BUNDLES, 0.5), p99 = percentile(per, N_BUNDLES, 0.99);
    printf("| %-9s | %9llu | %8.2f | %10.0f | %9.2f | %9.2f | %8.1f |\n", what,
           (unsigned long long)n, secs, (double)n / secs, med * 1e3, p99 * 1e3, rss);
}

int main(int argc, char **argv)
{
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
    setup_keys(&b);

    double t0 = now_s();
    make_bundles(&b);
    printf("bench_merge: %llu records in %d bundles from %d kiosks, made in %.1f s (untimed)\n",
           (unsigned long long)records, N_BUNDLES, N_KIOSKS, now_s() - t0);
    double rss_start = peak_rss_mib();

    char store[1100], base[1100];
    snprintf(store, sizeof store, "%s/central.db", b.dir);
    snprintf(base, sizeof base, "%s/baseline.db", b.dir);
    double per_merge[N_BUNDLES], per_base[N_BUNDLES];
    double t_merge = run_merge(&b, store, per_merge);
    double rss_merge = peak_rss_mib();
    double t_base = run_baseline(&b, base, per_base);
    double rss_base = peak_rss_mib();

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
