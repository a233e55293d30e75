/* sk/picture.h - what a picture file is and how big it is drawn, without
 * decoding it.
 *
 * Forms show pictures with labels and choices (media::image, docs/XLSFORM.md).
 * survey-sync reads each picture's header at check and pack time, so that a
 * file the kiosk could not show, or one too large for a kiosk's memory, is
 * caught at the researcher's desk; the kiosk reads it again before decoding
 * (a pack made elsewhere is not trusted to be small) and lays pages out from
 * the size it gives, without decoding anything.
 *
 * Only headers are read here (no decoder, no SDL): PNG, JPEG, GIF, BMP and
 * WebP, the formats the kiosk's decoder (SDL2_image) is built with on Debian
 * and Raspberry Pi OS.  Functions never allocate. */
#ifndef SK_PICTURE_H
#define SK_PICTURE_H

#include <stddef.h>

#include "sk/error.h"

/* The largest side a picture may have, in pixels.  A decoded picture takes
 * 4 bytes a pixel: 4096 x 4096 is 64 MiB for the moment it is scaled, the
 * most a 1 GiB Raspberry Pi should spend on it.  A camera's photo (often
 * 4000 x 3000) fits; anything larger is refused by pack, with its size. */
#define SK_PICTURE_MAX_SIDE 4096

typedef struct sk_picture_info {
    const char *format;   /* "PNG", "JPEG", "GIF", "BMP" or "WebP" (static) */
    int width, height;    /* pixels, 1..SK_PICTURE_MAX_SIDE */
} sk_picture_info;

/* Read the header of the picture data[0, len).  name is the file name the
 * messages give.  On success fills *out and returns SK_OK.  Errors (err's
 * message names the file and says what to do):
 *   SK_ERR_FORMAT       not one of the formats above (an SVG, a TIFF, a
 *                       renamed document), or a header cut short or damaged;
 *   SK_ERR_UNSUPPORTED  a side larger than SK_PICTURE_MAX_SIDE;
 *   SK_ERR_ARG          data or out is NULL. */
sk_status sk_picture_probe(const void *data, size_t len, const char *name, sk_picture_info *out,
                           sk_error *err);

/* The size to draw a width x height picture at: its own size times scale
 * (the kiosk's scale: 1 at 800x480, larger on larger screens), made smaller
 * to fit max_w x max_h, keeping its proportions, never below 1 x 1.  Any
 * argument <= 0 gives 0 x 0 (nothing to draw). */
void sk_picture_fit(int width, int height, double scale, int max_w, int max_h, int *out_w,
                    int *out_h);

#endif
