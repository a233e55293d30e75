/* cmd_inspect.c - survey-sync inspect FILE [--key study.key]: what a pack or
 * a bundle holds.  A bundle is read as the core reads it (authenticated
 * first); with --key each record is also opened with the study key.
 * Every string that comes from the file (form id, version, title, file name,
 * device label) and the file's own path go through term_put: a signature
 * proves who made a pack, not that its title is safe to print. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "term.h"
#include "sk/answers.h"
#include "sk/bundle.h"
#include "sk/pack.h"

static const char usage[] = "inspect FILE [--key study.key] [--passphrase-file F]";

static void format_time(int64_t ms, char *out, size_t size)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
    else
        snprintf(out, size, "%" PRId64 " ms", ms);
}

static void print_pack(const sk_pack *p, const char *indent)
{
    char digest[65], fp[SK_FINGERPRINT_SIZE], when[64];
    sk_hex(p->digest, sizeof p->digest, digest);
    sk_study_fingerprint(&p->study, fp);
    format_time(p->created_ms, when, sizeof when);
    printf("%sform id:     ", indent);
    term_put(stdout, p->form_id);
    printf("   version: ");
    term_put(stdout, p->form_version);
    printf("\n%stitle:       ", indent);
    term_put(stdout, p->form_title);
    printf("\n%sfile:        ", indent);
    term_put(stdout, p->file_name);
    printf(" (%zu bytes)\n", p->form_len);
    for (size_t i = 0; i < p->n_attachments; i++) {
        printf("%sattachment:  ", indent);
        term_put(stdout, p->attachments[i].name);
        printf(" (%zu bytes)\n", p->attachments[i].len);
    }
    if (p->delivery.url) {
        char pin[65];
        sk_hex(p->delivery.tls_pin, sizeof p->delivery.tls_pin, pin);
        printf("%sdelivers to: ", indent);
        term_put(stdout, p->delivery.url);
        printf("\n%sTLS pin:     sha256 %s\n", indent, pin);
    }
    printf("%screated:     %s\n", indent, when);
    printf("%sstudy:       %s\n", indent, fp);
    printf("%sdigest:      %s\n", indent, digest);
    printf("%ssignature:   ok\n", indent);
}

static int inspect_pack(const char *path)
{
    sk_pack *p = NULL;
    sk_error err;
    sk_error_clear(&err);
    if (sk_pack_read(path, &p, &err) != SK_OK)
        return sync_fail(&err);
    term_put(stdout, path);
    printf(": survey pack\n");
    print_pack(p, "  ");
    sk_pack_free(p);
    return 0;
}

/* Records counted by (kind, form id, form version). */
typedef struct tally {
    int kind;
    char form[SK_FORM_ID_MAX + SK_FORM_VERSION_MAX + 16];
    uint64_t n;
} tally;

typedef struct bundle_view {
    tally *t;
    size_t n_t;
    uint64_t min_seq, max_seq, n_seq, opened, not_opened;
    uint8_t device_pk[32];
    uint64_t signed_ok, signed_bad;   /* records' own device signatures */
} bundle_view;

static int count(bundle_view *v, const sk_record_header *h)
{
    if (h->seq) {
        v->min_seq = v->n_seq == 0 || h->seq < v->min_seq ? h->seq : v->min_seq;
        v->max_seq = h->seq > v->max_seq ? h->seq : v->max_seq;
        v->n_seq++;
    }
    char form[sizeof v->t->form];
    snprintf(form, sizeof form, "%s version %s", h->form_id, h->form_version);
    for (size_t i = 0; i < v->n_t; i++)
        if (v->t[i].kind == h->kind && strcmp(v->t[i].form, form) == 0) {
            v->t[i].n++;
            return 0;
        }
    tally *t = realloc(v->t, (v->n_t + 1) * sizeof *t);
    if (!t)
        return -1;
    v->t = t;
    t[v->n_t].kind = h->kind;
    memcpy(t[v->n_t].form, form, sizeof form);
    t[v->n_t++].n = 1;
    return 0;
}

static int take_item(bundle_view *v, sk_bundle_item_kind kind, const uint8_t *data, size_t len,
                     const sk_study_key *key, sk_error *err)
{
    if (kind == SK_ITEM_PACK) {
        sk_pack *p = NULL;
        if (sk_pack_parse(data, len, &p, err) != SK_OK)
            return -1;
        printf("  pack:\n");
        print_pack(p, "    ");
        sk_pack_free(p);
        return 0;
    }
    sk_record_header h;
    if (sk_record_header_parse(data, len, &h, err) != SK_OK)
        return -1;
    if (sk_record_verify(data, len, v->device_pk, NULL) == SK_OK)
        v->signed_ok++;
    else
        v->signed_bad++;
    if (key) {
        char *payload = NULL;
        size_t plen = 0;
        if (sk_record_open(data, len, key, NULL, &payload, &plen, NULL) == SK_OK) {
            v->opened++;
            sk_secret_free(payload, plen);
        } else {
            v->not_opened++;
        }
    }
    if (count(v, &h) != 0)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory"), -1;
    return 0;
}

