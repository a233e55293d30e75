/* headless.c - survey-kiosk --install and --export: the kiosk store's
 * commands that need no window (an administrator's terminal or a script). */
#include "headless.h"

#include <stdio.h>

#include "sk/kstore.h"
#include "sk/pack.h"

static int fail(const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "survey-kiosk: error: %s\n", buf);
    return 1;
}

int kiosk_install(const char *data_dir, const char *pack_path)
{
    sk_kstore *ks = NULL;
    sk_error err;
    if (sk_kstore_open(data_dir, &ks, &err) != SK_OK)
        return fail(&err);
    sk_pack *p = NULL;
    int rc = 0;
    if (sk_kstore_install_pack(ks, pack_path, &p, &err) != SK_OK) {
        rc = fail(&err);
    } else {
        char fp[SK_FINGERPRINT_SIZE];
        sk_study_fingerprint(&p->study, fp);
        printf("installed \"%s\" (form %s, version %s)\n", p->form_title, p->form_id,
               p->form_version);
        printf("study key %s; device %s\n", fp, sk_kstore_device_id(ks));
        sk_pack_free(p);
    }
    sk_kstore_close(ks);
    return rc;
}

int kiosk_export(const char *data_dir, const char *out_dir, bool all)
{
    sk_kstore *ks = NULL;
    sk_error err;
    if (sk_kstore_open(data_dir, &ks, &err) != SK_OK)
        return fail(&err);
    char path[4096];
    uint64_t n = 0;
    int rc = 0;
    if (sk_kstore_export(ks, out_dir, all, path, sizeof path, &n, &err) != SK_OK)
        rc = fail(&err);
    else if (n == 0)
        printf("nothing new to export (use --all to export every record again)\n");
    else
        printf("%s: %llu record%s\n", path, (unsigned long long)n, n == 1 ? "" : "s");
    sk_kstore_close(ks);
    return rc;
}
