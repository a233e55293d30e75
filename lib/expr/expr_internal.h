/* expr_internal.h - the compiled form of an expression (internal to lib/expr).
 *
 * The parser builds a tree of nodes stored in one array (children by index),
 * so an sk_expr is a handful of allocations however long the source is.
 */
#ifndef SK_EXPR_INTERNAL_H
#define SK_EXPR_INTERNAL_H

#include <regex.h>
#include <stddef.h>

#include "sk/expr.h"

typedef enum node_kind {
    N_NUMBER,  /* num */
    N_STRING,  /* str */
    N_REF,     /* ${name}: ref = index into refs */
    N_SELF,    /* . */
    N_NEG,     /* unary minus of a[0] */
    N_BINARY,  /* op applied to a[0], a[1] */
    N_CALL,    /* fn applied to args */
    N_COLUMN   /* a bare name in a choice_filter: ref = index into columns */
} node_kind;

typedef enum bin_op {
    OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD
} bin_op;

struct func_def;

typedef struct node {
    node_kind kind;
    bin_op op;
    double num;
    char *str;                /* N_STRING: owned, unquoted */
    size_t ref;               /* N_REF */
    const struct func_def *fn;
    size_t first_arg, n_args; /* N_CALL: indices in expr->args; N_NEG/N_BINARY too */
    regex_t *re;              /* regex() with a literal pattern: compiled once */
    size_t pos;               /* 0-based source offset, for evaluation messages */
    unsigned depth;           /* levels of the subtree rooted here (a leaf is 1) */
} node;

struct sk_expr {
    char *src;
    node *nodes;
    size_t n_nodes, cap_nodes;
    size_t *args;             /* child node indices */
    size_t n_args, cap_args;
    char **refs;
    size_t n_refs, cap_refs;
    char **columns;           /* choice_filter column names */
    size_t n_columns, cap_columns;
    size_t root;
};

/* Function table (eval.c). */
typedef struct func_def {
    const char *name;
    int min_args, max_args;   /* max -1 = any number */
    int id;
} func_def;
/* Repeats: bit i set = argument i of fn must be a ${name} reference, read as
 * every instance of it (count, sum, indexed-repeat ...), not one value. */
unsigned expr_nodeset_args(const func_def *fn);
const func_def *expr_find_function(const char *name, size_t len);
/* "not, selected, ..." for messages. */
const char *expr_function_list(void);

/* Translate the Perl-style classes (\d \w \s and their negations) that form
 * authors write into POSIX bracket expressions, then regcomp (REG_EXTENDED |
 * REG_NOSUB).  Returns 0, or a regcomp error with msg filled. */
int expr_regex_compile(regex_t *re, const char *pattern, char *msg, size_t msg_size);

#endif
