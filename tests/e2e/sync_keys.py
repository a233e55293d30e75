#!/usr/bin/python3
"""End to end: the real `survey-sync keygen`, `pack` and `inspect`.

usage: sync_keys.py SURVEY_SYNC FORMS_DIR
Scratch files go under $SK_TEST_TMP.  Keys are written with SK_PWHASH_FAST=1
(set by tests/crypto.cmake) so the test stays quick; the cost is stored in
the key file, so loading is the same code as in production.
"""
import glob
import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import tempfile

SYNC, FORMS = sys.argv[1:3]
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "crypto")
failures = []


def run(*args, passphrase="s3cret words", env_extra=None):
    env = dict(os.environ)
    env.pop("SURVEY_PASSPHRASE", None)
    if passphrase is not None:
        env["SURVEY_PASSPHRASE"] = passphrase
    env.update(env_extra or {})
    p = subprocess.run([SYNC, *args], capture_output=True, text=True, timeout=120, env=env,
                       stdin=subprocess.DEVNULL, start_new_session=True)  # no controlling terminal
    return p.returncode, p.stdout, p.stderr


def expect(cond, what):
    if not cond:
        failures.append(what)


base = os.environ.get("SK_TEST_TMP", "/tmp")
os.makedirs(base, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="crypto-e2e-", dir=base)
keys = os.path.join(tmp, "keys")

# keygen: paths and fingerprint, mode 0600, refuses to overwrite.
rc, out, err = run("keygen", "--out", keys)
expect(rc == 0, f"keygen: exit {rc}, stderr {err!r}")
fp = re.search(r"fingerprint: ([0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3})$", out, re.M)
expect(fp is not None, f"keygen: no fingerprint in {out!r}")
expect(os.path.join(keys, "study.key") in out and os.path.join(keys, "study.pub") in out, f"keygen paths: {out!r}")
key = os.path.join(keys, "study.key")
expect(stat.S_IMODE(os.stat(key).st_mode) == 0o600, "study.key is not mode 0600")
before = open(key, "rb").read()
rc, out, err = run("keygen", "--out", keys)
expect(rc == 1, f"keygen twice: exit {rc}")
expect(err.startswith("survey-sync: error: ") and "refusing to overwrite" in err, f"keygen twice: {err!r}")
expect(open(key, "rb").read() == before, "keygen twice changed study.key")

# No passphrase source at all and no terminal: a clear error, exit 1.
rc, out, err = run("keygen", "--out", os.path.join(tmp, "k2"), passphrase=None)
expect(rc == 1 and "no terminal" in err, f"keygen without passphrase: {rc} {err!r}")
# Usage errors: exit 2.
rc, out, err = run("keygen")
expect(rc == 2 and "usage" in err, f"keygen without --out: {rc} {err!r}")

# --passphrase-file: first line, newline stripped; wins over the environment.
pf = os.path.join(tmp, "pass.txt")
with open(pf, "w") as f:
    f.write("s3cret words\n")

# pack: a valid form, then inspect it.
form = os.path.join(FORMS, "golden_basic.md")
pack = os.path.join(tmp, "golden.pack")
rc, out, err = run("pack", form, "--key", key, "--out", pack, "--passphrase-file", pf, passphrase="wrong")
expect(rc == 0, f"pack: exit {rc}, stderr {err!r}")
expect(os.path.exists(pack), "pack: no file written")
rc, out, err = run("inspect", pack)
expect(rc == 0, f"inspect pack: exit {rc}, stderr {err!r}")
expect("form id:     golden_basic   version: 2026.1" in out, f"inspect pack: {out!r}")
expect("title:       Golden basic survey" in out, f"inspect pack title: {out!r}")
expect(fp and f"study:       {fp.group(1)}" in out, f"inspect pack fingerprint: {out!r}")
expect("signature:   ok" in out, f"inspect pack signature: {out!r}")
expect(open(pack, "rb").read().find(open(form, "rb").read()) > 0, "pack does not hold the form byte for byte")

# Wrong passphrase: exit 1, names the key file, no pack.
bad_pack = os.path.join(tmp, "bad.pack")
rc, out, err = run("pack", form, "--key", key, "--out", bad_pack, passphrase="not it")
expect(rc == 1 and "wrong passphrase" in err and key in err, f"pack wrong passphrase: {rc} {err!r}")
expect(not os.path.exists(bad_pack), "pack with a wrong passphrase wrote a file")

