/* lexer.h - tokens of XLSForm expressions (internal to lib/expr).
 *
 * The lexer knows nothing of precedence or functions: it cuts the source into
 * numbers, strings, ${name} references, '.', punctuation, operators and names
 * (function names such as count-selected or jr:choice-name, and the word
 * operators and/or/div/mod, which the parser tells apart by position).
 */
#ifndef SK_EXPR_LEXER_H
#define SK_EXPR_LEXER_H

#include <stddef.h>

typedef enum tok_kind {
    TK_END,
    TK_NUMBER, /* 12, 3.5, .5 */
    TK_STRING, /* 'text' or "text" (no escapes in XPath 1.0) */
    TK_REF,    /* ${name} */
    TK_DOT,    /* . (the current question's value) */
    TK_LPAREN,
    TK_RPAREN,
    TK_COMMA,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
    TK_PLUS, TK_MINUS, TK_STAR,
    TK_NAME,   /* a function name or one of and, or, div, mod */
    TK_DOTDOT, /* .. (a path step: the parent) */
    TK_SLASH,  /* / (between path steps) */
    TK_LBRACKET, TK_RBRACKET, /* [ ] around a predicate in an instance path */
    TK_ERROR   /* lexer error: message in the lexer */
} tok_kind;

typedef struct token {
    tok_kind kind;
    size_t pos;        /* 0-based byte offset of the first character */
    size_t len;        /* bytes of source text */
    const char *text;  /* start in the source */
} token;

typedef struct lexer {
    const char *src;
    size_t pos;
    char message[160]; /* set with TK_ERROR */
} lexer;

void lexer_init(lexer *lx, const char *src);
/* The next token; TK_END at the end, TK_ERROR with lx->message on bad input. */
token lexer_next(lexer *lx);
/* "')'" or "the end" etc., for messages. */
const char *tok_describe(tok_kind k);

#endif
