/* parser.c - compile an XLSForm expression into a tree (see sk/expr.h).
 *
 * Grammar (an XPath 1.0 subset, as XLSForm uses it):
 *
 *   expr     := binary(1)
 *   binary(p):= unary { OP binary(prec(OP) + 1) }     for every OP with prec(OP) >= p
 *   unary    := '-' unary | primary
 *   primary  := NUMBER | STRING | '${' NAME '}' | '.'
 *             | '(' expr ')'
 *             | NAME '(' [ expr { ',' expr } ] ')'     a function call
 *             | NAME                                  choice_filter only: a choices column
 *             | path
 *   path     := ( '.' | '..' | '/' STEP | 'current' '(' ')' ) { '/' STEP }
 *             | 'instance' '(' STRING ')' { '/' NAME [ '[' expr ']' ] }
 *   STEP     := '.' | '..' | NAME
 *
 * Paths (as pyxform writes ${x}, and as authors copy from XForms): without
 * repeats every question name is unique, so a path such as ../x, ./x,
 * /data/group/x or current()/../x denotes the question named by its last
 * step and compiles to ${x}; '.' and current() alone are the current
 * question's value.  An instance path reads a secondary instance (a choice
 * list): instance('l')/root/item[pred]/col is column col of the first item
 * for which pred is true, where bare names inside [...] are that item's
 * columns (name, label, or any extra column of the choices sheet).
 *
 * Binary operators, loosest first, all left-associative (XPath 1.0 section 3.4-3.5):
 *
 *   1  or
 *   2  and
 *   3  =  !=
 *   4  <  <=  >  >=
 *   5  +  -
 *   6  *  div  mod
 *
 * Unary minus binds tighter than every binary operator.  The word operators
 * (or, and, div, mod) are names the lexer returns as TK_NAME; they are
 * operators wherever an operator may stand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "expr_internal.h"
#include "lexer.h"

typedef struct op_info {
    tok_kind tok;
    const char *word; /* for TK_NAME operators */
    bin_op op;
    int prec;
} op_info;

static const op_info binary_ops[] = {
    {TK_NAME, "or", OP_OR, 1},   {TK_NAME, "and", OP_AND, 2}, {TK_EQ, NULL, OP_EQ, 3},
    {TK_NE, NULL, OP_NE, 3},     {TK_LT, NULL, OP_LT, 4},     {TK_LE, NULL, OP_LE, 4},
    {TK_GT, NULL, OP_GT, 4},     {TK_GE, NULL, OP_GE, 4},     {TK_PLUS, NULL, OP_ADD, 5},
    {TK_MINUS, NULL, OP_SUB, 5}, {TK_STAR, NULL, OP_MUL, 6},  {TK_NAME, "div", OP_DIV, 6},
    {TK_NAME, "mod", OP_MOD, 6},
};

/* Deep enough for any real form; stops a hostile "((((((..." from blowing the stack. */
#define MAX_DEPTH 200

typedef struct parser {
    lexer lx;
    token tok;        /* the current, not yet consumed token */
    sk_expr *e;
    sk_error *err;
    sk_status st;     /* first failure; SK_OK while parsing goes well */
    int depth;
    bool columns_ok;  /* compiling a choice_filter: bare names are choice columns */
    int in_predicate; /* inside instance(...)[...]: bare names are the item's columns */
} parser;

static bool failed(const parser *p) { return p->st != SK_OK; }

