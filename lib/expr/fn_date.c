/* fn_date.c - dates and times, as ODK's JavaRosa treats them.
 *
 * A date ("2024-03-01") is a calendar day; a date-time
 * ("2024-03-01T10:30:00.000+01:00") is an instant, read in the kiosk's
 * time zone when it carries no zone of its own; a number is a count of days
 * since 1970-01-01 (for date-time(): since 1970-01-01T00:00Z, so fractions
 * are times of day in UTC, as JavaRosa's Date(ms)).  Results are written in
 * the kiosk's time zone with its offset, as now() writes them.  A value that
 * is empty or not a date gives "" (NaN for the decimal functions), so a
 * calculation over an unanswered date stays empty instead of stopping the
 * sitting.
 */
#define _DEFAULT_SOURCE /* timegm */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/platform.h"
#include "fn.h"
#include "value_internal.h"

#define DAY_MS 86400000.0

typedef struct when {
    int64_t ms;      /* the instant, Unix ms */
    bool date_only;  /* written as a plain date */
} when;

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* HH:MM[:SS[.fff]][zone] at s; fills seconds of the day, ms, and the zone
 * offset in seconds (has_zone false when none).  Returns the end or NULL. */
static const char *parse_time(const char *s, int *secs, int *ms, bool *has_zone, long *zone)
{
    int hh = digits(s, 2);
    if (hh < 0 || hh > 24 || s[2] != ':')
        return NULL;
    int mm = digits(s + 3, 2);
    if (mm < 0 || mm > 59)
        return NULL;
    int ss = 0, frac = 0;
    const char *p = s + 5;
    if (*p == ':') {
        ss = digits(p + 1, 2);
        if (ss < 0 || ss > 60)
            return NULL;
        p += 3;
        if (*p == '.') {
            p++;
            int scale = 100, nd = 0;
            while (*p >= '0' && *p <= '9') {
                if (nd++ < 3)
                    frac += (*p - '0') * scale, scale /= 10;
                p++;
            }
            if (nd == 0)
                return NULL;
        }
    }
    *secs = hh * 3600 + mm * 60 + ss;
    *ms = frac;
    *has_zone = false;
    *zone = 0;
    if (*p == 'Z') {
        *has_zone = true;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int zh = digits(p + 1, 2), zm = 0;
        if (zh < 0)
            return NULL;
        p += 3;
        if (*p == ':')
            p++;
        if (*p >= '0' && *p <= '9') {
            zm = digits(p, 2);
            if (zm < 0)
                return NULL;
            p += 2;
        }
        *has_zone = true;
        *zone = sign * (zh * 3600L + zm * 60L);
    }
    return p;
}

/* A date or date-time string as an instant. */
static bool parse_when(const char *s, when *w)
{
    while (*s == ' ')
        s++;
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
    const char *p = s + 10;
    int secs = 0, ms = 0;
    bool has_zone = false;
    long zone = 0;
    w->date_only = *p != 'T';
    if (*p == 'T') {
        p = parse_time(p + 1, &secs, &ms, &has_zone, &zone);
        if (!p)
            return false;
    }
    while (*p == ' ')
        p++;
    if (*p)
        return false;
    tm.tm_hour = secs / 3600;
    tm.tm_min = secs / 60 % 60;
    tm.tm_sec = secs % 60;
    time_t t;
    if (has_zone) {
        t = sk_plat_timegm(&tm) - zone;
    } else {
        t = mktime(&tm); /* local wall time */
    }
    w->ms = (int64_t)t * 1000 + ms;
    return true;
}

/* The argument as an instant: a string date/date-time, or a number of days. */
static bool arg_when(evaluator *ev, const node *n, size_t i, when *w)
{
    sk_value v = expr_arg(ev, n, i);
    bool ok = false;
    if (v.type == SK_VAL_NUMBER || v.type == SK_VAL_BOOL) {
        double d = sk_value_number(&v);
        ok = isfinite(d) && fabs(d) < 1e8;
        if (ok) {
            w->ms = (int64_t)llround(d * DAY_MS);
            w->date_only = false;
        }
    } else if (v.str && *v.str) {
        ok = parse_when(v.str, w);
        if (!ok) {
            double d = expr_string_to_number(v.str); /* "19783" */
            ok = isfinite(d) && fabs(d) < 1e8;
            if (ok) {
                w->ms = (int64_t)llround(d * DAY_MS);
                w->date_only = false;
            }
        }
    }
    sk_value_free(&v);
    return ok;
}

static void local_tm(int64_t ms, struct tm *tm)
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    localtime_r(&t, tm);
}

static int ms_part(int64_t ms) { return (int)(((ms % 1000) + 1000) % 1000); }

