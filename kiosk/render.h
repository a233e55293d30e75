/* render.h - the only part of the kiosk that talks to SDL_Renderer and SDL_ttf.
 *
 * The renderer is SDL's software renderer, chosen on purpose (docs/KIOSK.md):
 * with SDL_HINT_FRAMEBUFFER_ACCELERATION "0" SDL does not probe OpenGL, which
 * on this class of machine starts in 141 ms and 17.7 MiB instead of 351 ms and
 * 117 MiB, and presents a kiosk frame faster than a GL context would.
 *
 * Text: the bundled DejaVu Sans (regular and bold) covers Latin, Greek and
 * Cyrillic; characters it lacks are drawn glyph by glyph from a system CJK
 * font when one of the known files is installed.  Rendered lines are cached as
 * textures (white, tinted at draw time) in a bounded LRU cache. */
#ifndef KIOSK_RENDER_H
#define KIOSK_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "textwrap.h"
#include "theme.h"

typedef struct krect {
    int x, y, w, h;
} krect;

typedef enum rn_style { RN_REGULAR = 0, RN_BOLD = 1 } rn_style;

typedef struct rn rn;

typedef struct rn_options {
    int width, height;       /* window size in pixels */
    bool fullscreen;         /* borderless desktop fullscreen (kiosk mode) */
    const char *font_dir;    /* folder with DejaVuSans.ttf and DejaVuSans-Bold.ttf */
} rn_options;

/* Create the window and renderer and open the fonts.  On failure returns
 * NULL with a sentence in err. */
rn *rn_create(const rn_options *opt, char *err, size_t err_size);
void rn_destroy(rn *r);  /* NULL is a no-op */

void rn_output_size(const rn *r, int *w, int *h);
void rn_set_window_size(rn *r, int w, int h);
/* Kiosk mode off: an ordinary resizable window again. */
void rn_leave_fullscreen(rn *r);
unsigned rn_window_id(const rn *r);

/* A frame: begin clears to bg, present shows it. */
void rn_begin(rn *r, kcolor bg);
void rn_present(rn *r);
/* Save what has been drawn since rn_begin as a BMP (call before rn_present). */
bool rn_screenshot(rn *r, const char *path, char *err, size_t err_size);

/* Everything drawn is clipped to clip (NULL: the whole window). */
void rn_clip(rn *r, const krect *clip);
void rn_fill(rn *r, krect box, kcolor c);
/* A rounded box: fill, and an outline of thickness px in border (0: none). */
void rn_box(rn *r, krect box, int radius, kcolor fill, int thickness, kcolor border);
void rn_circle(rn *r, int cx, int cy, int radius, kcolor c);
void rn_line(rn *r, int x1, int y1, int x2, int y2, int thickness, kcolor c);

/* Text of len bytes of UTF-8 (a whole number of characters), top-left at x, y. */
int rn_text_width(rn *r, rn_style st, int px, const char *s, size_t len);
int rn_line_height(rn *r, rn_style st, int px);
void rn_text(rn *r, rn_style st, int px, kcolor c, int x, int y, const char *s, size_t len);
/* Wrap text to max_w (see textwrap.h); returns the number of lines needed. */
size_t rn_wrap(rn *r, rn_style st, int px, const char *text, int max_w, tw_line *lines,
               size_t max_lines);

/* Pictures (media::image).  data[0, len) is a pack attachment: it must stay
 * in memory, unchanged, while cached (rn_forget_pictures when the pack
 * changes).  Draws it scaled to dst.w x dst.h at dst (clipped like
 * everything else), decoded once per size and kept as a texture in a
 * bounded LRU cache.  Returns false with a sentence in why when it cannot be
 * decoded; that is remembered, so a bad picture is not decoded every frame,
 * and rn_picture_failed answers from it without drawing (layout passes). */
bool rn_picture(rn *r, const void *data, size_t len, const char *name, krect dst, char *why,
                size_t why_size);
bool rn_picture_failed(const rn *r, const void *data, size_t len, char *why, size_t why_size);
void rn_forget_pictures(rn *r);

/* Drop every cached text texture, e.g. when a participant leaves, so nothing
 * they typed stays in memory longer than needed. */
void rn_forget_text(rn *r);
/* A sentence for the admin screen when some script has no font, else NULL. */
const char *rn_font_warning(const rn *r);

#endif
