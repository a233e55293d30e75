/* passphrase.c - the study key's passphrase from --passphrase-file, then
 * $SURVEY_PASSPHRASE, then a no-echo prompt on /dev/tty.  Kept in guarded
 * memory (sodium_malloc) and wiped when freed. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <termios.h>
#endif

#include <sodium.h>

#include "../lib/base/platform.h"
#include "cmd.h"

#define PASS_MAX 1024

/* Strip one trailing newline (\n or \r\n): files and terminals add it. */
static size_t chomp(char *s, size_t n)
{
    if (n && s[n - 1] == '\n')
        n--;
    if (n && s[n - 1] == '\r')
        n--;
    s[n] = '\0';
    return n;
}

static int from_file(const char *path, char *buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sync_failf("%s: cannot open the passphrase file: %s", path, strerror(errno));
    size_t n = fread(buf, 1, PASS_MAX, f);
    int too_long = n == PASS_MAX && fgetc(f) != EOF;
    fclose(f);
    if (too_long)
        return sync_failf("%s: the passphrase file is longer than %d bytes; it should hold one line",
                          path, PASS_MAX - 1);
    buf[n] = '\0';
    char *nl = memchr(buf, '\n', n);  /* the first line only */
    if (nl)
        n = (size_t)(nl - buf) + 1;
    *len = chomp(buf, n);
    return 0;
}

#ifdef _WIN32
/* The console, echo off (SetConsoleMode): sk_plat_read_hidden. */
static int console_prompt(const char *question, char *buf, size_t *len)
{
    int e = sk_plat_read_hidden(question, buf, PASS_MAX);
    if (e == ENOTTY)
        return sync_failf("no console to ask for the passphrase; use --passphrase-file F or set "
                          "SURVEY_PASSPHRASE");
    if (e == ERANGE)
        return sync_failf("the passphrase is longer than %d bytes", PASS_MAX - 1);
    if (e)
        return sync_failf("no passphrase was typed");
    *len = strlen(buf);
    return 0;
}

static int from_terminal(int confirm, char *buf, size_t *len)
{
    int rc = console_prompt("Passphrase: ", buf, len);
    if (rc == 0 && confirm) {
        char *again = sodium_malloc(PASS_MAX + 1);
        size_t again_len = 0;
        if (!again)
            rc = sync_failf("out of memory");
        else if ((rc = console_prompt("Passphrase again: ", again, &again_len)) == 0 &&
                 (again_len != *len || sodium_memcmp(again, buf, *len) != 0))
            rc = sync_failf("the two passphrases differ; run the command again");
        if (again)
            sodium_free(again);
    }
    return rc;
}
#else
/* One line from the terminal without echo. */
static int prompt(FILE *tty, const char *question, char *buf, size_t *len)
{
    struct termios old, quiet;
    int fd = fileno(tty);
    int restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(question, tty);
    fflush(tty);
    char *got = fgets(buf, PASS_MAX, tty);
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (!got)
        return sync_failf("no passphrase was typed");
    *len = chomp(buf, strlen(buf));
    return 0;
}

static int from_terminal(int confirm, char *buf, size_t *len)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return sync_failf("no terminal to ask for the passphrase; use --passphrase-file F or set "
                          "SURVEY_PASSPHRASE");
    int rc = prompt(tty, "Passphrase: ", buf, len);
    if (rc == 0 && confirm) {
        char *again = sodium_malloc(PASS_MAX + 1);
        size_t again_len = 0;
        if (!again)
            rc = sync_failf("out of memory");
        else if ((rc = prompt(tty, "Passphrase again: ", again, &again_len)) == 0 &&
                 (again_len != *len || sodium_memcmp(again, buf, *len) != 0))
            rc = sync_failf("the two passphrases differ; run the command again");
        if (again)
            sodium_free(again);
    }
    fclose(tty);
    return rc;
}
#endif

int sync_passphrase(const char *passphrase_file, int confirm, char **out, size_t *len)
{
    if (sodium_init() < 0)
        return sync_failf("libsodium could not start; check /dev/urandom");
    char *buf = sodium_malloc(PASS_MAX + 1);
    if (!buf)
        return sync_failf("out of memory");
    size_t n = 0;
    int rc = 0;
    const char *env = getenv("SURVEY_PASSPHRASE");
    if (passphrase_file) {
        rc = from_file(passphrase_file, buf, &n);
    } else if (env) {
        n = strlen(env);
        if (n >= PASS_MAX)
            rc = sync_failf("SURVEY_PASSPHRASE is longer than %d bytes", PASS_MAX - 1);
        else
            memcpy(buf, env, n + 1);
    } else {
        rc = from_terminal(confirm, buf, &n);
    }
    if (rc == 0 && n == 0)
        rc = sync_failf("the passphrase is empty; give a passphrase");
    if (rc != 0) {
        sodium_free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

void sync_passphrase_free(char *pass)
{
    if (pass)
        sodium_free(pass);
}
