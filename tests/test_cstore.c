/* test_cstore.c - the central store as a researcher relies on it: merges in
 * any order give the same store, a store merges into another, damaged or
 * forged bundles change nothing, conflicts are kept aside and listed,
 * withdrawal is final, and status reports exactly the numbers missing.
 *
 * Bundles are made directly with the crypto API (real libsodium, real files
 * under $SK_TEST_TMP); study keys are made in memory so that no passphrase
 * derivation slows the test. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef _WIN32 /* fork() for the concurrent merges (PostgreSQL only: no libpq on Windows) */
#include <sys/wait.h>
#endif

#include <ctype.h>

#include <cmocka.h>
#include <sodium.h>

#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/keys.h"
#include "sk/pack.h"
#include "sk/record.h"
/* The store's own database seam: the tests look inside a store (and edit it,
 * as an attacker would) with the same SQL on SQLite and PostgreSQL. */
#include "../lib/cstore/cdb.h"

/* ---- fixture: a study, kiosks, sittings, bundles ------------------------ */

static char tmpdir[2048];

static void tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove the scratch folder and everything in it. */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* `test_cstore --pg`: every store is a PostgreSQL schema (a store lives in
 * the schema its URI's search_path names) in this run's own database on the
 * test cluster (tests/pg.cmake), made at the start and dropped at the end.  A
 * schema per store rather than a database per store: CREATE DATABASE costs
 * about a second on a loaded machine, CREATE SCHEMA milliseconds. */
static bool on_pg;
static char pg_admin[1024];      /* URI of the maintenance database */
static char pg_prefix[32];       /* "skt<pid>_": this run's databases */
static char pg_run_db[64];       /* this run's database */

/* The URI of database `db` on the test cluster: the admin URI's path replaced. */
static void pg_url(char *out, size_t size, const char *db)
{
    const char *auth = strstr(pg_admin, "://") + 3;
    const char *path = auth + strcspn(auth, "/?");
    const char *query = strchr(path, '?');
    snprintf(out, size, "%.*s/%s%s", (int)(path - pg_admin), pg_admin, db, query ? query : "");
}

static void pg_exec_on(const char *uri, const char *sql)
{
    cdb *db = NULL;
    sk_error err;
    if (cdb_open(uri, "test cluster", 0, &db, &err) != SK_OK)
        fail_msg("%s", err.message);
    if (cdb_exec(db, sql, "setting up a test database", &err) != SK_OK)
        fail_msg("%s: %s", sql, err.message);
    cdb_close(db);
}

static void pg_admin_exec(const char *sql)
{
    pg_exec_on(pg_admin, sql);
}

/* A fresh empty schema named `name` (dots and dashes kept, so that messages
 * name it recognisably); *out gets the store's URI. */
static void pg_fresh(char *out, size_t size, const char *name)
{
    char db_uri[1200], sql[200];
    pg_url(db_uri, sizeof db_uri, pg_run_db);
    snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS \"%s\" CASCADE; CREATE SCHEMA \"%s\"", name,
             name);
    pg_exec_on(db_uri, sql);
    snprintf(out, size, "%s%soptions=-csearch_path%%3D%%22%s%%22", db_uri,
             strchr(db_uri, '?') ? "&" : "?", name);
}

/* A fresh store path: removes the file and its WAL companions (on
 * PostgreSQL: a fresh database). */
static void fresh_store(char *out, size_t size, const char *name)
{
    if (on_pg) {
        pg_fresh(out, size, name);
        return;
    }
    tmp_path(out, size, name);
    char side[2200];
    unlink(out);
    snprintf(side, sizeof side, "%s-wal", out);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", out);
    unlink(side);
}

typedef struct study {
    sk_study_key key;
    uint8_t *pack;
    size_t pack_len;
    char form_id[16], version[16];
} study;

typedef struct rec {
    uint8_t *blob;
    size_t len;
    sk_record_header h;
} rec;

typedef struct kiosk {
    sk_device_key key;
    uint8_t id[SK_DEVICE_ID_SIZE];
    char hex[2 * SK_DEVICE_ID_SIZE + 1];
    char label[32];
    rec recs[64];
    size_t n;
    char codes[32][SK_WCODE_SIZE]; /* withdrawal code of each finished sitting */
    size_t n_codes;
} kiosk;

/* When set (test_cstore --make-bundles), studies are made as files with
 * sk_study_keygen in key_dir/<form id>/ (passphrase KEY_PASS) so that
 * survey-sync can be given study.key and study.pub. */
static char key_dir[2048];
#define KEY_PASS "sync merge passphrase"

static void study_make(study *s, const char *form_id, const char *version)
{
    memset(s, 0, sizeof *s);
    if (key_dir[0]) {
        char dir[2200], path[2300];
        snprintf(dir, sizeof dir, "%s/%s", key_dir, form_id);
        snprintf(path, sizeof path, "%s/study.key", dir);
        sk_error kerr;
        sk_study_key *loaded = NULL;
        assert_int_equal(sk_study_keygen(dir, KEY_PASS, strlen(KEY_PASS), NULL, &kerr), SK_OK);
        assert_int_equal(sk_study_key_load(path, KEY_PASS, strlen(KEY_PASS), &loaded, &kerr), SK_OK);
        s->key = *loaded;
        sk_study_key_free(loaded);
    } else {
        crypto_box_keypair(s->key.pub.box_pk, s->key.box_sk);
        crypto_sign_keypair(s->key.pub.sign_pk, s->key.sign_sk);
    }
    snprintf(s->form_id, sizeof s->form_id, "%s", form_id);
    snprintf(s->version, sizeof s->version, "%s", version);
    char path[2200], name[64];
    snprintf(name, sizeof name, "%s-%s.pack", form_id, version);
    tmp_path(path, sizeof path, name);
    unlink(path);
    static const char form[] = "| survey |\n| type | name | label |\n| text | q | Q |\n";
    sk_error err;
    assert_int_equal(sk_pack_write(path, &s->key, form_id, version, "A study", "form.md",
                                   (const uint8_t *)form, sizeof form - 1, &err),
                     SK_OK);
    assert_int_equal(sk_read_file(path, 1 << 20, &s->pack, &s->pack_len, &err), SK_OK);
}

static void kiosk_make(kiosk *k, const char *label)
{
    memset(k, 0, sizeof *k);
    crypto_sign_keypair(k->key.pk, k->key.sk);
    sk_device_id(k->key.pk, k->id);
    sk_hex(k->id, SK_DEVICE_ID_SIZE, k->hex);
    snprintf(k->label, sizeof k->label, "%s", label);
}

static rec *seal(kiosk *k, const study *s, int kind, const uint8_t *tag)
{
    assert_true(k->n < sizeof k->recs / sizeof k->recs[0]);
    rec *r = &k->recs[k->n++];
    memset(&r->h, 0, sizeof r->h);
    r->h.kind = (uint8_t)kind;
    randombytes_buf(r->h.record_id, SK_RECORD_ID_SIZE);
    memcpy(r->h.device_id, k->id, SK_DEVICE_ID_SIZE);
    r->h.seq = k->n;
    snprintf(r->h.form_id, sizeof r->h.form_id, "%s", s->form_id);
    snprintf(r->h.form_version, sizeof r->h.form_version, "%s", s->version);
    if (tag)
        memcpy(r->h.withdraw_tag, tag, SK_TAG_SIZE);
    char payload[64];
    int n = snprintf(payload, sizeof payload, "{\"seq\":%zu}", k->n);
    sk_error err;
    assert_int_equal(sk_record_seal(&r->h, &s->key.pub, &k->key, payload, (size_t)n, &r->blob,
                                    &r->len, &err),
                     SK_OK);
    return r;
}

/* Sittings by letter: F finished (consent + response sharing a withdrawal
 * code), I incomplete, D declined. */
static void sittings(kiosk *k, const study *s, const char *script)
{
    for (const char *c = script; *c; c++) {
        if (*c == 'F') {
            char *code = k->codes[k->n_codes++];
            uint8_t tag[SK_TAG_SIZE];
            sk_wcode_generate(code);
            sk_wcode_tag(code, tag);
            seal(k, s, SK_REC_CONSENT, tag);
            seal(k, s, SK_REC_RESPONSE, tag);
        } else {
            seal(k, s, *c == 'I' ? SK_REC_INCOMPLETE : SK_REC_DECLINED, NULL);
        }
    }
}

/* A bundle of k's records with seq in [first, last], signed by `signer`. */
static void bundle_signed(const char *path, const kiosk *k, const sk_device_key *signer,
                          const study *s, uint64_t first, uint64_t last)
{
    sk_error err;
    sk_bundle_writer *w = NULL;
    unlink(path);
    assert_int_equal(sk_bundle_writer_open(path, k->id, k->label, signer->pk, &w, &err), SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, s->pack, s->pack_len, &err), SK_OK);
    for (size_t i = 0; i < k->n; i++)
        if (k->recs[i].h.seq >= first && k->recs[i].h.seq <= last)
            assert_int_equal(sk_bundle_writer_add_record(w, k->recs[i].blob, k->recs[i].len, &err),
                             SK_OK);
    assert_int_equal(sk_bundle_writer_finish(w, signer, &err), SK_OK);
}

static void bundle(const char *path, const kiosk *k, const study *s, uint64_t first, uint64_t last)
{
    bundle_signed(path, k, &k->key, s, first, last);
}

static void kiosk_free(kiosk *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->recs[i].blob);
}

/* ---- looking at a store from outside ----------------------------------- */

/* The test's SQL is SQLite's; on PostgreSQL its few SQLite-only spellings
 * become PostgreSQL's: x'HEX' blobs, zeroblob(96), and turning foreign keys
 * off (as an editor of the database could). */
static char *test_sql(const cdb *db, const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(2 * n + 200);
    assert_non_null(out);
    if (cdb_backend(db) != CDB_PG) {
        memcpy(out, sql, n + 1);
        return out;
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (sql[i] == 'x' && sql[i + 1] == '\'' && (i == 0 || !isalnum((unsigned char)sql[i - 1]))) {
            const char *end = strchr(sql + i + 2, '\'');
            assert_non_null(end);
            o += (size_t)sprintf(out + o, "'\\x%.*s'::bytea", (int)(end - sql - i - 2), sql + i + 2);
            i = (size_t)(end - sql) + 1;
        } else if (strncmp(sql + i, "zeroblob(96)", 12) == 0) {
            o += (size_t)sprintf(out + o, "decode(repeat('00', 96), 'hex')");
            i += 12;
        } else if (strncmp(sql + i, "PRAGMA foreign_keys=OFF", 23) == 0) {
            o += (size_t)sprintf(out + o, "SET session_replication_role = replica");
            i += 23;
        } else {
            out[o++] = sql[i++];
        }
    }
    out[o] = '\0';
    return out;
}

static cdb *test_db(const char *path)
{
    cdb *db = NULL;
    sk_error err;
    if (cdb_open(path, path, 0, &db, &err) != SK_OK)
        fail_msg("opening %s: %s", path, err.message);
    return db;
}

static cdb_stmt *test_query(cdb *db, const char *sql)
{
    char *q = test_sql(db, sql);
    cdb_stmt *s = NULL;
    sk_error err;
    if (cdb_prepare(db, q, 0, &s, &err) != SK_OK)
        fail_msg("%s: %s", q, err.message);
    free(q);
    return s;
}

