/* test_kstore_pin.c - the admin PIN's delay after wrong PINs
 * (sk_kstore_pin_attempt): the schedule, refusal without checking during a
 * delay, reset on a right PIN, survival across a restart, a clock that went
 * back, and the upgrade of a version-1 store.  The clock is passed in, so
 * nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "kstore_fixture.h"
#include "sk/kstore.h"

#define PIN "583920"
#define WRONG "583921"
#define T0 ((int64_t)1700000000000) /* a wall-clock time in ms */

static sk_kstore *open_store(const char *name, char *dir, size_t size)
{
    fx_dir(dir, size, name);
    setenv("SK_PWHASH_FAST", "1", 1);
    sk_kstore *ks = NULL;
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_set_pin(ks, PIN, &err), SK_OK);
    return ks;
}

static sk_pin_result attempt(sk_kstore *ks, const char *pin, int64_t now)
{
    sk_pin_result r;
    sk_error err;
    memset(&r, 0xA5, sizeof r);
    assert_int_equal(sk_kstore_pin_attempt(ks, pin, now, &r, &err), SK_OK);
    return r;
}

static void test_schedule(void **state)
{
    (void)state;
    assert_int_equal(sk_kstore_pin_backoff_ms(0), 0);
    assert_int_equal(sk_kstore_pin_backoff_ms(1), 0);
    assert_int_equal(sk_kstore_pin_backoff_ms(2), 0);
    assert_int_equal(sk_kstore_pin_backoff_ms(3), 30000);
    assert_int_equal(sk_kstore_pin_backoff_ms(4), 60000);
    assert_int_equal(sk_kstore_pin_backoff_ms(5), 120000);
    assert_int_equal(sk_kstore_pin_backoff_ms(6), 240000);
    assert_int_equal(sk_kstore_pin_backoff_ms(7), 480000);
    assert_int_equal(sk_kstore_pin_backoff_ms(8), 900000); /* 960 s capped at 15 min */
    assert_int_equal(sk_kstore_pin_backoff_ms(9), 900000);
    assert_int_equal(sk_kstore_pin_backoff_ms(1000), 900000);
    assert_int_equal(sk_kstore_pin_backoff_ms(UINT32_MAX), 900000);
}

static void test_three_free_then_delay(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_delay", dir, sizeof dir);
    int64_t t = T0;
    sk_pin_result r = attempt(ks, WRONG, t);
    assert_true(r.checked);
    assert_false(r.accepted);
    assert_int_equal(r.failures, 1);
    assert_int_equal(r.wait_ms, 0);
    r = attempt(ks, WRONG, t += 1000);
    assert_int_equal(r.failures, 2);
    assert_int_equal(r.wait_ms, 0);
    r = attempt(ks, WRONG, t += 1000);
    assert_true(r.checked);
    assert_int_equal(r.failures, 3);
    assert_int_equal(r.wait_ms, 30000);
    /* During the delay the right PIN is refused without being checked. */
    r = attempt(ks, PIN, t + 1);
    assert_false(r.checked);
    assert_false(r.accepted);
    assert_int_equal(r.failures, 3); /* not counted either */
    assert_int_equal(r.wait_ms, 29999);
    r = attempt(ks, WRONG, t + 29999);
    assert_false(r.checked);
    assert_int_equal(r.failures, 3);
    int64_t wait = -1;
    sk_error err;
    assert_int_equal(sk_kstore_pin_wait(ks, t + 10000, &wait, &err), SK_OK);
    assert_int_equal(wait, 20000);
    /* At the end of the delay a PIN is checked again; wrong doubles the delay. */
    r = attempt(ks, WRONG, t += 30000);
    assert_true(r.checked);
    assert_int_equal(r.failures, 4);
    assert_int_equal(r.wait_ms, 60000);
    r = attempt(ks, PIN, t + 59999);
    assert_false(r.checked);
    r = attempt(ks, WRONG, t += 60000);
    assert_int_equal(r.failures, 5);
    assert_int_equal(r.wait_ms, 120000);
    /* The right PIN after the delay: accepted, the count starts again. */
    r = attempt(ks, PIN, t += 120000);
    assert_true(r.checked);
    assert_true(r.accepted);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.wait_ms, 0);
    assert_int_equal(sk_kstore_pin_wait(ks, t, &wait, &err), SK_OK);
    assert_int_equal(wait, 0);
    r = attempt(ks, WRONG, t += 1);
    assert_int_equal(r.failures, 1);
    assert_int_equal(r.wait_ms, 0);
    r = attempt(ks, PIN, t += 1); /* two wrong: no delay yet */
    assert_true(r.accepted);
    sk_kstore_close(ks);
}

static void test_capped_at_fifteen_minutes(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_cap", dir, sizeof dir);
    int64_t t = T0;
    int64_t expect[] = {0, 0, 30000, 60000, 120000, 240000, 480000, 900000, 900000, 900000};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        sk_pin_result r = attempt(ks, WRONG, t);
        assert_true(r.checked);
        assert_int_equal(r.failures, i + 1);
        assert_int_equal(r.wait_ms, expect[i]);
        t += r.wait_ms;
    }
    sk_kstore_close(ks);
}

