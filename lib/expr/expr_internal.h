/* expr_internal.h - the compiled form of an expression (internal to lib/expr).
 *
 * The parser builds a tree of nodes stored in one array (children by index),
 * so an sk_expr is a handful of allocations however long the source is.
 */
#ifndef SK_EXPR_INTERNAL_H
#define SK_EXPR_INTERNAL_H

#ifdef _WIN32
#include <tre/regex.h> /* mingw's C library has no POSIX regex: TRE, from Debian's tre */
#else
#include <regex.h>
#endif
#include <stdbool.h>
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
    N_COLUMN,  /* a bare name in a choice_filter: ref = index into columns */
    N_INSTANCE,/* instance(str)/root/item[a[0]]/col: the first matching row's column */
    N_ITEM_COLUMN /* a bare name inside an instance predicate: str = the column */
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
    char *str;                /* N_STRING: owned, unquoted; N_INSTANCE: the instance id */
    char *col;                /* N_INSTANCE: the column read from the matching row (owned) */
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
    char **instances;         /* instance('id') and pulldata('id', ...) ids, distinct */
    size_t n_instances, cap_instances;
    size_t root;
};

/* Function table (eval.c). */
struct evaluator;
typedef struct func_def {
    const char *name;
    int min_args, max_args;   /* max -1 = any number */
    int id;
} func_def;

/* Functions written outside eval.c's switch (fn_*.c, table in fn_table.c):
 * def.id is F_EXT and a func_def pointer with that id points at the def of
 * one of these. */
typedef struct ext_func_def {
    func_def def;
    sk_value (*impl)(struct evaluator *ev, const struct node *n);
    /* Not available on a kiosk: the compile error says this instead. */
    const char *refused;
} ext_func_def;
const func_def *expr_find_ext_function(const char *name, size_t len);
/* The ext_func_def of fn, or NULL when fn is one of eval.c's. */
const ext_func_def *expr_ext(const func_def *fn);
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
/* The cost bound alone (regex_vet.c): copies pattern into out (strlen + 1
 * bytes) without Java's lazy '?' markers; REG_BADPAT with msg filled when
 * the pattern stacks quantifiers, uses back-references, nests too deep or
 * would cost regcomp too much; 0 otherwise. */
int expr_regex_vet(const char *pattern, char *out, char *msg, size_t msg_size);

/* ---- what fn_*.c need from the evaluator (eval.c) ------------------------ */

typedef struct evaluator {
    const sk_expr *e;
    const sk_eval_ctx *ctx;
    sk_error *err;
    sk_status st;
    unsigned depth;  /* eval_node frames in use; the parser bounds the tree's depth */
    /* Inside an instance predicate [...]: the item whose columns bare names read. */
    const char *item_instance;
    size_t item_row;
    bool in_item;
} evaluator;

/* Argument i of call n, evaluated (owned by the caller) or converted. */
sk_value expr_arg(evaluator *ev, const node *n, size_t i);
char *expr_arg_string(evaluator *ev, const node *n, size_t i); /* NULL only on failure */
double expr_arg_number(evaluator *ev, const node *n, size_t i);
bool expr_arg_bool(evaluator *ev, const node *n, size_t i);
/* Result constructors; expr_str_own takes s (NULL = out of memory). */
sk_value expr_num(double d);
sk_value expr_bool(bool b);
sk_value expr_str_own(evaluator *ev, char *s);
sk_value expr_str(evaluator *ev, const char *s);
/* Record the first evaluation error (the message names the call's position). */
sk_value expr_fail(evaluator *ev, const node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t expr_now_ms(const evaluator *ev);
/* The value of '.'. */
const char *expr_self(const evaluator *ev);

#endif