/* BLAKE2b of every row the queries return, in order. */
static void digest_queries(const char *path, const char *const *queries, uint8_t out[32])
{
    cdb *db = test_db(path);
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    for (size_t q = 0; queries[q]; q++) {
        cdb_stmt *s = test_query(db, queries[q]);
        while (cdb_step(s) == CDB_ROW) {
            for (int c = 0; c < cdb_column_count(s); c++) {
                const void *b = cdb_column_blob(s, c);
                uint32_t len = (uint32_t)cdb_column_bytes(s, c);
                crypto_generichash_update(&h, (const uint8_t *)&len, sizeof len);
                if (len)
                    crypto_generichash_update(&h, b, len);
            }
        }
        cdb_finalize(s);
    }
    crypto_generichash_final(&h, out, 32);
    cdb_close(db);
}

/* What a researcher would compare: records, devices, packs, withdrawals. */
static void content_digest(const char *path, uint8_t out[32])
{
    static const char *const q[] = {
        "SELECT record_id, device, seq, kind, form_id, form_version, wtag, blob FROM records"
        " ORDER BY record_id",
        "SELECT id, pk, label FROM devices ORDER BY id",
        "SELECT digest, study_fp, form_id, form_version FROM packs ORDER BY digest",
        "SELECT tag FROM withdrawals ORDER BY tag",
        "SELECT record_id, blob FROM conflicts ORDER BY record_id, blob_hash",
        NULL};
    digest_queries(path, q, out);
}

/* Everything, including the import log: "unchanged" means this is equal. */
static void full_digest(const char *path, uint8_t out[32])
{
    static const char *const q[] = {
        "SELECT * FROM records ORDER BY record_id", "SELECT * FROM devices ORDER BY id",
        "SELECT * FROM packs ORDER BY digest",     "SELECT * FROM imports ORDER BY id",
        "SELECT * FROM conflicts ORDER BY id",     "SELECT * FROM withdrawals ORDER BY tag",
        "SELECT * FROM withdrawn_records ORDER BY record_id", NULL};
    digest_queries(path, q, out);
}

static int64_t count(const char *path, const char *sql)
{
    cdb *db = test_db(path);
    cdb_stmt *s = test_query(db, sql);
    assert_int_equal(cdb_step(s), CDB_ROW);
    int64_t n = cdb_column_int64(s, 0);
    cdb_finalize(s);
    cdb_close(db);
    return n;
}

static void exec_sql(const char *path, const char *sql)
{
    cdb *db = test_db(path);
    char *q = test_sql(db, sql);
    sk_error err;
    if (cdb_exec(db, q, "editing the store", &err) != SK_OK)
        fail_msg("%s: %s", q, err.message);
    free(q);
    cdb_close(db);
}

static bool has_record(const char *path, const rec *r)
{
    char sql[128], hex[2 * SK_RECORD_ID_SIZE + 1];
    sk_hex(r->h.record_id, SK_RECORD_ID_SIZE, hex);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE record_id = x'%s'", hex);
    return count(path, sql) == 1;
}

static sk_merge_stats merge_ok(const char *store, const char *input)
{
    sk_cstore *cs = NULL;
    sk_error err;
    sk_merge_stats st = {0};
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    sk_status rc = sk_cstore_merge(cs, input, &st, NULL, NULL, &err);
    if (rc != SK_OK)
        fail_msg("merging %s: %s", input, err.message);
    sk_cstore_close(cs);
    return st;
}

/* Merge that must be refused; returns the status and the message. */
static sk_status merge_refused(const char *store, const char *input, sk_error *err)
{
    sk_cstore *cs = NULL;
    assert_int_equal(sk_cstore_open(store, &cs, err), SK_OK);
    sk_merge_stats st = {.added = 777};
    sk_status rc = sk_cstore_merge(cs, input, &st, NULL, NULL, err);
    assert_int_not_equal(rc, SK_OK);
    assert_int_equal(st.added, 777); /* stats untouched on failure */
    sk_cstore_close(cs);
    return rc;
}

/* Enrol k by the fingerprint its admin screen shows (accepted from the start). */
static void enrol(const char *store, const kiosk *k)
{
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
    sk_device_fingerprint(k->key.pk, fp);
    if (sk_cstore_device_add(cs, fp, k->label, id, &err) != SK_OK)
        fail_msg("enrolling %s: %s", k->label, err.message);
    assert_string_equal(id, k->hex);
    sk_cstore_close(cs);
}

/* Accept a device seen in a bundle; returns the records released. */
static uint64_t accept_device(const char *store, const kiosk *k)
{
    sk_cstore *cs = NULL;
    sk_error err;
    uint64_t n = 0;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    if (sk_cstore_device_accept(cs, k->hex, &n, &err) != SK_OK)
        fail_msg("accepting %s: %s", k->label, err.message);
    sk_cstore_close(cs);
    return n;
}

/* ---- a shared world: one study, three kiosks, bundles ------------------ */

static study the_study;
static kiosk kiosks[3];
enum { B_K1A, B_K1B, B_K1ALL, B_K2A, B_K2B, B_K3ALL, N_BUNDLES };
static char bundles[N_BUNDLES][2200];
static size_t total_records;

static void enrol_all(const char *store)
{
    for (int i = 0; i < 3; i++)
        enrol(store, &kiosks[i]);
}

/* Beside the world: a second study with its own kiosk and bundle (pinning),
 * and a kiosk enrolled before its first bundle (devices add). */
static study other_study;
static kiosk other_kiosk, late_kiosk;
static char other_bundle[2200], late_bundle[2200];

static int world_setup(void **state)
{
    (void)state;
    const char *base = getenv("SK_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/cstore-%ld", base ? base : "/tmp", (long)getpid());
    mkdir(tmpdir, 0755);
    if (sodium_init() < 0)
        return -1;
    study_make(&the_study, "followup", "2026.1");
    kiosk_make(&kiosks[0], "Durham-Pi-1");
    kiosk_make(&kiosks[1], "Durham-Pi-2");
    kiosk_make(&kiosks[2], "Leeds-Laptop");
    sittings(&kiosks[0], &the_study, "FFIDFFDFIF"); /* 16 records */
    sittings(&kiosks[1], &the_study, "FDFFIF");     /* 10 records */
    sittings(&kiosks[2], &the_study, "DFFF");       /* 7 records */
    static const struct {
        int k;
        uint64_t first, last;
        const char *name;
    } plan[N_BUNDLES] = {
        {0, 1, 9, "k1a.skb"},  {0, 8, 16, "k1b.skb"}, {0, 1, 16, "k1all.skb"},
        {1, 1, 6, "k2a.skb"},  {1, 5, 10, "k2b.skb"}, {2, 1, 7, "k3all.skb"},
    };
    for (int i = 0; i < N_BUNDLES; i++) {
        tmp_path(bundles[i], sizeof bundles[i], plan[i].name);
        bundle(bundles[i], &kiosks[plan[i].k], &the_study, plan[i].first, plan[i].last);
    }
    total_records = kiosks[0].n + kiosks[1].n + kiosks[2].n;
    study_make(&other_study, "baseline", "1");
    kiosk_make(&other_kiosk, "Other-Study-Pi");
    sittings(&other_kiosk, &other_study, "FD"); /* 3 records */
    tmp_path(other_bundle, sizeof other_bundle, "k4other.skb");
    bundle(other_bundle, &other_kiosk, &other_study, 1, 100);
    kiosk_make(&late_kiosk, "Late-Laptop");
    sittings(&late_kiosk, &the_study, "FI"); /* 3 records */
    tmp_path(late_bundle, sizeof late_bundle, "k5late.skb");
    bundle(late_bundle, &late_kiosk, &the_study, 1, 100);
    return 0;
}

static void world_free(void)
{
    for (int i = 0; i < 3; i++)
        kiosk_free(&kiosks[i]);
    kiosk_free(&other_kiosk);
    kiosk_free(&late_kiosk);
    free(the_study.pack);
    free(other_study.pack);
}

static int world_teardown(void **state)
{
    (void)state;
    world_free();
    remove_tree(tmpdir);
    return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_merge_counts_and_idempotence(void **state)
{
    (void)state;
    char store[2200];
    fresh_store(store, sizeof store, "counts.db");
    enrol_all(store);
    sk_merge_stats s = merge_ok(store, bundles[B_K1A]);
    assert_int_equal(s.added, 9);
    assert_int_equal(s.held, 0);
    assert_int_equal(s.present, 0);
    assert_int_equal(s.packs_added, 1);
    s = merge_ok(store, bundles[B_K1B]); /* overlaps 8-9 */
    assert_int_equal(s.added, 7);
    assert_int_equal(s.present, 2);
    assert_int_equal(s.packs_added, 0);
    s = merge_ok(store, bundles[B_K1ALL]);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.present, 16);
    assert_int_equal(s.conflicts, 0);
    for (size_t i = 0; i < kiosks[0].n; i++)
        assert_true(has_record(store, &kiosks[0].recs[i]));
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 16);
    assert_int_equal(count(store, "SELECT count(*) FROM imports"), 3);
}

static void shuffle(int *v, int n, unsigned *seed)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(rand_r(seed) % (unsigned)(i + 1));
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* Shuffled orders, with repeats, all give the same store. */
static void test_order_free(void **state)
{
    (void)state;
    char ref[2200];
    fresh_store(ref, sizeof ref, "order-ref.db");
    enrol_all(ref);
    for (int i = 0; i < N_BUNDLES; i++)
        merge_ok(ref, bundles[i]);
    assert_int_equal(count(ref, "SELECT count(*) FROM records"), (int64_t)total_records);
    uint8_t want[32];
    content_digest(ref, want);

    unsigned seed = 20261123;
    for (int round = 0; round < 4; round++) {
        int order[N_BUNDLES * 2];
        for (int i = 0; i < N_BUNDLES * 2; i++)
            order[i] = i % N_BUNDLES; /* every bundle twice */
        shuffle(order, N_BUNDLES * 2, &seed);
        char store[2200];
        fresh_store(store, sizeof store, "order.db");
        enrol_all(store);
        uint64_t added = 0;
        for (int i = 0; i < N_BUNDLES * 2; i++)
            added += merge_ok(store, bundles[order[i]]).added;
        assert_int_equal(added, total_records);
        uint8_t got[32];
        content_digest(store, got);
        assert_memory_equal(got, want, sizeof want);
    }
}

/* Two stores each get part; one merged into the other equals the whole. */
static void test_store_into_store(void **state)
{
    (void)state;
    char whole[2200], a[2200], b[2200];
    fresh_store(whole, sizeof whole, "whole.db");
    fresh_store(a, sizeof a, "part-a.db");
    fresh_store(b, sizeof b, "part-b.db");
    enrol_all(whole);
    enrol_all(a); /* b enrols nobody: enrolment does not travel either way */
    for (int i = 0; i < N_BUNDLES; i++)
        merge_ok(whole, bundles[i]);
    merge_ok(a, bundles[B_K1A]);
    merge_ok(a, bundles[B_K2A]);
    merge_ok(b, bundles[B_K1B]);
    merge_ok(b, bundles[B_K2B]);
    merge_ok(b, bundles[B_K3ALL]);
    assert_int_equal(count(b, "SELECT count(*) FROM records"), 9 + 6 + 7); /* held in b */
    sk_merge_stats s = merge_ok(a, b);
    assert_int_equal(s.added, total_records - 9 - 6);
    assert_int_equal(s.held, 0);
    assert_int_equal(s.present, 2 + 2); /* the overlaps 8-9 and 5-6 */
    uint8_t want[32], got[32];
    content_digest(whole, want);
    content_digest(a, got);
    assert_memory_equal(got, want, sizeof want);
    s = merge_ok(a, b); /* again: nothing new */
    assert_int_equal(s.added, 0);
    assert_int_equal(s.present, count(b, "SELECT count(*) FROM records"));

    /* A store is not merged into itself. */
    sk_error err;
    assert_int_equal(merge_refused(a, a, &err), SK_ERR_ARG);
}

