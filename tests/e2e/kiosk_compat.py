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
shown; ("absent", WIDGET) not on screen; ("page", WIDGET) wait for it.

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
    bundles = os.path.join(TMP, "bundles")
    os.makedirs(bundles)
    ids = {}
    for form, start, steps, _ in CASES:
        name = os.path.splitext(form)[0]
        pack, _ = S.pack(os.path.join(FORMS, form), name + ".pack")
        p = run(SYNC, "inspect", pack)
        ids[form] = next(l.split(":", 1)[1].strip().split()[0] for l in p.stdout.splitlines()
                         if l.strip().startswith("form"))
        S.install(pack, os.path.join(TMP, "kiosk-" + name))
        try:
            sitting(form, start, steps)
        except KioskError as e:
            check(False, "%s: the sitting: %s" % (form, e))
            continue
        S.export_kiosk(os.path.join(TMP, "kiosk-" + name), os.path.join(bundles, name))
    csvdir, _ = S.merge_export(glob.glob(os.path.join(bundles, "*", "*")))
    for form, _, _, want in CASES:
        files = glob.glob(os.path.join(csvdir, "%s-v*_responses.csv" % ids[form]))
        if len(files) != 1:
            check(False, "%s: one responses CSV for form id %s: %s" % (form, ids[form], files))
            continue
        rows = [r for r in read_csv(files[0]) if r["kind"] == "response"]
        check(len(rows) == 1, "%s: one finished response: %d" % (form, len(rows)))
        for col, value in want.items():
            got = rows[0].get(col) if rows else None
            check(got == value, "%s: the CSV holds %s = %r, got %r" % (form, col, value, got))
    S.finish("all %d compatibility forms completed on the kiosk and exported as entered" % len(CASES))


main()
