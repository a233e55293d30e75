#!/usr/bin/env python3
"""End to end: the Windows kiosk's --fullscreen (kiosk) mode in a real window.

survey-kiosk.exe runs under Wine with SDL's own `windows` video driver (not
offscreen) and Wine's X11 driver, on an Xvfb screen with a window manager
(openbox), so that the window, its size, the window manager's close and
the keyboard and mouse are real.  The test protocol (tests/e2e/kiosk.py: the
UI map and the input file) reads the screen and taps widgets; some input goes
through X instead (xdotool), as a person's would.

  screen       `survey-kiosk.exe --fullscreen` (no --window): the UI map's size is
               the X screen's; on the X side (xwininfo) the kiosk's window is at 0,0,
               viewable, exactly the screen's size; a grab of the whole X screen is
               the kiosk's own frame, pixel for pixel (nothing of a desktop shows)
  real input   a mouse click through X on Start starts the sitting; a word typed
               on the X keyboard lands in the text box
  close        mid-sitting, the window manager's close (wmctrl -c: WM_DELETE_WINDOW,
               which Wine turns into WM_CLOSE), Alt+F4 and `taskkill /IM` without /F
               (WM_CLOSE, Windows' polite close) each reach the window (the UI map's
               WM_CLOSE count goes up) and are ignored: the kiosk runs on, same page,
               the answer still on screen
  sitting      the participant finishes: thanks, then welcome again
  admin exit   Ctrl+Alt+A on the X keyboard, the PIN, Quit: exit 0
  control      in a second kiosk, "Leave kiosk mode" in the admin menu, then the same
               wmctrl -c closes the window: exit 0 (so the close does reach the kiosk,
               and the checks above can fail)
  log off      a third kiosk mid-sitting, an answer given: `wineboot --end-session`
               (Windows' WM_QUERYENDSESSION/WM_ENDSESSION at log-off and shut-down):
               the kiosk closes the sitting itself (no draft left in kiosk.db for the
               next start to recover) and ends with exit 0; kiosk.db passes
               integrity_check
Then survey-kiosk --export, survey-sync merge and export: the finished sitting with
the typed word, and the logged-off sitting as one incomplete record with its answer.

Xvfb, openbox and a Wine session of their own (the Wine session must start with
DISPLAY set) are started here and ended at the end.

usage: with_emulator.py win_fullscreen.py SURVEY_KIOSK.exe SURVEY_SYNC FORM
(FORM: tests/data/forms/kiosk_text.md; SK_WIN_SCREEN=WxH, default 1280x720)
"""
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
SCREEN = tuple(int(v) for v in os.environ.get("SK_WIN_SCREEN", "1280x720").split("x"))
PIN = "482915"
WORD = "kiosk"  # typed on the X keyboard into the form's first text box
S = Study("win_fullscreen", KIOSK, SYNC, "win fullscreen e2e",
          SDL_VIDEODRIVER="windows", SDL_AUDIODRIVER="dummy")
TMP, ENV, check, run = S.tmp, S.env, S.check, S.run
QUIET = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
SCALE = float(os.environ.get("SK_TIMEOUT_SCALE", "1"))


def call(cmd, timeout=120):
    """Run a command that asks something of the kiosk (its output is not wanted);
    a command that hangs is a failure, not a stuck test."""
    try:
        subprocess.run(cmd, env=ENV, timeout=timeout * SCALE, **QUIET)
    except subprocess.TimeoutExpired:
        check(False, "%s did not return within %d s" % (" ".join(cmd), timeout * SCALE))


# ---- the display: Xvfb, a window manager, a Wine session on it -----------------