static void syntax(parser *p, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void syntax(parser *p, size_t pos, const char *fmt, ...)
{
    if (failed(p))
        return;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->st = sk_error_set(p->err, SK_ERR_EXPR, "%s at character %zu", msg, pos + 1);
}

static void nomem(parser *p)
{
    if (!failed(p))
        p->st = sk_error_set(p->err, SK_ERR_NOMEM, "out of memory compiling an expression");
}

static void advance(parser *p)
{
    p->tok = lexer_next(&p->lx);
    if (p->tok.kind == TK_ERROR && !failed(p))
        p->st = sk_error_set(p->err, SK_ERR_EXPR, "%s", p->lx.message);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *n = realloc(*arr, ncap * elem);
    if (!n)
        return false;
    *arr = n;
    *cap = ncap;
    return true;
}

/* Returns the new node's index, or (size_t)-1 on failure. */
static size_t new_node(parser *p, node_kind kind, size_t pos)
{
    sk_expr *e = p->e;
    if (failed(p))
        return (size_t)-1;
    if (!grow((void **)&e->nodes, &e->cap_nodes, e->n_nodes + 1, sizeof(node))) {
        nomem(p);
        return (size_t)-1;
    }
    node *n = &e->nodes[e->n_nodes];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->pos = pos;
    n->depth = 1;
    return e->n_nodes++;
}

/* Children are appended to e->args as a contiguous run per node.  The
 * node's depth is computed here, so every way of nesting (brackets, calls,
 * unary minus, and left-associative chains such as 1+1+...+1, whose tree is
 * as deep as the chain is long) is bounded by one limit that the evaluator's
 * recursion relies on. */
static bool set_children(parser *p, size_t idx, const size_t *kids, size_t n)
{
    sk_expr *e = p->e;
    unsigned depth = 0;
    for (size_t i = 0; i < n; i++)
        if (e->nodes[kids[i]].depth > depth)
            depth = e->nodes[kids[i]].depth;
    if (depth + 1 > SK_EXPR_MAX_DEPTH) {
        syntax(p, e->nodes[idx].pos,
               "the expression is nested too deeply or too long (more than %d levels of "
               "operators, calls and brackets); split it over several calculate rows",
               SK_EXPR_MAX_DEPTH);
        return false;
    }
    e->nodes[idx].depth = depth + 1;
    if (!grow((void **)&e->args, &e->cap_args, e->n_args + n, sizeof(size_t))) {
        nomem(p);
        return false;
    }
    e->nodes[idx].first_arg = e->n_args;
    e->nodes[idx].n_args = n;
    if (n > 0)
        memcpy(e->args + e->n_args, kids, n * sizeof(size_t));
    e->n_args += n;
    return true;
}

/* Index of name in a list of distinct names, appending it when new. */
static size_t intern(parser *p, char ***list, size_t *n, size_t *cap, const char *name, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*list)[i]) == len && memcmp((*list)[i], name, len) == 0)
            return i;
    if (!grow((void **)list, cap, *n + 1, sizeof(char *))) {
        nomem(p);
        return 0;
    }
    char *copy = strndup(name, len);
    if (!copy) {
        nomem(p);
        return 0;
    }
    (*list)[*n] = copy;
    return (*n)++;
}

static size_t add_ref(parser *p, const char *name, size_t len)
{
    return intern(p, &p->e->refs, &p->e->n_refs, &p->e->cap_refs, name, len);
}

static const op_info *binary_op(const token *t)
{
    for (size_t i = 0; i < sizeof binary_ops / sizeof binary_ops[0]; i++) {
        const op_info *o = &binary_ops[i];
        if (o->tok != t->kind)
            continue;
        if (!o->word || (t->len == strlen(o->word) && memcmp(t->text, o->word, t->len) == 0))
            return o;
    }
    return NULL;
}

static size_t parse_binary(parser *p, int min_prec);

