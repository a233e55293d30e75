/* test_kstore_lock.c - one process per data folder (DIR/kiosk.lock), on real
 * files with real processes: a second open is refused with a sentence naming
 * the holder's pid; a holder killed with SIGKILL leaves nothing that blocks;
 * recovery never touches the live draft of a sitting another process runs (the
 * duplicate record two kiosks on one folder once made); --set-pin's PIN-only
 * open works beside a running kiosk and can do nothing else; the delivery
 * helper shares the kiosk's own lock only through the kiosk's descriptor. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "kstore_fixture.h"
#include "sk/kstore.h"

#define FORM SK_TEST_DATA "/forms/golden_basic.md"

static char g_dir[1024], g_kiosk[1100], g_pack[1100];
static sk_study_key *g_key;

/* The holder: open, start a sitting, save one answer, say "ready" on fd, then
 * wait for orders on cmd: 'f' finish the sitting and exit, 'a' abandon it and
 * exit; EOF (or SIGKILL) ends it without closing anything. */
static void holder(int ready_fd, int cmd_fd)
{
    sk_kstore *ks;
    sk_error err;
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s;
    alarm(60); /* a failed assertion in the parent must not leave this child behind */
    if (sk_kstore_open(g_kiosk, &ks, &err) != SK_OK ||
        sk_kstore_sitting_start(ks, &a, &s, &err) != SK_OK ||
        sk_answers_set(&a, "role", "informatics", SK_SECTION_RESPONSE, sk_now_ms()) != SK_OK ||
        sk_sitting_save(s, &a, &err) != SK_OK)
        _exit(3);
    char c = 'r';
    if (write(ready_fd, &c, 1) != 1)
        _exit(4);
    if (read(cmd_fd, &c, 1) != 1)
        _exit(5);
    if (c == 'f') {
        char code[SK_WCODE_SIZE];
        if (sk_sitting_finish(s, &a, code, &err) != SK_OK)
            _exit(6);
    } else if (c == 'a') {
        if (sk_sitting_abandon(s, &a, &err) != SK_OK)
            _exit(7);
    }
    sk_kstore_close(ks);
    _exit(0);
}

typedef struct child {
    pid_t pid;
    int cmd; /* write end of the order pipe */
} child;

static child spawn_holder(void)
{
    int ready[2], cmd[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(cmd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(cmd[1]);
        holder(ready[1], cmd[0]);
    }
    close(ready[1]);
    close(cmd[0]);
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1); /* the holder has the lock and a live draft */
    assert_int_equal(c, 'r');
    close(ready[0]);
    return (child){pid, cmd[1]};
}

static int reap(pid_t pid)
{
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void counts(sk_kstore_counts *c)
{
    sk_kstore *ks;
    sk_error err;
    assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_counts_get(ks, c, &err), SK_OK);
    sk_kstore_close(ks);
}