class Display:
    TOOLS = {"Xvfb": "xvfb", "openbox": "openbox", "xdotool": "xdotool", "wmctrl": "wmctrl",
             "xwininfo": "x11-utils", "wineserver": "wine"}

    def __init__(self):
        missing = sorted({pkg for tool, pkg in self.TOOLS.items() if not shutil.which(tool)})
        if missing:
            raise SystemExit("win_fullscreen: error: %s missing: run scripts/deps.sh windows"
                             % ", ".join(missing))
        r, w = os.pipe()
        self.xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", str(w), "-screen", "0", "%dx%dx24" % SCREEN, "-nolisten", "tcp"],
            pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(TMP, "xvfb.log"), "w"))
        os.close(w)
        with os.fdopen(r) as f:
            num = f.readline().strip()
        if not num:
            raise SystemExit("win_fullscreen: error: Xvfb did not start (see %s/xvfb.log)" % TMP)
        self.name = ":" + num
        os.environ["DISPLAY"] = ENV["DISPLAY"] = self.name
        self.wm = subprocess.Popen(["openbox", "--sm-disable"], **QUIET)
        self.until(lambda: subprocess.run(["wmctrl", "-m"], **QUIET).returncode == 0,
                   "openbox to manage the screen")
        # Wine's session reads DISPLAY when it starts: end the one test-windows.sh
        # started without it and start one on this display (its helpers' output to
        # /dev/null: they would hold a pipe open).
        self.wine_session_end()
        subprocess.run(["wineserver", "-p"], **QUIET)
        subprocess.run(["wine", "cmd", "/c", "exit"], env=ENV, **QUIET)

    @staticmethod
    def wine_session_end():
        subprocess.run(["wineserver", "-k"], **QUIET)
        subprocess.run(["wineserver", "-w"], **QUIET)

    @staticmethod
    def until(pred, what, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if pred():
                return
            time.sleep(0.05)
        raise KioskError("timed out waiting for %s" % what)

    def close(self):
        self.wine_session_end()
        for p in (self.wm, self.xvfb):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def x(*args, ok=True):
    try:
        p = subprocess.run(list(args), env=ENV, capture_output=True, text=True, timeout=30 * SCALE)
    except subprocess.TimeoutExpired:
        raise KioskError("%s did not return within %d s" % (" ".join(args), 30 * SCALE))
    if ok and p.returncode != 0:
        raise KioskError("%s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p.stdout


def kiosk_window():
    """The X window Wine made for the kiosk's (titled "Survey"), as a decimal id."""
    end = time.time() + 30
    while time.time() < end:
        ids = x("xdotool", "search", "--onlyvisible", "--name", "^Survey$", ok=False).split()
        if ids:
            return ids[-1]
        time.sleep(0.1)
    raise KioskError("no visible X window named Survey; xwininfo -root -tree:\n%s"
                     % x("xwininfo", "-root", "-tree", ok=False))


def geometry(win):
    info = x("xwininfo", "-id", win)
    field = lambda name: re.search(r"%s:\s*(\S+)" % re.escape(name), info).group(1)  # noqa: E731
    return {"x": int(field("Absolute upper-left X")), "y": int(field("Absolute upper-left Y")),
            "w": int(field("Width")), "h": int(field("Height")), "map": field("Map State")}


# ---- the kiosk ----------------------------------------------------------------

class FullscreenKiosk(Kiosk):
    """`survey-kiosk.exe --fullscreen` exactly as a deployer starts it (no --window),
    with the test protocol of tests/e2e/kiosk.py (a Windows kiosk follows a plain
    input file: it cannot read a Unix FIFO)."""

    def __init__(self, data, args=("--fullscreen",)):
        self.tmp = os.path.join(TMP, "k%d" % len(glob.glob(os.path.join(TMP, "k*"))))
        os.makedirs(self.tmp)
        self.uimap = os.path.join(self.tmp, "uimap.json")
        self.fifo = os.path.join(self.tmp, "input")
        self.follow = True
        open(self.fifo, "w").close()
        e = dict(ENV, SURVEY_KIOSK_UIMAP=self.uimap, SURVEY_KIOSK_INPUT=self.fifo,
                 SURVEY_KIOSK_PIN_INIT=PIN)
        self.stderr_path = os.path.join(self.tmp, "stderr.txt")
        self.proc = subprocess.Popen([KIOSK, "--data", data] + list(args), env=e,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.stderr_path, "w"))
        self.w = open(self.fifo, "a", buffering=1)
        self.lines = 0
        self.wait_for(lambda ui: True, timeout=60, what="the first frame")

    def settle(self, seconds=0.5):
        """A moment, then a frame: the screen then, or None when the kiosk has gone."""
        time.sleep(seconds)
        if self.proc.poll() is not None:
            return None
        try:
            return self.send("wait 0")
        except KioskError:
            return None

    def until_closed(self, before, timeout=20):
        """Frames until the UI map counts a WM_CLOSE more than BEFORE (or the kiosk
        goes, or TIMEOUT), then one more, so that a kiosk that acted on the close
        has done so: the screen then, or None when the kiosk has gone."""
        end = time.time() + timeout * SCALE
        while time.time() < end:
            ui = self.settle(0.1)
            if ui is None or ui["close_requests"] > before:
                break
        return self.settle()

    def exit_status(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout * SCALE)
        except subprocess.TimeoutExpired:
            return "still running after %d s" % (timeout * SCALE)


def centre(w):
    return w["x"] + w["w"] // 2, w["y"] + w["h"] // 2


def click(k, wid):
    """A real left click through X (the pointer moved there first)."""
    cx, cy = centre(k.widget(wid))
    x("xdotool", "mousemove", "--sync", str(cx), str(cy))
    x("xdotool", "click", "1")


def admin(k):
    """Ctrl+Alt+A on the X keyboard, then the PIN on the keypad."""
    x("xdotool", "key", "ctrl+alt+a")
    k.wait_screen("admin-pin")
    for d in PIN:
        k.tap("pin/" + d)
    k.tap("pin/ok")
    k.wait_screen("admin")


def screen_matches_frame(k):
    """A grab of the whole X screen equals the kiosk's own frame (its screenshot)."""
    from PIL import Image, ImageChops, ImageGrab
    shot = os.path.join(k.tmp, "frame.bmp")
    k.screenshot(shot)
    frame = Image.open(shot).convert("RGB")
    check(frame.size == SCREEN, "the kiosk draws a %dx%d frame: %s" % (SCREEN + (frame.size,)))
    diff = None
    for _ in range(40):  # Wine puts the frame on the X window a moment after it is presented
        grab = ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).convert("RGB")
        if grab.size == frame.size:
            diff = ImageChops.difference(grab, frame).getbbox()
            if diff is None:
                break
        time.sleep(0.1)
    grab.save(os.path.join(TMP, "x-screen.png"))
    check(grab.size == SCREEN and diff is None,
          "the X screen shows the kiosk's frame and nothing else: screen %s, differing box %s "
          "(%s/x-screen.png)" % (grab.size, diff, TMP))


