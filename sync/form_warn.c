/* form_warn.c - what check and pack print for a form that loads but has
 * things the kiosk ignores or leaves empty (sk_form.warnings). */
#include <stdio.h>

#include "cmd.h"
#include "sk/form.h"

int sync_form_warnings(const char *path, const sk_form *form, int strict, const char *cmd)
{
    char line[1200];
    for (size_t i = 0; i < form->warnings.n; i++) {
        sk_error_format(&form->warnings.items[i], line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
    if (!strict || form->warnings.n == 0)
        return 0;
    return sync_failf("%s: %zu warning%s, refused with --strict; fix %s or run %s without "
                      "--strict",
                      path, form->warnings.n, form->warnings.n == 1 ? "" : "s",
                      form->warnings.n == 1 ? "it" : "them", cmd);
}
