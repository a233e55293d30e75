#!/usr/bin/python3
"""Take the README's screenshots of the kiosk's main screens, at 800x480 and 1920x1080.

    /usr/bin/python3 scripts/screenshots.py [BUILD_DIR=build]

Drives the real survey-kiosk (SDL offscreen driver) through the test protocol of
docs/KIOSK.md on examples/nhsda-alumni.xlsx and writes docs/screenshots/*.png.
Needs python3-pil at authoring time only, to turn the kiosk's BMP into PNG.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from kiosk import Kiosk  # noqa: E402
from PIL import Image  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build")
KIOSK = os.path.join(build, "kiosk", "survey-kiosk")
SYNC = os.path.join(build, "sync", "survey-sync")
OUT = os.path.join(ROOT, "docs", "screenshots")
os.makedirs(OUT, exist_ok=True)
tmp = tempfile.mkdtemp()
env = dict(os.environ, SURVEY_PASSPHRASE="shots", SK_PWHASH_FAST="1")
subprocess.run([SYNC, "keygen", "--out", tmp + "/study"], env=env, check=True, capture_output=True)
subprocess.run([SYNC, "pack", os.path.join(ROOT, "examples", "nhsda-alumni.xlsx"), "--key",
                tmp + "/study/study.key", "--out", tmp + "/f.pack"], env=env, check=True,
               capture_output=True)


def shot(k, size, name):
    bmp = os.path.join(tmp, name + ".bmp")
    k.screenshot(bmp)
    Image.open(bmp).save(os.path.join(OUT, "%dx%d-%s.png" % (size[0], size[1], name)), optimize=True)


for size in [(800, 480), (1920, 1080)]:
    data = os.path.join(tmp, "kiosk-%d" % size[0])
    subprocess.run([KIOSK, "--data", data, "--install", tmp + "/f.pack"], check=True,
                   capture_output=True)
    k = Kiosk(KIOSK, data, size=size)
    shot(k, size, "welcome")
    k.tap("start")
    k.reveal("agree_info")
    k.tap("agree_info")
    shot(k, size, "consent")
    k.reveal("agree_voluntary")
    k.tap("agree_voluntary")
    k.tap("next")
    k.tap("gender/female")
    k.tap("next")
    k.tap("role/data")
    shot(k, size, "question")
    k.tap("next")
    k.tap("impact/strong")
    shot(k, size, "likert")
    k.tap("next")
    k.tap("changed_role/yes")
    k.tap("next")
    k.tap("next")
    k.reveal("dev_courage/4")
    k.tap("dev_courage/4")
    shot(k, size, "table")
    k.tap("next")
    k.tap("lang/zh")
    shot(k, size, "chinese")
    k.tap("lang/en")
    k.tap("next")
    k.tap("training/short")
    shot(k, size, "multiple")
    k.close()
shutil.rmtree(tmp)
print("wrote", OUT)
