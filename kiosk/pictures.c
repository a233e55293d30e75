/* pictures.c - decode a picture from memory and scale it (see pictures.h). */
#include "pictures.h"

#include <SDL.h>
#include <stdio.h>

#include "sk/picture.h"

#if SK_PICTURES
#include <SDL_image.h>
#endif
#if SK_PICTURES && !defined(_WIN32)
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#endif

bool kpic_available(void)
{
    return SK_PICTURES != 0;
}

#if SK_PICTURES
/* Halve (bilinear) while the picture is more than twice the target, then
 * one bilinear step to the exact size: a single bilinear step from a camera
 * photo to a column would skip most pixels and shimmer. */
static SDL_Surface *scale_to(SDL_Surface *src, int w, int h)
{
    SDL_Surface *cur = src;
    while (cur->w > 2 * w && cur->h > 2 * h) {
        SDL_Surface *half = SDL_CreateRGBSurfaceWithFormat(0, cur->w / 2, cur->h / 2, 32,
                                                           SDL_PIXELFORMAT_ARGB8888);
        if (!half || SDL_SoftStretchLinear(cur, NULL, half, NULL) != 0) {
            SDL_FreeSurface(half);
            break; /* go on from what there is */
        }
        if (cur != src)
            SDL_FreeSurface(cur);
        cur = half;
    }
    if (cur->w == w && cur->h == h)
        return cur == src ? NULL : cur;
    SDL_Surface *out = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (out && SDL_SoftStretchLinear(cur, NULL, out, NULL) != 0) {
        SDL_FreeSurface(out);
        out = NULL;
    }
    if (cur != src)
        SDL_FreeSurface(cur);
    return out;
}

/* libpng and libjpeg print their reason for a damaged file on stderr
 * ("libpng error: IDAT: incorrect header check"), where SDL2_image only says
 * "Error reading the PNG file."  On a kiosk that stray line means nothing to
 * anyone (the framed line on screen says it), and survey-sync wants the
 * reason in its one warning line.  So for the decode, fd 2 goes to a pipe
 * (nothing on disk), non-blocking so a file that makes the library talk
 * without end cannot stall the decode (what does not fit is dropped), and
 * what the library said goes into why.  Decodes run on one thread (the
 * render thread; survey-sync's check); a line another thread printed in that
 * moment would be lost, and nothing else prints then. */
typedef struct quiet {
    int saved, rd;
} quiet;

static void quiet_begin(quiet *q)
{
    q->saved = q->rd = -1;
#ifndef _WIN32
    int p[2];
    fflush(stderr);
    if (pipe(p) != 0)
        return;
    int fl = fcntl(p[1], F_GETFL);
    q->saved = dup(2);
    if (fl < 0 || fcntl(p[1], F_SETFL, fl | O_NONBLOCK) != 0 || q->saved < 0 ||
        dup2(p[1], 2) < 0) {
        if (q->saved >= 0)
            close(q->saved);
        q->saved = -1;
        close(p[0]);
        close(p[1]);
        return;
    }
    close(p[1]);
    q->rd = p[0];
#endif
}

/* Restores fd 2; said gets the library's first line, without its
 * "libpng error: " prefix ("" when it said nothing). */
