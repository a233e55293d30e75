/* render.c - window, fonts, cached text and shapes on SDL's software renderer
 * (see render.h).  Nothing else in the kiosk includes SDL_ttf or calls
 * SDL_Render*. */
#include "render.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "pictures.h"
#include "textblend.h"

/* System fonts that cover CJK, in order of preference (no fontconfig needed). */
static const char *const cjk_fonts[] = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
};

/* Fonts for symbols and emoji (drawn in one colour: SDL_ttf renders the
 * outlines), tried after the CJK font.  Symbola (fonts-symbola) covers the
 * emoji blocks; the Windows ones are on every Windows 10/11 laptop. */
static const char *const symbol_fonts[] = {
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
    "/usr/share/fonts/truetype/noto/NotoEmoji-Regular.ttf",
    "/usr/share/fonts/truetype/ancient-scripts/Symbola.ttf",
    "C:\\Windows\\Fonts\\seguiemj.ttf",
    "C:\\Windows\\Fonts\\seguisym.ttf",
};

/* Fallbacks, in the order a missing glyph tries them. */
enum { FB_CJK, FB_SYMBOLS, N_FALLBACKS };

#define MAX_FONTS 24                  /* (style, size) pairs kept open */
#define TEXT_CACHE_ENTRIES 768
/* Pixels kept in cached lines beyond the ones on the frame being drawn: a
 * quarter of the screen's (a full page of text rarely covers more, and the
 * lines of the frame on screen are never evicted), at least 256 Ki.  A line
 * is one byte a pixel, so at 1080p that is 0.5 MiB (2 MiB when lines were
 * white ARGB textures; the fixed 4 MiB before that filled up on a walk
 * through a survey and was most of the kiosk's growth after its first
 * frame: bench_kiosk, bench/README.md). */
#define TEXT_CACHE_MIN_BYTES (256u << 10)

typedef struct font_slot {
    rn_style style;
    int px;
    TTF_Font *main;
    TTF_Font *fallback[N_FALLBACKS]; /* NULL until a glyph needs it */
    bool fallback_tried[N_FALLBACKS];
    unsigned last_used;
} font_slot;

/* A cached line is its coverage only, one byte a pixel (a texture was four:
 * white ARGB, tinted when drawn), blended into the window surface by
 * blit_line below. */
typedef struct text_entry {
    uint32_t hash;
    rn_style style;
    int px;
    char *text;
    uint8_t *mask;                    /* w * h alpha values, row by row */
    int w, h;
    unsigned last_used;
} text_entry;

/* Pictures: a few screens' worth.  At 1080p a picture a column wide is up to
 * ~1,700 x 900 pixels (6 MiB); the budget keeps the kiosk's memory bounded
 * whatever the form holds (bench_kiosk: peak resident). */
#define PIC_CACHE_ENTRIES 48
#define PIC_CACHE_BYTES (24u << 20)
#define PIC_FAILED_MAX 32

typedef struct pic_entry {
    const void *data;                 /* NULL: free slot */
    size_t len;
    int w, h;
    SDL_Texture *tex;
    unsigned last_used;
} pic_entry;

typedef struct pic_failed {
    const void *data;
    size_t len;
    char why[256];
} pic_failed;

struct rn {
    SDL_Window *win;
    SDL_Renderer *ren;
    char main_path[2][1024];
    const char *fallback_path[N_FALLBACKS];  /* NULL: none installed */
    font_slot fonts[MAX_FONTS];
    size_t n_fonts;
    text_entry cache[TEXT_CACHE_ENTRIES];
    size_t cache_bytes;
    pic_entry pics[PIC_CACHE_ENTRIES];
    size_t pic_bytes;
    pic_failed failed[PIC_FAILED_MAX];
    size_t n_failed;
    unsigned tick;                    /* advances every frame, for LRU */
    bool direct;                      /* the software renderer: text is blended into the window surface */
    bool missing_glyphs;
    const char *warning;
};

static const char *first_existing(const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (f) {
            fclose(f);
            return paths[i];
        }
    }
    return NULL;
}

