/* theme.h - the kiosk's two palettes and the WCAG contrast arithmetic.
 *
 * Pure data and maths (no SDL), so the palettes' contrast ratios are checked
 * by a unit test (tests/test_kiosk_theme.c) and quoted in docs/KIOSK.md.
 * Every text colour is at least 4.5:1 against the background it is drawn on
 * (WCAG 2.1 AA for normal text); borders, the focus ring and tick marks are at
 * least 3:1 (AA for user-interface components). */
#ifndef KIOSK_THEME_H
#define KIOSK_THEME_H

#include <stddef.h>
#include <stdint.h>

typedef struct kcolor {
    uint8_t r, g, b;
} kcolor;

typedef struct ktheme {
    const char *name;       /* "default" or "high-contrast" (the UIMAP's "theme") */
    kcolor bg;              /* page background */
    kcolor surface;         /* cards, rows, keys */
    kcolor text;            /* body text on bg and on surface */
    kcolor muted;           /* hints, progress, secondary text on bg */
    kcolor border;          /* outlines of rows, fields and keys */
    kcolor primary;         /* main buttons (Start, Next) */
    kcolor on_primary;      /* text on primary */
    kcolor selected;        /* a ticked row's background */
    kcolor on_selected;     /* text on a ticked row */
    kcolor focus;           /* the keyboard focus ring */
    kcolor error;           /* required / constraint messages on bg */
    kcolor disabled;        /* disabled button background */
    kcolor on_disabled;     /* text on a disabled button */
} ktheme;

extern const ktheme ktheme_default;
extern const ktheme ktheme_high_contrast;

/* WCAG 2.1 relative luminance of an sRGB colour, 0 (black) .. 1 (white). */
double kcolor_luminance(kcolor c);
/* WCAG contrast ratio, 1 .. 21, independent of argument order. */
double kcolor_contrast(kcolor a, kcolor b);

/* The pairs a theme must keep apart, with the ratio each needs: used by the
 * unit test and by docs/KIOSK.md's table. */
typedef struct ktheme_pair {
    const char *what;
    size_t fg, bg;          /* offsetof(ktheme, field) */
    double need;
} ktheme_pair;
extern const ktheme_pair ktheme_pairs[];
extern const size_t ktheme_n_pairs;
kcolor ktheme_get(const ktheme *t, size_t offset);

#endif
