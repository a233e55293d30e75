/* test_cstore_kill.c - a merge killed with SIGKILL at a random moment leaves
 * a store that opens, passes integrity_check, and holds every input whole or
 * not at all.
 *
 * A child process merges a sequence of bundles (each with its own records)
 * and is killed at a random time within the length of an uninterrupted run;
 * the parent then checks the store.  Stores are kept across a few kills so
 * that recovery from a left-over WAL is exercised too.  50 kills
 * (SK_KILL_ITERATIONS to change: scripts/test-arm64.sh runs fewer under qemu). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "sk/bundle.h"
#include "sk/cstore.h"
#include "sk/pack.h"
#include "sk/record.h"

enum { N_INPUTS = 10, PER_INPUT = 80, N_KILLS = 50, MAX_ROUNDS = 200 };

static char tmpdir[2048];
static char inputs[N_INPUTS][2200];
/* The record ids of each input, to check "all or none". */
static uint8_t ids[N_INPUTS][PER_INPUT][SK_RECORD_ID_SIZE];

static void make_inputs(void)
{
    sk_study_key key;
    crypto_box_keypair(key.pub.box_pk, key.box_sk);
    crypto_sign_keypair(key.pub.sign_pk, key.sign_sk);
    char pack_path[2200];
    snprintf(pack_path, sizeof pack_path, "%s/kill.pack", tmpdir);
    unlink(pack_path);
    sk_error err;
    assert_int_equal(sk_pack_write(pack_path, &key, "kill", "1", "Kill test", "form.md",
                                   (const uint8_t *)"| survey |\n", 11, &err),
                     SK_OK);
    uint8_t *pack = NULL;
    size_t pack_len = 0;
    assert_int_equal(sk_read_file(pack_path, 1 << 20, &pack, &pack_len, &err), SK_OK);

    /* Two kiosks; each input is the next slice of one kiosk's numbers. */
    sk_device_key dev[2];
    uint8_t dev_id[2][SK_DEVICE_ID_SIZE];
    uint64_t next_seq[2] = {1, 1};
    for (int d = 0; d < 2; d++) {
        crypto_sign_keypair(dev[d].pk, dev[d].sk);
        sk_device_id(dev[d].pk, dev_id[d]);
    }
    static const char payload[] = "{\"answers\":\"a few bytes of sealed payload\"}";
    for (int i = 0; i < N_INPUTS; i++) {
        int d = i % 2;
        snprintf(inputs[i], sizeof inputs[i], "%s/kill-%02d.skb", tmpdir, i);
        unlink(inputs[i]);
        sk_bundle_writer *w = NULL;
        assert_int_equal(sk_bundle_writer_open(inputs[i], dev_id[d], d ? "Pi-B" : "Pi-A",
                                               dev[d].pk, &w, &err),
                         SK_OK);
        assert_int_equal(sk_bundle_writer_add_pack(w, pack, pack_len, &err), SK_OK);
        for (int r = 0; r < PER_INPUT; r++) {
            sk_record_header h = {0};
            h.kind = SK_REC_RESPONSE;
            randombytes_buf(h.record_id, SK_RECORD_ID_SIZE);
            memcpy(ids[i][r], h.record_id, SK_RECORD_ID_SIZE);
            memcpy(h.device_id, dev_id[d], SK_DEVICE_ID_SIZE);
            h.seq = next_seq[d]++;
            strcpy(h.form_id, "kill");
            strcpy(h.form_version, "1");
            uint8_t *blob = NULL;
            size_t len = 0;
            assert_int_equal(sk_record_seal(&h, &key.pub, &dev[d], payload, sizeof payload - 1, &blob,
                                            &len, &err),
                             SK_OK);
            assert_int_equal(sk_bundle_writer_add_record(w, blob, len, &err), SK_OK);
            free(blob);
        }
        assert_int_equal(sk_bundle_writer_finish(w, &dev[d], &err), SK_OK);
    }
    free(pack);
    sodium_memzero(&key, sizeof key);
    sodium_memzero(dev, sizeof dev);
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

static void remove_store(const char *path)
{
    char side[2300];
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* The child: merge every input in a random order, then exit. */
static void child_merge(const char *store, unsigned seed)
{
    int order[N_INPUTS];
    for (int i = 0; i < N_INPUTS; i++)
        order[i] = i;
    for (int i = N_INPUTS - 1; i > 0; i--) {
        int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    sk_cstore *cs = NULL;
    sk_error err;
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        _exit(3);
    for (int i = 0; i < N_INPUTS; i++)
        if (sk_cstore_merge(cs, inputs[order[i]], NULL, NULL, NULL, &err) != SK_OK)
            _exit(4);
    sk_cstore_close(cs);
    _exit(0);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run the child; kill it after `delay` seconds (negative: let it finish).
 * Returns true when it was killed before finishing. */
static bool run_child(const char *store, unsigned seed, double delay)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_merge(store, seed);
    if (delay >= 0) {
        struct timespec t = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
        nanosleep(&t, NULL);
        kill(pid, SIGKILL);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return true;
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    return false;
}

/* After a kill: the store opens, is intact, and holds whole inputs.
 * Returns how many inputs are held. */
static int check_store(const char *store)
{
    sk_cstore *cs = NULL;
    sk_error err;
    if (sk_cstore_open(store, &cs, &err) != SK_OK)
        fail_msg("the store does not open after a kill: %s", err.message);
    sk_cstore_close(cs);

    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(store, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);

    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM records WHERE record_id = ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    int whole = 0;
    for (int i = 0; i < N_INPUTS; i++) {
        int held = 0;
        for (int r = 0; r < PER_INPUT; r++) {
            sqlite3_bind_blob(s, 1, ids[i][r], SK_RECORD_ID_SIZE, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(s), SQLITE_ROW);
            held += sqlite3_column_int(s, 0);
            sqlite3_reset(s);
        }
        if (held != 0 && held != PER_INPUT)
            fail_msg("input %d is half merged after a kill: %d of %d records", i, held,
                     PER_INPUT);
        whole += held == PER_INPUT;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return whole;
}

static void test_kill_during_merge(void **state)
{
    (void)state;
    char store[2200];
    snprintf(store, sizeof store, "%s/kill.db", tmpdir);

    /* How long an uninterrupted run takes here (fork included). */
    remove_store(store);
    double t0 = now_s();
    assert_false(run_child(store, 1, -1));
    double full = now_s() - t0;
    assert_int_equal(check_store(store), N_INPUTS);

    unsigned seed = (unsigned)time(NULL);
    print_message("kill test: a full run takes %.3f s; seed %u\n", full, seed);
    const char *env = getenv("SK_KILL_ITERATIONS");
    int n_kills = env && atoi(env) > 0 ? atoi(env) : N_KILLS;
    int killed = 0, mid_way = 0, rounds = 0;
    for (; killed < n_kills && rounds < MAX_ROUNDS; rounds++) {
        if (rounds % 3 == 0)
            remove_store(store); /* else keep it: recovery from a left-over WAL */
        double delay = full * (double)rand_r(&seed) / (double)RAND_MAX;
        killed += run_child(store, (unsigned)rounds, delay);
        int whole = check_store(store);
        mid_way += whole > 0 && whole < N_INPUTS;
    }
    print_message("kill test: %d of %d runs killed mid-merge, %d left some inputs merged and "
                  "others not\n",
                  killed, rounds, mid_way);
    assert_int_equal(killed, n_kills); /* the kills did land during merges */
    assert_true(mid_way > 0);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    const char *base = getenv("SK_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/cstore-kill-%ld", base ? base : "/tmp", (long)getpid());
    mkdir(tmpdir, 0755);
    make_inputs();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_tree(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_merge),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
