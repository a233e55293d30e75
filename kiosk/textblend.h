/* textblend.h - a cached text line's coverage blended into 32-bit pixels with
 * SDL 2's own arithmetic.
 *
 * render.c keeps each line of text as coverage only (one byte a pixel) and,
 * on the software renderer, blends it straight into the window surface
 * instead of building a texture and calling SDL_RenderCopy.  The screenshots
 * of the kiosk's end-to-end tests must stay byte-identical, so the blend is
 * exactly what SDL_BlitSurface does with a white ARGB8888 surface of that
 * alpha, tinted with SDL_SetSurfaceColorMod, in SDL_BLENDMODE_BLEND.  That
 * arithmetic differs between SDL's blitters (tinted: SDL_blit_auto.c; white:
 * SDL_blit_A.c, MMX on x86-64, plain C on arm64), so it lives here, free of
 * SDL, where tests/test_kiosk_blend.c compares it with SDL_BlitSurface for
 * every coverage and background value on each platform the tests run on
 * (amd64, and arm64 under qemu).
 *
 * No allocation, no errors: the caller clips and passes rows. */
#ifndef KIOSK_TEXTBLEND_H
#define KIOSK_TEXTBLEND_H

#include <stdbool.h>
#include <stdint.h>

/* Whether tb_blend_row knows SDL's arithmetic for text in colour (r, g, b)
 * on this platform.  False only for white on a platform whose SDL blitter is
 * not modelled (e.g. 32-bit ARM's NEON one): draw through SDL there. */
bool tb_supported(uint8_t r, uint8_t g, uint8_t b);

/* Blend n pixels of coverage cov (0 = untouched, 255 = solid) in colour
 * (r, g, b) into dst, 32-bit pixels 0xAARRGGBB (SDL_PIXELFORMAT_ARGB8888 when
 * has_alpha, SDL_PIXELFORMAT_RGB888 = XRGB8888 otherwise).  Pixels with
 * coverage 0 are left as they are, as SDL leaves them.  Call only when
 * tb_supported(r, g, b). */
void tb_blend_row(uint32_t *dst, const uint8_t *cov, int n, uint8_t r, uint8_t g, uint8_t b,
                  bool has_alpha);

#endif