static size_t parse_call(parser *p)
{
    token name = p->tok;
    char fname[64];
    snprintf(fname, sizeof fname, "%.*s", (int)(name.len < 60 ? name.len : 60), name.text);
    const func_def *fn = expr_find_function(name.text, name.len);
    if (!fn) {
        if (!failed(p))
            p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                 "unknown function '%s' at character %zu; the functions "
                                 "available are %s",
                                 fname, name.pos + 1, expr_function_list());
        return (size_t)-1;
    }
    const ext_func_def *ext = expr_ext(fn);
    if (ext && ext->refused) {
        if (!failed(p))
            p->st = sk_error_set(p->err, SK_ERR_EXPR, "%s() at character %zu is not supported: %s",
                                 fn->name, name.pos + 1, ext->refused);
        return (size_t)-1;
    }
    advance(p); /* name */
    advance(p); /* ( */
    size_t kids[32];
    size_t n = 0;
    if (strcmp(fn->name, "position") == 0 && p->tok.kind == TK_DOTDOT) {
        /* position(..), as pyxform writes it: '..' is the repeat instance
         * around the expression, which position() reads from its context
         * (any other path ending in '..' names a group and is refused). */
        size_t self = new_node(p, N_SELF, p->tok.pos);
        advance(p);
        if (failed(p))
            return (size_t)-1;
        kids[n++] = self;
    } else if (p->tok.kind != TK_RPAREN) {
        for (;;) {
            size_t a = parse_binary(p, 1);
            if (failed(p))
                return (size_t)-1;
            if (n == sizeof kids / sizeof kids[0]) {
                syntax(p, p->tok.pos, "%s takes too many arguments", fname);
                return (size_t)-1;
            }
            kids[n++] = a;
            if (p->tok.kind != TK_COMMA)
                break;
            advance(p);
        }
    }
    if (p->tok.kind != TK_RPAREN) {
        if (p->tok.kind == TK_END)
            syntax(p, name.pos, "the call of %s( is never closed; add ')'", fname);
        else
            syntax(p, p->tok.pos, "expected ',' or ')' in the call of %s", fname);
        return (size_t)-1;
    }
    advance(p);
    if ((int)n < fn->min_args || (fn->max_args >= 0 && (int)n > fn->max_args)) {
        if (!failed(p)) {
            if (fn->min_args == fn->max_args)
                p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                     "%s() takes %d argument%s, not %zu (at character %zu)",
                                     fn->name, fn->min_args, fn->min_args == 1 ? "" : "s", n,
                                     name.pos + 1);
            else if (fn->max_args < 0)
                p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                     "%s() takes at least %d arguments, not %zu (at character %zu)",
                                     fn->name, fn->min_args, n, name.pos + 1);
            else
                p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                     "%s() takes %d to %d arguments, not %zu (at character %zu)",
                                     fn->name, fn->min_args, fn->max_args, n, name.pos + 1);
        }
        return (size_t)-1;
    }
    unsigned nodesets = expr_nodeset_args(fn);
    for (size_t i = 0; i < n && i < 32; i++)
        if ((nodesets >> i & 1u) && p->e->nodes[kids[i]].kind != N_REF) {
            if (!failed(p))
                p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                     "argument %zu of %s() must be a question written as "
                                     "${name} (at character %zu)",
                                     i + 1, fn->name, name.pos + 1);
            return (size_t)-1;
        }
    size_t idx = new_node(p, N_CALL, name.pos);
    if (failed(p) || !set_children(p, idx, kids, n))
        return (size_t)-1;
    node *nd = &p->e->nodes[idx];
    nd->fn = fn;
    return idx;
}

/* The steps after a path's start ('.', '..', '/', current()); compiles to
 * ${last name}, or to '.' when no name follows. */
