/* bench_export.c - export and report over 100,000 sealed records.
 *
 * Each is timed with one thread (sk_export_set_threads(1)) and with one per
 * core, beside the bare crypto_box_seal_open rate of one core measured in the
 * same run (the floor of opening a record: its X25519 key exchange), so the
 * table shows records/s per core as a fraction of what opening alone allows
 * (issue 13: goal >= 0.7).
 *
 * Builds a central store the way a researcher gets one: a study key, a signed
 * pack of a realistic questionnaire (tests/data/export/scenario.md, read from
 * the source tree beside this file), one kiosk bundle of N sealed response records with varied
 * answers, merged with sk_cstore_merge.  Then times sk_export_csv (every
 * record opened, four CSVs written) and sk_report (skip logic re-evaluated per
 * record) a few times each and prints the medians as records per second, with
 * the peak resident memory (VmHWM) after each phase.
 *
 *   bench_export [N=100000] [RUNS=3] [THREADS=cores]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/export.h"
#include "sk/keys.h"
#include "sk/pack.h"
#include "sk/record.h"

/* The questionnaire comes from the source tree, found beside this file. */
static void scenario_form_path(char *out, size_t size)
{
    const char *here = __FILE__;
    const char *cut = strstr(here, "bench/bench_export.c");
    int dir_len = cut ? (int)(cut - here) : 0;
    snprintf(out, size, "%.*stests/data/export/scenario.md", dir_len, here);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of the process (every thread) or of this thread, in ms: on a
 * shared machine wall-clock rates say more about the neighbours than about
 * the code, so the table also gives records per CPU second. */
static double cpu_ms(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Start a new high-water mark, so each phase's peak is its own (Linux >= 4.0). */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kib = ru.ru_maxrss;
    }
    return kib;
}

/* The peak of the process's own memory (resident minus file-backed: heap,
 * stacks) during a phase, sampled every 50 ms by a thread from
 * /proc/self/statm (cheap to read: the sampler's CPU counts in the phase's
 * CPU time): VmHWM also counts the pages of the store that SQLite maps
 * while export reads it (page cache, shared and clean, bounded by
 * cstore_read.c's map size), which are not the export's memory. */
static struct {
    pthread_t thread;
    bool running;   /* the sampler was started (only the main thread reads it) */
    pthread_mutex_t mu;
    bool stop;
    long peak_kib;
} anon = {.mu = PTHREAD_MUTEX_INITIALIZER};

static long rss_anon_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size, resident, shared, kib = -1;
    if (f && fscanf(f, "%ld %ld %ld", &size, &resident, &shared) == 3)
        kib = (resident - shared) * (sysconf(_SC_PAGESIZE) / 1024);
    if (f)
        fclose(f);
    return kib;
}

