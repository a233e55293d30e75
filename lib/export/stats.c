/* stats.c - the numbers a report shows: frequencies as "59% (24/41)",
 * n / mean / SD / median / min / max, and histogram bins. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export_internal.h"

bool dvec_push(dvec *d, double x)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        double *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return false;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = x;
    return true;
}

void dvec_free(dvec *d)
{
    free(d->v);
    memset(d, 0, sizeof *d);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

num_summary stats_summarise(dvec *d)
{
    num_summary s = {0};
    s.n = d->n;
    if (!d->n)
        return s;
    qsort(d->v, d->n, sizeof *d->v, cmp_double);
    s.min = d->v[0];
    s.max = d->v[d->n - 1];
    s.median = d->n % 2 ? d->v[d->n / 2] : (d->v[d->n / 2 - 1] + d->v[d->n / 2]) / 2;
    /* Welford: stable for large n and large values. */
    double mean = 0, m2 = 0;
    for (size_t i = 0; i < d->n; i++) {
        double delta = d->v[i] - mean;
        mean += delta / (double)(i + 1);
        m2 += delta * (d->v[i] - mean);
    }
    s.mean = mean;
    s.sd = d->n > 1 ? sqrt(m2 / (double)(d->n - 1)) : 0;
    return s;
}

unsigned stats_percent(size_t a, size_t b)
{
    if (!b)
        return 0;
    /* Integer arithmetic so that exact halves round up the same everywhere. */
    return (unsigned)((200 * (unsigned long long)a + b) / (2 * (unsigned long long)b));
}

void stats_freq(char *out, size_t size, size_t a, size_t b)
{
    if (!b)
        snprintf(out, size, "n/a (0/0)");
    else
        snprintf(out, size, "%u%% (%zu/%zu)", stats_percent(a, b), a, b);
}

void stats_num(char *out, size_t size, double x)
{
    if (!isfinite(x)) {
        snprintf(out, size, "%s", "n/a");
        return;
    }
    snprintf(out, size, "%.2f", x);
    char *dot = strchr(out, '.');
    if (dot) {
        char *end = out + strlen(out) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, size, "0");
}

bool stats_histogram(const dvec *sorted, bool integers, histogram *out)
{
    memset(out, 0, sizeof *out);
    if (!sorted->n)
        return true;
    double lo = sorted->v[0], hi = sorted->v[sorted->n - 1];
    size_t bins;
    double width;
    if (integers && hi - lo < 20) {
        bins = (size_t)(hi - lo) + 1;
        width = 1;
    } else if (hi == lo) {
        bins = 1;
        width = 1;
    } else {
        /* Sturges' rule, kept between 5 and 20 bars. */
        bins = (size_t)ceil(log2((double)sorted->n)) + 1;
        bins = bins < 5 ? 5 : bins > 20 ? 20 : bins;
        width = (hi - lo) / (double)bins;
        if (integers) {
            width = ceil(width);
            bins = (size_t)floor((hi - lo) / width) + 1;
        }
    }
    out->counts = calloc(bins, sizeof *out->counts);
    if (!out->counts)
        return false;
    out->lo = lo;
    out->width = width;
    out->n_bins = bins;
    for (size_t i = 0; i < sorted->n; i++) {
        size_t k = (size_t)floor((sorted->v[i] - lo) / width);
        out->counts[k >= bins ? bins - 1 : k]++;
    }
    return true;
}

void histogram_free(histogram *h)
{
    free(h->counts);
    memset(h, 0, sizeof *h);
}