/* The window surface the software renderer draws into is fresh memory (at
 * 1080p 8 MiB of X shared memory): the first frame's clear would take one
 * page fault per 4 KiB page.  Ask the kernel for all of them in one call
 * (Linux 5.14+; elsewhere, or when it fails, the faults happen as before). */
static void prefault_screen(rn *r)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    SDL_Surface *s = SDL_GetWindowSurface(r->win);
    if (!s || !s->pixels)
        return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t to = (uintptr_t)s->pixels + (uintptr_t)s->pitch * (uintptr_t)s->h;
    /* Whole pages inside the buffer only: never touch a neighbour's memory. */
    uintptr_t first = ((uintptr_t)s->pixels + page - 1) & ~(page - 1);
    if (to > first + page)
        (void)madvise((void *)first, (to - first) & ~(page - 1), MADV_POPULATE_WRITE);
#else
    (void)r;
#endif
}

rn *rn_create(const rn_options *opt, char *err, size_t err_size)
{
    /* Deliberate: the software renderer, and no OpenGL probing behind it. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
    SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
    rn *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    static const char *const names[2] = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"};
    for (int i = 0; i < 2; i++) {
        snprintf(r->main_path[i], sizeof r->main_path[i], "%s/%s", opt->font_dir, names[i]);
        FILE *f = fopen(r->main_path[i], "rb");
        if (!f) {
            snprintf(err, err_size,
                     "cannot open the bundled font %s: reinstall survey-kiosk or set "
                     "SURVEY_KIOSK_FONT_DIR to the folder holding %s",
                     r->main_path[i], names[i]);
            free(r);
            return NULL;
        }
        fclose(f);
    }
    r->fallback_path[FB_CJK] = first_existing(cjk_fonts, sizeof cjk_fonts / sizeof cjk_fonts[0]);
    r->fallback_path[FB_SYMBOLS] = first_existing(symbol_fonts, sizeof symbol_fonts / sizeof symbol_fonts[0]);
    if (!r->fallback_path[FB_CJK])
        r->warning = "No font for Chinese, Japanese or Korean is installed: such text would "
                     "show as boxes. Install fonts-wqy-microhei or fonts-noto-cjk.";
    if (TTF_Init() != 0) {
        snprintf(err, err_size, "cannot start SDL_ttf: %s", TTF_GetError());
        free(r);
        return NULL;
    }
    Uint32 flags = SDL_WINDOW_SHOWN;
    if (opt->fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP | SDL_WINDOW_BORDERLESS;
    else
        flags |= SDL_WINDOW_RESIZABLE;
    r->win = SDL_CreateWindow("Survey", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, opt->width,
                              opt->height, flags);
    if (r->win)
        r->ren = SDL_CreateRenderer(r->win, -1, SDL_RENDERER_SOFTWARE);
    if (!r->win || !r->ren) {
        snprintf(err, err_size, "cannot open a window: %s", SDL_GetError());
        rn_destroy(r);
        return NULL;
    }
    /* Every shape is opaque (alpha 255): drawn without blending, a fill is
     * SDL_FillRect's row copy instead of a read-modify-write of each pixel,
     * with the same pixels.  At 1080p the welcome page's buttons were 22 of
     * the first frame's 70 million instructions (callgrind; bench/README.md).
     * Text and pictures are textures and keep their own blend mode. */
    SDL_SetRenderDrawBlendMode(r->ren, SDL_BLENDMODE_NONE);
    SDL_RendererInfo info;
    r->direct = SDL_GetRendererInfo(r->ren, &info) == 0 && (info.flags & SDL_RENDERER_SOFTWARE);
    prefault_screen(r);
    return r;
}

static void drop_entry(rn *r, text_entry *e)
{
    if (!e->text)
        return;
    r->cache_bytes -= (size_t)e->w * (size_t)e->h;
    /* Participant text, as characters and as pixels: wiped before the
     * memory goes back. */
    sodium_memzero(e->mask, (size_t)e->w * (size_t)e->h);
    free(e->mask);
    SDL_memset(e->text, 0, strlen(e->text));
    free(e->text);
    memset(e, 0, sizeof *e);
}