static void *anon_sampler(void *arg)
{
    (void)arg;
    for (;;) {
        long kib = rss_anon_kib();
        pthread_mutex_lock(&anon.mu);
        if (kib > anon.peak_kib)
            anon.peak_kib = kib;
        bool stop = anon.stop;
        pthread_mutex_unlock(&anon.mu);
        if (stop)
            return NULL;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void anon_start(void)
{
    anon.stop = false;
    anon.peak_kib = 0;
    anon.running = pthread_create(&anon.thread, NULL, anon_sampler, NULL) == 0;
}

static long anon_stop(void)
{
    /* Not anon.peak_kib: the sampler writes it until it is joined (TSan). */
    if (!anon.running)
        return -1;
    pthread_mutex_lock(&anon.mu);
    anon.stop = true;
    pthread_mutex_unlock(&anon.mu);
    pthread_join(anon.thread, NULL);
    return anon.peak_kib;
}

static void die(const char *what, const sk_error *err)
{
    char buf[1200] = "";
    if (err)
        sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "bench_export: %s: %s\n", what, buf);
    exit(1);
}

static const char *pick(const char *const *xs, size_t n, uint32_t r)
{
    return xs[r % n];
}

/* One sitting's answers, varied but plausible for the scenario form. */
static void fill_answers(sk_answers *a, const sk_pack *pack, uint64_t i, int64_t t0)
{
    static const char *const roles[] = {"clinical", "management", "data", "other"};
    static const char *const yn[] = {"yes", "no"};
    static const char *const impact[] = {"strong", "some", "none"};
    static const char *const training[] = {"msc", "short", "msc short", "mentoring", "",
                                           "msc mentoring"};
    static const char *const scale[] = {"1", "2", "3", "4", "5"};
    uint32_t r = randombytes_random();
    int64_t start = t0 + (int64_t)i * 60000;
    sk_answers_set_meta(&a->form_id, pack->form_id);
    sk_answers_set_meta(&a->form_version, pack->form_version);
    a->started_ms = start;
    a->finished_ms = start + 120000 + r % 300000;
    /* What the kiosk records besides the answers: the form's start question
     * ("started"), filled when the sitting opens, so every real record
     * carries it (before 2026-12-01 the bench left it out, and export and
     * report filled it again and re-ran the skip logic for every record). */
    char started[40];
    time_t secs = (time_t)(start / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%S.000+00:00", &tm);
    sk_answers_set(a, "started", started, SK_SECTION_RESPONSE, start);
    const char *role = pick(roles, 4, r);
    const char *changed = pick(yn, 2, r >> 3);
    sk_answers_set(a, "role", role, SK_SECTION_RESPONSE, start);
    if (strcmp(role, "other") == 0)
        sk_answers_set(a, "role_other", "Chief nursing information officer, \"acting\"",
                       SK_SECTION_RESPONSE, start);
    sk_answers_set(a, "changed", changed, SK_SECTION_RESPONSE, start);
    if (strcmp(changed, "yes") == 0)
        sk_answers_set(a, "impact", pick(impact, 3, r >> 5), SK_SECTION_RESPONSE, start);
    sk_answers_set(a, "training", pick(training, 6, r >> 7), SK_SECTION_RESPONSE, start);
    char years[16];
    snprintf(years, sizeof years, "%u", (r >> 11) % 35);
    sk_answers_set(a, "years", years, SK_SECTION_RESPONSE, start);
    /* and its calculations, as the runtime computed them on the kiosk */
    sk_answers_set(a, "senior", (r >> 11) % 35 > 10 ? "yes" : "no", SK_SECTION_RESPONSE, start);
    sk_answers_set(a, "courage", pick(scale, 5, r >> 17), SK_SECTION_RESPONSE, start);
    sk_answers_set(a, "mentoring", pick(scale, 5, r >> 20), SK_SECTION_RESPONSE, start);
    sk_answers_set(a, "hours", "12.5", SK_SECTION_RESPONSE, start);
    if (i % 3 == 0)
        sk_answers_set(a, "comments", "The mentoring made the difference; more of it, please.",
                       SK_SECTION_RESPONSE, start);
}

static void build_store(const char *dir, uint64_t n, sk_study_key **key_out, char *store_path,
                        size_t size)
{
    sk_error err;
    const char *pass = "bench passphrase";
    char keydir[4096], key_path[4200], form_path[4096], pack_path[4200], bundle_path[4200];
    snprintf(keydir, sizeof keydir, "%s/keys", dir);
    snprintf(key_path, sizeof key_path, "%s/study.key", keydir);
    scenario_form_path(form_path, sizeof form_path);
    snprintf(pack_path, sizeof pack_path, "%s/scenario.pack", dir);
    snprintf(bundle_path, sizeof bundle_path, "%s/bench.skb", dir);
    snprintf(store_path, size, "%s/central.db", dir);

    if (sk_study_keygen(keydir, pass, strlen(pass), NULL, &err) != SK_OK)
        die("keygen", &err);
    sk_study_key *key = NULL;
    if (sk_study_key_load(key_path, pass, strlen(pass), &key, &err) != SK_OK)
        die("key", &err);
    uint8_t *form = NULL, *pack_bytes = NULL;
    size_t form_len = 0, pack_len = 0;
    if (sk_read_file(form_path, 1 << 20, &form, &form_len, &err) != SK_OK)
        die("form", &err);
    if (sk_pack_write(pack_path, key, "dhlp_followup", "2026.1", "Digital leadership follow-up",
                      "scenario.md", form, form_len, &err) != SK_OK)
        die("pack", &err);
    sk_pack *pack = NULL;
    if (sk_read_file(pack_path, 1 << 24, &pack_bytes, &pack_len, &err) != SK_OK ||
        sk_pack_parse(pack_bytes, pack_len, &pack, &err) != SK_OK)
        die("pack read", &err);

    sk_device_key dk;
    crypto_sign_keypair(dk.pk, dk.sk);
    uint8_t device[SK_DEVICE_ID_SIZE];
    sk_device_id(dk.pk, device); /* ids belong to keys (docs/FORMATS.md) */
    sk_bundle_writer *w = NULL;
    if (sk_bundle_writer_open(bundle_path, device, "bench", dk.pk, &w, &err) != SK_OK ||
        sk_bundle_writer_add_pack(w, pack_bytes, pack_len, &err) != SK_OK)
        die("bundle", &err);
    int64_t t0 = sk_now_ms() - (int64_t)n * 60000;
    for (uint64_t i = 0; i < n; i++) {
        sk_answers a;
        sk_answers_init(&a);
        fill_answers(&a, pack, i, t0);
        char *json = NULL;
        size_t json_len = 0;
        if (sk_answers_to_json(&a, -1, &json, &json_len, &err) != SK_OK)
            die("json", &err);
        sk_record_header h = {0};
        h.kind = SK_REC_RESPONSE;
        randombytes_buf(h.record_id, sizeof h.record_id);
        memcpy(h.device_id, device, sizeof device);
        h.seq = i + 1;
        snprintf(h.form_id, sizeof h.form_id, "%s", pack->form_id);
        snprintf(h.form_version, sizeof h.form_version, "%s", pack->form_version);
        uint8_t *blob = NULL;
        size_t blob_len = 0;
        if (sk_record_seal(&h, &pack->study, &dk, json, json_len, &blob, &blob_len, &err) != SK_OK ||
            sk_bundle_writer_add_record(w, blob, blob_len, &err) != SK_OK)
            die("record", &err);
        free(blob);
        sk_secret_free(json, json_len);
        sk_answers_free(&a);
    }
    if (sk_bundle_writer_finish(w, &dk, &err) != SK_OK)
        die("bundle finish", &err);
    sk_cstore *cs = NULL;
    sk_merge_stats stats = {0};
    char fp[SK_FINGERPRINT_SIZE], dev_hex[2 * SK_DEVICE_ID_SIZE + 1];
    sk_device_fingerprint(dk.pk, fp);
    /* the researcher enrols the kiosk by its fingerprint: its records are data */
    if (sk_cstore_open(store_path, &cs, &err) != SK_OK ||
        sk_cstore_device_add(cs, fp, "bench", dev_hex, &err) != SK_OK ||
        sk_cstore_merge(cs, bundle_path, &stats, NULL, NULL, &err) != SK_OK)
        die("merge", &err);
    if (stats.added != n) {
        fprintf(stderr, "bench_export: merged %llu records, expected %llu\n",
                (unsigned long long)stats.added, (unsigned long long)n);
        exit(1);
    }
    sk_cstore_close(cs);
    unlink(bundle_path);
    sk_pack_free(pack);
    free(pack_bytes);
    free(form);
    sodium_memzero(&dk, sizeof dk);
    *key_out = key;
}

/* crypto_box_seal_open of a sealed 32-byte key (what each record needs),
 * on this thread: opens per second, median of runs batches. */
static double bare_open_rate(const sk_study_key *key, int runs, double *per_cpu_s)
{
    uint8_t sealed[32 + crypto_box_SEALBYTES], k[32];
    randombytes_buf(k, sizeof k);
    crypto_box_seal(sealed, k, sizeof k, key->pub.box_pk);
    double rates[50], cpu_rates[50];
    const int batch = 4000;
    for (int r = 0; r < runs; r++) {
        double t = now_ms(), c = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
        for (int i = 0; i < batch; i++)
            if (crypto_box_seal_open(k, sealed, sizeof sealed, key->pub.box_pk, key->box_sk) != 0)
                exit(1);
        rates[r] = batch / ((now_ms() - t) / 1e3);
        cpu_rates[r] = batch / ((cpu_ms(CLOCK_THREAD_CPUTIME_ID) - c) / 1e3);
    }
    qsort(rates, (size_t)runs, sizeof *rates, cmp_double);
    qsort(cpu_rates, (size_t)runs, sizeof *cpu_rates, cmp_double);
    *per_cpu_s = cpu_rates[runs / 2];
    return rates[runs / 2];
}

typedef struct phase {
    double ms[50], cpu[50];   /* wall and process CPU ms per run, sorted */
    long rss, anon;   /* peak VmHWM and peak RssAnon, KiB */
} phase;

static void time_export(sk_cstore *cs, const sk_study_key *key, const char *outdir, int runs,
                        phase *ph)
{
    sk_error err;
    reset_peak_rss();
    anon_start();
    for (int i = 0; i < runs; i++) {
        sk_export_opts opts = {.lang = -1};
        size_t files = 0;
        double t = now_ms(), c = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (sk_export_csv(cs, key, outdir, &opts, &files, &err) != SK_OK)
            die("export", &err);
        ph->ms[i] = now_ms() - t;
        ph->cpu[i] = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c;
    }
    ph->rss = peak_rss_kib();
    ph->anon = anon_stop();
    qsort(ph->ms, (size_t)runs, sizeof *ph->ms, cmp_double);
    qsort(ph->cpu, (size_t)runs, sizeof *ph->cpu, cmp_double);
}

static void time_report(sk_cstore *cs, const sk_study_key *key, int runs, phase *ph)
{
    sk_error err;
    reset_peak_rss();
    anon_start();
    for (int i = 0; i < runs; i++) {
        sk_report_opts opts = {.lang = -1};
        char *html = NULL;
        size_t len = 0;
        double t = now_ms(), c = cpu_ms(CLOCK_PROCESS_CPUTIME_ID);
        if (sk_report(cs, key, &opts, &html, &len, &err) != SK_OK)
            die("report", &err);
        ph->ms[i] = now_ms() - t;
        ph->cpu[i] = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - c;
        sk_secret_free(html, len);
    }
    ph->rss = peak_rss_kib();
    ph->anon = anon_stop();
    qsort(ph->ms, (size_t)runs, sizeof *ph->ms, cmp_double);
    qsort(ph->cpu, (size_t)runs, sizeof *ph->cpu, cmp_double);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    if (n == 0 || runs < 1 || runs > 50 || sodium_init() < 0) {
        fprintf(stderr, "usage: bench_export [N=100000] [RUNS=3] [THREADS=cores]\n");
        return 2;
    }
    char dir[] = "/tmp/bench_export-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_export: mkdtemp");
        return 1;
    }
    char store[4200], outdir[4200];
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    if (mkdir(outdir, 0755) != 0) {
        perror("bench_export: mkdir");
        return 1;
    }
    sk_study_key *key = NULL;
    double t = now_ms();
    build_store(dir, n, &key, store, sizeof store);
    printf("built a store of %llu sealed records in %.1f s (peak RSS %ld KiB)\n",
           (unsigned long long)n, (now_ms() - t) / 1e3, peak_rss_kib());

    sk_error err;
    sk_cstore *cs = NULL;
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        die("open", &err);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = argc > 3 ? atoi(argv[3]) : (int)(cores > 0 ? cores : 1);
    if (threads < 1)
        threads = 1;
    long rss_before = peak_rss_kib();
    double open_cpu = 0, open_rate = bare_open_rate(key, runs < 3 ? 3 : runs, &open_cpu);
    phase ex1, exn, rp1, rpn;
    sk_export_set_threads(1);
    time_export(cs, key, outdir, runs, &ex1);
    time_report(cs, key, runs, &rp1);
    sk_export_set_threads(threads);
    time_export(cs, key, outdir, runs, &exn);
    time_report(cs, key, runs, &rpn);
    sk_export_set_threads(0);

    printf("\nbare crypto_box_seal_open, one core: %.0f opens/s wall, %.0f per CPU second\n",
           open_rate, open_cpu);
    printf("\n%-20s %7s %10s %10s %11s %9s %10s %9s %12s %12s\n", "phase (N records)", "threads",
           "median ms", "records/s", "per thread", "x open", "rec/CPU-s", "x open", "peak RSS KiB",
           "anon KiB");
    const struct {
        const char *name;
        int threads;
        const phase *ph;
    } rows[] = {{"export CSV (4 files)", 1, &ex1}, {"export CSV (4 files)", threads, &exn},
                {"report HTML", 1, &rp1},          {"report HTML", threads, &rpn}};
    for (size_t i = 0; i < 4; i++) {
        double ms = rows[i].ph->ms[runs / 2], rate = (double)n / (ms / 1e3);
        double per = rate / rows[i].threads;
        double per_cpu = (double)n / (rows[i].ph->cpu[runs / 2] / 1e3);
        printf("%-20s %7d %10.1f %10.0f %11.0f %9.2f %10.0f %9.2f %12ld %12ld\n", rows[i].name,
               rows[i].threads, ms, rate, per, per / open_rate, per_cpu, per_cpu / open_cpu,
               rows[i].ph->rss, rows[i].ph->anon);
    }
    printf("speed-up with %d threads: export %.2fx, report %.2fx\n", threads,
           ex1.ms[runs / 2] / exn.ms[runs / 2], rp1.ms[runs / 2] / rpn.ms[runs / 2]);
    printf("(per thread: records/s over threads, x open: that over the bare open rate of one core;\n"
           " rec/CPU-s: records per second of CPU time of every thread, x open: that over the\n"
           " bare open rate per CPU second.  Peak RSS: VmHWM, with the store's pages SQLite maps;\n"
           " anon: peak resident minus file-backed, the process's own memory.  Peak RSS before export: %ld KiB; medians of %d\n"
           " runs; N = %llu; %ld cores online)\n",
           rss_before, runs, (unsigned long long)n, cores);
    sk_cstore_close(cs);
    sk_study_key_free(key);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_export: could not remove %s\n", dir);
    return 0;
}