static int inspect_bundle(const char *path, const sk_study_key *key)
{
    sk_bundle_reader *r = NULL;
    sk_bundle_info info;
    sk_error err;
    sk_error_clear(&err);
    if (sk_bundle_reader_open(path, &r, &info, &err) != SK_OK)
        return sync_fail(&err);
    char dev[2 * SK_DEVICE_ID_SIZE + 1], when[64];
    sk_hex(info.device_id, SK_DEVICE_ID_SIZE, dev);
    format_time(info.created_ms, when, sizeof when);
    term_put(stdout, path);
    printf(": kiosk bundle\n");
    printf("  device:      %s   label: ", dev);
    term_put(stdout, info.device_label[0] ? info.device_label : "(none)");
    printf("\n");
    char fp[SK_FINGERPRINT_SIZE];
    sk_device_fingerprint(info.device_pk, fp);
    printf("  fingerprint: %s (compare with the kiosk's admin screen)\n", fp);
    printf("  created:     %s\n", when);
    printf("  items:       %" PRIu64 " records, %" PRIu64 " packs\n", info.n_records, info.n_packs);
    bundle_view v = {0};
    memcpy(v.device_pk, info.device_pk, sizeof v.device_pk);
    sk_bundle_item_kind kind;
    const uint8_t *data;
    size_t len;
    int more;
    while ((more = sk_bundle_reader_next(r, &kind, &data, &len, &err)) == 1)
        if (take_item(&v, kind, data, len, key, &err) != 0) {
            more = -1;
            break;
        }
    if (more < 0) {
        sk_bundle_reader_abort(r);
        free(v.t);
        sk_error_set_file(&err, path);
        return sync_fail(&err);
    }
    if (sk_bundle_reader_close(r, &err) != SK_OK) {
        free(v.t);
        return sync_fail(&err);
    }
    for (size_t i = 0; i < v.n_t; i++) {
        /* form holds the records' form id and version, from their headers. */
        printf("  records:     %" PRIu64 " %s (", v.t[i].n, sk_rec_kind_name(v.t[i].kind));
        term_put(stdout, v.t[i].form);
        printf(")\n");
    }
    if (v.n_seq)
        printf("  sequence:    %" PRIu64 "-%" PRIu64 " (%" PRIu64 " numbered)\n", v.min_seq, v.max_seq, v.n_seq);
    if (key)
        printf("  opened:      %" PRIu64 " of %" PRIu64 " records with the study key\n", v.opened,
               v.opened + v.not_opened);
    printf("  signature:   ok (the bundle's, and %" PRIu64 " of %" PRIu64 " records' own)\n",
           v.signed_ok, v.signed_ok + v.signed_bad);
    free(v.t);
    if (v.signed_bad)
        return sync_failf("%s: %" PRIu64 " records are not signed by this bundle's device; a "
                          "central store refuses this bundle",
                          path, v.signed_bad);
    return key && v.not_opened ? sync_failf("%s: %" PRIu64 " records do not open with this study key", path,
                                            v.not_opened)
                               : 0;
}

int cmd_inspect(int argc, char **argv)
{
    const char *path = NULL, *key_path = NULL, *pass_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key_path = argv[++i];
        else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
            pass_file = argv[++i];
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return sync_usage(usage);
    }
    if (!path)
        return sync_usage(usage);
    char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return sync_failf("%s: cannot open the file", path);
    size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    if (got == 4 && memcmp(magic, "SKPK", 4) == 0)
        return inspect_pack(path);
    if (got != 4 || memcmp(magic, "SKBN", 4) != 0)
        return sync_failf("%s: this is neither a survey pack nor a kiosk bundle", path);
    sk_study_key *key = NULL;
    if (key_path) {
        char *pass = NULL;
        size_t pass_len = 0;
        if (sync_passphrase(pass_file, 0, &pass, &pass_len) != 0)
            return 1;
        sk_error err;
        sk_error_clear(&err);
        sk_status st = sk_study_key_load(key_path, pass, pass_len, &key, &err);
        sync_passphrase_free(pass);
        if (st != SK_OK)
            return sync_fail(&err);
    }
    int rc = inspect_bundle(path, key);
    sk_study_key_free(key);
    return rc;
}
