/* test_picture.c - sk_picture_probe and sk_picture_fit (sk/picture.h).
 *
 * Probe: the five real pictures of tests/data/pictures (CPython's test
 * pictures, SOURCES.md there), then a table of headers built byte by byte:
 * each format's size fields (including the WebP variants and BMP's top-down
 * and OS/2 headers), the largest side allowed and one pixel more, headers cut
 * at every length, SVG and other files refused with the sentence a researcher
 * reads.  Fit: a table of sizes, scales and boxes with the size drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/keys.h"
#include "sk/picture.h"

static void test_real_files(void **state)
{
    (void)state;
    static const char *const names[] = {"python.png", "python.jpg", "python.gif", "python.bmp",
                                        "python.webp"};
    static const char *const formats[] = {"PNG", "JPEG", "GIF", "BMP", "WebP"};
    for (size_t i = 0; i < 5; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/pictures/%s", SK_TEST_DATA, names[i]);
        uint8_t *data = NULL;
        size_t len = 0;
        sk_error err;
        assert_int_equal(sk_read_file(path, 1 << 20, &data, &len, &err), SK_OK);
        sk_picture_info info = {0};
        assert_int_equal(sk_picture_probe(data, len, names[i], &info, &err), SK_OK);
        assert_string_equal(info.format, formats[i]);
        assert_int_equal(info.width, 16); /* `file` says 16 x 16 for each */
        assert_int_equal(info.height, 16);
        /* Every cut of the header is refused, never read past the end. */
        for (size_t cut = 0; cut < len && cut < 40; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1);
            memcpy(copy, data, cut);
            sk_status st = sk_picture_probe(copy, cut, names[i], &info, &err);
            free(copy);
            if (st == SK_OK) /* a prefix that holds the size gives the same size */
                assert_true(info.width == 16 && info.height == 16);
            else
                assert_int_equal(st, SK_ERR_FORMAT);
        }
        free(data);
    }
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

enum kind { PNG, JPEG, GIF, BMP, BMP_OS2, WEBP_LOSSY, WEBP_LOSSLESS, WEBP_EXT };

