/* eval.c - evaluate a compiled expression against a sitting's answers.
 *
 * Values follow XPath 1.0 (section 3.4): '=' and '!=' compare as booleans when
 * either side is a boolean, else as numbers when either side is a number,
 * else as strings; '<' '<=' '>' '>=' always compare numbers.  An unanswered
 * question is the empty string, so ${age} > 18 is false (NaN) when age is
 * empty and ${q} = '' is true.  'and', 'or' and if() evaluate lazily.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/platform.h"
#include "expr_internal.h"
#include "fn.h"
#include "value_internal.h"

enum {
    F_NOT, F_SELECTED, F_COUNT_SELECTED, F_STRING_LENGTH, F_REGEX, F_IF, F_CONCAT, F_COALESCE,
    F_CONTAINS, F_STARTS_WITH, F_SUBSTR, F_INT, F_NUMBER, F_ROUND, F_TODAY, F_NOW, F_TRUE,
    F_FALSE, F_CHOICE_NAME, F_STRING, F_BOOLEAN, F_FLOOR, F_CEILING,
    F_POSITION, F_COUNT, F_SUM, F_COUNT_NON_EMPTY, F_INDEXED_REPEAT
};

/* name, min, max arguments (-1 = any), id.  Sorted as the documentation lists them. */
static const func_def functions[] = {
    {"not", 1, 1, F_NOT},
    {"selected", 2, 2, F_SELECTED},
    {"count-selected", 1, 1, F_COUNT_SELECTED},
    {"string-length", 0, 1, F_STRING_LENGTH},
    {"regex", 2, 2, F_REGEX},
    {"if", 3, 3, F_IF},
    {"concat", 0, -1, F_CONCAT},
    {"coalesce", 2, 2, F_COALESCE},
    {"contains", 2, 2, F_CONTAINS},
    {"starts-with", 2, 2, F_STARTS_WITH},
    {"substr", 2, 3, F_SUBSTR},
    {"int", 1, 1, F_INT},
    {"number", 1, 1, F_NUMBER},
    {"round", 1, 2, F_ROUND},
    {"today", 0, 0, F_TODAY},
    {"now", 0, 0, F_NOW},
    {"true", 0, 0, F_TRUE},
    {"false", 0, 0, F_FALSE},
    {"jr:choice-name", 2, 2, F_CHOICE_NAME},
    {"string", 1, 1, F_STRING},
    {"boolean", 1, 1, F_BOOLEAN},
    {"floor", 1, 1, F_FLOOR},
    {"ceiling", 1, 1, F_CEILING},
    /* repeats (ODK): the ${} arguments are node-sets, see sk_eval_ctx.count */
    {"position", 0, 1, F_POSITION},
    {"count", 1, 1, F_COUNT},
    {"sum", 1, 1, F_SUM},
    {"count-non-empty", 1, 1, F_COUNT_NON_EMPTY},
    {"indexed-repeat", 3, 3, F_INDEXED_REPEAT},
};

unsigned expr_nodeset_args(const func_def *fn)
{
    switch (fn->id) {
    case F_COUNT:
    case F_SUM:
    case F_COUNT_NON_EMPTY: return 1u;
    case F_INDEXED_REPEAT: return 3u; /* the question and the repeat */
    default: return 0;
    }
}

const func_def *expr_find_function(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++)
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, name, len) == 0)
            return &functions[i];
    return expr_find_ext_function(name, len);
}

const char *expr_function_list(void)
{
    /* The full table is too long for one message; docs/XLSFORM.md lists it. */
    return "listed in docs/XLSFORM.md (\"Expressions and functions\")";
}

/* ---- evaluation ----------------------------------------------------------- */

static sk_value v_num(double d) { return (sk_value){.type = SK_VAL_NUMBER, .num = d}; }
static sk_value v_bool(bool b) { return (sk_value){.type = SK_VAL_BOOL, .b = b}; }

static sk_value v_str_own(evaluator *ev, char *s)
{
    if (!s) {
        if (ev->st == SK_OK)
            ev->st = sk_error_set(ev->err, SK_ERR_NOMEM, "out of memory evaluating an expression");
        s = NULL;
    }
    return (sk_value){.type = SK_VAL_STRING, .str = s};
}

static sk_value v_str(evaluator *ev, const char *s) { return v_str_own(ev, strdup(s ? s : "")); }

static sk_value eval_node(evaluator *ev, size_t idx);

static sk_value arg(evaluator *ev, const node *n, size_t i)
{
    return eval_node(ev, ev->e->args[n->first_arg + i]);
}

