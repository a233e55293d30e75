/* regex_vet.c - the cost bound on regex() patterns, checked before regcomp
 * (see expr_regex_vet in expr_internal.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"

/* glibc's regcomp expands repetition by copying the repeated subtree ('a+'
 * becomes 'aa*', 'a{3}' becomes 'aaa') before it builds its automaton, so the
 * cost of compiling grows with the product of nested repetition counts:
 * 'a' followed by twenty '+' took 7 s and 1.3 GB.  Patterns are therefore
 * vetted before regcomp with the same arithmetic: every atom costs 1, 'x+'
 * costs twice x, 'x{m,n}' costs max(m,n) times x, and the total must stay
 * under REGEX_MAX_COST.  Optional copies ('x{0,n}') also slow regexec down,
 * so the bound is set by both: at 1200 the worst patterns measured
 * ('^(.{0,50}){20}$', '^.{0,1000}$') compile in under 10 ms and match a
 * 3000-character answer in under 0.3 s, while real constraints such as
 * '^[0-9]{10}$' or '^.{0,500}$' stay far below it. */
#define REGEX_MAX_COST 1200.0
#define REGEX_MAX_GROUPS 50   /* regcomp's parser recurses once per group */

typedef struct regex_vet {
    const char *src;   /* the author's pattern */
    const char *p;
    char *out;         /* the pattern with lazy '?' markers removed */
    size_t o;
    int groups;
    char *msg;
    size_t msg_size;
    int bad;
} regex_vet;

static void vet_fail(regex_vet *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vet_fail(regex_vet *v, const char *fmt, ...)
{
    if (v->bad)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->msg, v->msg_size, fmt, ap);
    va_end(ap);
    v->bad = 1;
}

static void vet_copy(regex_vet *v, size_t n)
{
    for (size_t i = 0; i < n && *v->p; i++)
        v->out[v->o++] = *v->p++;
}

static bool vet_is_quantifier(const char *p)
{
    return *p == '*' || *p == '+' || *p == '?' || (*p == '{' && p[1] >= '0' && p[1] <= '9');
}

static double vet_alternation(regex_vet *v);

/* One atom: a group, a bracket expression, an escape or a character. */
static double vet_atom(regex_vet *v)
{
    const char *p = v->p;
    if (*p == '(') {
        if (++v->groups > REGEX_MAX_GROUPS) {
            vet_fail(v, "it nests groups more than %d deep", REGEX_MAX_GROUPS);
            return 0;
        }
        vet_copy(v, 1);
        double c = vet_alternation(v);
        if (*v->p == ')')
            vet_copy(v, 1); /* an unclosed group is left for regcomp to report */
        v->groups--;
        return c;
    }
    if (*p == '[') {
        /* [^]...] [a-z] [[:alpha:]] [.x.] [=e=]; a backslash pair is kept
         * together as the translation to POSIX classes does */
        vet_copy(v, 1);
        if (*v->p == '^')
            vet_copy(v, 1);
        if (*v->p == ']')
            vet_copy(v, 1);
        while (*v->p && *v->p != ']') {
            if (*v->p == '[' && (v->p[1] == ':' || v->p[1] == '.' || v->p[1] == '=')) {
                char kind = v->p[1];
                vet_copy(v, 2);
                while (*v->p && !(*v->p == kind && v->p[1] == ']'))
                    vet_copy(v, 1);
                vet_copy(v, 2);
            } else if (*v->p == '\\' && v->p[1]) {
                vet_copy(v, 2);
            } else {
                vet_copy(v, 1);
            }
        }
        vet_copy(v, 1);
        return 1;
    }
    if (*p == '\\' && p[1]) {
        if (p[1] >= '1' && p[1] <= '9') {
            /* back-references make matching exponential in glibc */
            vet_fail(v, "back-references such as '\\%c' (character %zu) are not supported",
                     p[1], (size_t)(p - v->src) + 1);
            return 0;
        }
        vet_copy(v, 2);
        return 1;
    }
    vet_copy(v, 1); /* a character, '.', an anchor, or a quantifier with nothing before it */
    return 1;
}

/* Reads a quantifier at v->p (vet_is_quantifier is true) and returns the
 * factor it multiplies its operand's cost by. */
static double vet_quantifier(regex_vet *v)
{
    char q = *v->p;
    if (q != '{') {
        vet_copy(v, 1);
        return q == '+' ? 2 : 1;
    }
    const char *p = v->p + 1;
    double m = 0, n = -1;
    while (*p >= '0' && *p <= '9' && m < 1e9)
        m = m * 10 + (*p++ - '0');
    if (*p == ',') {
        p++;
        if (*p >= '0' && *p <= '9') {
            n = 0;
            while (*p >= '0' && *p <= '9' && n < 1e9)
                n = n * 10 + (*p++ - '0');
        } else {
            n = m + 1; /* {m,} is m copies then a star */
        }
    }
    if (*p != '}') {
        vet_copy(v, 1); /* not a bound after all: regcomp reports it */
        return 1;
    }
    vet_copy(v, (size_t)(p + 1 - v->p));
    double f = n > m ? n : m;
    return f < 1 ? 1 : f;
}

static double vet_branch(regex_vet *v)
{
    double cost = 0;
    while (!v->bad && *v->p && *v->p != '|' && !(*v->p == ')' && v->groups > 0)) {
        double c = vet_atom(v);
        if (!v->bad && vet_is_quantifier(v->p)) {
            const char *at = v->p;
            c = c * vet_quantifier(v) + 1;
            /* Java's lazy 'x*?' matches the same strings as 'x*' (we only
             * ask whether there is a match), so the marker is dropped. */
            if (*v->p == '?')
                v->p++;
            if (vet_is_quantifier(v->p))
                vet_fail(v, "it stacks quantifiers ('%.*s' at character %zu); write one "
                            "quantifier, such as 'a+' or 'a{2,5}'",
                         (int)(v->p - at + 1), at, (size_t)(at - v->src) + 1);
        }
        cost += c;
        if (cost > REGEX_MAX_COST * 2)
            cost = REGEX_MAX_COST * 2; /* saturate: only "too big" matters */
    }
    return cost;
}

static double vet_alternation(regex_vet *v)
{
    double cost = vet_branch(v);
    while (!v->bad && *v->p == '|') {
        vet_copy(v, 1);
        cost += vet_branch(v) + 1;
    }
    return cost;
}

int expr_regex_vet(const char *pattern, char *out, char *msg, size_t msg_size)
{
    regex_vet v = {.src = pattern, .p = pattern, .out = out, .msg = msg, .msg_size = msg_size};
    double cost = 0;
    while (!v.bad && *v.p) {
        cost += vet_alternation(&v);
        if (*v.p == ')')
            vet_copy(&v, 1); /* unmatched ')': regcomp decides */
    }
    out[v.o] = '\0';
    if (!v.bad && cost > REGEX_MAX_COST)
        vet_fail(&v, "it is too complex (its repetitions expand to more than %.0f elements); "
                     "use smaller repetition counts",
                 REGEX_MAX_COST);
    return v.bad ? REG_BADPAT : 0;
}
