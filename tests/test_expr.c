/* test_expr.c - the expression engine, table-driven: each row is a source, the
 * answers it sees, and the XPath string() of the result, or "!fragment" for a
 * compile error, or "?fragment" for an evaluation error.
 * Booleans print as true/false and numbers as XPath writes them, so each row
 * also pins down the type coercion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sk/expr.h"

typedef struct expr_case {
    const char *src;
    const char *vars; /* "name=value;name=value"; ".=value" sets the current value */
    const char *want;
} expr_case;

/* 2024-03-01 10:30:00 UTC (tests run with TZ=UTC). */
#define NOW_MS INT64_C(1709289000000)

static const expr_case cases[] = {
    /* literals */
    {"1", "", "1"},
    {"1.50", "", "1.5"},
    {".5", "", "0.5"},
    {"'text'", "", "text"},
    {"\"double\"", "", "double"},
    {"''", "", ""},
    {"'it''s'", "", "!"},                 /* XPath 1.0 has no escapes */
    {"\"it's\"", "", "it's"},
    {"007", "", "7"},
    {"0.1 + 0.2", "", "0.3"},             /* shortest round-trip form, no exponent */
    {"1 div 3", "", "0.3333333333333333"},
    {"1000000 * 1000000 * 1000000", "", "1000000000000000000"},
    {"0.000001 div 1000", "", "0.000000001"},
    /* arithmetic and precedence */
    {"1 + 2 * 3", "", "7"},
    {"(1 + 2) * 3", "", "9"},
    {"10 - 4 - 3", "", "3"},              /* left-associative */
    {"2 * 3 mod 4", "", "2"},
    {"7 mod 3", "", "1"},
    {"-7 mod 3", "", "-1"},               /* sign of the dividend */
    {"7 mod -3", "", "1"},
    {"7.5 mod 2", "", "1.5"},
    {"7 div 2", "", "3.5"},
    {"1 div 0", "", "Infinity"},
    {"-1 div 0", "", "-Infinity"},
    {"0 div 0", "", "NaN"},
    {"-3", "", "-3"},
    {"--3", "", "3"},
    {"- 2 * 3", "", "-6"},
    {"-2 + 5", "", "3"},
    {"2 - -2", "", "4"},
    {"1 + 2 = 3", "", "true"},
    {"1 < 2 = true()", "", "true"},       /* relational binds tighter than equality */
    {"1 = 1 and 2 = 3", "", "false"},
    {"1 = 1 or 2 = 3 and 0", "", "true"}, /* and binds tighter than or */
    {"(1 = 1 or 2 = 3) and 0", "", "false"},
    {"2 * 3 + 4 * 5", "", "26"},
    {"100 div 10 div 5", "", "2"},
    {"${a} * 2", "a=21", "42"},
    {"${a} + ${b}", "a=1.5;b=2.25", "3.75"},
    {"${a} + 1", "", "NaN"},              /* unanswered is "" which is NaN */
    {"${a} + 1", "a=abc", "NaN"},
    {"${a} + 1", "a= 4 ", "5"},           /* XPath allows surrounding whitespace */
    {"${a} + 1", "a=1e3", "NaN"},         /* ...but no exponent */
    {"${a} + 1", "a=+4", "NaN"},
    {"${a}-1", "a=10", "9"},
    {"${a}mod 3", "a=10", "1"},
    /* comparisons and coercion */
    {"${age} > 18", "age=30", "true"},
    {"${age} > 18", "age=9", "false"},
    {"${age} > 18", "", "false"},
    {"${age} >= 18", "age=18", "true"},
    {"${age} < 18", "", "false"},
    {"${age} <= 18.0", "age=18", "true"},
    {"${a} = 2", "a=2.0", "true"},        /* number comparison */
    {"${a} = '2'", "a=2.0", "false"},     /* string comparison */
    {"${a} = ${b}", "a=2;b=2.0", "false"},
    {"${a} != ''", "a=x", "true"},
    {"${a} != ''", "", "false"},
    {"${a} = ''", "", "true"},
    {"${a} = 'yes'", "a=yes", "true"},
    {"${a} = 'Yes'", "a=yes", "false"},
    {"'10' < '9'", "", "false"},          /* relational always numeric */
    {"'abc' < 'abd'", "", "false"},       /* NaN */
    {"'a' = 'a'", "", "true"},
    {"true() = 'x'", "", "true"},         /* boolean comparison */
    {"false() = ''", "", "true"},
    {"true() = 1", "", "true"},
    {"false() = 0", "", "true"},
    {"0 = ''", "", "false"},              /* "" is NaN */
    {"1 != 2", "", "true"},
    {"${d} < '2024-01-01'", "d=2023-12-31", "true"},
    {"${d} > today()", "d=2024-03-02", "true"},
    {"${d} = today()", "d=2024-03-01", "true"},
    {"${d} + 1", "d=1970-01-02", "2"},    /* dates are days since 1970 */
    {"number('2024-03-01')", "", "19783"},
    {"number('2024-03-01T12:00:00')", "", "19783.5"},
    {"number('2024-13-01')", "", "NaN"},
    {". >= 0 and . <= 120", ".=35", "true"},
    {". >= 0 and . <= 120", ".=150", "false"},
    {". > 0", "", "false"},
    {"string-length(.) > 2", ".=abc", "true"},
    /* boolean conversion */
    {"boolean('')", "", "false"},
    {"boolean('false')", "", "true"},
    {"boolean(0)", "", "false"},
    {"boolean(0 div 0)", "", "false"},
    {"boolean(-1)", "", "true"},
    {"not(${a})", "", "true"},
    {"not(${a})", "a=0", "false"},        /* "0" is a non-empty string */
    {"not(1 = 2)", "", "true"},
    {"${a} and ${b}", "a=x;b=y", "true"},
    {"${a} or ${b}", "", "false"},
    {"${a} or ${b}", "b=1", "true"},
    /* string() of numbers */
    {"string(3)", "", "3"},
    {"string(-0.5)", "", "-0.5"},
    {"string(1 div 0)", "", "Infinity"},
    {"string(true())", "", "true"},
    {"string(0 * -1)", "", "0"},
    {"string(123456789012)", "", "123456789012"},
    {"string(2.50)", "", "2.5"},
    /* selected, count-selected */
    {"selected(${t}, 'mba')", "t=msc mba phd", "true"},
    {"selected(${t}, 'mb')", "t=msc mba phd", "false"},
    {"selected(${t}, ' phd ')", "t=msc mba phd", "true"},
    {"selected(${t}, 'msc')", "t=  msc   mba", "true"},
    {"selected(${t}, 'x')", "", "false"},
    {"selected(${t}, '')", "t=a", "false"},
    {"selected(${r}, 'clinical')", "r=clinical", "true"},
    {"count-selected(${t})", "t=msc mba phd", "3"},
    {"count-selected(${t})", "t=  a  ", "1"},
    {"count-selected(${t})", "", "0"},
    {"count-selected(${t}) > 1 and selected(${t}, 'none')", "t=none a", "true"},
    /* string functions */
    {"string-length('abc')", "", "3"},
    {"string-length('')", "", "0"},
    {"string-length(${n})", "n=Zoë", "3"},            /* characters, not bytes */
    {"string-length(${n})", "n=中文测试", "4"},
    {"string-length()", ".=hello", "5"},
    {"string-length(12.50)", "", "4"},
    {"concat('a', 'b', 'c')", "", "abc"},
    {"concat()", "", ""},
    {"concat(${a}, ' ', ${b})", "a=Ada;b=Lovelace", "Ada Lovelace"},
    {"concat('n=', 1 + 1)", "", "n=2"},
    {"concat('x', true())", "", "xtrue"},
    {"concat(${a})", "", ""},
    {"contains('digital health', 'health')", "", "true"},
    {"contains('digital health', 'Health')", "", "false"},
    {"contains('abc', '')", "", "true"},
    {"contains(${a}, 'x')", "", "false"},
    {"starts-with('nhs-digital', 'nhs')", "", "true"},
    {"starts-with('nhs-digital', 'digital')", "", "false"},
    {"starts-with('', '')", "", "true"},
    {"substr('academy', 0, 4)", "", "acad"},
    {"substr('academy', 4)", "", "emy"},
    {"substr('academy', 2, 2)", "", ""},
    {"substr('academy', -3, 2)", "", "ac"},
    {"substr('academy', 5, 100)", "", "my"},
    {"substr('中文测试', 1, 3)", "", "文测"},
    {"coalesce(${a}, 'fallback')", "", "fallback"},
    {"coalesce(${a}, 'fallback')", "a=given", "given"},
    {"coalesce(${a}, ${b})", "b=second", "second"},
    {"coalesce('', '')", "", ""},
    /* regex */
    {"regex(${e}, '^[^@ ]+@[^@ ]+\\.[a-z]+$')", "e=ann@example.org", "true"},
    {"regex(${e}, '^[^@ ]+@[^@ ]+\\.[a-z]+$')", "e=ann at example", "false"},
    {"regex(${p}, '^\\d{5}$')", "p=12345", "true"},
    {"regex(${p}, '^\\d{5}$')", "p=1234a", "false"},
    {"regex(${p}, '^[\\d ]+$')", "p=12 34", "true"},
    {"regex(${p}, '^\\w+\\s\\w+$')", "p=Ada Lovelace", "true"},
    {"regex(${p}, '\\S')", "p=   ", "false"},
    {"regex(${p}, 'b')", "p=abc", "true"},   /* search, as ODK's find() */
    {"regex(., '^[A-Z]{2}[0-9]{2}')", ".=AB12 3CD", "true"},
    {"regex('x', concat('^', 'x', '$'))", "", "true"},
    {"regex('x', concat('(', 'x'))", "", "?regular expression"},
    {"regex(${a}, '(unclosed')", "", "!regular expression at character 13 ('(unclosed') is invalid"},
    /* numbers */
    {"int(3.7)", "", "3"},
    {"int(-3.7)", "", "-3"},
    {"int('12.9')", "", "12"},
    {"int('x')", "", "NaN"},
    {"number('12.5')", "", "12.5"},
    {"number(' 7 ')", "", "7"},
    {"number('')", "", "NaN"},
    {"number(true())", "", "1"},
    {"number(false())", "", "0"},
    {"round(2.5)", "", "3"},
    {"round(-2.5)", "", "-2"},             /* half towards +infinity */
    {"round(2.4)", "", "2"},
    {"round(3.14159, 2)", "", "3.14"},
    {"round(1234.5, -2)", "", "1200"},
    {"round(${a}, 1)", "a=2.25", "2.3"},
    {"floor(2.7)", "", "2"},
    {"ceiling(2.1)", "", "3"},
    {"floor(-2.5)", "", "-3"},
    /* if */
    {"if(${a} > 5, 'big', 'small')", "a=7", "big"},
    {"if(${a} > 5, 'big', 'small')", "a=3", "small"},
    {"if(${a} > 5, 'big', 'small')", "", "small"},
    {"if(true(), 1, 1 div 0)", "", "1"},
    {"if(selected(${r}, 'other'), ${o}, ${r})", "r=other;o=porter", "porter"},
    {"if(${a} = '', 0, ${a}) + 1", "", "1"},
    {"if(1, if(0, 'a', 'b'), 'c')", "", "b"},
    /* dates and times */
    {"today()", "", "2024-03-01"},
    {"now()", "", "2024-03-01T10:30:00.000+00:00"},
    {"today() - ${d}", "d=2024-02-01", "29"},
    {"int((today() - ${dob}) div 365.25)", "dob=1990-03-02", "33"},
    {"true()", "", "true"},
    {"false()", "", "false"},
    /* a date-time cut short: was a heap over-read (t[3] read before the hour
     * was checked; found by fuzzing, typed by a participant into a text answer) */
    {"number('2024-03-01T')", "", "NaN"},
    {"number('2024-03-01T0')", "", "NaN"},
    {"number('2024-03-01T10')", "", "NaN"},
    {"${d} + 1", "d=2024-03-01T", "NaN"},
    {"number('2024-03-01T10:30') - number('2024-03-01')", "", "0.4375"},
    {"round((number('2024-03-01T10:30:36') - number('2024-03-01T10:30')) * 86400, 3)", "", "36"},
    /* regular expressions: what glibc's regcomp cannot compile quickly is
     * refused before it is called (a++ took 7 s and 1.3 GB; found by fuzzing) */
    {"regex(., '^[0-9]{10}$')", ".=0123456789", "true"},
    {"regex(., '^\\d{3}-\\d{4}$')", ".=555-1234", "true"},
    {"regex(., '^[A-Za-z ]+$')", ".=Ann Lee", "true"},
    {"regex(., '^([A-Za-z]+ ?)+$')", ".=Ann Lee", "true"},  /* nested, but cheap */
    {"regex(., '^.{0,500}$')", ".=short", "true"},
    {"regex(., '^a.*?b$')", ".=axxb", "true"},               /* lazy: same match */
    {"regex(., '^[[:alpha:]]+$')", ".=abc", "true"},
    {"regex(., 'a+++++++++++++++++++++')", "", "!stacks quantifiers ('++' at character 2)"},
    {"regex(., 'a**')", "", "!stacks quantifiers"},
    {"regex(., 'a{2}{3}')", "", "!stacks quantifiers"},
    {"regex(., '^(.{0,100}){20}$')", "", "!too complex"},
    {"regex(., '((((a+)+)+)+){300}')", "", "!too complex"},
    {"regex(., '(a)\\1')", "", "!back-references"},
    {"regex(., ${p})", "p=x++", "?stacks quantifiers"},     /* computed patterns too */
    /* jr:choice-name */
    {"jr:choice-name(${role}, '${role}')", "role=clin", "Label clin"},
    {"jr:choice-name('x', '${role}')", "", "Label x"},
    {"concat('You chose ', jr:choice-name(${role}, '${role}'))", "role=other", "You chose Label other"},
    {"jr:choice-name(${role}, 'role')", "", "!must name the question"},
    {"jr:choice-name(${role}, ${role})", "", "!must name the question"},
    /* whitespace and layout */
    {"  1+2  ", "", "3"},
    {"1\n+\t2", "", "3"},
    {"selected( ${t} , 'a' )", "t=a", "true"},
    {"${a}=${b}", "a=1;b=1", "true"},
    {"${a}!=${b}", "a=1;b=2", "true"},
    {"${a}<=${b}", "a=1;b=2", "true"},
    {"${with_underscore2}", "with_underscore2=v", "v"},
    {"${a.b}", "a.b=dot", "dot"},
    /* syntax errors: what and where */
    {"", "", "!the expression is empty"},
    {"   ", "", "!the expression is empty"},
    {". > (3 +", "", "!the expression ends, where a value was expected; something is missing at character 9"},
    {"(1 + 2", "", "!'(' opened here is never closed; add ')' at character 1"},
    {"1 + 2)", "", "!')' without a matching '(' at character 6"},
    {"1 2", "", "!unexpected a number; an operator such as 'and' or '=' may be missing at character 3"},
    {"${a", "", "!not closed with '}'"},
    {"${}", "", "!a question name must follow"},
    {"$a", "", "!must start a reference like ${name}"},
    {"'open", "", "!the text starting at character 1 is never closed"},
    {"\xe2\x80\x98yes\xe2\x80\x99", "", "!typographic quote at character 1"},
    {"${a} = yes", "", "!unexpected name 'yes' at character 8"},
    {"foo(1)", "", "!unknown function 'foo' at character 1"},
    {"frobnicate(${a})", "", "!unknown function 'frobnicate'"},
    /* Repeat functions without a repeat around them: every question is one
     * node (the runtime's tests cover instances). */
    {"count(${a})", "a=5", "1"},
    {"sum(${a})", "a=5", "5"},
    {"sum(${a})", "", "NaN"},
    {"count-non-empty(${a})", "", "0"},
    {"count-non-empty(${a})", "a=x", "1"},
    {"indexed-repeat(${a}, ${b}, 1)", "a=x", "x"},
    {"indexed-repeat(${a}, ${b}, 2)", "a=x", ""},
    {"position(..)", "", "0"},
    {"position()", "", "0"},
    {"count('a')", "", "!argument 1 of count() must be a question written as ${name}"},
    {"indexed-repeat(${a}, 'r', 1)", "", "!argument 2 of indexed-repeat() must be a question"},
    {"not()", "", "!not() takes 1 argument, not 0"},
    {"if(1, 2)", "", "!if() takes 3 arguments, not 2"},
    {"substr('a')", "", "!substr() takes 2 to 3 arguments, not 1"},
    {"today(1)", "", "!today() takes 0 arguments, not 1"},
    {"concat('a',", "", "!the expression ends"},
    {"concat('a' 'b')", "", "!expected ',' or ')' in the call of concat at character 12"},
    {"selected(${a}, 'x'", "", "!the call of selected( is never closed"},
    {"1 +* 2", "", "!unexpected '*', where a value was expected at character 4"},
    {"= 1", "", "!unexpected '=', where a value was expected at character 1"},
    {"1 ! 2", "", "!'!' at character 3 must be part of '!='"},
    {"../a", "a=5", "5"},                 /* paths: see test_expr_fn.c */
    {"1 # 2", "", "!unexpected character '#' at character 3"},
    {"and", "", "!unexpected name 'and'"},
    {"1 and", "", "!the expression ends"},
    {"()", "", "!unexpected ')', where a value was expected at character 2"},
};

