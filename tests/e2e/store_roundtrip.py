#!/usr/bin/python3
"""store_roundtrip.py - `merge` from a SQLite store into a PostgreSQL store and
back: the same status, the same export.

    store_roundtrip.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM    (SK_TEST_STORE=postgresql)

A researcher's central.db holds three kiosks' records: two devices accepted,
one still new (its records held), one sitting withdrawn.  It is merged into a
PostgreSQL store (the trust's server), and that into a second, empty
central.db (a copy to take home).  Enrolment does not travel with a merge
(FORMATS.md), so the researcher accepts the same two devices in each; then
status --json (but for the times of the merges) and every exported file are the
same in all three, the withdrawn sitting stays withdrawn, the held records stay
held.  Merging the PostgreSQL store back into the first central.db adds
nothing.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_common import (Study, check, finish, make_kiosk, run, tmpdir, KIOSK, SYNC)  # noqa: E402
import store as stores  # noqa: E402

if not stores.PG:
    sys.exit("store_roundtrip.py needs SK_TEST_STORE=postgresql (and the cluster's URI): "
             "it merges between SQLite and PostgreSQL")

root = tmpdir("store_roundtrip")
st = Study(root)
key = os.path.join(st.keys, "study.key")

bundles, codes = [], []
for i, n in enumerate((12, 9, 5)):
    k = os.path.join(root, "k%d" % i)
    make_kiosk(k, st.plain_pack, "Pi-%d" % i, n)
    with open(k + ".out.json") as f:
        codes.append(json.load(f)["codes"])
    out = os.path.join(root, "usb-%d" % i)
    run([KIOSK, "--data", k, "--export", out])
    bundles += [os.path.join(out, f) for f in sorted(os.listdir(out))]


def devices(s):
    return {d["label"]: d for d in json.loads(run([SYNC, "devices", "list", "--store", s,
                                                           "--json"]).stdout)}


def accept(s, labels):
    ids = devices(s)
    for label in labels:
        run([SYNC, "devices", "accept", ids[label]["device_id"], "--store", s])


def status(s):
    j = json.loads(run([SYNC, "status", "--store", s, "--json"]).stdout)
    for r in j["rows"]:
        r.pop("last_import_ms")   # when each store last took something: not what it holds
    return j


def export(s, name):
    out = os.path.join(root, name)
    run([SYNC, "export", "--store", s, "--key", key, "--out", out])
    files = {}
    for f in sorted(os.listdir(out)):
        with open(os.path.join(out, f), "rb") as fh:
            files[f] = fh.read()
    return files


# ---- the researcher's central.db --------------------------------------------------
a = os.path.join(root, "central.db")
run([SYNC, "merge", "--store", a] + bundles)
accept(a, ("Pi-0", "Pi-1"))
p = run([SYNC, "withdraw", "--store", a, "--key", key, codes[0][3]])
check("2 records removed" in p.stdout, "a sitting withdrawn: " + p.stdout)
sa, ea = status(a), export(a, "export-a")
check(sa["withdrawals"] == 1 and {d["device_label"]: (d["state"], d["quarantined"])
                                  for d in sa["devices"]}
      == {"Pi-0": ("accepted", 0), "Pi-1": ("accepted", 0), "Pi-2": ("new", 10)},
      "the central.db: one withdrawal, Pi-2's 10 records held: %r" % sa)
check(any(f.endswith("_responses.csv") for f in ea), "the central.db exports: %r" % sorted(ea))
ids_a = stores.record_ids(a)
check(len(ids_a) == 2 * (12 + 9 + 5) - 2, "the central.db holds %d records" % len(ids_a))

# ---- into PostgreSQL ----------------------------------------------------------------
b = stores.fresh(root, "trust")
p = run([SYNC, "merge", "--store", b, a])
check((a + ": 0 new, 50 held (device not accepted yet), 0 already present, 0 conflicts")
      in p.stdout, "SQLite into PostgreSQL: every record, held until accepted there: " + p.stdout)
check(sorted(devices(b)) == ["Pi-0", "Pi-1", "Pi-2"], "the devices travel: %r" % sorted(devices(b)))
accept(b, ("Pi-0", "Pi-1"))
check(stores.record_ids(b) == ids_a, "PostgreSQL holds the same records")
check(status(b) == sa, "PostgreSQL: the same status:\n%r\n%r" % (status(b), sa))
eb = export(b, "export-b")
check(sorted(eb) == sorted(ea), "PostgreSQL: the same files: %r" % sorted(eb))
for f in ea:
    check(eb.get(f) == ea[f], "PostgreSQL: %s the same as from the central.db" % f)

# ---- and back into a new central.db ---------------------------------------------------
c = os.path.join(root, "copy.db")
p = run([SYNC, "merge", "--store", c, b])
check((b + ": 0 new, 50 held") in p.stdout, "PostgreSQL into SQLite: " + p.stdout)
accept(c, ("Pi-0", "Pi-1"))
check(stores.record_ids(c) == ids_a, "the copy holds the same records")
check(status(c) == sa, "the copy: the same status:\n%r\n%r" % (status(c), sa))
ec = export(c, "export-c")
check(sorted(ec) == sorted(ea), "the copy: the same files: %r" % sorted(ec))
for f in ea:
    check(ec.get(f) == ea[f], "the copy: %s the same as from the central.db" % f)

# ---- PostgreSQL back into the first central.db: nothing new -----------------------------
p = run([SYNC, "merge", "--store", a, b])
check((b + ": 0 new, 50 already present, 0 conflicts") in p.stdout, "back: nothing new: " + p.stdout)
check(status(a) == sa and stores.record_ids(a) == ids_a, "back: the central.db unchanged")
# The withdrawn sitting's code is spent in every store (the withdrawal travelled).
for s in (b, c):
    p = run([SYNC, "withdraw", "--store", s, "--key", key, codes[0][3]], expect=1)
    check("already withdrawn" in p.stderr, "%s knows the withdrawal: %s" % (s, p.stderr))
finish()
