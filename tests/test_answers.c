/* test_answers.c - the answers model and its payload JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/answers.h"
#include "../lib/base/answers_internal.h"

static void test_set_get_replace_remove(void **state)
{
    (void)state;
    sk_answers a;
    sk_answers_init(&a);
    assert_null(sk_answers_get(&a, "role"));
    assert_int_equal(sk_answers_set(&a, "role", "clinical", SK_SECTION_RESPONSE, 1000), SK_OK);
    assert_int_equal(sk_answers_set(&a, "name", "Ada", SK_SECTION_CONSENT, 900), SK_OK);
    assert_string_equal(sk_answers_get(&a, "role"), "clinical");
    assert_int_equal(sk_answers_set(&a, "role", "other", SK_SECTION_RESPONSE, 2000), SK_OK);
    assert_string_equal(sk_answers_get(&a, "role"), "other");
    assert_int_equal(sk_answers_find(&a, "role")->changed_ms, 2000);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.items[0].name, "role"); /* order of first answer is kept */
    sk_answers_add_dwell(&a, "role", 250);
    sk_answers_add_dwell(&a, "role", 250);
    sk_answers_add_dwell(&a, "nothing", 250); /* no entry: nothing happens */
    assert_int_equal(sk_answers_find(&a, "role")->dwell_ms, 500);
    assert_int_equal(sk_answers_set(&a, "role", NULL, SK_SECTION_RESPONSE, 3000), SK_OK);
    assert_null(sk_answers_get(&a, "role"));
    assert_int_equal(a.n, 1);
    assert_int_equal(sk_answers_set(&a, "empty", "", SK_SECTION_RESPONSE, 3000), SK_OK);
    assert_string_equal(sk_answers_get(&a, "empty"), ""); /* asked and left empty != absent */
    sk_answers_free(&a);
    assert_int_equal(a.n, 0);
    sk_answers_free(NULL);
}

static void fill(sk_answers *a)
{
    sk_answers_init(a);
    sk_answers_set_meta(&a->sitting_id, "0123456789abcdef0123456789abcdef");
    sk_answers_set_meta(&a->form_id, "nhsda_alumni");
    sk_answers_set_meta(&a->form_version, "2026112201");
    sk_answers_set_meta(&a->language, "简体中文 (zh)");
    a->started_ms = 1795000000123;
    a->finished_ms = 1795000090456;
    sk_answers_set(a, "consent_1", "yes", SK_SECTION_CONSENT, 1795000001000);
    sk_answers_set(a, "signature", "1,2 3,4;500,600 700,800", SK_SECTION_CONSENT, 1795000002000);
    sk_answers_set(a, "role", "clinical", SK_SECTION_RESPONSE, 1795000003000);
    sk_answers_set(a, "quote", "He said \"ok\"\n\tthen, 100% — ünïcödé 数字领导", SK_SECTION_RESPONSE,
                   1795000004000);
    sk_answers_set(a, "empty", "", SK_SECTION_RESPONSE, 1795000005000);
    sk_answers_add_dwell(a, "role", 4321);
    sk_answers_set(a, "kids", "2", SK_SECTION_RESPONSE, 1795000006000);
    sk_answers_set_at(a, "kids[1]", "kid", "Ann", SK_SECTION_RESPONSE, 1795000007000);
    sk_answers_set_at(a, "kids[2]", "kid", "Ben", SK_SECTION_RESPONSE, 1795000008000);
    sk_answers_add_dwell_at(a, "kids[2]", "kid", 77);
}

static void assert_same(const sk_answers *x, const sk_answers *y, int section)
{
    size_t j = 0;
    for (size_t i = 0; i < x->n; i++) {
        if (section >= 0 && (int)x->items[i].section != section)
            continue;
        assert_true(j < y->n);
        assert_string_equal(x->items[i].name, y->items[j].name);
        assert_true((x->items[i].repeat == NULL) == (y->items[j].repeat == NULL));
        if (x->items[i].repeat)
            assert_string_equal(x->items[i].repeat, y->items[j].repeat);
        assert_string_equal(x->items[i].value, y->items[j].value);
        assert_int_equal(x->items[i].section, y->items[j].section);
        assert_int_equal(x->items[i].changed_ms, y->items[j].changed_ms);
        assert_int_equal(x->items[i].dwell_ms, y->items[j].dwell_ms);
        j++;
    }
    assert_int_equal(j, y->n);
    assert_string_equal(x->sitting_id, y->sitting_id);
    assert_string_equal(x->form_id, y->form_id);
    assert_string_equal(x->form_version, y->form_version);
    assert_string_equal(x->language, y->language);
    assert_int_equal(x->started_ms, y->started_ms);
    assert_int_equal(x->finished_ms, y->finished_ms);
}