void rn_forget_text(rn *r)
{
    for (size_t i = 0; i < TEXT_CACHE_ENTRIES; i++)
        drop_entry(r, &r->cache[i]);
}

void rn_destroy(rn *r)
{
    if (!r)
        return;
    rn_forget_text(r);
    rn_forget_pictures(r);
    for (size_t i = 0; i < r->n_fonts; i++) {
        TTF_CloseFont(r->fonts[i].main);
        for (int k = 0; k < N_FALLBACKS; k++)
            if (r->fonts[i].fallback[k])
                TTF_CloseFont(r->fonts[i].fallback[k]);
    }
    if (r->ren)
        SDL_DestroyRenderer(r->ren);
    if (r->win)
        SDL_DestroyWindow(r->win);
    TTF_Quit();
    free(r);
}

void rn_output_size(const rn *r, int *w, int *h)
{
    SDL_GetRendererOutputSize(r->ren, w, h);
}

void rn_set_window_size(rn *r, int w, int h)
{
    SDL_SetWindowSize(r->win, w, h);
}

void rn_leave_fullscreen(rn *r)
{
    SDL_SetWindowFullscreen(r->win, 0);
    SDL_SetWindowBordered(r->win, SDL_TRUE);
    SDL_SetWindowResizable(r->win, SDL_TRUE);
    SDL_SetWindowKeyboardGrab(r->win, SDL_FALSE);
}

unsigned rn_window_id(const rn *r)
{
    return SDL_GetWindowID(r->win);
}

const char *rn_font_warning(const rn *r)
{
    if (r->missing_glyphs)
        return "Some characters of this survey are in no installed font and show as boxes. "
               "Install fonts-noto-core, fonts-noto-cjk or fonts-symbola (emoji).";
    return r->warning;
}

/* ---- fonts ---- */

static font_slot *get_font(rn *r, rn_style st, int px)
{
    if (px < 6)
        px = 6;
    font_slot *oldest = NULL;
    for (size_t i = 0; i < r->n_fonts; i++) {
        font_slot *f = &r->fonts[i];
        if (f->style == st && f->px == px) {
            f->last_used = r->tick;
            return f;
        }
        if (!oldest || f->last_used < oldest->last_used)
            oldest = f;
    }
    TTF_Font *main = TTF_OpenFont(r->main_path[st], px);
    if (!main)
        return r->n_fonts ? &r->fonts[0] : NULL; /* files checked at start: not expected */
    font_slot *f;
    if (r->n_fonts < MAX_FONTS) {
        f = &r->fonts[r->n_fonts++];
    } else {
        /* Cached lines keep no font pointer, so closing an old size is safe. */
        f = oldest;
        TTF_CloseFont(f->main);
        for (int k = 0; k < N_FALLBACKS; k++)
            if (f->fallback[k])
                TTF_CloseFont(f->fallback[k]);
    }
    f->style = st;
    f->px = px;
    f->main = main;
    TTF_SetFontHinting(main, TTF_HINTING_LIGHT);
    /* The CJK fallback (several MB) is opened the first time a glyph needs it:
     * a Latin-only survey never pays its start-up time or memory. */
    memset(f->fallback, 0, sizeof f->fallback);
    memset(f->fallback_tried, 0, sizeof f->fallback_tried);
    f->last_used = r->tick;
    return f;
}

static TTF_Font *fallback_font(rn *r, font_slot *f, int k)
{
    if (!f->fallback[k] && !f->fallback_tried[k] && r->fallback_path[k]) {
        f->fallback_tried[k] = true;
        f->fallback[k] = TTF_OpenFont(r->fallback_path[k], f->px);
        if (f->fallback[k] && f->style == RN_BOLD)
            TTF_SetFontStyle(f->fallback[k], TTF_STYLE_BOLD);
    }
    return f->fallback[k];
}

/* Which font draws cp: 0 the main font, 1 + k fallback k; 0 (a box) when none
 * has it.  Variation selectors and the zero-width joiner take the font of
 * what is around them: they are not glyphs of their own. */