static size_t parse_path_steps(parser *p, token start, bool need_step)
{
    token last = {TK_END, 0, 0, NULL};
    bool any_name = false, ends_parent = start.kind == TK_DOTDOT;
    while (!failed(p)) {
        if (need_step) {
            token s = p->tok;
            if (s.kind == TK_NAME) {
                last = s;
                any_name = true;
                ends_parent = false;
            } else if (s.kind == TK_DOT || s.kind == TK_DOTDOT) {
                ends_parent = s.kind == TK_DOTDOT;
                if (any_name && s.kind == TK_DOTDOT)
                    any_name = false; /* x/.. is x's group */
            } else {
                syntax(p, s.pos, "a path step (a name, '.' or '..') must follow '/', not %s",
                       tok_describe(s.kind));
                return (size_t)-1;
            }
            advance(p);
        }
        if (p->tok.kind != TK_SLASH)
            break;
        advance(p);
        need_step = true;
    }
    if (failed(p))
        return (size_t)-1;
    if (any_name) {
        size_t idx = new_node(p, N_REF, start.pos);
        size_t r = add_ref(p, last.text, last.len);
        if (failed(p))
            return (size_t)-1;
        p->e->nodes[idx].ref = r;
        return idx;
    }
    if (ends_parent) {
        syntax(p, start.pos, "%s", "a path that ends in '..' names a group, which has no "
                                   "value; name a question, as in ../age");
        return (size_t)-1;
    }
    return new_node(p, N_SELF, start.pos);
}

/* instance('id') { '/' NAME [ '[' expr ']' ] }: p->tok is the name 'instance'. */
static size_t parse_instance(parser *p)
{
    token start = p->tok;
    advance(p); /* instance */
    advance(p); /* ( */
    token id = p->tok;
    if (id.kind != TK_STRING) {
        syntax(p, id.pos, "%s", "instance() takes the name of a choice list in quotes, as in "
                                "instance('regions')");
        return (size_t)-1;
    }
    advance(p);
    if (p->tok.kind != TK_RPAREN) {
        syntax(p, p->tok.pos, "%s", "instance() takes one name; expected ')'");
        return (size_t)-1;
    }
    advance(p);
    size_t idx = new_node(p, N_INSTANCE, start.pos);
    if (failed(p))
        return (size_t)-1;
    p->e->nodes[idx].str = strndup(id.text + 1, id.len - 2);
    if (!p->e->nodes[idx].str) {
        nomem(p);
        return (size_t)-1;
    }
    (void)intern(p, &p->e->instances, &p->e->n_instances, &p->e->cap_instances, id.text + 1,
                 id.len - 2);
    size_t pred = (size_t)-1;
    token col = {TK_END, 0, 0, NULL};
    int steps = 0;
    while (!failed(p) && p->tok.kind == TK_SLASH) {
        advance(p);
        if (p->tok.kind != TK_NAME) {
            syntax(p, p->tok.pos, "a name must follow '/' in an instance path, not %s",
                   tok_describe(p->tok.kind));
            return (size_t)-1;
        }
        col = p->tok;
        steps++;
        advance(p);
        if (p->tok.kind == TK_LBRACKET) {
            if (pred != (size_t)-1) {
                syntax(p, p->tok.pos, "%s", "an instance path takes one [filter]");
                return (size_t)-1;
            }
            size_t open = p->tok.pos;
            advance(p);
            p->in_predicate++;
            pred = parse_binary(p, 1);
            p->in_predicate--;
            if (failed(p))
                return (size_t)-1;
            if (p->tok.kind != TK_RBRACKET) {
                syntax(p, p->tok.kind == TK_END ? open : p->tok.pos, "%s",
                       "the filter '[' of an instance path is never closed; add ']'");
                return (size_t)-1;
            }
            advance(p);
            col.kind = TK_END; /* the column comes after the filtered step */
        }
    }
    if (failed(p))
        return (size_t)-1;
    if (steps < 3 || col.kind != TK_NAME) {
        syntax(p, start.pos, "%s", "write an instance path as instance('list')/root/item[filter]"
                                   "/column, for example instance('regions')/root/item"
                                   "[name = ${region}]/label");
        return (size_t)-1;
    }
    node *nd = &p->e->nodes[idx];
    nd->col = strndup(col.text, col.len);
    if (!nd->col) {
        nomem(p);
        return (size_t)-1;
    }
    if (pred != (size_t)-1 && !set_children(p, idx, &pred, 1))
        return (size_t)-1;
    return idx;
}

static bool name_is(const token *t, const char *word)
{
    return t->kind == TK_NAME && t->len == strlen(word) && memcmp(t->text, word, t->len) == 0;
}

