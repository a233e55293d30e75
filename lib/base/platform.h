/* platform.h - the few things POSIX and Windows do differently (internal).
 *
 * platform_posix.c and platform_win.c implement this header; each compiles to
 * nothing on the other system.  Paths are UTF-8 everywhere in the project; the
 * Windows side converts them to UTF-16 for the Win32 calls, so a user name
 * like "Siân O'Brien" or a folder with spaces works.  Nothing here prints or
 * exits: functions return 0, or an errno value (or -1 where said), and callers
 * turn that into an sk_error or a message.
 *
 * What lives elsewhere: win_compat.h (Windows only, force-included by the
 * build) maps the POSIX calls whose meaning is the same (open, fopen, stat,
 * mkdir, unlink, rename, fsync) to their UTF-16 Win32 twins, so shared code
 * keeps calling them; this header holds what needs a decision per system.
 */
#ifndef SK_PLATFORM_H
#define SK_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* Put the finished, already flushed temporary file tmp at path, atomically.
 * no_replace: refuse (return EEXIST, tmp left in place) when path exists.
 * POSIX: link() then unlink(tmp) for no_replace (rename() on filesystems
 * without hard links, after a check), else rename(); the caller then syncs
 * the folder (sk_plat_sync_dir_of).  Windows: MoveFileExW with
 * MOVEFILE_WRITE_THROUGH (+ MOVEFILE_REPLACE_EXISTING unless no_replace),
 * which returns only once the move is on the disk.  Returns 0 or errno. */
int sk_plat_place(const char *tmp, const char *path, bool no_replace);

/* Make the latest rename or creation in the folder holding path durable.
 * POSIX: fsync of the folder (filesystems that refuse that, EINVAL, count as
 * done).  Windows: nothing left to do after sk_plat_place, returns 0.
 * Returns 0 or errno. */
int sk_plat_sync_dir_of(const char *path);

/* n random bytes for temporary names (not for keys: libsodium does those).
 * Returns 0 or -1. */
int sk_plat_random(void *buf, size_t n);

/* Try once to take an exclusive lock on the open file fd, held until fd is
 * closed or the process ends (however it ends).  A second open of the same
 * file, even in this process, is refused.  Returns 0 (locked), EWOULDBLOCK
 * (someone holds it), or another errno. */
int sk_plat_trylock(int fd);

/* Whether a and b name the same existing file (device and inode; Windows:
 * volume serial and file index). */
bool sk_plat_same_file(const char *a, const char *b);

struct stat;
/* Whether a file's permissions let users other than its owner in.  POSIX:
 * any group/other bit.  Windows: false, since NTFS has ACLs, not modes (a
 * file inherits its folder's, and %LOCALAPPDATA%'s is private to its user). */
bool sk_plat_mode_shared(const struct stat *sb);

/* Online processors, at least 1. */
long sk_plat_ncpu(void);

/* The process id, for messages. */
long sk_plat_pid(void);

/* Folder holding the running executable (no trailing separator), UTF-8.
 * Returns 0, or -1 when it cannot be found or does not fit.  POSIX:
 * /proc/self/exe (the kiosk finds survey-kiosk-deliver beside itself). */
int sk_plat_exe_dir(char *out, size_t size);

/* UTC broken-down time to seconds since 1970 (POSIX timegm; Windows
 * _mkgmtime).  Normalises *tm like mktime.  (time_t)-1 when out of range. */
time_t sk_plat_timegm(struct tm *tm);

/* Seconds east of UTC of local, a struct tm that localtime_r filled
 * (POSIX: its tm_gmtoff; Windows, whose struct tm has none: the same
 * wall time read as UTC minus read as local). */
long sk_plat_gmtoff(const struct tm *local);

#ifdef _WIN32
/* ---- Windows only: POSIX code keeps its own termios prompt, SK_FONT_DIR and
 * /media walk. ---- */

/* One line typed on the user's terminal (console) with echo off, after
 * writing prompt there: the line end is stripped.  POSIX: /dev/tty.
 * Windows: the console (CONIN$/CONOUT$, SetConsoleMode without
 * ENABLE_ECHO_INPUT), typed text converted to UTF-8.  Returns 0; ENOTTY
 * when there is no terminal; ERANGE when the line did not fit in size - 1
 * bytes; EIO when nothing could be read (end of input). */
int sk_plat_read_hidden(const char *prompt, char *buf, size_t size);

/* survey-kiosk.exe is a windowed (GUI subsystem) program, so that a
 * double-click or a kiosk shell opens no console window.  Its main() calls
 * this first: when standard
 * output and error go nowhere (not redirected), they are attached to the
 * console of the command prompt that started it, if any, and so is standard
 * input.  Nothing happens when they are redirected (scripts, tests). */
void sk_plat_attach_console(void);

/* Roots of the removable drives present now ("E:\\", ...), each malloc'd,
 * in *out (malloc'd array); returns how many.  GetLogicalDrives +
 * GetDriveTypeW == DRIVE_REMOVABLE (USB sticks and card readers). */
size_t sk_plat_removable_drives(char ***out);
#endif

/* The kiosk's data folder when --data is not given, into out.  *portable is
 * set when the data lives beside the executable.
 * POSIX: $XDG_DATA_HOME/survey-kiosk, else $HOME/.local/share/survey-kiosk.
 * Windows: EXEDIR\data when a file portable.txt lies beside the .exe or the
 * .exe runs from a removable drive (a USB stick), else
 * %LOCALAPPDATA%\survey-kiosk.
 * Returns 0, or -1 when no folder can be named (no HOME / LOCALAPPDATA). */
int sk_plat_default_data_dir(char *out, size_t size, bool *portable);

/* The command line as UTF-8 (Windows: GetCommandLineW + CommandLineToArgvW;
 * POSIX: argv unchanged).  Replaces *argv with an array that lives until
 * the process ends.  Windows also expands wildcards (cmd.exe does not):
 * "E:\\bundles\\*.skb" becomes the files it matches, sorted.  Also sets a Windows console to UTF-8 output, so that
 * messages naming files with accents print right.  Returns 0 or -1. */
int sk_plat_utf8_main(int *argc, char ***argv);

#endif