/* A store whose rows were edited so that a record's row no longer matches
 * its sealed header is refused whole. */
static void test_edited_store_refused(void **state)
{
    (void)state;
    char src[2200], dst[2200];
    fresh_store(src, sizeof src, "edited-src.db");
    fresh_store(dst, sizeof dst, "edited-dst.db");
    merge_ok(src, bundles[B_K1A]);
    merge_ok(src, bundles[B_K2A]);
    merge_ok(dst, bundles[B_K3ALL]);
    uint8_t before[32], after[32];
    full_digest(dst, before);
    exec_sql(src, "UPDATE records SET seq = seq + 100 WHERE record_id ="
                  " (SELECT record_id FROM records ORDER BY device, seq LIMIT 1 OFFSET 4)");
    sk_error err;
    assert_int_equal(merge_refused(dst, src, &err), SK_ERR_FORMAT);
    assert_non_null(strstr(err.file, "edited-src.db"));
    full_digest(dst, after);
    assert_memory_equal(after, before, sizeof before);
}

typedef struct progress_log {
    unsigned calls;
    uint64_t last_done, total;
    bool monotonic;
} progress_log;

static void on_progress(void *user, uint64_t done, uint64_t total)
{
    progress_log *p = user;
    if (done < p->last_done || done > total)
        p->monotonic = false;
    p->calls++;
    p->last_done = done;
    p->total = total;
}

/* Progress reaches the total, never goes back, and is not called per item
 * on large inputs (about every 1%). */
static void test_progress(void **state)
{
    (void)state;
    char store[2200];
    fresh_store(store, sizeof store, "progress.db");
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    progress_log p = {.monotonic = true};
    sk_merge_stats st;
    assert_int_equal(sk_cstore_merge(cs, bundles[B_K1ALL], &st, on_progress, &p, &err), SK_OK);
    assert_true(p.monotonic);
    assert_int_equal(p.total, kiosks[0].n + 1); /* records and the pack */
    assert_int_equal(p.last_done, p.total);
    assert_true(p.calls >= 2 && p.calls <= p.total + 1);
    sk_cstore_close(cs);
}

/* Damaged bundles are refused whole and the store is byte-for-byte the same. */
static void test_damaged_bundles_change_nothing(void **state)
{
    (void)state;
    char store[2200];
    fresh_store(store, sizeof store, "damaged.db");
    merge_ok(store, bundles[B_K2A]);
    uint8_t before[32], after[32];
    full_digest(store, before);

    uint8_t *data = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_read_file(bundles[B_K1ALL], 1 << 24, &data, &len, &err), SK_OK);
    static const struct {
        const char *what;
        double at;     /* position as a fraction of the file */
        bool truncate; /* cut there instead of flipping a bit */
    } cases[] = {
        {"flip in the header", 0.01, false}, {"flip early", 0.2, false},
        {"flip in the middle", 0.5, false},  {"flip late", 0.9, false},
        {"flip the last byte", 1.0, false},  {"cut to nothing", 0.0, true},
        {"cut in the header", 0.02, true},   {"cut a third", 0.33, true},
        {"cut two thirds", 0.66, true},      {"cut the last byte", 1.0, true},
    };
    char bad[2200];
    tmp_path(bad, sizeof bad, "damaged.skb");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t pos = (size_t)(cases[i].at * (double)len);
        if (pos >= len)
            pos = len - 1;
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        if (cases[i].truncate) {
            fwrite(data, 1, pos, f);
        } else {
            data[pos] ^= 0x40;
            fwrite(data, 1, len, f);
            data[pos] ^= 0x40;
        }
        fclose(f);
        sk_status rc = merge_refused(store, bad, &err);
        if (rc != SK_ERR_AUTH && rc != SK_ERR_FORMAT)
            fail_msg("%s: status %s: %s", cases[i].what, sk_status_name(rc), err.message);
        assert_non_null(strstr(err.file, "damaged.skb"));
        full_digest(store, after);
        assert_memory_equal(after, before, sizeof before);
    }
    free(data);

    /* Not a bundle at all, and a missing file. */
    FILE *f = fopen(bad, "wb");
    fputs("hello, this is not a bundle\n", f);
    fclose(f);
    merge_refused(store, bad, &err);
    tmp_path(bad, sizeof bad, "no-such.skb");
    assert_int_equal(merge_refused(store, bad, &err), SK_ERR_NOTFOUND);
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
}

/* The same record id with other bytes: kept aside, listed, never applied. */
static void test_conflict_kept_aside(void **state)
{
    (void)state;
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "conflict.db");
    merge_ok(store, bundles[B_K3ALL]);
    assert_int_equal(accept_device(store, &kiosks[2]), 7);
    kiosk forged = kiosks[2]; /* same device and key, record 3 resealed and signed by it */
    forged.n = 0;
    rec *orig = &kiosks[2].recs[2];
    sk_error err;
    rec *r = &forged.recs[forged.n++];
    r->h = orig->h;
    assert_int_equal(sk_record_seal(&r->h, &the_study.key.pub, &kiosks[2].key, "{\"other\":1}", 11,
                                    &r->blob, &r->len, &err),
                     SK_OK);
    tmp_path(path, sizeof path, "conflict.skb");
    bundle(path, &forged, &the_study, 1, 100);
    sk_merge_stats s = merge_ok(store, path);
    assert_int_equal(s.conflicts, 1);
    assert_int_equal(s.added, 0);
    s = merge_ok(store, path); /* seen again: still a conflict, kept once */
    assert_int_equal(s.conflicts, 1);
    assert_int_equal(count(store, "SELECT count(*) FROM conflicts"), 1);

    sk_cstore *cs = NULL;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    sk_conflict *list = NULL;
    size_t n = 0;
    assert_int_equal(sk_cstore_conflicts(cs, &list, &n, &err), SK_OK);
    assert_int_equal(n, 1);
    char hex[2 * SK_RECORD_ID_SIZE + 1];
    sk_hex(orig->h.record_id, SK_RECORD_ID_SIZE, hex);
    assert_string_equal(list[0].record_id, hex);
    assert_string_equal(list[0].device_id, kiosks[2].hex);
    assert_non_null(strstr(list[0].source, "conflict.skb"));
    free(list);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_rows, 1);
    assert_int_equal(st.rows[0].conflicts, 1);
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
    /* The held record is still the original bytes. */
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT length(blob) FROM records WHERE record_id = x'%s'", hex);
    assert_int_equal(count(store, sql), (int64_t)orig->len);
    free(r->blob);
}

/* A device known with one key never merges under another.  Device ids are
 * derived from the key (sk_device_id), so a forged id is refused at every
 * layer: the bundle writer and reader refuse it, a store with such a device
 * row is refused, and the pin itself is checked against a store that first
 * saw that id with another key. */
/* A record twice in one bundle (one batch on PostgreSQL): the first copy is
 * added; the same bytes again are "present", other bytes a conflict kept
 * aside; merged again, every copy is present but the conflict, kept once. */
static void test_record_twice_in_a_bundle(void **state)
{
    (void)state;
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "twice.db");
    enrol(store, &kiosks[2]);
    kiosk twice = kiosks[2];
    twice.n = 0;
    sk_error err;
    rec other = {.h = kiosks[2].recs[3].h};
    assert_int_equal(sk_record_seal(&other.h, &the_study.key.pub, &kiosks[2].key, "{\"other\":1}",
                                    11, &other.blob, &other.len, &err),
                     SK_OK);
    twice.recs[twice.n++] = kiosks[2].recs[2];
    twice.recs[twice.n++] = kiosks[2].recs[3];
    twice.recs[twice.n++] = kiosks[2].recs[2]; /* the same bytes again */
    twice.recs[twice.n++] = other;             /* record 4 with other bytes */
    tmp_path(path, sizeof path, "twice.skb");
    bundle(path, &twice, &the_study, 1, 100);
    sk_merge_stats s = merge_ok(store, path);
    assert_int_equal(s.added, 2);
    assert_int_equal(s.present, 1);
    assert_int_equal(s.conflicts, 1);
    assert_true(has_record(store, &kiosks[2].recs[2]));
    /* the first copy of record 4 is the one held, byte for byte */
    const rec *first = &kiosks[2].recs[3];
    size_t sql_size = 200 + 2 * first->len;
    char *sql = malloc(sql_size), id_hex[2 * SK_RECORD_ID_SIZE + 1];
    char *blob_hex = malloc(2 * first->len + 1);
    sk_hex(first->h.record_id, SK_RECORD_ID_SIZE, id_hex);
    sk_hex(first->blob, first->len, blob_hex);
    snprintf(sql, sql_size, "SELECT count(*) FROM records WHERE record_id = x'%s' AND blob = x'%s'",
             id_hex, blob_hex);
    assert_int_equal(count(store, sql), 1);
    free(sql);
    free(blob_hex);
    s = merge_ok(store, path);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.present, 3);
    assert_int_equal(s.conflicts, 1);
    assert_int_equal(count(store, "SELECT count(*) FROM conflicts"), 1);
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 2);
    free(other.blob);
}

/* A bundle whose records span several batches on PostgreSQL (3 rows in the
 * --pg run: SK_TEST_PG_MERGE_BATCH), where a later batch holds a record the
 * store has and one it has with other bytes: the earlier batches stay
 * stored, the known one is present, the other a conflict, the new ones
 * added; merged again, nothing is added. */
static void test_held_record_in_a_later_batch(void **state)
{
    (void)state;
    const kiosk *k = &kiosks[0];
    assert_true(k->n >= 8);
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "later.db");
    enrol(store, k);
    sk_error err;
    /* record 5 with other bytes, and record 4 as it is, merged first */
    kiosk early = *k;
    early.n = 0;
    rec other = {.h = k->recs[4].h};
    assert_int_equal(sk_record_seal(&other.h, &the_study.key.pub, &k->key, "{\"other\":5}", 11,
                                    &other.blob, &other.len, &err),
                     SK_OK);
    early.recs[early.n++] = k->recs[3];
    early.recs[early.n++] = other;
    tmp_path(path, sizeof path, "later-early.skb");
    bundle(path, &early, &the_study, 1, 100);
    sk_merge_stats s = merge_ok(store, path);
    assert_int_equal(s.added, 2);
    /* then records 1..8: batches (1 2 3) (4 5 6) (7 8) */
    kiosk all = *k;
    all.n = 8;
    tmp_path(path, sizeof path, "later-all.skb");
    bundle(path, &all, &the_study, 1, 100);
    s = merge_ok(store, path);
    assert_int_equal(s.added, 6);
    assert_int_equal(s.present, 1);
    assert_int_equal(s.conflicts, 1);
    for (size_t i = 0; i < 8; i++)
        assert_true(has_record(store, &k->recs[i]));
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 8);
    /* the copy kept aside is record 5 as the kiosk sealed it: the first stays */
    char sql[200], hash_hex[65];
    uint8_t hash[32];
    crypto_generichash(hash, sizeof hash, k->recs[4].blob, k->recs[4].len, NULL, 0);
    sk_hex(hash, sizeof hash, hash_hex);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM conflicts WHERE blob_hash = x'%s'", hash_hex);
    assert_int_equal(count(store, sql), 1);
    assert_int_equal(count(store, "SELECT count(*) FROM conflicts"), 1);
    s = merge_ok(store, path);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.present, 7);
    assert_int_equal(s.conflicts, 1);
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 8);
    free(other.blob);
}