static void test_json_round_trip_exact(void **state)
{
    (void)state;
    sk_answers a, b, c;
    fill(&a);
    for (int section = -1; section <= 1; section++) {
        char *json = NULL;
        size_t len = 0;
        sk_error err;
        assert_int_equal(sk_answers_to_json(&a, section, &json, &len, &err), SK_OK);
        assert_int_equal(len, strlen(json));
        sk_answers_init(&b);
        assert_int_equal(sk_answers_from_json(json, len, &b, &err), SK_OK);
        assert_same(&a, &b, section);
        sk_secret_free(json, len);
        sk_answers_free(&b);
    }
    /* copy is deep and equal */
    sk_answers_init(&c);
    assert_int_equal(sk_answers_copy(&c, &a), SK_OK);
    assert_same(&a, &c, -1);
    sk_answers_free(&a);
    assert_string_equal(sk_answers_get(&c, "role"), "clinical");
    sk_answers_free(&c);
}

static const struct {
    const char *json;
    sk_status want;
} bad_payloads[] = {
    {"", SK_ERR_FORMAT},
    {"{", SK_ERR_FORMAT},
    {"[]", SK_ERR_FORMAT},
    {"{\"format\":\"other\",\"v\":1,\"answers\":[]}", SK_ERR_FORMAT},
    {"{\"format\":\"survey-kiosk/answers\",\"answers\":[]}", SK_ERR_FORMAT},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":1}", SK_ERR_FORMAT},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":1,\"answers\":[{\"name\":\"x\"}]}", SK_ERR_FORMAT},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":1,\"v\":1,\"answers\":[]}", SK_ERR_FORMAT},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":99,\"answers\":[]}", SK_ERR_UNSUPPORTED},
#define A_(rep) "{\"format\":\"survey-kiosk/answers\",\"v\":2,\"answers\":[{\"name\":\"x\"," \
    "\"value\":\"1\",\"section\":\"response\",\"changed\":1,\"dwell_ms\":0,\"repeat\":" rep "}]}"
    {A_("\"kids[0]\""), SK_ERR_FORMAT},
    {A_("\"kids\""), SK_ERR_FORMAT},
    {A_("\"[1]\""), SK_ERR_FORMAT},
    {A_("\"kids[01]\""), SK_ERR_FORMAT},
    {A_("\"kids[1]x\""), SK_ERR_FORMAT},
    {A_("3"), SK_ERR_FORMAT},
    {A_("null"), SK_ERR_FORMAT},
#undef A_
};

static void test_bad_payloads_rejected_and_out_untouched(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_payloads / sizeof bad_payloads[0]; i++) {
        sk_answers out;
        sk_answers_init(&out);
        sk_answers_set(&out, "keep", "me", SK_SECTION_RESPONSE, 1);
        sk_error err;
        sk_status st = sk_answers_from_json(bad_payloads[i].json, strlen(bad_payloads[i].json), &out, &err);
        if (st != bad_payloads[i].want)
            fail_msg("case %zu: got status %d (%s), want %d", i, st, err.message, bad_payloads[i].want);
        assert_true(err.message[0] != '\0');
        assert_string_equal(sk_answers_get(&out, "keep"), "me");
        sk_answers_free(&out);
    }
}

