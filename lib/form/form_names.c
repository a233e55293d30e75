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