def close_requests(k, win):
    """Each close a person or a program can ask for; False when the kiosk went."""
    for how, cmd in [("the window manager's close (wmctrl -c)", ["wmctrl", "-i", "-c", hex(int(win))]),
                     ("Alt+F4", ["xdotool", "key", "alt+F4"]),
                     # Wine's taskkill, as Windows', posts WM_CLOSE to the image's windows
                     ("taskkill /IM survey-kiosk.exe (WM_CLOSE)",
                      ["wine", "taskkill", "/IM", "survey-kiosk.exe"])]:
        before = k.ui()["close_requests"]
        call(cmd)
        ui = k.until_closed(before)
        check(ui is not None and ui["screen"] == "question",
              "kiosk mode ignores %s: %s" % (how, "exit %s" % k.proc.returncode if ui is None
                                              else "screen " + ui["screen"]))
        if ui is None:
            return False
        # the UI map counts the WM_CLOSE messages the window got: ignored, not lost
        check(ui["close_requests"] > before,
              "%s reached the kiosk's window as WM_CLOSE: %d before, %d after"
              % (how, before, ui["close_requests"]))
        check(k.widget("latin", ui)["value"] == WORD,
              "after %s the answer is still on screen: %r" % (how, k.widget("latin", ui)["value"]))
        print("ignored: %s" % how)
    return True


# ---- the runs ------------------------------------------------------------------

