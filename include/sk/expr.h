/* sk/expr.h - XLSForm expressions (an XPath 1.0 subset): compile once, evaluate often.
 *
 * Supported: ${name}, '.', paths (../x, ./x, current()/../x, instance('l')/root/
 * item[filter]/col), string and number literals, = != < <= > >=, and or,
 * + - * div mod, unary minus, parentheses, the functions listed in
 * docs/XLSFORM.md ("Expressions and functions"), and for repeats
 * position(..), count(${x}), sum(${x}), count-non-empty(${x}) and
 * indexed-repeat(${x}, ${repeat}, n).  Values follow XPath 1.0 conversion rules: an unanswered
 * question is the empty string; comparisons with a number compare as numbers;
 * ISO dates (YYYY-MM-DD) convert to numbers as days since 1970-01-01, as in ODK.
 *
 * The grammar is written above the parser in lib/expr/.
 */
#ifndef SK_EXPR_H
#define SK_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sk/error.h"

typedef struct sk_expr sk_expr;

typedef enum sk_value_type { SK_VAL_STRING, SK_VAL_NUMBER, SK_VAL_BOOL } sk_value_type;

typedef struct sk_value {
    sk_value_type type;
    double num;      /* SK_VAL_NUMBER */
    bool b;          /* SK_VAL_BOOL */
    char *str;       /* SK_VAL_STRING: owned, never NULL */
} sk_value;

/* What an expression can see while it is evaluated. */
typedef struct sk_eval_ctx {
    /* The current value of ${name} as an XPath string; NULL when unanswered
     * (which evaluates as ""). May be NULL: every reference is then "". */
    const char *(*lookup)(void *user, const char *name);
    /* The label of choice `value` of question `qname` in the current
     * language, for jr:choice-name; NULL when unknown. May be NULL.
     * The returned string is borrowed: it only has to stay valid until the
     * callback returns to the evaluator, which copies it at once (before it
     * releases `value`), so returning `value` itself, a pointer into it, or
     * a buffer the next call overwrites is all safe. */
    const char *(*choice_label)(void *user, const char *qname, const char *value);
    void *user;
    const char *self;   /* the value of '.', NULL = "" */
    int64_t now_ms;     /* the time for now() and today() (Unix ms, local time zone); 0 = the clock */
    /* choice_filter only: the value of a bare name, a column of the choices
     * sheet for the choice being filtered ("name", "label", "region", ...);
     * NULL = "". May be NULL. */
    const char *(*column)(void *user, const char *name);
    /* Secondary instances, for instance('id')/root/item[...]/col, pulldata()
     * and jr:itext(): the choice lists of the form (and, with attachments,
     * CSV files).  instance_rows: the number of rows of instance id, or -1
     * when there is none.  instance_value: column col of row row ("name",
     * "label" in the current language, or another column of the sheet);
     * NULL = "".  Borrowed until the callback is next called.  May be NULL:
     * every instance is then missing. */
    long (*instance_rows)(void *user, const char *id);
    const char *(*instance_value)(void *user, const char *id, size_t row, const char *col);
    /* version() and property(name): "version", "deviceid", ...; NULL = "".
     * May be NULL. */
    const char *(*property)(void *user, const char *name);
    /* Repeats.  count: how many nodes ${name} stands for when a function
     * reads it whole (count, sum, count-non-empty, indexed-repeat): the
     * instances of a repeat, or of a question inside one; 1 for any other
     * question.  nth: the value of node i (0-based) of ${name}, NULL = "".
     * position: the 1-based instance of the repeat the expression is
     * evaluated in, 0 outside repeats.  count/nth may be NULL: every
     * question is then one node, read through lookup. */
    size_t (*count)(void *user, const char *name);
    const char *(*nth)(void *user, const char *name, size_t i);
    size_t position;
} sk_eval_ctx;

/* Compile src.  On a syntax error returns SK_ERR_EXPR and err->message says
 * what and where ("unexpected ')' at character 14"); the caller adds the
 * file, sheet, row and column.  Unknown functions and wrong argument counts
 * are compile errors.  So are expressions whose tree would be deeper than
 * SK_EXPR_MAX_DEPTH (nested parentheses, calls and operands all count, and
 * so does every operator of a chain such as 1+1+...+1, which nests to the
 * left): evaluation recurses once per level, and this bound is what keeps it
 * on the stack.  A regex() with a literal pattern is checked here too:
 * stacked quantifiers ('a++', 'a**') and patterns whose repetitions would
 * expand beyond what the C library's regcomp compiles quickly are refused
 * (a lazy '?' after a quantifier, as in '.*?', is accepted and ignored: the
 * expression only asks whether the pattern matches).  *out is set only on
 * success. */
#define SK_EXPR_MAX_DEPTH 1000
sk_status sk_expr_compile(const char *src, sk_expr **out, sk_error *err);
/* As sk_expr_compile for a choice_filter, where a bare name such as
 * `region` or `name` is the column of that name of the choice being filtered
 * (read through ctx->column), as in XLSForm's `region = ${region}`.
 * The names are listed by sk_expr_column_count/sk_expr_column. */
sk_status sk_expr_compile_filter(const char *src, sk_expr **out, sk_error *err);
size_t sk_expr_column_count(const sk_expr *e);
const char *sk_expr_column(const sk_expr *e, size_t i);

/* The secondary instances the expression reads: the ids of instance('id')
 * and the literal first argument of pulldata(), distinct, in order. */
size_t sk_expr_instance_count(const sk_expr *e);
const char *sk_expr_instance(const sk_expr *e, size_t i);

/* Quote expression text in a message: copies at most max_chars characters
 * of src into out (size bytes, always terminated, never cutting a UTF-8
 * character), writing line breaks, tabs and other control characters as
 * \n \r \t \xHH so a message stays on one line, and ending a cut text with
 * "...".  Returns out. */
char *sk_expr_quote(char *out, size_t size, const char *src, size_t max_chars);

/* NULL is a no-op. */
void sk_expr_free(sk_expr *e);
/* The source text as given to sk_expr_compile. */
const char *sk_expr_source(const sk_expr *e);

/* The distinct question names the expression refers to, in order of first
 * appearance: ${name} and the '${name}' argument of jr:choice-name. */
size_t sk_expr_ref_count(const sk_expr *e);
const char *sk_expr_ref(const sk_expr *e, size_t i);
/* Reference i is used as a single value somewhere (not only as the node-set
 * argument of count(), sum(), count-non-empty() or indexed-repeat()). */
bool sk_expr_ref_bare(const sk_expr *e, size_t i);

/* Evaluate.  On success *out holds the value (release with sk_value_free).
 * Evaluation errors (for example an invalid regular expression) return
 * SK_ERR_EXPR with a message. */
sk_status sk_expr_eval(const sk_expr *e, const sk_eval_ctx *ctx, sk_value *out, sk_error *err);
/* Convenience: evaluate and convert with XPath's boolean()/string()/number(). */
sk_status sk_expr_eval_bool(const sk_expr *e, const sk_eval_ctx *ctx, bool *out, sk_error *err);
sk_status sk_expr_eval_string(const sk_expr *e, const sk_eval_ctx *ctx, char **out, sk_error *err);
sk_status sk_expr_eval_number(const sk_expr *e, const sk_eval_ctx *ctx, double *out, sk_error *err);

void sk_value_free(sk_value *v);
bool sk_value_bool(const sk_value *v);
double sk_value_number(const sk_value *v);          /* NaN when not a number */
/* XPath string(): numbers without trailing zeros ("3", "2.5", "NaN"). malloc'd. */
char *sk_value_string(const sk_value *v);

#endif
