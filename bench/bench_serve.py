#!/usr/bin/env python3
"""bench_serve.py - records per second delivered to `survey-sync serve` on
loopback (HTTPS) by 1, 10 and 50 simulated kiosks at once, into a SQLite
central store and into a PostgreSQL one, with the server's peak memory.  Not
run by ctest.

A simulated kiosk is a real kiosk store (kiosk.db, records sealed and signed
by sync_scenario_kiosk through the core API) delivered with `survey-kiosk
--deliver` (the same code as the kiosk's delivery thread: bundles of 200,
a receipt checked before anything is marked).  Every configuration delivers
the same total of records (split across the kiosks) into a fresh store; each
run starts from fresh copies of the kiosk stores.  Reported: the median of
RUNS runs of records/s (from starting the kiosks to the last one done), and
the server's peak RSS (VmHWM) over those runs.  The server runs with
--device-rate 0 (no rate limit) and the default limits otherwise.

PostgreSQL: each run's store is a database of its own (tests/e2e/store.py) on
the server named by --pg URI (a maintenance database where CREATE DATABASE is
allowed), or, without --pg, on a throwaway cluster this script starts with
scripts/pg-test-cluster.sh (fsync off, socket only) and stops at the end.  For
PostgreSQL the table adds the peak RSS of the PostgreSQL backend process that
served survey-sync serve's connection (it does the database work the SQLite
store does inside serve).

usage: bench/bench_serve.py [--build build] [--records 2000] [--runs 3]
                            [--kiosks 1,10,50] [--stores sqlite,postgresql] [--pg URI]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--build", default="build")
ap.add_argument("--records", type=int, default=2000)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--kiosks", default="1,10,50")
ap.add_argument("--stores", default="sqlite,postgresql")
ap.add_argument("--pg", default="", help="libpq URI of a maintenance database (default: a throwaway cluster)")
args = ap.parse_args()
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.path.abspath(args.build)
sys.argv = [sys.argv[0], os.path.join(build, "sync/survey-sync"),
            os.path.join(build, "kiosk/survey-kiosk"),
            os.path.join(build, "tests/sync_scenario_kiosk"),
            os.path.join(src, "tests/data/export/scenario.md")]
sys.path.insert(0, os.path.join(src, "tests/e2e"))
from serve_common import (FAST, KIOSK, Server, Study, kiosk_counts, make_kiosk,  # noqa: E402
                          store_ids, tmpdir)
import store as stores  # noqa: E402


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def pg_backends(store):
    """The pids of the PostgreSQL backends connected to the store's database."""
    return [int(r[0]) for r in stores.psql(stores.maintenance_url(),
            "SELECT pid FROM pg_stat_activity WHERE datname = '%s'" % stores.database_of(store))]


root = tmpdir("bench_serve")
backends = args.stores.split(",")
cluster = None
if "postgresql" in backends:
    if args.pg:
        os.environ["SK_TEST_PG"] = args.pg
    else:
        cluster = os.path.join(root, "pg")
        os.environ["SK_TEST_PG"] = subprocess.run(
            [os.path.join(src, "scripts/pg-test-cluster.sh"), "start", cluster],
            check=True, capture_output=True, text=True).stdout.strip()
st = Study(root)
rows = []
for n in [int(x) for x in args.kiosks.split(",")]:
    per = args.records // n
    masters = []
    for i in range(n):
        d = os.path.join(root, "master-%d-%d" % (n, i))
        make_kiosk(d, st.pack, "Pi-%d" % i, per // 2)  # 2 records per sitting
        masters.append(d)
    for backend in backends:
        rates, peaks, pg_peaks = [], [], []
        for r in range(args.runs):
            run_dir = os.path.join(root, "run-%s-%d-%d" % (backend, n, r))
            os.makedirs(run_dir)
            kiosks = []
            for m in masters:
                k = os.path.join(run_dir, os.path.basename(m))
                shutil.copytree(m, k)
                kiosks.append(k)
            store = stores.fresh(run_dir, "central.db", backend)
            srv = Server(store, st.server_dir, st.port, ["--device-rate", "0"])
            env = dict(os.environ, **FAST)
            t0 = time.monotonic()
            procs = [subprocess.Popen([KIOSK, "--data", k, "--deliver"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                     for k in kiosks]
            for p in procs:
                _, err = p.communicate()
                if p.returncode != 0:
                    sys.exit("a kiosk failed: %s" % err.decode())
            dt = time.monotonic() - t0
            peaks.append(peak_rss_kib(srv.p.pid))
            if backend == "postgresql":
                pg_peaks.append(sum(peak_rss_kib(pid) for pid in pg_backends(store)))
            srv.stop()
            total = sum(kiosk_counts(k)[0] for k in kiosks)
            held = len(store_ids(store)[0])
            if total != per // 2 * 2 * n or held != total:
                sys.exit("records lost: %d delivered, %d held" % (total, held))
            rates.append(total / dt)
            stores.drop(store)
            shutil.rmtree(run_dir)
        rows.append((backend, n, per // 2 * 2, per // 2 * 2 * n, statistics.median(rates),
                     min(rates), max(rates), max(peaks), max(pg_peaks or [0])))
    for m in masters:
        shutil.rmtree(m)

rows.sort(key=lambda r: backends.index(r[0]))   # stable: by store, then kiosks
if cluster:
    subprocess.run([os.path.join(src, "scripts/pg-test-cluster.sh"), "stop", cluster], check=True)
print("| store | kiosks at once | records each | records | median records/s | min | max "
      "| serve peak RSS | PostgreSQL backend peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
for backend, n, each, total, med, lo, hi, peak, pg_peak in rows:
    print("| %s | %d | %d | %d | %.0f | %.0f | %.0f | %.1f MiB | %s |"
          % (backend, n, each, total, med, lo, hi, peak / 1024.0,
             "%.1f MiB" % (pg_peak / 1024.0) if backend == "postgresql" else "-"))
rate = {(r[0], r[1]): r[4] for r in rows}
for backend in backends:
    base = rate[(backend, rows[0][1])]
    print("\n%s, ratios to %d kiosk(s): " % (backend, rows[0][1])
          + ", ".join("%d kiosks %.2fx" % (r[1], r[4] / base) for r in rows if r[0] == backend))
if len(backends) == 2:
    print("\npostgresql / sqlite: " + ", ".join(
        "%d kiosks %.2fx" % (r[1], rate[("postgresql", r[1])] / rate[("sqlite", r[1])])
        for r in rows if r[0] == "sqlite"))
shutil.rmtree(root, ignore_errors=True)