static int font_for(rn *r, font_slot *f, uint32_t cp)
{
    if (cp < 0x80 || TTF_GlyphIsProvided32(f->main, cp))
        return 0;
    for (int k = 0; k < N_FALLBACKS; k++) {
        TTF_Font *fb = fallback_font(r, f, k);
        if (fb && TTF_GlyphIsProvided32(fb, cp))
            return 1 + k;
    }
    r->missing_glyphs = true;
    return 0;
}

static bool joins_neighbours(uint32_t cp)
{
    return cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF);
}

/* Copy s[0, n) to dst (n + 1 bytes) as it is drawn, NUL-terminated: without
 * the joiners, variation selectors and skin-tone modifiers, which SDL_ttf
 * (no text shaping, one colour) would draw as boxes or swatches beside the
 * emoji they modify.  The answer itself keeps them. */
static void copy_drawable(char *dst, const char *s, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = tw_utf8_next(s + i, n - i, &cp);
        if (!joins_neighbours(cp)) {
            memcpy(dst + o, s + i, l);
            o += l;
        }
        i += l;
    }
    dst[o] = '\0';
}

/* The next run of s[0, len) drawn with one font: returns its byte length and
 * which font (main or a fallback). */
static size_t next_run(rn *r, font_slot *f, const char *s, size_t len, TTF_Font **font)
{
    size_t i = 0;
    int which = -1;
    while (i < len) {
        uint32_t cp;
        size_t l = tw_utf8_next(s + i, len - i, &cp);
        if (which != -1 && joins_neighbours(cp)) {
            i += l;
            continue;
        }
        int w = font_for(r, f, cp);
        if (which == -1)
            which = w;
        else if (w != which)
            break;
        i += l;
    }
    *font = which >= 1 ? f->fallback[which - 1] : f->main;
    return i;
}

int rn_line_height(rn *r, rn_style st, int px)
{
    font_slot *f = get_font(r, st, px);
    return f ? TTF_FontLineSkip(f->main) : px;
}

int rn_text_width(rn *r, rn_style st, int px, const char *s, size_t len)
{
    font_slot *f = get_font(r, st, px);
    if (!f || len == 0)
        return 0;
    char buf[512];
    int total = 0;
    size_t i = 0;
    while (i < len) {
        TTF_Font *font;
        size_t n = next_run(r, f, s + i, len - i, &font);
        char *run = n < sizeof buf ? buf : malloc(n + 1);
        if (!run)
            break;
        copy_drawable(run, s + i, n);
        int w = 0, h = 0;
        TTF_SizeUTF8(font, run, &w, &h);
        total += w;
        /* Participants' text (a long answer is measured in long runs): wiped. */
        sodium_memzero(run, n);
        if (run != buf)
            free(run);
        i += n;
    }
    return total;
}

static int measure_cb(void *ctx, const char *s, size_t len)
{
    const int *args = ((const void *const *)ctx)[1];
    return rn_text_width(((rn *const *)ctx)[0], (rn_style)args[0], args[1], s, len);
}

size_t rn_wrap(rn *r, rn_style st, int px, const char *text, int max_w, tw_line *lines,
               size_t max_lines)
{
    int args[2] = {(int)st, px};
    const void *ctx[2] = {r, args};
    return tw_wrap(text, max_w, measure_cb, (void *)ctx, lines, max_lines);
}

/* ---- the text cache ---- */

