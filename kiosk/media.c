/* media.c - removable media discovery with glob(3) (see media.h). */
#include "media.h"

#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const patterns[] = {"/media/*/*", "/media/*", "/run/media/*/*", "/mnt/*"};

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

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void media_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

size_t media_mounts(const char *root, char ***out)
{
    strlist all = {0};
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        char pat[1024];
        snprintf(pat, sizeof pat, "%s%s", root ? root : "", patterns[p]);
        glob_t g;
        if (glob(pat, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++)
                if (is_dir(g.gl_pathv[i]))
                    push(&all, g.gl_pathv[i]);
            globfree(&g);
        }
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
    char pat[1200];
    snprintf(pat, sizeof pat, "%s/*.pack", dir);
    glob_t g;
    if (glob(pat, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            if (!is_dir(g.gl_pathv[i]))
                push(&l, g.gl_pathv[i]);
        globfree(&g);
    }
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
