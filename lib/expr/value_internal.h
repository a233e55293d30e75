/* value_internal.h - conversions shared by the evaluator (internal). */
#ifndef SK_EXPR_VALUE_INTERNAL_H
#define SK_EXPR_VALUE_INTERNAL_H

#include <stdbool.h>

/* XPath number(string), plus ODK dates: "2024-03-01" -> days since 1970-01-01
 * (date-times add the fraction of the day).  NaN when it is neither. */
double expr_string_to_number(const char *s);
/* Parse an ISO date or date-time as days since 1970-01-01. */
bool expr_parse_date(const char *s, double *days);
/* XPath string(number): "3", "2.5", "NaN", "Infinity"; malloc'd, NULL on OOM. */
char *expr_number_to_string(double d);

#endif