/* The argument as an owned string (never NULL unless out of memory). */
static char *arg_string(evaluator *ev, const node *n, size_t i)
{
    sk_value v = arg(ev, n, i);
    char *s = ev->st == SK_OK ? sk_value_string(&v) : NULL;
    sk_value_free(&v);
    if (!s && ev->st == SK_OK)
        ev->st = sk_error_set(ev->err, SK_ERR_NOMEM, "out of memory evaluating an expression");
    return s;
}

static double arg_number(evaluator *ev, const node *n, size_t i)
{
    sk_value v = arg(ev, n, i);
    double d = sk_value_number(&v);
    sk_value_free(&v);
    return d;
}

static bool arg_bool(evaluator *ev, const node *n, size_t i)
{
    sk_value v = arg(ev, n, i);
    bool b = sk_value_bool(&v);
    sk_value_free(&v);
    return b;
}

static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Byte offset of code point i (clamped to the end). */
static size_t utf8_offset(const char *s, size_t i)
{
    size_t b = 0, cp = 0;
    while (s[b] && cp < i) {
        b++;
        while (((unsigned char)s[b] & 0xC0) == 0x80)
            b++;
        cp++;
    }
    return b;
}

/* Walk the space-separated tokens of a select_multiple value. */
static bool next_token(const char **p, const char **start, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (!*s)
        return false;
    *start = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '\n')
        s++;
    *len = (size_t)(s - *start);
    *p = s;
    return true;
}

static char *trim_dup(const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return strndup(s, n);
}

static int64_t eval_now_ms(const evaluator *ev)
{
    if (ev->ctx && ev->ctx->now_ms)
        return ev->ctx->now_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *format_time(int64_t ms, bool with_time)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    char buf[64];
    if (!with_time) {
        strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    } else {
        /* +01:00 as ODK writes it; from the offset, not strftime's %z, which
         * msvcrt writes as the zone's name. */
        long off = labs(sk_plat_gmtoff(&tm));
        char tz[16];
        snprintf(tz, sizeof tz, "%c%02d:%02d", sk_plat_gmtoff(&tm) < 0 ? '-' : '+',
                 (int)(off / 3600 % 24), (int)(off / 60 % 60));
        char base[32];
        strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf, sizeof buf, "%s.%03d%s", base, (int)(ms % 1000), tz);
    }
    return strdup(buf);
}

/* Repeats: the nodes of the ${name} argument i (the parser made sure it is one). */
static const char *arg_ref_name(evaluator *ev, const node *n, size_t i)
{
    return ev->e->refs[ev->e->nodes[ev->e->args[n->first_arg + i]].ref];
}

static size_t nodes_count(evaluator *ev, const char *name)
{
    if (ev->ctx && ev->ctx->count)
        return ev->ctx->count(ev->ctx->user, name);
    return 1;
}

static const char *nodes_nth(evaluator *ev, const char *name, size_t i)
{
    if (ev->ctx && ev->ctx->nth)
        return ev->ctx->nth(ev->ctx->user, name, i);
    if (i == 0 && ev->ctx && ev->ctx->lookup)
        return ev->ctx->lookup(ev->ctx->user, name);
    return NULL;
}

static sk_value repeat_call(evaluator *ev, const node *n)
{
    switch (n->fn->id) {
    case F_POSITION: return v_num(ev->ctx ? (double)ev->ctx->position : 0);
    case F_COUNT: return v_num((double)nodes_count(ev, arg_ref_name(ev, n, 0)));
    case F_SUM:
    case F_COUNT_NON_EMPTY: {
        const char *name = arg_ref_name(ev, n, 0);
        size_t k = nodes_count(ev, name);
        double total = 0;
        for (size_t i = 0; i < k; i++) {
            const char *v = nodes_nth(ev, name, i);
            if (n->fn->id == F_COUNT_NON_EMPTY) {
                total += v && *v;
                continue;
            }
            /* XPath sum(): every node's number(); one empty node makes NaN, as in ODK. */
            sk_value s = {.type = SK_VAL_STRING, .str = (char *)(v ? v : "")};
            total += sk_value_number(&s);
        }
        return v_num(total);
    }
    case F_INDEXED_REPEAT: {
        double at = arg_number(ev, n, 2);
        const char *name = arg_ref_name(ev, n, 0);
        if (!(at >= 1) || at > (double)nodes_count(ev, name))
            return v_str(ev, "");
        return v_str(ev, nodes_nth(ev, name, (size_t)at - 1));
    }
    }
    return v_num(NAN);
}

