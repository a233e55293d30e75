/* bench_kstore.c - the kiosk store's cost per answer and per bundle.
 *
 *   durable save   sk_sitting_save of a 30-answer draft (seal + one WAL commit
 *                  with synchronous=FULL), median and p99 over N saves
 *   raw commit     one INSERT OR REPLACE of a row of the same size into a plain
 *                  SQLite file with the same pragmas, in the same folder
 *   export/verify  sk_kstore_export of every record, then one reader pass over
 *                  the bundle (authenticate + stream), in records per second
 *
 * The goal from the issue: a durable save within 1.5x of the raw commit.
 * Prints a table; never run by ctest.
 * usage: bench_kstore [DIR [N_SAVES [N_RECORDS]]]   (scratch files in DIR, default /tmp) */
#define _POSIX_C_SOURCE 200809L
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/kstore.h"
#include "sk/pack.h"
#include "sk/record.h"

#define N_ANSWERS 30
#define EXPORT_ROUNDS 5

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

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    return t[n / 2];
}

static double p99(const double *sorted, int n) { return sorted[(n * 99) / 100]; }

static int die(const char *what, const sk_error *err)
{
    fprintf(stderr, "bench_kstore: %s: %s\n", what, err ? err->message : "failed");
    return 1;
}

/* A study key in memory (no passphrase: the bench measures the store, not Argon2id)
 * and a signed pack of a small form in dir/bench.pack. */
static sk_study_key *make_pack(const char *pack, sk_error *err)
{
    sk_study_key *key = sodium_malloc(sizeof *key);
    if (!key)
        return NULL;
    crypto_box_keypair(key->pub.box_pk, key->box_sk);
    crypto_sign_keypair(key->pub.sign_pk, key->sign_sk);
    static const char form[] = "| survey | type | name | label |\n|  | text | q0 | Q0 |\n";
    if (sk_pack_write(pack, key, "bench", "1", "Bench survey", "form.md", (const uint8_t *)form,
                      sizeof form - 1, err) != SK_OK) {
        sodium_free(key);
        return NULL;
    }
    return key;
}

/* 30 answers of a realistic size: a sentence each, like a free-text survey. */
static int fill_draft(sk_answers *a, int round)
{
    for (int i = 0; i < N_ANSWERS; i++) {
        char name[16], value[96];
        snprintf(name, sizeof name, "q%02d", i);
        snprintf(value, sizeof value, "answer %d of round %d: somewhat agree, see comments", i,
                 round);
        if (sk_answers_set(a, name, value, SK_SECTION_RESPONSE, sk_now_ms()) != SK_OK)
            return -1;
    }
    return 0;
}

/* The same durable single-row commit without sealing or JSON, in its own file
 * beside kiosk.db with the store's pragmas. */
typedef struct raw_db {
    sqlite3 *db;
    sqlite3_stmt *st;
    uint8_t *row;
    size_t row_bytes;
} raw_db;

static int raw_open(raw_db *r, const char *path, size_t row_bytes)
{
    memset(r, 0, sizeof *r);
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                        "PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;"
                        "CREATE TABLE IF NOT EXISTS drafts(sitting_id TEXT PRIMARY KEY,"
                        "  form_id TEXT, form_version TEXT, blob BLOB, updated_ms INTEGER);";
    r->row_bytes = row_bytes;
    r->row = malloc(row_bytes);
    if (!r->row || sqlite3_open(path, &r->db) != SQLITE_OK ||
        sqlite3_exec(r->db, setup, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db,
                           "INSERT OR REPLACE INTO drafts(sitting_id, form_id, form_version, blob,"
                           " updated_ms) VALUES ('0123456789abcdef0123456789abcdef', 'bench', '1',"
                           " ?, ?)",
                           -1, &r->st, NULL) != SQLITE_OK)
        return -1;
    return 0;
}

static int raw_commit(raw_db *r, int i, double *t)
{
    randombytes_buf(r->row, r->row_bytes); /* sealed bytes do not compress either */
    double t0 = now_us();
    sqlite3_bind_blob(r->st, 1, r->row, (int)r->row_bytes, SQLITE_STATIC);
    sqlite3_bind_int64(r->st, 2, i);
    int rc = sqlite3_step(r->st);
    sqlite3_reset(r->st);
    *t = now_us() - t0;
    return rc == SQLITE_DONE ? 0 : -1;
}

