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

Under an X server (DISPLAY set, the server a local Xvfb or Xorg) it also
reports what the server spent on the kiosk from exec to the first frame: its
CPU time and its page faults, beside the kiosk's own page faults.  On this
machine a page fault costs 15-50 us, and the X server's first XShmPutImage
faults every 4 KiB page of the kiosk's shared-memory image and, after a
server reset (xvfb-run resets Xvfb whenever its last client leaves), every
page of its own framebuffer that the window covers: the part of the launch
that callgrind does not see (bench/README.md).
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


def minflt(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])


def x_server_pid():
    """The local X server of DISPLAY (Xvfb or Xorg), or None."""
    disp = os.environ.get("DISPLAY", "")
    if not disp.startswith(":") or env["SDL_VIDEODRIVER"] != "x11":
        return None
    disp = disp.split(".")[0]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(args[0]) in (b"Xvfb", b"Xorg") and disp.encode() in args:
            return int(d)
    return None


XPID = x_server_pid()


def one(kiosk, data, wrap=(), on_frame=None):
    run = os.path.join(root, "run")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    fifo, uimap = os.path.join(run, "input"), os.path.join(run, "uimap.json")
    os.mkfifo(fifo)
    e = dict(env, SURVEY_KIOSK_UIMAP=uimap, SURVEY_KIOSK_INPUT=fifo)
    x0 = (task_cpu_ms(XPID), minflt(XPID)) if XPID else (0, 0)
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
    faults = minflt(p.pid)
    x1 = (task_cpu_ms(XPID), minflt(XPID)) if XPID else (0, 0)
    if on_frame:
        on_frame(p.pid)
    w.write("quit\n")
    w.close()
    p.wait()
    return wall, cpu, faults, x1[0] - x0[0], x1[1] - x0[1]


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
    kiosks.append((b, kiosk, d + "/kiosk", [], [], []))
for r in range(a.runs):
    for b, kiosk, data, walls, cpus, more in kiosks:
        wall, cpu, *rest = one(kiosk, data)
        walls.append(wall)
        cpus.append(cpu)
        more.append(rest)
with open("/proc/loadavg") as f:
    load = f.read().split()[:3]
print("survey-kiosk at %s, %d interleaved runs each (SDL_VIDEODRIVER=%s, load %s)"
      % (a.size, a.runs, env["SDL_VIDEODRIVER"], " ".join(load)))
print("%-40s %16s %16s %10s %10s" % ("build", "wall median ms", "CPU median ms", "CPU min", "CPU max"))
for b, kiosk, data, walls, cpus, more in kiosks:
    print("%-40s %16.1f %16.1f %10.1f %10.1f" % (b[-40:], statistics.median(walls),
                                                 statistics.median(cpus), min(cpus), max(cpus)))
print()
print("%-40s %14s %16s %16s" % ("build", "kiosk faults", "X server CPU ms", "X server faults")
      + ("" if XPID else "   (no local X server found for DISPLAY)"))
for b, kiosk, data, walls, cpus, more in kiosks:
    print("%-40s %14d %16.1f %16d" % (b[-40:], statistics.median(m[0] for m in more),
                                      statistics.median(m[1] for m in more),
                                      statistics.median(m[2] for m in more)))

if a.instructions:
    print()
    print("%-40s %28s" % ("build", "instructions, exec to idle"))
    for b, kiosk, data, walls, cpus, more in kiosks:
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
