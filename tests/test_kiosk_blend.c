/* test_kiosk_blend.c - kiosk/textblend.c against SDL's own blitter.
 *
 * render.c blends cached text straight into the window surface with
 * tb_blend_row instead of SDL_RenderCopy of a white texture tinted to the
 * text's colour, and the kiosk's screenshots must stay byte-identical.  So
 * for every coverage (0..255) and every background value (0..255) the same
 * white ARGB8888 pixels, colour-modulated and in SDL_BLENDMODE_BLEND, are
 * blitted by the real SDL_BlitSurface (what the software renderer's
 * SDL_RenderCopy does) and blended by tb_blend_row, onto both window-surface
 * formats, and every byte of every pixel must agree.  A future SDL, or a
 * platform whose blitter differs (the tests run on amd64 and on arm64 under
 * qemu), fails here instead of in a screenshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <SDL.h>
#include <cmocka.h>

#include "textblend.h"
#include "theme.h"

/* The background of column a, row d: each channel runs through all 256
 * values, differently, and so does the alpha of an ARGB8888 surface. */
static uint32_t background(unsigned d, uint32_t xbyte, bool has_alpha)
{
    unsigned r = d, g = 255 - d, b = (d * 7 + 3) & 0xFF;
    uint32_t a = has_alpha ? (uint32_t)((d * 37 + 11) & 0xFF) : xbyte;
    return a << 24 | r << 16 | g << 8 | b;
}

typedef struct blend_case {
    const char *what;
    kcolor c;
    Uint32 format;       /* the window surface's: XRGB8888 or ARGB8888 */
    uint32_t xbyte;      /* the unused byte of XRGB8888 before the blend */
} blend_case;

#define XRGB SDL_PIXELFORMAT_RGB888
#define ARGB SDL_PIXELFORMAT_ARGB8888

/* The kiosk's text colours (both palettes, kiosk/theme.c), white (SDL's
 * other blitter), and colours at the edges of the arithmetic. */
static const blend_case cases[] = {
    {"white (untinted)", {255, 255, 255}, XRGB, 0x00},
    {"white (untinted)", {255, 255, 255}, XRGB, 0xFF},
    {"white (untinted)", {255, 255, 255}, ARGB, 0},
    {"default text #1B1F24", {0x1B, 0x1F, 0x24}, XRGB, 0x00},
    {"default text #1B1F24", {0x1B, 0x1F, 0x24}, XRGB, 0xFF},
    {"default text #1B1F24", {0x1B, 0x1F, 0x24}, ARGB, 0},
    {"default muted #4A525C", {0x4A, 0x52, 0x5C}, XRGB, 0x00},
    {"default selected text #0A2A4F", {0x0A, 0x2A, 0x4F}, XRGB, 0x00},
    {"default error #A81414", {0xA8, 0x14, 0x14}, XRGB, 0x00},
    {"high-contrast muted #E0E0E0", {0xE0, 0xE0, 0xE0}, XRGB, 0x00},
    {"high-contrast error #FF8A80", {0xFF, 0x8A, 0x80}, XRGB, 0x00},
    {"black", {0, 0, 0}, XRGB, 0x00},
    {"black", {0, 0, 0}, ARGB, 0},
    {"white but one #FFFFFE", {255, 255, 254}, XRGB, 0x00},
    {"white but one #FFFFFE", {255, 255, 254}, ARGB, 0},
    {"odd #01807F", {0x01, 0x80, 0x7F}, XRGB, 0xFF},
};

static SDL_Surface *surface(Uint32 format)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, 256, 256, 32, format);
    assert_non_null(s);
    assert_int_equal(s->pitch, 256 * 4);
    return s;
}