static size_t parse_primary(parser *p)
{
    token t = p->tok;
    size_t idx;
    switch (t.kind) {
    case TK_NUMBER: {
        idx = new_node(p, N_NUMBER, t.pos);
        if (failed(p))
            return (size_t)-1;
        char buf[64];
        snprintf(buf, sizeof buf, "%.*s", (int)(t.len < 63 ? t.len : 63), t.text);
        p->e->nodes[idx].num = strtod(buf, NULL);
        advance(p);
        return idx;
    }
    case TK_STRING:
        idx = new_node(p, N_STRING, t.pos);
        if (failed(p))
            return (size_t)-1;
        p->e->nodes[idx].str = strndup(t.text + 1, t.len - 2);
        if (!p->e->nodes[idx].str)
            nomem(p);
        advance(p);
        return idx;
    case TK_REF: {
        idx = new_node(p, N_REF, t.pos);
        size_t r = add_ref(p, t.text + 2, t.len - 3);
        if (failed(p))
            return (size_t)-1;
        p->e->nodes[idx].ref = r;
        advance(p);
        return idx;
    }
    case TK_DOT:
    case TK_DOTDOT:
        advance(p);
        return parse_path_steps(p, t, false);
    case TK_SLASH:
        advance(p);
        return parse_path_steps(p, t, true);
    case TK_LPAREN: {
        advance(p);
        size_t inner = parse_binary(p, 1);
        if (failed(p))
            return (size_t)-1;
        if (p->tok.kind != TK_RPAREN) {
            if (p->tok.kind == TK_END)
                syntax(p, t.pos, "%s opened here is never closed; add ')'", "'('");
            else
                syntax(p, p->tok.pos, "expected ')' but found %s", tok_describe(p->tok.kind));
            return (size_t)-1;
        }
        advance(p);
        return inner;
    }
    case TK_NAME: {
        /* Peek: a name is only meaningful as a function call. */
        lexer save = p->lx;
        token next = lexer_next(&p->lx);
        p->lx = save;
        if (next.kind == TK_LPAREN && name_is(&t, "instance"))
            return parse_instance(p);
        if (next.kind == TK_LPAREN && name_is(&t, "current")) {
            advance(p); /* current */
            advance(p); /* ( */
            if (p->tok.kind != TK_RPAREN) {
                syntax(p, p->tok.pos, "%s", "current() takes no arguments");
                return (size_t)-1;
            }
            advance(p);
            return parse_path_steps(p, t, false);
        }
        if (next.kind == TK_LPAREN)
            return parse_call(p);
        if (p->in_predicate && !binary_op(&t)) {
            idx = new_node(p, N_ITEM_COLUMN, t.pos);
            if (failed(p))
                return (size_t)-1;
            p->e->nodes[idx].str = strndup(t.text, t.len);
            if (!p->e->nodes[idx].str)
                nomem(p);
            advance(p);
            return idx;
        }
        if (p->columns_ok && !binary_op(&t)) {
            idx = new_node(p, N_COLUMN, t.pos);
            sk_expr *e = p->e;
            size_t c = intern(p, &e->columns, &e->n_columns, &e->cap_columns, t.text, t.len);
            if (failed(p))
                return (size_t)-1;
            e->nodes[idx].ref = c;
            advance(p);
            return idx;
        }
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)(t.len < 60 ? t.len : 60), t.text);
        if (!failed(p))
            p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                 "unexpected name '%s' at character %zu; write a question as "
                                 "${%s} and a text in quotes as '%s'",
                                 word, t.pos + 1, word, word);
        return (size_t)-1;
    }
    case TK_END:
        syntax(p, t.pos, "%s, where a value was expected; something is missing",
               "the expression ends");
        return (size_t)-1;
    default:
        syntax(p, t.pos, "unexpected %s, where a value was expected", tok_describe(t.kind));
        return (size_t)-1;
    }
}

