/* win_compat.c - the POSIX calls of win_compat.h on Windows (see there). */
#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>

#include <stdarg.h>
#include <stdint.h>
#include <wchar.h>

/* This file calls the real functions: take the header's names away. */
#undef open
#undef fopen
#undef freopen
#undef stat
#undef lstat
#undef mkdir
#undef unlink
#undef access
#undef rename
#undef fsync
#undef mkstemp
#undef fdatasync
#undef opendir
#undef readdir
#undef closedir
#undef pread
#undef pwrite

/* UTF-8 to a malloc'd UTF-16 string; NULL (errno set) on failure. */
static wchar_t *wide(const char *s)
{
    if (!s) {
        errno = EINVAL;
        return NULL;
    }
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = EILSEQ;
        return NULL;
    }
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

static int errno_of(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE: return ENOENT;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS: return EEXIST;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION: return EACCES;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_WRITE_PROTECT: return EROFS;
    default: return EIO;
    }
}

int sk_win_errno_of(DWORD e);
int sk_win_errno_of(DWORD e)
{
    return errno_of(e);
}

int sk_win_open(const char *path, int flags, ...)
{
    int mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    /* msvcrt knows only read-only or not: owner-write is the bit that counts. */
    int fd = _wopen(w, flags | O_BINARY, (mode & 0200) ? (_S_IREAD | _S_IWRITE) : _S_IREAD);
    int e = errno;
    free(w);
    errno = e;
    return fd;
}

FILE *sk_win_fopen(const char *path, const char *mode)
{
    wchar_t *w = wide(path), *m = wide(mode);
    FILE *f = w && m ? _wfopen(w, m) : NULL;
    int e = errno;
    free(w);
    free(m);
    errno = e;
    return f;
}

FILE *sk_win_freopen(const char *path, const char *mode, FILE *f)
{
    wchar_t *w = wide(path), *m = wide(mode);
    FILE *r = w && m ? _wfreopen(w, m, f) : NULL;
    int e = errno;
    free(w);
    free(m);
    errno = e;
    return r;
}

int sk_win_stat(const char *path, struct stat *st)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    /* "C:\dir\" with a trailing separator is refused by _wstat: trim it
     * (not from a root like "C:\"). */
    size_t n = wcslen(w);
    while (n > 3 && (w[n - 1] == L'\\' || w[n - 1] == L'/'))
        w[--n] = 0;
    struct _stat64 s;
    int rc = _wstat64(w, &s);
    int e = errno;
    free(w);
    if (rc != 0) {
        errno = e;
        return -1;
    }
    memset(st, 0, sizeof *st);
    st->st_dev = s.st_dev;
    st->st_ino = s.st_ino;
    st->st_mode = s.st_mode;
    st->st_nlink = s.st_nlink;
    st->st_size = (_off_t)s.st_size;
    st->st_atime = (time_t)s.st_atime;
    st->st_mtime = (time_t)s.st_mtime;
    st->st_ctime = (time_t)s.st_ctime;
    return 0;
}

int sk_win_mkdir(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int rc = _wmkdir(w);
    int e = errno;
    free(w);
    errno = e;
    return rc;
}

int sk_win_unlink(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int rc = _wunlink(w);
    int e = errno;
    free(w);
    errno = e;
    return rc;
}

int sk_win_access(const char *path, int mode)
{
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    int rc = _waccess(w, mode & ~X_OK); /* msvcrt rejects X_OK */
    int e = errno;
    free(w);
    errno = e;
    return rc;
}

