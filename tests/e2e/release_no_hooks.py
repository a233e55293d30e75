#!/usr/bin/env python3
"""A build without -DSK_TEST_HOOKS=ON has no test hooks (scripts/test.sh runs
this on a Release build made with the option off).

- The binaries do not even contain the hooks' variable names: the code that
  reads them was compiled out, not merely switched off.
- survey-kiosk ignores SURVEY_KIOSK_UIMAP (no file is written, it would hold
  every answer in clear), SURVEY_KIOSK_INPUT (the FIFO is never opened),
  SURVEY_KIOSK_PIN_INIT (no PIN is set) and its --help does not offer them.
- SK_PWHASH_FAST=1 is ignored: `--set-pin` hashes the PIN with Argon2id at
  the interactive cost and `survey-sync keygen` writes the study key at the
  moderate cost, as in the field.

Run against a hooks build, every check here fails: that is how we know the
test can see the hooks.

usage: release_no_hooks.py SURVEY_KIOSK SURVEY_SYNC
"""
import errno
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

KIOSK, SYNC = sys.argv[1:3]
HOOK_NAMES = [b"SURVEY_KIOSK_UIMAP", b"SURVEY_KIOSK_INPUT", b"SURVEY_KIOSK_PIN_INIT",
              b"SURVEY_KIOSK_MEDIA_ROOT", b"SK_PWHASH_FAST"]
# libsodium's costs (crypto_pwhash_*): INTERACTIVE = 2 passes, 64 MiB; MODERATE = 3, 256 MiB.
PIN_OPS, PIN_MEM_KIB = 2, 64 * 1024
KEY_OPS, KEY_MEM = 3, 256 << 20
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def main():
    tmp = tempfile.mkdtemp(prefix="release-no-hooks-", dir=os.environ.get("SK_TEST_TMP"))
    env = dict(os.environ, SK_PWHASH_FAST="1", SURVEY_PASSPHRASE="release check",
               SDL_VIDEODRIVER=os.environ.get("SDL_VIDEODRIVER", "offscreen"),
               SDL_AUDIODRIVER="dummy")

    # 1. Not in the binaries at all.
    for binary, names in ((KIOSK, HOOK_NAMES), (SYNC, [b"SK_PWHASH_FAST"])):
        with open(binary, "rb") as f:
            blob = f.read()
        for n in names:
            check(n not in blob, "%s holds no %s" % (os.path.basename(binary), n.decode()))
    helptext = subprocess.run([KIOSK, "--help"], capture_output=True, text=True, timeout=30).stdout
    check("--set-pin" in helptext, "--help lists --set-pin")
    for n in HOOK_NAMES:
        check(n.decode() not in helptext, "--help does not offer %s" % n.decode())

    # 2. The kiosk ignores the hooks' variables.
    data = os.path.join(tmp, "kiosk")
    uimap = os.path.join(tmp, "uimap.json")
    fifo = os.path.join(tmp, "input")
    os.mkfifo(fifo)
    kenv = dict(env, SURVEY_KIOSK_UIMAP=uimap, SURVEY_KIOSK_INPUT=fifo,
                SURVEY_KIOSK_PIN_INIT="135792", SURVEY_KIOSK_MEDIA_ROOT=tmp)
    proc = subprocess.Popen([KIOSK, "--data", data, "--window", "800x480"], env=kenv,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # A hooks build opens the FIFO and writes the map at its first frame, well
    # within this; the store is made before SDL starts.
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(data, "kiosk.db")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(3)
    running = proc.poll() is None
    opened = False
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only if someone reads it
        opened = True
        os.close(fd)
    except OSError as e:
        if e.errno != errno.ENXIO:
            raise
    if running:
        proc.send_signal(signal.SIGTERM)  # SDL turns it into a close request (windowed)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read().decode("utf-8", "replace")
    check(running, "the kiosk runs (stderr: %s)" % err[-2000:])
    check(not os.path.exists(uimap) and not os.path.exists(uimap + ".tmp"),
          "SURVEY_KIOSK_UIMAP is ignored: no map written")
    check(not opened, "SURVEY_KIOSK_INPUT is ignored: the FIFO is never opened")
    db = sqlite3.connect(os.path.join(data, "kiosk.db"))
    row = db.execute("SELECT pin_hash FROM device").fetchone()
    db.close()
    check(row is not None and row[0] is None, "SURVEY_KIOSK_PIN_INIT is ignored: no PIN set")

    # 3. SK_PWHASH_FAST is ignored: the PIN and the study key get the real cost.
    p = subprocess.run([KIOSK, "--data", data, "--set-pin"], input="135792\n", env=env,
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "--set-pin: %s %s" % (p.returncode, p.stderr))
    db = sqlite3.connect(os.path.join(data, "kiosk.db"))
    h = db.execute("SELECT pin_hash FROM device").fetchone()[0] or ""
    db.close()
    m = re.match(r"\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$", h)
    if check(m, "the PIN hash is an Argon2id string: %r" % h[:40]):
        mem, ops = int(m.group(1)), int(m.group(2))
        check(mem >= PIN_MEM_KIB and ops >= PIN_OPS,
              "the PIN hash uses the interactive cost despite SK_PWHASH_FAST=1: m=%d t=%d"
              % (mem, ops))
    keydir = os.path.join(tmp, "study")
    p = subprocess.run([SYNC, "keygen", "--out", keydir], env=env, capture_output=True,
                       text=True, timeout=300)
    if check(p.returncode == 0, "keygen: %s %s" % (p.returncode, p.stderr)):
        with open(os.path.join(keydir, "study.key"), "rb") as f:
            head = f.read(24)
        ops, mem = struct.unpack_from("<QQ", head, 8)  # docs/FORMATS.md, study.key
        check(ops >= KEY_OPS and mem >= KEY_MEM,
              "the study key uses the moderate cost despite SK_PWHASH_FAST=1: ops=%d mem=%d"
              % (ops, mem))

    shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("release build: no test hooks, all checks passed")


main()
