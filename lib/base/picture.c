/* picture.c - picture headers and the size a picture is drawn at (see
 * sk/picture.h).  Each reader checks every byte it reads is inside data. */
#include "sk/picture.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t le16(const uint8_t *p) { return (uint32_t)p[1] << 8 | p[0]; }
static uint32_t be32(const uint8_t *p) { return be16(p) << 16 | be16(p + 2); }
static uint32_t le32(const uint8_t *p) { return le16(p + 2) << 16 | le16(p); }
static uint32_t le24(const uint8_t *p) { return (uint32_t)p[2] << 16 | le16(p); }

/* 1 when found (sizes in *w, *h), 0 when the header is cut short or damaged. */
static int png_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    /* signature, then the first chunk must be IHDR: length 13, width, height */
    if (n < 24 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0)
        return 0;
    *w = be32(d + 16);
    *h = be32(d + 20);
    return 1;
}

static int jpeg_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF)
            return 0;
        uint8_t m = d[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            i += 2;
            continue;
        }
        if (m == 0xD9 || m == 0xDA) /* end of image, or scan data before any frame */
            return 0;
        size_t seg = be16(d + i + 2);
        if (seg < 2)
            return 0;
        /* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) hold the size */
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            if (seg < 7 || i + 9 > n)
                return 0;
            *h = be16(d + i + 5);
            *w = be16(d + i + 7);
            return 1;
        }
        i += 2 + seg;
    }
    return 0;
}

static int bmp_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 26)
        return 0;
    uint32_t dib = le32(d + 14);
    if (dib == 12) { /* OS/2 BITMAPCOREHEADER: 16-bit sizes */
        *w = le16(d + 18);
        *h = le16(d + 20);
        return 1;
    }
    if (dib < 40)
        return 0;
    int32_t sw = (int32_t)le32(d + 18), sh = (int32_t)le32(d + 22);
    if (sw <= 0 || sh == INT32_MIN)
        return 0;
    *w = (uint32_t)sw;
    *h = (uint32_t)(sh < 0 ? -sh : sh); /* negative: stored top-down */
    return 1;
}

static int webp_size(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h)
{
    if (n < 30)
        return 0;
    if (memcmp(d + 12, "VP8 ", 4) == 0) { /* lossy: a key frame's start code, then 14-bit sizes */
        if (d[23] != 0x9D || d[24] != 0x01 || d[25] != 0x2A)
            return 0;
        *w = le16(d + 26) & 0x3FFF;
        *h = le16(d + 28) & 0x3FFF;
        return 1;
    }
    if (memcmp(d + 12, "VP8L", 4) == 0) { /* lossless: signature 0x2F, then (w-1, h-1) in 14 bits each */
        if (d[20] != 0x2F)
            return 0;
        uint32_t bits = le32(d + 21);
        *w = (bits & 0x3FFF) + 1;
        *h = ((bits >> 14) & 0x3FFF) + 1;
        return 1;
    }
    if (memcmp(d + 12, "VP8X", 4) == 0) { /* extended: the canvas, 24 bits each, minus one */
        *w = le24(d + 24) + 1;
        *h = le24(d + 27) + 1;
        return 1;
    }
    return 0;
}

/* Does the text start (after a byte-order mark and spaces) like SVG? */
static int looks_like_svg(const uint8_t *d, size_t n)
{
    size_t i = 0;
    if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n'))
        i++;
    return (n - i >= 4 && memcmp(d + i, "<svg", 4) == 0) ||
           (n - i >= 5 && memcmp(d + i, "<?xml", 5) == 0);
}

sk_status sk_picture_probe(const void *data, size_t len, const char *name, sk_picture_info *out,
                           sk_error *err)
{
    if (!data || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_picture_probe needs data and out");
    const uint8_t *d = data;
    const char *format = NULL;
    uint32_t w = 0, h = 0;
    int ok = 0;
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
        format = "PNG";
        ok = png_size(d, len, &w, &h);
    } else if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
        format = "JPEG";
        ok = jpeg_size(d, len, &w, &h);
    } else if (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) {
        format = "GIF";
        ok = len >= 10;
        if (ok) {
            w = le16(d + 6);
            h = le16(d + 8);
        }
    } else if (len >= 2 && d[0] == 'B' && d[1] == 'M') {
        format = "BMP";
        ok = bmp_size(d, len, &w, &h);
    } else if (len >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) {
        format = "WebP";
        ok = webp_size(d, len, &w, &h);
    } else if (looks_like_svg(d, len)) {
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this is an SVG drawing, which the kiosk does not show; save it "
                               "as a PNG picture and name that in the form");
    } else {
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this is not a PNG, JPEG, GIF, BMP or WebP picture; save it in "
                               "one of those formats (PNG or JPEG are best)");
    }
    if (!ok || w == 0 || h == 0)
        return sk_error_set_at(err, SK_ERR_FORMAT, name, NULL, 0, NULL,
                               "this %s picture is damaged or cut short (its header gives no "
                               "size); save it again from a picture editor",
                               format);
    if (w > SK_PICTURE_MAX_SIDE || h > SK_PICTURE_MAX_SIDE)
        return sk_error_set_at(err, SK_ERR_UNSUPPORTED, name, NULL, 0, NULL,
                               "this picture is %" PRIu32 " x %" PRIu32 " pixels; a kiosk shows "
                               "pictures up to %d x %d (a screen is at most 1920 wide): make it "
                               "smaller, for example 1600 pixels wide",
                               w, h, SK_PICTURE_MAX_SIDE, SK_PICTURE_MAX_SIDE);
    out->format = format;
    out->width = (int)w;
    out->height = (int)h;
    return SK_OK;
}

void sk_picture_fit(int width, int height, double scale, int max_w, int max_h, int *out_w,
                    int *out_h)
{
    *out_w = *out_h = 0;
    if (width <= 0 || height <= 0 || max_w <= 0 || max_h <= 0 || !(scale > 0))
        return;
    double w = width * scale, h = height * scale;
    if (w > max_w) {
        h = h * max_w / w;
        w = max_w;
    }
    if (h > max_h) {
        w = w * max_h / h;
        h = max_h;
    }
    *out_w = w < 1 ? 1 : (int)(w + 0.5);
    *out_h = h < 1 ? 1 : (int)(h + 0.5);
}