static sk_value call(evaluator *ev, const node *n)
{
    switch (n->fn->id) {
    case F_POSITION:
    case F_COUNT:
    case F_SUM:
    case F_COUNT_NON_EMPTY:
    case F_INDEXED_REPEAT: return repeat_call(ev, n);
    case F_NOT: return v_bool(!arg_bool(ev, n, 0));
    case F_TRUE: return v_bool(true);
    case F_FALSE: return v_bool(false);
    case F_BOOLEAN: return v_bool(arg_bool(ev, n, 0));
    case F_NUMBER: return v_num(arg_number(ev, n, 0));
    case F_STRING: return v_str_own(ev, arg_string(ev, n, 0));
    case F_INT: return v_num(trunc(arg_number(ev, n, 0)));
    case F_FLOOR: return v_num(floor(arg_number(ev, n, 0)));
    case F_CEILING: return v_num(ceil(arg_number(ev, n, 0)));
    case F_ROUND: {
        double x = arg_number(ev, n, 0);
        double digits = n->n_args > 1 ? arg_number(ev, n, 1) : 0;
        if (isnan(digits))
            return v_num(NAN);
        /* XPath rounds half towards positive infinity. */
        double scale = pow(10, trunc(digits));
        return v_num(floor(x * scale + 0.5) / scale);
    }
    case F_STRING_LENGTH: {
        if (n->n_args == 0)
            return v_num((double)utf8_length(ev->ctx && ev->ctx->self ? ev->ctx->self : ""));
        char *s = arg_string(ev, n, 0);
        double len = s ? (double)utf8_length(s) : 0;
        free(s);
        return v_num(len);
    }
    case F_SELECTED: {
        char *list = arg_string(ev, n, 0), *raw = arg_string(ev, n, 1);
        char *want = raw ? trim_dup(raw) : NULL;
        bool found = false;
        const char *p = list, *t;
        size_t len;
        while (list && want && next_token(&p, &t, &len))
            if (len == strlen(want) && memcmp(t, want, len) == 0)
                found = true;
        free(list);
        free(raw);
        free(want);
        return v_bool(found);
    }
    case F_COUNT_SELECTED: {
        char *list = arg_string(ev, n, 0);
        double count = 0;
        const char *p = list, *t;
        size_t len;
        while (list && next_token(&p, &t, &len))
            count++;
        free(list);
        return v_num(count);
    }
    case F_REGEX: {
        char *s = arg_string(ev, n, 0);
        bool match = false;
        if (s && n->re) {
            match = regexec(n->re, s, 0, NULL, 0) == 0;
        } else if (s) {
            char *pat = arg_string(ev, n, 1);
            regex_t re;
            char msg[200];
            if (pat && expr_regex_compile(&re, pat, msg, sizeof msg) == 0) {
                match = regexec(&re, s, 0, NULL, 0) == 0;
                regfree(&re);
            } else if (pat && ev->st == SK_OK) {
                char quoted[200];
                ev->st = sk_error_set(ev->err, SK_ERR_EXPR,
                                      "the regular expression computed at character %zu ('%s') "
                                      "is invalid: %s",
                                      n->pos + 1, sk_expr_quote(quoted, sizeof quoted, pat, 60),
                                      msg);
            }
            free(pat);
        }
        free(s);
        return v_bool(match);
    }
    case F_IF: return arg_bool(ev, n, 0) ? arg(ev, n, 1) : arg(ev, n, 2);
    case F_COALESCE: {
        sk_value a = arg(ev, n, 0);
        char *s = sk_value_string(&a);
        bool empty = s && s[0] == '\0';
        free(s);
        if (!empty)
            return a;
        sk_value_free(&a);
        return arg(ev, n, 1);
    }
    case F_CONCAT: {
        size_t len = 0, cap = 64;
        char *out = malloc(cap);
        for (size_t i = 0; out && i < n->n_args; i++) {
            char *s = arg_string(ev, n, i);
            size_t sl = s ? strlen(s) : 0;
            if (len + sl + 1 > cap) {
                while (len + sl + 1 > cap)
                    cap *= 2;
                char *grown = realloc(out, cap);
                if (!grown) {
                    free(out);
                    out = NULL;
                }
                else
                    out = grown;
            }
            if (out && s)
                memcpy(out + len, s, sl);
            len += sl;
            free(s);
        }
        if (out)
            out[len] = '\0';
        return v_str_own(ev, out);
    }
    case F_CONTAINS:
    case F_STARTS_WITH: {
        char *a = arg_string(ev, n, 0), *b = arg_string(ev, n, 1);
        bool r = false;
        if (a && b)
            r = n->fn->id == F_CONTAINS ? strstr(a, b) != NULL
                                        : strncmp(a, b, strlen(b)) == 0;
        free(a);
        free(b);
        return v_bool(r);
    }
    case F_SUBSTR: {
        /* ODK's substr(string, start[, end]): 0-based, end exclusive, in characters. */
        char *s = arg_string(ev, n, 0);
        double start = arg_number(ev, n, 1);
        double end = n->n_args > 2 ? arg_number(ev, n, 2) : INFINITY;
        if (!s)
            return v_str(ev, "");
        double len = (double)utf8_length(s);
        if (isnan(start) || isnan(end)) {
            free(s);
            return v_str(ev, "");
        }
        if (start < 0)
            start = 0;
        if (end > len)
            end = len;
        char *out;
        if (end <= start) {
            out = strdup("");
        } else {
            size_t b0 = utf8_offset(s, (size_t)start), b1 = utf8_offset(s, (size_t)end);
            out = strndup(s + b0, b1 - b0);
        }
        free(s);
        return v_str_own(ev, out);
    }
    case F_TODAY: return v_str_own(ev, format_time(eval_now_ms(ev), false));
    case F_NOW: return v_str_own(ev, format_time(eval_now_ms(ev), true));
    case F_CHOICE_NAME: {
        char *value = arg_string(ev, n, 0);
        const node *q = &ev->e->nodes[ev->e->args[n->first_arg + 1]];
        const char *label = NULL;
        if (value && ev->ctx && ev->ctx->choice_label)
            label = ev->ctx->choice_label(ev->ctx->user, ev->e->refs[q->ref], value);
        /* Copy before freeing value: the callback may return value itself
         * (an unknown choice shown as its name), see sk/expr.h. */
        sk_value r = v_str(ev, label ? label : "");
        free(value);
        return r;
    }
    }
    const ext_func_def *x = expr_ext(n->fn);
    if (x && x->impl)
        return x->impl(ev, n);
    return v_str(ev, "");
}

