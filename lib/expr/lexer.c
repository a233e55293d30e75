/* lexer.c - cut an XLSForm expression into tokens (see lexer.h). */
#include "lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lexer_init(lexer *lx, const char *src)
{
    lx->src = src;
    lx->pos = 0;
    lx->message[0] = '\0';
}

static int is_name_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    /* XML NCName characters plus ':' for prefixed names such as jr:choice-name. */
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static token make(lexer *lx, tok_kind k, size_t start)
{
    token t = {k, start, lx->pos - start, lx->src + start};
    return t;
}

static token fail(lexer *lx, size_t start, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static token fail(lexer *lx, size_t start, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->message, sizeof lx->message, fmt, ap);
    va_end(ap);
    lx->pos = start;
    return make(lx, TK_ERROR, start);
}

token lexer_next(lexer *lx)
{
    const char *s = lx->src;
    while (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\n' || s[lx->pos] == '\r')
        lx->pos++;
    size_t start = lx->pos;
    unsigned char c = (unsigned char)s[lx->pos];
    if (c == '\0')
        return make(lx, TK_END, start);

    if (is_digit(c) || (c == '.' && is_digit((unsigned char)s[lx->pos + 1]))) {
        while (is_digit((unsigned char)s[lx->pos]))
            lx->pos++;
        if (s[lx->pos] == '.') {
            lx->pos++;
            while (is_digit((unsigned char)s[lx->pos]))
                lx->pos++;
        }
        return make(lx, TK_NUMBER, start);
    }
    if (c == '\'' || c == '"' || c == 0xE2) {
        /* Spreadsheets like to turn ' into a typographic quote; say so plainly. */
        if (c == 0xE2 && (unsigned char)s[lx->pos + 1] == 0x80 &&
            ((unsigned char)s[lx->pos + 2] >= 0x98 && (unsigned char)s[lx->pos + 2] <= 0x9D))
            return fail(lx, start,
                        "typographic quote at character %zu; use a plain ' or \" (turn off "
                        "smart quotes)",
                        start + 1);
        if (c == 0xE2)
            goto name;
        const char *end = strchr(s + lx->pos + 1, (char)c);
        if (!end)
            return fail(lx, start, "the text starting at character %zu is never closed; add the "
                                   "closing quote",
                        start + 1);
        lx->pos = (size_t)(end - s) + 1;
        return make(lx, TK_STRING, start);
    }
    if (c == '$') {
        if (s[lx->pos + 1] != '{')
            return fail(lx, start, "'$' at character %zu must start a reference like ${name}",
                        start + 1);
        size_t p = lx->pos + 2;
        if (!is_name_start((unsigned char)s[p]))
            return fail(lx, start, "a question name must follow '${' at character %zu", start + 1);
        while (is_name_char((unsigned char)s[p]))
            p++;
        if (s[p] != '}')
            return fail(lx, start, "the reference at character %zu is not closed with '}'",
                        start + 1);
        lx->pos = p + 1;
        return make(lx, TK_REF, start);
    }
    lx->pos++;
    switch (c) {
    case '.':
        if (s[lx->pos] == '.') {
            /* position(..), as pyxform writes it: '..' is the repeat instance
             * around the expression, which position() reads from its context. */
            size_t q = lx->pos + 1;
            while (s[q] == ' ')
                q++;
            if (s[q] == ')') {
                lx->pos++;
                return make(lx, TK_DOT, start);
            }
            return fail(lx, start, "'..' at character %zu: paths are not supported; use ${name}",
                        start + 1);
        }
        return make(lx, TK_DOT, start);
    case '(': return make(lx, TK_LPAREN, start);
    case ')': return make(lx, TK_RPAREN, start);
    case ',': return make(lx, TK_COMMA, start);
    case '=': return make(lx, TK_EQ, start);
    case '+': return make(lx, TK_PLUS, start);
    case '-': return make(lx, TK_MINUS, start);
    case '*': return make(lx, TK_STAR, start);
    case '!':
        if (s[lx->pos] == '=') {
            lx->pos++;
            return make(lx, TK_NE, start);
        }
        return fail(lx, start, "'!' at character %zu must be part of '!='; for negation use not()",
                    start + 1);
    case '<':
        if (s[lx->pos] == '=') {
            lx->pos++;
            return make(lx, TK_LE, start);
        }
        return make(lx, TK_LT, start);
    case '>':
        if (s[lx->pos] == '=') {
            lx->pos++;
            return make(lx, TK_GE, start);
        }
        return make(lx, TK_GT, start);
    default:
        break;
    }
    lx->pos = start;
name:
    if (is_name_start(c)) {
        while (is_name_char((unsigned char)s[lx->pos]))
            lx->pos++;
        return make(lx, TK_NAME, start);
    }
    snprintf(lx->message, sizeof lx->message, "unexpected character '%c' at character %zu", c,
             start + 1);
    return make(lx, TK_ERROR, start);
}

const char *tok_describe(tok_kind k)
{
    switch (k) {
    case TK_END: return "the end of the expression";
    case TK_NUMBER: return "a number";
    case TK_STRING: return "a text in quotes";
    case TK_REF: return "a ${reference}";
    case TK_DOT: return "'.'";
    case TK_LPAREN: return "'('";
    case TK_RPAREN: return "')'";
    case TK_COMMA: return "','";
    case TK_EQ: return "'='";
    case TK_NE: return "'!='";
    case TK_LT: return "'<'";
    case TK_LE: return "'<='";
    case TK_GT: return "'>'";
    case TK_GE: return "'>='";
    case TK_PLUS: return "'+'";
    case TK_MINUS: return "'-'";
    case TK_STAR: return "'*'";
    case TK_NAME: return "a name";
    case TK_ERROR: return "an error";
    }
    return "?";
}
