/* fileio.c - durable whole-file writes (temp + fsync + rename + fsync of the
 * folder), bounded whole-file reads, and hex. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../base/platform.h"
#include "crypto_internal.h"
#include "sk/keys.h"

sk_status sk_write_error(sk_error *err, const char *path, int errnum)
{
    if (errnum == ENOSPC || errnum == EDQUOT)
        return sk_error_set_at(err, SK_ERR_NOSPACE, path, NULL, 0, NULL,
                               "the disk is full; free some space and try again");
    return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot write the file: %s",
                           strerror(errnum));
}

int sk_temp_beside(const char *path, char *tmp, size_t tmp_size, sk_error *err)
{
    int n = snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= tmp_size) {
        sk_error_set_at(err, SK_ERR_ARG, path, NULL, 0, NULL, "the path is too long; use a shorter one");
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        sk_error_set_at(err, errno == ENOSPC ? SK_ERR_NOSPACE : SK_ERR_IO, path, NULL, 0, NULL,
                        "cannot create a file in its folder: %s; check that the folder exists "
                        "and is writable",
                        strerror(errno));
        return -1;
    }
    return fd;
}

sk_status sk_fsync_parent(const char *path, sk_error *err)
{
    int e = sk_plat_sync_dir_of(path);
    if (e == ENOMEM)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    if (e == ENOENT || e == EACCES || e == ENOTDIR)
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot open its folder: %s",
                               strerror(e));
    return e ? sk_write_error(err, path, e) : SK_OK;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Put tmp at path, atomically refusing an existing target when no_replace
 * (sk_plat_place: link() or MoveFileEx without replace). */
static sk_status place(const char *tmp, const char *path, int no_replace, sk_error *err)
{
    int e = sk_plat_place(tmp, path, no_replace != 0);
    if (e == EEXIST && no_replace)
        return sk_error_set_at(err, SK_ERR_EXISTS, path, NULL, 0, NULL,
                               "the file exists already; refusing to overwrite it "
                               "(move it away or choose another name)");
    if (e)
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot move the file into place: %s",
                               strerror(e));
    return SK_OK;
}

sk_status sk_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                               int no_replace, sk_error *err)
{
    if (!path || (!data && len))
        return sk_error_set(err, SK_ERR_ARG, "no path or no data to write");
    if (no_replace && access(path, F_OK) == 0)
        return sk_error_set_at(err, SK_ERR_EXISTS, path, NULL, 0, NULL,
                               "the file exists already; refusing to overwrite it "
                               "(move it away or choose another name)");
    char tmp[4096];
    int fd = sk_temp_beside(path, tmp, sizeof tmp, err);
    if (fd < 0)
        return err ? err->status : SK_ERR_IO;
    sk_status st = SK_OK;
    if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0)
        st = sk_write_error(err, path, errno);
    if (close(fd) != 0 && st == SK_OK)
        st = sk_write_error(err, path, errno);
    if (st == SK_OK)
        st = place(tmp, path, no_replace, err);
    if (st != SK_OK) {
        unlink(tmp);
        return st;
    }
    return sk_fsync_parent(path, err);
}

sk_status sk_read_file(const char *path, size_t max, uint8_t **data, size_t *len, sk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sk_error_set_at(err, errno == ENOENT ? SK_ERR_NOTFOUND : SK_ERR_IO, path, NULL, 0, NULL,
                               "cannot open the file: %s", strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    sk_status st = buf ? SK_OK : sk_error_set(err, SK_ERR_NOMEM, "out of memory");
    while (st == SK_OK) {
        if (n == cap) {
            if (cap > max) {
                st = sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                                     "the file is larger than %zu bytes, too large for what it should be",
                                     max);
                break;
            }
            uint8_t *p = realloc(buf, cap * 2);
            if (!p) {
                st = sk_error_set(err, SK_ERR_NOMEM, "out of memory");
                break;
            }
            buf = p;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                st = sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL, "cannot read the file");
            break;
        }
    }
    fclose(f);
    if (st == SK_OK && n > max)
        st = sk_error_set_at(err, SK_ERR_FORMAT, path, NULL, 0, NULL,
                             "the file is larger than %zu bytes, too large for what it should be", max);
    if (st != SK_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = n;
    return SK_OK;
}

void sk_hex(const uint8_t *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

sk_status sk_unhex(const char *hex, uint8_t *bytes, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return SK_ERR_FORMAT;
    for (size_t i = 0; i < 2 * n; i++)  /* check all first: bytes is set only on success */
        if (hexval(hex[i]) < 0)
            return SK_ERR_FORMAT;
    for (size_t i = 0; i < n; i++)
        bytes[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    return SK_OK;
}