static void quiet_end(quiet *q, char *said, size_t size)
{
    said[0] = '\0';
#ifndef _WIN32
    if (q->saved < 0)
        return;
    fflush(stderr);
    dup2(q->saved, 2); /* the pipe's last writer is gone: read sees its end */
    close(q->saved);
    size_t n = 0;
    char buf[512];
    ssize_t got;
    while ((got = read(q->rd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < got && n + 1 < size; i++)
            said[n++] = buf[i];
    said[n] = '\0';
    close(q->rd);
    said[strcspn(said, "\r\n")] = '\0';
    const char *reason = strstr(said, "error: ");
    if (!reason)
        reason = strstr(said, "warning: ");
    if (reason)
        memmove(said, strchr(reason, ' ') + 1, strlen(strchr(reason, ' ') + 1) + 1);
#else
    (void)q;
    (void)size;
#endif
}

/* The picture at its own size, ARGB8888, or NULL with why. */
static SDL_Surface *decode_full(const void *data, size_t len, const char *name,
                                sk_picture_info *info, char *why, size_t why_size)
{
    sk_error err;
    sk_error_clear(&err);
    if (sk_picture_probe(data, len, name, info, &err) != SK_OK) {
        snprintf(why, why_size, "%s", err.message);
        return NULL;
    }
    if (len > (size_t)INT32_MAX) {
        snprintf(why, why_size, "the file is too large");
        return NULL;
    }
    SDL_RWops *rw = SDL_RWFromConstMem(data, (int)len);
    quiet q;
    quiet_begin(&q);
    SDL_Surface *raw = rw ? IMG_Load_RW(rw, 1) : NULL;
    char said[200];
    quiet_end(&q, said, sizeof said);
    if (!raw) {
        if (said[0])
            snprintf(why, why_size, "this %s picture is damaged (%s); save it again from a "
                     "picture editor [%s]", info->format, IMG_GetError(), said);
        else
            snprintf(why, why_size, "this %s picture is damaged (%s); save it again from a "
                     "picture editor", info->format, IMG_GetError());
        return NULL;
    }
    /* The header gave the size that bounded memory: the pixels must agree. */
    if (raw->w != info->width || raw->h != info->height) {
        snprintf(why, why_size, "this %s picture's header says %d x %d pixels but it holds "
                 "%d x %d; save it again from a picture editor",
                 info->format, info->width, info->height, raw->w, raw->h);
        SDL_FreeSurface(raw);
        return NULL;
    }
    SDL_Surface *argb = raw->format->format == SDL_PIXELFORMAT_ARGB8888
                            ? raw
                            : SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    if (argb != raw)
        SDL_FreeSurface(raw);
    if (!argb)
        snprintf(why, why_size, "out of memory decoding the picture");
    return argb;
}
#endif

SDL_Surface *kpic_decode(const void *data, size_t len, const char *name, int w, int h, char *why,
                         size_t why_size)
{
#if SK_PICTURES
    if (w <= 0 || h <= 0 || w > SK_PICTURE_MAX_SIDE || h > SK_PICTURE_MAX_SIDE) {
        snprintf(why, why_size, "cannot draw a picture at %d x %d pixels", w, h);
        return NULL;
    }
    sk_picture_info info;
    SDL_Surface *full = decode_full(data, len, name, &info, why, why_size);
    if (!full)
        return NULL;
    SDL_Surface *out = scale_to(full, w, h);
    if (out) {
        SDL_FreeSurface(full);
    } else if (full->w == w && full->h == h) {
        out = full; /* drawn at its own size */
    } else {
        SDL_FreeSurface(full);
        snprintf(why, why_size, "out of memory scaling the picture");
    }
    if (out)
        SDL_SetSurfaceBlendMode(out, SDL_BLENDMODE_BLEND);
    return out;
#else
    (void)data;
    (void)len;
    (void)name;
    (void)w;
    (void)h;
    snprintf(why, why_size, "this kiosk was built without pictures (SDL2_image)");
    return NULL;
#endif
}

bool kpic_check(const void *data, size_t len, const char *name, char *why, size_t why_size)
{
#if SK_PICTURES
    sk_picture_info info;
    SDL_Surface *full = decode_full(data, len, name, &info, why, why_size);
    SDL_FreeSurface(full);
    return full != NULL;
#else
    /* Without a decoder only the header can be read. */
    sk_picture_info info;
    sk_error err;
    sk_error_clear(&err);
    if (sk_picture_probe(data, len, name, &info, &err) == SK_OK)
        return true;
    snprintf(why, why_size, "%s", err.message);
    return false;
#endif
}