static void raw_close(raw_db *r)
{
    sqlite3_finalize(r->st);
    sqlite3_close(r->db);
    free(r->row);
}

/* The CPU part of a save alone: the draft to JSON, sealed and signed by a
 * device key, no database. */
static double seal_only(const sk_answers *a, const sk_study_pub *study)
{
    static sk_device_key dev;
    static bool have_dev;
    if (!have_dev) {
        crypto_sign_keypair(dev.pk, dev.sk);
        have_dev = true;
    }
    sk_record_header h;
    memset(&h, 0, sizeof h);
    h.kind = SK_REC_DRAFT;
    sk_device_id(dev.pk, h.device_id);
    snprintf(h.form_id, sizeof h.form_id, "bench");
    snprintf(h.form_version, sizeof h.form_version, "1");
    double t0 = now_us();
    char *json = NULL;
    size_t json_len = 0;
    uint8_t *blob = NULL;
    size_t len = 0;
    sk_error err;
    if (sk_answers_to_json(a, -1, &json, &json_len, &err) != SK_OK)
        return -1;
    sk_status s = sk_record_seal(&h, study, &dev, json, json_len, &blob, &len, &err);
    sk_secret_free(json, json_len);
    free(blob);
    return s == SK_OK ? now_us() - t0 : -1;
}

