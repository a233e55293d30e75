/* test_kstore_crash.c - "a pulled power cord" and "no plaintext on disk".
 *
 * Crash: a child process saves answers in a loop and reports every save that
 * returned over a pipe; the parent kills it with SIGKILL at a random moment,
 * at least 200 times (SK_CRASH_ITERATIONS to change, SK_CRASH_SEED to replay).
 * After every kill the store must open, PRAGMA integrity_check must say ok, and
 * every answer whose save had returned must be in the recovered INCOMPLETE
 * record, which the study key opens.  (SIGKILL tests atomicity and recovery;
 * power loss on top of it is what synchronous=FULL is for.)
 *
 * Grep: after a finished sitting and a killed one with distinctive answers,
 * no file in the kiosk's folder (kiosk.db, its WAL and shared memory, any
 * other) contains any of them.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kstore_fixture.h"
#include "sk/answers.h"
#include "sk/kstore.h"
#include "sk/record.h"

#define FORM SK_TEST_DATA "/forms/golden_basic.md"

static char g_dir[1024], g_kiosk[1100];
static sk_study_key *g_key;

static int setup(void **state)
{
    (void)state;
    char study[1100], pack[1100];
    fx_dir(g_dir, sizeof g_dir, "kstore_crash");
    snprintf(study, sizeof study, "%s/study", g_dir);
    snprintf(pack, sizeof pack, "%s/f.pack", g_dir);
    snprintf(g_kiosk, sizeof g_kiosk, "%s/kiosk", g_dir);
    g_key = fx_study_and_pack(study, FORM, "golden_basic", "1", pack);
    if (!g_key)
        return -1;
    sk_kstore *ks;
    sk_error err;
    if (sk_kstore_open(g_kiosk, &ks, &err) != SK_OK || sk_kstore_install_pack(ks, pack, NULL, &err))
        return -1;
    sk_kstore_close(ks);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sk_study_key_free(g_key);
    return 0;
}

/* The child: save answers a0, a1, ... forever, reporting each returned save. */
static void saver(int fd, int iter)
{
    sk_kstore *ks;
    sk_error err;
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s;
    if (sk_kstore_open(g_kiosk, &ks, &err) != SK_OK || sk_kstore_sitting_start(ks, &a, &s, &err))
        _exit(3);
    for (int i = 0;; i++) {
        char name[32], value[64];
        snprintf(name, sizeof name, "a%d", i % 40);
        snprintf(value, sizeof value, "it%d-v%d", iter, i);
        if (sk_answers_set(&a, name, value, SK_SECTION_RESPONSE, sk_now_ms()) != SK_OK ||
            sk_sitting_save(s, &a, &err) != SK_OK)
            _exit(4);
        if (write(fd, &i, sizeof i) != sizeof i)
            _exit(5);
    }
}

