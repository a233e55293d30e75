#!/usr/bin/python3
"""store_pg_diskfull.py - survey-sync merge when the PostgreSQL server's disk
is full (SQLSTATE 53100), on the throwaway cluster.

    store_pg_diskfull.py SURVEY_SYNC TEST_CSTORE

The store's records table is moved to a tablespace on a 16 KiB tmpfs, so the
server runs out of room while storing records.  The merge must say so (the
server's disk is full, free space, the store is as it was) and keep nothing
of that input.  Mounting needs root: without it this test exits 77, which
ctest reports as skipped (SKIP_RETURN_CODE), never as passed.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store as stores  # noqa: E402

SYNC, MAKER = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


if os.geteuid() != 0:
    print("skipped: mounting a tiny tmpfs for the tablespace needs root")
    sys.exit(77)

tmp = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "store_pg_diskfull-%d" % os.getpid())
os.makedirs(tmp, exist_ok=True)
subprocess.run([MAKER, "--make-bundles", tmp], check=True, capture_output=True)
bundles = {}
for line in open(os.path.join(tmp, "manifest.txt")):
    parts = line.split()
    if parts[0] == "bundle":
        bundles[parts[1]] = parts[2]

mnt = os.path.join(tmp, "tiny")
os.makedirs(mnt, exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", mnt], check=True)
space = "sk_tiny_%d" % os.getpid()
try:
    # the cluster runs as postgres when started by root (scripts/pg-test-cluster.sh)
    subprocess.run(["chown", "postgres", mnt], check=False)
    admin = stores.maintenance_url()
    stores.psql(admin, "CREATE TABLESPACE %s LOCATION '%s'" % (space, mnt))
    central = stores.fresh(tmp, "diskfull", backend="postgresql")
    p = subprocess.run([SYNC, "merge", "--store", central, bundles["k1a"]], capture_output=True,
                       text=True, timeout=300)
    check(p.returncode == 0, "the first merge fits: %s" % p.stderr)
    stores.psql(central, "ALTER TABLE records SET TABLESPACE %s" % space)
    before = stores.psql(central, "SELECT count(*) FROM records; SELECT count(*) FROM imports")
    full = None
    for name in ("k2a", "k2b", "k3all", "k4other", "k5late", "k1all"):
        p = subprocess.run([SYNC, "merge", "--store", central, bundles[name]], capture_output=True,
                           text=True, timeout=300)
        if p.returncode != 0:
            full = (name, p)
            break
        before = stores.psql(central, "SELECT count(*) FROM records; SELECT count(*) FROM imports")
    if check(full is not None, "the tablespace of 16 KiB fills up"):
        name, p = full
        check(p.returncode == 1, "disk full: exit 1, got %d" % p.returncode)
        check(("survey-sync: error: %s: the PostgreSQL server's disk is full while storing "
               "records; free some space on the server and run it again (the store is as it was "
               "before)" % central) in p.stderr, "disk full: says so and what to do: %r" % p.stderr)
        after = stores.psql(central, "SELECT count(*) FROM records; SELECT count(*) FROM imports")
        check(after == before, "disk full: nothing of %s kept (%r, was %r)" % (name, after, before))
finally:
    try:
        stores.drop(central)
    except Exception:
        pass
    try:
        stores.psql(stores.maintenance_url(), "DROP TABLESPACE IF EXISTS %s" % space)
    except Exception as e:
        print("warning: %s" % e)
    subprocess.run(["umount", mnt], check=False)

if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("ok")