static void test_device_key_mismatch(void **state)
{
    (void)state;
    char store[2200], src[2200];
    fresh_store(store, sizeof store, "mismatch.db");
    merge_ok(store, bundles[B_K2A]);
    sk_device_key other;
    crypto_sign_keypair(other.pk, other.sk);
    char other_hex[65], sql[400];
    sodium_bin2hex(other_hex, sizeof other_hex, other.pk, sizeof other.pk);

    /* The pin: the store saw device 2 with another key first. */
    snprintf(sql, sizeof sql, "UPDATE devices SET pk = x'%s' WHERE id = '%s'", other_hex,
             kiosks[1].hex);
    exec_sql(store, sql);
    uint8_t before[32], after[32];
    full_digest(store, before);
    sk_error err;
    assert_int_equal(merge_refused(store, bundles[B_K2B], &err), SK_ERR_MISMATCH);
    assert_non_null(strstr(err.message, kiosks[1].hex));
    assert_non_null(strstr(err.message, "is known here with another key"));
    assert_non_null(strstr(err.file, "k2b.skb"));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);

    /* A store claiming kiosk 3's id with another key is refused whole. */
    fresh_store(src, sizeof src, "mismatch-src.db");
    merge_ok(src, bundles[B_K1A]);
    merge_ok(src, bundles[B_K3ALL]);
    snprintf(sql, sizeof sql, "UPDATE devices SET pk = x'%s' WHERE id = '%s'", other_hex,
             kiosks[2].hex);
    exec_sql(src, sql);
    assert_int_equal(merge_refused(store, src, &err), SK_ERR_FORMAT);
    assert_non_null(strstr(err.message, "does not belong to its key"));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);

    /* A bundle cannot even be written under another device's id. */
    char path[2200];
    tmp_path(path, sizeof path, "impostor.skb");
    sk_bundle_writer *w = NULL;
    assert_int_not_equal(sk_bundle_writer_open(path, kiosks[1].id, "impostor", other.pk, &w, &err),
                         SK_OK);
    assert_null(w);
    sodium_memzero(&other, sizeof other);
}

/* A record whose header names another device, or a draft, is refused. */
static void test_foreign_and_draft_records(void **state)
{
    (void)state;
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "foreign.db");
    tmp_path(path, sizeof path, "foreign.skb");
    kiosk carrier = kiosks[0];
    carrier.n = 1;
    carrier.recs[0] = kiosks[1].recs[0]; /* device 2's record in device 1's bundle */
    bundle(path, &carrier, &the_study, 1, 100);
    sk_error err;
    assert_int_equal(merge_refused(store, path, &err), SK_ERR_MISMATCH);
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 0);

    kiosk drafty = kiosks[0];
    drafty.n = 0;
    rec *d = seal(&drafty, &the_study, SK_REC_DRAFT, NULL);
    bundle(path, &drafty, &the_study, 0, 100);
    assert_int_equal(merge_refused(store, path, &err), SK_ERR_FORMAT);
    assert_int_equal(count(store, "SELECT count(*) FROM devices"), 0);
    free(d->blob);
}

static sk_status withdraw(const char *store, const char *typed, uint64_t *n, sk_error *err)
{
    char code[SK_WCODE_SIZE];
    assert_true(sk_wcode_normalize(typed, code));
    sk_cstore *cs = NULL;
    assert_int_equal(sk_cstore_open(store, &cs, err), SK_OK);
    sk_status st = sk_cstore_withdraw(cs, &the_study.key, code, n, err);
    sk_cstore_close(cs);
    return st;
}

/* Withdrawal removes both records of the sitting, for good. */
static void test_withdraw(void **state)
{
    (void)state;
    char store[2200], other[2200];
    fresh_store(store, sizeof store, "withdraw.db");
    fresh_store(other, sizeof other, "withdraw-other.db");
    enrol(store, &kiosks[0]);
    enrol(other, &kiosks[0]);
    merge_ok(store, bundles[B_K1ALL]);
    merge_ok(other, bundles[B_K1ALL]);
    kiosk *k = &kiosks[0];
    /* Sitting 2 of kiosk 1 is records 3 and 4; its code typed lowercase
     * without dashes. */
    char typed[SK_WCODE_SIZE];
    size_t j = 0;
    for (const char *c = k->codes[1]; *c; c++)
        if (*c != '-')
            typed[j++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    typed[j] = '\0';
    uint64_t n = 0;
    sk_error err;
    assert_int_equal(withdraw(store, typed, &n, &err), SK_OK);
    assert_int_equal(n, 2);
    assert_false(has_record(store, &k->recs[2]));
    assert_false(has_record(store, &k->recs[3]));
    assert_true(has_record(store, &k->recs[1]));
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 14);

    /* An old bundle does not bring them back. */
    sk_merge_stats s = merge_ok(store, bundles[B_K1A]);
    assert_int_equal(s.withdrawn, 2);
    assert_int_equal(s.added, 0);
    assert_false(has_record(store, &k->recs[2]));

    /* Again: already withdrawn, said so, nothing changes. */
    uint8_t before[32], after[32];
    full_digest(store, before);
    assert_int_equal(withdraw(store, k->codes[1], &n, &err), SK_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "already withdrawn on"));
    char unknown[SK_WCODE_SIZE];
    sk_wcode_generate(unknown);
    assert_int_equal(withdraw(store, unknown, &n, &err), SK_ERR_NOTFOUND);
    assert_non_null(strstr(err.message, "no record carries"));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);

    /* The statement kept is signed by the study key, for that tag. */
    cdb *db = test_db(store);
    cdb_stmt *q = test_query(db, "SELECT tag, statement FROM withdrawals");
    assert_int_equal(cdb_step(q), CDB_ROW);
    uint8_t tag[SK_TAG_SIZE], stated[SK_TAG_SIZE];
    sk_wcode_tag(k->codes[1], tag);
    assert_memory_equal(cdb_column_blob(q, 0), tag, SK_TAG_SIZE);
    assert_int_equal(sk_withdrawal_verify(cdb_column_blob(q, 1),
                                          cdb_column_bytes(q, 1), &the_study.key.pub,
                                          stated, NULL, &err),
                     SK_OK);
    assert_memory_equal(stated, tag, SK_TAG_SIZE);
    cdb_finalize(q);
    cdb_close(db);

    /* Only the store's study key withdraws: another key changes nothing. */
    sk_cstore *ocs = NULL;
    assert_int_equal(sk_cstore_open(store, &ocs, &err), SK_OK);
    assert_int_equal(sk_cstore_withdraw(ocs, &other_study.key, k->codes[2], &n, &err),
                     SK_ERR_MISMATCH);
    sk_cstore_close(ocs);
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);

    /* The withdrawal travels: merging this store into one that still holds
     * the sitting removes it there too. */
    s = merge_ok(other, store);
    assert_int_equal(s.withdrawals_added, 1);
    assert_false(has_record(other, &k->recs[2]));
    assert_false(has_record(other, &k->recs[3]));
    assert_int_equal(count(other, "SELECT count(*) FROM records"), 14);

    /* Status counts the withdrawn sitting and shows no gap for it. */
    sk_cstore *cs = NULL;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_withdrawals, 1);
    assert_int_equal(st.n_rows, 1);
    assert_int_equal(st.rows[0].withdrawn, 1);
    assert_int_equal(st.rows[0].finished, 5); /* 6 finished sittings, one withdrawn */
    assert_int_equal(st.n_devices, 1);
    assert_int_equal(st.devices[0].n_missing, 0);
    assert_int_equal(st.devices[0].n_held, 1);
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
}

/* Status: counts by kind per device and the exact missing ranges. */
static void test_status_gaps(void **state)
{
    (void)state;
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "gaps.db");
    enrol(store, &kiosks[0]);
    enrol(store, &kiosks[1]);
    static const struct {
        uint64_t first, last;
    } parts[] = {{1, 2}, {5, 5}, {9, 12}, {14, 16}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        char name[32];
        snprintf(name, sizeof name, "gap-%zu.skb", i);
        tmp_path(path, sizeof path, name);
        bundle(path, &kiosks[0], &the_study, parts[i].first, parts[i].last);
        merge_ok(store, path);
    }
    merge_ok(store, bundles[B_K2A]); /* kiosk 2: 1-6, nothing missing below 6 */
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_devices, 2);
    const sk_device_seq *d1 = NULL, *d2 = NULL;
    for (size_t i = 0; i < st.n_devices; i++) {
        if (strcmp(st.devices[i].device_id, kiosks[0].hex) == 0)
            d1 = &st.devices[i];
        if (strcmp(st.devices[i].device_id, kiosks[1].hex) == 0)
            d2 = &st.devices[i];
    }
    assert_non_null(d1);
    assert_non_null(d2);
    assert_string_equal(d1->device_label, "Durham-Pi-1");
    static const sk_seq_range want_held[] = {{1, 2}, {5, 5}, {9, 12}, {14, 16}};
    static const sk_seq_range want_missing[] = {{3, 4}, {6, 8}, {13, 13}};
    assert_int_equal(d1->n_held, 4);
    assert_int_equal(d1->n_missing, 3);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(d1->held[i].first, want_held[i].first);
        assert_int_equal(d1->held[i].last, want_held[i].last);
    }
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(d1->missing[i].first, want_missing[i].first);
        assert_int_equal(d1->missing[i].last, want_missing[i].last);
    }
    assert_int_equal(d2->n_held, 1);
    assert_int_equal(d2->n_missing, 0);

    /* Counts by kind, computed here from what was sealed. */
    assert_int_equal(st.n_rows, 2);
    for (size_t r = 0; r < st.n_rows; r++) {
        const sk_status_row *row = &st.rows[r];
        int ki = strcmp(row->device_id, kiosks[0].hex) == 0 ? 0 : 1;
        uint64_t want[5] = {0};
        for (size_t i = 0; i < kiosks[ki].n; i++) {
            uint64_t seq = kiosks[ki].recs[i].h.seq;
            bool held = ki == 1 && seq <= 6;
            for (size_t p = 0; ki == 0 && p < sizeof parts / sizeof *parts; p++)
                held |= seq >= parts[p].first && seq <= parts[p].last;
            if (held)
                want[kiosks[ki].recs[i].h.kind]++;
        }
        assert_int_equal(row->consents, want[SK_REC_CONSENT]);
        assert_int_equal(row->finished, want[SK_REC_RESPONSE]);
        assert_int_equal(row->incomplete, want[SK_REC_INCOMPLETE]);
        assert_int_equal(row->declined, want[SK_REC_DECLINED]);
        assert_string_equal(row->form_id, "followup");
        assert_string_equal(row->form_version, "2026.1");
        char fp[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&the_study.key.pub, fp);
        assert_string_equal(row->study_fp, fp);
        assert_true(row->last_import_ms > 0);
    }
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
}

typedef struct walk {
    uint64_t n;
    char last[2 * SK_DEVICE_ID_SIZE + 1];
    uint64_t last_seq;
    bool ordered;
} walk;

