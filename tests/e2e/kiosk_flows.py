#!/usr/bin/env python3
"""End-to-end: participants use the real survey-kiosk, then the research team
opens what it stored with the real survey-sync, and every answer must be there.

Flows (tests/data/forms/kiosk_e2e.md, English and Welsh):
  mouse      every question type, a constraint message, back navigation that
             keeps answers, skip logic that drops a hidden answer, finish with a
             withdrawal code
  touch      the same with touch events only and the on-screen keyboard, in Welsh
  keyboard   keyboard only: Tab/Shift+Tab focus, arrows, Space/Enter
  decline    "I do not wish to take part" records a declined consent
  required   Continue stays disabled until the required clause is ticked;
             Next is refused with the form's required message
  idle       no input: "still there?" with a countdown, then back to welcome
             with nothing of the sitting visible, recorded as incomplete
Then: survey-kiosk --export, survey-sync merge, survey-sync export with the
study key, and every value in the CSVs is compared with what was entered.

usage: kiosk_flows.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
PASS = "kiosk e2e passphrase"
S = Study("kiosk_flows", KIOSK, SYNC, PASS)
TMP, check, run = S.tmp, S.check, S.run


def setup():
    S.fresh()
    S.keygen()
    pack, _ = S.pack(FORM, "e2e.pack")
    data = os.path.join(TMP, "kiosk")
    out = run(KIOSK, "--data", data, "--install", pack).stdout
    check("Kiosk test survey" in out, "install names the survey: %r" % out)
    return data


def osk_done(k):
    if k.has("osk/done"):
        k.tap("osk/done")


def type_keys(k, keys, touch=False):
    """Type on the on-screen keyboard (opened by tapping the field)."""
    for ch in keys:
        wid = "osk/" + ch
        (k.touch if touch else k.tap)(wid)
    osk_done(k)


def next_page(k, touch=False):
    (k.touch if touch else k.tap)("next")


# ---- the flows ---------------------------------------------------------------

def flow_mouse(data, sittings):
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        check(k.widget("start")["h"] >= 48, "Start is at least 48 px high at 800x480")
        k.tap("start")
        k.wait_screen("consent")
        check(not k.widget("next")["enabled"], "Continue is disabled before the required clause")
        k.tap("agree")
        check(k.widget("agree")["checked"] is True, "the clause shows ticked")
        k.tap("signer")
        k.text("Ada Lovelace")
        for _ in range(6):
            k.send("wheel -3")
        sig = k.widget("sig")
        x0, y0 = sig["x"] + 20, sig["y"] + sig["h"] // 2
        k.send("mdrag %d %d %d %d" % (x0, y0, x0 + 200, y0 - 20))
        check(k.widget("sig")["value"] not in (None, "", "0"), "the signature pad took a stroke")
        k.tap("next")
        # role: pick other, then the follow-up shows
        k.tap("role/other")
        next_page(k)
        k.tap("role_other")
        k.text("porter")
        osk_done(k)
        next_page(k)
        # years: a click opens the keypad; the first physical key hides it
        # (it covered Next), and the key is typed
        k.tap("years")
        check(k.has("osk/7"), "a click on a number field opens the keypad")
        k.text("7")
        check(not k.has("osk/7") and k.has("next"), "a physical key hides the keypad")
        check(k.widget("years")["value"] == "7", "the physical key was typed: %r" % k.widget("years")["value"])
        k.key("BackSpace")
        # the constraint message, then a good value
        k.tap("years")
        check(k.has("osk/7"), "a click opens the keypad again after typing")
        type_keys(k, "70")
        next_page(k)
        msg = k.widget("years/message")
        check(msg["label"].endswith("Between 0 and 59 years"), "constraint message: %r" % msg["label"])
        k.tap("years")
        type_keys(k, ["backspace", "backspace", "1", "2"])
        next_page(k)
        # back twice keeps answers; then change role to clinical: role_other is dropped
        k.tap("back")
        check(k.widget("years")["value"] == "12", "Back keeps the years answer")
        k.tap("back")
        check(k.widget("role_other")["value"] == "porter", "Back keeps the text answer")
        k.tap("back")
        check(k.widget("role/other")["checked"] is True, "Back keeps the choice")
        k.tap("role/clinical")
        next_page(k)
        check(k.has("years"), "with role clinical the follow-up page is skipped")
        next_page(k)
        k.tap("region")
        k.tap("region/north")
        next_page(k)
        ids = k.ids()
        check("site/durham" in ids and "site/leeds" in ids and "site/exeter" not in ids,
              "the choice filter shows the northern sites only: %s" % ids)
        k.tap("site/leeds")
        next_page(k)
        k.tap("impact/4")
        next_page(k)
        k.tap("courage/5")
        k.tap("mentoring/2")
        next_page(k)
        k.tap("training/msc")
        k.tap("training/mentoring")
        next_page(k)
        k.tap("hours")
        type_keys(k, "37.5")
        k.tap("confidence/4")
        next_page(k)
        k.tap("grad/year-")
        k.tap("grad/month-")
        grad = k.widget("grad")["value"]
        check(re.fullmatch(r"\d{4}-\d{2}-\d{2}", grad or ""), "the date spinners set a date: %r" % grad)
        next_page(k)
        k.tap("leader")
        k.text("Someone who listens; then leads.")
        osk_done(k)
        check(k.has("submit"), "the last page offers Finish")
        k.tap("submit")
        ui = k.wait_screen("thanks")
        code = k.widget("withdrawal-code", ui)["label"]
        check(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code),
              "the withdrawal code is grouped: %r" % code)
        k.wait_screen("welcome", timeout=15)  # thanks times out (3 s in the form)
        sittings.append({"kind": "response", "lang": "en", "code": code, "answers": {
            "role": "clinical", "role_other": None, "years": "12", "region": "north",
            "site": "leeds", "impact": "4", "courage": "5", "mentoring": "2",
            "training": "msc mentoring", "hours": "37.5", "confidence": "4", "grad": grad,
            "leader": "Someone who listens; then leads."},
            "consent": {"agree": "yes", "signer": "Ada Lovelace"}})
    finally:
        k.close()


def flow_touch_welsh(data, sittings):
    k = Kiosk(KIOSK, data)
    try:
        k.touch("lang/cy")
        check(k.ui()["language"] == "cy", "the language picker switches to Welsh")
        k.touch("start")
        k.wait_screen("consent")
        check("Cytunaf" in k.widget("agree")["label"], "the clause is in Welsh")
        k.touch("agree")
        k.touch("quote_ok")
        k.touch("next")
        k.touch("role/management")
        k.touch("next")
        k.touch("years")
        type_keys(k, "3", touch=True)
        k.touch("next")
        k.touch("next")  # region left empty: site is skipped
        check(k.has("impact/1"), "with no region the site page is skipped")
        check(k.widget("impact/1")["label"] == "Anghytuno'n gryf", "choices are in Welsh")
        k.touch("impact/1")
        k.touch("next")
        k.touch("next")  # table left empty
        k.touch("training/short")
        k.touch("next")
        k.touch("next")
        k.touch("next")
        # the free text through the on-screen keyboard only
        k.touch("leader")
        if not k.has("osk/a"):
            k.touch("keyboard")
        for ch in "da":
            k.touch("osk/" + ch)
        osk_done(k)
        check(k.widget("leader")["value"] == "da", "on-screen keyboard typing: %r" % k.widget("leader")["value"])
        k.touch("submit")
        ui = k.wait_screen("thanks")
        code = k.widget("withdrawal-code", ui)["label"]
        sittings.append({"kind": "response", "lang": "cy", "code": code, "answers": {
            "role": "management", "years": "3", "region": None, "site": None, "impact": "1",
            "training": "short", "leader": "da"},
            "consent": {"agree": "yes", "quote_ok": "yes"}})
    finally:
        k.close()


def focus(k, prefix):
    """Tab until the focus ring is on a widget whose id starts with prefix."""
    for _ in range(40):
        if (k.ui().get("focus") or "").startswith(prefix):
            return
        k.key("Tab")
    raise KioskError("Tab never reaches '%s' (focus %s)" % (prefix, k.ui().get("focus")))


def press(k, wid):
    focus(k, wid)
    k.key("Return")


def flow_keyboard(data, sittings):
    """The whole survey with the keyboard alone: Tab, arrows, Space, Enter, typing."""
    k = Kiosk(KIOSK, data)
    try:
        k.key("Return")  # nothing focused: Enter is the main action, Start
        k.wait_screen("consent")
        focus(k, "agree")
        k.key("space")
        check(k.widget("agree")["checked"] is True, "Space ticks the focused clause")
        press(k, "next")
        focus(k, "role/")
        k.key("space")
        check(k.widget("role/clinical")["checked"] is True, "Space chooses the focused role")
        check(k.ui().get("focus") is not None, "a widget has the focus ring")
        k.key("Escape")  # must not leave the kiosk
        check(k.proc.poll() is None, "Escape does not quit")
        press(k, "next")
        focus(k, "years")
        k.text("7")
        check(not k.has("osk/1"), "typing on a keyboard keeps the keypad away")
        press(k, "next")
        focus(k, "region")
        k.key("Return")  # opens the drop-down
        k.key("Down")
        k.key("Return")
        check(k.widget("region")["value"] == "south", "the drop-down works with arrows and Enter")
        press(k, "next")
        focus(k, "site/")
        k.key("space")
        press(k, "next")
        focus(k, "impact/")
        k.key("Right")
        k.key("space")
        check(k.widget("impact/2")["checked"] is True, "arrows move within a Likert scale")
        press(k, "next")
        focus(k, "courage/")
        k.key("space")
        focus(k, "mentoring/")
        k.key("Right")
        k.key("space")
        press(k, "next")
        focus(k, "training/")
        k.key("space")
        press(k, "next")
        focus(k, "hours")
        k.text("12.5")
        focus(k, "confidence/")
        k.key("Right")
        k.key("Right")
        k.key("space")
        press(k, "next")
        focus(k, "grad")
        k.text("2020-05-17")
        press(k, "next")
        focus(k, "leader")
        k.text("Keyboard only.")
        press(k, "submit")
        ui = k.wait_screen("thanks")
        sittings.append({"kind": "response", "lang": "en", "code": k.widget("withdrawal-code", ui)["label"],
                         "answers": {"role": "clinical", "years": "7", "region": "south",
                                     "site": "exeter", "impact": "2", "courage": "1",
                                     "mentoring": "2", "training": "msc", "hours": "12.5",
                                     "confidence": "3", "grad": "2020-05-17",
                                     "leader": "Keyboard only."},
                         "consent": {"agree": "yes"}})
    finally:
        k.close()


def flow_decline(data, sittings):
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.wait_screen("consent")
        k.tap("quote_ok")
        k.tap("decline")
        k.wait_for(lambda ui: ui["screen"] in ("declined", "welcome"), what="declined")
        k.wait_screen("welcome", timeout=20)
        sittings.append({"kind": "declined", "consent": {"quote_ok": "yes"}})
    finally:
        k.close()


def flow_required(data):
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.wait_screen("consent")
        check(not k.widget("next")["enabled"], "Continue disabled without the required clause")
        k.tap("agree")
        k.tap("next")
        k.tap("next")  # role is required
        check(k.screen() == "question" and k.has("role/clinical"), "Next refused on a required question")
        alerts = [w for w in k.ui()["widgets"] if w["role"] == "alert"]
        check(alerts and "requires an answer" in alerts[0]["label"], "required message shown: %s" % alerts)
        # the window grows to 1920x1080 and back: everything is laid out again inside it
        for w, h in [(1920, 1080), (800, 480)]:
            ui = k.send("resize %d %d" % (w, h))
            ui = k.wait_for(lambda u: u["width"] == w and u["height"] == h, what="resize")
            inside = all(x["x"] >= 0 and x["x"] + x["w"] <= w and x["y"] + x["h"] <= h
                         for x in ui["widgets"])
            nxt = k.widget("next", ui)
            check(inside and nxt["x"] + nxt["w"] > w * 0.6, "layout follows a resize to %dx%d" % (w, h))
            check(k.has("role/clinical"), "the page survives a resize")
    finally:
        k.close()


def flow_idle(data, sittings):
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.tap("agree")
        k.tap("next")
        k.tap("role/other")
        ui = k.wait_screen("idle", timeout=20)  # 4 s idle in the form
        check(any(w["id"] == "idle/countdown" for w in ui["widgets"]), "the idle screen counts down")
        ui = k.wait_screen("welcome", timeout=20)  # 2 s countdown
        text = " ".join(w["label"] for w in ui["widgets"])
        check("other" not in text.lower() and "Other" not in text, "nothing of the sitting is visible")
        sittings.append({"kind": "incomplete", "answers": {"role": "other"}})
    finally:
        k.close()


# ---- what the research team gets ----------------------------------------------

def verify(data, sittings):
    bundles = glob.glob(os.path.join(S.export_kiosk(data), "*"))
    check(len(bundles) == 1, "one bundle written: %s" % bundles)
    csvdir, accepted = S.merge_export(bundles)
    check(len(accepted) == 1, "the kiosk is accepted after its first merge")
    resp = read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
    cons = read_csv(glob.glob(os.path.join(csvdir, "*_consent.csv"))[0])
    finished = [r for r in resp if r["kind"] == "response"]
    incomplete = [r for r in resp if r["kind"] == "incomplete"]
    want_finished = [s for s in sittings if s["kind"] == "response"]
    check(len(finished) == len(want_finished), "finished rows: %d, want %d" % (len(finished), len(want_finished)))
    for s in want_finished:
        rows = [r for r in finished if r.get("language", "").endswith("(%s)" % s["lang"]) or r.get("language") == s["lang"]]
        # None: not answered; the export writes NA when the question was
        # asked (shown and left empty), empty when skip logic hid it.
        match = [r for r in rows if all((r.get(q) or "") in ((v,) if v else ("", "NA"))
                                        for q, v in s["answers"].items())]
        check(len(match) == 1, "the %s sitting's answers come back exactly: want %s, rows %s"
              % (s["lang"], s["answers"], rows))
    check(len(incomplete) >= 2, "idle and the interrupted keyboard sitting are incomplete: %d" % len(incomplete))
    idle = [r for r in incomplete if r.get("role") == "other"]
    check(len(idle) == 1, "the idle sitting kept its answer")
    declined = [r for r in cons if r["kind"] == "declined"]
    check(len(declined) == 1 and declined[0].get("quote_ok") == "yes", "declined consent recorded: %s" % declined)
    consents = [r for r in cons if r["kind"] == "consent"]
    check(any(r.get("signer") == "Ada Lovelace" and r.get("agree") == "yes" for r in consents),
          "the consent record holds the name and the clause")
    # Nothing the participants typed is readable in the kiosk's folder.
    for root, _, files in os.walk(data):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                blob = f.read()
            for secret in (b"Ada Lovelace", b"porter", b"Someone who listens"):
                check(secret not in blob, "%s does not contain %r" % (name, secret))


def main():
    data = setup()
    sittings = []
    for name, fn in [("mouse", lambda: flow_mouse(data, sittings)),
                     ("touch, Welsh", lambda: flow_touch_welsh(data, sittings)),
                     ("keyboard", lambda: flow_keyboard(data, sittings)),
                     ("decline", lambda: flow_decline(data, sittings)),
                     ("required", lambda: flow_required(data)),
                     ("idle", lambda: flow_idle(data, sittings))]:
        t = time.time()
        try:
            fn()
        except KioskError as e:
            check(False, "%s flow: %s" % (name, e))
        print("flow %-12s %.1f s" % (name, time.time() - t))
    verify(data, sittings)
    S.finish("all kiosk flows passed")


main()
