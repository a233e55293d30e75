/* fuzz_expr.c - the expression engine: compile, then evaluate against a small
 * fixed set of answers.
 *
 * Byte 0 picks the mode, the rest is the expression's source:
 *   bit 0     compile as a choice_filter (bare names are choice columns)
 *   bits 1-2  evaluate as a value, string, boolean or number
 *   bits 3-4  the value of '.' (the current answer)
 *   bit 5     jr:choice-name's callback returns its `value` argument itself
 *             (the contract in sk/expr.h allows it), else a static buffer
 *   bits 6-7  the clock for today()/now() (fixed instants; never the real clock)
 * An input without a mode byte is an empty expression. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "sk/expr.h"

static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "role", "t"};
static const char *const values[] = {"3", "2.5", "2024-03-01", "2024-03-01T10:30:00",
                                     "a b c", "", "-7", "text", "clin", "2024-03-01T"};

static const char *lookup(void *user, const char *name)
{
    (void)user;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return values[i];
    return NULL;
}

static const char *column(void *user, const char *name)
{
    (void)user;
    if (strcmp(name, "name") == 0)
        return "durham";
    if (strcmp(name, "region") == 0)
        return "north";
    return NULL;
}

/* Secondary instances for instance()/pulldata()/jr:itext(): two lists. */
static long instance_rows(void *user, const char *id)
{
    (void)user;
    return strcmp(id, "towns") == 0 ? 3 : strcmp(id, "empty") == 0 ? 0 : -1;
}

static const char *instance_value(void *user, const char *id, size_t row, const char *col)
{
    (void)user;
    static const char *const towns[][3] = {
        {"dur", "Durham", "north"}, {"exe", "Exeter", "south"}, {"yor", "York", "north"}};
    if (strcmp(id, "towns") != 0 || row >= 3)
        return NULL;
    if (strcmp(col, "name") == 0)
        return towns[row][0];
    if (strcmp(col, "label") == 0)
        return towns[row][1];
    if (strcmp(col, "region") == 0)
        return towns[row][2];
    return NULL;
}

static const char *property(void *user, const char *name)
{
    (void)user;
    return strcmp(name, "version") == 0 ? "7" : NULL;
}

static char label_buf[128];

static const char *label_copy(void *user, const char *qname, const char *value)
{
    (void)user;
    snprintf(label_buf, sizeof label_buf, "%s: %s", qname, value);
    return label_buf;
}

/* An unknown choice shown as its own name: returns the argument itself. */
static const char *label_same(void *user, const char *qname, const char *value)
{
    (void)user;
    (void)qname;
    return value;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode = size > 0 ? data[0] : 0;
    char *src = fz_cstr(size > 0 ? data + 1 : data, size > 0 ? size - 1 : 0);
    static const char *const selves[] = {NULL, "5", "2024-02-29", "x y"};
    static const int64_t clocks[] = {INT64_C(1709289000000), INT64_C(1), INT64_C(-86400000),
                                     INT64_C(253402300799000)};
    sk_eval_ctx ctx = {.lookup = lookup,
                       .choice_label = (mode & 32) ? label_same : label_copy,
                       .column = column,
                       .instance_rows = instance_rows,
                       .instance_value = instance_value,
                       .property = property,
                       .self = selves[(mode >> 3) & 3],
                       .now_ms = clocks[(mode >> 6) & 3]};
    sk_expr *e = NULL;
    sk_error err;
    sk_status st = (mode & 1) ? sk_expr_compile_filter(src, &e, &err)
                              : sk_expr_compile(src, &e, &err);
    if (st == SK_OK) {
        for (size_t i = 0; i < sk_expr_ref_count(e); i++)
            (void)sk_expr_ref(e, i);
        for (size_t i = 0; i < sk_expr_column_count(e); i++)
            (void)sk_expr_column(e, i);
        for (size_t i = 0; i < sk_expr_instance_count(e); i++)
            (void)sk_expr_instance(e, i);
        switch ((mode >> 1) & 3) {
        case 0: {
            sk_value v;
            if (sk_expr_eval(e, &ctx, &v, &err) == SK_OK) {
                free(sk_value_string(&v));
                (void)sk_value_number(&v);
                (void)sk_value_bool(&v);
                sk_value_free(&v);
            }
            break;
        }
        case 1: {
            char *s = NULL;
            if (sk_expr_eval_string(e, &ctx, &s, &err) == SK_OK)
                free(s);
            break;
        }
        case 2: {
            bool b;
            (void)sk_expr_eval_bool(e, &ctx, &b, &err);
            break;
        }
        default: {
            double d;
            (void)sk_expr_eval_number(e, &ctx, &d, &err);
            break;
        }
        }
        sk_expr_free(e);
    }
    free(src);
    return 0;
}
