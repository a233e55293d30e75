#!/usr/bin/python3
"""first_frame_cpu.py - launch-to-first-frame of survey-kiosk builds side by side,
as wall time and as the CPU time the kiosk spent (all its threads, from
/proc/PID/task/*/schedstat), so that a before/after comparison means something
on a machine that is busy with other work (bench/README.md).  Runs are
interleaved (A B A B ...) so that both builds see the same load.

    first_frame_cpu.py [--runs N] [--size WxH] [--form FORM] [--instructions] BUILD_DIR...

Each BUILD_DIR holds kiosk/survey-kiosk and sync/survey-sync (test hooks on).
Run it under a display as bench_kiosk is (SDL_VIDEODRIVER=x11 xvfb-run ...).

--instructions: also one run of each build under valgrind's callgrind, which
counts the instructions the kiosk executed from exec until it waits for input
with its first frame shown (a dump is asked for a second after the frame, so
whatever the kiosk does by itself right after it, such as redrawing for the
window's first expose event, counts too): exact and repeatable whatever the
machine's load.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--size", default="1920x1080")
ap.add_argument("--form", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                "..", "examples", "nhsda-alumni.xlsx"))
ap.add_argument("--instructions", action="store_true")
ap.add_argument("builds", nargs="+")
a = ap.parse_args()

root = tempfile.mkdtemp(prefix="first_frame_cpu.")
env = dict(os.environ, SURVEY_PASSPHRASE="bench", SK_PWHASH_FAST="1")
env.setdefault("SDL_VIDEODRIVER", "offscreen")


def task_cpu_ms(pid):
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
            total += int(f.read().split()[0])
    return total / 1e6


def one(kiosk, data, wrap=(), on_frame=None):
    run = os.path.join(root, "run")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    fifo, uimap = os.path.join(run, "input"), os.path.join(run, "uimap.json")
    os.mkfifo(fifo)
    e = dict(env, SURVEY_KIOSK_UIMAP=uimap, SURVEY_KIOSK_INPUT=fifo)
    t0 = time.monotonic()
    p = subprocess.Popen(list(wrap) + [kiosk, "--data", data, "--window", a.size], env=e,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL if wrap else None)
    w = open(fifo, "w")
    while not os.path.exists(uimap):
        if p.poll() is not None:
            raise SystemExit("%s exited before its first frame" % kiosk)
        time.sleep(0.0005)
    wall = (time.monotonic() - t0) * 1000
    cpu = task_cpu_ms(p.pid)
    if on_frame:
        on_frame(p.pid)
    w.write("quit\n")
    w.close()
    p.wait()
    return wall, cpu


kiosks = []
for i, b in enumerate(a.builds):
    b = os.path.abspath(b)
    sync, kiosk = os.path.join(b, "sync", "survey-sync"), os.path.join(b, "kiosk", "survey-kiosk")
    d = os.path.join(root, "b%d" % i)
    os.makedirs(d)
    subprocess.run([sync, "keygen", "--out", d + "/study"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sync, "pack", a.form, "--key", d + "/study/study.key", "--out", d + "/f.pack"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([kiosk, "--data", d + "/kiosk", "--install", d + "/f.pack"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    kiosks.append((b, kiosk, d + "/kiosk", [], []))
for r in range(a.runs):
    for b, kiosk, data, walls, cpus in kiosks:
        wall, cpu = one(kiosk, data)
        walls.append(wall)
        cpus.append(cpu)
with open("/proc/loadavg") as f:
    load = f.read().split()[:3]
print("survey-kiosk at %s, %d interleaved runs each (SDL_VIDEODRIVER=%s, load %s)"
      % (a.size, a.runs, env["SDL_VIDEODRIVER"], " ".join(load)))
print("%-40s %16s %16s %10s %10s" % ("build", "wall median ms", "CPU median ms", "CPU min", "CPU max"))
for b, kiosk, data, walls, cpus in kiosks:
    print("%-40s %16.1f %16.1f %10.1f %10.1f" % (b[-40:], statistics.median(walls),
                                                 statistics.median(cpus), min(cpus), max(cpus)))

if a.instructions:
    print()
    print("%-40s %28s" % ("build", "instructions, exec to idle"))
    for b, kiosk, data, walls, cpus in kiosks:
        out = os.path.join(root, "callgrind.out")
        counted = []

        def dump(pid):
            time.sleep(1.0)  # the frame is shown: let it settle into waiting for input
            subprocess.run(["callgrind_control", "--dump", str(pid)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 60
            while time.time() < deadline:
                for f in os.listdir(root):
                    if f.startswith("callgrind.out.") and not f.endswith(".tmp"):
                        with open(os.path.join(root, f)) as fh:
                            for line in fh:
                                if line.startswith("summary:") or line.startswith("totals:"):
                                    counted.append(int(line.split()[1]))
                                    return
                time.sleep(0.2)
            raise SystemExit("callgrind wrote no dump")

        for f in os.listdir(root):
            if f.startswith("callgrind.out"):
                os.remove(os.path.join(root, f))
        one(kiosk, data, wrap=("valgrind", "--tool=callgrind", "--callgrind-out-file=" + out),
            on_frame=dump)
        print("%-40s %28s" % (b[-40:], "{:,}".format(counted[0])))
shutil.rmtree(root, ignore_errors=True)
