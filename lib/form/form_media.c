/* form_media.c - the picture files a form shows with its labels
 * (media::image), and where survey-sync finds them: in FORM-media/ beside
 * the form, as ODK Collect and ODK Central lay them out (survey.xlsx ->
 * survey-media/). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "form_internal.h"
#include "sk/picture.h"
#include "sk/text.h" /* sk_plain_file_name: what a pack may carry */

typedef struct media_use {
    const char *name, *sheet;
    unsigned row;
} media_use;

/* Calls fn once per distinct picture name, in form order (questions, then
 * choices), with the place it is first used.  Returns the first non-zero fn
 * result. */
static int each_media(const sk_form *f, int (*fn)(void *ctx, const media_use *u), void *ctx)
{
    size_t cap = 16, n = 0;
    const char **seen = malloc(cap * sizeof *seen);
    if (!seen)
        return -1;
    int rc = 0;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        size_t items = pass == 0 ? f->n_q : f->n_lists;
        for (size_t i = 0; i < items && !rc; i++) {
            size_t n_choices = pass == 0 ? 1 : f->lists[i].n;
            for (size_t k = 0; k < n_choices && !rc; k++) {
                char **img = pass == 0 ? f->q[i].image : f->lists[i].choices[k].image;
                unsigned row = pass == 0 ? f->q[i].row : f->lists[i].choices[k].row;
                for (size_t l = 0; img && l < f->n_langs && !rc; l++) {
                    if (!img[l])
                        continue;
                    int dup = 0;
                    for (size_t s = 0; s < n && !dup; s++)
                        dup = strcmp(seen[s], img[l]) == 0;
                    if (dup)
                        continue;
                    if (n == cap) {
                        const char **ns = realloc(seen, (cap *= 2) * sizeof *ns);
                        if (!ns) {
                            rc = -1;
                            break;
                        }
                        seen = ns;
                    }
                    seen[n++] = img[l];
                    media_use u = {img[l], pass == 0 ? "survey" : "choices", row};
                    rc = fn(ctx, &u);
                }
            }
        }
    }
    free(seen);
    return rc;
}

typedef struct check_ctx {
    form_ctx *c;
    const char *dir;   /* NULL: names only */
    const char *shown; /* the folder as messages name it */
} check_ctx;

/* 1 when dir/name is a regular file, 0 when not, -1 when out of memory. */
static int file_in(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path)
        return -1;
    snprintf(path, len, "%s/%s", dir, name);
    struct stat st;
    int there = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return there;
}

/* A pack holds at most this much: a larger picture cannot travel anyway. */
#define PICTURE_FILE_MAX (32u << 20)
/* More than this on a side is more than any kiosk screen draws. */
#define PICTURE_SIDE_USEFUL 2048

/* Read the picture's header as the kiosk will (sk/picture.h): one the kiosk
 * cannot show is a warning (it shows a line saying so in its place), one too
 * large for a kiosk's memory a problem (pack refuses it).  -1: out of memory. */
static int probe_one(check_ctx *k, const media_use *u)
{
    size_t len = strlen(k->dir) + strlen(u->name) + 2;
    char *path = malloc(len);
    if (!path)
        return -1;
    snprintf(path, len, "%s/%s", k->dir, u->name);
    FILE *f = fopen(path, "rb");
    free(path);
    uint8_t *data = NULL;
    size_t n = 0;
    int rc = 0;
    if (f) {
        data = malloc(PICTURE_FILE_MAX + 1);
        if (data)
            n = fread(data, 1, PICTURE_FILE_MAX + 1, f);
        else
            rc = -1;
        fclose(f);
    }
    if (rc == 0 && (!f || n > PICTURE_FILE_MAX)) {
        form_problem(k->c, u->sheet, u->row, 0,
                     !f ? "the picture '%s' in %s/ cannot be read; check its permissions"
                        : "the picture '%s' in %s/ is larger than the 32 MiB a pack holds; "
                          "make it smaller",
                     u->name, k->shown);
    } else if (rc == 0) {
        sk_picture_info info;
        sk_error e;
        sk_error_clear(&e);
        sk_status st = sk_picture_probe(data, n, u->name, &info, &e);
        if (st == SK_ERR_UNSUPPORTED)
            form_problem(k->c, u->sheet, u->row, 0, "the picture '%s' is too large: %s",
                         u->name, e.message);
        else if (st != SK_OK)
            form_warning(k->c, u->sheet, u->row, 0,
                         "the picture '%s' cannot be shown on a kiosk: %s; until then the "
                         "kiosk shows a line saying so in its place",
                         u->name, e.message);
        else if (info.width > PICTURE_SIDE_USEFUL || info.height > PICTURE_SIDE_USEFUL)
            /* bench_picture: a camera photo takes a large share of a second
             * to decode the first time its page shows, for pixels no kiosk
             * screen has */
            form_warning(k->c, u->sheet, u->row, 0,
                         "the picture '%s' is %d x %d pixels, more than a kiosk screen shows "
                         "(at most 1920 x 1080), and slows the first showing of its page; "
                         "make it at most %d pixels on its longer side",
                         u->name, info.width, info.height, PICTURE_SIDE_USEFUL);
    }
    free(data);
    return rc;
}

