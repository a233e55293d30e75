#!/usr/bin/python3
"""serve_kiosk_helper.py - the running kiosk delivers through survey-kiosk-deliver,
a process of its own, and libcurl/GnuTLS never load into the kiosk.

    serve_kiosk_helper.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

A kiosk whose pack names a server (down) starts the helper as its child: the
kiosk's own mappings hold no libcurl and no GnuTLS, the helper's do.  The
helper is killed: the next sitting that ends (a declined consent) starts it
again, and when the server comes up every record is delivered.  Then the
kiosk is killed with SIGKILL: the helper ends by itself within seconds and
leaves the data folder free (an export takes its lock at once).  A kiosk
whose pack names no server starts no helper.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk  # noqa: E402
from serve_common import (FAST, Server, Study, check, finish, kiosk_counts, make_kiosk,  # noqa: E402
                          run, tmpdir, wait_for, KIOSK)

HELPER = "survey-kiosk-deliver"


def children(pid):
    """Live (not zombie) children of pid running survey-kiosk-deliver --worker (by
    command line: under qemu-user /proc/PID/exe is the emulator)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if (int(fields[1]) == pid and fields[0] != "Z" and "--worker" in args
                and any(os.path.basename(a) == HELPER for a in args)):
            out.append(int(d))
    return out


def maps(pid):
    with open("/proc/%d/maps" % pid) as f:
        return f.read()


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


root = tmpdir("serve_kiosk_helper")
st = Study(root)
data = os.path.join(root, "kiosk")
make_kiosk(data, st.pack, "Pi-helper", 2)
check(kiosk_counts(data) == (0, 4), "4 records waiting: %r" % (kiosk_counts(data),))
store = os.path.join(root, "central.db")

k = Kiosk(KIOSK, data, env=FAST)
srv = None
try:
    check(wait_for(lambda: len(children(k.proc.pid)) == 1, 10), "the kiosk started one helper")
    helper = children(k.proc.pid)[0]
    km, hm = maps(k.proc.pid), maps(helper)
    check("libcurl" not in km and "libgnutls" not in km, "no libcurl or GnuTLS in the kiosk")
    check("libcurl" in hm, "the helper has libcurl")
    # A helper that dies is started again when the next sitting ends.
    os.kill(helper, signal.SIGKILL)
    check(wait_for(lambda: not alive(helper), 5), "the helper was killed")
    k.tap("start")
    k.wait_screen("consent")
    k.tap("decline")
    k.wait_for(lambda ui: ui["screen"] in ("declined", "welcome"), what="declined")
    check(wait_for(lambda: len(children(k.proc.pid)) == 1, 10), "a new helper after the sitting")
    again = children(k.proc.pid)[0]
    check(again != helper, "it is a new process")
    srv = Server(store, st.server_dir, st.port)
    check(wait_for(lambda: kiosk_counts(data) == (5, 0), 30),
          "the new helper delivered all 5 records: %r" % (kiosk_counts(data),))
    # SIGKILL the kiosk: its helper must not outlive it, nor keep the folder's lock.
    k.proc.kill()
    k.proc.wait()
    check(wait_for(lambda: not alive(again), 5), "the helper ended with its kiosk")
    t0 = time.monotonic()
    run([KIOSK, "--data", data, "--export", os.path.join(root, "usb"), "--all"])
    check(time.monotonic() - t0 < 4, "the folder was free for an export at once")
finally:
    k.close()
    if srv:
        srv.stop()

# A pack without a server: no helper at all.
plain = os.path.join(root, "plain")
make_kiosk(plain, st.plain_pack, "Pi-plain", 1)
k = Kiosk(KIOSK, plain, env=FAST)
try:
    time.sleep(1)
    check(children(k.proc.pid) == [], "no helper for a pack that names no server")
finally:
    k.close()
finish()
