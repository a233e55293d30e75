/* headless.c - survey-kiosk --install and --export: the kiosk store's
 * commands that need no window (an administrator's terminal or a script). */
#include "headless.h"

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#ifndef _WIN32
#include <termios.h>
#endif
#include <unistd.h>

#include "../lib/base/platform.h"
#include "sk/kstore.h"
#include "sk/pack.h"

#define PIN_LINE 64 /* room for a too-long line to be seen as too long */

/* --install and --export wait this long for the data folder's lock (see
 * docs/KIOSK.md, "One kiosk per data folder"): long enough for another
 * --install/--export from the same script, or a kiosk that was just told to
 * quit and is writing its last record, to let go; a running kiosk holds the
 * lock for its life, so after this the administrator is told which pid. */
#define HEADLESS_LOCK_WAIT_MS 5000

static int fail(const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "survey-kiosk: error: %s\n", buf);
    return 1;
}

int kiosk_install(const char *data_dir, const char *pack_path)
{
    sk_kstore *ks = NULL;
    sk_error err;
    sk_kstore_open_opts opts = {.wait_ms = HEADLESS_LOCK_WAIT_MS};
    if (sk_kstore_open_with(data_dir, &opts, &ks, &err) != SK_OK)
        return fail(&err);
    sk_pack *p = NULL;
    int rc = 0;
    if (sk_kstore_install_pack(ks, pack_path, &p, &err) != SK_OK) {
        rc = fail(&err);
    } else {
        char fp[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&p->study, fp);
        printf("installed \"%s\" (form %s, version %s)\n", p->form_title, p->form_id,
               p->form_version);
        printf("study key %s; device %s\n", fp, sk_kstore_device_id(ks));
        sk_pack_free(p);
    }
    sk_kstore_close(ks);
    return rc;
}

int kiosk_export(const char *data_dir, const char *out_dir, bool all)
{
    sk_kstore *ks = NULL;
    sk_error err;
    sk_kstore_open_opts opts = {.wait_ms = HEADLESS_LOCK_WAIT_MS};
    if (sk_kstore_open_with(data_dir, &opts, &ks, &err) != SK_OK)
        return fail(&err);
    char path[4096];
    uint64_t n = 0;
    int rc = 0;
    if (sk_kstore_export(ks, out_dir, all, path, sizeof path, &n, &err) != SK_OK)
        rc = fail(&err);
    else if (n == 0)
        printf("nothing new to export (use --all to export every record again)\n");
    else
        printf("%s: %llu record%s\n", path, (unsigned long long)n, n == 1 ? "" : "s");
    sk_kstore_close(ks);
    return rc;
}

/* ---- --set-pin ---- */

/* Strip the line end (\n or \r\n); false when the line did not fit. */
static bool chomp(char *s, bool at_eof)
{
    size_t n = strlen(s);
    bool whole = (n && s[n - 1] == '\n') || at_eof;
    if (n && s[n - 1] == '\n')
        s[--n] = '\0';
    if (n && s[n - 1] == '\r')
        s[--n] = '\0';
    return whole && n < PIN_LINE - 2;
}

#ifndef _WIN32
#define TTY_PATH "/dev/tty"
/* The terminal's settings while echo is off, so that Ctrl+C or a kill puts
 * echo back before the process ends (tcsetattr is async-signal-safe). */
static struct termios saved_tty;
static volatile sig_atomic_t tty_fd = -1;

static void restore_and_die(int sig)
{
    if (tty_fd >= 0)
        tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* One line from the terminal with echo off. */
static bool prompt(FILE *tty, const char *question, char *buf)
{
    int fd = fileno(tty);
    struct termios quiet;
    bool restore = tcgetattr(fd, &saved_tty) == 0;
    if (restore) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = restore_and_die;
        sigemptyset(&sa.sa_mask);
        tty_fd = fd;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGQUIT, &sa, NULL);
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(question, tty);
    fflush(tty);
    char *got = fgets(buf, PIN_LINE, tty);
    if (restore) {
        tcsetattr(fd, TCSAFLUSH, &saved_tty);
        tty_fd = -1;
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
    }
    return got && chomp(buf, feof(tty));
}
#else
#define TTY_PATH "CONIN$" /* only to tell that a console is there */

