/* fn.h - functions written outside eval.c's switch (internal to lib/expr).
 * Each takes the evaluator and its call node and returns an owned value;
 * the table in eval.c names them.  The semantics are JavaRosa's (ODK's
 * XForms engine) and are listed in docs/XLSFORM.md, "Expressions and
 * functions". */
#ifndef SK_EXPR_FN_H
#define SK_EXPR_FN_H

#include "expr_internal.h"

#define F_EXT 1000

/* fn_math.c */
sk_value fn_pow(evaluator *ev, const node *n);
sk_value fn_abs(evaluator *ev, const node *n);
sk_value fn_math1(evaluator *ev, const node *n); /* log log10 exp exp10 sqrt sin cos ... */
sk_value fn_atan2(evaluator *ev, const node *n);
sk_value fn_pi(evaluator *ev, const node *n);
sk_value fn_max(evaluator *ev, const node *n);
sk_value fn_min(evaluator *ev, const node *n);
sk_value fn_random(evaluator *ev, const node *n);
sk_value fn_checklist(evaluator *ev, const node *n);
sk_value fn_weighted_checklist(evaluator *ev, const node *n);

/* fn_string.c */
sk_value fn_translate(evaluator *ev, const node *n);
sk_value fn_normalize_space(evaluator *ev, const node *n);
sk_value fn_substring_before(evaluator *ev, const node *n);
sk_value fn_substring_after(evaluator *ev, const node *n);
sk_value fn_substring(evaluator *ev, const node *n);
sk_value fn_ends_with(evaluator *ev, const node *n);
sk_value fn_join(evaluator *ev, const node *n);
sk_value fn_selected_at(evaluator *ev, const node *n);
sk_value fn_boolean_from_string(evaluator *ev, const node *n);
sk_value fn_once(evaluator *ev, const node *n);
sk_value fn_uuid(evaluator *ev, const node *n);
sk_value fn_digest(evaluator *ev, const node *n);
sk_value fn_base64_decode(evaluator *ev, const node *n);
sk_value fn_version(evaluator *ev, const node *n);
sk_value fn_property(evaluator *ev, const node *n);

/* fn_date.c */
sk_value fn_date(evaluator *ev, const node *n);
sk_value fn_date_time(evaluator *ev, const node *n);
sk_value fn_decimal_date_time(evaluator *ev, const node *n);
sk_value fn_decimal_time(evaluator *ev, const node *n);
sk_value fn_format_date_time(evaluator *ev, const node *n);

/* fn_instance.c */
sk_value fn_pulldata(evaluator *ev, const node *n);
sk_value fn_itext(evaluator *ev, const node *n);
sk_value fn_current(evaluator *ev, const node *n);
/* Nodes: instance('id')/root/item[pred]/col, and a bare name inside pred. */
sk_value expr_instance_path(evaluator *ev, const node *n);
sk_value expr_item_column(evaluator *ev, const node *n);

#endif
