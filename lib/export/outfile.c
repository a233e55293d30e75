/* outfile.c - output files that appear whole or not at all.
 *
 * Export files can be large (one row per record), so they are streamed into a
 * temporary file beside the target and renamed into place once complete and
 * synced; sk_write_file_atomic would need the whole file in memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export_internal.h"

static sk_status io_error(sk_error *err, const char *path, const char *what, int e)
{
    sk_status st = e == ENOSPC || e == EDQUOT ? SK_ERR_NOSPACE : SK_ERR_IO;
    sk_error_set(err, st, "cannot %s %s: %s%s", what, path, strerror(e),
                 st == SK_ERR_NOSPACE ? "; free some space and export again" : "");
    sk_error_set_file(err, path);
    return st;
}

sk_status outfile_open(outfile *o, const char *path, sk_error *err)
{
    memset(o, 0, sizeof *o);
    if (asprintf(&o->tmp, "%s.tmp-XXXXXX", path) < 0 || !(o->path = strdup(path))) {
        free(o->tmp);
        o->tmp = NULL;
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening %s", path);
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        sk_status st = io_error(err, path, "create a temporary file for", errno);
        free(o->tmp);
        free(o->path);
        memset(o, 0, sizeof *o);
        return st;
    }
    fchmod(fd, 0644);
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        outfile_abort(o);
        return io_error(err, path, "open", e);
    }
    return SK_OK;
}

static void sync_folder(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

sk_status outfile_commit(outfile *o, sk_error *err)
{
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    else if (fsync(fileno(o->f)) != 0)
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno;
    o->f = NULL;
    if (!e && rename(o->tmp, o->path) != 0)
        e = errno;
    if (e) {
        sk_status st = io_error(err, o->path, "write", e);
        outfile_abort(o);
        return st;
    }
    sync_folder(o->path);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
    return SK_OK;
}

void outfile_abort(outfile *o)
{
    if (o->f)
        fclose(o->f);
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