int sk_win_rename(const char *from, const char *to)
{
    wchar_t *a = wide(from), *b = wide(to);
    int rc = -1, e = errno;
    if (a && b) {
        if (MoveFileExW(a, b, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
            rc = 0;
        else
            e = errno_of(GetLastError());
    }
    free(a);
    free(b);
    errno = e;
    return rc;
}

/* mkstemp for a UTF-8 template (mingw's takes an ANSI one). */
int sk_win_mkstemp(char *tmpl)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(tmpl);
    if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0)
        return errno = EINVAL, -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char rnd[6];
        if (BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return errno = EIO, -1;
        for (int i = 0; i < 6; i++)
            tmpl[n - 6 + i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
        int fd = sk_win_open(tmpl, O_RDWR | O_CREAT | O_EXCL | O_NOINHERIT, 0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return errno = EEXIST, -1;
}

char *sk_win_mkdtemp(char *tmpl)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(tmpl);
    if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0)
        return errno = EINVAL, NULL;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned char rnd[6];
        if (BCryptGenRandom(NULL, rnd, sizeof rnd, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return errno = EIO, NULL;
        for (int i = 0; i < 6; i++)
            tmpl[n - 6 + i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
        if (sk_win_mkdir(tmpl) == 0)
            return tmpl;
        if (errno != EEXIST)
            return NULL;
    }
    return errno = EEXIST, NULL;
}

/* The C runtime's wide environment, which getenv's narrow copy follows. */
int sk_win_setenv(const char *name, const char *value, int overwrite)
{
    if (!overwrite && getenv(name))
        return 0;
    wchar_t *wn = wide(name), *wv = wide(value);
    int rc = wn && wv && _wputenv_s(wn, wv) == 0 ? 0 : (errno = EINVAL, -1);
    free(wn);
    free(wv);
    return rc;
}

int sk_win_unsetenv(const char *name)
{
    wchar_t *wn = wide(name);
    int rc = wn && _wputenv_s(wn, L"") == 0 ? 0 : (errno = EINVAL, -1); /* "" removes it */
    free(wn);
    return rc;
}

int sk_win_fsync(int fd)
{
    return _commit(fd);
}

/* A UTF-16 directory stream whose entries are handed out in UTF-8. */
typedef struct {
    _WDIR *d;
    struct dirent e;
} utf8_dir;

DIR *sk_win_opendir(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return NULL;
    utf8_dir *u = calloc(1, sizeof *u);
    if (u && !(u->d = _wopendir(w))) {
        free(u);
        u = NULL;
    }
    int e = errno;
    free(w);
    errno = e;
    return (DIR *)u;
}

struct dirent *sk_win_readdir(DIR *dir)
{
    utf8_dir *u = (utf8_dir *)dir;
    for (;;) {
        struct _wdirent *we = _wreaddir(u->d);
        if (!we)
            return NULL;
        int n = WideCharToMultiByte(CP_UTF8, 0, we->d_name, -1, u->e.d_name,
                                    (int)sizeof u->e.d_name, NULL, NULL);
        if (n <= 0)
            continue; /* a name too long for d_name in UTF-8: cannot be opened by it */
        u->e.d_namlen = (unsigned short)(n - 1);
        u->e.d_ino = 0;
        return &u->e;
    }
}

int sk_win_closedir(DIR *dir)
{
    utf8_dir *u = (utf8_dir *)dir;
    int rc = _wclosedir(u->d);
    free(u);
    return rc;
}

ssize_t sk_win_pread(int fd, void *buf, size_t n, off_t off)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)off;
    DWORD got = 0;
    if (h == INVALID_HANDLE_VALUE || n > 0x7fffffff)
        return errno = EBADF, -1;
    if (!ReadFile(h, buf, (DWORD)n, &got, &ov))
        return GetLastError() == ERROR_HANDLE_EOF ? 0 : (errno = errno_of(GetLastError()), -1);
    return (ssize_t)got;
}

ssize_t sk_win_pwrite(int fd, const void *buf, size_t n, off_t off)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    OVERLAPPED ov = {0};
    ov.Offset = (DWORD)off;
    DWORD put = 0;
    if (h == INVALID_HANDLE_VALUE || n > 0x7fffffff)
        return errno = EBADF, -1;
    if (!WriteFile(h, buf, (DWORD)n, &put, &ov))
        return errno = errno_of(GetLastError()), -1;
    return (ssize_t)put;
}

long sysconf(int name)
{
    if (name != _SC_NPROCESSORS_ONLN)
        return errno = EINVAL, -1;
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return (long)si.dwNumberOfProcessors;
}

int vasprintf(char **out, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return -1;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return -1;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    *out = p;
    return n;
}

int asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(out, fmt, ap);
    va_end(ap);
    return n;
}

char *strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = malloc(len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *memmem(const void *hay, size_t hn, const void *needle, size_t nn)
{
    const unsigned char *h = hay;
    if (nn == 0)
        return (void *)hay;
    for (size_t i = 0; nn <= hn && i <= hn - nn; i++)
        if (h[i] == *(const unsigned char *)needle && memcmp(h + i, needle, nn) == 0)
            return (void *)(h + i);
    return NULL;
}

/* ASCII case folding, as glibc's in the C locale the project runs in. */
char *strcasestr(const char *hay, const char *needle)
{
    size_t nn = strlen(needle);
    for (; *hay; hay++)
        if (_strnicmp(hay, needle, nn) == 0)
            return (char *)hay;
    return nn == 0 ? (char *)hay : NULL;
}

ssize_t getline(char **line, size_t *cap, FILE *f)
{
    if (!line || !cap)
        return errno = EINVAL, -1;
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF) {
        if (n + 2 > *cap) {
            size_t nc = *cap ? *cap * 2 : 128;
            char *p = realloc(*line, nc);
            if (!p)
                return errno = ENOMEM, -1;
            *line = p;
            *cap = nc;
        }
        (*line)[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (n == 0)
        return -1;
    (*line)[n] = '\0';
    return (ssize_t)n;
}

char *strsep(char **s, const char *delim)
{
    char *start = *s;
    if (!start)
        return NULL;
    char *end = start + strcspn(start, delim);
    if (*end) {
        *end = '\0';
        *s = end + 1;
    } else {
        *s = NULL;
    }
    return start;
}

char *realpath(const char *path, char *resolved)
{
    wchar_t *w = wide(path);
    if (!w)
        return NULL;
    wchar_t full[MAX_PATH * 4];
    DWORD n = GetFullPathNameW(w, sizeof full / sizeof full[0], full, NULL);
    free(w);
    if (n == 0 || n >= sizeof full / sizeof full[0])
        return errno = ENAMETOOLONG, NULL;
    char *out = resolved ? resolved : malloc(4 * MAX_PATH * 4);
    if (!out)
        return errno = ENOMEM, NULL;
    if (WideCharToMultiByte(CP_UTF8, 0, full, -1, out, resolved ? 4096 : 4 * MAX_PATH * 4, NULL,
                            NULL) <= 0) {
        if (!resolved)
            free(out);
        return errno = ENAMETOOLONG, NULL;
    }
    return out;
}
#endif