def kiosk_sitting(data):
    k = FullscreenKiosk(data)
    try:
        ui = k.wait_screen("welcome")
        check((ui["width"], ui["height"]) == SCREEN,
              "--fullscreen: the kiosk's frame is the screen, %dx%d: %dx%d"
              % (SCREEN + (ui["width"], ui["height"])))
        win = kiosk_window()
        g = geometry(win)
        check((g["x"], g["y"], g["w"], g["h"]) == (0, 0) + SCREEN and g["map"] == "IsViewable",
              "X: the kiosk's window covers the whole %dx%d screen: %s" % (SCREEN + (g,)))
        print("X window %s: %dx%d at %d,%d, %s" % (hex(int(win)), g["w"], g["h"], g["x"], g["y"],
                                                  g["map"]))
        screen_matches_frame(k)

        click(k, "start")
        k.wait_screen("consent")
        click(k, "agree")
        k.wait_for(lambda ui: k.widget("agree", ui)["checked"] is True, what="the clause ticked")
        k.tap("next")
        k.wait_for(lambda ui: any(w["id"] == "latin" for w in ui["widgets"]), what="the text page")
        click(k, "latin")
        x("xdotool", "type", "--delay", "30", WORD)
        k.wait_for(lambda ui: k.widget("latin", ui)["value"] == WORD,
                   what="'%s' typed on the X keyboard in the text box" % WORD)
        if not close_requests(k, win):
            return
        for step in ("next", "next", "next"):
            k.tap(step)
        k.tap("submit")
        k.wait_screen("thanks")
        k.wait_screen("welcome", timeout=20)
        admin(k)
        k.tap(k.reveal("admin/quit")["id"])
        rc = k.exit_status()
        check(rc == 0, "the admin menu's Quit ends kiosk mode with exit 0: %s; stderr:\n%s"
              % (rc, k.stderr()))
    finally:
        k.close()


def control(data):
    k = FullscreenKiosk(data)
    try:
        k.wait_screen("welcome")
        win = kiosk_window()
        admin(k)
        k.tap(k.reveal("admin/leave-kiosk")["id"])
        k.tap(k.reveal("admin/close")["id"])
        k.wait_screen("welcome")
        x("wmctrl", "-i", "-c", hex(int(win)))
        rc = k.exit_status()
        check(rc == 0, "out of kiosk mode, the window manager's close ends the kiosk with "
              "exit 0 (so the close reaches it): %s; stderr:\n%s" % (rc, k.stderr()))
    finally:
        k.close()


def log_off(data):
    k = FullscreenKiosk(data)
    try:
        k.tap("start")
        k.tap("agree")
        k.tap("next")
        k.tap("latin")
        k.text("logoff")
        check(k.widget("latin")["value"] == "logoff", "the answer is on screen")
        t = time.time()
        call(["wineboot", "--end-session"])
        rc = k.exit_status()
        print("log off: exit %s %.2f s after wineboot --end-session" % (rc, time.time() - t))
        check(rc == 0, "log-off (wineboot --end-session) ends the kiosk with exit 0: %s; "
              "stderr:\n%s" % (rc, k.stderr()))
    finally:
        k.close()
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "kiosk.db"), uri=True)
    try:
        check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
              "kiosk.db passes integrity_check after the log-off")
        # Closed by the kiosk itself before Windows ended it, not left as a draft
        # for the next start to recover (what a killed kiosk leaves).
        drafts = db.execute("SELECT count(*) FROM drafts").fetchone()[0]
        check(drafts == 0, "at the log-off the kiosk closed the open sitting itself: "
              "%d draft(s) left for the next start to recover" % drafts)
    finally:
        db.close()


def verify(data):
    csvdir, accepted = S.to_csv(data)
    resp = read_csv(glob.glob(os.path.join(csvdir, "*_responses.csv"))[0])
    kinds = sorted(r["kind"] for r in resp)
    check(kinds == ["incomplete", "response"],
          "one finished and one logged-off (incomplete) record: %s" % kinds)
    done = [r for r in resp if r["kind"] == "response"]
    cut = [r for r in resp if r["kind"] == "incomplete"]
    check(done and done[0]["latin"] == WORD, "the word typed on the X keyboard is exported: %s" % done)
    check([r["latin"] for r in cut] == ["logoff"],
          "the answer given before the log-off is kept, in its one incomplete record: %s" % cut)


def main():
    S.fresh()
    S.keygen()
    data = S.install(S.pack(FORM, "text.pack")[0])
    t0 = time.time()
    d = Display()
    print("Xvfb %s %dx%d, openbox, a Wine session on it: %.1f s" % ((d.name,) + SCREEN + (time.time() - t0,)))
    try:
        for name, fn in [("kiosk sitting", kiosk_sitting), ("control", control), ("log off", log_off)]:
            t = time.time()
            try:
                fn(data)
            except KioskError as e:
                check(False, "%s: %s" % (name, e))
            print("%-14s %.1f s" % (name, time.time() - t))
    finally:
        d.close()
    verify(data)
    S.finish("Windows --fullscreen under Wine on X: all checks passed")


main()
