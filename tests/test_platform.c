/* test_platform.c - lib/base/platform.h on the system it is built for (Linux,
 * and Windows under Wine in scripts/test-windows.sh): a durable atomic
 * replace, refusal to replace, the one-process lock, file identity, UTF-8
 * paths with spaces and accents, and the kiosk's default data folder
 * (portable beside the .exe, or %LOCALAPPDATA% / XDG). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#ifdef _WIN32
#include <windows.h>
#endif

#include "../lib/base/platform.h"
#include "sk/keys.h"

#ifdef _WIN32
#define SEP "\\"
#else
#define SEP "/"
#endif

static char dir[4096];

static int make_dir(void **state)
{
    (void)state;
    const char *base = getenv("SK_TEST_TMP");
    /* Spaces, an accent and a non-Latin script: what a user name can hold. */
    snprintf(dir, sizeof dir, "%s/platform test Siân 名前 %ld", base ? base : ".", sk_plat_pid());
    mkdir(dir, 0700);
    return 0;
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void expect(const char *path, const char *text)
{
    char buf[256] = "";
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, text);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The replace cases as data: what is there before, what place() is asked,
 * what the target holds after and whether the temporary file remains. */
static void test_place_table(void **state)
{
    (void)state;
    static const struct {
        const char *before; /* NULL: no target yet */
        bool no_replace;
        int want;
        const char *after;
        bool tmp_left;
    } cases[] = {
        {NULL, false, 0, "new", false},
        {"old", false, 0, "new", false}, /* rename over: MoveFileEx REPLACE_EXISTING */
        {NULL, true, 0, "new", false},
        {"old", true, EEXIST, "old", true}, /* refused, nothing changed */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char target[4200], tmp[4300];
        snprintf(target, sizeof target, "%s/place %zu ü.txt", dir, i);
        snprintf(tmp, sizeof tmp, "%s.tmp", target);
        unlink(target);
        if (cases[i].before)
            put(target, cases[i].before);
        put(tmp, "new");
        assert_int_equal(sk_plat_place(tmp, target, cases[i].no_replace), cases[i].want);
        expect(target, cases[i].after);
        assert_int_equal(exists(tmp), cases[i].tmp_left);
        assert_int_equal(sk_plat_sync_dir_of(target), 0);
        unlink(tmp);
    }
}

