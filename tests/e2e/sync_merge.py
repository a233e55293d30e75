#!/usr/bin/python3
"""sync_merge.py - survey-sync merge, status and withdraw as a researcher uses
them, driving the real binary.

    sync_merge.py SURVEY_SYNC TEST_CSTORE

TEST_CSTORE --make-bundles DIR writes signed bundles from three kiosks and a
manifest (bundle names and paths, device ids and fingerprints, withdrawal
codes, the study key folders).  Checks the per-input and total lines (records
of devices not accepted yet are held), refused inputs (named, skipped whole,
exit 1), status gap lines and --json, devices list/accept/reject/retire/add,
study pinning (--study, and by the first pack), and withdrawal with the study
key and a code typed carelessly.
"""
import json
import os
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import accept_devices  # noqa: E402
import store  # noqa: E402
from store import record_ids  # noqa: E402

SYNC, MAKER = sys.argv[1], sys.argv[2]
TMP = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "sync_merge-%d" % os.getpid())
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)


def sync(*args, expect=0, env=None):
    p = subprocess.run([SYNC, *args], capture_output=True, text=True, env=env)
    if expect is not None and p.returncode != expect:
        print(p.stdout, p.stderr, file=sys.stderr)
        check(False, "survey-sync %s exited %d, expected %d" % (args[0], p.returncode, expect))
    return p


def devices_json(store):
    p = sync("devices", "list", "--store", store, "--json")
    return {d["label"]: d for d in json.loads(p.stdout)}


def new_device_line(store, dev_id, label, n, fp):
    # the store as one shell word (a PostgreSQL URI holds ? and &): pasted, it works
    return ("device %s '%s' is new: %d record%s held until you accept it; compare fingerprint %s "
            "with the kiosk's admin screen, then: survey-sync devices accept %s --store %s"
            % (dev_id, label, n, "" if n == 1 else "s", fp, dev_id, shlex.quote(store)))