static int on_record(void *user, const sk_record_header *h, const uint8_t *blob, size_t len,
                     sk_error *err)
{
    (void)blob;
    (void)len;
    (void)err;
    walk *w = user;
    char dev[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
    int c = strcmp(dev, w->last);
    if (c < 0 || (c == 0 && h->seq <= w->last_seq))
        w->ordered = false;
    memcpy(w->last, dev, sizeof dev);
    w->last_seq = h->seq;
    w->n++;
    return w->n == 1000 ? 1 : 0;
}

/* What export reads: the forms with their packs, the records in order. */
static void test_forms_and_records(void **state)
{
    (void)state;
    char store[2200];
    fresh_store(store, sizeof store, "forms.db");
    enrol_all(store);
    for (int i = 0; i < N_BUNDLES; i++)
        merge_ok(store, bundles[i]);
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(store, &cs, &err), SK_OK);
    sk_cstore_form *forms = NULL;
    size_t n = 0;
    assert_int_equal(sk_cstore_forms(cs, NULL, &forms, &n, &err), SK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(forms[0].form_id, "followup");
    assert_string_equal(forms[0].form_version, "2026.1");
    assert_memory_equal(forms[0].pack->study.box_pk, the_study.key.pub.box_pk, 32);
    sk_cstore_forms_free(forms, n);
    sk_cstore_forms_free(NULL, 0);
    /* the same asked with the study's key; none for another study */
    assert_int_equal(sk_cstore_forms(cs, &the_study.key.pub, &forms, &n, &err), SK_OK);
    assert_int_equal(n, 1);
    sk_cstore_forms_free(forms, n);
    assert_int_equal(sk_cstore_forms(cs, &other_study.key.pub, &forms, &n, &err), SK_OK);
    assert_int_equal(n, 0);
    sk_cstore_forms_free(forms, n);

    walk w = {.ordered = true};
    assert_int_equal(sk_cstore_foreach_record(cs, "followup", "2026.1", on_record, &w, &err),
                     SK_OK);
    assert_int_equal(w.n, total_records);
    assert_true(w.ordered);
    walk none = {.ordered = true};
    assert_int_equal(sk_cstore_foreach_record(cs, "followup", "1999", on_record, &none, &err),
                     SK_OK);
    assert_int_equal(none.n, 0);
    sk_cstore_close(cs);
    sk_cstore_close(NULL);
}

/* Files that are not central stores are refused, not modified. */
static void test_not_a_store(void **state)
{
    (void)state;
    char path[2200];
    fresh_store(path, sizeof path, "other-app.db");
    if (!on_pg) { /* a new SQLite file */
        cdb *db = NULL;
        assert_int_equal(cdb_open(path, path, CDB_CREATE, &db, NULL), SK_OK);
        cdb_close(db);
    }
    exec_sql(path, "CREATE TABLE t(x INTEGER); INSERT INTO t VALUES(1);");
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(path, &cs, &err), SK_ERR_FORMAT);
    assert_null(cs);
    assert_non_null(strstr(err.file, "other-app.db"));
    char store[2200];
    fresh_store(store, sizeof store, "target.db");
    assert_int_equal(merge_refused(store, path, &err), SK_ERR_FORMAT);

    tmp_path(path, sizeof path, "text.db");
    FILE *f = fopen(path, "wb");
    fputs("just some text that is long enough to look like a header...", f);
    fclose(f);
    assert_int_not_equal(sk_cstore_open(path, &cs, &err), SK_OK);
    assert_null(cs);
}

/* ---- the trust model: study pinning, enrolment, verified store merges --- */

static sk_cstore *open_store(const char *path)
{
    sk_cstore *cs = NULL;
    sk_error err;
    assert_int_equal(sk_cstore_open(path, &cs, &err), SK_OK);
    return cs;
}

static bool pinned_to(const char *path, const study *want)
{
    sk_cstore *cs = open_store(path);
    sk_study_pub pub;
    bool pinned = false;
    sk_error err;
    assert_int_equal(sk_cstore_study(cs, &pub, &pinned, &err), SK_OK);
    sk_cstore_close(cs);
    return pinned && want && memcmp(&pub, &want->key.pub, sizeof pub) == 0;
}

static bool is_pinned(const char *path)
{
    sk_cstore *cs = open_store(path);
    sk_study_pub pub;
    bool pinned = true;
    sk_error err;
    assert_int_equal(sk_cstore_study(cs, &pub, &pinned, &err), SK_OK);
    sk_cstore_close(cs);
    return pinned;
}

/* A store belongs to one study: pinned explicitly or by its first pack; a
 * pack of any other study makes the whole input refused, store unchanged. */
static void test_study_pinning(void **state)
{
    (void)state;
    char store[2200], path[2200];
    sk_error err;
    uint8_t before[32], after[32];

    /* explicit: pin, pin again (same study: fine), another study refused */
    fresh_store(store, sizeof store, "pin-explicit.db");
    assert_false(is_pinned(store));
    sk_cstore *cs = open_store(store);
    assert_int_equal(sk_cstore_pin_study(cs, &other_study.key.pub, &err), SK_OK);
    assert_int_equal(sk_cstore_pin_study(cs, &other_study.key.pub, &err), SK_OK);
    assert_int_equal(sk_cstore_pin_study(cs, &the_study.key.pub, &err), SK_ERR_MISMATCH);
    sk_cstore_close(cs);
    assert_true(pinned_to(store, &other_study));
    full_digest(store, before);
    assert_int_equal(merge_refused(store, bundles[B_K1A], &err), SK_ERR_MISMATCH);
    char fp[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&the_study.key.pub, fp);
    assert_non_null(strstr(err.message, fp));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
    assert_true(pinned_to(store, &other_study));
    sk_merge_stats s = merge_ok(store, other_bundle); /* its own study merges */
    assert_false(s.pinned);
    assert_int_equal(s.held, 3);

    /* by the first pack */
    fresh_store(store, sizeof store, "pin-first.db");
    s = merge_ok(store, bundles[B_K1A]);
    assert_true(s.pinned);
    assert_true(pinned_to(store, &the_study));
    s = merge_ok(store, bundles[B_K2A]);
    assert_false(s.pinned);
    full_digest(store, before);
    assert_int_equal(merge_refused(store, other_bundle, &err), SK_ERR_MISMATCH);
    assert_non_null(strstr(err.file, "k4other.skb"));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
    cs = open_store(store);
    assert_int_equal(sk_cstore_pin_study(cs, &other_study.key.pub, &err), SK_ERR_MISMATCH);
    assert_int_equal(sk_cstore_pin_study(cs, &the_study.key.pub, &err), SK_OK);
    sk_cstore_close(cs);

    /* one input with packs of two studies: refused whole, even in a fresh
     * store that its first pack would have pinned */
    tmp_path(path, sizeof path, "two-studies.skb");
    sk_bundle_writer *w = NULL;
    unlink(path);
    assert_int_equal(sk_bundle_writer_open(path, kiosks[0].id, kiosks[0].label, kiosks[0].key.pk,
                                           &w, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, the_study.pack, the_study.pack_len, &err), SK_OK);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(sk_bundle_writer_add_record(w, kiosks[0].recs[i].blob,
                                                     kiosks[0].recs[i].len, &err),
                         SK_OK);
    assert_int_equal(sk_bundle_writer_add_pack(w, other_study.pack, other_study.pack_len, &err),
                     SK_OK);
    assert_int_equal(sk_bundle_writer_finish(w, &kiosks[0].key, &err), SK_OK);
    fresh_store(store, sizeof store, "pin-two.db");
    sk_cstore_close(open_store(store));
    full_digest(store, before);
    assert_int_equal(merge_refused(store, path, &err), SK_ERR_MISMATCH);
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
    assert_false(is_pinned(store));
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 0);
    assert_int_equal(count(store, "SELECT count(*) FROM devices"), 0);

    /* a store of another study merged into this one: refused whole */
    char src[2200];
    fresh_store(src, sizeof src, "pin-src-other.db");
    merge_ok(src, other_bundle);
    fresh_store(store, sizeof store, "pin-dst.db");
    merge_ok(store, bundles[B_K3ALL]);
    full_digest(store, before);
    assert_int_equal(merge_refused(store, src, &err), SK_ERR_MISMATCH);
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
}

static const sk_device_seq *find_seq(const sk_cstore_status *st, const kiosk *k)
{
    for (size_t i = 0; i < st->n_devices; i++)
        if (strcmp(st->devices[i].device_id, k->hex) == 0)
            return &st->devices[i];
    return NULL;
}

static uint64_t readable_records(const char *store)
{
    sk_cstore *cs = open_store(store);
    walk w = {.ordered = true};
    sk_error err;
    assert_int_equal(sk_cstore_foreach_record(cs, NULL, NULL, on_record, &w, &err), SK_OK);
    sk_cstore_close(cs);
    return w.n;
}

/* A device seen for the first time is new and its records are held; accept
 * releases them, reject deletes them and refuses the device from then on. */
static void test_held_accept_reject(void **state)
{
    (void)state;
    char store[2200];
    sk_error err;
    fresh_store(store, sizeof store, "held.db");
    sk_merge_stats s = merge_ok(store, bundles[B_K1A]);
    assert_int_equal(s.added, 0);
    assert_int_equal(s.held, 9);
    assert_int_equal(s.packs_added, 1);
    s = merge_ok(store, bundles[B_K1A]); /* again: present, whatever the state */
    assert_int_equal(s.held, 0);
    assert_int_equal(s.present, 9);

    sk_cstore *cs = open_store(store);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_rows, 0); /* held records are not data */
    assert_true(st.pinned);
    char fp[SK_FINGERPRINT_SIZE];
    sk_study_fingerprint(&the_study.key.pub, fp);
    assert_string_equal(st.study_fp, fp);
    const sk_device_seq *d = find_seq(&st, &kiosks[0]);
    assert_non_null(d);
    assert_int_equal(d->state, SK_DEV_NEW);
    assert_string_equal(sk_device_state_name(d->state), "new");
    assert_int_equal(d->quarantined, 9);
    sk_device_fingerprint(kiosks[0].key.pk, fp);
    assert_string_equal(d->fingerprint, fp);
    assert_string_equal(d->device_label, "Durham-Pi-1");
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
    assert_int_equal(readable_records(store), 0);

    /* accept: found by its fingerprint, typed carelessly */
    char typed[64], id[2 * SK_DEVICE_ID_SIZE + 1];
    size_t j = 0;
    for (const char *c = fp; *c; c++)
        if (*c != '-')
            typed[j++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    typed[j] = '\0';
    cs = open_store(store);
    assert_int_equal(sk_cstore_device_find(cs, typed, id, &err), SK_OK);
    assert_string_equal(id, kiosks[0].hex);
    char prefix[8];
    snprintf(prefix, sizeof prefix, "%.6s", kiosks[0].hex);
    assert_int_equal(sk_cstore_device_find(cs, prefix, id, &err), SK_OK);
    assert_string_equal(id, kiosks[0].hex);
    assert_int_equal(sk_cstore_device_find(cs, "0123456789abcdef", id, &err), SK_ERR_NOTFOUND);
    uint64_t n = 0;
    assert_int_equal(sk_cstore_device_accept(cs, "0123456789abcdef", &n, &err), SK_ERR_NOTFOUND);
    assert_int_equal(sk_cstore_device_accept(cs, kiosks[0].hex, &n, &err), SK_OK);
    assert_int_equal(n, 9);
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_rows, 1);
    assert_int_equal(find_seq(&st, &kiosks[0])->state, SK_DEV_ACCEPTED);
    assert_int_equal(find_seq(&st, &kiosks[0])->quarantined, 0);
    sk_cstore_status_free(&st);
    /* an accepted device cannot be rejected (retire it instead) */
    assert_int_equal(sk_cstore_device_reject(cs, kiosks[0].hex, &n, &err), SK_ERR_STATE);
    sk_cstore_close(cs);
    assert_int_equal(readable_records(store), 9);
    s = merge_ok(store, bundles[B_K1B]);
    assert_int_equal(s.added, 7);
    assert_int_equal(s.present, 2);
    assert_int_equal(s.held, 0);

    /* reject: held records deleted, later inputs refused, store unchanged */
    s = merge_ok(store, bundles[B_K2A]);
    assert_int_equal(s.held, 6);
    cs = open_store(store);
    assert_int_equal(sk_cstore_device_reject(cs, kiosks[1].hex, &n, &err), SK_OK);
    assert_int_equal(n, 6);
    assert_int_equal(sk_cstore_device_retire(cs, kiosks[1].hex, &n, &err), SK_ERR_STATE);
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(find_seq(&st, &kiosks[1])->state, SK_DEV_REJECTED);
    assert_int_equal(st.n_rows, 1);
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE device = '%s'", kiosks[1].hex);
    assert_int_equal(count(store, sql), 0);
    uint8_t before[32], after[32];
    full_digest(store, before);
    assert_int_equal(merge_refused(store, bundles[B_K2B], &err), SK_ERR_STATE);
    assert_non_null(strstr(err.message, kiosks[1].hex));
    full_digest(store, after);
    assert_memory_equal(after, before, sizeof before);
    assert_int_equal(readable_records(store), 16);
}

