/* test_kiosk_theme.c - both kiosk palettes meet WCAG 2.1 AA contrast.
 * Prints the table quoted in docs/KIOSK.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "theme.h"

static void test_contrast_arithmetic(void **state)
{
    (void)state;
    kcolor black = {0, 0, 0}, white = {255, 255, 255}, grey = {0x76, 0x76, 0x76};
    assert_true(kcolor_contrast(black, white) > 20.99 && kcolor_contrast(black, white) < 21.01);
    assert_true(kcolor_contrast(white, white) > 0.999 && kcolor_contrast(white, white) < 1.001);
    /* #767676 on white is the well-known 4.54:1, the lightest AA grey. */
    assert_true(kcolor_contrast(grey, white) > 4.53 && kcolor_contrast(grey, white) < 4.55);
    assert_true(kcolor_contrast(white, grey) == kcolor_contrast(grey, white));
}

static void check_theme(const ktheme *t)
{
    printf("%s theme:\n", t->name);
    for (size_t i = 0; i < ktheme_n_pairs; i++) {
        const ktheme_pair *p = &ktheme_pairs[i];
        double r = kcolor_contrast(ktheme_get(t, p->fg), ktheme_get(t, p->bg));
        printf("  %-36s %5.2f:1 (needs %.1f)\n", p->what, r, p->need);
        if (r < p->need)
            fail_msg("%s theme: %s is %.2f:1, below %.1f:1", t->name, p->what, r, p->need);
    }
}

static void test_default_theme_aa(void **state)
{
    (void)state;
    check_theme(&ktheme_default);
}

static void test_high_contrast_theme_aa(void **state)
{
    (void)state;
    check_theme(&ktheme_high_contrast);
    /* High contrast means more than AA for body text: at least AAA (7:1). */
    assert_true(kcolor_contrast(ktheme_high_contrast.text, ktheme_high_contrast.bg) >= 7.0);
    assert_true(kcolor_contrast(ktheme_high_contrast.on_primary, ktheme_high_contrast.primary) >=
                7.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contrast_arithmetic),
        cmocka_unit_test(test_default_theme_aa),
        cmocka_unit_test(test_high_contrast_theme_aa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