/* date(x): the day. A number counts days from 1970-01-01. */
sk_value fn_date(evaluator *ev, const node *n)
{
    sk_value v = expr_arg(ev, n, 0);
    char buf[32] = "";
    double d = NAN;
    if (v.type != SK_VAL_STRING)
        d = sk_value_number(&v);
    else if (v.str && *v.str && strchr(v.str, '-') == NULL)
        d = expr_string_to_number(v.str);
    if (!isnan(d)) {
        if (isfinite(d) && fabs(d) < 1e8) {
            time_t t = (time_t)floor(d) * 86400;
            struct tm tm;
            gmtime_r(&t, &tm); /* calendar arithmetic: day n after 1970-01-01 */
            strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
        }
    } else if (v.str && *v.str) {
        when w;
        if (parse_when(v.str, &w)) {
            struct tm tm;
            local_tm(w.ms, &tm);
            strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
        }
    }
    sk_value_free(&v);
    return expr_str(ev, buf);
}

static void format_iso(int64_t ms, char *buf, size_t size)
{
    struct tm tm;
    local_tm(ms, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = sk_plat_gmtoff(&tm);
    char sign = off < 0 ? '-' : '+';
    off = labs(off);
    snprintf(buf, size, "%s.%03d%c%02ld:%02ld", base, ms_part(ms), sign, off / 3600,
             off / 60 % 60);
}

/* date-time(x): the instant, written in the kiosk's time zone. */
sk_value fn_date_time(evaluator *ev, const node *n)
{
    when w;
    char buf[64] = "";
    if (arg_when(ev, n, 0, &w))
        format_iso(w.ms, buf, sizeof buf);
    return expr_str(ev, buf);
}

/* decimal-date-time(x): days since 1970-01-01T00:00Z, with the fraction. */
sk_value fn_decimal_date_time(evaluator *ev, const node *n)
{
    when w;
    if (!arg_when(ev, n, 0, &w))
        return expr_num(NAN);
    return expr_num((double)w.ms / DAY_MS);
}

/* decimal-time(t): the fraction of the day of time t in the kiosk's zone. */
sk_value fn_decimal_time(evaluator *ev, const node *n)
{
    char *s = expr_arg_string(ev, n, 0);
    if (!s)
        return expr_str_own(ev, NULL);
    int secs, ms;
    bool has_zone;
    long zone;
    const char *end = parse_time(s, &secs, &ms, &has_zone, &zone);
    double r = NAN;
    if (end && *end == '\0') {
        double x = secs + ms / 1000.0;
        if (has_zone) {
            struct tm tm;
            local_tm(expr_now_ms(ev), &tm);
            x += (double)(sk_plat_gmtoff(&tm) - zone);
        }
        x = fmod(x, 86400.0);
        if (x < 0)
            x += 86400.0;
        r = x / 86400.0;
    }
    free(s);
    return expr_num(r);
}

/* format-date-time(x, format) and format-date(x, format): the ODK XForms
 * spec's tokens %Y %y %m %n %b %d %e %H %h %M %S %3 %a; any other
 * character is copied. */
sk_value fn_format_date_time(evaluator *ev, const node *n)
{
    when w;
    bool ok = arg_when(ev, n, 0, &w);
    char *fmt = expr_arg_string(ev, n, 1);
    if (!fmt || !ok) {
        free(fmt);
        return fmt ? expr_str(ev, "") : expr_str_own(ev, NULL);
    }
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    struct tm tm;
    local_tm(w.ms, &tm);
    size_t cap = strlen(fmt) * 4 + 16, o = 0;
    char *out = malloc(cap);
    for (const char *p = fmt; out && *p; p++) {
        char part[16];
        part[0] = '\0';
        if (*p != '%' || !p[1]) {
            out[o++] = *p;
            continue;
        }
        switch (*++p) {
        case 'Y': snprintf(part, sizeof part, "%04d", tm.tm_year + 1900); break;
        case 'y': snprintf(part, sizeof part, "%02d", (tm.tm_year + 1900) % 100); break;
        case 'm': snprintf(part, sizeof part, "%02d", tm.tm_mon + 1); break;
        case 'n': snprintf(part, sizeof part, "%d", tm.tm_mon + 1); break;
        case 'b': snprintf(part, sizeof part, "%s", mon[tm.tm_mon]); break;
        case 'd': snprintf(part, sizeof part, "%02d", tm.tm_mday); break;
        case 'e': snprintf(part, sizeof part, "%d", tm.tm_mday); break;
        case 'H': snprintf(part, sizeof part, "%02d", tm.tm_hour); break;
        case 'h': snprintf(part, sizeof part, "%d", tm.tm_hour); break;
        case 'M': snprintf(part, sizeof part, "%02d", tm.tm_min); break;
        case 'S': snprintf(part, sizeof part, "%02d", tm.tm_sec); break;
        case '3': snprintf(part, sizeof part, "%03d", ms_part(w.ms)); break;
        case 'a': snprintf(part, sizeof part, "%s", day[tm.tm_wday]); break;
        default: snprintf(part, sizeof part, "%%%c", *p); break;
        }
        size_t k = strlen(part);
        memcpy(out + o, part, k);
        o += k;
    }
    if (out)
        out[o] = '\0';
    free(fmt);
    return expr_str_own(ev, out);
}
