/* test_answers.c - the answers model and its payload JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sk/answers.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_get_replace_remove),
        cmocka_unit_test(test_json_round_trip_exact),
        cmocka_unit_test(test_bad_payloads_rejected_and_out_untouched),
        cmocka_unit_test(test_instances),
        cmocka_unit_test(test_golden_payloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