static uint32_t hash_text(rn_style st, int px, const char *s, size_t len)
{
    uint32_t h = 2166136261u ^ (uint32_t)st ^ ((uint32_t)px << 8);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void make_room(rn *r, size_t bytes)
{
    int w = 0, h = 0;
    SDL_GetRendererOutputSize(r->ren, &w, &h); /* follows a resize or fullscreen */
    size_t budget = (size_t)(w > 0 ? w : 0) * (size_t)(h > 0 ? h : 0) / 4;
    if (budget < TEXT_CACHE_MIN_BYTES)
        budget = TEXT_CACHE_MIN_BYTES;
    while (r->cache_bytes + bytes > budget) {
        text_entry *victim = NULL;
        for (size_t i = 0; i < TEXT_CACHE_ENTRIES; i++) {
            text_entry *e = &r->cache[i];
            if (e->text && e->last_used != r->tick &&
                (!victim || e->last_used < victim->last_used))
                victim = e;
        }
        if (!victim)
            return; /* everything is on this frame: go over the budget for now */
        drop_entry(r, victim);
    }
}

/* Render one line into a white texture (tinted when drawn), run by run. */
static SDL_Surface *render_line(rn *r, font_slot *f, const char *s, size_t len)
{
    int w = rn_text_width(r, f->style, f->px, s, len);
    int h = TTF_FontHeight(f->main);
    SDL_Color white = {255, 255, 255, 255};
    TTF_Font *font;
    if (next_run(r, f, s, len, &font) == len && font == f->main) {
        /* One run in the main font (most lines): SDL_ttf's surface is the line
         * itself, when it has the line's size; no second line-sized buffer. */
        char *run = malloc(len + 1);
        if (!run)
            return NULL;
        copy_drawable(run, s, len);
        SDL_Surface *line = TTF_RenderUTF8_Blended(font, run, white);
        sodium_memzero(run, len);
        free(run);
        if (line && line->w == (w > 0 ? w : 1) && line->h == h &&
            line->format->format == SDL_PIXELFORMAT_ARGB8888)
            return line;
        SDL_FreeSurface(line); /* another shape: compose it as below */
    }
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, w > 0 ? w : 1, h, 32,
                                                      SDL_PIXELFORMAT_ARGB8888);
    if (!dst)
        return NULL;
    SDL_SetSurfaceBlendMode(dst, SDL_BLENDMODE_NONE);
    SDL_FillRect(dst, NULL, SDL_MapRGBA(dst->format, 255, 255, 255, 0));
    int x = 0, ascent = TTF_FontAscent(f->main);
    size_t i = 0;
    while (i < len) {
        size_t n = next_run(r, f, s + i, len - i, &font);
        char *run = malloc(n + 1);
        if (!run)
            break;
        copy_drawable(run, s + i, n);
        SDL_Surface *part = TTF_RenderUTF8_Blended(font, run, white);
        sodium_memzero(run, n);
        free(run);
        if (part) {
            /* Align baselines when the fallback font's ascent differs. */
            SDL_Rect at = {x, ascent - TTF_FontAscent(font), part->w, part->h};
            SDL_SetSurfaceBlendMode(part, SDL_BLENDMODE_NONE);
            SDL_BlitSurface(part, NULL, dst, &at);
            x += part->w;
            SDL_FreeSurface(part);
        }
        i += n;
    }
    return dst;
}

/* Draw a cached line at x, y in colour c, clipped like everything else.
 *
 * The software renderer draws into the window surface, so the line is
 * blended straight into it (textblend.c) with SDL's own arithmetic for a
 * white ARGB8888 texture tinted to c, so that every pixel is what
 * SDL_RenderCopy of such a texture gives (screenshots of a walk through a
 * survey are byte-identical; tests/test_kiosk_blend.c compares the two for
 * every coverage and background value, on amd64 and on arm64 under qemu).
 * Pixels the text does not cover are skipped instead of blended with
 * coverage 0, which leaves them as they were: most of a line's box, and most
 * of what SDL_RenderCopy cost (at 1080p 17 of the first frame's 30 million
 * instructions; callgrind, bench/README.md).  Any other target (a render
 * target, a surface format other than XRGB8888 / ARGB8888, white text where
 * SDL's blitter is not modelled) gets a texture made for the draw. */
