/* cmd_devices.c - survey-sync devices: which kiosks this store trusts.
 *
 *   survey-sync devices list   --store S [--json]
 *   survey-sync devices accept ID --store S      trust a new device (its held records become data)
 *   survey-sync devices add FINGERPRINT [LABEL] --store S   enrol before its first bundle
 *   survey-sync devices reject ID --store S      never trust it (its held records are deleted)
 *   survey-sync devices retire ID --store S      lost or stolen: keep what came, refuse newer
 *
 * ID is the device id (or a unique prefix of at least 4 hex digits) or its
 * fingerprint.  A device is accepted only after the researcher has compared
 * its fingerprint with the kiosk's admin screen: the fingerprint is printed
 * with every new device.  Exit 0, 1 on failure, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd.h"
#include "sk/cstore.h"
#include "sk/text.h"
#include "term.h"

static const char usage[] =
    "devices list|accept ID|add FINGERPRINT [LABEL]|reject ID|retire ID --store central.db "
    "[--json]";

void sync_print_new_devices(FILE *f, const sk_cstore_status *st, const char *store)
{
    for (size_t i = 0; i < st->n_devices; i++) {
        const sk_device_seq *d = &st->devices[i];
        if (d->state != SK_DEV_NEW || d->quarantined == 0)
            continue;
        char *word = sk_cstore_shell_name(store); /* a URI must be quoted to be pasted */
        fprintf(f, "device %s '", d->device_id);
        term_put(f, d->device_label);
        fprintf(f,
                "' is new: %llu record%s held until you accept it; compare fingerprint %s with "
                "the kiosk's admin screen, then: survey-sync devices accept %s --store %s\n",
                (unsigned long long)d->quarantined, d->quarantined == 1 ? "" : "s",
                d->fingerprint, d->device_id, word ? word : store);
        free(word);
    }
}

static int list(sk_cstore *cs, bool as_json)
{
    sk_error err;
    sk_cstore_status st;
    if (sk_cstore_status_get(cs, &st, &err) != SK_OK)
        return sync_fail(&err);
    if (as_json) {
        json_t *a = json_array();
        for (size_t i = 0; i < st.n_devices; i++) {
            const sk_device_seq *d = &st.devices[i];
            /* JSON escapes control characters; every reader refused non-UTF-8 */
            char *label = sk_utf8_valid(d->device_label, strlen(d->device_label))
                              ? strdup(d->device_label)
                              : term_escape(d->device_label);
            json_array_append_new(
                a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "device_id", d->device_id,
                             "label", label ? label : "", "fingerprint", d->fingerprint, "state",
                             sk_device_state_name(d->state), "held_records",
                             (json_int_t)d->quarantined, "retired_seq",
                             (json_int_t)d->retired_seq, "unreadable", (json_int_t)d->unreadable));
            free(label);
        }
        char *text = json_dumps(a, JSON_INDENT(2));
        if (text)
            printf("%s\n", text);
        free(text);
        json_decref(a);
    } else if (st.n_devices == 0) {
        printf("no devices yet: merge a bundle, or enrol a kiosk with 'survey-sync devices add "
               "FINGERPRINT'\n");
    } else {
        printf("%-16s  %-19s  %-8s  %s\n", "device", "fingerprint", "state", "label");
        for (size_t i = 0; i < st.n_devices; i++) {
            const sk_device_seq *d = &st.devices[i];
            printf("%-16s  %-19s  %-8s  ", d->device_id,
                   d->fingerprint[0] ? d->fingerprint : "(not seen yet)",
                   sk_device_state_name(d->state));
            term_put(stdout, d->device_label);
            if (d->state == SK_DEV_NEW)
                printf("  (%llu record%s held)", (unsigned long long)d->quarantined,
                       d->quarantined == 1 ? "" : "s");
            if (d->state == SK_DEV_RETIRED)
                printf("  (records after %llu refused)", (unsigned long long)d->retired_seq);
            putchar('\n');
        }
    }
    sk_cstore_status_free(&st);
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    const char *store = NULL, *args[3] = {NULL, NULL, NULL};
    int n_args = 0;
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0 && i + 1 < argc)
            store = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            as_json = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return sync_usage(usage);
        else if (n_args < 3)
            args[n_args++] = argv[i];
        else
            return sync_usage(usage);
    }
    const char *verb = args[0];
    if (!store || !verb)
        return sync_usage(usage);
    bool is_list = strcmp(verb, "list") == 0, is_add = strcmp(verb, "add") == 0;
    bool one_arg = !is_list && !is_add;
    if (one_arg && strcmp(verb, "accept") != 0 && strcmp(verb, "reject") != 0 &&
        strcmp(verb, "retire") != 0)
        return sync_usage(usage);
    if ((is_list && n_args != 1) || (is_add && (n_args < 2 || n_args > 3)) ||
        (one_arg && n_args != 2))
        return sync_usage(usage);
    sk_error err;
    sk_cstore *cs = NULL;
    if (!is_add) { /* only add may make the store (enrolling before the first merge) */
        if (sync_open_existing_store(store, &cs) != 0)
            return 1;
    } else if (sk_cstore_open(store, &cs, &err) != SK_OK) {
        return sync_fail(&err);
    }
    int rc = 0;
    char id[2 * SK_DEVICE_ID_SIZE + 1];
    uint64_t n = 0;
    if (is_list) {
        rc = list(cs, as_json);
    } else if (is_add) {
        if (sk_cstore_device_add(cs, args[1], args[2], id, &err) != SK_OK)
            rc = sync_fail(&err);
        else
            printf("device %s enrolled and accepted: its bundles will merge as data\n", id);
    } else if (sk_cstore_device_find(cs, args[1], id, &err) != SK_OK) {
        rc = sync_fail(&err);
    } else if (strcmp(verb, "accept") == 0) {
        if (sk_cstore_device_accept(cs, id, &n, &err) != SK_OK)
            rc = sync_fail(&err);
        else
            printf("device %s accepted: %llu held record%s released\n", id,
                   (unsigned long long)n, n == 1 ? "" : "s");
    } else if (strcmp(verb, "reject") == 0) {
        if (sk_cstore_device_reject(cs, id, &n, &err) != SK_OK)
            rc = sync_fail(&err);
        else
            printf("device %s rejected: %llu held record%s deleted; its bundles will be "
                   "refused\n",
                   id, (unsigned long long)n, n == 1 ? "" : "s");
    } else {
        if (sk_cstore_device_retire(cs, id, &n, &err) != SK_OK)
            rc = sync_fail(&err);
        else
            printf("device %s retired: records up to number %llu stay; anything newer from "
                   "it will be refused\n",
                   id, (unsigned long long)n);
    }
    sk_cstore_close(cs);
    return rc;
}