/* ---- the test context ---------------------------------------------------- */

#include "expr_vars.h"

static char label_buf[64];
static const char *choice_label(void *user, const char *q, const char *value)
{
    (void)user;
    if (strcmp(q, "role") != 0)
        return NULL;
    snprintf(label_buf, sizeof label_buf, "Label %s", value);
    return label_buf;
}

static void test_table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const expr_case *c = &cases[i];
        vars v;
        parse_vars(c->vars, &v);
        sk_eval_ctx ctx = {.lookup = lookup, .choice_label = choice_label, .user = &v,
                           .self = v.has_self ? v.self : NULL, .now_ms = NOW_MS};
        sk_error err;
        sk_error_clear(&err);
        sk_expr *e = NULL;
        sk_status st = sk_expr_compile(c->src, &e, &err);
        char got[600];
        if (st != SK_OK) {
            assert_int_equal(st, SK_ERR_EXPR);
            assert_null(e);
            snprintf(got, sizeof got, "!%s", err.message);
        } else {
            char *s = NULL;
            st = sk_expr_eval_string(e, &ctx, &s, &err);
            if (st != SK_OK)
                snprintf(got, sizeof got, "?%s", err.message);
            else
                snprintf(got, sizeof got, "%s", s);
            free(s);
            sk_expr_free(e);
        }
        int ok = (c->want[0] == '!' || c->want[0] == '?')
                     ? got[0] == c->want[0] && strstr(got + 1, c->want + 1) != NULL
                     : strcmp(got, c->want) == 0;
        if (!ok) {
            fprintf(stderr, "case %zu: %s  [%s]\n   want: %s\n    got: %s\n", i, c->src, c->vars,
                    c->want, got);
            failures++;
        }
    }
    fprintf(stderr, "%zu expression cases, %d failed\n", sizeof cases / sizeof cases[0], failures);
    assert_int_equal(failures, 0);
}

