#!/usr/bin/env python3
"""End-to-end: the kiosk's security rules on the real survey-kiosk.

- Kiosk mode (--fullscreen) with no admin PIN shows only the set-up screen:
  no Start button, and neither Ctrl+Alt+A nor a 3-second corner press lets
  whoever stands there choose a PIN.
- survey-kiosk --set-pin: from a script (one line on stdin) and from a
  terminal (a pty: asked twice, never echoed); 5 digits, letters, an empty
  line, 13 digits and two different PINs are refused with exit 1; wrong
  arguments exit 2.  The waiting kiosk starts by itself once the PIN is set.
- Three wrong PINs start a delay: the right PIN is then refused, with the
  wait on screen, and still after a restart; --set-pin clears it.
- kiosk.db, -wal and -shm are 0600 (also when an older version left them
  0644), the data folder the kiosk made is 0700.
- A USB stick with a FIFO x.pack, a link y.pack to a real pack and a real
  z.pack lists only z.pack; typing the FIFO's path is refused at once
  (the screen does not freeze); z.pack installs.
- The fingerprint on the admin screen is the device key's (computed here
  from kiosk.db: BLAKE2b-256, Crockford base32 of the first 10 bytes), the
  one --set-pin prints, and it begins with the device id of a bundle the
  kiosk exported (survey-sync inspect).

usage: kiosk_security.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import hashlib
import os
import pty
import re
import select
import shutil
import sqlite3
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "kiosk_security")
ENV = dict(os.environ, SURVEY_PASSPHRASE="security e2e", SK_PWHASH_FAST="1")
B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PIN = "246813"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(*args, ok=True, input=None):
    p = subprocess.run(list(args), env=ENV, capture_output=True, text=True, timeout=120,
                       input=input)
    if ok and p.returncode != 0:
        raise SystemExit("command failed: %s\n%s%s" % (" ".join(args), p.stdout, p.stderr))
    return p


def set_pin_pipe(data, text):
    return run(KIOSK, "--data", data, "--set-pin", ok=False, input=text)


def set_pin_pty(data, first, second):
    """--set-pin on a real terminal: answer the two prompts; returns (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(KIOSK, [KIOSK, "--data", data, "--set-pin"], ENV)
        finally:
            os._exit(127)
    out, sent = b"", 0
    deadline = time.time() + 60
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
        if sent == 0 and b"New admin PIN" in out:
            os.write(fd, first.encode() + b"\n")
            sent = 1
        elif sent == 1 and b"again" in out and second is not None:
            os.write(fd, second.encode() + b"\n")
            sent = 2
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def fingerprint_of(pk):
    h = hashlib.blake2b(pk, digest_size=32).digest()[:10]
    n = int.from_bytes(h, "big")
    s = "".join(B32[(n >> (5 * (15 - i))) & 31] for i in range(16))
    return "-".join(s[i:i + 4] for i in range(0, 16, 4))


def fingerprint_bytes(fp):
    n = 0
    for c in fp.replace("-", ""):
        n = n * 32 + B32.index(c)
    return n.to_bytes(10, "big")


def device_row(data):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "kiosk.db"), uri=True)
    try:
        return db.execute("SELECT sign_pk, pin_hash FROM device").fetchone()
    finally:
        db.close()


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def kill(k):
    """Kiosk mode ignores the close request: end the process (the store is durable)."""
    if k.proc.poll() is None:
        k.proc.kill()
        k.proc.wait()
    k.close()


def labels(k):
    return " ".join(w["label"] for w in k.ui()["widgets"])


def message(k):
    return " ".join(w["label"] for w in k.ui()["widgets"] if w["id"] == "admin/message")


def pin(k, digits):
    for d in digits:
        k.tap("pin/" + d)
    k.tap("pin/ok")