static int setup(void **state)
{
    (void)state;
    char study[1100];
    fx_dir(g_dir, sizeof g_dir, "kstore_lock");
    snprintf(study, sizeof study, "%s/study", g_dir);
    snprintf(g_pack, sizeof g_pack, "%s/f.pack", g_dir);
    snprintf(g_kiosk, sizeof g_kiosk, "%s/kiosk", g_dir);
    g_key = fx_study_and_pack(study, FORM, "golden_basic", "1", g_pack);
    if (!g_key)
        return -1;
    sk_kstore *ks;
    sk_error err;
    if (sk_kstore_open(g_kiosk, &ks, &err) != SK_OK ||
        sk_kstore_install_pack(ks, g_pack, NULL, &err) != SK_OK)
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

/* A second open while another process holds the folder: SK_ERR_STATE, the
 * sentence with the holder's pid, *out untouched; and the live draft is not
 * recovered behind the holder's back: when the holder finishes, there is one
 * response record and no incomplete one. */
static void test_second_open_refused_draft_untouched(void **state)
{
    (void)state;
    sk_kstore_counts before;
    counts(&before);
    child h = spawn_holder();
    sk_kstore *ks = (sk_kstore *)1;
    sk_error err;
    assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_ERR_STATE);
    assert_ptr_equal(ks, (sk_kstore *)1);
    char want[1400];
    snprintf(want, sizeof want, "another survey-kiosk is using %s (pid %ld); close it first",
             g_kiosk, (long)h.pid);
    assert_string_equal(err.message, want);

    /* Waiting does not help while the holder lives; it ends when the time is up. */
    sk_kstore_open_opts wait = {.wait_ms = 300};
    int64_t t0 = sk_now_ms();
    assert_int_equal(sk_kstore_open_with(g_kiosk, &wait, &ks, &err), SK_ERR_STATE);
    int64_t waited = sk_now_ms() - t0;
    assert_true(waited >= 300 && waited < 5000);
    assert_non_null(strstr(err.message, "another survey-kiosk is using"));

    /* The holder finishes its sitting: exactly one finished record, nothing recovered. */
    assert_int_equal(write(h.cmd, "f", 1), 1);
    close(h.cmd);
    int st = reap(h.pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    sk_kstore_counts after;
    counts(&after);
    assert_int_equal(after.finished, before.finished + 1);
    assert_int_equal(after.incomplete, before.incomplete);
    assert_int_equal(after.in_progress, 0);
}

/* The same refusal inside one process: a second open of an open store. */
static void test_second_open_same_process(void **state)
{
    (void)state;
    sk_kstore *a, *b = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(g_kiosk, &a, &err), SK_OK);
    assert_true(sk_kstore_locked(a));
    assert_int_equal(sk_kstore_open(g_kiosk, &b, &err), SK_ERR_STATE);
    assert_null(b);
    char pid[32];
    snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
    assert_non_null(strstr(err.message, pid));
    sk_kstore_close(a);
    assert_int_equal(sk_kstore_open(g_kiosk, &b, &err), SK_OK); /* closed: free again */
    sk_kstore_close(b);
}

/* A holder killed with SIGKILL mid-sitting leaves kiosk.lock behind, with its
 * pid in it, and that blocks nothing: the next open succeeds at once and
 * recovers the sitting as one INCOMPLETE record. */
static void test_sigkill_leaves_no_stale_lock(void **state)
{
    (void)state;
    sk_kstore_counts before;
    counts(&before);
    child h = spawn_holder();
    assert_int_equal(kill(h.pid, SIGKILL), 0);
    int st = reap(h.pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(h.cmd);
    char lock[1200];
    snprintf(lock, sizeof lock, "%s/" SK_KSTORE_LOCK_FILE, g_kiosk);
    assert_int_equal(access(lock, F_OK), 0); /* the file stays; the lock did not */

    sk_kstore *ks;
    sk_error err;
    assert_int_equal(sk_kstore_open(g_kiosk, &ks, &err), SK_OK); /* no wait: free at once */
    sk_kstore_counts c;
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.incomplete, before.incomplete + 1);
    assert_int_equal(c.finished, before.finished);
    assert_int_equal(c.in_progress, 0);
    sk_kstore_close(ks);
    counts(&c); /* recovered once, not again at the next open */
    assert_int_equal(c.incomplete, before.incomplete + 1);
}

/* A waiting open gets the folder as soon as the holder lets go. */
static void test_wait_ends_when_holder_exits(void **state)
{
    (void)state;
    child h = spawn_holder();
    pid_t killer = fork();
    if (killer == 0) {
        usleep(300 * 1000);
        kill(h.pid, SIGKILL);
        _exit(0);
    }
    sk_kstore_open_opts wait = {.wait_ms = 10000};
    sk_kstore *ks;
    sk_error err;
    int64_t t0 = sk_now_ms();
    assert_int_equal(sk_kstore_open_with(g_kiosk, &wait, &ks, &err), SK_OK);
    assert_true(sk_now_ms() - t0 < 9000); /* not the whole 10 s (slack for valgrind) */
    sk_kstore_close(ks);
    reap(killer);
    reap(h.pid);
    close(h.cmd);
}