static void blit_line(rn *r, const text_entry *e, int x, int y, kcolor c)
{
    SDL_Surface *dst = NULL;
    if (r->direct && tb_supported(c.r, c.g, c.b) &&
        SDL_GetRenderTarget(r->ren) == NULL) {
        SDL_RenderFlush(r->ren); /* what was drawn before lands first */
        dst = SDL_GetWindowSurface(r->win);
        if (dst && dst->format->format != SDL_PIXELFORMAT_RGB888 &&
            dst->format->format != SDL_PIXELFORMAT_ARGB8888)
            dst = NULL;
    }
    if (!dst) {
        SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, e->w, e->h, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!s)
            return;
        for (int row = 0; row < e->h; row++) {
            Uint32 *p = (Uint32 *)((Uint8 *)s->pixels + (size_t)row * (size_t)s->pitch);
            const uint8_t *m = e->mask + (size_t)row * (size_t)e->w;
            for (int col = 0; col < e->w; col++)
                p[col] = ((Uint32)m[col] << 24) | 0xFFFFFFu;
        }
        SDL_Texture *tex = SDL_CreateTextureFromSurface(r->ren, s);
        sodium_memzero(s->pixels, (size_t)s->pitch * (size_t)s->h);
        SDL_FreeSurface(s);
        if (!tex)
            return;
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
        SDL_SetTextureColorMod(tex, c.r, c.g, c.b);
        SDL_Rect d = {x, y, e->w, e->h};
        SDL_RenderCopy(r->ren, tex, NULL, &d);
        SDL_DestroyTexture(tex); /* SDL draws what is queued with it first */
        return;
    }
    /* The part of the line inside the clip rectangle and the surface. */
    SDL_Rect clip = {0, 0, dst->w, dst->h}, box = {x, y, e->w, e->h}, vis;
    if (SDL_RenderIsClipEnabled(r->ren)) {
        SDL_Rect rc;
        SDL_RenderGetClipRect(r->ren, &rc);
        if (!SDL_IntersectRect(&clip, &rc, &clip))
            return;
    }
    if (!SDL_IntersectRect(&box, &clip, &vis))
        return;
    bool has_alpha = dst->format->Amask != 0;
    if (SDL_MUSTLOCK(dst) && SDL_LockSurface(dst) != 0)
        return;
    for (int row = vis.y; row < vis.y + vis.h; row++) {
        const uint8_t *m = e->mask + (size_t)(row - y) * (size_t)e->w + (vis.x - x);
        Uint32 *p = (Uint32 *)((Uint8 *)dst->pixels + (size_t)row * (size_t)dst->pitch) + vis.x;
        tb_blend_row(p, m, vis.w, c.r, c.g, c.b, has_alpha);
    }
    if (SDL_MUSTLOCK(dst))
        SDL_UnlockSurface(dst);
}

void rn_text(rn *r, rn_style st, int px, kcolor c, int x, int y, const char *s, size_t len)
{
    if (len == 0)
        return;
    uint32_t h = hash_text(st, px, s, len);
    text_entry *e = NULL, *free_slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < TEXT_CACHE_ENTRIES; i++) {
        text_entry *t = &r->cache[i];
        if (!t->text) {
            if (!free_slot)
                free_slot = t;
            continue;
        }
        if (t->hash == h && t->style == st && t->px == px && strlen(t->text) == len &&
            memcmp(t->text, s, len) == 0) {
            e = t;
            break;
        }
        if (!oldest || t->last_used < oldest->last_used)
            oldest = t;
    }
    if (!e) {
        font_slot *f = get_font(r, st, px);
        if (!f)
            return;
        SDL_Surface *surf = render_line(r, f, s, len);
        if (!surf)
            return;
        size_t bytes = (size_t)surf->w * (size_t)surf->h;
        make_room(r, bytes);
        if (!free_slot) {
            drop_entry(r, oldest);
            free_slot = oldest;
        }
        e = free_slot;
        e->mask = malloc(bytes ? bytes : 1);
        e->text = malloc(len + 1);
        if (!e->mask || !e->text) {
            free(e->mask);
            free(e->text);
            memset(e, 0, sizeof *e);
            SDL_FreeSurface(surf);
            return;
        }
        /* render_line's surfaces are ARGB8888, white: only alpha is kept. */
        for (int row = 0; row < surf->h; row++) {
            const Uint32 *px32 = (const Uint32 *)((const Uint8 *)surf->pixels + (size_t)row * (size_t)surf->pitch);
            uint8_t *m = e->mask + (size_t)row * (size_t)surf->w;
            for (int col = 0; col < surf->w; col++)
                m[col] = (uint8_t)(px32[col] >> 24);
        }
        e->w = surf->w;
        e->h = surf->h;
        sodium_memzero(surf->pixels, (size_t)surf->pitch * (size_t)surf->h);
        SDL_FreeSurface(surf);
        memcpy(e->text, s, len);
        e->text[len] = '\0';
        e->hash = h;
        e->style = st;
        e->px = px;
        r->cache_bytes += bytes;
    }
    e->last_used = r->tick;
    blit_line(r, e, x, y, c);
}

