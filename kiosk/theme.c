/* theme.c - palettes and WCAG 2.1 contrast ratios (see theme.h). */
#include "theme.h"

#include <math.h>
#include <stddef.h>

/* Calm blue on off-white; every pair is checked in tests/test_kiosk_theme.c. */
const ktheme ktheme_default = {
    .name = "default",
    .bg = {0xF6, 0xF7, 0xF9},
    .surface = {0xFF, 0xFF, 0xFF},
    .text = {0x1B, 0x1F, 0x24},
    .muted = {0x4A, 0x52, 0x5C},
    .border = {0x6B, 0x74, 0x80},
    .primary = {0x0B, 0x5C, 0xAD},
    .on_primary = {0xFF, 0xFF, 0xFF},
    .selected = {0xDC, 0xE9, 0xF8},
    .on_selected = {0x0A, 0x2A, 0x4F},
    .focus = {0xB3, 0x40, 0x00},
    .error = {0xA8, 0x14, 0x14},
    .disabled = {0xD5, 0xD9, 0xDE},
    .on_disabled = {0x40, 0x46, 0x4E},
};

/* Yellow and white on black, as many screen readers' high-contrast modes. */
const ktheme ktheme_high_contrast = {
    .name = "high-contrast",
    .bg = {0x00, 0x00, 0x00},
    .surface = {0x12, 0x12, 0x12},
    .text = {0xFF, 0xFF, 0xFF},
    .muted = {0xE0, 0xE0, 0xE0},
    .border = {0xFF, 0xFF, 0xFF},
    .primary = {0xFF, 0xE6, 0x00},
    .on_primary = {0x00, 0x00, 0x00},
    .selected = {0x00, 0x3D, 0x80},
    .on_selected = {0xFF, 0xFF, 0xFF},
    .focus = {0x00, 0xE5, 0xFF},
    .error = {0xFF, 0x8A, 0x80},
    .disabled = {0x33, 0x33, 0x33},
    .on_disabled = {0xCC, 0xCC, 0xCC},
};

#define PAIR(what, fg, bg, need) {what, offsetof(ktheme, fg), offsetof(ktheme, bg), need}
const ktheme_pair ktheme_pairs[] = {
    PAIR("body text on background", text, bg, 4.5),
    PAIR("body text on rows and keys", text, surface, 4.5),
    PAIR("secondary text on background", muted, bg, 4.5),
    PAIR("secondary text on rows", muted, surface, 4.5),
    PAIR("button text on primary button", on_primary, primary, 4.5),
    PAIR("text on a ticked row", on_selected, selected, 4.5),
    PAIR("messages on background", error, bg, 4.5),
    PAIR("messages on rows", error, surface, 4.5),
    PAIR("text on a disabled button", on_disabled, disabled, 4.5),
    PAIR("outlines against rows", border, surface, 3.0),
    PAIR("outlines against background", border, bg, 3.0),
    PAIR("primary button against background", primary, bg, 3.0),
    PAIR("focus ring against background", focus, bg, 3.0),
    PAIR("focus ring against rows", focus, surface, 3.0),
    PAIR("focus ring against a ticked row", focus, selected, 3.0),
};
const size_t ktheme_n_pairs = sizeof ktheme_pairs / sizeof ktheme_pairs[0];

kcolor ktheme_get(const ktheme *t, size_t offset)
{
    return *(const kcolor *)((const char *)t + offset);
}

static double channel(uint8_t v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double kcolor_luminance(kcolor c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double kcolor_contrast(kcolor a, kcolor b)
{
    double la = kcolor_luminance(a), lb = kcolor_luminance(b);
    double hi = la > lb ? la : lb, lo = la > lb ? lb : la;
    return (hi + 0.05) / (lo + 0.05);
}
