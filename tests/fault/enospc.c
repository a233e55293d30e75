/* enospc.c - a disk that fills up, for the "full disk" end-to-end test.
 *
 * LD_PRELOADed into the real survey-kiosk / survey-sync.  Writes to files under
 * $SK_FULL_DIR succeed until $SK_FULL_AFTER bytes have been written there in
 * this process, then fail with ENOSPC, as a full USB stick or SD card does.
 * Everything else is passed through untouched.  stdio's buffered writes reach
 * the kernel through glibc's internal write, which preloading cannot see, so
 * fwrite itself is interposed too.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long written;

/* Is fd a file under SK_FULL_DIR, and is the budget spent (counting n more bytes)? */
static int full(int fd, size_t n)
{
    const char *dir = getenv("SK_FULL_DIR");
    const char *after = getenv("SK_FULL_AFTER");
    if (!dir || !*dir || fd < 0)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0)
        return 0;
    path[len] = '\0';
    if (strncmp(path, dir, strlen(dir)) != 0)
        return 0;
    long long budget = after ? atoll(after) : 0;
    if (written + (long long)n > budget)
        return 1;
    written += (long long)n;
    return 0;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef size_t (*fwrite_fn)(const void *, size_t, size_t, FILE *);

/* The next definition of name (libc's), looked up once. */
#define REAL(name, type)                                                                          \
    static type real_##name;                                                                      \
    if (!real_##name)                                                                             \
        real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write, write_fn);
    if (full(fd, n)) {
        errno = ENOSPC;
        return -1;
    }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, pwrite_fn);
    if (full(fd, n)) {
        errno = ENOSPC;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite64, pwrite_fn);
    if (full(fd, n)) {
        errno = ENOSPC;
        return -1;
    }
    return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    REAL(writev, writev_fn);
    size_t n = 0;
    for (int i = 0; i < cnt; i++)
        n += iov[i].iov_len;
    if (full(fd, n)) {
        errno = ENOSPC;
        return -1;
    }
    return real_writev(fd, iov, cnt);
}

size_t fwrite(const void *buf, size_t size, size_t count, FILE *f)
{
    REAL(fwrite, fwrite_fn);
    if (full(fileno(f), size * count)) {
        errno = ENOSPC;
        return 0;
    }
    return real_fwrite(buf, size, count, f);
}
