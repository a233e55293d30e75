#!/usr/bin/env python3
"""End-to-end: a full disk (or USB stick) loses nothing and half-writes nothing.

The real binaries run with tests/fault/enospc.c preloaded: writes under
SK_FULL_DIR fail with ENOSPC once SK_FULL_AFTER bytes are spent, exactly as on a
full SD card or stick.  For each case the command must fail with a clear
"full" message and exit 1, leave no partial or temporary file, leave every
store intact (PRAGMA integrity_check), and work again once there is space.

usage: disk_full.py SURVEY_KIOSK SURVEY_SYNC ENOSPC_SO FORM
"""
import glob
import os
import shutil
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError, accept_devices  # noqa: E402

KIOSK, SYNC, SO, FORM = sys.argv[1:5]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "disk_full")
BASE = dict(os.environ, SURVEY_PASSPHRASE="disk full e2e", SK_PWHASH_FAST="1")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, full=None, after=0):
    env = dict(BASE)
    if full:
        # the preloaded library comes after ASan's runtime in ASan builds
        env["LD_PRELOAD"] = SO
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        env["SK_FULL_DIR"] = full
        env["SK_FULL_AFTER"] = str(after)
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=120)


def integrity(db):
    con = sqlite3.connect(db)
    ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    con.close()
    return ok


def files(d):
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def main():
    shutil.rmtree(TMP, ignore_errors=True)
    os.makedirs(TMP)
    key = os.path.join(TMP, "study", "study.key")

    # 1. keygen onto a full disk: neither key file, no temporary file.
    full_keys = os.path.join(TMP, "fullkeys")
    os.makedirs(full_keys)
    p = run(SYNC, "keygen", "--out", full_keys, full=full_keys)
    check(p.returncode == 1 and "full" in p.stderr, "keygen on a full disk: %d %r" % (p.returncode, p.stderr))
    check(files(full_keys) == [], "keygen left nothing behind: %s" % files(full_keys))
    p = run(SYNC, "keygen", "--out", os.path.join(TMP, "study"))
    check(p.returncode == 0, "keygen with space works")
    pack = os.path.join(TMP, "f.pack")
    run(SYNC, "pack", FORM, "--key", key, "--out", pack)

    # 2. pack onto a full stick
    stick = os.path.join(TMP, "stick")
    os.makedirs(stick)
    p = run(SYNC, "pack", FORM, "--key", key, "--out", os.path.join(stick, "f.pack"), full=stick, after=100)
    check(p.returncode == 1 and "full" in p.stderr, "pack onto a full stick: %r" % p.stderr)
    check(files(stick) == [], "no partial pack: %s" % files(stick))

    # 3. a kiosk with one declined sitting (through the real window)
    data = os.path.join(TMP, "kiosk")
    check(run(KIOSK, "--data", data, "--install", pack).returncode == 0, "install")
    k = Kiosk(KIOSK, data)
    try:
        k.tap("start")
        k.tap("decline")
        k.wait_screen("welcome", timeout=30)
    except KioskError as e:
        check(False, str(e))
    finally:
        k.close()
    db = os.path.join(data, "kiosk.db")

    # 4. export onto a full stick: refused, nothing on the stick, records kept for later
    p = run(KIOSK, "--data", data, "--export", stick, full=stick, after=500)
    check(p.returncode == 1 and "full" in p.stderr, "export onto a full stick: %r" % p.stderr)
    check(files(stick) == [], "no partial bundle or temp file: %s" % files(stick))
    out = os.path.join(TMP, "out")
    p = run(KIOSK, "--data", data, "--export", out)
    check(p.returncode == 0 and "1 record" in p.stdout, "the record exports once there is space: %r" % p.stdout)

    # 5. the kiosk's own disk is full: installing a pack fails cleanly
    pack2 = os.path.join(TMP, "f2.pack")
    run(SYNC, "pack", FORM, "--key", key, "--out", pack2)
    p = run(KIOSK, "--data", data, "--install", pack2, full=data)
    check(p.returncode == 1 and "full" in p.stderr, "install on a full disk: %r" % p.stderr)
    check(integrity(db) == "ok", "kiosk.db intact after a full disk")

    # 6. the disk fills up while a participant answers: the kiosk says so, and
    #    every answer it had saved comes back as an incomplete record
    env = {"LD_PRELOAD": SO, "SK_FULL_DIR": data, "SK_FULL_AFTER": "60000",
           "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    k = Kiosk(KIOSK, data, env=env)
    reached = False
    try:
        k.tap("start")
        k.reveal("agree")
        k.tap("agree")
        k.reveal("signer")
        k.tap("signer")
        for ch in "Ada Lovelace, Countess of Lovelace, mathematician":
            k.text(ch)
            if k.screen() == "error":
                reached = True
                break
        ui = k.ui()
        text = " ".join(w["label"] for w in ui["widgets"]).lower()
        check(reached and "full" in text, "the kiosk says the disk is full: %s %r" % (ui["screen"], text[:300]))
    except KioskError as e:
        check(False, "full-disk sitting: %s" % e)
    finally:
        k.close()
    check(integrity(db) == "ok", "kiosk.db intact after the disk filled up")
    p = run(KIOSK, "--data", data, "--export", out)
    check(p.returncode == 0 and "1 record" in p.stdout,
          "with space again, the interrupted sitting is recovered and exported: %r %r" % (p.stdout, p.stderr))

    # 7. merging into a central store when the disk fills up: refused whole,
    #    the store as it was, and the same merge works once there is space
    cdir = os.path.join(TMP, "central")
    os.makedirs(cdir)
    central = os.path.join(cdir, "central.db")
    bundles = sorted(glob.glob(os.path.join(out, "*.skb")))
    check(run(SYNC, "merge", "--store", central, bundles[0]).returncode == 0, "first merge")
    check(len(accept_devices(SYNC, central)) == 1, "the kiosk accepted after its first bundle")
    before = run(SYNC, "status", "--store", central, "--json").stdout
    p = run(SYNC, "merge", "--store", central, *bundles[1:], full=cdir, after=0)
    check(p.returncode == 1 and "full" in p.stderr, "merge on a full disk is refused: %r" % p.stderr)
    check(integrity(central) == "ok", "central.db intact")
    check(run(SYNC, "status", "--store", central, "--json").stdout == before, "the store is as it was")
    p = run(SYNC, "merge", "--store", central, *bundles[1:])
    check(p.returncode == 0 and "1 new" in p.stdout, "the merge works with space: %r" % p.stdout)

    if failures:
        print("%d failures" % len(failures))
        sys.exit(1)
    print("full disk: nothing lost, nothing half-written")


main()
