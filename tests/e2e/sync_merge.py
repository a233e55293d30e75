#!/usr/bin/python3
"""sync_merge.py - survey-sync merge, status and withdraw as a researcher uses
them, driving the real binary.

    sync_merge.py SURVEY_SYNC TEST_CSTORE

TEST_CSTORE --make-bundles DIR writes signed bundles from three kiosks and a
manifest (bundle names and paths, device ids, withdrawal codes).  Checks the
per-input and total lines, refused inputs (named, skipped whole, exit 1),
status gap lines and --json, and withdrawal with a code typed carelessly.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys

SYNC, MAKER = sys.argv[1], sys.argv[2]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_merge-%d" % os.getpid())
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def sync(*args, expect=0):
    p = subprocess.run([SYNC, *args], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        print(p.stdout, p.stderr, file=sys.stderr)
        check(False, "survey-sync %s exited %d, expected %d" % (args[0], p.returncode, expect))
    return p


def record_ids(db):
    con = sqlite3.connect(db)
    ids = sorted(r[0] for r in con.execute("SELECT hex(record_id) FROM records"))
    con.close()
    return ids


def main():
    os.makedirs(TMP, exist_ok=True)
    subprocess.run([MAKER, "--make-bundles", TMP], check=True)
    bundles, devices, codes = {}, {}, []
    for line in open(os.path.join(TMP, "manifest.txt")):
        kind, *rest = line.split()
        if kind == "bundle":
            bundles[rest[0]] = rest[1]
        elif kind == "device":
            devices[rest[0]] = rest[1]
        elif kind == "code":
            codes.append((rest[0], int(rest[1]), rest[2]))
    central = os.path.join(TMP, "central.db")

    # Per-input lines and the total.
    p = sync("merge", "--store", central, bundles["k1a"], bundles["k2b"], bundles["k1a"])
    lines = p.stdout.splitlines()
    check(lines[0] == bundles["k1a"] + ": 9 new, 0 already present, 0 conflicts, 1 new survey pack",
          "first input line: " + lines[0])
    check(lines[1] == bundles["k2b"] + ": 6 new, 0 already present, 0 conflicts",
          "second input line: " + lines[1])
    check(lines[2] == bundles["k1a"] + ": 0 new, 9 already present, 0 conflicts",
          "repeated input line: " + lines[2])
    check(lines[-1].startswith("total: 3 inputs merged, 0 refused: 15 new, 9 already present"),
          "total line: " + lines[-1])
    check(p.stderr == "", "no progress bar when stderr is not a terminal")

    # Status: kiosk 2 sent 5-10 only, so 1-4 are missing.
    p = sync("status", "--store", central)
    want = ("device %s 'Durham-Pi-2': missing 1-4: export again from that kiosk"
            % devices["Durham-Pi-2"])
    check(want in p.stdout.splitlines(), "status gap line for Durham-Pi-2")
    check("device %s 'Durham-Pi-1': held 1-9, nothing missing" % devices["Durham-Pi-1"]
          in p.stdout, "status held line for Durham-Pi-1")
    j = json.loads(sync("status", "--store", central, "--json").stdout)
    gaps = {d["device_label"]: d["missing"] for d in j["devices"]}
    check(gaps == {"Durham-Pi-1": [], "Durham-Pi-2": [[1, 4]]}, "status --json gaps: %r" % gaps)
    check(sum(r["finished"] for r in j["rows"]) == 6, "status --json finished count (3 + 3)")

    # A damaged bundle is named, skipped whole; the good one still merges.
    bad = os.path.join(TMP, "damaged.skb")
    data = bytearray(open(bundles["k3all"], "rb").read())
    data[len(data) // 2] ^= 1
    open(bad, "wb").write(bytes(data))
    before = record_ids(central)
    p = sync("merge", "--store", central, bad, bundles["k2a"], expect=1)
    check(p.stderr.startswith("survey-sync: error: " + bad + ": "),
          "refused input named: " + p.stderr)
    check((bundles["k2a"] + ": 4 new, 2 already present, 0 conflicts") in p.stdout,
          "the good input still merges")
    check("1 refused" in p.stdout.splitlines()[-1], "the total counts the refusal")
    check(len(record_ids(central)) == len(before) + 4, "only the good input's records were added")

    # A store merged into another: the same records as merging the bundles.
    other = os.path.join(TMP, "other.db")
    sync("merge", "--store", other, bundles["k3all"], bundles["k1all"])
    sync("merge", "--store", central, other)
    whole = os.path.join(TMP, "whole.db")
    sync("merge", "--store", whole, *[bundles[n] for n in sorted(bundles)])
    check(record_ids(central) == record_ids(whole), "store into store equals all bundles")

    # Withdraw: lowercase without dashes; unknown; again.
    label, seq, code = codes[1]
    p = sync("withdraw", "--store", central, code.replace("-", "").lower())
    check("2 records removed" in p.stdout, "withdraw removes consent and response: " + p.stdout)
    p = sync("withdraw", "--store", central, code, expect=1)
    check("already withdrawn on" in p.stderr, "withdrawing twice says so")
    p = sync("withdraw", "--store", central, "AAAA-BBBB-CCCC-DDDD", expect=1)
    check(p.stderr.strip() == "survey-sync: error: no record carries withdrawal code "
          "AAAA-BBBB-CCCC-DDDD; check the code", "unknown code message: " + p.stderr)
    p = sync("merge", "--store", central, bundles["k1all"])
    check("0 new" in p.stdout and "2 withdrawn skipped" in p.stdout,
          "an old bundle does not bring the sitting back: " + p.stdout)
    j = json.loads(sync("status", "--store", central, "--json").stdout)
    check(j["withdrawals"] == 1, "status counts the withdrawal")
    check(all(d["missing"] == [] for d in j["devices"]), "a withdrawal is not a gap")

    # Usage errors.
    sync("merge", "--store", central, expect=2)
    sync("status", expect=2)
    sync("withdraw", "--store", central, expect=2)

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    shutil.rmtree(TMP, ignore_errors=True)
    print("sync_merge: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
