"""Drive the real survey-kiosk binary the way a person would, for end-to-end tests.

The kiosk runs under SDL's offscreen video driver (no display server needed).
Input goes in through SURVEY_KIOSK_INPUT (a FIFO of lines such as "tap X Y",
"touch X Y", "key Tab", "text Ada"), which the kiosk turns into real SDL
events; after each line it presents a frame and rewrites SURVEY_KIOSK_UIMAP, a
JSON map of every widget on screen (docs/KIOSK.md).  So a test taps a widget
by its id, waits for the frame that follows, and reads what is now on screen.
"""
import errno
import json
import os
import subprocess
import tempfile
import time


class KioskError(AssertionError):
    pass


class Kiosk:
    def __init__(self, binary, data_dir, size=(800, 480), env=None, args=(), pin=None):
        self.tmp = tempfile.mkdtemp(prefix="kiosk-e2e-", dir=os.environ.get("SK_TEST_TMP"))
        self.uimap = os.path.join(self.tmp, "uimap.json")
        self.fifo = os.path.join(self.tmp, "input")
        # A Windows kiosk under Wine (tests/e2e/with_emulator.py) cannot read a Unix
        # FIFO: it gets a plain file that this side appends to and the kiosk follows.
        self.follow = bool(os.environ.get("SK_TEST_EMULATOR")) and binary.lower().endswith(".exe")
        if self.follow:
            open(self.fifo, "w").close()
        else:
            os.mkfifo(self.fifo)
        e = dict(os.environ)
        e.setdefault("SDL_VIDEODRIVER", "offscreen")
        e["SDL_AUDIODRIVER"] = "dummy"
        e["SURVEY_KIOSK_UIMAP"] = self.uimap
        e["SURVEY_KIOSK_INPUT"] = self.fifo
        if pin:
            e["SURVEY_KIOSK_PIN_INIT"] = pin
        if env:
            e.update(env)
        cmd = [binary, "--data", data_dir, "--window", "%dx%d" % size] + list(args)
        self.stderr_path = os.path.join(self.tmp, "stderr.txt")
        self.proc = subprocess.Popen(cmd, env=e, stdout=subprocess.DEVNULL,
                                     stderr=open(self.stderr_path, "w"))
        if self.follow:
            self.w = open(self.fifo, "a", buffering=1)
            self.lines = 0
            self.wait_for(lambda ui: True, timeout=60, what="the first frame")
            return
        # The kiosk opens the FIFO for reading once SDL is up; wait for that
        # without blocking, so a kiosk that exits early is reported, not waited on.
        deadline = time.time() + 30
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:
                if e.errno != errno.ENXIO:
                    raise
                if self.proc.poll() is not None or time.time() > deadline:
                    raise KioskError("survey-kiosk exited (%s) before reading its input; stderr:\n%s"
                                     % (self.proc.returncode, self.stderr()))
                time.sleep(0.01)
        os.set_blocking(fd, True)
        self.w = os.fdopen(fd, "w", buffering=1)
        self.lines = 0
        self.wait_for(lambda ui: True, what="the first frame")

    # -- reading the screen ------------------------------------------------
    def ui(self):
        for _ in range(50):
            try:
                with open(self.uimap, encoding="utf-8") as f:
                    return json.load(f)
            except (FileNotFoundError, json.JSONDecodeError):
                time.sleep(0.02)
        raise KioskError("no UIMAP at %s" % self.uimap)

    def wait_for(self, pred, timeout=20, what="a condition"):
        # Under emulation (scripts/test-arm64.sh: qemu) everything is several times slower.
        end = time.time() + timeout * float(os.environ.get("SK_TIMEOUT_SCALE", "1"))
        last = None
        while time.time() < end:
            if self.proc.poll() is not None:
                raise KioskError("survey-kiosk exited (%s) waiting for %s; stderr:\n%s"
                                 % (self.proc.returncode, what, self.stderr()))
            try:
                last = self.ui()
                if last.get("input_seq", 0) >= self.lines and pred(last):
                    return last
            except KioskError:
                pass
            time.sleep(0.01)
        raise KioskError("timed out waiting for %s; screen: %s" % (what, summary(last)))

    def screen(self):
        return self.ui()["screen"]

    def wait_screen(self, name, timeout=20):
        return self.wait_for(lambda ui: ui["screen"] == name, timeout, "screen '%s'" % name)

    def widget(self, wid, ui=None):
        ui = ui or self.ui()
        for w in ui["widgets"]:
            if w["id"] == wid:
                return w
        raise KioskError("no widget '%s' on screen %s" % (wid, summary(ui)))

    def has(self, wid):
        return any(w["id"] == wid for w in self.ui()["widgets"])

    def ids(self):
        return [w["id"] for w in self.ui()["widgets"]]

    # -- acting ------------------------------------------------------------
    def send(self, line):
        self.w.write(line + "\n")
        self.lines += 1
        return self.wait_for(lambda ui: True, what="the frame after '%s'" % line)

    def _centre(self, wid):
        w = self.widget(wid)
        if not w["enabled"]:
            raise KioskError("widget '%s' is disabled" % wid)
        return w["x"] + w["w"] // 2, w["y"] + w["h"] // 2

    def reveal(self, wid, tries=30):
        """Scroll down (then up) until the widget is on screen."""
        for step in ["wheel -3"] * tries + ["wheel 3"] * tries:
            if self.has(wid):
                w = self.widget(wid)
                top = max([x["y"] + x["h"] for x in self.ui()["widgets"]
                           if x["id"] in ("title", "progress") or x["id"].startswith("lang/")] or [0])
                if w["y"] >= top and w["h"] >= 20:
                    return w
            self.send(step)
        raise KioskError("cannot scroll to '%s'" % wid)

    def tap(self, wid):
        x, y = self._centre(wid)
        return self.send("tap %d %d" % (x, y))

    def touch(self, wid):
        x, y = self._centre(wid)
        return self.send("touch %d %d" % (x, y))

    def key(self, name):
        return self.send("key " + name)

    def text(self, s):
        return self.send("text " + s)

    def screenshot(self, path):
        return self.send("screenshot " + path)

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        if self.proc.poll() is None:
            try:
                self.w.write("quit\n")
                self.w.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:
            self.w.close()
        except BrokenPipeError:
            pass
        return self.proc.returncode


def summary(ui):
    if not ui:
        return "(none)"
    return "%s [%s]" % (ui.get("screen"), ", ".join(w["id"] for w in ui.get("widgets", [])[:40]))


def accept_devices(sync_bin, store):
    """Accept every device the store holds as "new", the way a researcher does
    after comparing each fingerprint with its kiosk's admin screen: `devices
    list --json`, then `devices accept ID` for each new one.  Returns the ids
    accepted."""
    p = subprocess.run([sync_bin, "devices", "list", "--store", store, "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise KioskError("survey-sync devices list failed (%d): %s" % (p.returncode, p.stderr))
    accepted = []
    for d in json.loads(p.stdout):
        if d["state"] != "new":
            continue
        q = subprocess.run([sync_bin, "devices", "accept", d["device_id"], "--store", store],
                           capture_output=True, text=True)
        if q.returncode != 0:
            raise KioskError("survey-sync devices accept %s failed (%d): %s"
                             % (d["device_id"], q.returncode, q.stderr))
        accepted.append(d["device_id"])
    return accepted
