/* expr_vars.h - the answers an expression test evaluates against, written
 * "a=1;b=x;.=self" in a table cell: parse_vars() fills a vars and lookup()
 * answers sk_expr's name callback from it.  Shared by test_expr.c and
 * test_expr_fn.c (static: each test program has its own copy). */
#ifndef SK_TEST_EXPR_VARS_H
#define SK_TEST_EXPR_VARS_H

#include <string.h>

typedef struct vars {
    char names[8][32];
    char values[8][64];
    int n;
    char self[64];
    int has_self;
} vars;

static void parse_vars(const char *spec, vars *v)
{
    memset(v, 0, sizeof *v);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    for (char *item = strtok_r(buf, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(item, '=');
        assert_non_null(eq);
        *eq = '\0';
        if (strcmp(item, ".") == 0) {
            snprintf(v->self, sizeof v->self, "%s", eq + 1);
            v->has_self = 1;
        } else {
            snprintf(v->names[v->n], sizeof v->names[0], "%s", item);
            snprintf(v->values[v->n], sizeof v->values[0], "%s", eq + 1);
            v->n++;
        }
    }
}

static const char *lookup(void *user, const char *name)
{
    vars *v = user;
    for (int i = 0; i < v->n; i++)
        if (strcmp(v->names[i], name) == 0)
            return v->values[i];
    return NULL;
}


#endif
