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

/* A stick prepared by someone else: a FIFO named like a pack (opening it
 * would block the kiosk's screen), a link to a real pack (it could point at
 * anything on the kiosk), a link to a folder, and one real pack. */
static void test_only_regular_files(void **state)
{
    (void)state;
    char dir[1100], path[2048], target[2048], **p = NULL, got[2048];
    mkdirs("media/hostile");
    snprintf(dir, sizeof dir, "%s/media/hostile", root);
    snprintf(path, sizeof path, "%s/x.pack", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    touch("media/hostile/z.pack");
    snprintf(target, sizeof target, "%s/z.pack", dir);
    snprintf(path, sizeof path, "%s/y.pack", dir);
    assert_int_equal(symlink(target, path), 0);
    snprintf(path, sizeof path, "%s/dir.pack", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.hidden.pack", dir);
    assert_int_equal(symlink(target, path), 0);
    size_t n = media_packs_in(dir, &p);
    rel(p, n, got, sizeof got);
    assert_string_equal(got, "/media/hostile/z.pack");
    media_free(p, n);

    /* Reading: the FIFO and the link are refused at once, the file is read. */
    unsigned char *data = NULL;
    size_t len = 0;
    char err[1200];
    snprintf(path, sizeof path, "%s/x.pack", dir);
    assert_false(media_read_file(path, 1 << 20, &data, &len, err, sizeof err));
    assert_non_null(strstr(err, "not a plain file"));
    snprintf(path, sizeof path, "%s/y.pack", dir);
    assert_false(media_read_file(path, 1 << 20, &data, &len, err, sizeof err));
    assert_non_null(strstr(err, "symbolic link"));
    snprintf(path, sizeof path, "%s/dir.pack", dir);
    assert_false(media_read_file(path, 1 << 20, &data, &len, err, sizeof err));
    assert_false(media_read_file(target, 2, &data, &len, err, sizeof err)); /* too large */
    assert_non_null(strstr(err, "too large"));
    assert_true(media_read_file(target, 1 << 20, &data, &len, err, sizeof err));
    assert_int_equal(len, 4);
    assert_memory_equal(data, "pack", 4);
    free(data);
}

/* A link among the mount points is not a medium (it may point into the
 * kiosk's own folders); nor is the stick behind a linked user folder. */
static void test_linked_mounts_left_out(void **state)
{
    (void)state;
    char lroot[1100], path[2048], target[2048], **m = NULL;
    snprintf(lroot, sizeof lroot, "%s/linked-root", root);
    mkdir(lroot, 0755);
    snprintf(path, sizeof path, "%s/media", lroot);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/mnt", lroot);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/mnt/real", lroot);
    mkdir(path, 0755);
    snprintf(target, sizeof target, "%s/media/alice", root);
    snprintf(path, sizeof path, "%s/media/carol", lroot);
    assert_int_equal(symlink(target, path), 0);
    snprintf(path, sizeof path, "%s/mnt/usb", lroot);
    assert_int_equal(symlink("/", path), 0);
    size_t n = media_mounts(lroot, &m);
    assert_int_equal(n, 1);
    assert_string_equal(m[0] + strlen(lroot), "/mnt/real");
    media_free(m, n);

    /* Export targets: a folder, or a new one; never a link or a file. */
    snprintf(path, sizeof path, "%s/mnt/real", lroot);
    assert_true(media_export_target_ok(path));
    snprintf(path, sizeof path, "%s/mnt/new-folder", lroot);
    assert_true(media_export_target_ok(path));
    snprintf(path, sizeof path, "%s/mnt/usb", lroot);
    assert_false(media_export_target_ok(path));
    snprintf(path, sizeof path, "%s/media/alice/STICK/notes.txt", root);
    assert_false(media_export_target_ok(path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mounts_are_leaves),
        cmocka_unit_test(test_packs_on_media),
        cmocka_unit_test(test_packs_in_typed_folder),
        cmocka_unit_test(test_nothing_mounted),
        cmocka_unit_test(test_only_regular_files),
        cmocka_unit_test(test_linked_mounts_left_out),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