/* The core's durable writer through the platform layer, on a UTF-8 path. */
static void test_atomic_write_utf8_path(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/étude – pack.bin", dir);
    unlink(path);
    sk_error err;
    assert_int_equal(sk_write_file_atomic(path, "abc", 3, 0644, 1, &err), SK_OK);
    assert_int_equal(sk_write_file_atomic(path, "xyz", 3, 0644, 1, &err), SK_ERR_EXISTS);
    assert_int_equal(sk_write_file_atomic(path, "defg", 4, 0644, 0, &err), SK_OK);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(sk_read_file(path, 100, &data, &len, &err), SK_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(data, "defg", 4);
    free(data);
}

static void test_lock_second_open_refused(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/kiosk.lock", dir);
    int a = open(path, O_RDWR | O_CREAT, 0600), b = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(sk_plat_trylock(a), 0);
    /* Even in the same process a second open cannot take it. */
    assert_int_equal(sk_plat_trylock(b), EWOULDBLOCK);
    /* The holder's pid stays readable to whoever is refused. */
    assert_int_equal(write(a, "42\n", 3), 3);
    char buf[8] = "";
    assert_int_equal(read(b, buf, sizeof buf - 1), 3);
    assert_string_equal(buf, "42\n");
    close(a); /* closing drops it */
    assert_int_equal(sk_plat_trylock(b), 0);
    close(b);
}

static void test_same_file(void **state)
{
    (void)state;
    char a[4200], b[4200], a2[4300];
    snprintf(a, sizeof a, "%s/same a", dir);
    snprintf(b, sizeof b, "%s/same b", dir);
    snprintf(a2, sizeof a2, "%s" SEP "." SEP "same a", dir);
    put(a, "a");
    put(b, "b");
    assert_true(sk_plat_same_file(a, a2));
    assert_false(sk_plat_same_file(a, b));
    assert_false(sk_plat_same_file(a, "no such file here"));
    assert_true(sk_plat_ncpu() >= 1);
}

static void set_env(const char *name, const char *value)
{
#ifdef _WIN32
    /* The wide call: the folder's name is not in the ANSI code page. */
    wchar_t wn[64], wv[4096];
    assert_true(MultiByteToWideChar(CP_UTF8, 0, name, -1, wn, 64) > 0);
    assert_true(MultiByteToWideChar(CP_UTF8, 0, value ? value : "", -1, wv, 4096) > 0);
    assert_true(SetEnvironmentVariableW(wn, value ? wv : NULL));
#else
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
#endif
}

static void test_default_data_dir(void **state)
{
    (void)state;
    char out[4096];
    bool portable = true;
#ifdef _WIN32
    char local[4200], exe[4096], marker[4200];
    snprintf(local, sizeof local, "%s\\Local AppData", dir);
    set_env("LOCALAPPDATA", local);
    assert_int_equal(sk_plat_exe_dir(exe, sizeof exe), 0);
    snprintf(marker, sizeof marker, "%s\\portable.txt", exe);
    unlink(marker);
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), 0);
    char want[4300];
    snprintf(want, sizeof want, "%s\\survey-kiosk", local);
    assert_string_equal(out, want);
    assert_false(portable);
    /* The zip's marker: data beside the .exe. */
    put(marker, "portable");
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), 0);
    unlink(marker);
    snprintf(want, sizeof want, "%s\\data", exe);
    assert_string_equal(out, want);
    assert_true(portable);
    set_env("LOCALAPPDATA", NULL);
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), -1);
#else
    set_env("XDG_DATA_HOME", NULL);
    set_env("HOME", "/home/siân");
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), 0);
    assert_string_equal(out, "/home/siân/.local/share/survey-kiosk");
    assert_false(portable);
    set_env("XDG_DATA_HOME", "/data x");
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), 0);
    assert_string_equal(out, "/data x/survey-kiosk");
    set_env("XDG_DATA_HOME", NULL);
    set_env("HOME", NULL);
    assert_int_equal(sk_plat_default_data_dir(out, sizeof out, &portable), -1);
#endif
}

/* timegm and the local offset (fn_date.c's date-time()): a fixed UTC
 * instant, and an offset that turns the local reading back into it. */
static void test_timegm_gmtoff(void **state)
{
    (void)state;
    struct tm utc = {.tm_year = 2026 - 1900, .tm_mon = 11, .tm_mday = 1, .tm_hour = 18};
    assert_int_equal((long long)sk_plat_timegm(&utc), 1796148000LL);
    time_t t = 1796148000;
    struct tm local;
    assert_non_null(localtime_r(&t, &local));
    struct tm again = local;
    assert_int_equal((long long)(sk_plat_timegm(&again) - sk_plat_gmtoff(&local)), (long long)t);
}

#ifdef _WIN32
/* Removable drives by drive type.  scripts/test-windows.sh maps a folder as
 * Wine drive E: of type "floppy" (what Wine reports as DRIVE_REMOVABLE, as
 * Windows does for a USB stick) and names it in SK_TEST_REMOVABLE; without
 * it (a real Windows machine with no stick) there is nothing to look for. */
static void test_removable_drives(void **state)
{
    (void)state;
    const char *want = getenv("SK_TEST_REMOVABLE");
    if (!want || !*want)
        skip();
    char **roots = NULL;
    size_t n = sk_plat_removable_drives(&roots);
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        found = found || (strncmp(roots[i], want, 2) == 0 && strcmp(roots[i] + 2, "\\") == 0);
        assert_true(strcmp(roots[i], "C:\\") != 0); /* the system disk is fixed */
        free(roots[i]);
    }
    free(roots);
    assert_true(found);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_place_table),
        cmocka_unit_test(test_atomic_write_utf8_path),
        cmocka_unit_test(test_lock_second_open_refused),
        cmocka_unit_test(test_same_file),
        cmocka_unit_test(test_default_data_dir),
        cmocka_unit_test(test_timegm_gmtoff),
#ifdef _WIN32
        cmocka_unit_test(test_removable_drives),
#endif
    };
    return cmocka_run_group_tests(tests, make_dir, NULL);
}
