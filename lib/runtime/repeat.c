/* repeat.c - repeat instances in a run (see sk/runtime.h, "Repeats"): where
 * an instance's answers and flags live, which instance expressions and
 * queries are about, and adding, removing and choosing instances.
 *
 * A row inside a repeat has its relevance, required and read-only flags per
 * instance (irel/ireq/iro, instance k at [(k - 1) * n_q + q]); its answers
 * carry the instance path "name[k]".  The evaluation context (ctx_repeat,
 * ctx_inst) says which instance ${x} of a sibling reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

/* Instance k of repeat row r as its answers record it. */
const char *rt_inst_path(const sk_run *run, int r, size_t k, char *buf, size_t size)
{
    return sk_answers_instance(buf, size, run->form->q[r].name, k);
}

/* Expressions from now on are evaluated for question q in instance k
 * (ignored when q is outside repeats; a begin_repeat row is outside its own). */
void rt_enter(sk_run *run, int q, size_t k)
{
    int r = q >= 0 ? run->form->q[q].repeat : -1;
    if (r == q)
        r = -1;
    run->ctx_repeat = r;
    run->ctx_inst = r >= 0 ? k : 0;
    if (r >= 0)
        rt_inst_path(run, r, k, run->ctx_path, sizeof run->ctx_path);
}

size_t sk_run_instances(const sk_run *run, int repeat_q)
{
    if (!run || repeat_q < 0 || (size_t)repeat_q >= run->form->n_q ||
        !run->form->q[repeat_q].is_repeat)
        return 0;
    const char *v = sk_answers_get(run->answers, run->form->q[repeat_q].name);
    unsigned long n = v ? strtoul(v, NULL, 10) : 0;
    return n > SK_RUN_MAX_INSTANCES ? SK_RUN_MAX_INSTANCES : (size_t)n;
}

/* The path of q's answer in the current evaluation context, NULL outside repeats. */
const char *rt_path_of(const sk_run *run, int q)
{
    int r = run->form->q[q].repeat;
    return (r >= 0 && r != q && r == run->ctx_repeat && run->ctx_inst) ? run->ctx_path : NULL;
}

bool *rt_flag(const sk_run *run, bool *base, bool *inst, int q)
{
    int r = run->form->q[q].repeat;
    if (r < 0 || r == q || run->ctx_repeat != r || run->ctx_inst == 0 ||
        run->ctx_inst > run->cap_inst)
        return &base[q];
    return &inst[(run->ctx_inst - 1) * run->form->n_q + (size_t)q];
}

sk_status rt_grow_instances(sk_run *run, size_t n)
{
    if (n <= run->cap_inst)
        return SK_OK;
    size_t cap = run->cap_inst ? run->cap_inst : 4;
    while (cap < n)
        cap *= 2;
    size_t nq = run->form->n_q ? run->form->n_q : 1;
    bool **arrs[3] = {&run->irel, &run->ireq, &run->iro};
    for (int i = 0; i < 3; i++) {
        bool *b = realloc(*arrs[i], cap * nq * sizeof(bool));
        if (!b)
            return SK_ERR_NOMEM;
        memset(b + run->cap_inst * nq, i == 0, (cap - run->cap_inst) * nq * sizeof(bool));
        *arrs[i] = b;
    }
    run->cap_inst = cap;
    return SK_OK;
}

size_t rt_count_cb(void *user, const char *name)
{
    const sk_run *run = user;
    int q = sk_form_find(run->form, name);
    if (q < 0 || run->form->q[q].repeat < 0)
        return 1;
    return sk_run_instances(run, run->form->q[q].repeat);
}

const char *rt_nth_cb(void *user, const char *name, size_t i)
{
    const sk_run *run = user;
    int q = sk_form_find(run->form, name);
    if (q < 0 || run->form->q[q].repeat < 0)
        return i == 0 ? sk_answers_get(run->answers, name) : NULL;
    if (run->form->q[q].is_repeat)
        return NULL;
    char buf[160];
    return sk_answers_get_at(run->answers, rt_inst_path(run, run->form->q[q].repeat, i + 1, buf,
                                                     sizeof buf), name);
}

/* Set repeat r's number of instances to n, dropping the answers of the
 * instances beyond it (a count of 0 removes the entry). */
sk_status rt_set_count(sk_run *run, int r, size_t n, int64_t now_ms, bool *changed,
                           sk_error *err)
{
    const sk_question *q = &run->form->q[r];
    for (size_t k = sk_run_instances(run, r); k > n; k--)
        sk_answers_remove_instance(run->answers, q->name, k);
    if (rt_grow_instances(run, n) != SK_OK)
        return sk_error_set(err, SK_ERR_NOMEM, "out of memory adding a repeat instance");
    char num[24];
    snprintf(num, sizeof num, "%zu", n);
    return rt_put(run, q, n ? num : NULL, now_ms, changed, err);
}

