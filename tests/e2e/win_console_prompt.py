"""The Windows survey-sync.exe asks for the passphrase in a console without echo.

    win_console_prompt.py SURVEY_SYNC.exe NATIVE_SURVEY_SYNC FORM

Run by scripts/test-windows.sh under Wine (its WINEPREFIX and session).  Wine
gives a program started on a terminal a real Windows console (its conhost on
the Unix tty), so GetConsoleMode/SetConsoleMode and ReadConsoleW are the ones
survey-sync.exe meets on a laptop.  This script starts it on a pseudo-terminal
and types as a person would:

1. control: `cmd /c set /p` on the same kind of console echoes what is typed,
   so a prompt that echoed would be seen by this script;
2. `survey-sync.exe keygen`: both prompts appear, the passphrase typed twice
   never appears on the screen, and the key is written;
3. that key opens with the typed passphrase and not with another (the native
   survey-sync packs a form with it), so what was read is what was typed;
4. two different passphrases: refused with its sentence, no key written.
"""
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

SYNC_EXE, NATIVE, FORM = sys.argv[1:4]
SECRET = "Horse-battery-7"
ESC = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
failures = []


def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)


class Console:
    """A program under Wine on a pseudo-terminal: its screen as text, keys typed."""

    def __init__(self, argv):
        env = dict(os.environ, SK_PWHASH_FAST="1")
        env.pop("SURVEY_PASSPHRASE", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("wine", ["wine"] + argv, env)
        self.raw = b""

    def screen(self):
        # conhost draws with escapes: each character may come between "hide
        # cursor" and "show cursor", and a space as "erase, move right"
        text = self.raw.replace(b"\x1b[K\x1b[1C", b" ")
        return ESC.sub(b"", text).decode("utf-8", "replace")

    def wait_for(self, text, timeout=120):
        end = time.time() + timeout
        while text not in self.screen() and time.time() < end:
            if not self._read(1):
                break
        return text in self.screen()

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            return False
        self.raw += data
        return bool(data)

    def type(self, line):
        time.sleep(0.3)  # after the prompt has set the console mode
        os.write(self.fd, line.encode() + b"\r")

    def finish(self, timeout=180):
        end = time.time() + timeout
        while time.time() < end:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.2):
                    pass
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self._read(0.5)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return None


tmp = tempfile.mkdtemp(prefix="win-console-", dir=os.environ.get("SK_TEST_TMP"))
try:
    # 1. the control: typed text is echoed by Wine's console in its usual mode
    c = Console(["cmd", "/c", "set /p X=Name? & echo got-%X%"])
    check(c.wait_for("Name?"), "control: cmd's set /p prompt appears")
    c.type("visible-text")
    c.finish(60)
    check(c.screen().count("visible-text") >= 2,
          "control: the console echoes typed text in its usual mode (echo + got-...)")

    # 2. keygen with the passphrase typed twice, never shown
    keys = os.path.join(tmp, "keys")
    c = Console([SYNC_EXE, "keygen", "--out", keys])
    check(c.wait_for("Passphrase"), "keygen: the first prompt appears")
    c.type(SECRET)
    check(c.wait_for("again"), "keygen: the second prompt appears")
    c.type(SECRET)
    rc = c.finish()
    check(rc == 0, "keygen exits 0 (got %r)" % rc)
    check(SECRET not in c.screen() and SECRET.encode() not in c.raw,
          "keygen: the passphrase typed never appears on the console")
    check(os.path.isfile(os.path.join(keys, "study.key")), "keygen: study.key written")

    # 3. the key opens with what was typed, and only with that
    def pack(passphrase):
        out = os.path.join(tmp, "form.pack")
        env = dict(os.environ, SURVEY_PASSPHRASE=passphrase)
        p = subprocess.run([NATIVE, "pack", FORM, "--key", os.path.join(keys, "study.key"),
                            "--out", out], env=env, capture_output=True, text=True)
        return p.returncode, p.stderr

    rc, err = pack(SECRET)
    check(rc == 0, "the typed passphrase opens the key (%s)" % err.strip())
    rc, err = pack(SECRET + "x")
    check(rc != 0, "another passphrase does not (%s)" % err.strip())

    # 4. two different passphrases: refused, nothing written
    keys2 = os.path.join(tmp, "keys2")
    c = Console([SYNC_EXE, "keygen", "--out", keys2])
    c.wait_for("Passphrase")
    c.type(SECRET)
    c.wait_for("again")
    c.type(SECRET + "-typo")
    rc = c.finish()
    check(rc not in (0, None), "differing passphrases: keygen fails (got %r)" % rc)
    check("differ" in c.screen(), "differing passphrases: it says so")
    check(not os.path.exists(os.path.join(keys2, "study.key")), "differing passphrases: no key")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    sys.exit("win_console_prompt: %d failed" % len(failures))
print("win_console_prompt: all passed")
