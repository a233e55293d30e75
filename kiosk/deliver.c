/* deliver.c - the kiosk's side of delivery: starting, poking and stopping
 * survey-kiosk-deliver (see deliver.h). */
#include "deliver.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/base/platform.h"

#ifndef _WIN32
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The kiosk's lock descriptor in the helper (dup2 onto it clears close-on-exec). */
#define HELPER_LOCK_FD 3
/* How long a stopping helper gets to end its request before SIGKILL. */
#define STOP_WAIT_MS 3000

struct kdeliver {
    pid_t pid;          /* 0: not running */
    int sock;           /* our end of the helper's standard input */
    int lock_fd;        /* the kiosk's own lock descriptor (not ours to close) */
    char helper[4096];
    char data_dir[4096];
};
#endif

bool kdeliver_helper_path(char *out, size_t size)
{
    char dir[4096];
    if (sk_plat_exe_dir(dir, sizeof dir) != 0)
        return false;
    int n = snprintf(out, size, "%s/survey-kiosk-deliver", dir);
    return n > 0 && (size_t)n < size;
}

#ifndef _WIN32
static bool spawn(kdeliver *d, char *msg, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(msg, size, "cannot start delivery: %s", strerror(errno));
        return false;
    }
    char fd_arg[16];
    snprintf(fd_arg, sizeof fd_arg, "%d", HELPER_LOCK_FD);
    char *argv[] = {"survey-kiosk-deliver", "--data", d->data_dir, "--worker", fd_arg, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, d->lock_fd, HELPER_LOCK_FD);
    int e = posix_spawn(&d->pid, d->helper, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    if (e != 0) {
        close(sv[0]);
        d->pid = 0;
        snprintf(msg, size, "cannot start %s: %s", d->helper, strerror(e));
        return false;
    }
    d->sock = sv[0];
    return true;
}

/* Reap the helper if it has ended (it may have died: the next poke restarts it). */
static void reap(kdeliver *d)
{
    int status;
    if (d->pid > 0 && waitpid(d->pid, &status, WNOHANG) == d->pid) {
        d->pid = 0;
        close(d->sock);
        d->sock = -1;
    }
}

kdeliver *kdeliver_start(sk_kstore *ks, const char *data_dir, const sk_pack *pack, char *msg,
                         size_t size)
{
    if (msg && size)
        msg[0] = '\0';
    if (!pack || !pack->delivery.url || !pack->delivery.url[0])
        return NULL;
    kdeliver *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(msg, size, "out of memory starting delivery");
        return NULL;
    }
    d->sock = -1;
    d->lock_fd = sk_kstore_lock_fd(ks);
    snprintf(d->data_dir, sizeof d->data_dir, "%s", data_dir);
    if (d->lock_fd < 0) {
        snprintf(msg, size, "the kiosk does not hold its data folder's lock");
    } else if (!kdeliver_helper_path(d->helper, sizeof d->helper)) {
        snprintf(msg, size, "cannot find the folder of survey-kiosk, where survey-kiosk-deliver is");
    } else if (spawn(d, msg, size)) {
        return d;
    }
    free(d);
    return NULL;
}

void kdeliver_poke(kdeliver *d)
{
    if (!d)
        return;
    reap(d);
    char why[600];
    if (d->pid == 0 && !spawn(d, why, sizeof why)) {
        fprintf(stderr, "survey-kiosk: warning: records will not be delivered: %s\n", why);
        return;
    }
    /* Never blocks (a full buffer already holds a poke), never SIGPIPE. */
    (void)send(d->sock, "p", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void kdeliver_stop(kdeliver *d)
{
    if (!d)
        return;
    if (d->pid > 0) {
        close(d->sock); /* end of input: the helper stops */
        d->sock = -1;
        int status;
        for (int waited = 0; waitpid(d->pid, &status, WNOHANG) == 0; waited += 10) {
            if (waited >= STOP_WAIT_MS) {
                kill(d->pid, SIGKILL); /* delivery is idempotent: nothing is lost */
                waitpid(d->pid, &status, 0);
                break;
            }
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    free(d);
}
#else
kdeliver *kdeliver_start(sk_kstore *ks, const char *data_dir, const sk_pack *pack, char *msg,
                         size_t size)
{
    (void)ks;
    (void)data_dir;
    if (msg && size)
        msg[0] = '\0';
    if (pack && pack->delivery.url && pack->delivery.url[0])
        snprintf(msg, size, "this Windows build has no delivery: export to USB instead");
    return NULL;
}
void kdeliver_poke(kdeliver *d) { (void)d; }
void kdeliver_stop(kdeliver *d) { (void)d; }
#endif

static void hhmm(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm))
        snprintf(out, size, "-");
    else
        strftime(out, size, "%H:%M", &tm);
}

void kdeliver_describe(const sk_delivery_state *s, char *out, size_t size)
{
    char when[16];
    if (s->waiting == 0 && s->delivered == 0) {
        snprintf(out, size, "nothing to deliver yet");
    } else if (s->waiting == 0) {
        hhmm(s->delivered_up_to_ms, when, sizeof when);
        snprintf(out, size, "delivered up to %s, 0 waiting", when);
    } else if (s->last_try_ms == 0) {
        snprintf(out, size, "%llu waiting, not tried yet", (unsigned long long)s->waiting);
    } else {
        hhmm(s->last_try_ms, when, sizeof when);
        snprintf(out, size, "%llu waiting, last try %s: %s", (unsigned long long)s->waiting, when,
                 s->last_error[0] ? s->last_error : "delivered part, more to send");
    }
}
