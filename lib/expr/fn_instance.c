/* fn_instance.c - secondary instances: instance('id')/root/item[pred]/col,
 * pulldata() and jr:itext(), read through the context's instance callbacks
 * (the runtime serves the form's choice lists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn.h"

static long rows_of(evaluator *ev, const node *n, const char *id)
{
    long rows = -1;
    if (ev->ctx && ev->ctx->instance_rows)
        rows = ev->ctx->instance_rows(ev->ctx->user, id);
    if (rows < 0) {
        char q[100];
        expr_fail(ev, n, "there is no instance '%s'; name a choice list of the form",
                  sk_expr_quote(q, sizeof q, id, 40));
    }
    return rows;
}

static const char *value_of(evaluator *ev, const char *id, size_t row, const char *col)
{
    const char *v = NULL;
    if (ev->ctx && ev->ctx->instance_value)
        v = ev->ctx->instance_value(ev->ctx->user, id, row, col);
    return v ? v : "";
}

/* Column col of the first row of id whose predicate holds (every row when
 * there is none); "" when no row does, as an empty node-set. */
sk_value expr_instance_path(evaluator *ev, const node *n)
{
    long rows = rows_of(ev, n, n->str);
    const char *save_id = ev->item_instance;
    size_t save_row = ev->item_row;
    bool save_in = ev->in_item;
    sk_value r = expr_str(ev, "");
    for (long i = 0; i < rows && ev->st == SK_OK; i++) {
        bool keep = true;
        if (n->n_args > 0) {
            ev->item_instance = n->str;
            ev->item_row = (size_t)i;
            ev->in_item = true;
            keep = expr_arg_bool(ev, n, 0);
            ev->item_instance = save_id;
            ev->item_row = save_row;
            ev->in_item = save_in;
        }
        if (keep && ev->st == SK_OK) {
            sk_value_free(&r);
            r = expr_str(ev, value_of(ev, n->str, (size_t)i, n->col));
            break;
        }
    }
    return r;
}

sk_value expr_item_column(evaluator *ev, const node *n)
{
    if (!ev->in_item)
        return expr_str(ev, "");
    return expr_str(ev, value_of(ev, ev->item_instance, ev->item_row, n->str));
}

/* pulldata(id, col, key_col, key): column col of the first row of instance
 * id whose key_col equals key; "" when none does. */
sk_value fn_pulldata(evaluator *ev, const node *n)
{
    char *id = expr_arg_string(ev, n, 0), *col = expr_arg_string(ev, n, 1),
         *key_col = expr_arg_string(ev, n, 2), *key = expr_arg_string(ev, n, 3);
    sk_value r = expr_str(ev, "");
    if (id && col && key_col && key) {
        long rows = rows_of(ev, n, id);
        for (long i = 0; i < rows; i++)
            if (strcmp(value_of(ev, id, (size_t)i, key_col), key) == 0) {
                sk_value_free(&r);
                r = expr_str(ev, value_of(ev, id, (size_t)i, col));
                break;
            }
    } else {
        sk_value_free(&r);
        r = expr_str_own(ev, NULL);
    }
    free(id), free(col), free(key_col), free(key);
    return r;
}

/* jr:itext(id): the label, in the current language, of the choice that
 * pyxform names "static_instance-LIST-N" (the itextId column of a choice
 * list's instance); "" for any other id. */
sk_value fn_itext(evaluator *ev, const node *n)
{
    char *id = expr_arg_string(ev, n, 0);
    if (!id)
        return expr_str_own(ev, NULL);
    sk_value r = expr_str(ev, "");
    const char *prefix = "static_instance-";
    char *dash = strrchr(id, '-');
    if (strncmp(id, prefix, strlen(prefix)) == 0 && dash && dash > id + strlen(prefix)) {
        char *end;
        long row = strtol(dash + 1, &end, 10);
        *dash = '\0';
        const char *list = id + strlen(prefix);
        long rows = -1;
        if (*end == '\0' && dash[1] && ev->ctx && ev->ctx->instance_rows)
            rows = ev->ctx->instance_rows(ev->ctx->user, list);
        if (row >= 0 && row < rows) {
            sk_value_free(&r);
            r = expr_str(ev, value_of(ev, list, (size_t)row, "label"));
        }
    }
    free(id);
    return r;
}

/* current() alone: the value of the question being evaluated (as '.'). */
sk_value fn_current(evaluator *ev, const node *n)
{
    (void)n;
    return expr_str(ev, expr_self(ev));
}
