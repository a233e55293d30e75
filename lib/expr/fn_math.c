/* fn_math.c - numeric functions of the ODK XForms spec (see fn.h). */
#include <math.h>
#include <string.h>

#include <sodium.h>

#include "fn.h"

sk_value fn_pow(evaluator *ev, const node *n)
{
    double b = expr_arg_number(ev, n, 0), e = expr_arg_number(ev, n, 1);
    return expr_num(pow(b, e));
}

sk_value fn_abs(evaluator *ev, const node *n) { return expr_num(fabs(expr_arg_number(ev, n, 0))); }

sk_value fn_math1(evaluator *ev, const node *n)
{
    double x = expr_arg_number(ev, n, 0);
    const char *f = n->fn->name;
    /* log is the natural logarithm, as in JavaRosa (Math.log). */
    if (strcmp(f, "log") == 0) return expr_num(log(x));
    if (strcmp(f, "log10") == 0) return expr_num(log10(x));
    if (strcmp(f, "exp") == 0) return expr_num(exp(x));
    if (strcmp(f, "exp10") == 0) return expr_num(pow(10, x));
    if (strcmp(f, "sqrt") == 0) return expr_num(sqrt(x));
    if (strcmp(f, "sin") == 0) return expr_num(sin(x));
    if (strcmp(f, "cos") == 0) return expr_num(cos(x));
    if (strcmp(f, "tan") == 0) return expr_num(tan(x));
    if (strcmp(f, "asin") == 0) return expr_num(asin(x));
    if (strcmp(f, "acos") == 0) return expr_num(acos(x));
    return expr_num(atan(x));
}

sk_value fn_atan2(evaluator *ev, const node *n)
{
    double y = expr_arg_number(ev, n, 0), x = expr_arg_number(ev, n, 1);
    return expr_num(atan2(y, x));
}

sk_value fn_pi(evaluator *ev, const node *n)
{
    (void)ev;
    (void)n;
    return expr_num(M_PI);
}

/* max()/min() of their arguments; NaN when one is not a number (an empty
 * answer included), as JavaRosa. */
static sk_value extreme(evaluator *ev, const node *n, int sign)
{
    double best = NAN;
    for (size_t i = 0; i < n->n_args; i++) {
        double x = expr_arg_number(ev, n, i);
        if (isnan(x))
            return expr_num(NAN);
        if (i == 0 || (sign > 0 ? x > best : x < best))
            best = x;
    }
    return expr_num(best);
}

sk_value fn_max(evaluator *ev, const node *n) { return extreme(ev, n, 1); }
sk_value fn_min(evaluator *ev, const node *n) { return extreme(ev, n, -1); }

sk_value fn_random(evaluator *ev, const node *n)
{
    (void)ev;
    (void)n;
    if (sodium_init() < 0)
        return expr_num(NAN);
    uint64_t r;
    randombytes_buf(&r, sizeof r);
    return expr_num((double)(r >> 11) / 9007199254740992.0); /* [0, 1) from 53 bits */
}

/* checklist(min, max, v...): how many v are true lies in [min, max]; -1 = no bound. */
static bool in_bounds(double count, double lo, double hi)
{
    return (lo < 0 || count >= lo) && (hi < 0 || count <= hi);
}

sk_value fn_checklist(evaluator *ev, const node *n)
{
    double lo = expr_arg_number(ev, n, 0), hi = expr_arg_number(ev, n, 1), count = 0;
    for (size_t i = 2; i < n->n_args; i++)
        count += expr_arg_bool(ev, n, i);
    return expr_bool(in_bounds(count, lo, hi));
}

/* weighted-checklist(min, max, v1, w1, v2, w2, ...): the sum of the weights
 * of the true v lies in [min, max]. */
sk_value fn_weighted_checklist(evaluator *ev, const node *n)
{
    if ((n->n_args - 2) % 2 != 0)
        return expr_fail(ev, n, "weighted-checklist() takes a weight after every value");
    double lo = expr_arg_number(ev, n, 0), hi = expr_arg_number(ev, n, 1), sum = 0;
    for (size_t i = 2; i + 1 < n->n_args; i += 2) {
        bool v = expr_arg_bool(ev, n, i);
        double w = expr_arg_number(ev, n, i + 1);
        if (v)
            sum += w;
    }
    return expr_bool(in_bounds(sum, lo, hi));
}