/* One line from the Windows console with echo off (SetConsoleMode). */
static bool prompt(FILE *tty, const char *question, char *buf)
{
    (void)tty;
    return sk_plat_read_hidden(question, buf, PIN_LINE) == 0 && strlen(buf) < PIN_LINE - 2;
}
#endif

static int pin_error(const char *msg)
{
    fprintf(stderr, "survey-kiosk: error: %s\n", msg);
    return 1;
}

/* Read the PIN (twice from a terminal, once from a pipe) into pin. */
static int read_pin(char *pin, char *again)
{
    if (!isatty(STDIN_FILENO)) {
        /* A script provisioning the kiosk: the first line of stdin. */
        if (!fgets(pin, PIN_LINE, stdin) || !chomp(pin, feof(stdin)))
            return pin_error(ferror(stdin) ? "cannot read the PIN from standard input"
                                           : "no PIN on standard input (one line of 6 to 12 "
                                             "digits), or the line is too long");
        return 0;
    }
    FILE *tty = fopen(TTY_PATH, "r+");
    if (!tty)
        return pin_error("cannot open the terminal to ask for the PIN");
    int rc = 0;
    if (!prompt(tty, "New admin PIN (6 to 12 digits): ", pin)) {
        rc = pin_error("no PIN was typed, or the line is too long");
    } else if (sk_kstore_pin_valid(pin)) { /* a PIN that breaks the rules is refused at once (caller) */
        if (!prompt(tty, "The same PIN again: ", again))
            rc = pin_error("no PIN was typed, or the line is too long");
        else if (strlen(pin) != strlen(again) || sodium_memcmp(pin, again, strlen(pin)) != 0)
            rc = pin_error("the two PINs differ; nothing was changed; run the command again");
    }
    fclose(tty);
    return rc;
}

int kiosk_set_pin(const char *data_dir)
{
    if (sodium_init() < 0)
        return pin_error("libsodium could not start; check /dev/urandom");
    /* Guarded memory: never swapped out, wiped when freed. */
    char *pin = sodium_malloc(PIN_LINE), *again = sodium_malloc(PIN_LINE);
    int rc = 0;
    if (!pin || !again) {
        rc = pin_error("out of memory");
        goto out;
    }
    memset(pin, 0, PIN_LINE);
    memset(again, 0, PIN_LINE);
    rc = read_pin(pin, again);
    if (rc == 0 && !sk_kstore_pin_valid(pin))
        rc = pin_error("the PIN must be 6 to 12 digits (0-9 only); nothing was changed");
    if (rc != 0)
        goto out;
    sk_kstore *ks = NULL;
    sk_error err;
    /* A kiosk on its set-up screen holds the folder and waits for this PIN:
     * open without the lock then (PIN only, no recovery; kstore.h). */
    sk_kstore_open_opts opts = {.pin_only = true};
    if (sk_kstore_open_with(data_dir, &opts, &ks, &err) != SK_OK) {
        rc = fail(&err);
        goto out;
    }
    if (sk_kstore_set_pin(ks, pin, &err) != SK_OK) {
        rc = fail(&err);
    } else {
        char fp[SK_FINGERPRINT_SIZE];
        sk_kstore_device_fingerprint(ks, fp);
        printf("admin PIN set for device %s\n", sk_kstore_device_id(ks));
        printf("device fingerprint: %s\n", fp);
    }
    sk_kstore_close(ks);
out:
    if (pin)
        sodium_free(pin);
    if (again)
        sodium_free(again);
    return rc;
}
