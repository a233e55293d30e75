#!/usr/bin/python3
"""store_concurrent.py - several `survey-sync merge` processes at once into one
central store, with overlapping bundles: every record ends up there once.

    store_concurrent.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

Four kiosks (real kiosk.db files, sittings played by sync_scenario_kiosk)
export three batches each and then everything again (--all): sixteen bundles
that overlap.  Eight merge processes start at the same moment on a store that
does not exist yet (so they also race to make it), each with twelve of the
sixteen bundles in its own order: every bundle goes in through six processes.

What a researcher would check: every merge succeeds; between them the
processes report each record as taken (new or held) exactly once and every
other arrival as already present, with no conflicts; the store holds each
record the kiosks made once; and after accepting the devices the store reads
exactly like one made by a single merge of the same bundles (status --json and
every exported file).  On both central stores (SK_TEST_STORE,
tests/e2e/store.py): test_store_concurrent_pg is the issue's "several merge
processes at once into one PostgreSQL store".
"""
import json
import os
import random
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import accept_devices  # noqa: E402
from serve_common import (PASSPHRASE, Study, check, finish, kiosk_record_ids, make_kiosk,  # noqa: E402
                          run, tmpdir, KIOSK, SYNC)
import skformat as sf  # noqa: E402
import store as stores  # noqa: E402

KIOSKS, PROCESSES = 4, 8
BATCHES = (10, 15, 10)   # sittings per batch; 2 records each (consent, response)
LINE = re.compile(r"^(.*): (\d+) new(?:, (\d+) held \(device not accepted yet\))?, (\d+) already present, "
                  r"(\d+) conflicts")

root = tmpdir("store_concurrent")
st = Study(root)
rng = random.Random(20261201)

# ---- the kiosks and their overlapping bundles ---------------------------------
bundles, kiosk_dirs = [], []
for i in range(KIOSKS):
    k = os.path.join(root, "k%d" % i)
    kiosk_dirs.append(k)
    start = 0
    for b, n in enumerate(BATCHES):
        make_kiosk(k, st.plain_pack if b == 0 else "-", "Pi-%d" % i, n, start=start)
        start += n
        out = os.path.join(root, "usb-%d-%d" % (i, b))
        run([KIOSK, "--data", k, "--export", out])
        bundles += [os.path.join(out, f) for f in os.listdir(out)]
    out = os.path.join(root, "usb-%d-all" % i)
    run([KIOSK, "--data", k, "--export", out, "--all"])
    bundles += [os.path.join(out, f) for f in os.listdir(out)]
check(len(bundles) == 4 * KIOSKS, "four bundles per kiosk: %d" % len(bundles))
every = sorted(sum((kiosk_record_ids(k) for k in kiosk_dirs), []))
check(len(every) == KIOSKS * 2 * sum(BATCHES), "%d records made" % len(every))

# Process p leaves out the bundles j with (j + p) % 4 == 0: each bundle goes in
# through 6 of the 8 processes, each process in its own shuffled order.
inputs = []
for p in range(PROCESSES):
    mine = [b for j, b in enumerate(bundles) if (j + p) % 4 != 0]
    rng.shuffle(mine)
    inputs.append(mine)

# ---- eight merges at once, into a store nobody has made yet ---------------------
central = stores.fresh(root, "central.db")
env = dict(os.environ, SURVEY_PASSPHRASE=PASSPHRASE)
procs = [subprocess.Popen([SYNC, "merge", "--store", central] + mine, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)
         for mine in inputs]
taken = present = conflicts = 0
for p, mine in zip(procs, inputs):
    out, err = p.communicate(timeout=600)
    check(p.returncode == 0, "a concurrent merge exited %d: %s%s" % (p.returncode, out, err))
    lines = [m for m in map(LINE.match, out.splitlines()) if m and not m.group(1).startswith("total")]
    check(sorted(m.group(1) for m in lines) == sorted(mine),
          "one line per input: %d lines for %d inputs\n%s" % (len(lines), len(mine), out))
    for m in lines:
        taken += int(m.group(2)) + int(m.group(3) or 0)
        present += int(m.group(4))
        conflicts += int(m.group(5))
arrivals = sum(len(sf.read_bundle(b).parsed_records) for mine in inputs for b in mine)
print("%d processes: %d taken, %d already present, %d conflicts" % (PROCESSES, taken, present, conflicts))
check(taken == len(every), "each record taken once between the processes: %d of %d" % (taken, len(every)))
check(taken + present == arrivals, "every arrival counted: %d + %d of %d" % (taken, present, arrivals))
check(conflicts == 0, "no conflicts: %d" % conflicts)
ids = stores.record_ids(central)
check(ids == every, "the store holds every record once: %d ids, %d distinct, %d made"
      % (len(ids), len(set(ids)), len(every)))
check(stores.count(central, "conflicts") == 0, "no conflicts kept aside")
check(stores.integrity(central) == "ok", "the store is intact")

# ---- the same as one merge of the same bundles ----------------------------------
ref = stores.fresh(root, "reference.db")
run([SYNC, "merge", "--store", ref] + bundles)
check(stores.record_ids(ref) == every, "the reference store holds every record once")
for s in (central, ref):
    check(len(accept_devices(SYNC, s)) == KIOSKS, "%d devices to accept in %s" % (KIOSKS, s))


def status(s):
    j = json.loads(run([SYNC, "status", "--store", s, "--json"]).stdout)
    for r in j["rows"]:
        r.pop("last_import_ms")   # when: not what
    return j


def export(s, name):
    out = os.path.join(root, name)
    run([SYNC, "export", "--store", s, "--key", os.path.join(st.keys, "study.key"), "--out", out])
    files = {}
    for f in sorted(os.listdir(out)):
        with open(os.path.join(out, f), "rb") as fh:
            files[f] = fh.read()
    return files


a, b = status(central), status(ref)
check(a == b, "status --json as after one merge:\n%s\n%s" % (a, b))
check(all(d["missing"] == [] for d in a.get("devices", [])), "no gaps: %r" % a.get("devices"))
ea, eb = export(central, "export-concurrent"), export(ref, "export-reference")
check(sorted(ea) == sorted(eb), "the same files: %r %r" % (sorted(ea), sorted(eb)))
for f in ea:
    check(ea[f] == eb.get(f), "%s is the same as after one merge" % f)
finish()
