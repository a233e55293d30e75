/* bench_merge_pg.c - merging bundles into a central store on PostgreSQL, beside
 * a plain PostgreSQL COPY of the same rows into the same schema, in the same run.
 *
 *   bench_merge_pg URI [RECORDS [RUNS]]   URI: a maintenance database where the
 *                                         bench may CREATE DATABASE (default
 *                                         20000 records, 3 runs)
 *
 * e.g. bench_merge_pg "$(scripts/pg-test-cluster.sh start /tmp/pgb)" 20000 3
 *
 * The records are spread over 100 bundles from 10 kiosks (made first, untimed;
 * the bundle maker is bench_bundles.c, shared with bench_merge).  Each run, into new databases:
 *   merge  sk_cstore_merge of every bundle (authentication, streaming, header
 *          checks, pinning, duplicate checks, one transaction per bundle);
 *   COPY   the same rows, parsed in memory beforehand, sent with COPY ... FROM
 *          STDIN (FORMAT binary) into the records table of a store that
 *          sk_cstore_open made (the same schema), one transaction per bundle.
 * Prints records/s of both per run, the medians and their ratio (goal >= 0.5).
 * Wall time on a loaded machine is noisy, so each run also prints the CPU time
 * both sides spent: this process (getrusage, every thread: the signature
 * checks run on worker threads) and the PostgreSQL backend serving it (its
 * /proc/PID/stat; the server runs on this machine, as the test cluster does),
 * in microseconds per record; their ratio is the load-independent measure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "bench_bundles.h"
#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/pack.h"
#include "sk/record.h"

static char admin[1024];

/* CPU seconds of this process, all threads. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU seconds of process pid (a PostgreSQL backend), or 0 when unreadable. */
static double pid_cpu_s(int pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    const char *p = strrchr(line, ')'); /* after the command name: state is field 3 */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* What one timed run cost. */
typedef struct cost {
    double wall, client_cpu, server_cpu;
} cost;

/* The URI of database db: the admin URI's path replaced. */
static void db_url(char *out, size_t size, const char *db)
{
    const char *auth = strstr(admin, "://") + 3;
    const char *path = auth + strcspn(auth, "/?");
    const char *query = strchr(path, '?');
    snprintf(out, size, "%.*s/%s%s", (int)(path - admin), admin, db, query ? query : "");
}

static void pg_run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType t = PQresultStatus(r);
    if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_COPY_IN) {
        fprintf(stderr, "bench_merge_pg: %s: %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

static PGconn *pg_connect(const char *uri)
{
    PGconn *c = PQconnectdb(uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_merge_pg: %s", PQerrorMessage(c));
        exit(1);
    }
    pg_run(c, "SET client_min_messages = warning");
    return c;
}

/* A new empty database; out gets its URI. */
static void fresh_db(const char *name, char *out, size_t size)
{
    PGconn *c = pg_connect(admin);
    char sql[200];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", name);
    pg_run(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    pg_run(c, sql);
    PQfinish(c);
    db_url(out, size, name);
}

static void drop_db(const char *name)
{
    PGconn *c = pg_connect(admin);
    char sql[200];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pg_run(c, sql);
    PQfinish(c);
}

/* A store with the kiosks enrolled by fingerprint, so that their records
 * merge (or are copied) as data. */
static sk_cstore *new_store(const bench *b, const char *uri)
{
    sk_cstore *cs = NULL;
    sk_error err;
    if (sk_cstore_open(uri, &cs, &err) != SK_OK)
        bench_die("opening the store", &err);
    for (int k = 0; k < N_KIOSKS; k++) {
        char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
        sk_device_fingerprint(b->kiosk[k].pk, fp);
        if (sk_cstore_device_add(cs, fp, "Bench", id, &err) != SK_OK)
            bench_die("enrolling a kiosk", &err);
    }
    return cs;
}

/* The backend serving the store's connection: the one session on database db. */
static int backend_of(const char *db)
{
    PGconn *c = pg_connect(admin);
    const char *params[1] = {db};
    PGresult *r = PQexecParams(c, "SELECT pid FROM pg_stat_activity WHERE datname = $1", 1, NULL,
                               params, NULL, NULL, 0);
    int pid = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0))
                                                                        : 0;
    PQclear(r);
    PQfinish(c);
    return pid;
}

static cost run_merge(const bench *b, const char *uri, const char *db)
{
    sk_cstore *cs = new_store(b, uri);
    sk_error err;
    int pid = backend_of(db);
    double s0 = pid_cpu_s(pid), c0 = self_cpu_s();
    double t0 = bench_now_s();
    for (int i = 0; i < N_BUNDLES; i++) {
        sk_merge_stats st;
        if (sk_cstore_merge(cs, b->bundle[i], &st, NULL, NULL, &err) != SK_OK)
            bench_die("merging", &err);
        if (st.added != b->per_bundle) {
            fprintf(stderr, "bench_merge_pg: %llu added, expected %llu\n",
                    (unsigned long long)st.added, (unsigned long long)b->per_bundle);
            exit(1);
        }
    }
    cost k = {bench_now_s() - t0, self_cpu_s() - c0, pid_cpu_s(pid) - s0};
    sk_cstore_close(cs);
    return k;
}

/* COPY BINARY tuples: a field is its length (int32) and its bytes. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *v, size_t len)
{
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            exit(1);
    }
    memcpy(b->p + b->n, v, len);
    b->n += len;
}

static void put_i16(buf *b, uint16_t v) { v = htons(v); put(b, &v, 2); }
static void put_i32(buf *b, uint32_t v) { v = htonl(v); put(b, &v, 4); }
static void put_field(buf *b, const void *v, size_t len) { put_i32(b, (uint32_t)len); put(b, v, len); }
static void put_i64_field(buf *b, uint64_t v)
{
    put_i32(b, 8);
    put_i32(b, (uint32_t)(v >> 32));
    put_i32(b, (uint32_t)v);
}

static cost run_copy(const bench *b, const char *uri, bench_rows *all)
{
    sk_cstore_close(new_store(b, uri)); /* the schema and the devices */
    PGconn *c = pg_connect(uri);
    buf out = {0};
    int pid = PQbackendPID(c);
    double s0 = pid_cpu_s(pid), c0 = self_cpu_s();
    double t0 = bench_now_s();
    for (int i = 0; i < N_BUNDLES; i++) {
        const bench_rows *r = &all[i];
        pg_run(c, "BEGIN");
        pg_run(c, "COPY records(device, record_id, seq, kind, form_id, form_version, wtag, blob,"
                  " import_id) FROM STDIN (FORMAT binary)");
        out.n = 0;
        put(&out, "PGCOPY\n\377\r\n\0", 11);
        put_i32(&out, 0);
        put_i32(&out, 0);
        for (size_t j = 0; j < r->n; j++) {
            const sk_record_header *h = &r->h[j];
            char dev[2 * SK_DEVICE_ID_SIZE + 1];
            sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
            put_i16(&out, 9);
            put_field(&out, dev, strlen(dev));
            put_field(&out, h->record_id, SK_RECORD_ID_SIZE);
            put_i64_field(&out, h->seq);
            put_i32(&out, 4);
            put_i32(&out, (uint32_t)h->kind);
            put_field(&out, h->form_id, strlen(h->form_id));
            put_field(&out, h->form_version, strlen(h->form_version));
            if (sodium_is_zero(h->withdraw_tag, SK_TAG_SIZE))
                put_i32(&out, 0xffffffffu);
            else
                put_field(&out, h->withdraw_tag, SK_TAG_SIZE);
            put_field(&out, r->blob[j], r->len[j]);
            put_i64_field(&out, (uint64_t)i + 1);
        }
        put_i16(&out, 0xffff);
        if (PQputCopyData(c, out.p, (int)out.n) != 1 || PQputCopyEnd(c, NULL) != 1) {
            fprintf(stderr, "bench_merge_pg: COPY: %s", PQerrorMessage(c));
            exit(1);
        }
        PGresult *res = PQgetResult(c);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            fprintf(stderr, "bench_merge_pg: COPY: %s", PQerrorMessage(c));
            exit(1);
        }
        PQclear(res);
        while ((res = PQgetResult(c)))
            PQclear(res);
        pg_run(c, "COMMIT");
    }
    cost k = {bench_now_s() - t0, self_cpu_s() - c0, pid_cpu_s(pid) - s0};
    free(out.p);
    PQfinish(c);
    return k;
}

