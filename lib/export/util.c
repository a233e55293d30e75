/* util.c - small helpers export and report share: times and which
 * questions carry answers. */
#include <string.h>
#include <time.h>

#include "export_internal.h"

void iso_time(char *out, size_t size, int64_t ms)
{
    if (ms <= 0) {
        snprintf(out, size, "%s", "");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool is_answer_question(const sk_question *q)
{
    return q->type != SK_Q_NOTE && q->type != SK_Q_BEGIN_GROUP && q->type != SK_Q_END_GROUP;
}

/* Column names the CSVs use for record metadata. */
static const char *const meta_columns[] = {"record_id", "device_id", "seq",      "kind",
                                           "started",   "finished",  "language", "duration_s",
                                           "time"};

void export_column_name(const char *question, char *out, size_t size)
{
    for (size_t i = 0; i < sizeof meta_columns / sizeof *meta_columns; i++)
        if (strcmp(question, meta_columns[i]) == 0) {
            /* A question called like a metadata column ("started" for the
             * form's start time) keeps its answer beside it, renamed. */
            snprintf(out, size, "%s_answer", question);
            return;
        }
    snprintf(out, size, "%s", question);
}

bool export_has_token(const char *value, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = value; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) == n && n && strncmp(p, name, n) == 0)
            return true;
        p = end;
    }
    return false;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil), so no time zone or libc quirk is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool parse_date(const char *s, int64_t *days)
{
    int y, m, d;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    *days = days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

bool iso_parse_date(const char *s, int64_t *days)
{
    return s && strlen(s) == 10 && parse_date(s, days);
}

bool iso_parse_ms(const char *s, int64_t *ms)
{
    int64_t days;
    int hh, mm, ss = 0, frac = 0;
    if (!s || strlen(s) < 16 || !parse_date(s, &days) || (s[10] != 'T' && s[10] != ' ') ||
        !digits(s + 11, 2, &hh) || s[13] != ':' || !digits(s + 14, 2, &mm) || hh > 23 || mm > 59)
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &ss) || ss > 60)
            return false;
        p += 3;
        if (*p == '.') {
            int scale = 100;
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale;
        }
    }
    int64_t offset_min = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om))
            return false;
        offset_min = (int64_t)(oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p)
        return false;
    *ms = ((days * 86400 + hh * 3600 + mm * 60 + ss) - offset_min * 60) * 1000 + frac;
    return true;
}