/* choice_filter: bare names are the choices sheet's columns of the choice at hand. */
static const char *column(void *user, const char *name)
{
    const char *const *row = user; /* name, region */
    if (strcmp(name, "name") == 0)
        return row[0];
    if (strcmp(name, "region") == 0)
        return row[1];
    return NULL;
}

typedef struct filter_case { const char *src, *name, *region; const char *want; } filter_case;

static const filter_case filter_cases[] = {
    {"region = 'north'", "durham", "north", "true"},
    {"region = 'north'", "exeter", "south", "false"},
    {"starts-with(name, 'd')", "durham", "north", "true"},
    {"name != 'other'", "other", "", "false"},
    {"region = '' or region = 'south'", "x", "", "true"},
    {"nosuch = ''", "x", "y", "true"},           /* unknown columns read as "" */
    {"region = north", "x", "north", "false"},  /* north is a column here, not a text */
    {"name and", "x", "y", "!the expression ends"},
};

static void test_choice_filter(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof filter_cases / sizeof filter_cases[0]; i++) {
        const filter_case *c = &filter_cases[i];
        const char *row[2] = {c->name, c->region};
        sk_eval_ctx ctx = {.column = column, .user = (void *)row};
        sk_expr *e = NULL;
        sk_error err;
        sk_status st = sk_expr_compile_filter(c->src, &e, &err);
        if (c->want[0] == '!') {
            assert_int_equal(st, SK_ERR_EXPR);
            assert_non_null(strstr(err.message, c->want + 1));
            continue;
        }
        assert_int_equal(st, SK_OK);
        char *got = NULL;
        assert_int_equal(sk_expr_eval_string(e, &ctx, &got, NULL), SK_OK);
        if (strcmp(got, c->want) != 0)
            fail_msg("filter case %zu (%s): want %s, got %s", i, c->src, c->want, got);
        free(got);
        sk_expr_free(e);
    }
    /* The columns are listed; in an ordinary expression a bare name is an error. */
    sk_expr *e = NULL;
    assert_int_equal(sk_expr_compile_filter("region = ${r} and name != 'x' and region", &e, NULL),
                     SK_OK);
    assert_int_equal(sk_expr_column_count(e), 2);
    assert_string_equal(sk_expr_column(e, 0), "region");
    assert_string_equal(sk_expr_column(e, 1), "name");
    assert_int_equal(sk_expr_ref_count(e), 1);
    sk_expr_free(e);
    assert_int_equal(sk_expr_compile("region = 'x'", &e, NULL), SK_ERR_EXPR);
}

