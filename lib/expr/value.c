/* value.c - XPath 1.0 values and their conversions (string(), number(),
 * boolean()), with ODK's rule that an ISO date or date-time converts to a
 * number of days since 1970-01-01. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk/expr.h"
#include "value_internal.h"

void sk_value_free(sk_value *v)
{
    if (!v)
        return;
    free(v->str);
    v->str = NULL;
}

bool sk_value_bool(const sk_value *v)
{
    switch (v->type) {
    case SK_VAL_BOOL: return v->b;
    case SK_VAL_NUMBER: return v->num != 0 && !isnan(v->num);
    case SK_VAL_STRING: return v->str && v->str[0] != '\0';
    }
    return false;
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

bool expr_parse_date(const char *s, double *days)
{
    /* YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and a zone we ignore. */
    if (strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    double v = (double)days_from_civil(y, (unsigned)m, (unsigned)d);
    const char *t = s + 10;
    if (*t == 'T') {
        /* Check each part before looking past it: "2024-03-01T" ends right
         * after the 'T', so t[3] is only read once the hour's digits exist. */
        int hh = digits(t + 1, 2);
        if (hh < 0 || t[3] != ':')
            return false;
        int mm = digits(t + 4, 2);
        if (mm < 0)
            return false;
        double secs = hh * 3600.0 + mm * 60.0;
        if (t[6] == ':') {
            int ss = digits(t + 7, 2);
            if (ss < 0)
                return false;
            secs += ss;
        }
        v += secs / 86400.0;
    } else if (*t != '\0') {
        return false;
    }
    *days = v;
    return true;
}

double expr_string_to_number(const char *s)
{
    /* XPath Number: optional whitespace, optional '-', digits with an optional
     * fraction, optional whitespace; nothing else (no exponent, no '+'). */
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    const char *start = p;
    if (*p == '-')
        p++;
    int nd = 0;
    while (*p >= '0' && *p <= '9')
        p++, nd++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, nd++;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (nd > 0 && *p == '\0')
        return strtod(start, NULL);
    double days;
    if (expr_parse_date(start, &days))
        return days;
    return NAN;
}

double sk_value_number(const sk_value *v)
{
    switch (v->type) {
    case SK_VAL_NUMBER: return v->num;
    case SK_VAL_BOOL: return v->b ? 1 : 0;
    case SK_VAL_STRING: return v->str ? expr_string_to_number(v->str) : NAN;
    }
    return NAN;
}

char *expr_number_to_string(double d)
{
    char buf[400];
    if (isnan(d))
        return strdup("NaN");
    if (isinf(d))
        return strdup(d > 0 ? "Infinity" : "-Infinity");
    if (d == 0)
        return strdup("0"); /* also -0 */
    if (d == trunc(d) && fabs(d) < 1e15) {
        snprintf(buf, sizeof buf, "%.0f", d);
        return strdup(buf);
    }
    /* The shortest %.Ng that reads back exactly, written without an exponent
     * (XPath never uses one). */
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (strchr(buf, 'e')) {
        int exp10 = (int)floor(log10(fabs(d)));
        int decimals = prec - 1 - exp10;
        if (decimals < 0)
            decimals = 0;
        if (decimals > 340)
            decimals = 340;
        snprintf(buf, sizeof buf, "%.*f", decimals, d);
    }
    if (strchr(buf, '.')) {
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    return strdup(buf);
}

char *sk_value_string(const sk_value *v)
{
    switch (v->type) {
    case SK_VAL_STRING: return strdup(v->str ? v->str : "");
    case SK_VAL_BOOL: return strdup(v->b ? "true" : "false");
    case SK_VAL_NUMBER: return expr_number_to_string(v->num);
    }
    return strdup("");
}