/* A header of kind giving w x h. */
static size_t header(enum kind k, uint32_t w, uint32_t h, uint8_t *b)
{
    memset(b, 0, 64);
    switch (k) {
    case PNG:
        memcpy(b, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
        put_be32(b + 16, w);
        put_be32(b + 20, h);
        return 33;
    case JPEG: /* SOI, an APP0 of 16 bytes, then SOF2 (progressive) */
        memcpy(b, "\xFF\xD8\xFF\xE0\x00\x10JFIF", 10);
        memcpy(b + 20, "\xFF\xC2\x00\x11\x08", 5);
        b[25] = (uint8_t)(h >> 8), b[26] = (uint8_t)h;
        b[27] = (uint8_t)(w >> 8), b[28] = (uint8_t)w;
        return 40;
    case GIF:
        memcpy(b, "GIF89a", 6);
        b[6] = (uint8_t)w, b[7] = (uint8_t)(w >> 8), b[8] = (uint8_t)h, b[9] = (uint8_t)(h >> 8);
        return 13;
    case BMP: /* BITMAPINFOHEADER, stored top-down (negative height) */
        b[0] = 'B', b[1] = 'M';
        put_le32(b + 14, 40);
        put_le32(b + 18, w);
        put_le32(b + 22, (uint32_t)-(int32_t)h);
        return 54;
    case BMP_OS2:
        b[0] = 'B', b[1] = 'M';
        put_le32(b + 14, 12);
        b[18] = (uint8_t)w, b[19] = (uint8_t)(w >> 8), b[20] = (uint8_t)h, b[21] = (uint8_t)(h >> 8);
        return 26;
    case WEBP_LOSSY:
        memcpy(b, "RIFF\0\0\0\0WEBPVP8 ", 16);
        memcpy(b + 23, "\x9D\x01\x2A", 3);
        b[26] = (uint8_t)w, b[27] = (uint8_t)(w >> 8), b[28] = (uint8_t)h, b[29] = (uint8_t)(h >> 8);
        return 30;
    case WEBP_LOSSLESS: {
        memcpy(b, "RIFF\0\0\0\0WEBPVP8L", 16);
        b[20] = 0x2F;
        put_le32(b + 21, ((w - 1) & 0x3FFF) | ((h - 1) & 0x3FFF) << 14);
        return 30;
    }
    case WEBP_EXT:
        memcpy(b, "RIFF\0\0\0\0WEBPVP8X", 16);
        b[24] = (uint8_t)(w - 1), b[25] = (uint8_t)((w - 1) >> 8), b[26] = (uint8_t)((w - 1) >> 16);
        b[27] = (uint8_t)(h - 1), b[28] = (uint8_t)((h - 1) >> 8), b[29] = (uint8_t)((h - 1) >> 16);
        return 30;
    }
    return 0;
}

typedef struct probe_case {
    const char *what;
    enum kind kind;
    uint32_t w, h;
    sk_status want;
    const char *format;
} probe_case;

static const probe_case probes[] = {
    {"PNG", PNG, 1600, 400, SK_OK, "PNG"},
    {"PNG at the largest size", PNG, 4096, 4096, SK_OK, "PNG"},
    {"PNG one pixel too wide", PNG, 4097, 10, SK_ERR_UNSUPPORTED, NULL},
    {"PNG one pixel too high", PNG, 10, 4097, SK_ERR_UNSUPPORTED, NULL},
    {"PNG of a hostile size", PNG, 0x7FFFFFFF, 0x7FFFFFFF, SK_ERR_UNSUPPORTED, NULL},
    {"PNG of no width", PNG, 0, 10, SK_ERR_FORMAT, NULL},
    {"JPEG, progressive, after an APP0", JPEG, 4000, 3000, SK_OK, "JPEG"},
    {"JPEG too large", JPEG, 6000, 4000, SK_ERR_UNSUPPORTED, NULL},
    {"GIF", GIF, 320, 200, SK_OK, "GIF"},
    {"BMP stored top-down", BMP, 640, 480, SK_OK, "BMP"},
    {"BMP with an OS/2 header", BMP_OS2, 64, 32, SK_OK, "BMP"},
    {"WebP lossy", WEBP_LOSSY, 800, 600, SK_OK, "WebP"},
    {"WebP lossless", WEBP_LOSSLESS, 1024, 768, SK_OK, "WebP"},
    {"WebP extended", WEBP_EXT, 5000, 100, SK_ERR_UNSUPPORTED, NULL},
    {"WebP extended, largest", WEBP_EXT, 4096, 1, SK_OK, "WebP"},
};

static void test_probe_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        const probe_case *c = &probes[i];
        uint8_t b[64];
        size_t n = header(c->kind, c->w, c->h, b);
        sk_picture_info info = {"untouched", -1, -1};
        sk_error err;
        sk_error_clear(&err);
        sk_status st = sk_picture_probe(b, n, "pic.x", &info, &err);
        if (st != c->want)
            fail_msg("%s: status %s, want %s (%s)", c->what, sk_status_name(st),
                     sk_status_name(c->want), err.message);
        if (st == SK_OK) {
            assert_string_equal(info.format, c->format);
            assert_int_equal(info.width, (int)c->w);
            assert_int_equal(info.height, (int)c->h);
        } else {
            /* out-params untouched on failure; the file is named */
            assert_string_equal(info.format, "untouched");
            assert_string_equal(err.file, "pic.x");
        }
        if (st == SK_ERR_UNSUPPORTED) {
            char want[96];
            snprintf(want, sizeof want, "this picture is %u x %u pixels; a kiosk shows pictures "
                     "up to 4096 x 4096", (unsigned)c->w, (unsigned)c->h);
            if (!strstr(err.message, want))
                fail_msg("%s: message '%s' lacks '%s'", c->what, err.message, want);
        }
    }
}

typedef struct refuse_case {
    const char *what;
    const char *bytes;
    size_t len;
    const char *says;
} refuse_case;

#define REFUSE(what, lit, says) {what, lit, sizeof lit - 1, says}