int main(int argc, char **argv)
{
    bench_prog = "bench_merge_pg";
    if (argc < 2 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_merge_pg URI [RECORDS [RUNS]]\n");
        return 2;
    }
    snprintf(admin, sizeof admin, "%s", argv[1]);
    uint64_t records = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000;
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    if (runs < 1 || runs > 20)
        runs = 3;
    static bench b;
    b.per_bundle = records / N_BUNDLES ? records / N_BUNDLES : 1;
    records = b.per_bundle * N_BUNDLES;
    snprintf(b.dir, sizeof b.dir, "/tmp/bench_merge_pg-%ld", (long)getpid());
    mkdir(b.dir, 0755);
    bench_setup_keys(&b);
    double t0 = bench_now_s();
    bench_make_bundles(&b);
    static bench_rows all[N_BUNDLES];
    for (int i = 0; i < N_BUNDLES; i++) {
        all[i].h = calloc(b.per_bundle, sizeof *all[i].h);
        all[i].blob = calloc(b.per_bundle, sizeof *all[i].blob);
        all[i].len = calloc(b.per_bundle, sizeof *all[i].len);
        bench_load_rows(b.bundle[i], &all[i]);
    }
    printf("bench_merge_pg: %llu records in %d bundles from %d kiosks, made in %.1f s (untimed)\n\n",
           (unsigned long long)records, N_BUNDLES, N_KIOSKS, bench_now_s() - t0);
    printf("| run | merge records/s | COPY records/s | ratio | merge CPU us/rec (client+server) |"
           " COPY CPU us/rec (client+server) | CPU ratio |\n"
           "|-----|-----------------|----------------|-------|----------------------------------|"
           "---------------------------------|-----------|\n");
    double merge_rate[20], copy_rate[20], merge_cpu[20], copy_cpu[20];
    char name[64], uri[1200];
    double us = 1e6 / (double)records;
    for (int r = 0; r < runs; r++) {
        snprintf(name, sizeof name, "bench_merge_pg_%ld_m", (long)getpid());
        fresh_db(name, uri, sizeof uri);
        cost m = run_merge(&b, uri, name);
        drop_db(name);
        snprintf(name, sizeof name, "bench_merge_pg_%ld_c", (long)getpid());
        fresh_db(name, uri, sizeof uri);
        cost c = run_copy(&b, uri, all);
        drop_db(name);
        merge_rate[r] = (double)records / m.wall;
        copy_rate[r] = (double)records / c.wall;
        merge_cpu[r] = (m.client_cpu + m.server_cpu) * us;
        copy_cpu[r] = (c.client_cpu + c.server_cpu) * us;
        printf("| %3d | %15.0f | %14.0f | %5.2f | %12.1f (%5.1f + %5.1f)     | %11.1f (%5.1f + %5.1f)    "
               " | %9.2f |\n",
               r + 1, merge_rate[r], copy_rate[r], merge_rate[r] / copy_rate[r], merge_cpu[r],
               m.client_cpu * us, m.server_cpu * us, copy_cpu[r], c.client_cpu * us,
               c.server_cpu * us, copy_cpu[r] / merge_cpu[r]);
        fflush(stdout);
    }
    double mm = bench_percentile(merge_rate, (size_t)runs, 0.5), mc = bench_percentile(copy_rate, (size_t)runs, 0.5);
    double cm = bench_percentile(merge_cpu, (size_t)runs, 0.5), cc = bench_percentile(copy_cpu, (size_t)runs, 0.5);
    printf("| median | %12.0f | %14.0f | %5.2f | %32.1f | %31.1f | %9.2f |\n", mm, mc, mm / mc, cm, cc,
           cc / cm);
    printf("\nmerge / COPY (medians of %d runs): %.2f in records/s (goal >= 0.5), %.2f in CPU time per "
           "record (COPY's over merge's: load-independent); peak RSS %.1f MiB (with every row held in "
           "memory for COPY)\n",
           runs, mm / mc, cc / cm, bench_peak_rss_mib());
    for (int i = 0; i < N_BUNDLES; i++) {
        unlink(b.bundle[i]);
        for (size_t j = 0; j < all[i].n; j++)
            free(all[i].blob[j]);
        free(all[i].h);
        free(all[i].blob);
        free(all[i].len);
    }
    char pack[1100];
    snprintf(pack, sizeof pack, "%s/bench.pack", b.dir);
    unlink(pack);
    rmdir(b.dir);
    free(b.pack);
    return 0;
}