static size_t draft_bytes(const char *db_path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    size_t n = 0;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT MAX(length(blob)) FROM drafts", -1, &st, NULL) ==
            SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = (size_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* One pass of the bundle reader: authenticate the file, stream every item, confirm. */
static int verify_bundle(const char *path, uint64_t *n_records, sk_error *err)
{
    sk_bundle_reader *r;
    sk_bundle_info info;
    if (sk_bundle_reader_open(path, &r, &info, err) != SK_OK)
        return -1;
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int rc;
    *n_records = 0;
    while ((rc = sk_bundle_reader_next(r, &kind, &data, &len, err)) == 1)
        *n_records += kind == SK_ITEM_RECORD;
    if (rc < 0) {
        sk_bundle_reader_abort(r);
        return -1;
    }
    return sk_bundle_reader_close(r, err) == SK_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "/tmp";
    int n_saves = argc > 2 ? atoi(argv[2]) : 500;
    int n_records = argc > 3 ? atoi(argv[3]) : 1000;
    if (sodium_init() < 0 || n_saves < 10 || n_records < 1)
        return fprintf(stderr, "usage: bench_kstore [DIR [N_SAVES>=10 [N_RECORDS]]]\n"), 2;
    char dir[1024], kiosk[1100], pack[1100], raw[1100], db[1200];
    snprintf(dir, sizeof dir, "%s/bench_kstore-%d", base, (int)getpid());
    snprintf(kiosk, sizeof kiosk, "%s/kiosk", dir);
    snprintf(pack, sizeof pack, "%s/bench.pack", dir);
    snprintf(raw, sizeof raw, "%s/raw.db", dir);
    snprintf(db, sizeof db, "%s/kiosk.db", kiosk);
    if (mkdir(dir, 0700) != 0)
        return fprintf(stderr, "bench_kstore: cannot create %s\n", dir), 1;

    sk_error err;
    sk_study_key *key = make_pack(pack, &err);
    if (!key)
        return die("making the pack", &err);
    sk_kstore *ks;
    if (sk_kstore_open(kiosk, &ks, &err) != SK_OK || sk_kstore_install_pack(ks, pack, NULL, &err))
        return die("opening the store", &err);

    /* Durable saves: one answer changes, the whole 30-answer draft is sealed and
     * committed.  Saves and raw commits alternate so both see the same disk. */
    double *save_t = calloc((size_t)n_saves, sizeof *save_t);
    double *raw_t = calloc((size_t)n_saves, sizeof *raw_t);
    double *seal_t = calloc((size_t)n_saves, sizeof *seal_t);
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s;
    if (!save_t || !raw_t || !seal_t || sk_kstore_sitting_start(ks, &a, &s, &err) != SK_OK ||
        fill_draft(&a, 0) != 0 || sk_sitting_save(s, &a, &err) != SK_OK)
        return die("starting a sitting", &err);
    size_t row = draft_bytes(db); /* the row the store writes, for a like-for-like commit */
    raw_db rawdb;
    if (row == 0 || raw_open(&rawdb, raw, row) != 0)
        return fprintf(stderr, "bench_kstore: cannot set up the raw SQLite file\n"), 1;
    for (int i = 0; i < n_saves; i++) {
        char name[16], value[96];
        snprintf(name, sizeof name, "q%02d", i % N_ANSWERS);
        snprintf(value, sizeof value, "changed answer %d: strongly agree, see comments", i);
        sk_answers_set(&a, name, value, SK_SECTION_RESPONSE, sk_now_ms());
        double t0 = now_us();
        if (sk_sitting_save(s, &a, &err) != SK_OK)
            return die("saving", &err);
        save_t[i] = now_us() - t0;
        if (raw_commit(&rawdb, i, &raw_t[i]) != 0)
            return fprintf(stderr, "bench_kstore: raw SQLite commit failed\n"), 1;
        seal_t[i] = seal_only(&a, &key->pub);
    }
    raw_close(&rawdb);
    if (sk_sitting_abandon(s, &a, &err) != SK_OK)
        return die("abandoning", &err);
    sk_answers_free(&a);

    /* Records to export: finished 30-answer sittings (one RESPONSE record each). */
    sk_kstore_counts c;
    sk_kstore_counts_get(ks, &c, &err);
    double fill_t0 = now_us();
    int n_finished = 0;
    for (uint64_t have = c.finished + c.incomplete; have < (uint64_t)n_records; have++) {
        sk_answers_init(&a);
        char code[SK_WCODE_SIZE];
        if (sk_kstore_sitting_start(ks, &a, &s, &err) != SK_OK || fill_draft(&a, (int)have) != 0 ||
            sk_sitting_finish(s, &a, code, &err) != SK_OK)
            return die("finishing a sitting", &err);
        sk_answers_free(&a);
        n_finished++;
    }
    double fill_s = (now_us() - fill_t0) / 1e6;
    double export_t[EXPORT_ROUNDS], verify_t[EXPORT_ROUNDS];
    uint64_t exported = 0, verified = 0;
    for (int r = 0; r < EXPORT_ROUNDS; r++) {
        char out[1200], path[4096];
        /* A folder per round: bundle names carry the time, rounds may share a second. */
        snprintf(out, sizeof out, "%s/out%d", dir, r);
        double t0 = now_us();
        if (sk_kstore_export(ks, out, true, path, sizeof path, &exported, &err) != SK_OK)
            return die("exporting", &err);
        export_t[r] = now_us() - t0;
        t0 = now_us();
        if (verify_bundle(path, &verified, &err) != 0 || verified != exported)
            return die("verifying the bundle", &err);
        verify_t[r] = now_us() - t0;
    }
    sk_kstore_close(ks);
    sodium_free(key);

    double save_med = median(save_t, n_saves), raw_med = median(raw_t, n_saves);
    double exp_med = median(export_t, EXPORT_ROUNDS), ver_med = median(verify_t, EXPORT_ROUNDS);
    printf("kiosk store on %s (draft row %zu bytes, %d answers)\n", dir, row, N_ANSWERS);
    printf("%-40s %12s %12s %8s\n", "operation", "median", "p99", "n");
    printf("%-40s %9.0f us %9.0f us %8d\n", "sk_sitting_save (seal + durable commit)", save_med,
           p99(save_t, n_saves), n_saves);
    printf("%-40s %9.0f us %9.0f us %8d\n", "raw SQLite single-row commit", raw_med,
           p99(raw_t, n_saves), n_saves);
    printf("%-40s %12.2fx %12.2fx   (goal <= 1.5x)\n", "ratio save / raw", save_med / raw_med,
           p99(save_t, n_saves) / p99(raw_t, n_saves));
    double seal_med = median(seal_t, n_saves);
    printf("%-40s %9.0f us %9.0f us %8d\n", "  of a save: JSON + seal, no database", seal_med,
           p99(seal_t, n_saves), n_saves);
    printf("%-40s %9.0f r/s %25llu records, median of %d\n", "export (bundle write, all)",
           exported / (exp_med / 1e6), (unsigned long long)exported, EXPORT_ROUNDS);
    printf("%-40s %9.0f r/s %25llu records, median of %d\n", "verify (bundle reader pass)",
           verified / (ver_med / 1e6), (unsigned long long)verified, EXPORT_ROUNDS);
    printf("%-40s %9.0f r/s %25s\n", "finish (sitting -> sealed record)",
           fill_s > 0 ? n_finished / fill_s : 0.0, "(while filling)");
    free(save_t);
    free(raw_t);
    free(seal_t);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
