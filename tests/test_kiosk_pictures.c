/* test_kiosk_pictures.c - kiosk/pictures.c: a pack's picture decoded from
 * memory by the real SDL2_image and scaled to the size it is drawn at.
 *
 * The five real pictures of tests/data/pictures (PNG, JPEG, GIF, BMP, WebP)
 * decode at their own size and scaled; a picture in four coloured quadrants
 * keeps each colour in its quadrant at every size it is drawn at (so the
 * scaling neither flips, shifts nor smears it); a picture whose pixels are
 * damaged, one that is not a picture and one too large are refused with a
 * sentence, the last before a single pixel is decoded.  The Windows build
 * decodes them too (its SDL2_image: stb_image for PNG and JPEG, libwebp).  In a
 * build without SDL2_image (-DSK_PICTURES=OFF) every decode is refused with a
 * sentence saying so, and check still reads headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <unistd.h>
#endif

#include <SDL.h>
#include <cmocka.h>

#include "pictures.h"
#include "sk/keys.h"

static uint8_t *read_data(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pictures/%s", SK_TEST_DATA, name);
    uint8_t *data = NULL;
    sk_error err;
    assert_int_equal(sk_read_file(path, 1 << 20, &data, len, &err), SK_OK);
    return data;
}

static void test_real_files(void **state)
{
    (void)state;
    static const char *const names[] = {"python.png", "python.jpg", "python.gif", "python.bmp",
                                        "python.webp"};
#ifdef _WIN32
    /* The Windows build carries SDL2_image (scripts/build-windows.sh): a zip that
     * lost it would show a framed name where each picture should be. */
    assert_true(kpic_available());
#endif
    for (size_t i = 0; i < 5; i++) {
        size_t len;
        uint8_t *data = read_data(names[i], &len);
        char why[300] = "";
        if (!kpic_available()) {
            assert_null(kpic_decode(data, len, names[i], 16, 16, why, sizeof why));
            assert_non_null(strstr(why, "built without pictures"));
            assert_true(kpic_check(data, len, names[i], why, sizeof why)); /* header only */
            free(data);
            continue;
        }
        static const int sizes[][2] = {{16, 16}, {48, 48}, {5, 5}, {30, 12}};
        for (size_t s = 0; s < 4; s++) {
            SDL_Surface *p = kpic_decode(data, len, names[i], sizes[s][0], sizes[s][1], why,
                                         sizeof why);
            if (!p)
                fail_msg("%s at %dx%d: %s", names[i], sizes[s][0], sizes[s][1], why);
            assert_int_equal(p->w, sizes[s][0]);
            assert_int_equal(p->h, sizes[s][1]);
            assert_int_equal(p->format->format, SDL_PIXELFORMAT_ARGB8888);
            SDL_FreeSurface(p);
        }
        assert_true(kpic_check(data, len, names[i], why, sizeof why));
        free(data);
    }
}

static const Uint32 quad[4] = {0xFFFF0000u, 0xFF00FF00u, 0xFF0000FFu, 0xFFFFFF00u};

/* A w x h BMP in memory, in the four colours of quad (tl, tr, bl, br). */
static uint8_t *quadrant_bmp(int w, int h, size_t *len)
{
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    assert_non_null(s);
    for (int k = 0; k < 4; k++) {
        SDL_Rect r = {k % 2 ? w / 2 : 0, k / 2 ? h / 2 : 0, k % 2 ? w - w / 2 : w / 2,
                      k / 2 ? h - h / 2 : h / 2};
        SDL_FillRect(s, &r, quad[k]);
    }
    size_t cap = (size_t)w * h * 4 + 1024;
    uint8_t *buf = malloc(cap);
    SDL_RWops *rw = SDL_RWFromMem(buf, (int)cap);
    assert_int_equal(SDL_SaveBMP_RW(s, rw, 0), 0);
    *len = (size_t)SDL_RWtell(rw);
    SDL_RWclose(rw);
    SDL_FreeSurface(s);
    return buf;
}

static Uint32 pixel(const SDL_Surface *s, int x, int y)
{
    return ((const Uint32 *)s->pixels)[y * (s->pitch / 4) + x];
}

