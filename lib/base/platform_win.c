/* platform_win.c - platform.h on Windows (see there for each function). */
#ifdef _WIN32
#include "platform.h"

#include <windows.h>
#include <bcrypt.h>
#include <shellapi.h>

#include <errno.h>
#include <io.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

int sk_win_errno_of(DWORD e); /* win_compat.c */

/* UTF-8 to a malloc'd UTF-16 string, or NULL. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w)
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

/* UTF-16 to UTF-8 into out; false when it does not fit. */
static bool narrow(const wchar_t *w, char *out, size_t size)
{
    return size <= INT32_MAX &&
           WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)size, NULL, NULL) > 0;
}

int sk_plat_place(const char *tmp, const char *path, bool no_replace)
{
    wchar_t *a = wide(tmp), *b = wide(path);
    int e = 0;
    if (!a || !b)
        e = EILSEQ;
    /* Without MOVEFILE_REPLACE_EXISTING the move fails when path exists:
     * the refusal is atomic, like link(2).  WRITE_THROUGH: the call returns
     * once the new name is on the disk (what the folder fsync does on POSIX). */
    else if (!MoveFileExW(a, b, MOVEFILE_WRITE_THROUGH | (no_replace ? 0 : MOVEFILE_REPLACE_EXISTING)))
        e = GetLastError() == ERROR_ALREADY_EXISTS || GetLastError() == ERROR_FILE_EXISTS
                ? EEXIST
                : sk_win_errno_of(GetLastError());
    free(a);
    free(b);
    return e;
}

int sk_plat_sync_dir_of(const char *path)
{
    (void)path; /* MOVEFILE_WRITE_THROUGH did it; NTFS has no folder fsync */
    return 0;
}

int sk_plat_random(void *buf, size_t n)
{
    return n <= ULONG_MAX && BCryptGenRandom(NULL, buf, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0
               ? 0
               : -1;
}

int sk_plat_trylock(int fd)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    if (h == INVALID_HANDLE_VALUE)
        return EBADF;
    /* One byte far past the end: Windows locks are mandatory, and the holder's
     * pid at the start of the file must stay readable by whoever is refused.
     * The lock belongs to this handle: a second open is refused even in this
     * process, and Windows drops it when the process ends, however it ends. */
    OVERLAPPED ov = {0};
    ov.OffsetHigh = 1;
    if (LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov))
        return 0;
    DWORD e = GetLastError();
    return e == ERROR_LOCK_VIOLATION || e == ERROR_IO_PENDING ? EWOULDBLOCK : sk_win_errno_of(e);
}

static bool file_id(const char *path, BY_HANDLE_FILE_INFORMATION *info)
{
    wchar_t *w = wide(path);
    if (!w)
        return false;
    HANDLE h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return false;
    bool ok = GetFileInformationByHandle(h, info);
    CloseHandle(h);
    return ok;
}

bool sk_plat_same_file(const char *a, const char *b)
{
    BY_HANDLE_FILE_INFORMATION x, y;
    return file_id(a, &x) && file_id(b, &y) && x.dwVolumeSerialNumber == y.dwVolumeSerialNumber &&
           x.nFileIndexHigh == y.nFileIndexHigh && x.nFileIndexLow == y.nFileIndexLow;
}

long sk_plat_ncpu(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (long)si.dwNumberOfProcessors : 1;
}

long sk_plat_pid(void)
{
    return (long)GetCurrentProcessId();
}

bool sk_plat_mode_shared(const struct stat *sb)
{
    (void)sb;
    return false;
}

time_t sk_plat_timegm(struct tm *tm)
{
    return _mkgmtime(tm);
}

long sk_plat_gmtoff(const struct tm *local)
{
    struct tm as_utc = *local, as_local = *local;
    return (long)(_mkgmtime(&as_utc) - mktime(&as_local));
}

/* Console mode to put back if Ctrl+C ends the process while echo is off. */
static HANDLE hidden_in = INVALID_HANDLE_VALUE;
static DWORD hidden_mode;

