#!/usr/bin/env python3
"""End-to-end: complete every example survey in every language on the real kiosk.

For each examples/*.xlsx: keygen, pack, install into a fresh kiosk, then for
each language of the form a participant walks from Welcome to Thank you,
answering whatever each page asks the way a person would: every consent clause
ticked, a signature drawn, the first offered choice of every question, a
number or a sentence or an email in text boxes (retyped when the form's
constraint refuses it), a date from the date spinners.  Every page is checked
for touch targets of at least 48 px at 800x480 and for widgets inside the
window.  Then the bundle is exported, merged and exported as CSV with the
study key, and every answer the walker gave must be in the response row of
its language.

usage: kiosk_examples.py SURVEY_KIOSK SURVEY_SYNC EXAMPLES_DIR
"""
import csv
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError, accept_devices  # noqa: E402

KIOSK, SYNC, EXAMPLES = sys.argv[1:4]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "kiosk_examples")
ENV = dict(os.environ, SURVEY_PASSPHRASE="examples e2e", SK_PWHASH_FAST="1")
INTERACTIVE = {"button", "radio", "checkbox", "textbox", "slider", "combobox", "option"}
failures = []
# Titles the welcome screen must show, by form and language (settings
# form_title and form_title::LANGUAGE).
TITLES = {("nhsda-alumni", "en"): "NHS Digital Academy alumni impact survey",
          ("nhsda-alumni", "zh"): "NHS 数字学院校友影响调查"}


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run(list(args), env=ENV, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit("command failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))
    return p.stdout


def audit(ui, form, seen):
    """Touch targets and layout on every screen the walker meets."""
    key = (ui["screen"], tuple(sorted(w["id"] for w in ui["widgets"])))
    if key in seen:
        return
    seen.add(key)
    W, H = ui["width"], ui["height"]
    # Widgets cut by the scrolling area's edges report their visible part only:
    # judge sizes on those wholly between the header and the footer.
    top = max([w["y"] + w["h"] for w in ui["widgets"]
               if w["id"].startswith("lang/") or w["id"] in ("title", "progress")] or [0])
    bottom = min([w["y"] for w in ui["widgets"] if w["id"] in ("next", "back", "submit", "decline")]
                 or [H])
    for w in ui["widgets"]:
        inside = w["y"] > top + 1 and w["y"] + w["h"] < bottom - 16  # footer padding
        if w["role"] in INTERACTIVE and w["enabled"] and inside:
            check(w["h"] >= 48,
                  "%s: %s '%s' is %d px high" % (form, ui["screen"], w["id"], w["h"]))
        check(w["x"] >= 0 and w["x"] + w["w"] <= W,
              "%s: '%s' is outside the window horizontally" % (form, w["id"]))


class Walker:
    def __init__(self, k, form):
        self.k, self.form = k, form
        self.given = {}      # question -> value (single) or set (multiple)
        self.consent = {}
        self.seen = set()
        self.refused = set()

    def page_widgets(self):
        return self.k.ui()["widgets"]

    def refusal_in_view(self):
        """A refused Next on a long page (the NHSDA training options, whose
        constraint message comes after ten options): the message is scrolled
        into view between the header and the footer, not left below the fold."""
        k = self.k
        k.reveal("training/none")
        k.tap("training/none")
        k.reveal("training/msc")
        k.tap("training/msc")
        k.tap("next")
        ui = k.ui()
        msgs = [w for w in ui["widgets"] if w["id"] == "training/message"]
        top = max([w["y"] + w["h"] for w in ui["widgets"] if w["id"] in ("title", "progress")] or [0])
        bottom = k.widget("next", ui)["y"]
        check(msgs and msgs[0]["y"] >= top and msgs[0]["y"] + msgs[0]["h"] <= bottom,
              "%s: after a refused Next the constraint message is in view (%d..%d): %r"
              % (self.form, top, bottom, msgs))
        k.reveal("training/none")
        k.tap("training/none")
        print("refused Next on %s: message at %r" % (self.form, msgs and (msgs[0]["y"], msgs[0]["h"])))

    def fill_page(self):
        k = self.k
        if self.form == "nhsda-alumni" and "training" not in self.refused and any(
                w["id"].startswith("training/") for w in k.ui()["widgets"]):
            self.refused.add("training")
            self.refusal_in_view()
        done_q = set()
        for _ in range(60):  # scroll through long pages
            ui = k.ui()
            audit(ui, self.form, self.seen)
            progressed = False
            for w in ui["widgets"]:
                wid, role = w["id"], w["role"]
                if wid.startswith(("lang/", "osk/", "admin")) or wid in ("next", "back", "submit",
                                                                        "decline", "keyboard"):
                    continue
                q = wid.split("/")[0]
                if q in done_q or not w["enabled"]:
                    continue
                if role == "checkbox":
                    if ui["screen"] == "consent":
                        if not w["checked"]:
                            k.tap(wid)
                        self.consent[q] = "yes"
                        done_q.add(q)
                    else:
                        if not w["checked"]:
                            k.tap(wid)
                        self.given.setdefault(q, set()).add(wid.split("/", 1)[1])
                        done_q.add(q)
                    progressed = True
                    break
                if role == "radio":
                    if not any(x["checked"] for x in ui["widgets"] if x["id"].startswith(q + "/")):
                        k.tap(wid)
                    chosen = [x["id"].split("/", 1)[1] for x in k.ui()["widgets"]
                              if x["id"].startswith(q + "/") and x["checked"]]
                    self.given[q] = chosen[0] if chosen else None
                    done_q.add(q)
                    progressed = True
                    break
                if role == "combobox":
                    k.tap(wid)
                    opts = [x for x in k.ui()["widgets"] if x["role"] == "option"]
                    if opts:
                        k.tap(opts[0]["id"])
                        self.given[q] = opts[0]["id"].split("/", 1)[1]
                    done_q.add(q)
                    progressed = True
                    break
                if role == "textbox" and "/" not in wid:
                    ids = [x["id"] for x in ui["widgets"]]
                    if wid + "/clear" in ids:  # a signature pad
                        x0, y0 = w["x"] + 30, w["y"] + w["h"] // 2
                        k.send("mdrag %d %d %d %d" % (x0, y0, x0 + 150, y0 - 15))
                        self.consent[q + "_strokes"] = "1"
                    elif wid + "/year-" in ids:  # a date
                        if not w["value"]:
                            k.tap(wid + "/year-")
                        self.given[q] = k.widget(wid)["value"]
                    else:
                        self.type_text(wid, ui["screen"] == "consent")
                    done_q.add(q)
                    progressed = True
                    break
            if progressed:
                continue
            # nothing left in view: scroll on, or stop when scrolling shows nothing new
            before = tuple(w["id"] for w in k.ui()["widgets"])
            k.send("wheel -4")
            if tuple(w["id"] for w in k.ui()["widgets"]) == before:
                return

    def type_text(self, wid, consent):
        k = self.k
        k.tap(wid)
        numeric = k.has("osk/1") and not k.has("osk/a")
        value = "3" if numeric else "Example answer"
        if numeric:
            k.tap("osk/3")
        else:
            k.text(value)
        if k.has("osk/done"):
            k.tap("osk/done")
        (self.consent if consent else self.given)[wid] = value

    def fix_refused(self):
        """After a refused Next: retype text boxes with an alert as an email."""
        k = self.k
        alerts = [w["id"].split("/")[0] for w in k.ui()["widgets"] if w["role"] == "alert"]
        for q in alerts:
            if not k.has(q):
                continue
            k.tap(q)
            for _ in range(len(str(self.given.get(q, ""))) + 2):
                k.key("BackSpace")
            k.text("name@example.org")
            if k.has("osk/done"):
                k.tap("osk/done")
            self.given[q] = "name@example.org"
        return bool(alerts)

    def walk(self, lang):
        k = self.k
        k.wait_screen("welcome")
        if k.has("lang/" + lang):
            k.tap("lang/" + lang)
        want = TITLES.get((self.form, lang))
        if want:
            got = k.widget("title")["label"]
            check(got == want, "%s (%s): the welcome title is %r, not %r" % (self.form, lang, want, got))
        k.tap("start")
        for _ in range(80):
            scr = k.screen()
            if scr == "thanks":
                return k.widget("withdrawal-code")["label"]
            if scr not in ("consent", "question"):
                raise KioskError("unexpected screen %s" % scr)
            self.fill_page()
            for _ in range(20):
                if k.has("next") or k.has("submit"):
                    break
                k.send("wheel 4")
            before = k.ui()
            k.tap("submit" if k.has("submit") else "next")
            after = k.ui()
            def progress(ui):
                return [w["label"] for w in ui["widgets"] if w["id"] == "progress"]
            if after["screen"] == before["screen"] and progress(after) == progress(before) and \
                    any(w["role"] == "alert" for w in after["widgets"]):
                if not self.fix_refused():
                    raise KioskError("Next refused: %s" % [w["label"] for w in after["widgets"] if w["role"] == "alert"])
                k.tap("submit" if k.has("submit") else "next")
        raise KioskError("did not reach the thank-you screen: %s"
                         % [(w["id"], w["label"][:30]) for w in k.ui()["widgets"]])


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    run(SYNC, "keygen", "--out", os.path.join(TMP, "study"))
    key = os.path.join(TMP, "study", "study.key")
    forms = sorted(glob.glob(os.path.join(EXAMPLES, "*.xlsx")))
    check(len(forms) >= 3, "three example questionnaires: %s" % forms)
    for form in forms:
        name = os.path.splitext(os.path.basename(form))[0]
        pack = os.path.join(TMP, name + ".pack")
        run(SYNC, "pack", form, "--key", key, "--out", pack)
        data = os.path.join(TMP, name)
        run(KIOSK, "--data", data, "--install", pack)
        k = Kiosk(KIOSK, data)
        langs = [w["id"].split("/")[1] for w in k.ui()["widgets"] if w["id"].startswith("lang/")] or [None]
        sittings = []
        try:
            for lang in langs:
                w = Walker(k, name)
                code = w.walk(lang or "")
                check(len(code) == 19, "%s (%s): a withdrawal code" % (name, lang))
                sittings.append((lang, w.given))
                k.wait_screen("welcome", timeout=60)
        except KioskError as e:
            check(False, "%s: %s" % (name, e))
        finally:
            k.close()
        out = os.path.join(TMP, name + "-bundles")
        run(KIOSK, "--data", data, "--export", out)
        store = os.path.join(TMP, name + ".db")
        run(SYNC, "merge", "--store", store, *glob.glob(os.path.join(out, "*")))
        check(len(accept_devices(SYNC, store)) == 1, "%s: the kiosk accepted after merging" % name)
        csvdir = os.path.join(TMP, name + "-csv")
        run(SYNC, "export", "--store", store, "--key", key, "--out", csvdir)
        rows = [r for r in read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
                if r["kind"] == "response"]
        check(len(rows) == len(sittings), "%s: %d responses, want %d" % (name, len(rows), len(sittings)))
        # Answers to questions marked identifying live in *_identifiers.csv
        # only, joined to the response by sitting_id.
        idfiles = glob.glob(os.path.join(csvdir, "*_identifiers.csv"))
        ident = {r["sitting_id"]: r for r in read_csv(idfiles[0])} if idfiles else {}
        for lang, given in sittings:
            mine = [r for r in rows if lang is None or r["language"] == lang]
            check(len(mine) == 1, "%s: one response in %s" % (name, lang))
            for q, v in given.items():
                if not mine:
                    break
                got = mine[0].get(q)
                if got is None and q in ident.get(mine[0].get("sitting_id"), {}):
                    got = ident[mine[0]["sitting_id"]][q]
                if isinstance(v, set):
                    check(got is not None and set(got.split()) == v,
                          "%s (%s): %s = %r, want %s" % (name, lang, q, got, sorted(v)))
                else:
                    check(got == v, "%s (%s): %s = %r, want %r" % (name, lang, q, got, v))
        print("%s: %d language(s), %d answers checked" % (name, len(sittings),
                                                          sum(len(g) for _, g in sittings)))
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("every example completed in every language")


main()