static void test_quadrants_survive_scaling(void **state)
{
    (void)state;
    if (!kpic_available())
        skip();
    size_t len;
    uint8_t *bmp = quadrant_bmp(400, 200, &len);
    /* own size, halved steps then one more (40x20), odd sizes, and larger */
    static const int sizes[][2] = {{400, 200}, {100, 50}, {40, 20}, {37, 19}, {752, 376}, {9, 5}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int w = sizes[i][0], h = sizes[i][1];
        char why[300] = "";
        SDL_Surface *p = kpic_decode(bmp, len, "quad.bmp", w, h, why, sizeof why);
        if (!p)
            fail_msg("%dx%d: %s", w, h, why);
        assert_int_equal(p->w, w);
        assert_int_equal(p->h, h);
        for (int k = 0; k < 4; k++) {
            int cx = (k % 2 ? 3 : 1) * w / 4, cy = (k / 2 ? 3 : 1) * h / 4;
            Uint32 got = pixel(p, cx, cy);
            if (got != quad[k])
                fail_msg("%dx%d: quadrant %d at (%d,%d) is %08X, want %08X", w, h, k, cx, cy,
                         (unsigned)got, (unsigned)quad[k]);
        }
        SDL_FreeSurface(p);
    }
    free(bmp);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void test_refused(void **state)
{
    (void)state;
    char why[300];
    size_t len;
    uint8_t *png = read_data("python.png", &len);
    /* damaged pixels: the header reads, the image data does not */
    uint8_t *bad = malloc(len);
    memcpy(bad, png, len);
    for (size_t i = 40; i < len - 12; i++)
        bad[i] ^= 0x5A;
    why[0] = '\0';
#ifndef _WIN32
    /* libpng's own complaint stays off stderr (the kiosk's log): the
     * decode's fd 2 is watched through a pipe here */
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0 && dup2(p[1], 2) >= 0);
    close(p[1]);
#endif
    assert_null(kpic_decode(bad, len, "bad.png", 16, 16, why, sizeof why));
#ifndef _WIN32
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char said[256];
    ssize_t got = read(p[0], said, sizeof said - 1);
    close(p[0]);
    if (got > 0) {
        said[got] = '\0';
        fail_msg("the decode printed on stderr: '%s'", said);
    }
#endif
    if (kpic_available()) {
        assert_non_null(strstr(why, "damaged"));
#ifndef _WIN32
        /* ... and libpng's reason is in the sentence (python.png: zlib data);
         * the Windows build decodes PNG with stb_image, which has no such line */
        assert_non_null(strstr(why, "["));
#endif
        assert_false(kpic_check(bad, len, "bad.png", why, sizeof why));
    }
    /* too large: refused from the header (which claims 5000 x 16 over 16 x
     * 16 pixels of data), so nothing is decoded */
    memcpy(bad, png, len);
    put_be32(bad + 16, 5000);
    why[0] = '\0';
    assert_null(kpic_decode(bad, len, "big.png", 100, 10, why, sizeof why));
    if (kpic_available())
        assert_non_null(strstr(why, "5000 x 16 pixels"));
    assert_false(kpic_check(bad, len, "big.png", why, sizeof why));
    assert_non_null(strstr(why, "up to 4096 x 4096"));
    /* not a picture */
    why[0] = '\0';
    assert_null(kpic_decode("<svg/>", 6, "logo.svg", 10, 10, why, sizeof why));
    assert_false(kpic_check("<svg/>", 6, "logo.svg", why, sizeof why));
    assert_non_null(strstr(why, "SVG"));
    /* a size no screen has */
    why[0] = '\0';
    assert_null(kpic_decode(png, len, "python.png", 0, 10, why, sizeof why));
    assert_true(why[0] != '\0');
    free(bad);
    free(png);
}

/* argc/argv: on Windows SDL's compile flags rename main to SDL_main, whose
 * type is fixed. */
int main(int argc, char *argv[])
{
    (void)argc;
    (void)argv;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_quadrants_survive_scaling),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