/* Retire (lost or stolen kiosk): what came stays, anything newer is refused. */
static void test_retire(void **state)
{
    (void)state;
    char store[2200];
    sk_error err;
    fresh_store(store, sizeof store, "retire.db");
    enrol(store, &kiosks[0]);
    merge_ok(store, bundles[B_K1A]); /* 1-9 */
    sk_cstore *cs = open_store(store);
    uint64_t last = 0;
    assert_int_equal(sk_cstore_device_retire(cs, kiosks[0].hex, &last, &err), SK_OK);
    assert_int_equal(last, 9);
    assert_int_equal(sk_cstore_device_retire(cs, kiosks[0].hex, &last, &err), SK_OK); /* again */
    assert_int_equal(last, 9);
    uint64_t n = 0;
    assert_int_equal(sk_cstore_device_accept(cs, kiosks[0].hex, &n, &err), SK_ERR_STATE);
    assert_int_equal(sk_cstore_device_reject(cs, kiosks[0].hex, &n, &err), SK_ERR_STATE);
    sk_cstore_close(cs);
    sk_merge_stats s = merge_ok(store, bundles[B_K1B]); /* 8-16 */
    assert_int_equal(s.present, 2);
    assert_int_equal(s.refused, 7);
    assert_int_equal(s.added, 0);
    assert_int_equal(count(store, "SELECT count(*) FROM records"), 9);
    assert_int_equal(readable_records(store), 9); /* what came before stays data */
    cs = open_store(store);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    const sk_device_seq *d = find_seq(&st, &kiosks[0]);
    assert_int_equal(d->state, SK_DEV_RETIRED);
    assert_int_equal(d->retired_seq, 9);
    assert_int_equal(st.n_rows, 1);
    sk_cstore_status_free(&st);
    /* a new device cannot be retired: it is rejected instead */
    sk_cstore_close(cs);
    merge_ok(store, bundles[B_K2A]);
    cs = open_store(store);
    assert_int_equal(sk_cstore_device_retire(cs, kiosks[1].hex, &last, &err), SK_ERR_STATE);
    sk_cstore_close(cs);
}

/* Enrolled by fingerprint before its first bundle: accepted from the start. */
static void test_device_add(void **state)
{
    (void)state;
    char store[2200];
    sk_error err;
    fresh_store(store, sizeof store, "add.db");
    sk_cstore *cs = open_store(store);
    char fp[SK_FINGERPRINT_SIZE], id[2 * SK_DEVICE_ID_SIZE + 1];
    sk_device_fingerprint(late_kiosk.key.pk, fp);
    assert_int_equal(sk_cstore_device_add(cs, fp, "Late-Laptop", id, &err), SK_OK);
    assert_string_equal(id, late_kiosk.hex);
    assert_int_equal(sk_cstore_device_add(cs, fp, NULL, id, &err), SK_ERR_EXISTS);
    assert_int_equal(sk_cstore_device_add(cs, "not a fingerprint", NULL, id, &err), SK_ERR_ARG);
    assert_int_equal(sk_cstore_device_add(cs, "AAAA-BBBB-CCCC-DDD", NULL, id, &err), SK_ERR_ARG);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_int_equal(st.n_devices, 1);
    assert_int_equal(st.devices[0].state, SK_DEV_ACCEPTED);
    assert_string_equal(st.devices[0].fingerprint, ""); /* enrolled, never seen */
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
    sk_merge_stats s = merge_ok(store, late_bundle);
    assert_int_equal(s.added, 3);
    assert_int_equal(s.held, 0);
    assert_int_equal(readable_records(store), 3);
    cs = open_store(store);
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    assert_string_equal(st.devices[0].fingerprint, fp);
    assert_int_equal(st.devices[0].state, SK_DEV_ACCEPTED);
    sk_cstore_status_free(&st);
    /* a device already seen cannot be added again */
    merge_ok(store, bundles[B_K3ALL]);
    sk_device_fingerprint(kiosks[2].key.pk, fp);
    assert_int_equal(sk_cstore_device_add(cs, fp, NULL, id, &err), SK_ERR_EXISTS);
    sk_cstore_close(cs);
}

/* Records are keyed by (device, record id): a second device that reuses a
 * record id is not a conflict, and never replaces the first device's record. */
static void test_keyed_by_device(void **state)
{
    (void)state;
    char store[2200], path[2200];
    fresh_store(store, sizeof store, "keyed.db");
    enrol_all(store);
    merge_ok(store, bundles[B_K1A]);
    kiosk reuser;
    kiosk_make(&reuser, "Reuser");
    enrol(store, &reuser);
    rec *r = &reuser.recs[reuser.n++];
    r->h = kiosks[0].recs[0].h; /* kiosk 1's record id ... */
    memcpy(r->h.device_id, reuser.id, SK_DEVICE_ID_SIZE); /* ... under its own device */
    sk_error err;
    assert_int_equal(sk_record_seal(&r->h, &the_study.key.pub, &reuser.key, "{\"mine\":1}", 10,
                                    &r->blob, &r->len, &err),
                     SK_OK);
    tmp_path(path, sizeof path, "reuser.skb");
    bundle(path, &reuser, &the_study, 1, 100);
    sk_merge_stats s = merge_ok(store, path);
    assert_int_equal(s.added, 1);
    assert_int_equal(s.conflicts, 0);
    assert_int_equal(s.present, 0);
    char hex[2 * SK_RECORD_ID_SIZE + 1], sql[200];
    sk_hex(r->h.record_id, SK_RECORD_ID_SIZE, hex);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM records WHERE record_id = x'%s'", hex);
    assert_int_equal(count(store, sql), 2); /* both kept */
    assert_int_equal(count(store, "SELECT count(*) FROM conflicts"), 0);
    assert_int_equal(readable_records(store), 10);
    /* and the other way round: kiosk 1's record is still its own bytes */
    snprintf(sql, sizeof sql,
             "SELECT length(blob) FROM records WHERE record_id = x'%s' AND device = '%s'", hex,
             kiosks[0].hex);
    assert_int_equal(count(store, sql), (int64_t)kiosks[0].recs[0].len);
    kiosk_free(&reuser);
}

/* Replace the blob of one record row of src (by device and seq) with edit(blob). */
typedef void (*blob_edit)(uint8_t *blob, size_t len);

static void edit_record_row(const char *path, const char *table, const kiosk *k, uint64_t seq,
                            blob_edit edit)
{
    cdb *db = test_db(path);
    bool records = strcmp(table, "records") == 0;
    char sql[300];
    /* records by (device, record id), conflicts by id: keys both backends have */
    snprintf(sql, sizeof sql, "SELECT %s, blob FROM %s WHERE device = '%s' ORDER BY %s LIMIT 1 OFFSET %llu",
             records ? "record_id" : "id", table, k->hex, records ? "seq" : "id",
             (unsigned long long)(records ? seq - 1 : 0));
    cdb_stmt *s = test_query(db, sql);
    assert_int_equal(cdb_step(s), CDB_ROW);
    uint8_t key[SK_RECORD_ID_SIZE];
    int64_t id = records ? 0 : cdb_column_int64(s, 0);
    if (records)
        memcpy(key, cdb_column_blob(s, 0), sizeof key);
    size_t len = cdb_column_bytes(s, 1);
    uint8_t *b = malloc(len);
    memcpy(b, cdb_column_blob(s, 1), len);
    cdb_finalize(s);
    edit(b, len);
    snprintf(sql, sizeof sql, "UPDATE %s SET blob = ?1 WHERE device = ?3 AND %s", table,
             records ? "record_id = ?2" : "id = ?4");
    s = test_query(db, sql);
    cdb_bind_blob(s, 1, b, len);
    cdb_bind_blob(s, 2, key, sizeof key);
    cdb_bind_text(s, 3, k->hex);
    cdb_bind_int64(s, 4, id);
    assert_int_equal(cdb_step(s), CDB_DONE);
    assert_int_equal(cdb_changes(s), 1);
    cdb_finalize(s);
    cdb_close(db);
    free(b);
}

static void flip_signature(uint8_t *b, size_t len) { b[len - 10] ^= 0x01; }
static void flip_ciphertext(uint8_t *b, size_t len) { b[len - 64 - 20] ^= 0x01; }
/* signed by kiosk 2's key, header still naming kiosk 1 */
static void resign_by_kiosk2(uint8_t *b, size_t len)
{
    crypto_sign_detached(b + len - 64, NULL, b, len - 64, kiosks[1].key.sk);
}

/* A store file carries no signature: every record in it (and every kept
 * conflict) must carry its device's signature, or the store is refused
 * whole and this store is unchanged. */
static void test_store_records_verified(void **state)
{
    (void)state;
    char src[2200], dst[2200], conflict_path[2200];
    sk_error err;
    fresh_store(dst, sizeof dst, "verify-dst.db");
    enrol_all(dst);
    merge_ok(dst, bundles[B_K3ALL]);
    uint8_t before[32], after[32];
    full_digest(dst, before);
    static const struct {
        const char *what;
        const char *table;
        int kiosk;
        uint64_t seq;
        blob_edit edit;
        sk_status want;
    } cases[] = {
        {"a record's signature altered", "records", 0, 3, flip_signature, SK_ERR_AUTH},
        {"a record's ciphertext altered", "records", 0, 9, flip_ciphertext, SK_ERR_AUTH},
        {"a record signed by another device's key", "records", 0, 5, resign_by_kiosk2, SK_ERR_AUTH},
        {"the last record of another device altered", "records", 1, 6, flip_signature, SK_ERR_AUTH},
        {"a kept conflict without its device's signature", "conflicts", 2, 0, flip_signature,
         SK_ERR_FORMAT},
    };
    /* a conflict to keep aside in the source: kiosk 3's record 3, other bytes */
    kiosk forged = kiosks[2];
    forged.n = 0;
    rec *r = &forged.recs[forged.n++];
    r->h = kiosks[2].recs[2].h;
    assert_int_equal(sk_record_seal(&r->h, &the_study.key.pub, &kiosks[2].key, "{\"x\":2}", 7,
                                    &r->blob, &r->len, &err),
                     SK_OK);
    tmp_path(conflict_path, sizeof conflict_path, "verify-conflict.skb");
    bundle(conflict_path, &forged, &the_study, 1, 100);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fresh_store(src, sizeof src, "verify-src.db");
        enrol_all(src);
        merge_ok(src, bundles[B_K1A]);
        merge_ok(src, bundles[B_K2A]);
        merge_ok(src, bundles[B_K3ALL]);
        assert_int_equal(merge_ok(src, conflict_path).conflicts, 1);
        edit_record_row(src, cases[i].table, &kiosks[cases[i].kiosk], cases[i].seq, cases[i].edit);
        sk_status st = merge_refused(dst, src, &err);
        if (st != cases[i].want)
            fail_msg("%s: %s (%s), want %s", cases[i].what, sk_status_name(st), err.message,
                     sk_status_name(cases[i].want));
        assert_non_null(strstr(err.file, "verify-src.db"));
        full_digest(dst, after);
        assert_memory_equal(after, before, sizeof before);
    }
    /* the same store unedited merges */
    fresh_store(src, sizeof src, "verify-src.db");
    merge_ok(src, bundles[B_K1A]);
    merge_ok(src, bundles[B_K2A]);
    sk_merge_stats s = merge_ok(dst, src);
    assert_int_equal(s.added, 15);
    free(r->blob);
}