static void test_blend_matches_sdl(void **state)
{
    const blend_case *tc = *state;
    kcolor c = tc->c;
    if (!tb_supported(c.r, c.g, c.b)) {
#if defined(__x86_64__) || defined(_M_X64) || defined(__aarch64__)
        fail_msg("tb_supported is false for %s on a platform render.c models", tc->what);
#else
        skip(); /* render.c draws this colour through SDL here */
#endif
    }
    bool has_alpha = tc->format == ARGB;
    /* The text: white, alpha = coverage = the column. */
    SDL_Surface *src = surface(SDL_PIXELFORMAT_ARGB8888);
    uint8_t cov[256];
    for (unsigned a = 0; a < 256; a++)
        cov[a] = (uint8_t)a;
    for (int y = 0; y < 256; y++)
        for (unsigned a = 0; a < 256; a++)
            ((Uint32 *)src->pixels)[y * 256 + a] = (Uint32)a << 24 | 0xFFFFFFu;
    assert_int_equal(SDL_SetSurfaceBlendMode(src, SDL_BLENDMODE_BLEND), 0);
    assert_int_equal(SDL_SetSurfaceColorMod(src, c.r, c.g, c.b), 0);
    /* Two copies of the background: row d holds background value d. */
    SDL_Surface *by_sdl = surface(tc->format), *by_tb = surface(tc->format);
    for (unsigned d = 0; d < 256; d++)
        for (unsigned a = 0; a < 256; a++)
            ((Uint32 *)by_sdl->pixels)[d * 256 + a] = background(d, tc->xbyte, has_alpha);
    memcpy(by_tb->pixels, by_sdl->pixels, 256 * 256 * 4);

    assert_int_equal(SDL_BlitSurface(src, NULL, by_sdl, NULL), 0);
    for (unsigned d = 0; d < 256; d++)
        tb_blend_row((uint32_t *)by_tb->pixels + d * 256, cov, 256, c.r, c.g, c.b, has_alpha);

    /* The colour channels must agree everywhere, and on ARGB8888 the alpha
     * too.  XRGB8888's fourth byte is padding that neither the X server (depth
     * 24) nor a screenshot reads, and SDL itself is not consistent about it
     * (its tinted blitter zeroes it even where the coverage is 0, its white
     * one sets it at full coverage), so it is left out there. */
    Uint32 mask = has_alpha ? 0xFFFFFFFFu : 0x00FFFFFFu;
    unsigned bad = 0;
    for (unsigned d = 0; d < 256; d++)
        for (unsigned a = 0; a < 256; a++) {
            Uint32 want = ((Uint32 *)by_sdl->pixels)[d * 256 + a];
            Uint32 got = ((Uint32 *)by_tb->pixels)[d * 256 + a];
            if ((want & mask) != (got & mask) && bad++ < 5)
                print_message("%s on %s: coverage %u, background %08X: SDL %08X, tb_blend_row %08X\n",
                              tc->what, SDL_GetPixelFormatName(tc->format), a,
                              (unsigned)background(d, tc->xbyte, has_alpha), (unsigned)want,
                              (unsigned)got);
        }
    /* The blit did happen: full coverage paints the colour. */
    assert_int_equal(((Uint32 *)by_sdl->pixels)[255] & 0xFFFFFFu,
                     (Uint32)c.r << 16 | (Uint32)c.g << 8 | c.b);
    SDL_FreeSurface(src);
    SDL_FreeSurface(by_sdl);
    SDL_FreeSurface(by_tb);
    if (bad)
        fail_msg("%s on %s: %u of 65,536 pixels differ from SDL_BlitSurface", tc->what,
                 SDL_GetPixelFormatName(tc->format), bad);
}

/* Coverage 0 leaves a pixel alone and coverage 255 paints the colour: what
 * a reader checks on a screenshot, independent of SDL. */
static void test_edges(void **state)
{
    (void)state;
    uint32_t px[3] = {0xFF123456u, 0xFF123456u, 0xFF123456u};
    const uint8_t cov[3] = {0, 255, 128};
    tb_blend_row(px, cov, 3, 0x1B, 0x1F, 0x24, false);
    assert_int_equal(px[0], 0xFF123456u);
    assert_int_equal(px[1] & 0xFFFFFFu, 0x1B1F24u);
    assert_true((px[2] & 0xFFFFFFu) != 0x123456u && (px[2] & 0xFFFFFFu) != 0x1B1F24u);
}

/* argc/argv: on Windows SDL's compile flags rename main to SDL_main, whose
 * type is fixed. */
int main(int argc, char *argv[])
{
    (void)argc;
    (void)argv;
    struct CMUnitTest tests[sizeof cases / sizeof cases[0] + 1];
    static char names[sizeof cases / sizeof cases[0]][96];
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++, n++) {
        snprintf(names[i], sizeof names[i], "%s on %s, byte %02X", cases[i].what,
                 SDL_GetPixelFormatName(cases[i].format), (unsigned)cases[i].xbyte);
        tests[n] = (struct CMUnitTest){names[i], test_blend_matches_sdl, NULL, NULL,
                                       (void *)&cases[i]};
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_edges);
    return _cmocka_run_group_tests("test_kiosk_blend", tests, n, NULL, NULL);
}
