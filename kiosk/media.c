/* media.c - removable media discovery and reading packs from it (see media.h).
 *
 * A USB stick is untrusted: whoever prepared it chooses its file types.  So
 * listing uses lstat (a symbolic link is never offered, whatever it points
 * at; a FIFO or device is never offered), and reading opens with O_NOFOLLOW
 * and O_NONBLOCK and checks the opened file is regular (fstat) before
 * reading, so a file swapped for a link or a FIFO after the listing is
 * refused instead of followed, or of freezing the screen on a FIFO's open. */
#include "media.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/base/platform.h"

/* Where sticks are mounted: the folder (under root) and how deep below it a
 * stick's own folder is (/media/USER/LABEL, /media/usb0, /run/media/USER/LABEL, /mnt/NAME). */
static const struct {
    const char *base;
    int depth;
} places[] = {{"/media", 2}, {"/media", 1}, {"/run/media", 2}, {"/mnt", 1}};

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static bool push(strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n] = strdup(s);
    if (!l->v[l->n])
        return false;
    l->n++;
    return true;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A real folder, not a symbolic link to one. */
static bool is_real_dir(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_regular(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Entries of dir (hidden ones left out, as a shell's * does) that pass keep(),
 * `depth` levels down through real folders only. */
static void walk(const char *dir, int depth, bool (*keep)(const char *), const char *suffix,
                 strlist *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || (suffix && !has_suffix(e->d_name, suffix)))
            continue;
        char path[4096];
#ifdef _WIN32
        size_t dl = strlen(dir); /* a drive root ("E:\\") ends with its separator */
        const char *sep = dl && (dir[dl - 1] == '\\' || dir[dl - 1] == '/') ? "" : "/";
#else
        const char *sep = "/";
#endif
        if (snprintf(path, sizeof path, "%s%s%s", dir, sep, e->d_name) >= (int)sizeof path)
            continue;
        if (depth > 1) {
            if (is_real_dir(path))
                walk(path, depth - 1, keep, suffix, out);
        } else if (keep(path)) {
            push(out, path);
        }
    }
    closedir(d);
}

void media_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

size_t media_mounts(const char *root, char ***out)
{
#ifdef _WIN32
    /* Windows gives each stick a drive letter: the drives whose type is
     * removable.  A test build's SURVEY_KIOSK_MEDIA_ROOT still walks the
     * folders below, so the same tests run on both systems. */
    if (!root || !*root)
        return sk_plat_removable_drives(out);
#endif
    strlist all = {0};
    for (size_t p = 0; p < sizeof places / sizeof places[0]; p++) {
        char base[2048];
        snprintf(base, sizeof base, "%s%s", root ? root : "", places[p].base);
        if (is_real_dir(base))
            walk(base, places[p].depth, is_real_dir, NULL, &all);
    }
    if (all.n > 1)
        qsort(all.v, all.n, sizeof *all.v, cmp);
    /* Keep leaves: drop duplicates and any folder that holds another candidate. */
    strlist keep = {0};
    for (size_t i = 0; i < all.n; i++) {
        size_t len = strlen(all.v[i]);
        bool parent = i + 1 < all.n && strncmp(all.v[i + 1], all.v[i], len) == 0 &&
                      all.v[i + 1][len] == '/';
        bool dup = i + 1 < all.n && strcmp(all.v[i + 1], all.v[i]) == 0;
        if (!parent && !dup)
            push(&keep, all.v[i]);
    }
    media_free(all.v, all.n);
    *out = keep.v;
    return keep.n;
}

size_t media_packs_in(const char *dir, char ***out)
{
    strlist l = {0};
    walk(dir, 1, is_regular, ".pack", &l);
    if (l.n > 1)
        qsort(l.v, l.n, sizeof *l.v, cmp);
    *out = l.v;
    return l.n;
}

size_t media_packs(const char *root, char ***out)
{
    char **mounts = NULL;
    size_t nm = media_mounts(root, &mounts);
    strlist all = {0};
    for (size_t i = 0; i < nm; i++) {
        char **p = NULL;
        size_t np = media_packs_in(mounts[i], &p);
        for (size_t j = 0; j < np; j++)
            push(&all, p[j]);
        media_free(p, np);
    }
    media_free(mounts, nm);
    if (all.n > 1)
        qsort(all.v, all.n, sizeof *all.v, cmp);
    *out = all.v;
    return all.n;
}

bool media_export_target_ok(const char *dir)
{
    struct stat st;
    if (lstat(dir, &st) != 0)
        return errno == ENOENT; /* the export makes it */
    return S_ISDIR(st.st_mode);
}

bool media_read_file(const char *path, size_t max, unsigned char **data, size_t *len,
                     char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "%s: %s", path,
                 errno == ELOOP ? "a symbolic link, not a file: copy the pack itself"
                                : strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, err_size, "%s: not a plain file", path);
        close(fd);
        return false;
    }
    if (st.st_size < 0 || (uintmax_t)st.st_size > max) {
        snprintf(err, err_size, "%s: larger than %zu bytes, too large for a survey pack", path,
                 max);
        close(fd);
        return false;
    }
    /* The size can change while we read: read to the end, within max. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *buf = malloc(cap);
    bool ok = buf != NULL;
    if (!ok)
        snprintf(err, err_size, "out of memory");
    while (ok) {
        if (n == cap) {
            if (cap > max) {
                snprintf(err, err_size, "%s: larger than %zu bytes, too large for a survey pack",
                         path, max);
                ok = false;
                break;
            }
            unsigned char *p = realloc(buf, cap * 2);
            if (!p) {
                snprintf(err, err_size, "out of memory");
                ok = false;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
            ok = false;
        } else if (r == 0) {
            break;
        } else {
            n += (size_t)r;
        }
    }
    close(fd);
    if (!ok) {
        free(buf);
        return false;
    }
    *data = buf;
    *len = n;
    return true;
}