static const refuse_case refusals[] = {
    REFUSE("SVG", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "SVG drawing"),
    REFUSE("SVG with an XML declaration and a BOM", "\xEF\xBB\xBF\n<?xml version=\"1.0\"?><svg/>",
           "save it as a PNG"),
    REFUSE("TIFF", "II*\0\x08\0\0\0", "not a PNG, JPEG, GIF, BMP or WebP picture"),
    REFUSE("a document renamed .png", "%PDF-1.7\n", "not a PNG, JPEG, GIF, BMP or WebP picture"),
    REFUSE("empty", "", "not a PNG"),
    REFUSE("PNG signature only", "\x89PNG\r\n\x1a\n", "damaged or cut short"),
    REFUSE("PNG whose first chunk is not IHDR",
           "\x89PNG\r\n\x1a\n\0\0\0\x0dIDAT\0\0\0\x10\0\0\0\x10\0\0\0\0\0", "damaged"),
    REFUSE("JPEG with scan data before a frame", "\xFF\xD8\xFF\xDA\0\x02\0\0\0\0", "damaged"),
    REFUSE("JPEG with a zero-length segment", "\xFF\xD8\xFF\xE0\0\0\0\0\0\0", "damaged"),
    REFUSE("JPEG whose segment runs past the end", "\xFF\xD8\xFF\xE0\xFF\xF0\0\0\0\0", "damaged"),
    REFUSE("WebP of an unknown chunk", "RIFF\0\0\0\0WEBPVP9 \0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
           "damaged"),
    REFUSE("BMP with a short DIB header", "BM\0\0\0\0\0\0\0\0\0\0\0\0\x10\0\0\0\x10\0\0\0\x10\0\0\0",
           "damaged"),
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
        const refuse_case *c = &refusals[i];
        sk_picture_info info;
        sk_error err;
        sk_error_clear(&err);
        sk_status st = sk_picture_probe(c->bytes, c->len, "x.png", &info, &err);
        if (st != SK_ERR_FORMAT || !strstr(err.message, c->says))
            fail_msg("%s: status %s '%s', want format '...%s...'", c->what, sk_status_name(st),
                     err.message, c->says);
    }
    sk_picture_info info;
    assert_int_equal(sk_picture_probe(NULL, 0, "x", &info, NULL), SK_ERR_ARG);
}

typedef struct fit_case {
    const char *what;
    int w, h;
    double scale;
    int max_w, max_h;
    int want_w, want_h;
} fit_case;

static const fit_case fits[] = {
    {"small, 800x480: its own size", 64, 64, 1.0, 752, 216, 64, 64},
    {"small, 1080p: grown with the screen", 64, 64, 2.25, 1800, 486, 144, 144},
    {"wide: the column width", 1600, 400, 1.0, 752, 216, 752, 188},
    {"wide at 1080p", 1600, 400, 2.25, 1800, 486, 1800, 450},
    {"tall: the height share", 300, 1200, 1.0, 752, 216, 54, 216},
    {"both limits: the tighter wins", 4000, 3000, 1.0, 752, 216, 288, 216},
    {"exactly the box", 752, 216, 1.0, 752, 216, 752, 216},
    {"a 1-pixel line stays visible", 4096, 1, 1.0, 100, 100, 100, 1},
    {"a thin column never goes to 0", 1, 4096, 1.0, 100, 50, 1, 50},
    {"no width", 0, 10, 1.0, 100, 100, 0, 0},
    {"no box", 10, 10, 1.0, 0, 100, 0, 0},
    {"no scale", 10, 10, 0.0, 100, 100, 0, 0},
};

static void test_fit_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fits / sizeof fits[0]; i++) {
        const fit_case *c = &fits[i];
        int w = -1, h = -1;
        sk_picture_fit(c->w, c->h, c->scale, c->max_w, c->max_h, &w, &h);
        if (w != c->want_w || h != c->want_h)
            fail_msg("%s: %dx%d, want %dx%d", c->what, w, h, c->want_w, c->want_h);
        if (w > 0) /* fits */
            assert_true(w <= c->max_w && h <= c->max_h);
        if (w > 1 && h > 1) { /* and keeps its proportions but for rounding */
            long long skew = (long long)w * c->h - (long long)h * c->w;
            assert_true(llabs(skew) * 2 <= (long long)c->w + c->h);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_probe_table),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_fit_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
