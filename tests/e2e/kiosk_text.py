#!/usr/bin/env python3
"""End-to-end: long and limited free text on the real survey-kiosk (issue 15).

Form: tests/data/forms/kiosk_text.md.  Three answers limited by the form to
20 characters (`string-length(.) <= 20`, and `< 21` on the multi-line one)
and one with the kiosk's default limit (10,000 characters).  Characters are
Unicode code points, as the form's string-length() counts them.

  latin   typed to the limit and over it: the physical keyboard ("text"), a
          paste (clipboard + Ctrl+V), the on-screen keyboard; the counter
          from 90 %; refused input leaves the answer as it was and says so
  zh      Chinese committed through an input method ("ime": pre-edit, then
          commit), at and over the limit, a commit refused whole
  emoji   a multi-line box: ZWJ family, skin tones, flags; Backspace removes
          a whole emoji sequence; Return refused in a full box
  story   a 3,000-character paste (Latin, Chinese, emoji, line breaks) stored
          whole; then pastes to the 10,000 default, one over it refused whole

Every answer is compared on screen (the UI map's value) after each step, and
at the end in the CSV the research team exports: survey-kiosk --export,
survey-sync merge, accept the device, survey-sync export with the study key.

usage: kiosk_text.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
PASS = "kiosk text passphrase"
S = Study("kiosk_text", KIOSK, SYNC, PASS)
TMP, check, run = S.tmp, S.check, S.run
REFUSED = "That is more than this answer can hold; nothing was added."


def value(k, wid):
    return k.widget(wid)["value"] or ""


def refused_shown(k, wid):
    return any(w["id"] == wid + "/limit" and w["role"] == "alert" and w["label"] == REFUSED
               for w in k.ui()["widgets"])


def counter(k, wid):
    for w in k.ui()["widgets"]:
        if w["id"] == wid + "/count":
            return w["label"]
    return None


def expect(k, wid, want, what):
    got = value(k, wid)
    check(got == want, "%s: %s holds %r (%d chars), want %r (%d)"
          % (what, wid, got[:80], len(got), want[:80], len(want)))


def refuse(k, wid, want, send, what):
    """send() must be refused whole: the answer stays want and the box says why."""
    send()
    expect(k, wid, want, what + " is refused whole")
    check(refused_shown(k, wid), "%s: the box says nothing was added" % what)


def paste_file(k, text, name):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return k.send("paste-file " + path)


def page_latin(k):
    k.tap("latin")
    k.text("abcdefghijklmnop")                    # 16: no counter yet
    check(counter(k, "latin") is None, "no counter below 90 %%: %r" % counter(k, "latin"))
    k.text("qr")                                  # 18 = 90 %
    check(counter(k, "latin") == "18 / 20", "the counter from 90 %%: %r" % counter(k, "latin"))
    k.text("s")
    k.text("t")                                   # 20: at the limit
    expect(k, "latin", "abcdefghijklmnopqrst", "Latin typed to the limit")
    check(counter(k, "latin") == "20 / 20", "counter at the limit: %r" % counter(k, "latin"))
    check(not refused_shown(k, "latin"), "no message while input fits")
    full = "abcdefghijklmnopqrst"
    refuse(k, "latin", full, lambda: k.text("u"), "a key over the limit")
    refuse(k, "latin", full, lambda: k.send("paste xyz"), "a paste over the limit")
    k.key("BackSpace")
    check(not refused_shown(k, "latin"), "the message goes with the next accepted edit")
    expect(k, "latin", full[:19], "Backspace")
    refuse(k, "latin", full[:19], lambda: k.send("paste ZZ"), "a 2-character paste into 1 free")
    k.send("paste Z")
    expect(k, "latin", full[:19] + "Z", "a paste that fits")
    # the on-screen keyboard: a key on a full box is refused the same way
    k.touch("latin")
    if k.has("osk/q"):
        refuse(k, "latin", full[:19] + "Z", lambda: k.tap("osk/q"), "an on-screen key over the limit")
        k.tap("osk/backspace")
        k.tap("osk/q")
        expect(k, "latin", full[:19] + "q", "on-screen Backspace and a key")
        k.tap("osk/done")
    else:
        check(False, "touching the box opens the on-screen keyboard")
    return value(k, "latin")


def page_zh(k):
    k.tap("zh")
    k.send("ime 我们的研究很重要")                  # 8
    k.send("ime 调查问卷的回答不能被截断")          # 12: 20
    want = "我们的研究很重要调查问卷的回答不能被截断"
    expect(k, "zh", want, "Chinese committed to the limit")
    refuse(k, "zh", want, lambda: k.send("ime 。"), "an IME commit over the limit")
    for _ in range(3):
        k.key("BackSpace")
    expect(k, "zh", want[:17], "three Backspaces, three characters")
    refuse(k, "zh", want[:17], lambda: k.send("ime 一二三四"), "a 4-character commit into 3 free")
    k.send("ime 一二三")
    expect(k, "zh", want[:17] + "一二三", "a 3-character commit into 3 free")
    check(counter(k, "zh") == "20 / 20", "Chinese counter: %r" % counter(k, "zh"))
    return value(k, "zh")


FAMILY = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # 7 code points
THUMB = "\U0001F44D\U0001F3FD"                                         # 2: skin tone
GB, JP, FR = "\U0001F1EC\U0001F1E7", "\U0001F1EF\U0001F1F5", "\U0001F1EB\U0001F1F7"
CODER = "\U0001F469\U0001F3FE\u200D\U0001F4BB"                         # 4: tone + ZWJ


def page_emoji(k):
    k.tap("emoji")
    s = ""
    for piece in (FAMILY, THUMB, GB, JP, CODER):    # 7 + 2 + 2 + 2 + 4 = 17
        k.text(piece)
        s += piece
    expect(k, "emoji", s, "emoji sequences, skin tones and flags")
    # Drawn with a font that has them (fonts-symbola, installed by scripts/deps.sh),
    # not as boxes: the kiosk says when any character had no font.
    fw = k.ui().get("font_warning")
    check(fw is None, "emoji are drawn from an installed font, not as boxes: %r" % fw)
    if os.environ.get("SK_SCREENSHOTS"):
        k.screenshot(os.path.join(os.environ["SK_SCREENSHOTS"], "800x480-emoji.png"))
    refuse(k, "emoji", s, lambda: k.text(FAMILY), "a 7-code-point family into 3 free")
    k.text(THUMB)
    s += THUMB                                      # 19
    refuse(k, "emoji", s, lambda: k.text(FR), "a flag (2) into 1 free")
    k.key("Return")                                 # a line break is one character: 20
    s += "\n"
    expect(k, "emoji", s, "Return in a multi-line box")
    refuse(k, "emoji", s, lambda: k.key("Return"), "Return in a full box")
    k.key("BackSpace")
    k.key("BackSpace")                              # the whole skin-toned thumb
    s = s[:-1 - len(THUMB)]
    expect(k, "emoji", s, "Backspace removes a whole emoji sequence")
    k.key("BackSpace")                              # the whole ZWJ coder
    s = s[:-len(CODER)]
    expect(k, "emoji", s, "Backspace removes a whole ZWJ sequence")
    k.text(FR)
    s += FR
    expect(k, "emoji", s, "a flag after Backspace")
    return s


def story_text(n):
    units = ["Participants said ", "培训改变了我的工作方式。", FAMILY, " ", THUMB, GB,
             "résumé naïve café\n", "数字健康领导者 ", CODER, "\n"]
    s, i = "", 0
    while len(s) + len(units[i % len(units)]) <= n:
        s += units[i % len(units)]
        i += 1
    return s + "x" * (n - len(s))


def page_story(k):
    k.tap("story")
    s = story_text(3000)
    check(len(s) == 3000, "the paste is 3,000 characters")
    paste_file(k, s, "paste3000.txt")
    expect(k, "story", s, "a 3,000-character paste")
    check(not refused_shown(k, "story"), "a paste that fits has no message")
    check(counter(k, "story") is None, "no counter at 3,000 of 10,000")
    refuse(k, "story", s, lambda: paste_file(k, "y" * 7001, "over.txt"),
           "a paste 1 over the 10,000 default")
    more = "Then more. " * 545 + "z"                 # 5,996 characters
    paste_file(k, more, "more.txt")
    s += more                                        # 8,996
    expect(k, "story", s, "a second paste")
    check(counter(k, "story") is None, "no counter below 90 %")
    k.text("abcd")                                   # 9,000
    s += "abcd"
    check(counter(k, "story") == "9,000 / 10,000", "the default's counter: %r" % counter(k, "story"))
    paste_file(k, "w" * 1000, "last.txt")            # exactly 10,000
    s += "w" * 1000
    expect(k, "story", s, "a paste to exactly 10,000")
    check(counter(k, "story") == "10,000 / 10,000", "counter at 10,000: %r" % counter(k, "story"))
    refuse(k, "story", s, lambda: k.text("!"), "a key at 10,000")
    return s


def sitting(data):
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_screen("consent")
        k.tap("agree")
        k.tap("next")
        answers = {}
        for name, fn in [("latin", page_latin), ("zh", page_zh), ("emoji", page_emoji),
                         ("story", page_story)]:
            k.wait_for(lambda ui: any(w["id"] == name for w in ui["widgets"]),
                       what="the %s page" % name)
            answers[name] = fn(k)
            if name == "story":
                k.tap("submit")
            else:
                k.tap("next")
        k.wait_screen("thanks")
        k.wait_screen("welcome", timeout=20)  # thanks times out (3 s in the form)
    finally:
        rc = k.close()
        err = k.stderr()
    # A sanitizer build reports memory errors on stderr and in the exit status.
    S.clean_exit(rc, err)
    return answers


def verify(data, answers):
    csvdir, accepted = S.to_csv(data)
    check(len(accepted) == 1, "the kiosk is accepted after its first merge")
    resp = S.responses(csvdir)
    check(len(resp) == 1, "one finished response: %d" % len(resp))
    print("stored: " + ", ".join("%s %d chars" % (q, len((resp[0].get(q) or "") if resp else ""))
                                 for q in answers))
    for r in resp[:1]:
        for q, want in answers.items():
            got = r.get(q) or ""
            check(got == want, "the CSV holds %s exactly as shown: got %d chars %r..., want %d %r..."
                  % (q, len(got), got[:60], len(want), want[:60]))
    # Nothing typed is readable in the kiosk's folder.
    for root, _, files in os.walk(data):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                blob = f.read()
            for secret in ("培训改变了我的工作方式", "Participants said", "abcdefghijklmnopqrs"):
                check(secret.encode() not in blob, "%s does not contain %r" % (name, secret))


def main():
    data = S.setup(FORM, "text.pack")
    try:
        answers = sitting(data)
    except KioskError as e:
        check(False, "the sitting: %s" % e)
        answers = None
    if answers:
        verify(data, answers)
    S.finish("all kiosk text checks passed")


main()