static void test_survives_restart(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_restart", dir, sizeof dir);
    int64_t t = T0;
    for (int i = 0; i < 3; i++)
        attempt(ks, WRONG, t);
    sk_kstore_close(ks);
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    int64_t wait = 0;
    assert_int_equal(sk_kstore_pin_wait(ks, t + 5000, &wait, &err), SK_OK);
    assert_int_equal(wait, 25000);
    sk_pin_result r = attempt(ks, PIN, t + 5000);
    assert_false(r.checked);
    assert_false(r.accepted);
    r = attempt(ks, PIN, t + 30000);
    assert_true(r.accepted);
    sk_kstore_close(ks);
    /* ... and so does the reset. */
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    r = attempt(ks, WRONG, t + 30001);
    assert_int_equal(r.failures, 1);
    sk_kstore_close(ks);
}

static void test_clock_went_back(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_clock", dir, sizeof dir);
    for (int i = 0; i < 3; i++)
        attempt(ks, WRONG, T0);
    /* The kiosk restarts with its clock at 1970 (no real-time clock, no network):
     * one full delay from now, not fifty years. */
    sk_pin_result r = attempt(ks, PIN, 5000);
    assert_false(r.checked);
    assert_int_equal(r.wait_ms, 30000);
    int64_t wait = 0;
    sk_error err;
    assert_int_equal(sk_kstore_pin_wait(ks, 6000, &wait, &err), SK_OK);
    assert_int_equal(wait, 29000); /* the cut delay was stored */
    r = attempt(ks, PIN, 35000);
    assert_true(r.accepted);
    sk_kstore_close(ks);
}

static void test_new_pin_clears_delay(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_reset", dir, sizeof dir);
    for (int i = 0; i < 4; i++)
        attempt(ks, WRONG, T0);
    sk_error err;
    assert_int_equal(sk_kstore_set_pin(ks, "10203040", &err), SK_OK);
    sk_pin_result r = attempt(ks, "10203040", T0 + 1);
    assert_true(r.checked);
    assert_true(r.accepted);
    sk_kstore_close(ks);
}

static void test_arguments(void **state)
{
    (void)state;
    char dir[1024];
    sk_kstore *ks = open_store("kpin_args", dir, sizeof dir);
    sk_pin_result r;
    memset(&r, 0x5A, sizeof r);
    sk_pin_result before = r;
    sk_error err;
    assert_int_equal(sk_kstore_pin_attempt(NULL, PIN, T0, &r, &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_pin_attempt(ks, NULL, T0, &r, &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_pin_attempt(ks, PIN, T0, NULL, &err), SK_ERR_ARG);
    assert_memory_equal(&r, &before, sizeof r); /* untouched on failure */
    int64_t wait = 77;
    assert_int_equal(sk_kstore_pin_wait(ks, T0, NULL, &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_pin_wait(NULL, T0, &wait, &err), SK_ERR_ARG);
    assert_int_equal(wait, 77);
    /* PIN rules: 6 to 12 digits, nothing else. */
    assert_int_equal(sk_kstore_set_pin(ks, "12345", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "1234567890123", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "12345a", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, " 123456", &err), SK_ERR_ARG);
    assert_int_equal(sk_kstore_set_pin(ks, "123456789012", &err), SK_OK);
    sk_kstore_close(ks);
    /* No PIN yet: SK_ERR_STATE, result untouched. */
    fx_dir(dir, sizeof dir, "kpin_nopin");
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    assert_int_equal(sk_kstore_pin_attempt(ks, PIN, T0, &r, &err), SK_ERR_STATE);
    assert_memory_equal(&r, &before, sizeof r);
    assert_int_equal(sk_kstore_pin_wait(ks, T0, &wait, &err), SK_ERR_STATE);
    assert_int_equal(wait, 77);
    sk_kstore_close(ks);
}

/* A store made before the PIN delay (user_version 1, no pin_ columns) is
 * upgraded on open and keeps its PIN. */
static void test_upgrade_from_version_1(void **state)
{
    (void)state;
    char dir[1024], db_path[1100];
    sk_kstore *ks = open_store("kpin_upgrade", dir, sizeof dir);
    sk_kstore_close(ks);
    snprintf(db_path, sizeof db_path, "%s/kiosk.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE device DROP COLUMN pin_failures;"
                                  "ALTER TABLE device DROP COLUMN pin_locked_until_ms;"
                                  /* and what version 3 added (delivery) */
                                  "DROP INDEX records_undelivered;"
                                  "ALTER TABLE records DROP COLUMN delivered_ms;"
                                  "ALTER TABLE packs DROP COLUMN delivered_ms;"
                                  "DROP TABLE delivery;"
                                  "PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    sk_error err;
    assert_int_equal(sk_kstore_open(dir, &ks, &err), SK_OK);
    for (int i = 0; i < 3; i++)
        attempt(ks, WRONG, T0);
    sk_pin_result r = attempt(ks, PIN, T0 + 1);
    assert_false(r.checked);
    r = attempt(ks, PIN, T0 + 30000);
    assert_true(r.accepted);
    sk_kstore_close(ks);
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 3); /* and on to the current version */
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_three_free_then_delay),
        cmocka_unit_test(test_capped_at_fifteen_minutes),
        cmocka_unit_test(test_survives_restart),
        cmocka_unit_test(test_clock_went_back),
        cmocka_unit_test(test_new_pin_clears_delay),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_upgrade_from_version_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