/* --set-pin beside a running kiosk: the PIN-only open works without the lock,
 * recovers nothing, and refuses sittings, installs and exports. */
static void test_pin_only_open(void **state)
{
    (void)state;
    child h = spawn_holder();
    sk_kstore_open_opts po = {.pin_only = true};
    sk_kstore *ks;
    sk_error err;
    assert_int_equal(sk_kstore_open_with(g_kiosk, &po, &ks, &err), SK_OK);
    assert_false(sk_kstore_locked(ks));
    sk_kstore_counts c;
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.in_progress, 1); /* the holder's draft, untouched */
    assert_int_equal(sk_kstore_set_pin(ks, "246810", &err), SK_OK);
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *s = NULL;
    assert_int_equal(sk_kstore_sitting_start(ks, &a, &s, &err), SK_ERR_STATE);
    assert_null(s);
    uint64_t n = 0;
    assert_int_equal(sk_kstore_export(ks, g_dir, true, NULL, 0, &n, &err), SK_ERR_STATE);
    assert_int_equal(sk_kstore_install_pack(ks, g_pack, NULL, &err), SK_ERR_STATE);
    sk_answers_free(&a);
    sk_kstore_close(ks);
    /* The holder goes on: its sitting ends as one incomplete record. */
    sk_kstore_counts before;
    assert_int_equal(write(h.cmd, "a", 1), 1);
    close(h.cmd);
    int st = reap(h.pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    counts(&before);
    assert_int_equal(before.in_progress, 0);
    assert_int_equal(before.incomplete, c.incomplete + 1);
    /* With the folder free, a PIN-only open takes the lock like any other. */
    assert_int_equal(sk_kstore_open_with(g_kiosk, &po, &ks, &err), SK_OK);
    assert_true(sk_kstore_locked(ks));
    assert_true(sk_kstore_has_pin(ks));
    sk_kstore_close(ks);
}

/* A PIN-only open of a folder whose holder has not made kiosk.db yet creates
 * nothing: it is refused like a held lock. */
static void test_pin_only_new_folder(void **state)
{
    (void)state;
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/fresh", g_dir);
    char lock[1300];
    snprintf(lock, sizeof lock, "%s/" SK_KSTORE_LOCK_FILE, dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    if (pid == 0) { /* holds the folder's lock as a kiosk that is just starting */
        close(ready[0]);
        alarm(60); /* as in holder() */
        int fd = open(lock, O_RDWR | O_CREAT, 0600);
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], "r", 1) != 1)
            _exit(3);
        pause();
        _exit(0);
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    sk_kstore_open_opts po = {.pin_only = true};
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open_with(dir, &po, &ks, &err), SK_ERR_STATE);
    assert_null(ks);
    assert_non_null(strstr(err.message, "another survey-kiosk is using"));
    char db[1300];
    snprintf(db, sizeof db, "%s/kiosk.db", dir);
    assert_int_not_equal(access(db, F_OK), 0);
    kill(pid, SIGKILL);
    reap(pid);
}

/* kiosk.lock as a symbolic link is refused, like kiosk.db. */
static void test_lock_symlink_refused(void **state)
{
    (void)state;
    char dir[1200], lock[1300], target[1300];
    snprintf(dir, sizeof dir, "%s/linked", g_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(lock, sizeof lock, "%s/" SK_KSTORE_LOCK_FILE, dir);
    snprintf(target, sizeof target, "%s/elsewhere", g_dir);
    assert_int_equal(symlink(target, lock), 0);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_ERR_IO);
    assert_null(ks);
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_not_equal(access(target, F_OK), 0);
}

/* share_lock (survey-kiosk-deliver): through a descriptor of the holder's
 * own lock (here a dup, as the helper inherits it across exec) the store opens
 * for delivery only, leaves the holder's live draft alone, and closing it
 * leaves the holder's lock held.  A descriptor of a fresh open of kiosk.lock,
 * or of another file, is refused. */