static void test_refs_in_order(void **state)
{
    (void)state;
    sk_expr *e = NULL;
    assert_int_equal(sk_expr_compile("${b} + ${a} + ${b} + jr:choice-name(${c}, '${d}')", &e, NULL),
                     SK_OK);
    assert_int_equal(sk_expr_ref_count(e), 4);
    assert_string_equal(sk_expr_ref(e, 0), "b");
    assert_string_equal(sk_expr_ref(e, 1), "a");
    assert_string_equal(sk_expr_ref(e, 2), "c");
    assert_string_equal(sk_expr_ref(e, 3), "d");
    assert_null(sk_expr_ref(e, 4));
    assert_string_equal(sk_expr_source(e), "${b} + ${a} + ${b} + jr:choice-name(${c}, '${d}')");
    sk_expr_free(e);
    sk_expr_free(NULL);
}

static void test_typed_results(void **state)
{
    (void)state;
    struct { const char *src; sk_value_type type; } rows[] = {
        {"1 + 1", SK_VAL_NUMBER}, {"'a'", SK_VAL_STRING}, {"1 = 1", SK_VAL_BOOL},
        {"selected('a', 'a')", SK_VAL_BOOL}, {"count-selected('a')", SK_VAL_NUMBER},
        {"concat(1)", SK_VAL_STRING}, {"if(1, 2, 'x')", SK_VAL_NUMBER}, {"${x}", SK_VAL_STRING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sk_expr *e = NULL;
        assert_int_equal(sk_expr_compile(rows[i].src, &e, NULL), SK_OK);
        sk_value v;
        assert_int_equal(sk_expr_eval(e, NULL, &v, NULL), SK_OK);
        assert_int_equal(v.type, rows[i].type);
        sk_value_free(&v);
        sk_expr_free(e);
    }
    /* bool/number helpers */
    sk_expr *e = NULL;
    assert_int_equal(sk_expr_compile("'2.5'", &e, NULL), SK_OK);
    double d = 0;
    bool b = false;
    assert_int_equal(sk_expr_eval_number(e, NULL, &d, NULL), SK_OK);
    assert_true(d == 2.5);
    assert_int_equal(sk_expr_eval_bool(e, NULL, &b, NULL), SK_OK);
    assert_true(b);
    sk_expr_free(e);
}

static void test_deep_nesting_is_refused(void **state)
{
    (void)state;
    char src[4000];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        src[n++] = '(';
    src[n++] = '1';
    for (int i = 0; i < 1000; i++)
        src[n++] = ')';
    src[n] = '\0';
    sk_expr *e = NULL;
    sk_error err;
    assert_int_equal(sk_expr_compile(src, &e, &err), SK_ERR_EXPR);
    assert_non_null(strstr(err.message, "nested too deeply"));
    assert_null(e);
    /* and a reasonable depth is fine */
    assert_int_equal(sk_expr_compile("((((((((((1))))))))))", &e, NULL), SK_OK);
    sk_expr_free(e);
}

/* A left-associative chain nests as deep as it is long: 1+1+...+1 of 25,000
 * terms overflowed the stack in eval (found by fuzzing, in a form that
 * loaded).  The parser bounds the tree's depth, chains included. */
static void test_long_chain_is_refused(void **state)
{
    (void)state;
    size_t terms = SK_EXPR_MAX_DEPTH + 1;
    char *src = malloc(terms * 2 + 1);
    assert_non_null(src);
    for (size_t i = 0; i < terms; i++)
        memcpy(src + 2 * i, "1+", 2);
    src[terms * 2 - 1] = '\0';
    sk_expr *e = NULL;
    sk_error err;
    assert_int_equal(sk_expr_compile(src, &e, &err), SK_ERR_EXPR);
    assert_non_null(strstr(err.message, "nested too deeply or too long"));
    assert_null(e);
    /* just under the bound compiles and evaluates */
    terms = SK_EXPR_MAX_DEPTH / 2;
    for (size_t i = 0; i < terms; i++)
        memcpy(src + 2 * i, "1+", 2);
    src[terms * 2 - 1] = '\0';
    assert_int_equal(sk_expr_compile(src, &e, &err), SK_OK);
    double d = 0;
    assert_int_equal(sk_expr_eval_number(e, NULL, &d, NULL), SK_OK);
    assert_true(d == (double)terms);
    sk_expr_free(e);
    free(src);
    /* 'or' chains count too */
    src = malloc((SK_EXPR_MAX_DEPTH + 1) * 5 + 1);
    assert_non_null(src);
    size_t n = 0;
    for (size_t i = 0; i <= SK_EXPR_MAX_DEPTH; i++)
        n += (size_t)sprintf(src + n, "%s", i ? " or 1" : "1");
    assert_int_equal(sk_expr_compile(src, &e, &err), SK_ERR_EXPR);
    assert_non_null(strstr(err.message, "nested too deeply or too long"));
    free(src);
}

/* The choice_label callback may return its `value` argument itself (an
 * unknown choice shown by its name): the evaluator freed value before copying
 * the label, a use after free (sk/expr.h documents the contract). */
static const char *label_is_value(void *user, const char *q, const char *value)
{
    (void)user;
    (void)q;
    return value;
}

static void test_choice_label_may_return_value(void **state)
{
    (void)state;
    sk_expr *e = NULL;
    assert_int_equal(sk_expr_compile("jr:choice-name(concat('cl', 'in'), '${role}')", &e, NULL),
                     SK_OK);
    sk_eval_ctx ctx = {.choice_label = label_is_value};
    char *s = NULL;
    assert_int_equal(sk_expr_eval_string(e, &ctx, &s, NULL), SK_OK);
    assert_string_equal(s, "clin");
    free(s);
    sk_expr_free(e);
}

static void test_out_param_untouched_on_error(void **state)
{
    (void)state;
    sk_expr *sentinel = (sk_expr *)0x1;
    assert_int_equal(sk_expr_compile("1 +", &sentinel, NULL), SK_ERR_EXPR);
    assert_ptr_equal(sentinel, (sk_expr *)0x1);
    assert_int_equal(sk_expr_compile(NULL, &sentinel, NULL), SK_ERR_ARG);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_refs_in_order),
        cmocka_unit_test(test_choice_filter),
        cmocka_unit_test(test_typed_results),
        cmocka_unit_test(test_deep_nesting_is_refused),
        cmocka_unit_test(test_long_chain_is_refused),
        cmocka_unit_test(test_choice_label_may_return_value),
        cmocka_unit_test(test_out_param_untouched_on_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