# An invalid form: the check messages (FORM:sheet:row: ...), exit 1, no pack.
broken = sorted(glob.glob(os.path.join(FORMS, "broken", "*.md")))
if broken:
    rc, out, err = run("pack", broken[0], "--key", key, "--out", bad_pack)
    expect(rc == 1, f"pack {broken[0]}: exit {rc}")
    lines = err.strip().splitlines()
    expect(len(lines) >= 2 and lines[0].startswith(broken[0] + ":"), f"pack broken: {err!r}")
    expect(lines[-1].startswith("survey-sync: error: ") and "problem" in lines[-1], f"pack broken: {err!r}")
    expect(not os.path.exists(bad_pack), "pack of a broken form wrote a file")

# A tampered pack: inspect refuses it and names the file.
data = bytearray(open(pack, "rb").read())
data[len(data) // 2] ^= 1
tampered = os.path.join(tmp, "tampered.pack")
open(tampered, "wb").write(data)
rc, out, err = run("inspect", tampered)
expect(rc == 1 and tampered in err and "signature" in err, f"inspect tampered pack: {rc} {err!r}")

# The golden bundle, with and without the (test) study key.
bundle = os.path.join(GOLDEN, "bundle.skb")
rc, out, err = run("inspect", bundle)
expect(rc == 0, f"inspect bundle: exit {rc}, stderr {err!r}")
expect("device:      26e88ab5574ac2e8   label: golden kiosk" in out, f"inspect bundle device: {out!r}")
expect("items:       2 records, 1 packs" in out, f"inspect bundle counts: {out!r}")
expect("1 response (golden_basic version 2026.1)" in out and "1 incomplete (golden_basic version 2026.1)" in out,
       f"inspect bundle kinds: {out!r}")
expect("sequence:    7-8" in out, f"inspect bundle sequence: {out!r}")
rc, out, err = run("inspect", bundle, "--key", os.path.join(GOLDEN, "study.key"), passphrase="golden passphrase")
expect(rc == 0 and "opened:      2 of 2 records with the study key" in out, f"inspect --key: {rc} {out!r} {err!r}")
# With another study's key nothing opens: exit 1, said plainly.
rc, out, err = run("inspect", bundle, "--key", key)
expect(rc == 1 and "opened:      0 of 2" in out and "do not open" in err, f"inspect other key: {rc} {out!r} {err!r}")
# A truncated bundle is refused whole.
cut = os.path.join(tmp, "cut.skb")
open(cut, "wb").write(open(bundle, "rb").read()[:-10])
rc, out, err = run("inspect", cut)
expect(rc == 1 and cut in err and out == "", f"inspect truncated bundle: {rc} {out!r} {err!r}")
rc, out, err = run("inspect", form)
expect(rc == 1 and "neither a survey pack nor a kiosk bundle" in err, f"inspect a form: {rc} {err!r}")



def keygen_on_terminal(out_dir, first, second):
    """keygen with the passphrase typed on a pseudo-terminal; returns (exit, everything shown)."""
    env = dict(os.environ)
    env.pop("SURVEY_PASSPHRASE", None)
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(SYNC, [SYNC, "keygen", "--out", out_dir], env)
    shown = b""

    def read_until(marker):
        nonlocal shown
        while marker not in shown:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                return
            if not chunk:
                return
            shown += chunk

    read_until(b"Passphrase: ")
    os.write(fd, first + b"\n")
    read_until(b"again: ")
    os.write(fd, second + b"\n")
    read_until(b"\x00")  # to the end
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown


# The terminal prompt: asked twice, never echoed; two different answers refuse.
tty_keys = os.path.join(tmp, "tty-keys")
rc, shown = keygen_on_terminal(tty_keys, b"typed on a tty", b"typed on a tty")
expect(rc == 0 and b"Passphrase again: " in shown and b"fingerprint: " in shown, f"tty keygen: {rc} {shown!r}")
expect(b"typed on a tty" not in shown, f"tty keygen echoed the passphrase: {shown!r}")
rc, out, err = run("inspect", bundle, "--key", os.path.join(tty_keys, "study.key"), passphrase="typed on a tty")
expect(rc == 1 and "wrong passphrase" not in err, f"tty key does not load: {rc} {err!r}")
rc, shown = keygen_on_terminal(os.path.join(tmp, "tty-differ"), b"one thing", b"another")
expect(rc == 1 and b"differ" in shown, f"tty keygen with different answers: {rc} {shown!r}")
expect(not os.path.exists(os.path.join(tmp, "tty-differ", "study.key")), "tty keygen wrote a key after a mismatch")

if failures:
    print("\n".join(failures))
    sys.exit(1)
shutil.rmtree(tmp)
print("sync keys e2e: ok")
