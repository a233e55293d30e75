/* outfile.c - output files that appear whole or not at all.
 *
 * Export files can be large (one row per record), so they are streamed into a
 * temporary file beside the target and renamed into place once complete and
 * synced; sk_write_file_atomic would need the whole file in memory.
 *
 * The temporary file is created with open(O_CREAT | O_EXCL, 0666), not
 * mkstemp (always 0600) + fchmod: the kernel then applies the caller's umask
 * (and a folder's default ACL), so a researcher with umask 077 gets files
 * only they can read, and nobody has to read the umask, which cannot be
 * done without briefly changing it for every thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../base/platform.h"
#include "export_internal.h"

static sk_status io_error(sk_error *err, const char *path, const char *what, int e)
{
    sk_status st = e == ENOSPC || e == EDQUOT ? SK_ERR_NOSPACE : SK_ERR_IO;
    sk_error_set(err, st, "cannot %s %s: %s%s", what, path, strerror(e),
                 st == SK_ERR_NOSPACE ? "; free some space and export again" : "");
    sk_error_set_file(err, path);
    return st;
}

/* Like mkstemp, but with mode 0666 so that the umask decides. */
static int create_temp(char *tmpl)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char *x = tmpl + strlen(tmpl) - 6;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char rnd[6];
        if (sk_plat_random(rnd, sizeof rnd) != 0)
            return -1;
        for (int i = 0; i < 6; i++)
            x[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
        int fd = open(tmpl, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

sk_status outfile_open(outfile *o, const char *path, sk_error *err)
{
    memset(o, 0, sizeof *o);
    if (asprintf(&o->tmp, "%s.tmp-XXXXXX", path) < 0 || !(o->path = strdup(path))) {
        free(o->tmp);
        o->tmp = NULL;
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory opening %s", path);
    }
    int fd = create_temp(o->tmp);
    if (fd < 0) {
        sk_status st = io_error(err, path, "create a temporary file for", errno);
        free(o->tmp);
        free(o->path);
        memset(o, 0, sizeof *o);
        return st;
    }
    o->f = fdopen(fd, "wb"); /* "b": Windows must not turn \n into \r\n */
    if (!o->f) {
        int e = errno;
        close(fd);
        outfile_abort(o);
        return io_error(err, path, "open", e);
    }
    return SK_OK;
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
    if (!e)
        e = sk_plat_place(o->tmp, o->path, false); /* rename; Windows: MoveFileEx write-through */
    if (e) {
        sk_status st = io_error(err, o->path, "write", e);
        outfile_abort(o);
        return st;
    }
    sk_plat_sync_dir_of(o->path); /* best effort, as before: the file is whole either way */
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

sk_status outfile_detach(outfile *o, sk_error *err)
{
    int e = fclose(o->f) != 0 ? errno : 0;
    o->f = NULL;
    if (e) {
        sk_status st = io_error(err, o->path, "write", e);
        outfile_abort(o);
        return st;
    }
    return SK_OK;
}

sk_status outfile_attach(outfile *o, sk_error *err)
{
    o->f = fopen(o->tmp, "ab");
    if (!o->f) {
        sk_status st = io_error(err, o->path, "reopen", errno);
        outfile_abort(o);
        return st;
    }
    return SK_OK;
}
