#!/usr/bin/env python3
"""Instructions per kiosk launch and per page turn, counted by valgrind's
callgrind (repeatable, unlike a clock on a shared machine), for the Pi estimate
in bench/README.md "Cost on a Pi".

  launch   start the kiosk (offscreen, 800x480, the Pi touchscreen), first frame, quit
  turns-1  launch, Start, Agree, Next (a sitting opens), one Next
  turns-8  the same with eight Nexts (kiosk_e2e.md's question pages)
per page turn = (turns-8 - turns-1) / 7: each turn is one tap, one redraw, the
answer's commit and the test hook's UI map (so an upper bound).

usage: bench/callgrind_kiosk.py BUILD_DIR (a -DSK_TEST_HOOKS=ON build)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from kiosk import Kiosk  # noqa: E402

B = os.path.abspath(sys.argv[1])
FORM = os.path.join(HERE, "..", "tests", "data", "forms", "kiosk_e2e.md")
ENV = dict(os.environ, SURVEY_PASSPHRASE="cg", SK_PWHASH_FAST="1", SDL_VIDEODRIVER="offscreen")
T = tempfile.mkdtemp(prefix="sk-callgrind-")


def run(*a):
    subprocess.run(list(a), env=ENV, check=True, capture_output=True)


def session(name, turns):
    data = os.path.join(T, "k-" + name)
    run(B + "/kiosk/survey-kiosk", "--data", data, "--install", T + "/p.pack")
    out = os.path.join(T, name + ".callgrind")
    wrap = os.path.join(T, name + ".sh")
    with open(wrap, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s %s/kiosk/survey-kiosk \"$@\"\n"
                % (out, B))
    os.chmod(wrap, 0o755)
    k = Kiosk(wrap, data, size=(800, 480), env=ENV)
    n = 0
    if turns:
        k.tap("start")
        k.tap("agree")
        k.tap("next")
        for _ in range(turns):
            if k.has("submit"):
                break
            k.tap("next")
            n += 1
    k.close()
    with open(out) as f:
        ir = int(re.search(r"^summary: (\d+)", f.read(), re.M).group(1))
    return ir, n


run(B + "/sync/survey-sync", "keygen", "--out", T + "/study")
run(B + "/sync/survey-sync", "pack", FORM, "--key", T + "/study/study.key", "--out", T + "/p.pack")
launch, _ = session("launch", 0)
one, n1 = session("turns-1", 1)
eight, n8 = session("turns-8", 8)
print("%-28s %14s" % ("kiosk (800x480, offscreen)", "instructions"))
print("%-28s %14d" % ("launch to first frame, quit", launch))
print("%-28s %14d" % ("launch + sitting + %d turn" % n1, one))
print("%-28s %14d" % ("launch + sitting + %d turns" % n8, eight))
print("%-28s %14d" % ("per page turn", (eight - one) // (n8 - n1)))
shutil.rmtree(T, ignore_errors=True)