static void test_shared_lock(void **state)
{
    (void)state;
    sk_kstore *holder_ks, *ks = NULL;
    sk_error err;
    sk_answers a;
    sk_answers_init(&a);
    sk_sitting *live;
    assert_int_equal(sk_kstore_open(g_kiosk, &holder_ks, &err), SK_OK);
    assert_int_equal(sk_kstore_sitting_start(holder_ks, &a, &live, &err), SK_OK);
    assert_int_equal(sk_sitting_save(live, &a, &err), SK_OK);
    int held = sk_kstore_lock_fd(holder_ks);
    assert_true(held >= 0);

    /* Not the holder's description: refused, nothing opened. */
    char lock[1200];
    snprintf(lock, sizeof lock, "%s/" SK_KSTORE_LOCK_FILE, g_kiosk);
    int fresh = open(lock, O_RDWR);
    assert_true(fresh >= 0);
    sk_kstore_open_opts so = {.share_lock = true, .lock_fd = fresh};
    assert_int_equal(sk_kstore_open_with(g_kiosk, &so, &ks, &err), SK_ERR_STATE);
    assert_null(ks);
    assert_non_null(strstr(err.message, "another process holds it"));
    close(fresh);
    int other = open(g_pack, O_RDONLY);
    so.lock_fd = other;
    assert_int_equal(sk_kstore_open_with(g_kiosk, &so, &ks, &err), SK_ERR_STATE);
    assert_null(ks);
    assert_non_null(strstr(err.message, "is not this kiosk's lock file"));
    close(other);

    /* The holder's own description: open for delivery only. */
    so.lock_fd = dup(held);
    assert_int_equal(sk_kstore_open_with(g_kiosk, &so, &ks, &err), SK_OK);
    assert_true(sk_kstore_locked(ks));
    assert_int_equal(sk_kstore_lock_fd(ks), -1); /* not its own to hand on */
    sk_kstore_counts c;
    assert_int_equal(sk_kstore_counts_get(ks, &c, &err), SK_OK);
    assert_int_equal(c.in_progress, 1); /* the live draft, not recovered */
    sk_kstore_outbox *ob = NULL;
    assert_int_equal(sk_kstore_outbox_open(ks, &ob, &err), SK_OK);
    sk_delivery_state ds;
    assert_int_equal(sk_kstore_outbox_state(ob, &ds, &err), SK_OK);
    sk_kstore_outbox_close(ob);
    sk_answers b;
    sk_answers_init(&b);
    sk_sitting *s = NULL;
    assert_int_equal(sk_kstore_sitting_start(ks, &b, &s, &err), SK_ERR_STATE);
    assert_null(s);
    assert_non_null(strstr(err.message, "only delivers for the survey-kiosk that started it"));
    uint64_t n = 0;
    assert_int_equal(sk_kstore_export(ks, g_dir, true, NULL, 0, &n, &err), SK_ERR_STATE);
    assert_int_equal(sk_kstore_install_pack(ks, g_pack, NULL, &err), SK_ERR_STATE);
    sk_answers_free(&b);
    sk_kstore_close(ks);

    /* The holder still has the folder: a third open is refused. */
    sk_kstore *third = NULL;
    assert_int_equal(sk_kstore_open(g_kiosk, &third, &err), SK_ERR_STATE);
    assert_null(third);
    assert_int_equal(sk_sitting_abandon(live, &a, &err), SK_OK);
    sk_answers_free(&a);
    sk_kstore_close(holder_ks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_open_refused_draft_untouched),
        cmocka_unit_test(test_second_open_same_process),
        cmocka_unit_test(test_sigkill_leaves_no_stale_lock),
        cmocka_unit_test(test_wait_ends_when_holder_exits),
        cmocka_unit_test(test_pin_only_open),
        cmocka_unit_test(test_pin_only_new_folder),
        cmocka_unit_test(test_lock_symlink_refused),
        cmocka_unit_test(test_shared_lock),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