def corner_hold(k):
    k.send("down 5 5")
    k.send("wait 3300")
    k.send("wait 10")
    k.send("up 5 5")


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    media = os.path.join(TMP, "root")
    stick = os.path.join(media, "media", "STICK")
    os.makedirs(stick)
    elsewhere = os.path.join(TMP, "elsewhere")
    os.makedirs(elsewhere)
    run(SYNC, "keygen", "--out", os.path.join(TMP, "study"))
    pack = os.path.join(TMP, "survey.pack")
    run(SYNC, "pack", FORM, "--key", os.path.join(TMP, "study", "study.key"), "--out", pack)
    shutil.copy(pack, os.path.join(stick, "z.pack"))
    shutil.copy(pack, os.path.join(elsewhere, "real.pack"))
    os.symlink(os.path.join(elsewhere, "real.pack"), os.path.join(stick, "y.pack"))
    os.mkfifo(os.path.join(stick, "x.pack"))
    data = os.path.join(TMP, "kiosk")
    env = {"SURVEY_KIOSK_MEDIA_ROOT": media, "SK_PWHASH_FAST": "1"}

    old_umask = os.umask(0o022)
    run(KIOSK, "--data", data, "--install", pack)
    os.umask(old_umask)
    check(mode(data) == 0o700, "the data folder the kiosk made is 0700: %o" % mode(data))

    # 1. Kiosk mode without a PIN: only the set-up screen.
    k = Kiosk(KIOSK, data, env=env, args=["--fullscreen"])
    try:
        ui = k.wait_screen("setup")
        ids = k.ids()
        check("start" not in ids, "no Start button on the set-up screen: %s" % ids)
        check("--set-pin" in labels(k), "the set-up screen says how: %s" % labels(k))
        k.key("Ctrl+Alt+a")
        check(k.screen() == "setup" and not any(i.startswith("pin/") for i in k.ids()),
              "Ctrl+Alt+A does not open a PIN chooser: %s" % k.screen())
        corner_hold(k)
        check(k.screen() == "setup" and not any(i.startswith("pin/") for i in k.ids()),
              "a 3-second corner press does not open a PIN chooser: %s" % k.screen())
        w, h = ui["width"], ui["height"]
        for x, y in [(w // 2, h // 2), (w // 2, h * 2 // 3), (5, 5)]:
            k.send("tap %d %d" % (x, y))
        k.key("Return")
        check(k.screen() == "setup", "nothing on the set-up screen starts a survey: %s" % k.screen())
        check(device_row(data)[1] is None, "no PIN was set from the screen")

        # 2. --set-pin refusals: nothing changes, exit 1; bad arguments exit 2.
        for bad, what in [("12345\n", "5 digits"), ("12345a\n", "a letter"), ("\n", "empty"),
                          ("", "no line"), ("1234567890123\n", "13 digits"),
                          (" 123456\n", "a space")]:
            p = set_pin_pipe(data, bad)
            check(p.returncode == 1 and p.stderr.startswith("survey-kiosk: error: "),
                  "--set-pin refuses %s: %s %r" % (what, p.returncode, p.stderr))
        check(device_row(data)[1] is None, "a refused PIN sets nothing")
        for args in (["--set-pin", "--fullscreen"], ["--set-pin", "--install", pack],
                     ["--set-pin", "--export", TMP]):
            p = run(KIOSK, "--data", data, *args, ok=False, input="135792\n")
            check(p.returncode == 2, "usage error for %s: %s %r" % (args, p.returncode, p.stderr))
        status, out = set_pin_pty(data, "13579", None)
        check(status == 1 and "6 to 12" in out, "a 5-digit PIN on the terminal is refused: %s %r"
              % (status, out))
        status, out = set_pin_pty(data, "135792", "135793")
        check(status == 1 and "differ" in out, "two different PINs are refused: %s %r" % (status, out))
        check(device_row(data)[1] is None, "still no PIN")

        # From a script (stdin is a pipe): one line.
        p = set_pin_pipe(data, "135792\n")
        check(p.returncode == 0, "--set-pin from a pipe: %s %r" % (p.returncode, p.stderr))
        set_pin_fp = re.search(r"fingerprint: (\S+)", p.stdout)
        check(set_pin_fp, "--set-pin prints the device fingerprint: %r" % p.stdout)
        # The waiting kiosk notices and starts.
        k.wait_screen("welcome", timeout=15)
        check(k.has("start"), "after --set-pin the kiosk shows Start")
    except KioskError as e:
        check(False, "set-up screen: %s" % e)
    finally:
        kill(k)

    # 3. From a terminal: asked twice, never echoed; it replaces the PIN.
    status, out = set_pin_pty(data, PIN, PIN)
    check(status == 0, "--set-pin on a terminal: %s %r" % (status, out))
    check(PIN not in out, "the PIN typed on the terminal is never echoed: %r" % out)
    check("fingerprint" in out, "the terminal run prints the fingerprint: %r" % out)

    # 4. Three wrong PINs: a delay; the right PIN refused, also after a restart.
    k = Kiosk(KIOSK, data, env=env, args=["--fullscreen"])
    try:
        k.wait_screen("welcome")
        k.tap("start")          # the kiosk runs normally: a participant declines
        k.tap("decline")
        k.wait_screen("welcome", timeout=30)
        k.key("Ctrl+Alt+a")
        k.wait_screen("admin-pin")
        for i in range(3):
            pin(k, "000000")
        msg = message(k)
        check(re.search(r"Wait (\d+ min )?\d+ s", msg), "the third wrong PIN starts a wait: %r" % msg)
        pin(k, PIN)
        msg = message(k)
        check(k.screen() == "admin-pin" and re.search(r"Wait (\d+ min )?\d+ s", msg),
              "the right PIN is refused during the wait, which is shown: %s %r" % (k.screen(), msg))
    except KioskError as e:
        check(False, "PIN delay: %s" % e)
    finally:
        kill(k)
    k = Kiosk(KIOSK, data, env=env, args=["--fullscreen"])
    try:
        k.wait_screen("welcome")
        k.key("Ctrl+Alt+a")
        k.wait_screen("admin-pin")
        check(re.search(r"Wait", message(k)), "after a restart the wait is shown at once: %r"
              % message(k))
        pin(k, PIN)
        check(k.screen() == "admin-pin" and re.search(r"Wait", message(k)),
              "after a restart the right PIN is still refused: %s %r" % (k.screen(), message(k)))
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            path = os.path.join(data, name)
            check(os.path.exists(path) and mode(path) == 0o600,
                  "%s is 0600: %s" % (name, oct(mode(path)) if os.path.exists(path) else "missing"))
    except KioskError as e:
        check(False, "PIN delay after restart: %s" % e)
    finally:
        kill(k)

    # An older version's 0644 files are made private on open; --set-pin clears the delay.
    for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
        path = os.path.join(data, name)
        if os.path.exists(path):
            os.chmod(path, 0o644)
    p = set_pin_pipe(data, PIN + "\n")
    check(p.returncode == 0, "--set-pin again: %s %r" % (p.returncode, p.stderr))

    # 5. The admin menu: fingerprint, file modes, the USB stick.
    k = Kiosk(KIOSK, data, env=env, args=["--fullscreen"])
    try:
        k.wait_screen("welcome")
        for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
            path = os.path.join(data, name)
            check(os.path.exists(path) and mode(path) == 0o600,
                  "%s fixed to 0600: %s" % (name, oct(mode(path)) if os.path.exists(path) else "missing"))
        k.key("Ctrl+Alt+a")
        pin(k, PIN)
        k.wait_screen("admin")
        shown = k.widget("admin/fingerprint")["label"]
        want = fingerprint_of(device_row(data)[0])
        check(shown == "Device fingerprint: " + want,
              "the admin screen shows the device key's fingerprint: %r, want %r" % (shown, want))
        if set_pin_fp:
            check(set_pin_fp.group(1) == want, "--set-pin printed the same fingerprint: %s"
                  % set_pin_fp.group(1))
        k.reveal("admin/install")
        k.tap("admin/install")
        k.wait_screen("admin-install")
        listed = [w["label"] for w in k.ui()["widgets"] if w["id"].startswith("install/")]
        check(len(listed) == 1 and listed[0].endswith("/z.pack"),
              "only the real pack is listed, not the FIFO or the link: %s" % listed)
        # Typing the FIFO's path: refused at once, the screen answers.
        k.tap("admin/folder")
        k.text(os.path.join(stick, "x.pack"))
        if k.has("osk/done"):
            k.tap("osk/done")
        k.reveal("admin/install-folder")
        k.tap("admin/install-folder")
        msg = message(k)
        check("Not installed" in msg and "not a plain file" in msg,
              "a FIFO named .pack is refused, not opened: %r" % msg)
        k.send("wait 10")  # still answering
        if listed:
            k.tap("install/0")
            msg = message(k)
            check("Installed" in msg, "z.pack installs: %r" % msg)
    except KioskError as e:
        check(False, "admin menu: %s" % e)
    finally:
        kill(k)

    # 6. The fingerprint belongs to the key that signs this kiosk's bundles.
    out = os.path.join(TMP, "out")
    run(KIOSK, "--data", data, "--export", out, "--all")
    bundles = glob.glob(os.path.join(out, "*.skb"))
    if check(len(bundles) == 1, "one bundle exported: %s" % bundles):
        text = run(SYNC, "inspect", bundles[0]).stdout
        dev = re.search(r"device:\s+([0-9a-f]{16})", text)
        if check(dev, "inspect shows the device id: %r" % text):
            check(fingerprint_bytes(want)[:8].hex() == dev.group(1),
                  "the fingerprint begins with the bundle's device id: %s %s" % (want, dev.group(1)))

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("kiosk security: all checks passed")


main()
