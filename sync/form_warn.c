/* form_warn.c - what check and pack print for a form that loads but has
 * things the kiosk ignores or leaves empty (sk_form.warnings), and pictures
 * whose pixels would not decode on a kiosk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "pictures.h"
#include "sk/form.h"
#include "sk/keys.h"
#include "sk/picture.h"

#define PICTURE_FILE_MAX (32u << 20)

/* Where the picture name is first shown (the row the load's own picture
 * messages give): questions first, then choices. */
static const char *first_use(const sk_form *f, const char *name, unsigned *row)
{
    for (size_t i = 0; i < f->n_q; i++)
        for (size_t l = 0; f->q[i].image && l < f->n_langs; l++)
            if (f->q[i].image[l] && strcmp(f->q[i].image[l], name) == 0)
                return *row = f->q[i].row, "survey";
    for (size_t i = 0; i < f->n_lists; i++)
        for (size_t k = 0; k < f->lists[i].n; k++) {
            const sk_choice *c = &f->lists[i].choices[k];
            for (size_t l = 0; c->image && l < f->n_langs; l++)
                if (c->image[l] && strcmp(c->image[l], name) == 0)
                    return *row = c->row, "choices";
        }
    return *row = 0, NULL;
}

/* kpic_check with what the decoder's own library says: libpng and libjpeg
 * print their reason on stderr ("libpng error: IDAT: incorrect header
 * check") where SDL2_image only says "Error reading the PNG file".  It is
 * caught in a temporary file and added to why, so the researcher reads one
 * warning line with the reason, not a stray library line. */
static bool decode_check(const uint8_t *data, size_t len, const char *name, char *why,
                         size_t why_size)
{
#ifndef _WIN32
    FILE *cap = tmpfile();
    int saved = cap ? dup(2) : -1;
    fflush(stderr);
    if (saved >= 0 && dup2(fileno(cap), 2) < 0) {
        close(saved);
        saved = -1;
    }
    bool ok = kpic_check(data, len, name, why, why_size);
    if (saved >= 0) {
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        char said[256] = "";
        rewind(cap);
        if (!ok && fgets(said, sizeof said, cap)) {
            said[strcspn(said, "\r\n")] = '\0';
            const char *reason = strstr(said, "error: ");
            reason = reason ? reason + 7 : said;
            size_t used = strlen(why);
            if (*reason && used + 4 < why_size)
                snprintf(why + used, why_size - used, " [%s]", reason);
        }
    }
    if (cap)
        fclose(cap);
    return ok;
#else
    return kpic_check(data, len, name, why, why_size);
#endif
}

/* Decode each picture the form shows, as the kiosk will (kiosk/pictures.c),
 * so a picture whose header reads but whose pixels are damaged is caught at
 * the desk.  Pictures that are missing or whose header does not read were
 * reported by the load already.  Appends one warning per picture to out. */
static void decode_pictures(const char *path, const sk_form *form, sk_diags *out)
{
    char **names = NULL;
    size_t n = 0;
    sk_error err;
    sk_error_clear(&err);
    char *dir = sk_form_media_dir(path);
    if (!dir || sk_form_media(form, &names, &n, &err) != SK_OK) {
        free(dir);
        return; /* out of memory: the load's own checks stand */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned row;
        const char *sheet = first_use(form, names[i], &row);
        if (!sheet)
            continue; /* a data file (CSV), not a picture */
        char file[4200];
        snprintf(file, sizeof file, "%s/%s", dir, names[i]);
        uint8_t *data = NULL;
        size_t len = 0;
        if (sk_read_file(file, PICTURE_FILE_MAX, &data, &len, &err) != SK_OK)
            continue; /* missing or unreadable: reported by the load */
        sk_picture_info info;
        char why[300] = "";
        if (sk_picture_probe(data, len, names[i], &info, &err) == SK_OK &&
            !decode_check(data, len, names[i], why, sizeof why))
            sk_diags_add(out, path, sheet, row, NULL,
                         "the picture '%s' cannot be shown on a kiosk: %s; until then the kiosk "
                         "shows a line saying so in its place",
                         names[i], why);
        free(data);
    }
    sk_form_media_free(names, n);
    free(dir);
}

int sync_form_warnings(const char *path, const sk_form *form, int strict, const char *cmd)
{
    char line[1200];
    for (size_t i = 0; i < form->warnings.n; i++) {
        sk_error_format(&form->warnings.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    sk_diags pictures;
    sk_diags_init(&pictures);
    decode_pictures(path, form, &pictures);
    for (size_t i = 0; i < pictures.n; i++) {
        sk_error_format(&pictures.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    size_t n = form->warnings.n + pictures.n;
    sk_diags_free(&pictures);
    if (!strict || n == 0)
        return 0;
    return sync_failf("%s: %zu warning%s, refused with --strict; fix %s or run %s without "
                      "--strict",
                      path, n, n == 1 ? "" : "s", n == 1 ? "it" : "them", cmd);
}