static bool compare(bin_op op, const sk_value *a, const sk_value *b)
{
    if (op == OP_EQ || op == OP_NE) {
        bool eq;
        if (a->type == SK_VAL_BOOL || b->type == SK_VAL_BOOL) {
            eq = sk_value_bool(a) == sk_value_bool(b);
        } else if (a->type == SK_VAL_NUMBER || b->type == SK_VAL_NUMBER) {
            eq = sk_value_number(a) == sk_value_number(b);
        } else {
            eq = strcmp(a->str ? a->str : "", b->str ? b->str : "") == 0;
        }
        return op == OP_EQ ? eq : !eq;
    }
    double x = sk_value_number(a), y = sk_value_number(b);
    switch (op) {
    case OP_LT: return x < y;
    case OP_LE: return x <= y;
    case OP_GT: return x > y;
    case OP_GE: return x >= y;
    default: return false;
    }
}

static sk_value binary(evaluator *ev, const node *n)
{
    if (n->op == OP_AND || n->op == OP_OR) {
        bool l = arg_bool(ev, n, 0);
        if (n->op == OP_AND ? !l : l)
            return v_bool(l);
        return v_bool(arg_bool(ev, n, 1));
    }
    sk_value a = arg(ev, n, 0), b = arg(ev, n, 1);
    sk_value r;
    if (n->op >= OP_EQ && n->op <= OP_GE) {
        r = v_bool(compare(n->op, &a, &b));
    } else {
        double x = sk_value_number(&a), y = sk_value_number(&b);
        switch (n->op) {
        case OP_ADD: r = v_num(x + y); break;
        case OP_SUB: r = v_num(x - y); break;
        case OP_MUL: r = v_num(x * y); break;
        case OP_DIV: r = v_num(x / y); break;  /* IEEE: 1 div 0 = Infinity, as XPath */
        default: r = v_num(fmod(x, y)); break; /* mod truncates, sign of the dividend */
        }
    }
    sk_value_free(&a);
    sk_value_free(&b);
    return r;
}

static sk_value eval_node_at(evaluator *ev, const node *n);

/* One frame per tree level.  The parser refuses trees deeper than
 * SK_EXPR_MAX_DEPTH, so the guard never fires for a compiled expression; it
 * is here so that no future node kind can make evaluation recurse past that
 * bound (a stack overflow would take the whole kiosk down). */