def main():
    os.makedirs(TMP, exist_ok=True)
    subprocess.run([MAKER, "--make-bundles", TMP], check=True)
    bundles, devices, codes, studies, fps = {}, {}, [], {}, {}
    for line in open(os.path.join(TMP, "manifest.txt")):
        kind, rest = line.split(None, 1)
        if kind == "study":  # study NAME DIR PASSPHRASE (the passphrase has spaces)
            name, folder, passphrase = rest.rstrip("\n").split(" ", 2)
            studies[name] = (folder, passphrase)
            continue
        rest = rest.split()
        if kind == "bundle":
            bundles[rest[0]] = rest[1]
        elif kind == "device":
            devices[rest[0]] = rest[1]
        elif kind == "fingerprint":
            fps[rest[0]] = rest[1]
        elif kind == "code":
            codes.append((rest[0], int(rest[1]), rest[2]))
    central = store.fresh(TMP, "central.db")
    study_dir, passphrase = studies["followup"]
    study_pub = os.path.join(study_dir, "study.pub")
    study_key = os.path.join(study_dir, "study.key")
    other_dir, _ = studies["baseline"]
    the_four = [b for b in sorted(bundles) if b not in ("k4other", "k5late")]

    # Per-input lines and the total: the store is pinned to the study first,
    # and both kiosks are new, so their records are held, not new.
    p = sync("merge", "--store", central, "--study", study_pub,
             bundles["k1a"], bundles["k2b"], bundles["k1a"])
    lines = p.stdout.splitlines()
    check(lines[0].startswith(central + ": pinned to study ") and study_pub in lines[0],
          "--study pins the new store: " + lines[0])
    check(lines[1] == bundles["k1a"] + ": 0 new, 9 held (device not accepted yet), "
          "0 already present, 0 conflicts, 1 new survey pack", "first input line: " + lines[1])
    check(lines[2] == bundles["k2b"] + ": 0 new, 6 held (device not accepted yet), "
          "0 already present, 0 conflicts", "second input line: " + lines[2])
    check(lines[3] == bundles["k1a"] + ": 0 new, 9 already present, 0 conflicts",
          "repeated input line: " + lines[3])
    check(lines[4].startswith("total: 3 inputs merged, 0 refused: 0 new, 15 held (device not "
                              "accepted yet), 9 already present"), "total line: " + lines[4])
    for label, n in (("Durham-Pi-1", 9), ("Durham-Pi-2", 6)):
        want = new_device_line(central, devices[label], label, n, fps[label])
        check(want in lines, "merge names new device %s with its fingerprint: %r" % (label, lines))
    check(p.stderr == "", "no progress bar when stderr is not a terminal")

    # Held records are not data: no status rows until the devices are accepted.
    # (Durham-Pi-2 sent 5-10 only: a gap, so status exits 3.)
    p = sync("status", "--store", central, expect=3)
    check(p.stdout.splitlines()[0].startswith("study "), "status names the study: " + p.stdout)
    check("the store holds no records of accepted devices yet" in p.stdout,
          "held records are not in status rows")
    j = json.loads(sync("status", "--store", central, "--json", expect=3).stdout)
    check(j["rows"] == [], "status --json has no rows for held records")
    check({d["device_label"]: (d["state"], d["quarantined"]) for d in j["devices"]}
          == {"Durham-Pi-1": ("new", 9), "Durham-Pi-2": ("new", 6)},
          "status --json devices are new, records quarantined: %r" % j["devices"])
    listed = devices_json(central)
    check({k: (v["state"], v["held_records"], v["fingerprint"], v["device_id"])
           for k, v in listed.items()}
          == {"Durham-Pi-1": ("new", 9, fps["Durham-Pi-1"], devices["Durham-Pi-1"]),
              "Durham-Pi-2": ("new", 6, fps["Durham-Pi-2"], devices["Durham-Pi-2"])},
          "devices list --json: %r" % listed)
    p = sync("devices", "list", "--store", central)
    check(any(line.startswith(devices["Durham-Pi-1"]) and fps["Durham-Pi-1"] in line
              and " new " in line and "(9 records held)" in line for line in p.stdout.splitlines()),
          "devices list: the new device with its fingerprint and held count: " + p.stdout)

    # Accept: by fingerprint typed carelessly, and by an id prefix.
    typed_fp = fps["Durham-Pi-1"].replace("-", " ").lower()
    p = sync("devices", "accept", typed_fp, "--store", central)
    check(p.stdout.strip() == "device %s accepted: 9 held records released" % devices["Durham-Pi-1"],
          "accept by fingerprint releases the held records: " + p.stdout)
    p = sync("devices", "accept", devices["Durham-Pi-2"][:6], "--store", central)
    check(p.stdout.strip() == "device %s accepted: 6 held records released" % devices["Durham-Pi-2"],
          "accept by id prefix: " + p.stdout)
    p = sync("devices", "accept", "0123456789abcdef", "--store", central, expect=1)
    check("no device" in p.stderr, "accepting an unknown device fails: " + p.stderr)
    check(all(d["state"] == "accepted" for d in devices_json(central).values()),
          "both devices accepted")

    # Status: kiosk 2 sent 5-10 only, so 1-4 are missing.
    # A gap makes status exit 3 (README), so a script notices; the advice is
    # the export that brings back records already exported once (--all).
    p = sync("status", "--store", central, expect=3)
    want = ("device %s 'Durham-Pi-2': missing 1-4: on that kiosk run survey-kiosk --data DIR "
            "--export DIR --all, then merge that bundle here" % devices["Durham-Pi-2"])
    check(want in p.stdout.splitlines(), "status gap line for Durham-Pi-2")
    check("device %s 'Durham-Pi-1': held 1-9, nothing missing" % devices["Durham-Pi-1"]
          in p.stdout, "status held line for Durham-Pi-1")
    j = json.loads(sync("status", "--store", central, "--json", expect=3).stdout)
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
    # Enrolment does not travel: Leeds-Laptop is new here, its records held.
    other = store.fresh(TMP, "other.db")
    sync("merge", "--store", other, bundles["k3all"], bundles["k1all"])
    p = sync("merge", "--store", central, other)
    check((other + ": 7 new, 7 held (device not accepted yet), 9 already present, 0 conflicts")
          in p.stdout, "store into store: Durham-Pi-1's 10-16 new, Leeds-Laptop held: " + p.stdout)
    check(new_device_line(central, devices["Leeds-Laptop"], "Leeds-Laptop", 7,
                          fps["Leeds-Laptop"]) in p.stdout.splitlines(),
          "the store's new device is named: " + p.stdout)
    whole = store.fresh(TMP, "whole.db")
    sync("merge", "--store", whole, *[bundles[n] for n in the_four])
    check(record_ids(central) == record_ids(whole), "store into store equals all bundles")
    check(accept_devices(SYNC, central) == [devices["Leeds-Laptop"]],
          "accept_devices accepts the one new device")
    j = json.loads(sync("status", "--store", central, "--json").stdout)
    check(len(j["rows"]) == 3, "three accepted devices in status rows: %r" % j["rows"])

    # Withdraw needs the study key; lowercase without dashes; unknown; again.
    label, seq, code = codes[1]
    p = sync("withdraw", "--store", central, code, expect=2)  # no --key: usage
    env = dict(os.environ, SURVEY_PASSPHRASE=passphrase)
    p = sync("withdraw", "--store", central, "--key", study_key, code.replace("-", "").lower(),
             env=env)
    check("2 records removed" in p.stdout, "withdraw removes consent and response: " + p.stdout)
    pass_file = os.path.join(TMP, "passphrase.txt")
    open(pass_file, "w").write(passphrase + "\n")
    p = sync("withdraw", "--store", central, "--key", study_key, "--passphrase-file", pass_file,
             code, expect=1)
    check("already withdrawn on" in p.stderr, "withdrawing twice says so: " + p.stderr)
    p = sync("withdraw", "--store", central, "--key", study_key, "AAAA-BBBB-CCCC-DDDD",
             expect=1, env=env)
    check(p.stderr.strip() == "survey-sync: error: no record carries withdrawal code "
          "AAAA-BBBB-CCCC-DDDD; check the code", "unknown code message: " + p.stderr)
    before = record_ids(central)
    p = sync("withdraw", "--store", central, "--key", os.path.join(other_dir, "study.key"),
             codes[2][2], expect=1, env=env)
    check("belongs to study" in p.stderr, "another study's key cannot withdraw: " + p.stderr)
    p = sync("withdraw", "--store", central, "--key", study_key, codes[2][2], expect=1,
             env=dict(os.environ, SURVEY_PASSPHRASE="not the passphrase"))
    check(record_ids(central) == before, "a refused withdrawal changes nothing")
    p = sync("merge", "--store", central, bundles["k1all"])
    check("0 new" in p.stdout and "2 withdrawn skipped" in p.stdout,
          "an old bundle does not bring the sitting back: " + p.stdout)
    j = json.loads(sync("status", "--store", central, "--json").stdout)
    check(j["withdrawals"] == 1, "status counts the withdrawal")
    check(all(d["missing"] == [] for d in j["devices"]), "a withdrawal is not a gap")
    stmts = store.query(central, "SELECT length(statement) FROM withdrawals")
    check(stmts == [(96,)], "the withdrawal keeps a signed statement: %r" % stmts)

    # Pinning: a second study's pack is refused (here and with --study).
    before = record_ids(central)
    p = sync("merge", "--store", central, bundles["k4other"], expect=1)
    check(p.stderr.startswith("survey-sync: error: " + bundles["k4other"] + ": ")
          and "belongs to study" in p.stderr, "another study's bundle refused: " + p.stderr)
    check(record_ids(central) == before, "the refused bundle changed nothing")
    p = sync("merge", "--store", central, "--study", os.path.join(other_dir, "study.pub"),
             bundles["k1a"], expect=1)
    check("belongs to study" in p.stderr, "--study of another study refused: " + p.stderr)
    p = sync("merge", "--store", central, "--study", study_pub, bundles["k1a"])
    check("pinned" not in p.stdout
          and (bundles["k1a"] + ": 0 new, 7 already present, 0 conflicts, 2 withdrawn skipped")
          in p.stdout, "--study of the store's own study: " + p.stdout)
    pinned = store.fresh(TMP, "pinned-other.db")
    p = sync("merge", "--store", pinned, "--study", os.path.join(other_dir, "study.pub"),
             bundles["k1a"], bundles["k4other"], expect=1)
    check(p.stderr.startswith("survey-sync: error: " + bundles["k1a"] + ": "),
          "a store pinned to the other study refuses this study's bundle: " + p.stderr)
    check((bundles["k4other"] + ": 0 new, 3 held (device not accepted yet)") in p.stdout,
          "its own study's bundle merges: " + p.stdout)
    check(len(record_ids(pinned)) == 3, "only the other study's records are in it")
    unpinned = store.fresh(TMP, "by-first-pack.db")
    p = sync("merge", "--store", unpinned, bundles["k4other"], bundles["k1a"], expect=1)
    check(p.stdout.startswith(unpinned + ": pinned to study ")
          and "from the first survey pack in " + bundles["k4other"] in p.stdout,
          "the first pack pins and says so: " + p.stdout)
    check(p.stderr.startswith("survey-sync: error: " + bundles["k1a"] + ": "),
          "then a pack of another study is refused: " + p.stderr)
    check("study " in sync("status", "--store", unpinned).stdout.splitlines()[0],
          "status shows the pinned study")

    # Reject: a new device's held records are deleted; its bundles refused.
    rstore = store.fresh(TMP, "reject.db")
    sync("merge", "--store", rstore, bundles["k3all"])
    p = sync("devices", "reject", devices["Leeds-Laptop"], "--store", rstore)
    check(p.stdout.startswith("device %s rejected: 7 held records deleted"
                              % devices["Leeds-Laptop"]), "reject: " + p.stdout)
    check(record_ids(rstore) == [], "the rejected device's records are gone")
    p = sync("merge", "--store", rstore, bundles["k3all"], expect=1)
    check("was rejected" in p.stderr, "a rejected device's bundle is refused: " + p.stderr)
    check(devices_json(rstore)["Leeds-Laptop"]["state"] == "rejected", "devices list: rejected")
    check("device %s 'Leeds-Laptop': rejected" % devices["Leeds-Laptop"]
          in sync("status", "--store", rstore).stdout, "status: rejected")
    sync("merge", "--store", rstore, bundles["k1a"])
    accept_devices(SYNC, rstore)
    p = sync("devices", "reject", devices["Durham-Pi-1"], "--store", rstore, expect=1)
    check("retire it" in p.stderr, "an accepted device is retired, not rejected: " + p.stderr)

    # Retire: what came stays; a later bundle's newer records are refused.
    tstore = store.fresh(TMP, "retire.db")
    sync("merge", "--store", tstore, bundles["k1a"])
    accept_devices(SYNC, tstore)
    p = sync("devices", "retire", devices["Durham-Pi-1"], "--store", tstore)
    check(p.stdout.startswith("device %s retired: records up to number 9 stay"
                              % devices["Durham-Pi-1"]), "retire: " + p.stdout)
    p = sync("merge", "--store", tstore, bundles["k1b"])
    check((bundles["k1b"] + ": 0 new, 2 already present, 0 conflicts, 7 refused (device retired)")
          in p.stdout, "records after the last accepted number are refused: " + p.stdout)
    check(len(record_ids(tstore)) == 9, "the retired device's first 9 records stay")
    d = devices_json(tstore)["Durham-Pi-1"]
    check(d["state"] == "retired" and d["retired_seq"] == 9, "devices list: retired at 9: %r" % d)
    check("device %s 'Durham-Pi-1': retired; records after number 9 are refused"
          % devices["Durham-Pi-1"] in sync("status", "--store", tstore).stdout, "status: retired")

    # Add: enrolled by fingerprint before its first bundle, its records are new.
    astore = store.fresh(TMP, "add.db")
    p = sync("devices", "add", fps["Late-Laptop"], "Late-Laptop", "--store", astore)
    check(p.stdout.strip() == "device %s enrolled and accepted: its bundles will merge as data"
          % devices["Late-Laptop"], "devices add: " + p.stdout)
    check("'Late-Laptop': enrolled, no bundle merged yet" in sync("status", "--store", astore).stdout,
          "status: enrolled, not seen yet")
    p = sync("devices", "add", fps["Late-Laptop"], "--store", astore, expect=1)
    check("known to this store already" in p.stderr, "adding twice is refused: " + p.stderr)
    sync("devices", "add", "not-a-fingerprint", "--store", astore, expect=1)
    p = sync("merge", "--store", astore, bundles["k5late"])
    check((bundles["k5late"] + ": 3 new, 0 already present, 0 conflicts") in p.stdout
          and "held" not in p.stdout and "is new" not in p.stdout,
          "an enrolled device's records merge as new: " + p.stdout)
    d = devices_json(astore)["Late-Laptop"]
    check(d["state"] == "accepted" and d["fingerprint"] == fps["Late-Laptop"],
          "the enrolled device seen with its fingerprint: %r" % d)

    # Usage errors.
    sync("merge", "--store", central, expect=2)
    sync("status", expect=2)
    sync("withdraw", "--store", central, expect=2)
    sync("devices", "--store", central, expect=2)
    sync("devices", "accept", "--store", central, expect=2)
    sync("devices", "list", expect=2)

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    shutil.rmtree(TMP, ignore_errors=True)
    print("sync_merge: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
