#!/usr/bin/python3
"""End to end: survey-kiosk's commands without a window.

    survey-kiosk --data DIR --install F.pack
    survey-kiosk --data DIR --export OUTDIR [--all]

What an administrator at a terminal sees: the installed form's title, id,
version and study fingerprint; a damaged, truncated or other-study pack refused
with `survey-kiosk: error: ...`, exit 1 and the kiosk unchanged; an export with
nothing new says so and writes no file.  (Exports with records are driven
through the real kiosk in kiosk_admin.py and kiosk_flows.py.)

usage: kiosk_headless.py SURVEY_KIOSK SURVEY_SYNC FORM
Keys are written with SK_PWHASH_FAST=1 so the test stays quick.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

KIOSK, SYNC, FORM = sys.argv[1:4]
ENV = dict(os.environ, SURVEY_PASSPHRASE="headless e2e", SK_PWHASH_FAST="1")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args):
    p = subprocess.run(list(args), env=ENV, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def keygen_and_pack(tmp, name):
    keys = os.path.join(tmp, name)
    rc, out, err = run(SYNC, "keygen", "--out", keys)
    if rc != 0:
        raise SystemExit("keygen failed: " + err)
    fp = re.search(r"fingerprint: (\S+)", out).group(1)
    pack = os.path.join(tmp, name + ".pack")
    rc, out, err = run(SYNC, "pack", FORM, "--key", os.path.join(keys, "study.key"), "--out", pack)
    if rc != 0:
        raise SystemExit("pack failed: " + err)
    return fp, pack


def refused(data, pack, *words):
    """Install must fail with one error line naming the file, and change nothing."""
    db = os.path.join(data, "kiosk.db")
    rc, out, err = run(KIOSK, "--data", data, "--install", pack)
    name = os.path.basename(pack)
    check(rc == 1, f"{name}: exit {rc}, want 1")
    check(err.startswith("survey-kiosk: error: ") and err.count("\n") == 1,
          f"{name}: stderr is not one error line: {err!r}")
    check(pack in err, f"{name}: the message does not name the file: {err!r}")
    for w in words:
        check(w in err, f"{name}: {w!r} missing from {err!r}")
    check(out == "", f"{name}: printed {out!r} on stdout")
    return os.path.getsize(db)


def main():
    base = os.environ.get("SK_TEST_TMP", "/tmp")
    os.makedirs(base, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="kiosk-headless-", dir=base)
    data = os.path.join(tmp, "kiosk")
    out_dir = os.path.join(tmp, "out")
    fp_a, pack_a = keygen_and_pack(tmp, "study-a")
    fp_b, pack_b = keygen_and_pack(tmp, "study-b")

    # Install: title, form id, version and the study fingerprint, exit 0.
    rc, out, err = run(KIOSK, "--data", data, "--install", pack_a)
    check(rc == 0, f"install: exit {rc}, stderr {err!r}")
    check('"Kiosk test survey"' in out, f"install: no title in {out!r}")
    check("form kiosk_e2e, version 1" in out, f"install: no form id/version in {out!r}")
    check(fp_a in out, f"install: no study fingerprint {fp_a} in {out!r}")
    dev = re.search(r"device ([0-9a-f]{16})\b", out)
    check(dev is not None, f"install: no 16-hex device id in {out!r}")
    check(os.path.isfile(os.path.join(data, "kiosk.db")), "install: no kiosk.db in the data folder")

    # The same pack again is harmless; the device identity stays.
    rc, out2, err = run(KIOSK, "--data", data, "--install", pack_a)
    check(rc == 0, f"install twice: exit {rc}, stderr {err!r}")
    check(dev is not None and dev.group(0) in out2, f"install twice: device changed: {out2!r}")

    # Refusals: another study (says which study the kiosk serves), a flipped
    # byte, a cut file, a missing file, a file that is not a pack.
    refused(data, pack_b, "another study", fp_a)
    raw = open(pack_a, "rb").read()
    flipped = os.path.join(tmp, "flipped.pack")
    with open(flipped, "wb") as f:
        f.write(raw[:len(raw) // 2] + bytes([raw[len(raw) // 2] ^ 0x01]) + raw[len(raw) // 2 + 1:])
    refused(data, flipped, "damaged", "survey-sync pack")
    cut = os.path.join(tmp, "cut.pack")
    with open(cut, "wb") as f:
        f.write(raw[:len(raw) - 1])
    refused(data, cut, "survey-sync pack")
    refused(data, os.path.join(tmp, "missing.pack"))
    refused(data, FORM)

    # After all that the kiosk still serves study A's form.
    rc, out, err = run(KIOSK, "--data", data, "--install", pack_a)
    check(rc == 0 and fp_a in out, f"install after refusals: exit {rc}, {out!r} {err!r}")

    # Export with no sittings: says so, exit 0, no bundle written (with or without --all).
    for extra in ([], ["--all"]):
        rc, out, err = run(KIOSK, "--data", data, "--export", out_dir, *extra)
        check(rc == 0, f"export {extra}: exit {rc}, stderr {err!r}")
        check("nothing new to export" in out, f"export {extra}: {out!r}")
        written = os.listdir(out_dir) if os.path.isdir(out_dir) else []
        check(written == [], f"export {extra}: wrote {written}")

    # A damaged store is an error an administrator can act on, not a crash.
    broken = os.path.join(tmp, "broken")
    os.makedirs(broken)
    with open(os.path.join(broken, "kiosk.db"), "wb") as f:
        f.write(b"this is not a database" * 100)
    rc, out, err = run(KIOSK, "--data", broken, "--export", out_dir)
    check(rc == 1 and err.startswith("survey-kiosk: error: "), f"broken store: exit {rc}, {err!r}")

    # Usage mistakes are caught before anything is opened.
    rc, out, err = run(KIOSK, "--data", data, "--install", pack_a, "--export", out_dir)
    check(rc != 0 and "survey-kiosk" in err, f"--install with --export: exit {rc}, {err!r}")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print("kiosk headless: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