static BOOL WINAPI restore_echo(DWORD type)
{
    (void)type;
    if (hidden_in != INVALID_HANDLE_VALUE)
        SetConsoleMode(hidden_in, hidden_mode);
    return FALSE; /* and let the default handler end the process */
}

static void console_write(HANDLE out, const wchar_t *w)
{
    DWORD put;
    WriteConsoleW(out, w, (DWORD)wcslen(w), &put, NULL);
}

int sk_plat_read_hidden(const char *prompt, char *buf, size_t size)
{
    HANDLE in = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE out = CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
    DWORD mode;
    if (in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE || !GetConsoleMode(in, &mode)) {
        if (in != INVALID_HANDLE_VALUE)
            CloseHandle(in);
        if (out != INVALID_HANDLE_VALUE)
            CloseHandle(out);
        return ENOTTY;
    }
    wchar_t *wp = wide(prompt);
    if (wp)
        console_write(out, wp);
    free(wp);
    hidden_in = in;
    hidden_mode = mode;
    SetConsoleCtrlHandler(restore_echo, TRUE);
    SetConsoleMode(in, (mode | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT) & ~ENABLE_ECHO_INPUT);
    wchar_t line[1024];
    DWORD got = 0;
    BOOL ok = ReadConsoleW(in, line, sizeof line / sizeof line[0] - 1, &got, NULL);
    SetConsoleMode(in, mode);
    hidden_in = INVALID_HANDLE_VALUE;
    SetConsoleCtrlHandler(restore_echo, FALSE);
    console_write(out, L"\r\n"); /* the Enter that was not echoed */
    CloseHandle(in);
    CloseHandle(out);
    int rc = 0;
    if (!ok || got == 0) {
        rc = EIO;
    } else {
        line[got] = 0;
        bool whole = got && line[got - 1] == L'\n';
        while (got && (line[got - 1] == L'\n' || line[got - 1] == L'\r'))
            line[--got] = 0;
        if (!whole || !narrow(line, buf, size))
            rc = ERANGE;
    }
    SecureZeroMemory(line, sizeof line);
    return rc;
}

int sk_plat_exe_dir(char *out, size_t size)
{
    wchar_t w[32768];
    DWORD n = GetModuleFileNameW(NULL, w, sizeof w / sizeof w[0]);
    if (n == 0 || n >= sizeof w / sizeof w[0])
        return -1;
    wchar_t *slash = wcsrchr(w, L'\\');
    if (!slash)
        return -1;
    *slash = 0;
    return narrow(w, out, size) ? 0 : -1;
}

/* "E:\" of a path like "E:\kiosk\survey-kiosk.exe" is a removable drive. */
static bool on_removable_drive(const char *dir)
{
    if (!dir[0] || dir[1] != ':')
        return false;
    wchar_t root[4] = {(wchar_t)(unsigned char)dir[0], L':', L'\\', 0};
    return GetDriveTypeW(root) == DRIVE_REMOVABLE;
}