static sk_value eval_node(evaluator *ev, size_t idx)
{
    if (ev->st != SK_OK)
        return v_num(NAN);
    if (ev->depth >= SK_EXPR_MAX_DEPTH) {
        ev->st = sk_error_set(ev->err, SK_ERR_EXPR,
                              "the expression is nested too deeply to evaluate");
        return v_num(NAN);
    }
    ev->depth++;
    sk_value v = eval_node_at(ev, &ev->e->nodes[idx]);
    ev->depth--;
    return v;
}

static sk_value eval_node_at(evaluator *ev, const node *n)
{
    switch (n->kind) {
    case N_NUMBER: return v_num(n->num);
    case N_STRING: return v_str(ev, n->str);
    case N_REF: {
        const char *v = NULL;
        if (ev->ctx && ev->ctx->lookup)
            v = ev->ctx->lookup(ev->ctx->user, ev->e->refs[n->ref]);
        return v_str(ev, v);
    }
    case N_SELF: return v_str(ev, ev->ctx ? ev->ctx->self : NULL);
    case N_COLUMN: {
        const char *v = NULL;
        if (ev->ctx && ev->ctx->column)
            v = ev->ctx->column(ev->ctx->user, ev->e->columns[n->ref]);
        return v_str(ev, v);
    }
    case N_INSTANCE: return expr_instance_path(ev, n);
    case N_ITEM_COLUMN: return expr_item_column(ev, n);
    case N_NEG: return v_num(-arg_number(ev, n, 0));
    case N_BINARY: return binary(ev, n);
    case N_CALL: return call(ev, n);
    }
    return v_num(NAN);
}

sk_status sk_expr_eval(const sk_expr *e, const sk_eval_ctx *ctx, sk_value *out, sk_error *err)
{
    if (!e || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_expr_eval: NULL argument");
    evaluator ev = {.e = e, .ctx = ctx, .err = err, .st = SK_OK};
    sk_value v = eval_node(&ev, e->root);
    if (ev.st != SK_OK) {
        sk_value_free(&v);
        return ev.st;
    }
    *out = v;
    return SK_OK;
}

sk_status sk_expr_eval_bool(const sk_expr *e, const sk_eval_ctx *ctx, bool *out, sk_error *err)
{
    sk_value v;
    sk_status st = sk_expr_eval(e, ctx, &v, err);
    if (st != SK_OK)
        return st;
    if (out)
        *out = sk_value_bool(&v);
    sk_value_free(&v);
    return SK_OK;
}

sk_status sk_expr_eval_string(const sk_expr *e, const sk_eval_ctx *ctx, char **out, sk_error *err)
{
    sk_value v;
    sk_status st = sk_expr_eval(e, ctx, &v, err);
    if (st != SK_OK)
        return st;
    char *s = sk_value_string(&v);
    sk_value_free(&v);
    if (!s)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory evaluating an expression");
    if (out)
        *out = s;
    else
        free(s);
    return SK_OK;
}

sk_status sk_expr_eval_number(const sk_expr *e, const sk_eval_ctx *ctx, double *out, sk_error *err)
{
    sk_value v;
    sk_status st = sk_expr_eval(e, ctx, &v, err);
    if (st != SK_OK)
        return st;
    if (out)
        *out = sk_value_number(&v);
    sk_value_free(&v);
    return SK_OK;
}

/* ---- for fn_*.c (expr_internal.h) ----------------------------------------- */

sk_value expr_arg(evaluator *ev, const node *n, size_t i) { return arg(ev, n, i); }
char *expr_arg_string(evaluator *ev, const node *n, size_t i) { return arg_string(ev, n, i); }
double expr_arg_number(evaluator *ev, const node *n, size_t i) { return arg_number(ev, n, i); }
bool expr_arg_bool(evaluator *ev, const node *n, size_t i) { return arg_bool(ev, n, i); }
sk_value expr_num(double d) { return v_num(d); }
sk_value expr_bool(bool b) { return v_bool(b); }
sk_value expr_str_own(evaluator *ev, char *s) { return v_str_own(ev, s); }
sk_value expr_str(evaluator *ev, const char *s) { return v_str(ev, s); }
int64_t expr_now_ms(const evaluator *ev) { return eval_now_ms(ev); }
const char *expr_self(const evaluator *ev) { return ev->ctx && ev->ctx->self ? ev->ctx->self : ""; }

sk_value expr_fail(evaluator *ev, const node *n, const char *fmt, ...)
{
    if (ev->st == SK_OK) {
        char msg[400];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        ev->st = sk_error_set(ev->err, SK_ERR_EXPR, "%s (at character %zu)", msg, n->pos + 1);
    }
    return v_num(NAN);
}