/* A withdrawal in a store is taken only with a statement signed by the
 * pinned study, for that tag; otherwise the store is refused whole. */
static void test_store_withdrawals_verified(void **state)
{
    (void)state;
    char src[2200], dst[2200], sql[600];
    sk_error err;
    const kiosk *k = &kiosks[0];
    uint8_t tag0[SK_TAG_SIZE], tag1[SK_TAG_SIZE], other_st[SK_WITHDRAWAL_SIZE];
    sk_wcode_tag(k->codes[0], tag0);
    sk_wcode_tag(k->codes[1], tag1);
    char tag0_hex[2 * SK_TAG_SIZE + 1], tag1_hex[2 * SK_TAG_SIZE + 1];
    char other_hex[2 * SK_WITHDRAWAL_SIZE + 1];
    sk_hex(tag0, SK_TAG_SIZE, tag0_hex);
    sk_hex(tag1, SK_TAG_SIZE, tag1_hex);
    sk_withdrawal_sign(&other_study.key, tag0, 1763856000000, other_st);
    sk_hex(other_st, SK_WITHDRAWAL_SIZE, other_hex);
    fresh_store(dst, sizeof dst, "wverify-dst.db");
    enrol_all(dst);
    merge_ok(dst, bundles[B_K1ALL]);
    uint8_t before[32], after[32];
    full_digest(dst, before);
    const char *edits[4];
    char e_other[400], e_swap[200], e_extra[400];
    snprintf(e_other, sizeof e_other, "UPDATE withdrawals SET statement = x'%s'", other_hex);
    snprintf(e_swap, sizeof e_swap, "UPDATE withdrawals SET tag = x'%s'", tag1_hex);
    snprintf(e_extra, sizeof e_extra,
             "INSERT INTO withdrawals(tag, time_ms, statement) SELECT x'%s', time_ms, statement"
             " FROM withdrawals",
             tag1_hex);
    edits[0] = "UPDATE withdrawals SET statement = zeroblob(96)"; /* no statement */
    edits[1] = e_other; /* signed by another study */
    edits[2] = e_swap;  /* a statement for another sitting */
    edits[3] = e_extra; /* a second withdrawal borrowing the first one's statement */
    for (size_t i = 0; i < 4; i++) {
        fresh_store(src, sizeof src, "wverify-src.db");
        enrol_all(src);
        merge_ok(src, bundles[B_K1ALL]);
        uint64_t n = 0;
        assert_int_equal(withdraw(src, k->codes[0], &n, &err), SK_OK);
        assert_int_equal(n, 2);
        if (i == 2) /* the removed rows follow the tag, as an editor would do */
            exec_sql(src, "PRAGMA foreign_keys=OFF");
        snprintf(sql, sizeof sql, "PRAGMA foreign_keys=OFF; %s;", edits[i]);
        exec_sql(src, sql);
        sk_status st = merge_refused(dst, src, &err);
        if (st != SK_ERR_AUTH && st != SK_ERR_FORMAT)
            fail_msg("edit %zu: %s: %s", i, sk_status_name(st), err.message);
        assert_non_null(strstr(err.message, "withdrawal"));
        full_digest(dst, after);
        assert_memory_equal(after, before, sizeof before);
    }
    /* the genuine statement travels */
    fresh_store(src, sizeof src, "wverify-src.db");
    merge_ok(src, bundles[B_K1ALL]);
    uint64_t n = 0;
    assert_int_equal(withdraw(src, k->codes[0], &n, &err), SK_OK);
    sk_merge_stats s = merge_ok(dst, src);
    assert_int_equal(s.withdrawals_added, 1);
    assert_false(has_record(dst, &k->recs[0]));
    assert_false(has_record(dst, &k->recs[1]));
    assert_int_equal(count(dst, "SELECT count(*) FROM records"), 14);
}

/* A bundle correctly signed by its device but with non-zero reserved header
 * bytes or a label that is not UTF-8 is refused, store unchanged. */
static void test_bundle_header_refused(void **state)
{
    (void)state;
    char store[2200], bad[2200];
    sk_error err;
    fresh_store(store, sizeof store, "header.db");
    merge_ok(store, bundles[B_K2A]);
    uint8_t before[32], after[32];
    full_digest(store, before);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(sk_read_file(bundles[B_K3ALL], 1 << 24, &data, &len, &err), SK_OK);
    /* label "Leeds-Laptop" starts at offset 49 */
    assert_memory_equal(data + 49, "Leeds-Laptop", 12);
    static const struct {
        size_t at;
        const char *bytes;
        size_t n;
        const char *what;
    } cases[] = {
        {5, "\x01", 1, "reserved byte 5"},
        {7, "\x80", 1, "reserved byte 7"},
        {49, "\xff", 1, "label byte FF"},
        {53, "\xc0\xad", 2, "label with an overlong '-'"},
        {55, "\xed\xb0\x80", 3, "label with a surrogate"},
    };
    tmp_path(bad, sizeof bad, "header-bad.skb");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, data, len);
        memcpy(copy + cases[i].at, cases[i].bytes, cases[i].n);
        uint8_t h[64];
        crypto_generichash(h, sizeof h, copy, len - 64, NULL, 0);
        crypto_sign_detached(copy + len - 64, NULL, h, sizeof h, kiosks[2].key.sk);
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(copy, 1, len, f), len);
        fclose(f);
        free(copy);
        sk_status st = merge_refused(store, bad, &err);
        if (st != SK_ERR_FORMAT)
            fail_msg("%s: %s: %s", cases[i].what, sk_status_name(st), err.message);
        full_digest(store, after);
        assert_memory_equal(after, before, sizeof before);
    }
    free(data);
}

/* `test_cstore --make-bundles DIR`: write the world's bundles to DIR and a
 * manifest (for tests/e2e/sync_merge.py, which drives survey-sync):
 *   bundle NAME PATH / device LABEL HEX / code LABEL CONSENT_SEQ CODE */
static int make_bundles(const char *dir)
{
    mkdir(dir, 0755);
    setenv("SK_TEST_TMP", dir, 1); /* the bundles go to DIR/cstore-PID/ */
    setenv("SK_PWHASH_FAST", "1", 1);
    snprintf(key_dir, sizeof key_dir, "%s/keys-%ld", dir, (long)getpid());
    mkdir(key_dir, 0755);
    if (world_setup(NULL) != 0)
        return 1;
    char path[2200];
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    for (int i = 0; i < N_BUNDLES; i++) {
        const char *name = strrchr(bundles[i], '/') + 1;
        fprintf(f, "bundle %.*s %s\n", (int)(strlen(name) - 4), name, bundles[i]);
    }
    fprintf(f, "bundle k4other %s\nbundle k5late %s\n", other_bundle, late_bundle);
    /* study DIR PASSPHRASE: DIR holds study.key and study.pub */
    fprintf(f, "study followup %s/followup %s\n", key_dir, KEY_PASS);
    fprintf(f, "study baseline %s/baseline %s\n", key_dir, KEY_PASS);
    const kiosk *all[5] = {&kiosks[0], &kiosks[1], &kiosks[2], &other_kiosk, &late_kiosk};
    for (int k = 0; k < 5; k++) {
        char fp[SK_FINGERPRINT_SIZE];
        sk_device_fingerprint(all[k]->key.pk, fp);
        fprintf(f, "fingerprint %s %s\n", all[k]->label, fp);
    }
    fprintf(f, "device %s %s\ndevice %s %s\n", other_kiosk.label, other_kiosk.hex,
            late_kiosk.label, late_kiosk.hex);
    for (int k = 0; k < 3; k++) {
        fprintf(f, "device %s %s\n", kiosks[k].label, kiosks[k].hex);
        size_t c = 0;
        for (size_t i = 0; i < kiosks[k].n; i++)
            if (kiosks[k].recs[i].h.kind == SK_REC_CONSENT)
                fprintf(f, "code %s %llu %s\n", kiosks[k].label,
                        (unsigned long long)kiosks[k].recs[i].h.seq, kiosks[k].codes[c++]);
    }
    fclose(f);
    world_free(); /* the bundles stay for the caller */
    return 0;
}

/* ---- PostgreSQL only (test_cstore --pg) -------------------------------- */

typedef struct api_view {
    crypto_generichash_state h;
    uint64_t n;
} api_view;

static int view_record(void *user, const sk_record_header *h, const uint8_t *blob, size_t len,
                       sk_error *err)
{
    (void)h;
    (void)err;
    api_view *v = user;
    crypto_generichash_update(&v->h, blob, len);
    v->n++;
    return 0;
}

/* What a researcher sees through the API, whatever the backend: every record
 * export would read, in order, and the status (devices, states, ranges). */
static void api_digest(const char *store, uint8_t out[32], uint64_t *n_records)
{
    sk_cstore *cs = open_store(store);
    sk_error err;
    api_view v = {0};
    crypto_generichash_init(&v.h, NULL, 0, 32);
    assert_int_equal(sk_cstore_foreach_record(cs, NULL, NULL, view_record, &v, &err), SK_OK);
    sk_cstore_status st;
    assert_int_equal(sk_cstore_status_get(cs, &st, &err), SK_OK);
    for (size_t i = 0; i < st.n_devices; i++) {
        const sk_device_seq *d = &st.devices[i];
        crypto_generichash_update(&v.h, (const uint8_t *)d->device_id, strlen(d->device_id));
        crypto_generichash_update(&v.h, (const uint8_t *)&d->state, sizeof d->state);
        crypto_generichash_update(&v.h, (const uint8_t *)&d->quarantined, sizeof d->quarantined);
        crypto_generichash_update(&v.h, (const uint8_t *)d->held, d->n_held * sizeof *d->held);
        crypto_generichash_update(&v.h, (const uint8_t *)d->missing,
                                  d->n_missing * sizeof *d->missing);
    }
    for (size_t i = 0; i < st.n_rows; i++) {
        const sk_status_row *r = &st.rows[i];
        uint64_t c[6] = {r->finished, r->consents, r->incomplete, r->declined, r->withdrawn,
                         r->conflicts};
        crypto_generichash_update(&v.h, (const uint8_t *)c, sizeof c);
    }
    sk_cstore_status_free(&st);
    sk_cstore_close(cs);
    crypto_generichash_final(&v.h, out, 32);
    *n_records = v.n;
}

/* merge from a SQLite store into a PostgreSQL store and back: the same
 * records, devices, ranges and counts on both. */
static void test_pg_sqlite_both_ways(void **state)
{
    (void)state;
    char lite[2200], pg[2200], back[2200];
    on_pg = false;
    fresh_store(lite, sizeof lite, "lite-src.db");
    fresh_store(back, sizeof back, "lite-back.db");
    on_pg = true;
    fresh_store(pg, sizeof pg, "from-lite");
    enrol_all(lite);
    enrol_all(pg);
    enrol_all(back);
    for (int i = 0; i < N_BUNDLES; i++)
        merge_ok(lite, bundles[i]);
    uint8_t want[32], got[32];
    uint64_t n_want = 0, n_got = 0;
    api_digest(lite, want, &n_want);
    assert_int_equal(n_want, total_records);
    sk_merge_stats s = merge_ok(pg, lite);
    assert_int_equal(s.added, total_records);
    api_digest(pg, got, &n_got);
    assert_int_equal(n_got, total_records);
    assert_memory_equal(got, want, sizeof want);
    s = merge_ok(back, pg); /* and back */
    assert_int_equal(s.added, total_records);
    api_digest(back, got, &n_got);
    assert_memory_equal(got, want, sizeof want);
    s = merge_ok(pg, lite); /* again: all present */
    assert_int_equal(s.added, 0);
    assert_int_equal(s.present, total_records);
    sk_error err;
    assert_int_equal(merge_refused(pg, pg, &err), SK_ERR_ARG); /* not into itself */
    assert_non_null(strstr(err.message, "being merged into"));
}

