#!/usr/bin/env python3
"""bench_serve.py - records per second delivered to `survey-sync serve` on
loopback (HTTPS, into a SQLite central store) by 1, 10 and 50 simulated
kiosks at once, with the server's peak memory.  Not run by ctest.

A simulated kiosk is a real kiosk store (kiosk.db, records sealed and signed
by sync_scenario_kiosk through the core API) delivered with `survey-kiosk
--deliver` (the same code as the kiosk's delivery thread: bundles of 200,
a receipt checked before anything is marked).  Every configuration delivers
the same total of records (split across the kiosks) into a fresh store; each
run starts from fresh copies of the kiosk stores.  Reported: the median of
RUNS runs of records/s (from starting the kiosks to the last one done), and
the server's peak RSS (VmHWM) over those runs.  The server runs with
--device-rate 0 (no rate limit) and the default limits otherwise.

usage: bench/bench_serve.py [--build build] [--records 2000] [--runs 3]
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


def peak_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


root = tmpdir("bench_serve")
st = Study(root)
rows = []
for n in [int(x) for x in args.kiosks.split(",")]:
    per = args.records // n
    masters = []
    for i in range(n):
        d = os.path.join(root, "master-%d-%d" % (n, i))
        make_kiosk(d, st.pack, "Pi-%d" % i, per // 2)  # 2 records per sitting
        masters.append(d)
    rates, peaks = [], []
    for r in range(args.runs):
        run_dir = os.path.join(root, "run-%d-%d" % (n, r))
        os.makedirs(run_dir)
        kiosks = []
        for m in masters:
            k = os.path.join(run_dir, os.path.basename(m))
            shutil.copytree(m, k)
            kiosks.append(k)
        store = os.path.join(run_dir, "central.db")
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
        srv.stop()
        total = sum(kiosk_counts(k)[0] for k in kiosks)
        held = len(store_ids(store)[0])
        if total != per // 2 * 2 * n or held != total:
            sys.exit("records lost: %d delivered, %d held" % (total, held))
        rates.append(total / dt)
        shutil.rmtree(run_dir)
    rows.append((n, per // 2 * 2, per // 2 * 2 * n, statistics.median(rates), min(rates),
                 max(rates), max(peaks)))

print("| kiosks at once | records each | records | median records/s | min | max | serve peak RSS |")
print("|---|---|---|---|---|---|---|")
for n, each, total, med, lo, hi, peak in rows:
    print("| %d | %d | %d | %.0f | %.0f | %.0f | %.1f MiB |" % (n, each, total, med, lo, hi,
                                                            peak / 1024.0))
base = rows[0][3]
print("\nratios to one kiosk: " + ", ".join("%d kiosks %.2fx" % (r[0], r[3] / base) for r in rows))
shutil.rmtree(root, ignore_errors=True)