/* ---- pictures ---- */

void rn_forget_pictures(rn *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < PIC_CACHE_ENTRIES; i++)
        if (r->pics[i].data)
            SDL_DestroyTexture(r->pics[i].tex);
    memset(r->pics, 0, sizeof r->pics);
    r->pic_bytes = 0;
    r->n_failed = 0;
}

bool rn_picture_failed(const rn *r, const void *data, size_t len, char *why, size_t why_size)
{
    for (size_t i = 0; i < r->n_failed; i++)
        if (r->failed[i].data == data && r->failed[i].len == len) {
            snprintf(why, why_size, "%s", r->failed[i].why);
            return true;
        }
    return false;
}

static void drop_pic(rn *r, pic_entry *e)
{
    r->pic_bytes -= (size_t)e->w * (size_t)e->h * 4;
    SDL_DestroyTexture(e->tex);
    memset(e, 0, sizeof *e);
}

/* A slot for a new picture of bytes pixel bytes: the least recently drawn
 * ones (not on this frame) go until it fits the budget. */
static pic_entry *pic_slot(rn *r, size_t bytes)
{
    for (;;) {
        pic_entry *free_slot = NULL, *victim = NULL;
        for (size_t i = 0; i < PIC_CACHE_ENTRIES; i++) {
            pic_entry *e = &r->pics[i];
            if (!e->data) {
                free_slot = free_slot ? free_slot : e;
                continue;
            }
            if (e->last_used != r->tick && (!victim || e->last_used < victim->last_used))
                victim = e;
        }
        if (free_slot && r->pic_bytes + bytes <= PIC_CACHE_BYTES)
            return free_slot;
        if (!victim)
            return free_slot; /* all on this frame: over the budget until the next */
        drop_pic(r, victim);
    }
}

bool rn_picture(rn *r, const void *data, size_t len, const char *name, krect dst, char *why,
                size_t why_size)
{
    if (rn_picture_failed(r, data, len, why, why_size))
        return false;
    if (dst.w <= 0 || dst.h <= 0)
        return true;
    pic_entry *e = NULL;
    for (size_t i = 0; i < PIC_CACHE_ENTRIES && !e; i++)
        if (r->pics[i].data == data && r->pics[i].len == len && r->pics[i].w == dst.w &&
            r->pics[i].h == dst.h)
            e = &r->pics[i];
    if (!e) {
        char msg[256] = "";
        SDL_Surface *s = kpic_decode(data, len, name, dst.w, dst.h, msg, sizeof msg);
        SDL_Texture *tex = s ? SDL_CreateTextureFromSurface(r->ren, s) : NULL;
        if (s && !tex)
            snprintf(msg, sizeof msg, "out of memory drawing the picture (%s)", SDL_GetError());
        SDL_FreeSurface(s);
        if (!tex) {
            /* Out of memory may pass; a picture that does not decode will not. */
            if (r->n_failed < PIC_FAILED_MAX && s == NULL) {
                pic_failed *f = &r->failed[r->n_failed++];
                f->data = data;
                f->len = len;
                snprintf(f->why, sizeof f->why, "%s", msg);
            }
            snprintf(why, why_size, "%s", msg);
            return false;
        }
        size_t bytes = (size_t)dst.w * (size_t)dst.h * 4;
        e = pic_slot(r, bytes);
        if (!e) {
            SDL_DestroyTexture(tex);
            snprintf(why, why_size, "too many pictures on one screen");
            return false;
        }
        SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
        *e = (pic_entry){data, len, dst.w, dst.h, tex, r->tick};
        r->pic_bytes += bytes;
    }
    e->last_used = r->tick;
    SDL_Rect d = {dst.x, dst.y, dst.w, dst.h};
    SDL_RenderCopy(r->ren, e->tex, NULL, &d);
    return true;
}

