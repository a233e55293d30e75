/* kstore_lock.c - one process per data folder (DIR/kiosk.lock).
 *
 * Two kiosk processes on one folder once duplicated a record: the second's
 * start-up recovery wrapped the first's live draft as an INCOMPLETE record and
 * the first later closed the same sitting again.  So sk_kstore_open takes an
 * exclusive flock(2) on DIR/kiosk.lock before it touches kiosk.db and keeps it
 * until sk_kstore_close.  flock, not fcntl locks: an fcntl lock belongs to the
 * process and is dropped when *any* descriptor of the file is closed, and a
 * second open in the same process would be granted; a flock belongs to the
 * open file description, so a second open is refused even in-process.  The
 * kernel releases it however the holder ends (exit, SIGKILL, a power cut):
 * a stale lock file never blocks.  The file keeps the holder's pid, only so
 * that the refusal can say which process to close.  On Windows the lock is
 * LockFileEx on the handle, which has the same three properties
 * (sk_plat_trylock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../base/platform.h"
#include "kstore_internal.h"

#define LOCK_POLL_MS 50

/* The pid the holder wrote, or 0 when it has not written it yet. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    return pid > 0 && (*end == '\n' || *end == '\0') ? pid : 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

sk_status ks_lock_take(sk_kstore *ks, const char *dir, int64_t wait_ms, bool *busy, sk_error *err)
{
    *busy = false;
    char path[sizeof ks->path];
    snprintf(path, sizeof path, "%s/" SK_KSTORE_LOCK_FILE, dir);
    /* O_CLOEXEC: a program the kiosk starts must not inherit (and so keep) the lock. */
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0)
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "cannot open the kiosk's lock file: %s%s", strerror(errno),
                               errno == ELOOP ? " (it is a symbolic link; remove it)" : "");
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                               "the kiosk's lock file is not a plain file; move it away");
    }
    int64_t deadline = sk_now_ms() + (wait_ms > 0 ? wait_ms : 0);
    for (;;) {
        int e = sk_plat_trylock(fd); /* flock; Windows: LockFileEx */
        if (e == 0)
            break;
        if (e != EWOULDBLOCK) {
            close(fd);
            return sk_error_set_at(err, SK_ERR_IO, path, NULL, 0, NULL,
                                   "cannot lock the kiosk's data folder: %s", strerror(e));
        }
        if (sk_now_ms() >= deadline) {
            long pid = holder_pid(fd);
            if (!pid) { /* the holder has only just locked it: give it a moment to say who */
                sleep_ms(LOCK_POLL_MS);
                pid = holder_pid(fd);
            }
            close(fd);
            *busy = true;
            char who[48] = "";
            if (pid)
                snprintf(who, sizeof who, " (pid %ld)", pid);
            return sk_error_set(err, SK_ERR_STATE,
                                "another survey-kiosk is using %s%s; close it first", dir, who);
        }
        sleep_ms(LOCK_POLL_MS);
    }
    /* Ours now.  The pid is only for the message above: failing to write it
     * (a full disk) must not stop a kiosk from opening and recovering. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", sk_plat_pid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* ignored, see above */
    }
    ks->lock_fd = fd;
    return SK_OK;
}

sk_status ks_lock_share(sk_kstore *ks, const char *dir, int fd, sk_error *err)
{
    char path[sizeof ks->path];
    snprintf(path, sizeof path, "%s/" SK_KSTORE_LOCK_FILE, dir);
#ifdef _WIN32
    (void)fd;
    return sk_error_set_at(err, SK_ERR_STATE, path, NULL, 0, NULL,
                           "sharing the kiosk's lock with a helper needs POSIX descriptors");
#else
    /* The very file (not a look-alike opened by hand), then the lock through
     * this description: flock on a description that holds it succeeds again,
     * and one that does not hold it fails while the kiosk has it. */
    struct stat held, named;
    if (fd < 0 || fstat(fd, &held) != 0 || lstat(path, &named) != 0 ||
        held.st_dev != named.st_dev || held.st_ino != named.st_ino)
        return sk_error_set_at(err, SK_ERR_STATE, path, NULL, 0, NULL,
                               "descriptor %d is not this kiosk's lock file: "
                               "survey-kiosk-deliver is started by survey-kiosk",
                               fd);
    int e = sk_plat_trylock(fd);
    if (e != 0)
        return sk_error_set_at(err, SK_ERR_STATE, path, NULL, 0, NULL,
                               "the kiosk's lock is not held through descriptor %d: %s", fd,
                               e == EWOULDBLOCK ? "another process holds it" : strerror(e));
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    ks->lock_fd = fd;
    ks->shared_lock = true;
    return SK_OK;
#endif
}

void ks_lock_release(sk_kstore *ks)
{
    if (ks->lock_fd >= 0)
        close(ks->lock_fd); /* drops the flock: after kiosk.db is closed (caller); a
                               shared one stays with the kiosk's own descriptor */
    ks->lock_fd = -1;
}

sk_status ks_need_lock(const sk_kstore *ks, const char *doing, sk_error *err)
{
    if (ks->lock_fd >= 0 && !ks->shared_lock)
        return SK_OK;
    if (ks->shared_lock)
        return sk_error_set(err, SK_ERR_STATE,
                            "cannot %s: this process only delivers for the survey-kiosk that "
                            "started it",
                            doing);
    return sk_error_set(err, SK_ERR_STATE,
                        "cannot %s: another survey-kiosk is using the data folder and this one "
                        "opened it for the admin PIN only; close the other first",
                        doing);
}
