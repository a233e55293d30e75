/* platform_posix.c - platform.h on Linux and other POSIX systems.  The code
 * here is what the callers did before Windows was served, moved, not changed. */
#ifndef _WIN32
#define _GNU_SOURCE
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int sk_plat_place(const char *tmp, const char *path, bool no_replace)
{
    if (no_replace) {
        /* link() refuses atomically when path exists. */
        if (link(tmp, path) == 0) {
            unlink(tmp);
            return 0;
        }
        if (errno == EEXIST)
            return EEXIST;
        /* Filesystems without hard links: check, then rename. */
        if (access(path, F_OK) == 0)
            return EEXIST;
    }
    return rename(tmp, path) == 0 ? 0 : errno;
}

int sk_plat_sync_dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    if (fd < 0)
        return errno;
    /* Some filesystems refuse fsync on a folder (EINVAL): nothing more can be done there. */
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    return rc != 0 && e != EINVAL ? e : 0;
}

int sk_plat_random(void *buf, size_t n)
{
    return getrandom(buf, n, 0) == (ssize_t)n ? 0 : -1;
}

int sk_plat_trylock(int fd)
{
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return 0;
        if (errno != EINTR)
            return errno == EWOULDBLOCK ? EWOULDBLOCK : errno;
    }
}

bool sk_plat_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

long sk_plat_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

long sk_plat_pid(void)
{
    return (long)getpid();
}

bool sk_plat_mode_shared(const struct stat *sb)
{
    return (sb->st_mode & 077) != 0;
}

time_t sk_plat_timegm(struct tm *tm)
{
    return timegm(tm);
}

long sk_plat_gmtoff(const struct tm *local)
{
    return local->tm_gmtoff;
}

int sk_plat_default_data_dir(char *out, size_t size, bool *portable)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && *xdg)
        n = snprintf(out, size, "%s/survey-kiosk", xdg);
    else if (home && *home)
        n = snprintf(out, size, "%s/.local/share/survey-kiosk", home);
    else
        return -1;
    *portable = false;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int sk_plat_utf8_main(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int sk_plat_exe_dir(char *out, size_t size)
{
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0 || (size_t)n >= sizeof path - 1)
        return -1;
    path[n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= size)
        return -1;
    *slash = '\0';
    snprintf(out, size, "%s", slash == path ? "/" : path);
    return 0;
}
#endif
