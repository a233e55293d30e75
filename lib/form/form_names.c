/* form_names.c - question name -> index, an open-addressing hash table, so a
 * 2,000-question form checks its references in linear time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "form_internal.h"

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static int grow(name_index *ix, const sk_question *qs)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    int *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < ix->cap; i++) {
        if (!ix->slots[i])
            continue;
        size_t at = hash(qs[ix->slots[i] - 1].name) & (cap - 1);
        while (slots[at])
            at = (at + 1) & (cap - 1);
        slots[at] = ix->slots[i];
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

int names_find(const name_index *ix, const sk_question *qs, const char *name)
{
    if (!ix->cap || !name)
        return -1;
    for (size_t at = hash(name) & (ix->cap - 1); ix->slots[at]; at = (at + 1) & (ix->cap - 1))
        if (strcmp(qs[ix->slots[at] - 1].name, name) == 0)
            return ix->slots[at] - 1;
    return -1;
}

int names_add(name_index *ix, const sk_question *qs, int q)
{
    if (names_find(ix, qs, qs[q].name) >= 0)
        return 1;
    if ((ix->used + 1) * 2 > ix->cap && grow(ix, qs))
        return -1;
    size_t at = hash(qs[q].name) & (ix->cap - 1);
    while (ix->slots[at])
        at = (at + 1) & (ix->cap - 1);
    ix->slots[at] = q + 1;
    ix->used++;
    return 0;
}

void names_free(name_index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = ix->used = 0;
}

/* ------------------------------------------------------------ group paths */

typedef struct name_entry {
    const char *name;
    int q;
} name_entry;

static int by_name(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    int d = strcmp(x->name, y->name);
    return d ? d : (x->q > y->q) - (x->q < y->q);
}

/* "g1/g2/name" from the original names of q's enclosing groups. */
static char *group_path(const sk_question *qs, int q)
{
    size_t len = 0;
    for (int g = q; g >= 0; g = qs[g].parent)
        len += strlen(qs[g].name) + 1; /* the name and a '/' or the final '\0' */
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    out[0] = '\0';
    size_t at = len;
    for (int g = q; g >= 0; g = qs[g].parent) {
        size_t n = strlen(qs[g].name);
        at -= n + 1;
        memcpy(out + at, qs[g].name, n);
        out[at + n] = g == q ? '\0' : '/';
    }
    return out;
}

static int remember_ambiguous(form_ctx *c, const char *name)
{
    char **a = realloc(c->ambiguous, (c->n_ambiguous + 1) * sizeof *a);
    if (!a)
        return -1;
    c->ambiguous = a;
    a[c->n_ambiguous] = strdup(name);
    return a[c->n_ambiguous++] ? 0 : -1;
}

int form_name_ambiguous(const form_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->n_ambiguous; i++)
        if (strcmp(c->ambiguous[i], name) == 0)
            return 1;
    return 0;
}

void form_names_resolve(form_ctx *c)
{
    sk_form *f = &c->f->pub;
    name_entry *e = malloc((f->n_q + 1) * sizeof *e);
    char **paths = calloc(f->n_q + 1, sizeof *paths);
    if (!e || !paths) {
        free(e);
        free(paths);
        c->nomem = 1;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->n_q; i++)
        if (f->q[i].name && f->q[i].name[0] && f->q[i].type != SK_Q_END_GROUP)
            e[n++] = (name_entry){f->q[i].name, (int)i};
    qsort(e, n, sizeof *e, by_name);
    for (size_t i = 0; i < n && !c->nomem;) {
        size_t j = i + 1;
        while (j < n && strcmp(e[j].name, e[i].name) == 0)
            j++;
        /* e[i..j) share a name: within one group that is an error (the later
         * row is reported); across groups each becomes its path */
        int across = 0;
        for (size_t k = i + 1; k < j; k++) {
            const sk_question *q = &f->q[e[k].q];
            int same = -1;
            for (size_t m = i; m < k && same < 0; m++)
                if (f->q[e[m].q].parent == q->parent)
                    same = e[m].q;
            if (same >= 0)
                form_problem(c, "survey", q->row, c->qcols[e[k].q].name_col,
                             "duplicate name '%s' (also on row %u); names must be unique "
                             "within a group",
                             q->name, f->q[same].row);
            else
                across = 1;
        }
        if (across) {
            if (remember_ambiguous(c, e[i].name))
                c->nomem = 1;
            for (size_t k = i; k < j && !c->nomem; k++)
                if (f->q[e[k].q].parent >= 0 &&
                    !(paths[e[k].q] = group_path(f->q, e[k].q)))
                    c->nomem = 1;
        }
        i = j;
    }
    free(e);
    for (size_t i = 0; i < f->n_q; i++)
        if (paths[i]) {
            free(f->q[i].name);
            f->q[i].name = paths[i];
            f->q[i].by_path = true;
        }
    free(paths);
    for (size_t i = 0; i < f->n_q && !c->nomem; i++)
        if (f->q[i].name && f->q[i].name[0] && f->q[i].type != SK_Q_END_GROUP &&
            names_add(&c->f->names, f->q, (int)i) < 0)
            c->nomem = 1;
}
