/* bench_picture.c - what a picture costs the kiosk the first time a page
 * shows it: decode from the pack's bytes and scale to the column
 * (kiosk/pictures.c), at 800x480 and at 1920x1080.  Later frames draw the
 * cached texture and cost nothing more (render.c).
 *
 * The pictures are made here with SDL2_image's own encoders (a banner as
 * PNG, a phone photo and a camera photo as JPEG at quality 85), with smooth
 * gradients and noise so the encoders do real work.
 *
 * usage: bench_picture [RUNS]   (default 15) */
#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pictures.h"
#include "sk/picture.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A w x h picture encoded as PNG (jpeg false) or JPEG, in memory. */
static unsigned char *make(int w, int h, int jpeg, size_t *len)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    unsigned seed = 1;
    for (int y = 0; y < h; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < w; x++) {
            seed = seed * 1103515245u + 12345u;
            int n = (int)(seed >> 28);
            row[x] = 0xFF000000u | (Uint32)((x * 255 / w + n) & 255) << 16 |
                     (Uint32)((y * 255 / h + n) & 255) << 8 | (Uint32)(((x + y) & 255));
        }
    }
    size_t cap = (size_t)w * h * 4 + (1u << 20);
    unsigned char *buf = malloc(cap);
    SDL_RWops *rw = buf ? SDL_RWFromMem(buf, (int)cap) : NULL;
    int rc = !rw ? -1 : jpeg ? IMG_SaveJPG_RW(s, rw, 0, 85) : IMG_SavePNG_RW(s, rw, 0);
    *len = rw ? (size_t)SDL_RWtell(rw) : 0;
    if (rw)
        SDL_RWclose(rw);
    SDL_FreeSurface(s);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 15;
    if (runs < 1)
        runs = 1;
    if (!kpic_available()) {
        printf("bench_picture: this build has no pictures (-DSK_PICTURES=OFF)\n");
        return 0;
    }
    static const struct {
        const char *what;
        int w, h, jpeg;
    } pics[] = {{"banner PNG", 1600, 400, 0}, {"phone photo JPEG", 1600, 1200, 1},
                {"camera photo JPEG", 4000, 3000, 1}};
    /* the question picture's box: the column and 45% of the height (picture_block.c) */
    static const struct {
        const char *screen;
        int col_w, max_h;
        double scale;
    } screens[] = {{"800x480", 752, 216, 1.0}, {"1920x1080", 1770, 486, 2.25}};
    printf("%-18s %10s %9s  %-10s %11s %9s %9s\n", "picture", "size", "bytes", "screen", "drawn at",
           "median ms", "max ms");
    double *t = malloc((size_t)runs * sizeof *t);
    for (size_t p = 0; p < sizeof pics / sizeof pics[0]; p++) {
        size_t len = 0;
        unsigned char *data = make(pics[p].w, pics[p].h, pics[p].jpeg, &len);
        if (!data) {
            printf("%-18s cannot be encoded: %s\n", pics[p].what, IMG_GetError());
            continue;
        }
        for (size_t s = 0; s < sizeof screens / sizeof screens[0]; s++) {
            int w, h;
            sk_picture_fit(pics[p].w, pics[p].h, screens[s].scale, screens[s].col_w,
                           screens[s].max_h, &w, &h);
            for (int r = 0; r < runs; r++) {
                char why[300];
                double t0 = now_ms();
                SDL_Surface *out = kpic_decode(data, len, "bench", w, h, why, sizeof why);
                t[r] = now_ms() - t0;
                if (!out) {
                    printf("decode failed: %s\n", why);
                    return 1;
                }
                SDL_FreeSurface(out);
            }
            qsort(t, (size_t)runs, sizeof *t, cmp_double);
            char size[24], at[24];
            snprintf(size, sizeof size, "%dx%d", pics[p].w, pics[p].h);
            snprintf(at, sizeof at, "%dx%d", w, h);
            printf("%-18s %10s %9zu  %-10s %11s %9.1f %9.1f\n", pics[p].what, size, len,
                   screens[s].screen, at, t[runs / 2], t[runs - 1]);
        }
        free(data);
    }
    free(t);
    return 0;
}
