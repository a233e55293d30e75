/* test_kiosk_media.c - finding USB sticks and survey packs under the usual
 * mount points, in a scratch root laid out like a real system. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "media.h"

static char root[1024];

static void mkdirs(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    mkdir(path, 0755);
}

static void touch(const char *rel)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("pack", f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("SK_TEST_TMP");
    snprintf(root, sizeof root, "%s/kiosk_media_%ld", tmp ? tmp : "/tmp", (long)getpid());
    mkdir(root, 0755);
    mkdirs("media/alice/STICK");          /* udisks: /media/USER/LABEL */
    mkdirs("media/usb0");                 /* usbmount */
    mkdirs("run/media/bob/KINGSTON");     /* Fedora-style udisks */
    mkdirs("mnt/data");
    mkdirs("media/alice/STICK/sub");
    touch("media/alice/STICK/wellbeing-v2.pack");
    touch("media/alice/STICK/notes.txt");
    touch("media/alice/STICK/sub/deeper.pack"); /* only the top level is searched */
    touch("media/usb0/a.pack");
    touch("run/media/bob/KINGSTON/b.pack");
    return 0;
}

static void rel(char **list, size_t n, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strncat(out, " ", size - strlen(out) - 1);
        strncat(out, list[i] + strlen(root), size - strlen(out) - 1);
    }
}

static void test_mounts_are_leaves(void **state)
{
    (void)state;
    char **m = NULL, got[2048];
    size_t n = media_mounts(root, &m);
    rel(m, n, got, sizeof got);
    /* /media/alice only holds the stick: it is not offered itself. */
    assert_string_equal(got, "/media/alice/STICK /media/usb0 /mnt/data /run/media/bob/KINGSTON");
    media_free(m, n);
}

static void test_packs_on_media(void **state)
{
    (void)state;
    char **p = NULL, got[2048];
    size_t n = media_packs(root, &p);
    rel(p, n, got, sizeof got);
    assert_string_equal(got, "/media/alice/STICK/wellbeing-v2.pack /media/usb0/a.pack "
                             "/run/media/bob/KINGSTON/b.pack");
    media_free(p, n);
}

static void test_packs_in_typed_folder(void **state)
{
    (void)state;
    char dir[2048], **p = NULL, got[2048];
    snprintf(dir, sizeof dir, "%s/media/alice/STICK/sub", root);
    size_t n = media_packs_in(dir, &p);
    rel(p, n, got, sizeof got);
    assert_string_equal(got, "/media/alice/STICK/sub/deeper.pack");
    media_free(p, n);
    snprintf(dir, sizeof dir, "%s/does-not-exist", root);
    assert_int_equal(media_packs_in(dir, &p), 0);
    media_free(p, 0);
}

static void test_nothing_mounted(void **state)
{
    (void)state;
    char empty[1100], **m = NULL;
    snprintf(empty, sizeof empty, "%s/empty-root", root);
    mkdir(empty, 0755);
    assert_int_equal(media_mounts(empty, &m), 0);
    media_free(m, 0);
    assert_int_equal(media_packs(empty, &m), 0);
    media_free(m, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mounts_are_leaves),
        cmocka_unit_test(test_packs_on_media),
        cmocka_unit_test(test_packs_in_typed_folder),
        cmocka_unit_test(test_nothing_mounted),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
