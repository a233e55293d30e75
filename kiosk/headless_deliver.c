/* headless_deliver.c - survey-kiosk --data DIR --deliver: what the delivery
 * worker does, once, from a terminal or a script: batches of the records not
 * delivered yet to the pack's server until nothing waits or a try fails. */
#include <stdio.h>

#include "deliver.h"
#include "headless.h"
#include "sk/kstore.h"

static int fail(const sk_error *err)
{
    char buf[1200];
    sk_error_format(err, buf, sizeof buf);
    fprintf(stderr, "survey-kiosk: error: %s\n", buf);
    return 1;
}

int kiosk_deliver(const char *data_dir)
{
    sk_error err;
    sk_kstore *ks = NULL;
    sk_kstore_open_opts opts = {.wait_ms = 5000};
    if (sk_kstore_open_with(data_dir, &opts, &ks, &err) != SK_OK)
        return fail(&err);
    sk_pack *pack = NULL;
    sk_kstore_outbox *ob = NULL;
    sk_deliver_target t;
    int rc = 1;
    if (sk_kstore_current_pack(ks, &pack, &err) != SK_OK) {
        rc = fail(&err);
        goto out;
    }
    if (!kdeliver_target(pack, &t)) {
        fprintf(stderr, "survey-kiosk: error: the survey pack names no server to deliver to; "
                        "export to USB instead (--export DIR)\n");
        goto out;
    }
    if (sk_kstore_outbox_open(ks, &ob, &err) != SK_OK) {
        rc = fail(&err);
        goto out;
    }
    int64_t base, max;
    sk_deliver_opts o = {0};
    kdeliver_tuning(&base, &max, &o.max_records);
    uint64_t total = 0;
    sk_status st = SK_OK;
    for (;;) {
        sk_deliver_result res;
        st = sk_deliver_once(ob, &t, &o, &res, &err);
        if (st != SK_OK || res.sent == 0 || res.delivered == 0)
            break;
        total += res.delivered;
    }
    sk_delivery_state s = {0};
    sk_error e2;
    sk_kstore_outbox_state(ob, &s, &e2);
    printf("delivered %llu record%s to %s; %llu waiting\n", (unsigned long long)total,
           total == 1 ? "" : "s", t.url, (unsigned long long)s.waiting);
    if (st != SK_OK)
        rc = fail(&err);
    else
        rc = s.waiting ? 1 : 0;
out:
    sk_kstore_outbox_close(ob);
    sk_pack_free(pack);
    sk_kstore_close(ks);
    return rc;
}
