#!/usr/bin/env python3
"""End-to-end: repeats on the real survey-kiosk (issue 11).

Form: tests/data/forms/kiosk_repeat.md, a household whose members the
participant adds ("Add a Household member?" / "Add another ...?") and
removes ("Remove", with a confirmation).  One sitting by touch:

  village; add three members (Ada 36, Bo 9, Cy 17), each page titled
  "Household member k of n"; Back from "add another?" into the last
  instance; Remove on Cy, then "Keep it"; Back into member 2 and Remove it
  (confirmed): Cy becomes member 2 of 2; forward to the question again.

One sitting by keyboard only (Tab, Return, typing): village, add two
members, remove the first, finish.

Then survey-kiosk --export, survey-sync merge, accept the device,
survey-sync export: the responses CSV and hh-v1-member.csv must hold exactly
what was entered (PARENT_KEY = the response's KEY, KEY = KEY/member[n]).

usage: kiosk_repeats.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402
import skformat as sf  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
S = Study("kiosk_repeats", KIOSK, SYNC, "kiosk repeats")
TMP, ENV, check, run = S.tmp, S.env, S.check, S.run


def label(k, wid):
    return k.widget(wid)["label"]


def title_is(k, want):
    ui = k.wait_for(lambda ui: any(w["id"] == "repeat/title" for w in ui["widgets"]),
                    what="a page inside the repeat")
    got = k.widget("repeat/title", ui)["label"]
    check(got == want, "the page's title is %r, want %r" % (got, want))


def on_page(k, wid):
    return k.wait_for(lambda ui: ui["screen"] == "question" and
                      any(w["id"] == wid for w in ui["widgets"]), what="the page of '%s'" % wid)


def ask(k, want_title):
    ui = k.wait_screen("repeat-ask")
    got = k.widget("repeat/question", ui)["label"]
    check(got == want_title, "the question is %r, want %r" % (got, want_title))


def answer_text(k, wid, text):
    on_page(k, wid)
    k.tap(wid)
    k.text(text)
    check(k.widget(wid)["value"] == text, "%s shows %r" % (wid, text))
    if k.has("osk/done"):
        k.tap("osk/done")


def touch_sitting(data):
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_screen("consent")
        k.tap("agree")
        k.tap("next")
        answer_text(k, "village", "Ikot")
        k.tap("next")
        ask(k, "Add a Household member?")
        check(not k.has("repeat/count"), "no count before the first member")
        members = [("Ada", "36"), ("Bo", "9"), ("Cy", "17")]
        for i, (name, age) in enumerate(members, 1):
            k.tap("repeat/add")
            title_is(k, "Household member %d of %d" % (i, i))
            answer_text(k, "mname", name)
            k.tap("next")
            on_page(k, "mage")
            check(any(w["label"] == "Age of %s" % name for w in k.ui()["widgets"]),
                  "the age question names %s (a sibling in the same instance)" % name)
            answer_text(k, "mage", age)
            k.tap("next")
            ask(k, "Add another Household member?")
            check(label(k, "repeat/count") == "You have entered %d." % i, "the count says %d" % i)
        # Back from the question into the last instance, then Remove / Keep it.
        k.tap("back")
        title_is(k, "Household member 3 of 3")
        check(k.widget("mage")["value"] == "17", "Back shows Cy's age")
        k.tap("back")
        on_page(k, "mname")
        check(k.widget("mname")["value"] == "Cy", "Back again shows Cy's name")
        k.tap("repeat/remove")
        ui = k.wait_screen("repeat-remove")
        check(k.widget("repeat/question", ui)["label"] ==
          "Remove Household member 3 and its answers?",
          "the confirmation names the instance: %r" % k.widget("repeat/question", ui)["label"])
        k.tap("repeat/remove-no")
        on_page(k, "mname")
        check(k.widget("mname")["value"] == "Cy", "Keep it leaves Cy")
        # Back across instances: member 3 -> member 2's age -> member 2's name.
        k.tap("back")
        title_is(k, "Household member 2 of 3")
        check(k.widget("mage")["value"] == "9", "Back across instances shows Bo's age")
        k.tap("back")
        on_page(k, "mname")
        check(k.widget("mname")["value"] == "Bo", "and Bo's name")
        k.tap("repeat/remove")
        k.wait_screen("repeat-remove")
        k.tap("repeat/remove-yes")
        on_page(k, "mname")
        title_is(k, "Household member 2 of 2")
        check(k.widget("mname")["value"] == "Cy", "after removing Bo, member 2 is Cy")
        k.tap("next")
        on_page(k, "mage")
        check(k.widget("mage")["value"] == "17", "Cy's age moved with him")
        k.tap("next")
        ask(k, "Add another Household member?")
        check(label(k, "repeat/count") == "You have entered 2.", "two members left")
        k.tap("repeat/done")
        ui = on_page(k, "done")
        check(any("You listed 2 members." in (w["label"] or "") for w in ui["widgets"]),
              "count(${member}) outside the repeat is 2")
        k.tap("submit")
        k.wait_screen("thanks")
        k.wait_screen("welcome", timeout=20)
    finally:
        rc = k.close()
        err = k.stderr()
    S.clean_exit(rc, err)
    return {"village": "Ikot", "members": [("Ada", "36"), ("Cy", "17")]}


def tab_to(k, wid, limit=30):
    for _ in range(limit):
        if k.ui().get("focus") == wid:
            return
        k.key("Tab")
    raise KioskError("Tab never reaches '%s' (focus %r)" % (wid, k.ui().get("focus")))


def press(k, wid):
    tab_to(k, wid)
    k.key("Return")


def type_into(k, wid, text):
    tab_to(k, wid)
    k.text(text)
    check(k.widget(wid)["value"] == text, "typed %r into %s" % (text, wid))


def keyboard_sitting(data):
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        k.key("Return")                       # Start is the screen's main action
        k.wait_screen("consent")
        press(k, "agree")
        press(k, "next")
        on_page(k, "village")
        type_into(k, "village", "Uyo")
        press(k, "next")
        ask(k, "Add a Household member?")
        for i, (name, age) in enumerate([("Eke", "50"), ("Femi", "12")], 1):
            press(k, "repeat/add")
            title_is(k, "Household member %d of %d" % (i, i))
            on_page(k, "mname")
            type_into(k, "mname", name)
            press(k, "next")
            on_page(k, "mage")
            type_into(k, "mage", age)
            press(k, "next")
            ask(k, "Add another Household member?")
        # Back (keyboard) into member 2, back again to member 1's name, remove it.
        press(k, "back")
        title_is(k, "Household member 2 of 2")
        press(k, "back")
        press(k, "back")
        title_is(k, "Household member 1 of 2")
        on_page(k, "mage")
        press(k, "back")
        on_page(k, "mname")
        check(k.widget("mname")["value"] == "Eke", "keyboard Back reaches Eke")
        press(k, "repeat/remove")
        k.wait_screen("repeat-remove")
        press(k, "repeat/remove-yes")
        title_is(k, "Household member 1 of 1")
        check(k.widget("mname")["value"] == "Femi", "Femi is member 1 after the removal")
        press(k, "next")
        on_page(k, "mage")
        press(k, "next")
        ask(k, "Add another Household member?")
        press(k, "repeat/done")
        on_page(k, "done")
        press(k, "submit")
        k.wait_screen("thanks")
    finally:
        rc = k.close()
        err = k.stderr()
    check(rc == 0, "the kiosk exits cleanly: %s\n%s" % (rc, err[-2000:]))
    return {"village": "Uyo", "members": [("Femi", "12")]}


def verify(data, sittings):
    csvdir, accepted = S.to_csv(data)
    out = os.path.join(TMP, "bundles")
    check(len(accepted) == 1, "the kiosk is accepted after its first merge")
    resp = S.responses(csvdir, "kiosk_repeat-v1_responses.csv")
    members = read_csv(os.path.join(csvdir, "kiosk_repeat-v1-member.csv"))
    check(len(resp) == len(sittings), "%d responses, want %d" % (len(resp), len(sittings)))
    for want in sittings:
        rows = [r for r in resp if r["village"] == want["village"]]
        check(len(rows) == 1, "one response from %s" % want["village"])
        if not rows:
            continue
        r = rows[0]
        check(r["KEY"] == r["record_id"], "KEY is the record id")
        check(r["SET-OF-member"] == r["KEY"] + "/member", "SET-OF-member")
        check(r["n"] == str(len(want["members"])), "n = %s" % r["n"])
        got = [(m["mname"], m["mage"], m["KEY"]) for m in members if m["PARENT_KEY"] == r["KEY"]]
        expect = [(name, age, "%s/member[%d]" % (r["KEY"], i))
                  for i, (name, age) in enumerate(want["members"], 1)]
        check(got == expect, "the member rows of %s: %r, want %r" % (want["village"], got, expect))
    check(all("mname" not in r for r in resp), "member questions are not columns of the responses")
    # The independent reader (tests/e2e/skformat.py, from FORMATS.md alone)
    # opens the same records: payload v2, each member answer with its instance.
    with open(os.path.join(TMP, "study", "study.key"), "rb") as f:
        study = sf.load_study_key(f.read(), ENV["SURVEY_PASSPHRASE"])
    docs = []
    for path in glob.glob(os.path.join(out, "*.skb")):
        for r in sf.read_bundle(path).parsed_records:
            payload, _ = sf.open_record(r, study)
            doc = sf.parse_answers(payload)
            if r.kind == sf.KIND_RESPONSE:
                docs.append(doc)
    check(len(docs) == len(sittings), "the Python reader opens %d responses" % len(docs))
    for doc in docs:
        check(doc["v"] == 2, "payload version 2")
        top = sf.answers_dict(doc)
        want = [w for w in sittings if w["village"] == top.get("village")]
        check(len(want) == 1, "a response from a known village: %r" % top.get("village"))
        if not want:
            continue
        inst = sf.answers_by_instance(doc)
        got = [(inst.get("member[%d]" % i, {}).get("mname"), inst.get("member[%d]" % i, {}).get("mage"))
               for i in range(1, len(inst) + 1)]
        check(got == want[0]["members"], "the payload's instances: %r" % got)
        check(top.get("member") == str(len(want[0]["members"])), "the repeat's entry counts them")
    book = read_csv(os.path.join(csvdir, "kiosk_repeat-v1_codebook.csv"))
    check(any(b["variable"] == "mname" and b["file"] == "repeat member" for b in book),
          "the codebook puts mname in the member file")


def main():
    data = S.setup(FORM, "hh.pack")
    try:
        sittings = [touch_sitting(data), keyboard_sitting(data)]
        verify(data, sittings)
    except KioskError as e:
        check(False, str(e))
    S.finish("kiosk repeats: ok")


main()