static int check_one(void *ctx, const media_use *u)
{
    check_ctx *k = ctx;
    if (!sk_plain_file_name(u->name)) {
        form_problem(k->c, u->sheet, u->row, 0,
                     "the picture '%s' is not a plain file name; name a file in the form's "
                     "-media folder, without a folder part",
                     u->name);
        return 0;
    }
    if (!k->dir)
        return 0;
    int there = file_in(k->dir, u->name);
    if (there < 0)
        return -1;
    if (!there) {
        form_warning(k->c, u->sheet, u->row, 0,
                     "the picture '%s' is not in %s/ beside the form; the kiosk shows its "
                     "name in a frame instead",
                     u->name, k->shown);
        return 0;
    }
    return probe_one(k, u);
}

void form_note_data_file(form_ctx *c, const char *id, unsigned row, unsigned col, const char *column)
{
    sk_form *f = &c->f->pub;
    size_t n = strlen(id) + sizeof ".csv";
    char *name = malloc(n);
    if (!name) {
        c->nomem = 1;
        return;
    }
    snprintf(name, n, "%s.csv", id);
    for (size_t i = 0; i < f->n_data_files; i++)
        if (strcmp(f->data_files[i], name) == 0) {
            free(name);
            return;
        }
    char **names = realloc(f->data_files, (f->n_data_files + 1) * sizeof *names);
    if (names)
        f->data_files = names;
    struct data_file_use *at = realloc(c->data_file_at, (f->n_data_files + 1) * sizeof *at);
    if (at)
        c->data_file_at = at;
    if (!names || !at) {
        free(name);
        c->nomem = 1;
        return;
    }
    at[f->n_data_files] = (struct data_file_use){row, col, column};
    f->data_files[f->n_data_files++] = name;
}

/* A CSV file the form reads must be beside it (a pulldata() with no data
 * would leave its answers empty in front of every participant): a problem,
 * not a warning.  From a pack (no path) the pack's attachments are what
 * there is. */
static void check_data_files(form_ctx *c, const char *dir, const char *shown)
{
    const sk_form *f = &c->f->pub;
    for (size_t i = 0; i < f->n_data_files; i++) {
        const struct data_file_use *u = &c->data_file_at[i];
        if (!sk_plain_file_name(f->data_files[i])) {
            form_problem(c, "survey", u->row, u->col,
                         "the %s reads instance '%.*s', which is not a plain file name",
                         u->column, (int)(strlen(f->data_files[i]) - 4), f->data_files[i]);
            continue;
        }
        if (!dir)
            continue;
        int there = file_in(dir, f->data_files[i]);
        if (there < 0) {
            c->nomem = 1;
            return;
        }
        if (!there)
            form_problem(c, "survey", u->row, u->col,
                         "the %s reads instance '%.*s', which is neither a choice list of "
                         "this form nor a file %s in %s/ beside the form; add the list to "
                         "the choices sheet or the CSV file to that folder",
                         u->column, (int)(strlen(f->data_files[i]) - 4), f->data_files[i],
                         f->data_files[i], shown);
    }
}

void form_media_check(form_ctx *c, const char *form_path)
{
    char *dir = form_path ? sk_form_media_dir(form_path) : NULL;
    if (form_path && !dir) {
        c->nomem = 1;
        return;
    }
    const char *slash = dir ? strrchr(dir, '/') : NULL;
    check_ctx k = {c, dir, slash ? slash + 1 : dir};
    if (each_media(&c->f->pub, check_one, &k) < 0)
        c->nomem = 1;
    check_data_files(c, dir, k.shown ? k.shown : "FORM-media");
    free(dir);
}

char *sk_form_media_dir(const char *form_path)
{
    if (!form_path)
        return NULL;
    const char *base = strrchr(form_path, '/');
    base = base ? base + 1 : form_path;
    const char *dot = strrchr(base, '.');
    size_t stem = dot && dot != base ? (size_t)(dot - form_path) : strlen(form_path);
    char *out = malloc(stem + sizeof "-media");
    if (out)
        snprintf(out, stem + sizeof "-media", "%.*s-media", (int)stem, form_path);
    return out;
}

typedef struct list_ctx {
    char **names;
    size_t n, cap;
} list_ctx;

static int list_one(void *ctx, const media_use *u)
{
    list_ctx *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **nn = realloc(l->names, cap * sizeof *nn);
        if (!nn)
            return -1;
        l->names = nn;
        l->cap = cap;
    }
    return (l->names[l->n] = strdup(u->name)) ? (l->n++, 0) : -1;
}

sk_status sk_form_media(const sk_form *form, char ***names, size_t *n, sk_error *err)
{
    if (!form || !names || !n)
        return sk_error_set(err, SK_ERR_ARG, "sk_form_media needs a form, names and n");
    list_ctx l = {0};
    if (each_media(form, list_one, &l) < 0) {
        sk_form_media_free(l.names, l.n);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory listing the form's pictures");
    }
    for (size_t i = 0; i < form->n_data_files; i++)
        if (list_one(&l, &(media_use){form->data_files[i], "survey", 0}) < 0) {
            sk_form_media_free(l.names, l.n);
            return sk_error_set(err, SK_ERR_NOMEM, "out of memory listing the form's files");
        }
    *names = l.names;
    *n = l.n;
    return SK_OK;
}

void sk_form_media_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}