static size_t parse_unary(parser *p)
{
    if (p->tok.kind == TK_MINUS) {
        size_t pos = p->tok.pos;
        advance(p);
        if (++p->depth > MAX_DEPTH) {
            syntax(p, pos, "%s", "the expression is nested too deeply");
            return (size_t)-1;
        }
        size_t operand = parse_unary(p);
        p->depth--;
        size_t idx = new_node(p, N_NEG, pos);
        if (failed(p) || !set_children(p, idx, &operand, 1))
            return (size_t)-1;
        return idx;
    }
    return parse_primary(p);
}

/* Precedence climbing: parse operands and every operator at least as tight
 * as min_prec; the right operand takes only tighter operators, which makes
 * each level left-associative. */
static size_t parse_binary(parser *p, int min_prec)
{
    if (++p->depth > MAX_DEPTH) {
        syntax(p, p->tok.pos, "%s", "the expression is nested too deeply");
        return (size_t)-1;
    }
    size_t left = parse_unary(p);
    for (;;) {
        if (failed(p))
            break;
        const op_info *o = binary_op(&p->tok);
        if (!o || o->prec < min_prec)
            break;
        size_t pos = p->tok.pos;
        advance(p);
        size_t right = parse_binary(p, o->prec + 1);
        size_t idx = new_node(p, N_BINARY, pos);
        size_t kids[2] = {left, right};
        if (failed(p) || !set_children(p, idx, kids, 2))
            break;
        p->e->nodes[idx].op = o->op;
        left = idx;
    }
    p->depth--;
    return failed(p) ? (size_t)-1 : left;
}

/* Checks that need the whole call: jr:choice-name's question argument and
 * regex patterns known at compile time. */
static void check_calls(parser *p)
{
    sk_expr *e = p->e;
    for (size_t i = 0; i < e->n_nodes && !failed(p); i++) {
        node *n = &e->nodes[i];
        if (n->kind != N_CALL)
            continue;
        if (strcmp(n->fn->name, "jr:choice-name") == 0) {
            node *q = &e->nodes[e->args[n->first_arg + 1]];
            const char *s = q->kind == N_STRING ? q->str : NULL;
            size_t len = s ? strlen(s) : 0;
            if (!s || len < 4 || strncmp(s, "${", 2) != 0 || s[len - 1] != '}') {
                syntax(p, n->pos, "%s", "the second argument of jr:choice-name must name the "
                                        "question in quotes, like '${role}'");
                return;
            }
            q->ref = add_ref(p, s + 2, len - 3);
        } else if (strcmp(n->fn->name, "pulldata") == 0) {
            node *id = &e->nodes[e->args[n->first_arg]];
            if (id->kind == N_STRING)
                (void)intern(p, &e->instances, &e->n_instances, &e->cap_instances, id->str,
                             strlen(id->str));
        } else if (strcmp(n->fn->name, "regex") == 0) {
            node *pat = &e->nodes[e->args[n->first_arg + 1]];
            if (pat->kind != N_STRING)
                continue; /* computed pattern: compiled when evaluated */
            n->re = malloc(sizeof *n->re);
            if (!n->re) {
                nomem(p);
                return;
            }
            char msg[200];
            if (expr_regex_compile(n->re, pat->str, msg, sizeof msg) != 0) {
                free(n->re);
                n->re = NULL;
                char quoted[200];
                if (!failed(p))
                    p->st = sk_error_set(p->err, SK_ERR_EXPR,
                                         "the regular expression at character %zu ('%s') is "
                                         "invalid: %s",
                                         pat->pos + 1, sk_expr_quote(quoted, sizeof quoted,
                                                                     pat->str, 60), msg);
                return;
            }
        }
    }
}