static sk_status open_fails(const char *uri, sk_error *err)
{
    sk_cstore *cs = NULL;
    sk_status st = sk_cstore_open(uri, &cs, err);
    assert_null(cs);
    return st;
}

/* Each way a PostgreSQL store cannot be opened is a sentence that names it,
 * never with its password. */
static void test_pg_open_errors(void **state)
{
    (void)state;
    char uri[2200], db[64];
    sk_error err;
    /* no server there */
    snprintf(uri, sizeof uri, "postgresql://sk:s3cretpw@/postgres?host=%s/no-server", tmpdir);
    assert_int_equal(open_fails(uri, &err), SK_ERR_IO);
    assert_non_null(strstr(err.message, "cannot reach"));
    assert_null(strstr(err.message, "s3cretpw"));
    assert_null(strstr(err.file, "s3cretpw"));
    assert_non_null(strstr(err.file, "no-server"));
    /* database missing */
    snprintf(db, sizeof db, "%smissing", pg_prefix);
    pg_url(uri, sizeof uri, db);
    char with_pw[2300];
    snprintf(with_pw, sizeof with_pw, "%s&password=s3cretpw", uri);
    assert_int_equal(open_fails(with_pw, &err), SK_ERR_NOTFOUND);
    char want[120];
    snprintf(want, sizeof want, "createdb %s", db);
    assert_non_null(strstr(err.message, want));
    assert_null(strstr(err.file, "s3cretpw"));
    /* a login the server refuses */
    snprintf(with_pw, sizeof with_pw, "%s", pg_admin);
    char *user = strstr(with_pw, "user=sk");
    assert_non_null(user);
    memcpy(user, "user=no", 7);
    assert_int_equal(open_fails(with_pw, &err), SK_ERR_AUTH);
    assert_non_null(strstr(err.message, "refused the login"));
    /* newer schema, and a database of another application */
    char store[2200];
    fresh_store(store, sizeof store, "newer");
    sk_cstore_close(open_store(store));
    exec_sql(store, "UPDATE schema_version SET version = 99");
    assert_int_equal(open_fails(store, &err), SK_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "newer survey-sync"));
    exec_sql(store, "UPDATE schema_version SET application = 'something else', version = 3");
    assert_int_equal(open_fails(store, &err), SK_ERR_FORMAT);
    assert_non_null(strstr(err.message, "not a survey-sync central store"));
}

typedef struct note_walk {
    sk_cstore *cs;
    uint64_t n;
    char last[40];
    bool ordered;
} note_walk;

static int note_each(void *user, const sk_record_header *h, const uint8_t *blob, size_t len,
                     sk_error *err)
{
    (void)blob;
    (void)len;
    note_walk *w = user;
    char key[40], dev[2 * SK_DEVICE_ID_SIZE + 1];
    sk_hex(h->device_id, SK_DEVICE_ID_SIZE, dev);
    snprintf(key, sizeof key, "%s-%08llu", dev, (unsigned long long)h->seq);
    if (strcmp(key, w->last) <= 0)
        w->ordered = false;
    snprintf(w->last, sizeof w->last, "%s", key);
    w->n++;
    /* a statement inside the walk, on the same connection */
    return sk_cstore_note_unreadable(w->cs, h->device_id, h->record_id, "test", err) == SK_OK ? 0 : 1;
}

/* The walk streams in batches (SK_TEST_PG_BATCH=3 here: many FETCHes), in
 * (device, seq) order, and a write inside its callback is kept. */
static void test_pg_stream_with_nested_writes(void **state)
{
    (void)state;
    char store[1200];
    fresh_store(store, sizeof store, "stream");
    enrol_all(store);
    for (int i = 0; i < N_BUNDLES; i++)
        merge_ok(store, bundles[i]);
    sk_cstore *cs = open_store(store);
    sk_error err;
    note_walk w = {.cs = cs, .ordered = true};
    assert_int_equal(sk_cstore_foreach_record(cs, NULL, NULL, note_each, &w, &err), SK_OK);
    assert_int_equal(w.n, total_records);
    assert_true(w.ordered);
    sk_cstore_close(cs);
    assert_int_equal(count(store, "SELECT count(*) FROM records WHERE unreadable = 'test'"),
                     (int64_t)total_records);
}

#ifndef _WIN32
/* Several processes merge overlapping bundles into one new store at once:
 * every merge succeeds and every record is there exactly once. */
static void test_pg_concurrent_merges(void **state)
{
    (void)state;
    enum { N_PROC = 6 };
    char store[1200];
    fresh_store(store, sizeof store, "concurrent");
    enrol_all(store);
    int fds[N_PROC][2];
    pid_t pids[N_PROC];
    for (int p = 0; p < N_PROC; p++) {
        assert_int_equal(pipe(fds[p]), 0);
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            close(fds[p][0]);
            uint64_t added = 0;
            int failed = 0;
            for (int i = 0; i < N_BUNDLES; i++) { /* each its own order */
                int b = (i + p) % N_BUNDLES;
                sk_cstore *cs = NULL;
                sk_error err;
                sk_merge_stats st;
                if (sk_cstore_open(store, &cs, &err) != SK_OK ||
                    sk_cstore_merge(cs, bundles[b], &st, NULL, NULL, &err) != SK_OK) {
                    fprintf(stderr, "process %d: %s\n", p, err.message);
                    failed = 1;
                } else {
                    added += st.added;
                }
                sk_cstore_close(cs);
            }
            ssize_t w = write(fds[p][1], &added, sizeof added);
            _exit(failed || w != sizeof added ? 1 : 0);
        }
        close(fds[p][1]);
    }
    uint64_t added = 0;
    for (int p = 0; p < N_PROC; p++) {
        uint64_t a = 0;
        assert_int_equal(read(fds[p][0], &a, sizeof a), sizeof a);
        close(fds[p][0]);
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        added += a;
    }
    assert_int_equal(added, total_records); /* each record added by exactly one merge */
    assert_int_equal(count(store, "SELECT count(*) FROM records"), (int64_t)total_records);
    assert_int_equal(count(store, "SELECT count(DISTINCT device || '/' || seq) FROM records"),
                     (int64_t)total_records);
    assert_int_equal(count(store, "SELECT count(*) FROM imports"), N_PROC * N_BUNDLES);
    assert_int_equal(count(store, "SELECT count(*) FROM packs"), 1);
}

#endif

/* A store kept open (as survey-sync serve keeps it) survives the server
 * ending its connection: the next merge connects again and succeeds. */
static void test_pg_reconnects(void **state)
{
    (void)state;
    char store[2200];
    fresh_store(store, sizeof store, "reconnect");
    enrol_all(store);
    sk_cstore *cs = open_store(store);
    sk_error err;
    sk_merge_stats st;
    assert_int_equal(sk_cstore_merge(cs, bundles[B_K1A], &st, NULL, NULL, &err), SK_OK);
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
             " AND pid <> pg_backend_pid()",
             pg_run_db);
    pg_admin_exec(sql);
    usleep(200 * 1000); /* the backend goes */
    if (sk_cstore_merge(cs, bundles[B_K1B], &st, NULL, NULL, &err) != SK_OK)
        fail_msg("after the connection was ended: %s", err.message);
    assert_int_equal(st.added, 7);
    assert_int_equal(st.present, 2);
    sk_cstore_close(cs);
}

/* The URI of the cluster's maintenance database (env SK_TEST_PG, else the file
 * named by SK_TEST_PG_URL_FILE that the pg_cluster fixture wrote). */
static bool pg_setup(void)
{
    const char *uri = getenv("SK_TEST_PG");
    if (uri && *uri) {
        snprintf(pg_admin, sizeof pg_admin, "%s", uri);
    } else {
        const char *file = getenv("SK_TEST_PG_URL_FILE");
        FILE *f = file ? fopen(file, "r") : NULL;
        if (!f || !fgets(pg_admin, sizeof pg_admin, f)) {
            fprintf(stderr, "test_cstore --pg: no PostgreSQL cluster: set SK_TEST_PG to a libpq URI "
                            "or SK_TEST_PG_URL_FILE to the pg_cluster fixture's url file\n");
            if (f)
                fclose(f);
            return false;
        }
        fclose(f);
        pg_admin[strcspn(pg_admin, "\r\n")] = '\0';
    }
    if (!cdb_is_url(pg_admin)) {
        fprintf(stderr, "test_cstore --pg: '%s' is not a postgresql:// URI\n", pg_admin);
        return false;
    }
    snprintf(pg_prefix, sizeof pg_prefix, "skt%ld_", (long)getpid());
    snprintf(pg_run_db, sizeof pg_run_db, "%sstores", pg_prefix);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_run_db);
    pg_admin_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", pg_run_db);
    pg_admin_exec(sql);
    on_pg = true;
    setenv("SK_TEST_PG_BATCH", "3", 1);
    setenv("SK_TEST_PG_MERGE_BATCH", "3", 1); /* merges span batches */
    return true;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--make-bundles") == 0)
        return make_bundles(argv[2]);
    /* --pg: the same tests with every store on PostgreSQL, and those only
     * PostgreSQL has (test_cstore_pg in tests/cstore.cmake). */
    if (argc == 2 && strcmp(argv[1], "--pg") == 0 && !pg_setup())
        return 1;
    const struct CMUnitTest pg_only[] = {
        cmocka_unit_test(test_pg_sqlite_both_ways),
        cmocka_unit_test(test_pg_open_errors),
        cmocka_unit_test(test_pg_stream_with_nested_writes),
#ifndef _WIN32
        cmocka_unit_test(test_pg_concurrent_merges),
#endif
        cmocka_unit_test(test_pg_reconnects),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_counts_and_idempotence),
        cmocka_unit_test(test_order_free),
        cmocka_unit_test(test_store_into_store),
        cmocka_unit_test(test_edited_store_refused),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_damaged_bundles_change_nothing),
        cmocka_unit_test(test_conflict_kept_aside),
        cmocka_unit_test(test_record_twice_in_a_bundle),
        cmocka_unit_test(test_held_record_in_a_later_batch),
        cmocka_unit_test(test_device_key_mismatch),
        cmocka_unit_test(test_foreign_and_draft_records),
        cmocka_unit_test(test_withdraw),
        cmocka_unit_test(test_status_gaps),
        cmocka_unit_test(test_forms_and_records),
        cmocka_unit_test(test_not_a_store),
        cmocka_unit_test(test_study_pinning),
        cmocka_unit_test(test_held_accept_reject),
        cmocka_unit_test(test_retire),
        cmocka_unit_test(test_device_add),
        cmocka_unit_test(test_keyed_by_device),
        cmocka_unit_test(test_store_records_verified),
        cmocka_unit_test(test_store_withdrawals_verified),
        cmocka_unit_test(test_bundle_header_refused),
    };
    int failed = cmocka_run_group_tests(tests, world_setup, world_teardown);
    if (on_pg) {
        failed += cmocka_run_group_tests(pg_only, world_setup, world_teardown);
        char sql[160]; /* this run's database goes, whatever happened */
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", pg_run_db);
        pg_admin_exec(sql);
    }
    return failed;
}
