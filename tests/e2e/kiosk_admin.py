#!/usr/bin/env python3
"""End-to-end: kiosk mode and the admin menu on the real survey-kiosk.

- No pack: the kiosk says how to install one; install from a "USB stick"
  (SURVEY_KIOSK_MEDIA_ROOT) through the admin menu.
- Kiosk mode (--fullscreen): the window close request, Escape and Alt+F4 do
  not leave; a short corner press does nothing; Ctrl+Alt+A and a 3-second
  press in the top-left corner open the PIN screen; a wrong PIN is refused;
  the PIN is never shown.
- The admin menu: counts after a finished and a declined sitting, the device
  id, a new label, export to the stick (the bundle appears there and survey-sync
  accepts it), change the idle timeout, leave kiosk mode, quit.

usage: kiosk_admin.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "kiosk_admin")
ENV = dict(os.environ, SURVEY_PASSPHRASE="admin e2e", SK_PWHASH_FAST="1")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, ok=True):
    p = subprocess.run(list(args), env=ENV, capture_output=True, text=True, timeout=120)
    if ok and p.returncode != 0:
        raise SystemExit("command failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))
    return p


def pin(k, digits):
    for d in digits:
        k.tap("pin/" + d)
    k.tap("pin/ok")


def labels(k):
    return " ".join(w["label"] for w in k.ui()["widgets"])


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    media = os.path.join(TMP, "root")          # stands for / : sticks mount under /media
    stick = os.path.join(media, "media", "USBSTICK")
    os.makedirs(stick)
    run(SYNC, "keygen", "--out", os.path.join(TMP, "study"))
    run(SYNC, "pack", FORM, "--key", os.path.join(TMP, "study", "study.key"), "--out",
        os.path.join(stick, "survey.pack"))
    data = os.path.join(TMP, "kiosk")
    env = {"SURVEY_KIOSK_MEDIA_ROOT": media, "SK_PWHASH_FAST": "1"}

    # 1. No pack yet; the first PIN is set on first use; install from the stick.
    k = Kiosk(KIOSK, data, env=env)
    try:
        check(k.screen() == "no-pack", "a kiosk with no pack says so: %s" % k.screen())
        check("install" in labels(k).lower(), "the no-pack screen says how to install")
        k.key("Ctrl+Alt+a")
        check(k.screen() == "admin-pin", "Ctrl+Alt+A asks for a PIN")
        pin(k, "2468")       # too short: PINs have 6 to 12 digits
        msg = [w["label"] for w in k.ui()["widgets"] if w["id"] == "admin/message"]
        check(k.screen() == "admin-pin" and msg and "6 to 12" in msg[0],
              "a 4-digit PIN is refused: %s" % msg)
        pin(k, "246813")     # first use (windowed, not kiosk mode): choose ...
        pin(k, "246813")     # ... and confirm
        k.wait_screen("admin")
        k.tap("admin/install")
        k.wait_screen("admin-install")
        ids = k.ids()
        check("install/0" in ids, "the pack on the stick is offered: %s" % ids)
        k.tap("install/0")
        text = labels(k)
        check("Installed" in text or "installed" in text, "install confirmed: %s" % text[:200])
        for _ in range(3):
            if k.screen() == "admin":
                break
            if k.has("admin/back"):
                k.tap("admin/back")
        k.reveal("admin/close")
        k.tap("admin/close")
        k.wait_screen("welcome")
    finally:
        k.close()

    # 2. Kiosk mode: nothing ordinary leaves it.
    k = Kiosk(KIOSK, data, env=env, args=["--fullscreen"])
    try:
        k.wait_screen("welcome")
        k.send("quit")                       # the window close request
        k.key("Escape")
        k.key("Alt+F4")
        check(k.proc.poll() is None and k.screen() == "welcome", "kiosk mode ignores close, Escape, Alt+F4")
        k.send("down 5 5")
        k.send("wait 500")
        k.send("up 5 5")
        check(k.screen() == "welcome", "a short corner press does nothing")
        k.send("down 5 5")
        k.send("wait 3300")
        k.send("wait 10")
        k.wait_screen("admin-pin", timeout=10)
        k.send("up 5 5")
        pin(k, "111111")
        msg = [w["label"] for w in k.ui()["widgets"] if w["id"] == "admin/message"]
        check(k.screen() == "admin-pin" and msg, "a wrong PIN is refused: %s" % msg)
        for _ in range(6):
            k.tap("pin/backspace")
        k.tap("pin/2")
        k.tap("pin/4")
        shown = [(w["id"], w["label"], w["value"]) for w in k.ui()["widgets"] if w["role"] != "button"]
        check(not any("24" in (l or "") or "24" in (v or "") for _, l, v in shown),
              "the PIN digits are never shown: %s" % shown)
        check(k.widget("pin")["value"] == "2", "the PIN field counts digits only")
        for d in "6813":
            k.tap("pin/" + d)
        k.tap("pin/ok")
        k.wait_screen("admin")
        k.reveal("admin/close")
        k.tap("admin/close")
        # a finished and a declined sitting
        k.tap("start")
        k.reveal("agree")
        k.tap("agree")
        k.tap("next")
        k.tap("role/clinical")
        k.tap("next")
        k.tap("years")
        for d in "7":
            k.tap("osk/" + d)
        k.tap("osk/done")
        while not k.has("submit"):
            k.tap("next")
        k.tap("submit")
        k.wait_screen("thanks")
        k.wait_screen("welcome", timeout=15)
        k.tap("start")
        k.tap("decline")
        k.wait_screen("welcome", timeout=30)
        k.key("Ctrl+Alt+a")
        pin(k, "246813")
        k.wait_screen("admin")
        counts = k.widget("admin/counts")["label"]
        # sittings and records are named apart: one finished sitting wrote a
        # consent and a response record, the declined one a declined record
        check("Sittings: 1 finished, 0 incomplete, 1 declined." in counts,
              "counts name sittings: one finished, one declined: %r" % counts)
        check("Records not yet exported: 3" in counts, "and records (2 + 1) not yet exported: %r" % counts)
        device = k.widget("admin/device")["label"]
        check(re.search(r"[0-9a-f]{16}", device), "the device id is shown: %r" % device)
        k.tap("admin/label")
        k.text("Durham-Pi-2")
        if k.has("osk/done"):
            k.tap("osk/done")
        k.tap("admin/label-save")
        check("Durham-Pi-2" in k.widget("admin/device")["label"] or
              k.widget("admin/label")["value"] == "Durham-Pi-2", "the label is saved")
        # high contrast and larger text, saved in the store, seen in the UI map
        k.reveal("admin/high-contrast")
        k.tap("admin/high-contrast")
        check(k.ui()["theme"] != "default", "high-contrast theme: %s" % k.ui()["theme"])
        k.reveal("admin/larger-text")
        k.tap("admin/larger-text")
        check(k.ui()["text_scale"] > 1.0, "larger text: %s" % k.ui()["text_scale"])
        k.reveal("admin/high-contrast")
        k.tap("admin/high-contrast")
        k.reveal("admin/larger-text")
        k.tap("admin/larger-text")
        check(k.ui()["theme"] == "default" and k.ui()["text_scale"] == 1.0, "both switch back")
        k.reveal("admin/idle")
        before = k.widget("admin/idle")["label"] if k.has("admin/idle") else ""
        k.tap("admin/idle+")
        after = k.widget("admin/idle")["label"] if k.has("admin/idle") else ""
        check(before != after, "the idle timeout changes: %r -> %r" % (before, after))
        k.reveal("admin/export")
        k.tap("admin/export")
        k.wait_screen("admin-export")
        k.tap("export/0")
        time.sleep(0.2)
        bundles = glob.glob(os.path.join(stick, "*.skb"))
        check(len(bundles) == 1, "the bundle is on the stick: %s" % bundles)
        for _ in range(3):
            if k.screen() == "admin":
                break
            if k.has("admin/back"):
                k.tap("admin/back")
        k.reveal("admin/leave-kiosk")
        k.tap("admin/leave-kiosk")
        k.wait_screen("welcome")
        k.w.write("quit\n")  # no frame follows: the kiosk closes
        k.w.flush()
        k.proc.wait(timeout=10)
        check(k.proc.returncode == 0, "after leaving kiosk mode the window closes (exit %s): %s"
              % (k.proc.returncode, k.stderr()[-3000:]))
    except KioskError as e:
        check(False, str(e))
    finally:
        k.close()

    # 3. What went to the stick is a real, signed bundle with both sittings.
    bundles = glob.glob(os.path.join(stick, "*.skb"))
    if bundles:
        p = run(SYNC, "merge", "--store", os.path.join(TMP, "central.db"), *bundles)
        check("held (device not accepted yet)" in p.stdout and "is new" in p.stdout,
              "survey-sync merges the stick's bundle, held until accepted: %s" % p.stdout)
        from kiosk import accept_devices  # noqa: E402
        check(len(accept_devices(SYNC, os.path.join(TMP, "central.db"))) == 1,
              "the researcher accepts the kiosk")
        st = run(SYNC, "status", "--store", os.path.join(TMP, "central.db")).stdout
        check("'Durham-Pi-2': held 1-" in st, "its records are data once accepted: %s" % st)
        st = run(SYNC, "status", "--store", os.path.join(TMP, "central.db")).stdout
        check("Durham-Pi-2" in st, "the label travels with the bundle: %s" % st)
    # 4. Change the PIN; the old one stops working; Quit from the menu.
    k = Kiosk(KIOSK, data, env=env)
    try:
        k.key("Ctrl+Alt+a")
        pin(k, "246813")
        k.wait_screen("admin")
        k.reveal("admin/pin")
        k.tap("admin/pin")
        pin(k, "13579")      # a new PIN needs 6 digits too
        check(k.screen() == "admin-pin" and "6 to 12" in labels(k), "a 5-digit new PIN is refused")
        pin(k, "135790")
        pin(k, "135790")
        k.wait_screen("admin")
        check("changed" in labels(k), "the PIN change is confirmed")
        k.reveal("admin/close")
        k.tap("admin/close")
        k.key("Ctrl+Alt+a")
        pin(k, "246813")
        check(k.screen() == "admin-pin", "the old PIN no longer opens the menu")
        for _ in range(6):
            k.tap("pin/backspace")
        pin(k, "135790")
        k.wait_screen("admin")
        q = k.reveal("admin/quit")
        k.w.write("tap %d %d\n" % (q["x"] + q["w"] // 2, q["y"] + q["h"] // 2))  # no frame follows
        k.w.flush()
        k.proc.wait(timeout=10)
        check(k.proc.returncode == 0, "Quit in the admin menu ends the kiosk (exit %s): %s"
              % (k.proc.returncode, k.stderr()[-2000:]))
    except KioskError as e:
        check(False, "change PIN / quit: %s" % e)
    finally:
        k.close()

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("kiosk mode and admin menu: all checks passed")


main()
