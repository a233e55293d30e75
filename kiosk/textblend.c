/* textblend.c - SDL 2's blend of a tinted white texture, pixel by pixel
 * (see textblend.h).  Pinned to SDL_BlitSurface by tests/test_kiosk_blend.c. */
#include "textblend.h"

/* Which of SDL's blitters draws untinted (white) text, per platform: SDL
 * picks SDL_blit_A.c's BlitRGBtoRGBPixelAlphaMMX on x86-64 (which always has
 * MMX) and its plain C BlitRGBtoRGBPixelAlpha on arm64. */
#if defined(__x86_64__) || defined(_M_X64)
#define WHITE_BLEND_MMX 1
#elif defined(__aarch64__)
#define WHITE_BLEND_C 1
#endif

bool tb_supported(uint8_t r, uint8_t g, uint8_t b)
{
    if (r != 255 || g != 255 || b != 255)
        return true; /* tinted: SDL_blit_auto.c, the same C everywhere */
#if defined(WHITE_BLEND_MMX) || defined(WHITE_BLEND_C)
    return true;
#else
    return false;
#endif
}

void tb_blend_row(uint32_t *dst, const uint8_t *cov, int n, uint8_t r, uint8_t g, uint8_t b,
                  bool has_alpha)
{
    bool tinted = r != 255 || g != 255 || b != 255;
    for (int i = 0; i < n; i++) {
        unsigned a = cov[i];
        if (a == 0)
            continue; /* SDL's blitters leave it too (and doing so skips most of a line's box) */
        uint32_t d = dst[i];
        unsigned dr = (d >> 16) & 0xFF, dg = (d >> 8) & 0xFF, db = d & 0xFF, da = d >> 24;
        if (tinted) {
            /* SDL_blit_auto.c, SDL_BLENDMODE_BLEND with a colour mod: "/ 255". */
            unsigned sr = r, sg = g, sb = b;
            if (a < 255) {
                sr = sr * a / 255;
                sg = sg * a / 255;
                sb = sb * a / 255;
            }
            dr = sr + (255 - a) * dr / 255;
            dg = sg + (255 - a) * dg / 255;
            db = sb + (255 - a) * db / 255;
            da = has_alpha ? a + (255 - a) * da / 255 : 0;
        } else if (a == 255) {
            dr = dg = db = 255; /* a copy at full coverage */
            da = has_alpha ? 255 : da;
        } else {
#if defined(WHITE_BLEND_MMX)
            /* (255 a >> 8) + (d (255 - a) >> 8), alpha channel included */
            unsigned sa = 255 * a >> 8;
            dr = sa + (dr * (255 - a) >> 8);
            dg = sa + (dg * (255 - a) >> 8);
            db = sa + (db * (255 - a) >> 8);
            da = sa + (da * (255 - a) >> 8);
#else
            /* d + ((255 - d) a >> 8) */
            dr += (255 - dr) * a >> 8;
            dg += (255 - dg) * a >> 8;
            db += (255 - db) * a >> 8;
            da = a + (da * (255 - a) >> 8);
#endif
        }
        dst[i] = (uint32_t)da << 24 | dr << 16 | dg << 8 | db;
    }
}
