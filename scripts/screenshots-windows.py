#!/usr/bin/python3
"""Screenshots of the Windows kiosk: survey-kiosk.exe under Wine, on Xvfb.

    /usr/bin/python3 scripts/screenshots-windows.py [WIN_BUILD=build-win64-test]

The .exe (a build with test hooks: scripts/test-windows.sh makes one) runs with SDL's
Windows video driver inside Wine, whose X11 driver draws on an Xvfb screen; the
pictures are grabbed from that X screen (what a person at the laptop would see,
Wine's window and all), not from the kiosk's own renderer.  It is driven through the
test protocol of docs/KIOSK.md on examples/nhsda-alumni.xlsx and writes
docs/screenshots/win64-*.png.  Needs xvfb and python3-pil (authoring only).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-win64-test")
KIOSK = os.path.join(build, "kiosk", "survey-kiosk.exe")
SYNC = os.path.join(build, "sync", "survey-sync.exe")
OUT = os.path.join(ROOT, "docs", "screenshots")
SIZE = (800, 480)
DISPLAY = ":%d" % (90 + os.getpid() % 9)

cache = os.environ.get("SK_WIN_CACHE", "/var/cache/survey-kiosk-win64")
os.environ.setdefault("WINEPREFIX", os.path.join(cache, "wineprefix"))
os.environ.setdefault("WINEDEBUG", "-all")
os.environ.setdefault("WINEDLLOVERRIDES", "mscoree,mshtml=")
os.environ["SK_TEST_EMULATOR"] = "wine"
os.environ["SDL_VIDEODRIVER"] = "windows"
# The Wine session must know DISPLAY from its first command, or its X11 windows fail.
os.environ["DISPLAY"] = DISPLAY

import with_emulator  # noqa: E402,F401  (every .exe through wine)
from kiosk import Kiosk  # noqa: E402
from PIL import Image, ImageGrab  # noqa: E402

xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", "%dx%dx24" % SIZE, "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
tmp = tempfile.mkdtemp()
try:
    time.sleep(1)
    subprocess.run(["wineserver", "-k"], stderr=subprocess.DEVNULL)
    subprocess.run(["wineserver", "-p"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["wine", "cmd", "/c", "exit"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, SURVEY_PASSPHRASE="shots", SK_PWHASH_FAST="1")
    subprocess.run([SYNC, "keygen", "--out", tmp + "/study"], env=env, check=True, capture_output=True)
    subprocess.run([SYNC, "pack", os.path.join(ROOT, "examples", "nhsda-alumni.xlsx"), "--key",
                    tmp + "/study/study.key", "--out", tmp + "/f.pack"], env=env, check=True,
                   capture_output=True)
    data = os.path.join(tmp, "kiosk data")
    subprocess.run([KIOSK, "--data", data, "--install", tmp + "/f.pack"], check=True,
                   capture_output=True)
    os.makedirs(OUT, exist_ok=True)
    k = Kiosk(KIOSK, data, size=SIZE)

    def shot(name):
        time.sleep(0.5)  # the frame reaches the X server after the kiosk reports it
        img = ImageGrab.grab(xdisplay=DISPLAY)
        path = os.path.join(OUT, "win64-%s.png" % name)
        img.convert("RGB").save(path, optimize=True)
        print("wrote", os.path.relpath(path, ROOT))

    shot("welcome")
    k.tap("start")
    k.reveal("agree_info")
    k.tap("agree_info")
    shot("consent")
    k.reveal("agree_voluntary")
    k.tap("agree_voluntary")
    k.tap("next")
    k.tap("gender/female")
    k.tap("next")
    k.tap("role/data")
    shot("question")
    k.close()
finally:
    subprocess.run(["wineserver", "-k"], stderr=subprocess.DEVNULL)
    xvfb.terminate()
    xvfb.wait()
    shutil.rmtree(tmp, ignore_errors=True)
