/* runtime_internal.h - what runtime.c (the passes and the queries) and
 * repeat.c (instances: their flags, counts and the API that adds, removes and
 * chooses them) share.  Internal to lib/runtime. */
#ifndef SK_RUNTIME_INTERNAL_H
#define SK_RUNTIME_INTERNAL_H

#include "sk/expr.h"
#include "sk/runtime.h"

#include "csv_instance.h"

struct sk_run {
    const sk_form *form;
    sk_answers *answers;
    int lang;
    char *device_id;
    bool *relevant, *required, *read_only;
    const sk_expr *now_expr, *today_expr; /* shared by every run (clock_exprs in runtime.c) */
    /* choice_filter evaluation: the choice being looked at */
    int64_t now_ms;           /* of the last update: checks and filters see the same "now" */
    const sk_choice *filter_choice;
    const char *filter_label;
    char itext_buf[300];      /* instance_value_cb's itextId, valid until its next call */
    /* CSV attachments (sk_run_add_csv), by instance id (the file name without .csv) */
    char **csv_ids;
    csv_table **csv;
    size_t n_csv;
    /* Repeats: per-instance flags of the rows inside repeats, instance k
     * (1-based) at [(k - 1) * n_q + q], for cap_inst instances. */
    bool *irel, *ireq, *iro;
    size_t cap_inst;
    size_t cur_inst;          /* the instance the queries answer for (sk_run_set_instance) */
    int ctx_repeat;           /* where expressions are evaluated now: repeat row and */
    size_t ctx_inst;          /* 1-based instance, or -1 / 0 outside repeats */
    char ctx_path[160];       /* "household[2]" of ctx_repeat/ctx_inst */
};

/* runtime.c */
/* Set q's answer (in the evaluation context's instance) when it differs;
 * *changed records that something moved. */
sk_status rt_put(sk_run *run, const sk_question *q, const char *value, int64_t now_ms,
                 bool *changed, sk_error *err);
/* The eval context's ${name} (sibling in the same instance, as ODK reads it). */
const char *rt_lookup(void *user, const char *name);

/* repeat.c */
const char *rt_inst_path(const sk_run *run, int r, size_t k, char *buf, size_t size);
void rt_enter(sk_run *run, int q, size_t k);
const char *rt_path_of(const sk_run *run, int q);
bool *rt_flag(const sk_run *run, bool *base, bool *inst, int q);
sk_status rt_grow_instances(sk_run *run, size_t n);
size_t rt_count_cb(void *user, const char *name);
const char *rt_nth_cb(void *user, const char *name, size_t i);
sk_status rt_set_count(sk_run *run, int r, size_t n, int64_t now_ms, bool *changed,
                       sk_error *err);
const sk_run *rt_at(const sk_run *run, int q);
bool rt_exists(const sk_run *run, int q);

#endif