static void test_instances(void **state)
{
    (void)state;
    sk_answers a;
    sk_answers_init(&a);
    char path[32];
    assert_string_equal(sk_answers_instance(path, sizeof path, "kids", 3), "kids[3]");
    sk_answers_set(&a, "kid", "top", SK_SECTION_RESPONSE, 1);
    for (int k = 1; k <= 4; k++) {
        char v[8];
        snprintf(v, sizeof v, "k%d", k);
        sk_answers_instance(path, sizeof path, "kids", (size_t)k);
        assert_int_equal(sk_answers_set_at(&a, path, "kid", v, SK_SECTION_RESPONSE, k), SK_OK);
    }
    /* a repeat whose name is a prefix of another's must not be touched */
    sk_answers_set_at(&a, "kidsx[2]", "kid", "other", SK_SECTION_RESPONSE, 9);
    assert_string_equal(sk_answers_get(&a, "kid"), "top"); /* outside repeats */
    assert_string_equal(sk_answers_get_at(&a, "kids[2]", "kid"), "k2");
    sk_answers_remove_instance(&a, "kids", 2);
    assert_string_equal(sk_answers_get_at(&a, "kids[1]", "kid"), "k1");
    assert_string_equal(sk_answers_get_at(&a, "kids[2]", "kid"), "k3");
    assert_string_equal(sk_answers_get_at(&a, "kids[3]", "kid"), "k4");
    assert_null(sk_answers_get_at(&a, "kids[4]", "kid"));
    assert_string_equal(sk_answers_get_at(&a, "kidsx[2]", "kid"), "other");
    assert_string_equal(sk_answers_get(&a, "kid"), "top");
    assert_int_equal(a.n, 5);
    sk_answers_remove_instance(&a, "kids", 3); /* the last one */
    assert_null(sk_answers_get_at(&a, "kids[3]", "kid"));
    assert_int_equal(a.n, 4);
    sk_answers_free(&a);
}

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/answers/%s", SK_TEST_GOLDEN, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

/* Golden payloads: v1 (before repeats) still reads; v2 reads and is written
 * back byte for byte. */
static void test_golden_payloads(void **state)
{
    (void)state;
    sk_error err;
    size_t len;
    char *v1 = slurp("payload_v1.json", &len);
    sk_answers a;
    sk_answers_init(&a);
    assert_int_equal(sk_answers_from_json(v1, len, &a, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "village"), "Ikot");
    assert_null(a.items[0].repeat);
    free(v1);
    sk_answers_free(&a);

    char *v2 = slurp("payload_v2.json", &len);
    assert_int_equal(sk_answers_from_json(v2, len, &a, &err), SK_OK);
    assert_string_equal(sk_answers_get(&a, "member"), "2");
    assert_string_equal(sk_answers_get_at(&a, "member[1]", "mage"), "36");
    assert_string_equal(sk_answers_get_at(&a, "member[2]", "mname"), "Bo");
    assert_null(sk_answers_get(&a, "mname"));
    char *json = NULL;
    size_t jlen = 0;
    assert_int_equal(sk_answers_to_json(&a, -1, &json, &jlen, &err), SK_OK);
    assert_int_equal(jlen, len);
    assert_memory_equal(json, v2, len);
    sk_secret_free(json, jlen);
    free(v2);
    sk_answers_free(&a);
}

/* ---- the fast reader agrees with the general one ------------------------ */