/* Queries answer for the instance chosen with sk_run_set_instance: the
 * evaluation context is set from it (the run is logically const). */
const sk_run *rt_at(const sk_run *run, int q)
{
    sk_run *mut = (sk_run *)run;
    int r = run->form->q[q].repeat;
    size_t k = run->cur_inst;
    if (r >= 0 && r != q && (k == 0 || k > sk_run_instances(run, r)))
        k = 0;
    rt_enter(mut, q, k);
    return run;
}

/* A row inside a repeat outside its instances (cur_inst 0 or past the count) does not exist. */
bool rt_exists(const sk_run *run, int q)
{
    int r = run->form->q[q].repeat;
    return r < 0 || r == q || run->ctx_inst > 0;
}

void sk_run_set_instance(sk_run *run, size_t instance)
{
    if (run)
        run->cur_inst = instance;
}

size_t sk_run_instance(const sk_run *run) { return run ? run->cur_inst : 0; }

const sk_form *sk_run_form(const sk_run *run) { return run ? run->form : NULL; }

const char *sk_run_answer(const sk_run *run, int q)
{
    if (!run || q < 0 || (size_t)q >= run->form->n_q)
        return NULL;
    rt_at(run, q);
    if (!rt_exists(run, q))
        return NULL;
    return sk_answers_get_at(run->answers, rt_path_of(run, q), run->form->q[q].name);
}

sk_status sk_run_set_answer(sk_run *run, int q, const char *value, int64_t now_ms, sk_error *err)
{
    if (!run || q < 0 || (size_t)q >= run->form->n_q)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_set_answer: no such question");
    rt_at(run, q);
    if (!rt_exists(run, q))
        return sk_error_set(err, SK_ERR_ARG, "'%s' is in a repeat instance that does not exist",
                            run->form->q[q].name);
    bool changed = false;
    return rt_put(run, &run->form->q[q], value, now_ms ? now_ms : sk_now_ms(), &changed, err);
}

sk_status sk_run_add_instance(sk_run *run, int repeat_q, int64_t now_ms, sk_error *err)
{
    if (!run || repeat_q < 0 || (size_t)repeat_q >= run->form->n_q ||
        !run->form->q[repeat_q].is_repeat)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_add_instance: not a repeat");
    const sk_question *q = &run->form->q[repeat_q];
    size_t n = sk_run_instances(run, repeat_q);
    if (q->repeat_count)
        return sk_error_set(err, SK_ERR_ARG, "the repeat '%s' has a fixed number of instances",
                            q->name);
    if (!run->relevant[repeat_q])
        return sk_error_set(err, SK_ERR_STATE, "the repeat '%s' is not shown", q->name);
    if (n >= SK_RUN_MAX_INSTANCES)
        return sk_error_set(err, SK_ERR_STATE, "the repeat '%s' already has %d instances",
                            q->name, SK_RUN_MAX_INSTANCES);
    if (now_ms == 0)
        now_ms = sk_now_ms();
    bool changed = false;
    rt_enter(run, -1, 0);
    sk_status st = rt_set_count(run, repeat_q, n + 1, now_ms, &changed, err);
    return st == SK_OK ? sk_run_update(run, now_ms, err) : st;
}

sk_status sk_run_remove_instance(sk_run *run, int repeat_q, size_t instance, int64_t now_ms,
                                 sk_error *err)
{
    if (!run || repeat_q < 0 || (size_t)repeat_q >= run->form->n_q ||
        !run->form->q[repeat_q].is_repeat)
        return sk_error_set(err, SK_ERR_ARG, "sk_run_remove_instance: not a repeat");
    const sk_question *q = &run->form->q[repeat_q];
    size_t n = sk_run_instances(run, repeat_q);
    if (q->repeat_count)
        return sk_error_set(err, SK_ERR_ARG, "the repeat '%s' has a fixed number of instances",
                            q->name);
    if (instance < 1 || instance > n)
        return sk_error_set(err, SK_ERR_ARG, "the repeat '%s' has no instance %zu", q->name,
                            instance);
    if (now_ms == 0)
        now_ms = sk_now_ms();
    sk_answers_remove_instance(run->answers, q->name, instance);
    /* The flags of later instances move down with their answers. */
    size_t nq = run->form->n_q;
    bool *arrs[3] = {run->irel, run->ireq, run->iro};
    for (int i = 0; i < 3; i++)
        memmove(arrs[i] + (instance - 1) * nq, arrs[i] + instance * nq,
                (run->cap_inst - instance) * nq * sizeof(bool));
    bool changed = false;
    rt_enter(run, -1, 0);
    sk_status st = rt_set_count(run, repeat_q, n - 1, now_ms, &changed, err);
    return st == SK_OK ? sk_run_update(run, now_ms, err) : st;
}
