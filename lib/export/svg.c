/* svg.c - charts as inline SVG: horizontal bars, diverging stacked bars
 * (Likert), histograms.  Every text is escaped; no scripts, no external
 * references, so the report stays one safe self-contained file.  Sizes are in
 * a viewBox so the charts scale with the page. */
#include <math.h>
#include <string.h>

#include "export_internal.h"

#define BAR_H 22
#define LABEL_W 230
#define AREA_W 300
#define CAPTION_W 110

void svg_bars(xbuf *b, const svg_bar *bars, size_t n)
{
    int w = LABEL_W + AREA_W + CAPTION_W, h = (int)n * BAR_H + 4;
    xb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">",
              w, h, w, h);
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * BAR_H + 2;
        double share = bars[i].of ? (double)bars[i].count / (double)bars[i].of : 0;
        char cap[48];
        stats_freq(cap, sizeof cap, bars[i].count, bars[i].of);
        xb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 15);
        xb_html(b, bars[i].label);
        xb_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"track\"/>",
                  LABEL_W, y + 2, AREA_W, BAR_H - 6);
        xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" class=\"bar\"/>", LABEL_W,
                  y + 2, share * AREA_W, BAR_H - 6);
        xb_printf(b, "<text x=\"%d\" y=\"%d\">%s</text>", LABEL_W + AREA_W + 6, y + 15, cap);
    }
    xb_put(b, "</svg>\n");
}

/* A diverging palette: reds for the negative half, grey in the middle,
 * blues for the positive half. */
static void scale_colour(char out[8], size_t i, size_t n)
{
    static const char *const neg[] = {"#b2182b", "#d6604d", "#f4a582", "#fddbc7"};
    static const char *const pos[] = {"#d1e5f0", "#92c5de", "#4393c3", "#2166ac"};
    size_t half = n / 2;
    const char *c = "#cccccc";
    if (i < half) {
        size_t from_edge = i * 4 / (half ? half : 1);
        c = neg[from_edge > 3 ? 3 : from_edge];
    } else if (i >= n - half) {
        size_t from_centre = (i - (n - half)) * 4 / (half ? half : 1);
        c = pos[from_centre > 3 ? 3 : from_centre];
    }
    memcpy(out, c, 8);
}

void svg_diverging(xbuf *b, const svg_drow *rows, size_t n_rows, const char *const *choice_labels,
                   size_t n_choices)
{
    int w = LABEL_W + AREA_W + CAPTION_W;
    int legend_rows = (int)(n_choices + 2) / 3;
    int h = (int)n_rows * BAR_H + 8 + legend_rows * 18 + 6;
    double centre = LABEL_W + AREA_W / 2.0, half_w = AREA_W / 2.0;
    size_t half = n_choices / 2;
    bool middle = n_choices % 2 == 1;
    xb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">",
              w, h, w, h);
    for (size_t r = 0; r < n_rows; r++) {
        int y = (int)r * BAR_H + 2;
        double total = (double)rows[r].total;
        double neg = 0;
        for (size_t c = 0; c < half; c++)
            neg += (double)rows[r].counts[c];
        if (middle)
            neg += (double)rows[r].counts[half] / 2;
        xb_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 15);
        xb_html(b, rows[r].label);
        xb_put(b, "</text>");
        double x = total > 0 ? centre - neg / total * half_w : centre;
        for (size_t c = 0; c < n_choices && total > 0; c++) {
            double seg = (double)rows[r].counts[c] / total * half_w;
            if (seg <= 0)
                continue;
            char col[8];
            scale_colour(col, c, n_choices);
            xb_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
                      x, y + 2, seg, BAR_H - 6, col);
            xb_html(b, choice_labels[c]);
            char cap[48];
            stats_freq(cap, sizeof cap, rows[r].counts[c], rows[r].total);
            xb_printf(b, ": %s</title></rect>", cap);
            x += seg;
        }
        xb_printf(b, "<text x=\"%d\" y=\"%d\">n=%zu</text>", LABEL_W + AREA_W + 6, y + 15,
                  rows[r].total);
    }
    int axis_bottom = (int)n_rows * BAR_H + 2;
    xb_printf(b, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" class=\"axis\"/>", centre, centre,
              axis_bottom);
    for (size_t c = 0; c < n_choices; c++) {
        int lx = 10 + (int)(c % 3) * (w / 3), ly = axis_bottom + 8 + (int)(c / 3) * 18;
        char col[8];
        scale_colour(col, c, n_choices);
        xb_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx, ly, col);
        xb_printf(b, "<text x=\"%d\" y=\"%d\">", lx + 16, ly + 11);
        xb_html(b, choice_labels[c]);
        xb_put(b, "</text>");
    }
    xb_put(b, "</svg>\n");
}

void svg_histogram(xbuf *b, const histogram *h, bool integers)
{
    if (!h->n_bins)
        return;
    const int plot_h = 120, base = plot_h + 6, w = LABEL_W + AREA_W + CAPTION_W;
    size_t top = 1;
    for (size_t i = 0; i < h->n_bins; i++)
        if (h->counts[i] > top)
            top = h->counts[i];
    double bar_w = (double)(w - 20) / (double)h->n_bins;
    xb_printf(b, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">",
              w, base + 22, w, base + 22);
    for (size_t i = 0; i < h->n_bins; i++) {
        double bh = (double)h->counts[i] / (double)top * plot_h;
        double x = 10 + (double)i * bar_w;
        char from[32], to[32];
        stats_num(from, sizeof from, h->lo + (double)i * h->width);
        stats_num(to, sizeof to, h->lo + (double)(i + 1) * h->width);
        xb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"bar\">",
                  x + 1, base - bh, bar_w - 2, bh);
        if (integers && h->width == 1)
            xb_printf(b, "<title>%s: %zu</title></rect>", from, h->counts[i]);
        else
            xb_printf(b, "<title>%s to %s: %zu</title></rect>", from, to, h->counts[i]);
        /* Label every bar when there is room, else about ten of them. */
        size_t every = h->n_bins <= 12 ? 1 : (h->n_bins + 9) / 10;
        if (i % every == 0)
            xb_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>",
                      integers && h->width == 1 ? x + bar_w / 2 : x, base + 16,
                      integers && h->width == 1 ? "middle" : "start", from);
    }
    xb_printf(b, "<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", base, w - 10, base);
    xb_put(b, "</svg>\n");
}