int sk_plat_default_data_dir(char *out, size_t size, bool *portable)
{
    char exe[4096];
    if (sk_plat_exe_dir(exe, sizeof exe) == 0) {
        char marker[4200];
        snprintf(marker, sizeof marker, "%s\\portable.txt", exe);
        wchar_t *wm = wide(marker);
        bool marked = wm && GetFileAttributesW(wm) != INVALID_FILE_ATTRIBUTES;
        free(wm);
        if (marked || on_removable_drive(exe)) {
            int n = snprintf(out, size, "%s\\data", exe);
            *portable = true;
            return n < 0 || (size_t)n >= size ? -1 : 0;
        }
    }
    wchar_t local[4096];
    DWORD ln = GetEnvironmentVariableW(L"LOCALAPPDATA", local, sizeof local / sizeof local[0]);
    char base[4096];
    if (ln == 0 || ln >= sizeof local / sizeof local[0] || !narrow(local, base, sizeof base))
        return -1;
    int n = snprintf(out, size, "%s\\survey-kiosk", base);
    *portable = false;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static bool std_valid(DWORD which)
{
    HANDLE h = GetStdHandle(which);
    return h && h != INVALID_HANDLE_VALUE && GetFileType(h) != FILE_TYPE_UNKNOWN;
}

void sk_plat_attach_console(void)
{
    if (std_valid(STD_OUTPUT_HANDLE) || std_valid(STD_ERROR_HANDLE))
        return;
    if (!AttachConsole(ATTACH_PARENT_PROCESS))
        return;
    freopen("CONOUT$", "w", stdout);
    freopen("CONOUT$", "w", stderr);
    if (!std_valid(STD_INPUT_HANDLE))
        freopen("CONIN$", "r", stdin);
}

size_t sk_plat_removable_drives(char ***out)
{
    *out = NULL;
    DWORD mask = GetLogicalDrives();
    char **v = calloc(26, sizeof *v);
    size_t n = 0;
    if (!v)
        return 0;
    for (int i = 0; i < 26; i++) {
        if (!(mask & (1u << i)))
            continue;
        wchar_t root[4] = {(wchar_t)(L'A' + i), L':', L'\\', 0};
        if (GetDriveTypeW(root) != DRIVE_REMOVABLE)
            continue;
        /* A card reader with no card is a removable drive too: only drives
         * that answer (have a volume) are offered. */
        if (!GetVolumeInformationW(root, NULL, 0, NULL, NULL, NULL, NULL, 0))
            continue;
        char s[4] = {(char)('A' + i), ':', '\\', 0};
        if ((v[n] = strdup(s)) != NULL)
            n++;
    }
    if (n == 0) {
        free(v);
        return 0;
    }
    *out = v;
    return n;
}

typedef struct {
    char **v;
    int n, cap;
} arglist;

static bool push_arg(arglist *l, const wchar_t *w)
{
    if (l->n + 2 > l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    int len = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = len > 0 ? malloc((size_t)len) : NULL;
    if (!s)
        return false;
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, len, NULL, NULL);
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return true;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* cmd.exe leaves wildcards to the program: "E:\bundles\*.skb" becomes the
 * files it names, sorted (kept as typed when nothing matches, so that the
 * error names it). */
static bool push_expanded(arglist *l, const wchar_t *w)
{
    if (!wcspbrk(w, L"*?"))
        return push_arg(l, w);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(w, &fd);
    if (h == INVALID_HANDLE_VALUE)
        return push_arg(l, w);
    const wchar_t *slash = NULL;
    for (const wchar_t *p = w; *p; p++)
        if (*p == L'\\' || *p == L'/' || (*p == L':' && p == w + 1))
            slash = p;
    size_t dir = slash ? (size_t)(slash - w) + 1 : 0;
    int first = l->n;
    bool ok = true;
    do {
        if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
            continue;
        size_t nl = wcslen(fd.cFileName);
        wchar_t *full = malloc((dir + nl + 1) * sizeof *full);
        if (!full) {
            ok = false;
            break;
        }
        wmemcpy(full, w, dir);
        wmemcpy(full + dir, fd.cFileName, nl + 1);
        ok = push_arg(l, full);
        free(full);
    } while (ok && FindNextFileW(h, &fd));
    FindClose(h);
    if (ok && l->n == first)
        return push_arg(l, w);
    if (l->n - first > 1)
        qsort(l->v + first, (size_t)(l->n - first), sizeof *l->v, by_name);
    return ok;
}

int sk_plat_utf8_main(int *argc, char ***argv)
{
    SetConsoleOutputCP(CP_UTF8);
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w)
        return -1;
    arglist l = {0};
    bool ok = true;
    for (int i = 0; ok && i < n; i++)
        ok = i == 0 ? push_arg(&l, w[i]) : push_expanded(&l, w[i]);
    LocalFree(w);
    if (!ok || !l.v)
        return -1; /* the process is ending: what was built is not freed */
    *argc = l.n;
    *argv = l.v;
    return 0;
}
#endif