static bool same_str(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Every field of x and y equal (NULL and "" are different). */
static bool same_answers(const sk_answers *x, const sk_answers *y)
{
    if (x->n != y->n || !same_str(x->sitting_id, y->sitting_id) ||
        !same_str(x->form_id, y->form_id) || !same_str(x->form_version, y->form_version) ||
        !same_str(x->language, y->language) || x->started_ms != y->started_ms ||
        x->finished_ms != y->finished_ms)
        return false;
    for (size_t i = 0; i < x->n; i++) {
        const sk_answer *a = &x->items[i], *b = &y->items[i];
        if (strcmp(a->name, b->name) != 0 || !same_str(a->repeat, b->repeat) ||
            strcmp(a->value, b->value) != 0 || a->section != b->section ||
            a->changed_ms != b->changed_ms || a->dwell_ms != b->dwell_ms)
            return false;
    }
    return true;
}

/* sk_answers_from_json (fast reader first) and the general reader alone give
 * the same status, the same sentence and the same answers.  Returns whether
 * the fast reader read it itself. */
static bool check_agree(const char *json, size_t len, const char *what)
{
    sk_answers a, b, f;
    sk_answers_init(&a);
    sk_answers_init(&b);
    sk_answers_init(&f);
    sk_error ea, eb;
    sk_error_clear(&ea);
    sk_error_clear(&eb);
    sk_status sa = sk_answers_from_json(json, len, &a, &ea);
    sk_status sb = answers_read_json(json, len, &b, &eb);
    sk_status sf = answers_read_fast(json, len, &f);
    if (sa != sb || strcmp(ea.message, eb.message) != 0 || !same_answers(&a, &b))
        fail_msg("%s: the readers disagree: %d \"%s\" vs general %d \"%s\"", what, sa,
                 ea.message, sb, eb.message);
    if (sf == SK_OK && (sb != SK_OK || !same_answers(&f, &b)))
        fail_msg("%s: the fast reader accepted what the general one reads otherwise (%d %s)",
                 what, sb, eb.message);
    assert_true(sf == SK_OK || sf == SK_ERR_UNSUPPORTED);
    sk_answers_free(&a);
    sk_answers_free(&b);
    sk_answers_free(&f);
    return sf == SK_OK;
}

#define HEAD_ "{\"format\":\"survey-kiosk/answers\",\"v\":2,"
#define ONE_(fields) HEAD_ "\"answers\":[{" fields "}]}"
#define STD_ "\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"

/* fast: whether the fast reader must read it itself (the documents the kiosk
 * writes, and the JSON spellings of them); the others it must leave to the
 * general reader, which accepts or refuses them as it always did. */
static const struct {
    const char *json;
    bool fast;
} agree_cases[] = {
    {ONE_(STD_), true},
    {" \n\t{ \"answers\" : [ { \"dwell_ms\" : 7 , \"changed\" : 5 , \"section\" : \"consent\" ,"
     " \"value\" : \"\" , \"name\" : \"x\" , \"repeat\" : \"kids[12]\" } ] , \"v\" : 1 ,"
     " \"format\" : \"survey-kiosk/answers\" }\r\n", true},
    {HEAD_ "\"sitting\":null,\"form_id\":\"f\",\"form_version\":\"\",\"language\":\"Cymraeg (cy)\","
     "\"started\":-0,\"finished\":123456789012345678,\"answers\":[]}", true},
    {ONE_("\"name\":\"q\\u00e9\\u4e2d\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\",\"value\":"
          "\"\\u0041\\u00A9 ok\",\"section\":\"response\",\"changed\":-5,\"dwell_ms\":4294967297"), true},
    {ONE_("\"name\":\"\xe6\x95\xb0\xf0\x9f\x98\x80\",\"value\":\"\x7f\",\"section\":\"response\","
          "\"changed\":0,\"dwell_ms\":-1"), true},
    /* left to the general reader, which accepts them */
    {HEAD_ "\"answers\":[{" STD_ "},{" STD_ "}]}", false},                    /* the same answer twice */
    {HEAD_ "\"answers\":[{" STD_ ",\"repeat\":\"k[1]\"},{" STD_ ",\"repeat\":\"k[1]\"}]}", false},
    {HEAD_ "\"extra\":{\"a\":[1,2]},\"answers\":[]}", false},
    {ONE_(STD_ ",\"note\":true"), false},
    {ONE_("\"n\\u0061me\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"respons\\u0065\",\"changed\":5,\"dwell_ms\":7"), false},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":0,\"answers\":[]}", false},
    {"{\"format\":\"survey-kiosk/answer\\u0073\",\"v\":2,\"answers\":[]}", false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":1234567890123456789,"
          "\"dwell_ms\":7"), false},
    /* left to the general reader, which refuses them */
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":5.0,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":5e3,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":05,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":99999999999999999999,"
          "\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"a\\u0000b\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\\ud800\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\\udc00\\ud800\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\\x41\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\\u12\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\xc0\xaf\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"\xed\xa0\x80\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"a\tb\",\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"other\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":1,\"section\":\"response\",\"changed\":5,\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":\"5\",\"dwell_ms\":7"), false},
    {ONE_("\"name\":\"x\",\"value\":\"1\",\"section\":\"response\",\"changed\":5"), false},
    {ONE_(STD_ ",\"repeat\":\"k[0]\""), false},
    {ONE_(STD_ ",\"repeat\":null"), false},
    {ONE_(STD_ ",\"name\":\"y\""), false},
    {HEAD_ "\"sitting\":5,\"answers\":[]}", false},
    {HEAD_ "\"started\":1.5,\"answers\":[]}", false},
    {HEAD_ "\"answers\":[],\"v\":2}", false},
    {HEAD_ "\"answers\":[]} x", false},
    {HEAD_ "\"answers\":[]}{}", false},
    {HEAD_ "\"answers\":[],}", false},
    {HEAD_ "\"answers\":[{" STD_ "},]}", false},
    {HEAD_ "\"answers\":{}}", false},
    {"\xef\xbb\xbf" HEAD_ "\"answers\":[]}", false},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":3,\"answers\":[]}", false},
    {"[{\"format\":\"survey-kiosk/answers\",\"v\":2,\"answers\":[]}]", false},
    {"{\"format\":\"survey-kiosk/answers\",\"v\":2,\"answers\":[" , false},
    {"", false},
    {"nul", false},
};

