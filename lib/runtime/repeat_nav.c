/* repeat_nav.c - paging through a form whose pages may stand in repeats
 * (sk_run_first_pos / next / prev, see sk/runtime.h).
 *
 * The pages of a repeat are consecutive in form->pages (its rows are
 * consecutive in the form, and repeats do not nest), so a repeat is a run of
 * pages [first, last] walked once per instance.  Everything is derived from
 * the run at each call; the kiosk keeps only the position.
 */
#include "sk/runtime.h"

static const sk_run_pos END = {-1, 0, -1};

static sk_run_pos at_page(int page, size_t inst) { return (sk_run_pos){page, inst, -1}; }
static sk_run_pos at_ask(int repeat) { return (sk_run_pos){-1, 0, repeat}; }

static int rep_of(const sk_run *run, int page) { return sk_run_form(run)->pages[page].repeat; }

static int first_page(const sk_run *run, int r)
{
    const sk_form *f = sk_run_form(run);
    for (size_t p = 0; p < f->n_pages; p++)
        if (f->pages[p].repeat == r)
            return (int)p;
    return -1;
}

static int last_page(const sk_run *run, int r)
{
    const sk_form *f = sk_run_form(run);
    for (size_t p = f->n_pages; p-- > 0;)
        if (f->pages[p].repeat == r)
            return (int)p;
    return -1;
}

static bool user_sized(const sk_run *run, int r) { return !sk_run_form(run)->q[r].repeat_count; }

/* Page p is shown in instance k (0 outside repeats). */
static bool shown(const sk_run *run, int p, size_t k)
{
    sk_run *mut = (sk_run *)run; /* the current instance is restored below */
    size_t saved = sk_run_instance(run);
    sk_run_set_instance(mut, k);
    const sk_page *pg = &sk_run_form(run)->pages[p];
    bool any = pg->group < 0 || sk_run_relevant(run, pg->group);
    if (any) {
        any = false;
        for (size_t i = 0; i < pg->n && !any; i++)
            any = sk_run_relevant(run, pg->q[i]);
    }
    sk_run_set_instance(mut, saved);
    return any;
}

/* The first shown page of repeat r in instances from..n (dir +1), or the
 * last one in instances from..1 (dir -1). */
static sk_run_pos in_instances(const sk_run *run, int r, size_t from, int dir)
{
    int first = first_page(run, r), last = last_page(run, r);
    size_t n = sk_run_instances(run, r);
    for (size_t k = from; k >= 1 && k <= n; k = dir > 0 ? k + 1 : k - 1) {
        if (dir > 0) {
            for (int p = first; p <= last; p++)
                if (shown(run, p, k))
                    return at_page(p, k);
        } else {
            for (int p = last; p >= first; p--)
                if (shown(run, p, k))
                    return at_page(p, k);
        }
    }
    return END;
}

static sk_run_pos scan_forward(const sk_run *run, int from)
{
    int n = (int)sk_run_form(run)->n_pages;
    for (int p = from; p < n; p++) {
        int r = rep_of(run, p);
        if (r < 0) {
            if (shown(run, p, 0))
                return at_page(p, 0);
            continue;
        }
        if (sk_run_relevant(run, r)) {
            sk_run_pos pos = in_instances(run, r, 1, +1);
            if (!sk_run_pos_end(pos))
                return pos;
            if (user_sized(run, r))
                return at_ask(r);
        }
        p = last_page(run, r);
    }
    return END;
}

static sk_run_pos scan_back(const sk_run *run, int from)
{
    for (int p = from; p >= 0; p--) {
        int r = rep_of(run, p);
        if (r < 0) {
            if (shown(run, p, 0))
                return at_page(p, 0);
            continue;
        }
        if (sk_run_relevant(run, r)) {
            if (user_sized(run, r))
                return at_ask(r);
            sk_run_pos pos = in_instances(run, r, sk_run_instances(run, r), -1);
            if (!sk_run_pos_end(pos))
                return pos;
        }
        p = first_page(run, r);
    }
    return END;
}

bool sk_run_pos_end(sk_run_pos at) { return at.page < 0 && at.ask < 0; }

sk_run_pos sk_run_first_pos(const sk_run *run)
{
    return run ? scan_forward(run, 0) : END;
}

sk_run_pos sk_run_next_pos(const sk_run *run, sk_run_pos at)
{
    if (!run)
        return END;
    if (at.ask >= 0)
        return scan_forward(run, last_page(run, at.ask) + 1);
    if (at.page < 0)
        return END;
    int r = rep_of(run, at.page);
    if (r < 0)
        return scan_forward(run, at.page + 1);
    for (int p = at.page + 1; p <= last_page(run, r); p++)
        if (shown(run, p, at.inst))
            return at_page(p, at.inst);
    sk_run_pos pos = in_instances(run, r, at.inst + 1, +1);
    if (!sk_run_pos_end(pos))
        return pos;
    if (user_sized(run, r) && sk_run_relevant(run, r))
        return at_ask(r);
    return scan_forward(run, last_page(run, r) + 1);
}

sk_run_pos sk_run_prev_pos(const sk_run *run, sk_run_pos at)
{
    if (!run)
        return END;
    if (at.ask >= 0) {
        sk_run_pos pos = in_instances(run, at.ask, sk_run_instances(run, at.ask), -1);
        return sk_run_pos_end(pos) ? scan_back(run, first_page(run, at.ask) - 1) : pos;
    }
    if (at.page < 0)
        return END;
    int r = rep_of(run, at.page);
    if (r < 0)
        return scan_back(run, at.page - 1);
    for (int p = at.page - 1; p >= first_page(run, r); p--)
        if (shown(run, p, at.inst))
            return at_page(p, at.inst);
    sk_run_pos pos = at.inst > 1 ? in_instances(run, r, at.inst - 1, -1) : END;
    return sk_run_pos_end(pos) ? scan_back(run, first_page(run, r) - 1) : pos;
}