static void integrity_ok(void)
{
    char db[1200];
    snprintf(db, sizeof db, "%s/kiosk.db", g_kiosk);
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Open the newest record with the study key. */
static void newest_record(sk_record_header *h, sk_answers *a)
{
    char db[1200];
    snprintf(db, sizeof db, "%s/kiosk.db", g_kiosk);
    sqlite3 *hd;
    assert_int_equal(sqlite3_open_v2(db, &hd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(hd, "SELECT blob FROM records ORDER BY seq DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *payload;
    size_t len;
    sk_error err;
    assert_int_equal(sk_record_open(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                                    g_key, h, &payload, &len, &err),
                     SK_OK);
    sk_answers_init(a);
    assert_int_equal(sk_answers_from_json(payload, len, a, &err), SK_OK);
    sk_secret_free(payload, len);
    sqlite3_finalize(st);
    sqlite3_close(hd);
}

static void test_sigkill_while_saving(void **state)
{
    (void)state;
    const char *env = getenv("SK_CRASH_ITERATIONS");
    int iterations = env ? atoi(env) : 200;
    const char *seed_env = getenv("SK_CRASH_SEED"); /* to replay a failure */
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
    fprintf(stderr, "crash test: %d kills, seed %u\n", iterations, seed);
    srand(seed);
    int checked = 0, max_saves = 0, waited = 0;
    for (int iter = 0; iter < iterations; iter++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            saver(fds[1], iter);
        }
        close(fds[1]);
        /* One kill in ten lands anywhere from "still opening the store" (perhaps
         * recovering the previous draft) on; the others wait for the first save to
         * return, then land within the next few dozen saves.  Waiting keeps the
         * test meaningful on a loaded machine, where opening can take longer than
         * any fixed delay. */
        int last = -1, i;
        bool after_first = iter % 10 != 9;
        waited += after_first;
        if (after_first && read(fds[0], &i, sizeof i) == sizeof i)
            last = i;
        usleep((useconds_t)(rand() % (after_first ? 20000 : 60000)));
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
        while (read(fds[0], &i, sizeof i) == sizeof i)
            last = i;
        close(fds[0]);

        sk_kstore *ks;
        sk_error err;
        assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_OK); /* recovers the draft */
        sk_kstore_counts c;
        assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
        assert_int_equal(c.in_progress, 0);
        sk_kstore_close(ks);
        integrity_ok();
        if (last < 0)
            continue; /* killed before its first save returned: nothing was promised */
        sk_record_header h;
        sk_answers a;
        newest_record(&h, &a);
        assert_int_equal(h.kind, SK_REC_INCOMPLETE);
        /* Every save that returned is in the record (a later one may be too). */
        for (int k = (last >= 40 ? last - 39 : 0); k <= last; k++) {
            char name[32], want[64];
            snprintf(name, sizeof name, "a%d", k % 40);
            const char *got = sk_answers_get(&a, name);
            assert_non_null(got);
            int it = -1, v = -1;
            assert_int_equal(sscanf(got, "it%d-v%d", &it, &v), 2);
            assert_int_equal(it, iter);
            snprintf(want, sizeof want, "it%d-v%d", iter, k);
            if (v < k) /* an older value would mean a returned save was lost */
                fail_msg("iteration %d: %s is '%s', want '%s' or later", iter, name, got, want);
        }
        sk_answers_free(&a);
        checked++;
        if (last + 1 > max_saves)
            max_saves = last + 1;
    }
    fprintf(stderr, "crash test: %d kills checked a recovered record (up to %d saves each)\n",
            checked, max_saves);
    /* every kill that waited for a returned save checked a recovered record */
    assert_true(checked >= waited);
}

static void scan(const char *dir, const char *const *secrets, size_t n, int *files)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint8_t *bytes = NULL;
        size_t len = 0;
        sk_error err;
        assert_int_equal(sk_read_file(path, (size_t)1 << 28, &bytes, &len, &err), SK_OK);
        (*files)++;
        for (size_t i = 0; i < n; i++)
            if (memmem(bytes, len, secrets[i], strlen(secrets[i])))
                fail_msg("%s contains the answer '%s' in plaintext", path, secrets[i]);
        free(bytes);
    }
    closedir(d);
}

static void test_no_plaintext_on_disk(void **state)
{
    (void)state;
    static const char *const secrets[] = {"Zebra-Quokka-4417", "Octarine Ministry",
                                          "p4ssw0rd-of-participant", "Llanfair-Qx9"};
    sk_kstore *ks;
    sk_error err;
    assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_OK);
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s;
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_OK);
    static const struct {
        const char *name;
        sk_section section;
    } fields[] = {{"signer", SK_SECTION_CONSENT},
                  {"role_other", SK_SECTION_RESPONSE},
                  {"pw", SK_SECTION_RESPONSE}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        assert_int_equal(
            sk_answers_set(&a, fields[i].name, secrets[i], fields[i].section, sk_now_ms()), SK_OK);
        assert_int_equal(sk_sitting_save(s, &a, &err), SK_OK);
    }
    char code[SK_WCODE_SIZE];
    assert_int_equal(sk_sitting_finish(s, &a, code, &err), SK_OK);
    sk_answers_free(&a);
    sk_kstore_close(ks);
    /* and a sitting in progress when the process dies: its WAL stays behind */
    pid_t pid = fork();
    if (pid == 0) {
        sk_kstore *k2;
        sk_answers b;
        sk_answers_init(&b);
        sk_sitting *s2;
        if (sk_kstore_open(g_kiosk, &k2, &err) || sk_kstore_sitting_start(k2, &b, &s2, &err) ||
            sk_answers_set(&b, "role_other", secrets[3], SK_SECTION_RESPONSE, sk_now_ms()) ||
            sk_sitting_save(s2, &b, &err))
            _exit(1);
        kill(getpid(), SIGKILL);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    int files = 0;
    scan(g_kiosk, secrets, 4, &files);
    assert_true(files >= 1);
    /* also after recovery has rewritten the draft as a record */
    assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_OK);
    scan(g_kiosk, secrets, 4, &files);
    sk_kstore_close(ks);
    scan(g_kiosk, secrets, 4, &files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_plaintext_on_disk),
        cmocka_unit_test(test_sigkill_while_saving),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
