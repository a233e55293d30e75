/* pictures.h - a pack's picture decoded into pixels of the size it is drawn
 * at (SDL2_image), for render.c's texture cache; and the same decode run at
 * the researcher's desk by survey-sync check and pack.
 *
 * The bytes are the pack's attachment in memory: nothing is written to disk.
 * The header is read first (sk_picture_probe): a picture larger than
 * SK_PICTURE_MAX_SIDE on a side is refused before any pixel is decoded, so
 * one picture costs at most 64 MiB for the moment it is scaled.
 *
 * Built without SDL2_image (-DSK_PICTURES=OFF, the Windows build for now),
 * every decode fails with a sentence saying so and the kiosk shows the
 * picture's name in a framed box instead (kiosk/picture_block.c). */
#ifndef KIOSK_PICTURES_H
#define KIOSK_PICTURES_H

#include <stdbool.h>
#include <stddef.h>

struct SDL_Surface;

/* Is this build able to decode pictures at all? */
bool kpic_available(void);

/* Decode data[0, len) (the file called name) and scale it to exactly w x h,
 * ARGB8888 with alpha.  Returns a new surface (SDL_FreeSurface), or NULL with
 * why filled with one sentence (not a picture, damaged, too large, out of
 * memory, no decoder in this build). */
struct SDL_Surface *kpic_decode(const void *data, size_t len, const char *name, int w, int h,
                                char *why, size_t why_size);

/* Decode at full size and throw the pixels away: true when the kiosk will be
 * able to show it, else false with why (survey-sync's check at the desk). */
bool kpic_check(const void *data, size_t len, const char *name, char *why, size_t why_size);

#endif
