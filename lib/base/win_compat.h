/* win_compat.h - the POSIX calls the project uses, for mingw-w64 (Windows only).
 *
 * The build force-includes this header into every file of a Windows build
 * (CMakeLists.txt, `if(WIN32)`); nothing includes it by name and a POSIX
 * build never sees it.  It covers calls whose meaning carries over:
 *  - paths are UTF-8 in the project: open, fopen, stat, mkdir, unlink,
 *    access, rename and opendir go through UTF-16 (_wopen, _wfopen, ...), so
 *    folders with spaces and non-ASCII user names work whatever the ANSI
 *    code page is;
 *  - files are binary (O_BINARY), handles are not inherited (O_CLOEXEC);
 *  - rename() replaces an existing file, as POSIX's does, with MoveFileExW
 *    (MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH): atomic and on the
 *    disk when it returns;
 *  - fsync() is FlushFileBuffers (_commit);
 *  - POSIX modes (fchmod, umask) have no meaning on NTFS: files inherit the
 *    ACL of their folder (a user's %LOCALAPPDATA% is private to them), so
 *    fchmod succeeds without doing anything;
 *  - the few GNU/POSIX library functions msvcrt lacks (mkdtemp, setenv,
 *    timegm is in platform.h: its struct tm partner tm_gmtoff is not a call).
 * What needs a decision per system (locks, the durable place of a file, the
 * passphrase prompt, drives, the data folder) is in platform.h instead.
 * Implemented in win_compat.c.
 */
#ifndef SK_WIN_COMPAT_H
#define SK_WIN_COMPAT_H
#ifdef _WIN32

#ifndef __USE_MINGW_ANSI_STDIO
#define __USE_MINGW_ANSI_STDIO 1 /* C99 printf (%zu, %lld, %Lf) */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0 /* no symbolic links on FAT/exFAT sticks; fstat checks the type */
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0 /* no FIFOs on Windows filesystems */
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC O_NOINHERIT
#endif
#ifndef ELOOP
#define ELOOP 114
#endif
#ifndef EDQUOT
#define EDQUOT ENOSPC
#endif
#ifndef S_ISLNK
#define S_ISLNK(m) 0
#endif

int sk_win_open(const char *path, int flags, ...);
FILE *sk_win_fopen(const char *path, const char *mode);
FILE *sk_win_freopen(const char *path, const char *mode, FILE *f);
int sk_win_stat(const char *path, struct stat *st);
int sk_win_mkdir(const char *path);
int sk_win_unlink(const char *path);
int sk_win_access(const char *path, int mode);
int sk_win_rename(const char *from, const char *to);
int sk_win_fsync(int fd);
int sk_win_mkstemp(char *tmpl);
char *sk_win_mkdtemp(char *tmpl);
int sk_win_setenv(const char *name, const char *value, int overwrite);
int sk_win_unsetenv(const char *name);
DIR *sk_win_opendir(const char *path);
struct dirent *sk_win_readdir(DIR *d);
int sk_win_closedir(DIR *d);
ssize_t sk_win_pread(int fd, void *buf, size_t n, off_t off);
ssize_t sk_win_pwrite(int fd, const void *buf, size_t n, off_t off);

#define open sk_win_open
#define fopen sk_win_fopen
#define freopen sk_win_freopen
#define stat(p, b) sk_win_stat(p, b)
#define lstat(p, b) sk_win_stat(p, b)
#define mkdir(p, m) sk_win_mkdir(p)
#define unlink sk_win_unlink
#define access sk_win_access
#define rename sk_win_rename
#define fsync sk_win_fsync
#define mkstemp sk_win_mkstemp
#define mkdtemp sk_win_mkdtemp
#define setenv sk_win_setenv
#define unsetenv sk_win_unsetenv
#define fdatasync sk_win_fsync
#define fchmod(fd, m) ((void)(fd), (void)(m), 0)
#define opendir sk_win_opendir
#define readdir sk_win_readdir
#define closedir sk_win_closedir
#define pread sk_win_pread
#define pwrite sk_win_pwrite

#define malloc_usable_size _msize /* wiping frees know the block's size */

#define _SC_NPROCESSORS_ONLN 84
long sysconf(int name);

int vasprintf(char **out, const char *fmt, va_list ap) __attribute__((format(gnu_printf, 2, 0)));
int asprintf(char **out, const char *fmt, ...) __attribute__((format(gnu_printf, 2, 3)));
char *strndup(const char *s, size_t n);
void *memmem(const void *hay, size_t hn, const void *needle, size_t nn);
char *strcasestr(const char *hay, const char *needle);
ssize_t getline(char **line, size_t *cap, FILE *f);
char *strsep(char **s, const char *delim);
char *realpath(const char *path, char *resolved);

#endif
#endif