static void test_fast_reader_agrees(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof agree_cases / sizeof *agree_cases; i++) {
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        bool fast = check_agree(agree_cases[i].json, strlen(agree_cases[i].json), what);
        if (fast != agree_cases[i].fast)
            fail_msg("case %zu: the fast reader %s it", i, fast ? "read" : "did not read");
    }
    /* What the kiosk writes, every section, and the golden files: read fast. */
    sk_answers a;
    fill(&a);
    for (int section = -1; section <= 1; section++) {
        char *json = NULL;
        size_t len = 0;
        sk_error err;
        assert_int_equal(sk_answers_to_json(&a, section, &json, &len, &err), SK_OK);
        assert_true(check_agree(json, len, "fill()"));
        sk_secret_free(json, len);
    }
    sk_answers_free(&a);
    size_t len;
    char *v1 = slurp("payload_v1.json", &len);
    assert_true(check_agree(v1, len, "payload_v1.json"));
    free(v1);
    char *v2 = slurp("payload_v2.json", &len);
    assert_true(check_agree(v2, len, "payload_v2.json"));
    free(v2);
}

/* Damaged copies of real payloads (a byte changed, dropped, repeated or cut
 * off, seeded so that a failure reproduces): both readers say the same. */
static void test_fast_reader_agrees_on_damage(void **state)
{
    (void)state;
    sk_answers a;
    fill(&a);
    char *json = NULL;
    size_t len = 0;
    sk_error err;
    assert_int_equal(sk_answers_to_json(&a, -1, &json, &len, &err), SK_OK);
    sk_answers_free(&a);
    size_t glen;
    char *golden = slurp("payload_v2.json", &glen);
    static const char bytes[] = "{}[],:\"\\ 0123456789-.eEu\xc3\xa9\xed\xa0\x80\x01nulltrue";
    uint32_t seed = 12345;
    size_t fast = 0, runs = 4000;
    char *buf = malloc(len + glen + 8);
    assert_non_null(buf);
    for (size_t i = 0; i < runs; i++) {
        const char *src = i % 2 ? json : golden;
        size_t n = i % 2 ? len : glen;
        memcpy(buf, src, n);
        for (int m = 0; m < 1 + (int)(i % 3); m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            char b = bytes[(seed >> 8) % (sizeof bytes - 1)];
            switch ((seed >> 20) % 4) {
            case 0: buf[at] = b; break;                                            /* change */
            case 1: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;         /* drop */
            case 2: memmove(buf + at + 1, buf + at, n - at); buf[at] = b; n++; break; /* insert */
            default: n = at; break;                                                /* cut off */
            }
            if (n == 0)
                break;
        }
        char what[32];
        snprintf(what, sizeof what, "damage %zu", i);
        fast += check_agree(buf, n, what);
    }
    /* Some damage leaves a valid document (a digit for a digit): read fast. */
    assert_true(fast > 0);
    free(buf);
    free(golden);
    sk_secret_free(json, len);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get_replace_remove),
        cmocka_unit_test(test_json_round_trip_exact),
        cmocka_unit_test(test_bad_payloads_rejected_and_out_untouched),
        cmocka_unit_test(test_instances),
        cmocka_unit_test(test_golden_payloads),
        cmocka_unit_test(test_fast_reader_agrees),
        cmocka_unit_test(test_fast_reader_agrees_on_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
