#!/usr/bin/env python3
"""End-to-end: forms other people wrote, completed on the real survey-kiosk (issue 11).

A table of forms from the compatibility suite (tests/compat/forms, sources in
tests/compat/SOURCES.md), each used byte for byte: checked and packed by the
real survey-sync, installed on a kiosk of its own, and completed by a
participant through the test protocol (docs/KIOSK.md) as the table says:
by mouse, by finger, or by keyboard alone (Tab, typing, Return).  The steps
check what the screen shows on the way (the cascading lists of pyxform's
choice_filter test follow the answers; pyxform's "or specify other" shows its
text box only once "Other" is chosen).  Then the research team's path: every
kiosk's --export, one `survey-sync merge`, `survey-sync export`; each form's
responses CSV must hold exactly what was entered.

Steps: ("tap"|"touch", WIDGET) by mouse or finger; ("type", FIELD, TEXT) tap
the field and type; ("key", WIDGET) Tab to it and press Return; ("keytype",
FIELD, TEXT) Tab to it and type; ("choices", QUESTION, [NAMES]) the choices
shown; ("absent", WIDGET) not on screen; ("page", WIDGET) wait for it;
("label", WIDGET, TEXT) the widget's label; ("walk", {WIDGET: ANSWER})
Next through every page to Finish, answering each widget named (a text for a
text box, True to tap a choice; a list: one per visit, for a question of a
repeat), failing if a page does not move on.

Forms whose id another case's form also uses (pyxform's xlsform_spec_test
and attribute_columns_test are both "Spec test" version 1) go to a store of
their own: an export holds one form per id and version.

usage: kiosk_compat.py SURVEY_KIOSK SURVEY_SYNC COMPAT_FORMS_DIR
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402

KIOSK, SYNC, FORMS = sys.argv[1:4]
PASS = "kiosk compat passphrase"
S = Study("kiosk_compat", KIOSK, SYNC, PASS)
TMP, check, run = S.tmp, S.check, S.run

# The answers walked into pyxform's two "Spec test" forms, and what their CSVs
# must hold (responses; the repeat's own file, one row per instance).
SPEC_ANSWERS = {
    "skip_to_end/no": True, "my_name": "Adaeze", "address": "12 Marina Road",
    "autocomplete_test/yes": True, "a_integer": "7", "a_decimal": "2.5",
    "required_text": ["first instance", "second instance"],
    "select_multiple_test/no": [True, True], "label-test/no": [True, True],
    "list-nolabel-test/yes": [True, True], "table_list_question/yes": [True, True],
    "compact-test/a": [True, True], "compact-2-test/b": [True, True],
}
SPEC_CSV = {"skip_to_end": "no", "my_name": "Adaeze", "address": "12 Marina Road",
            "autocomplete_test": "yes", "a_integer": "7", "a_decimal": "2.5",
            "repeat_test": [{"required_text": "first instance", "select_multiple_test": "no",
                             "label-test": "no", "list-nolabel-test": "yes",
                             "table_list_question": "yes", "compact-test": "a",
                             "compact-2-test": "b"},
                            {"required_text": "second instance", "select_multiple_test": "no",
                             "label-test": "no", "list-nolabel-test": "yes",
                             "table_list_question": "yes", "compact-test": "a",
                             "compact-2-test": "b"}]}

# form file, how the participant gets going ("tap", "touch" or "key"), steps,
# and the responses CSV's row (column: value) the export must hold.
CASES = [
    ("pyxform-example-group.md", "tap", [
        ("type", "family_name", "Okafor"), ("tap", "next"),
        # pyxform's "phone number" takes digits only (regex(., '^\d*$'))
        ("type", "phone_number", "02079460958"), ("tap", "next"),
        ("type", "age", "67"), ("tap", "submit"),
    ], {"family_name": "Okafor", "phone_number": "02079460958", "age": "67"}),
    ("pyxform-example-choice_filter_test.xlsx", "touch", [
        ("choices", "state", ["texas", "washington"]),
        ("touch", "state/washington"), ("touch", "next"),
        ("choices", "county", ["king", "pierce"]),
        ("touch", "county/pierce"), ("touch", "next"),
        ("choices", "city", ["puyallup", "tacoma"]),
        # back to the state: the lists follow the new answer
        ("touch", "back"), ("touch", "back"), ("page", "state/texas"),
        ("touch", "state/texas"), ("touch", "next"),
        ("choices", "county", ["cameron", "king"]),
        ("touch", "county/cameron"), ("touch", "next"),
        ("choices", "city", ["brownsville", "harlingen"]),
        ("touch", "city/harlingen"), ("touch", "submit"),
    ], {"state": "texas", "county": "cameron", "city": "harlingen"}),
    ("pyxform-example-specify_other.md", "tap", [
        ("choices", "sex", ["female", "male", "other"]),
        # with "Male" the question is the last one (Finish); "Other" adds its text box
        ("tap", "sex/male"), ("page", "submit"), ("absent", "next"),
        ("tap", "sex/other"), ("tap", "next"),
        ("type", "sex_other", "prefer to describe"),
        ("tap", "submit"),
    ], {"sex": "other", "sex_other": "prefer to describe"}),
    ("pyxform-example-text_and_integer.xlsx", "key", [
        ("keytype", "your_name", "Ngozi"), ("key", "next"),
        ("keytype", "your_age", "29"), ("key", "submit"),
    ], {"your_name": "Ngozi", "your_age": "29"}),
    ("pyxform-example-yes_or_no_question.csv", "key", [
        ("choices", "good_day", ["no", "yes"]),
        ("key", "good_day/yes"), ("key", "submit"),
    ], {"good_day": "yes"}),
    ("pyxform-example-field-list.xlsx", "touch", [
        ("touch", "table_list_question/no"), ("touch", "submit"),
    ], {"table_list_question": "no"}),
    # pyxform's loop: one page per choice, %(label)s replaced; the data columns
    # are pyxform's paths loop/choice/question
    ("pyxform-example-loop.md", "tap", [
        ("tap", "available_toilet_types/pit_latrine_with_slab"),
        ("tap", "available_toilet_types/bucket_system"), ("tap", "next"),
        ("label", "loop_toilet_types/pit_latrine_with_slab/number",
         "How many Pit latrine with slab are on the premises?"),
        ("type", "loop_toilet_types/pit_latrine_with_slab/number", "3"), ("tap", "next"),
        ("label", "loop_toilet_types/open_pit_latrine/number",
         "How many Pit latrine without slab/open pit are on the premises?"),
        ("type", "loop_toilet_types/open_pit_latrine/number", "0"), ("tap", "next"),
        ("type", "loop_toilet_types/bucket_system/number", "12"), ("tap", "submit"),
    ], {"available_toilet_types": "pit_latrine_with_slab bucket_system",
        "loop_toilet_types/pit_latrine_with_slab/number": "3",
        "loop_toilet_types/open_pit_latrine/number": "0",
        "loop_toilet_types/bucket_system/number": "12"}),
    ("pyxform-example-simple_loop.csv", "key", [
        ("keytype", "my_table/col1/count", "4"), ("key", "next"),
        ("keytype", "my_table/col2/count", "5"), ("key", "submit"),
    ], {"my_table/col1/count": "4", "my_table/col2/count": "5"}),
    # pyxform's specification test forms: form id "Spec test" (a space), a
    # repeat of two instances with a field-list group inside
    ("pyxform-example-xlsform_spec_test.xlsx", "tap", [
        ("walk", SPEC_ANSWERS),
    ], SPEC_CSV),
    ("pyxform-example-attribute_columns_test.xlsx", "touch", [
        ("walk", SPEC_ANSWERS),
    ], SPEC_CSV, "attribute_columns"),
]


def choices(k, q):
    return sorted(w[len(q) + 1:] for w in k.ids() if w.startswith(q + "/")
                  and w not in (q + "/message", q + "/label", q + "/hint"))


def wait_widget(k, wid):
    k.wait_for(lambda ui: any(w["id"] == wid for w in ui["widgets"]), what="widget '%s'" % wid)


def tab_to(k, wid, limit=40):
    for _ in range(limit):
        if k.ui().get("focus") == wid:
            return
        k.key("Tab")
    raise KioskError("Tab never reaches '%s' (focus %r)" % (wid, k.ui().get("focus")))


def step(k, s):
    kind, wid = s[0], s[1]
    if kind in ("tap", "touch", "type", "key", "keytype", "page"):
        wait_widget(k, wid)
    if kind == "tap":
        k.reveal(wid)
        k.tap(wid)
    elif kind == "touch":
        k.reveal(wid)
        k.touch(wid)
    elif kind == "type":
        k.reveal(wid)
        k.tap(wid)
        k.text(s[2])
        check(k.widget(wid)["value"] == s[2], "%s shows %r: %r" % (wid, s[2], k.widget(wid)["value"]))
        if k.has("osk/done"):
            k.tap("osk/done")
    elif kind == "key":
        tab_to(k, wid)
        k.key("Return")
    elif kind == "keytype":
        tab_to(k, wid)
        k.text(s[2])
        check(k.widget(wid)["value"] == s[2], "typed %r into %s" % (s[2], wid))
    elif kind == "choices":
        wait_widget(k, wid + "/" + s[2][0])
        check(choices(k, wid) == s[2], "%s offers %s: %s" % (wid, s[2], choices(k, wid)))
    elif kind == "absent":
        check(not k.has(wid), "%s is not shown yet" % wid)
    elif kind == "label":
        check(k.widget(wid)["label"] == s[2], "%s reads %r: %r" % (wid, s[2], k.widget(wid)["label"]))
    elif kind == "walk":
        walk(k, wid)


def page_sig(ui):
    return tuple((w["id"], w["label"]) for w in ui["widgets"])


def walk(k, answers, limit=120):
    used = {}
    for _ in range(limit):
        ui = k.ui()
        ids = [w["id"] for w in ui["widgets"]]
        for wid in ids:
            if wid not in answers:
                continue
            v = answers[wid]
            if isinstance(v, list):
                used[wid] = used.get(wid, 0) + 1
                if used[wid] > len(v):
                    raise KioskError("%s shown %d times, answers for %d" % (wid, used[wid], len(v)))
                v = v[used[wid] - 1]
            step(k, ("tap", wid) if v is True else ("type", wid, v))
        if "submit" in ids:
            k.tap("submit")
            return
        before = page_sig(k.ui())
        k.tap("next")
        try:
            k.wait_for(lambda u: page_sig(u) != before and not any(
                w["role"] == "alert" for w in u["widgets"]), timeout=5, what="the next page")
        except KioskError:
            raise KioskError("the page does not move on: %s" % [
                (w["id"], w["label"]) for w in k.ui()["widgets"]])
    raise KioskError("no Finish after %d pages" % limit)


def sitting(form, start, steps):
    name = os.path.splitext(form)[0]
    data = os.path.join(TMP, "kiosk-" + name)
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        if start == "key":
            k.key("Return")  # Start is the screen's main action
        elif start == "touch":
            k.touch("start")
        else:
            k.tap("start")
        k.wait_screen("question")
        for s in steps:
            step(k, s)
        k.wait_screen("thanks")
    finally:
        rc = k.close()
        err = k.stderr()
    S.clean_exit(rc, err, "%s: " % form)


def main():
    S.fresh()
    S.keygen()
    ids = {}
    stores = {}
    for case in CASES:
        form, start, steps = case[:3]
        store = case[4] if len(case) > 4 else "central"
        name = os.path.splitext(form)[0]
        pack, _ = S.pack(os.path.join(FORMS, form), name + ".pack")
        p = run(SYNC, "inspect", pack)
        # "form:  Spec test   version 1 ..." : the id may hold spaces
        line = next(l.split(":", 1)[1].strip() for l in p.stdout.splitlines()
                    if l.strip().startswith("form"))
        ids[form] = line.split("  ")[0].strip()
        S.install(pack, os.path.join(TMP, "kiosk-" + name))
        try:
            sitting(form, start, steps)
        except KioskError as e:
            check(False, "%s: the sitting: %s" % (form, e))
            continue
        out = os.path.join(TMP, "bundles-" + store, name)
        S.export_kiosk(os.path.join(TMP, "kiosk-" + name), out)
        stores.setdefault(store, []).extend(glob.glob(os.path.join(out, "*")))
    csvdirs = {}
    for store, bundles in stores.items():
        csvdirs[store], _ = S.merge_export(bundles, store)
    for case in CASES:
        form, want = case[0], case[3]
        csvdir = csvdirs.get(case[4] if len(case) > 4 else "central")
        if csvdir is None:
            continue
        files = glob.glob(os.path.join(csvdir, "%s-v*_responses.csv" % glob.escape(ids[form])))
        if len(files) != 1:
            check(False, "%s: one responses CSV for form id %s: %s" % (form, ids[form], files))
            continue
        rows = [r for r in read_csv(files[0]) if r["kind"] == "response"]
        check(len(rows) == 1, "%s: one finished response: %d" % (form, len(rows)))
        for col, value in want.items():
            if isinstance(value, list):  # a repeat: its own CSV, one row per instance
                rep = files[0][:-len("_responses.csv")] + "-%s.csv" % col
                inst = [r for r in read_csv(rep) if rows and r["PARENT_KEY"] == rows[0]["KEY"]] \
                    if os.path.exists(rep) else []
                check(len(inst) == len(value), "%s: %s holds %d instances: %d" % (
                    form, os.path.basename(rep), len(value), len(inst)))
                for r, w in zip(inst, value):
                    for c, v in w.items():
                        check(r.get(c) == v, "%s: %s holds %s = %r, got %r" % (
                            form, os.path.basename(rep), c, v, r.get(c)))
                continue
            got = rows[0].get(col) if rows else None
            check(got == value, "%s: the CSV holds %s = %r, got %r" % (form, col, value, got))
    S.finish("all %d compatibility forms completed on the kiosk and exported as entered" % len(CASES))

main()