/* ---- frames and shapes ---- */

void rn_begin(rn *r, kcolor bg)
{
    r->tick++;
    SDL_RenderSetClipRect(r->ren, NULL);
    SDL_SetRenderDrawColor(r->ren, bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(r->ren);
}

void rn_present(rn *r)
{
    SDL_RenderPresent(r->ren);
}

bool rn_screenshot(rn *r, const char *path, char *err, size_t err_size)
{
    int w, h;
    SDL_GetRendererOutputSize(r->ren, &w, &h);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_BGR24);
    bool ok = s && SDL_RenderReadPixels(r->ren, NULL, SDL_PIXELFORMAT_BGR24, s->pixels,
                                        s->pitch) == 0 &&
              SDL_SaveBMP(s, path) == 0;
    if (!ok)
        snprintf(err, err_size, "cannot save a screenshot to %s: %s", path, SDL_GetError());
    SDL_FreeSurface(s);
    return ok;
}

void rn_clip(rn *r, const krect *clip)
{
    if (!clip) {
        SDL_RenderSetClipRect(r->ren, NULL);
        return;
    }
    SDL_Rect c = {clip->x, clip->y, clip->w > 0 ? clip->w : 0, clip->h > 0 ? clip->h : 0};
    SDL_RenderSetClipRect(r->ren, &c);
}

static void set_color(rn *r, kcolor c)
{
    SDL_SetRenderDrawColor(r->ren, c.r, c.g, c.b, 255);
}

void rn_fill(rn *r, krect box, kcolor c)
{
    set_color(r, c);
    SDL_Rect sr = {box.x, box.y, box.w, box.h};
    SDL_RenderFillRect(r->ren, &sr);
}

/* Horizontal inset of row dy (0 = top row) of a corner of the given radius. */
static int corner_inset(int radius, int dy)
{
    int y = radius - dy;
    int x = 0;
    while ((x + 1) * (x + 1) + y * y <= radius * radius)
        x++;
    return radius - x;
}

static void fill_rounded(rn *r, krect b, int radius, kcolor c)
{
    if (b.w <= 0 || b.h <= 0)
        return;
    if (radius > b.h / 2)
        radius = b.h / 2;
    if (radius > b.w / 2)
        radius = b.w / 2;
    set_color(r, c);
    SDL_Rect mid = {b.x, b.y + radius, b.w, b.h - 2 * radius};
    SDL_RenderFillRect(r->ren, &mid);
    for (int dy = 0; dy < radius; dy++) {
        int in = corner_inset(radius, dy);
        SDL_Rect top = {b.x + in, b.y + dy, b.w - 2 * in, 1};
        SDL_Rect bot = {b.x + in, b.y + b.h - 1 - dy, b.w - 2 * in, 1};
        SDL_RenderFillRect(r->ren, &top);
        SDL_RenderFillRect(r->ren, &bot);
    }
}

void rn_box(rn *r, krect box, int radius, kcolor fill, int thickness, kcolor border)
{
    if (thickness > 0) {
        fill_rounded(r, box, radius, border);
        krect in = {box.x + thickness, box.y + thickness, box.w - 2 * thickness,
                    box.h - 2 * thickness};
        fill_rounded(r, in, radius > thickness ? radius - thickness : 0, fill);
    } else {
        fill_rounded(r, box, radius, fill);
    }
}

void rn_circle(rn *r, int cx, int cy, int radius, kcolor c)
{
    krect b = {cx - radius, cy - radius, 2 * radius, 2 * radius};
    fill_rounded(r, b, radius, c);
}

void rn_line(rn *r, int x1, int y1, int x2, int y2, int thickness, kcolor c)
{
    set_color(r, c);
    int half = thickness / 2;
    for (int o = -half; o <= half; o++) {
        if (abs(x2 - x1) > abs(y2 - y1))
            SDL_RenderDrawLine(r->ren, x1, y1 + o, x2, y2 + o);
        else
            SDL_RenderDrawLine(r->ren, x1 + o, y1, x2 + o, y2);
    }
}