static sk_status compile(const char *src, bool columns_ok, sk_expr **out, sk_error *err)
{
    if (!src || !out)
        return sk_error_set(err, SK_ERR_ARG, "sk_expr_compile: NULL argument");
    sk_expr *e = calloc(1, sizeof *e);
    if (!e || !(e->src = strdup(src))) {
        free(e);
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory compiling an expression");
    }
    parser p = {.e = e, .err = err, .st = SK_OK, .columns_ok = columns_ok};
    lexer_init(&p.lx, e->src);
    advance(&p);
    if (!failed(&p) && p.tok.kind == TK_END)
        syntax(&p, 0, "%s", "the expression is empty");
    size_t root = failed(&p) ? (size_t)-1 : parse_binary(&p, 1);
    if (!failed(&p) && p.tok.kind != TK_END) {
        if (p.tok.kind == TK_RPAREN)
            syntax(&p, p.tok.pos, "%s without a matching '('", "')'");
        else if (p.tok.kind == TK_SLASH)
            syntax(&p, p.tok.pos, "%s", "'/' divides path steps, not numbers; write 'div' to "
                                        "divide");
        else
            syntax(&p, p.tok.pos, "unexpected %s; an operator such as 'and' or '=' may be "
                                  "missing",
                   tok_describe(p.tok.kind));
    }
    if (!failed(&p))
        check_calls(&p);
    if (failed(&p)) {
        sk_expr_free(e);
        return p.st;
    }
    e->root = root;
    *out = e;
    return SK_OK;
}

sk_status sk_expr_compile(const char *src, sk_expr **out, sk_error *err)
{
    return compile(src, false, out, err);
}

sk_status sk_expr_compile_filter(const char *src, sk_expr **out, sk_error *err)
{
    return compile(src, true, out, err);
}

void sk_expr_free(sk_expr *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_nodes; i++) {
        free(e->nodes[i].str);
        free(e->nodes[i].col);
        if (e->nodes[i].re) {
            regfree(e->nodes[i].re);
            free(e->nodes[i].re);
        }
    }
    for (size_t i = 0; i < e->n_refs; i++)
        free(e->refs[i]);
    free(e->refs);
    for (size_t i = 0; i < e->n_columns; i++)
        free(e->columns[i]);
    free(e->columns);
    for (size_t i = 0; i < e->n_instances; i++)
        free(e->instances[i]);
    free(e->instances);
    free(e->nodes);
    free(e->args);
    free(e->src);
    free(e);
}

const char *sk_expr_source(const sk_expr *e) { return e ? e->src : ""; }

size_t sk_expr_ref_count(const sk_expr *e) { return e ? e->n_refs : 0; }

const char *sk_expr_ref(const sk_expr *e, size_t i)
{
    return (e && i < e->n_refs) ? e->refs[i] : NULL;
}

bool sk_expr_ref_bare(const sk_expr *e, size_t i)
{
    if (!e || i >= e->n_refs)
        return false;
    for (size_t k = 0; k < e->n_nodes; k++) {
        const node *n = &e->nodes[k];
        if (n->kind != N_REF || n->ref != i)
            continue;
        /* Is node k an argument that a function reads as a node-set? */
        bool whole = false;
        for (size_t c = 0; c < e->n_nodes && !whole; c++) {
            const node *call = &e->nodes[c];
            unsigned nodesets = call->kind == N_CALL ? expr_nodeset_args(call->fn) : 0;
            for (size_t a = 0; nodesets && a < call->n_args && a < 32; a++)
                if (e->args[call->first_arg + a] == k && (nodesets >> a & 1u))
                    whole = true;
        }
        if (!whole)
            return true;
    }
    return false;
}

size_t sk_expr_column_count(const sk_expr *e) { return e ? e->n_columns : 0; }

const char *sk_expr_column(const sk_expr *e, size_t i)
{
    return (e && i < e->n_columns) ? e->columns[i] : NULL;
}

size_t sk_expr_instance_count(const sk_expr *e) { return e ? e->n_instances : 0; }

const char *sk_expr_instance(const sk_expr *e, size_t i)
{
    return (e && i < e->n_instances) ? e->instances[i] : NULL;
}
