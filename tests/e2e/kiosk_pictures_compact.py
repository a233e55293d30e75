#!/usr/bin/env python3
"""End-to-end: choices' pictures in the compact layouts on the real survey-kiosk (issue 11).

The form (tests/data/forms/kiosk_pictures_compact.md) is copied into a
scratch folder with three real PNGs beside it (tests/e2e/pngmake.py), one
solid colour per choice, 200x100.  At 800x480 and at 1920x1080:

- Likert: each choice's picture (UI map role img, id QUESTION/CHOICE#picture)
  is drawn at 2:1 inside its cell's column, under the cell and above the
  label; the screenshot shows the choice's colour there; tapping a picture
  chooses its choice.
- table-list: each column is headed by its choice's picture, at 2:1, inside
  the column and above the first row's cells, in its colour.
- drop-down: each option of the open list has a thumbnail inside its row,
  left of its label, in its colour; tapping the thumbnail chooses it.

Then the answers go the research team's way (export, merge, export) and the
responses CSV holds what was chosen; the kiosk wrote nothing on stderr.

usage: kiosk_pictures_compact.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import glob
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study, read_csv  # noqa: E402
import pngmake  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
S = Study("kiosk_pictures_compact", KIOSK, SYNC, "compact pictures")
TMP, check, run = S.tmp, S.check, S.run
COLOURS = {"bad": (210, 30, 30), "ok": (230, 190, 0), "good": (30, 160, 60)}


def read_bmp(path):
    """pixel(x, y) -> (r, g, b) of the kiosk's 24-bit BMP screenshot."""
    with open(path, "rb") as f:
        b = f.read()
    off, = struct.unpack_from("<I", b, 10)
    w, h = struct.unpack_from("<ii", b, 18)
    stride = (w * 3 + 3) & ~3
    top_down = h < 0
    h = abs(h)

    def pixel(x, y):
        row = y if top_down else h - 1 - y
        i = off + row * stride + x * 3
        return (b[i + 2], b[i + 1], b[i])
    return pixel


def near(got, want, tol=12):
    return all(abs(g - w) <= tol for g, w in zip(got, want))


def inside(a, b):
    return (a["x"] >= b["x"] and a["x"] + a["w"] <= b["x"] + b["w"]
            and a["y"] >= b["y"] and a["y"] + a["h"] <= b["y"] + b["h"])


def picture_shown(k, tag, wid, shot, ratio=2):
    pic = k.widget(wid)
    check(pic["role"] == "img" and (pic["value"] or "").startswith("shown: PNG 200x100"),
          "%s: %s is shown: %r" % (tag, wid, pic))
    check(pic["w"] > 8 and abs(pic["w"] - ratio * pic["h"]) <= 2,
          "%s: %s keeps 2:1: %dx%d" % (tag, wid, pic["w"], pic["h"]))
    px = read_bmp(shot)
    got = px(pic["x"] + pic["w"] // 2, pic["y"] + pic["h"] // 2)
    want = COLOURS[wid.split("/")[1].split("#")[0]]
    check(near(got, want), "%s: %s is drawn in its colour: %s, want %s" % (tag, wid, got, want))
    return pic


def setup():
    S.fresh()
    form = os.path.join(TMP, "kiosk_pictures_compact.md")
    shutil.copy(FORM, form)
    media = os.path.join(TMP, "kiosk_pictures_compact-media")
    os.makedirs(media)
    for name, colour in COLOURS.items():
        with open(os.path.join(media, name + ".png"), "wb") as f:
            f.write(pngmake.png(200, 100, lambda x, y, c=colour: c))
    p = run(SYNC, "check", form)
    check(p.stderr == "", "check has nothing to say: %r" % p.stderr)
    S.keygen()
    _, p = S.pack(form, "compact.pack")
    check("attachments: 3" in p.stdout, "the pack carries the 3 pictures: %r" % p.stdout)


def sitting(tag, size):
    data = os.path.join(TMP, "kiosk-" + tag)
    run(KIOSK, "--data", data, "--install", os.path.join(TMP, "compact.pack"))
    k = Kiosk(KIOSK, data, size=size)
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_for(lambda ui: any(w["id"] == "agree" for w in ui["widgets"]), what="consent")
        k.tap("agree")
        k.tap("next")
        # Likert: a picture between each cell and its label; tapping it chooses
        k.wait_for(lambda ui: any(w["id"] == "scale/good#picture" for w in ui["widgets"]),
                   what="the Likert pictures")
        shot = os.path.join(TMP, "likert-%s.bmp" % tag)
        k.screenshot(shot)
        for c in COLOURS:
            pic = picture_shown(k, tag, "scale/%s#picture" % c, shot)
            cell = k.widget("scale/" + c)
            check(pic["x"] >= cell["x"] and pic["x"] + pic["w"] <= cell["x"] + cell["w"]
                  and pic["y"] >= cell["y"] + cell["h"],
                  "%s: %s's picture is in its cell's column, under the cell: %r, %r"
                  % (tag, c, pic, cell))
        pic = k.widget("scale/good#picture")
        k.send("tap %d %d" % (pic["x"] + pic["w"] // 2, pic["y"] + pic["h"] // 2))
        k.wait_for(lambda ui: any(w["id"] == "scale/good" and w["checked"] for w in ui["widgets"]),
                   what="good chosen by its picture")
        k.tap("next")
        # table-list: the pictures head the columns
        k.wait_for(lambda ui: any(w["id"] == "morning/bad#picture" for w in ui["widgets"]),
                   what="the table's pictures")
        shot = os.path.join(TMP, "table-%s.bmp" % tag)
        k.screenshot(shot)
        for c in COLOURS:
            pic = picture_shown(k, tag, "morning/%s#picture" % c, shot)
            cell = k.widget("morning/" + c)
            check(pic["x"] >= cell["x"] - 4 and pic["x"] + pic["w"] <= cell["x"] + cell["w"] + 4
                  and pic["y"] + pic["h"] <= cell["y"],
                  "%s: %s's picture heads its column: %r over %r" % (tag, c, pic, cell))
        check(not k.has("evening/bad#picture"), "%s: one header for the table, not per row" % tag)
        k.tap("morning/ok")
        k.tap("evening/good")
        k.tap("next")
        # drop-down: a thumbnail beside each option's label
        k.wait_for(lambda ui: any(w["id"] == "pick" for w in ui["widgets"]), what="the drop-down")
        k.tap("pick")
        k.wait_for(lambda ui: any(w["id"] == "pick/ok#picture" for w in ui["widgets"]),
                   what="the options' thumbnails")
        shot = os.path.join(TMP, "dropdown-%s.bmp" % tag)
        k.screenshot(shot)
        for c in COLOURS:
            pic = picture_shown(k, tag, "pick/%s#picture" % c, shot)
            opt = k.widget("pick/" + c)
            check(inside(pic, opt) and pic["x"] < opt["x"] + opt["w"] // 4,
                  "%s: %s's thumbnail is inside its option, at its left: %r in %r"
                  % (tag, c, pic, opt))
        pic = k.widget("pick/ok#picture")
        k.send("tap %d %d" % (pic["x"] + pic["w"] // 2, pic["y"] + pic["h"] // 2))
        k.wait_for(lambda ui: any(w["id"] == "pick" and w["value"] == "ok" for w in ui["widgets"]),
                   what="So-so chosen by its thumbnail")
        k.tap("submit")
        k.wait_screen("thanks")
    except KioskError as e:
        check(False, "%s: %s" % (tag, e))
    finally:
        rc = k.close()
        err = k.stderr()
    check(rc == 0, "%s: the kiosk exits cleanly: %s" % (tag, rc))
    check(err.strip() == "", "%s: nothing on stderr: %r" % (tag, err[-2000:]))
    out = S.export_kiosk(data, os.path.join(TMP, "bundle-" + tag))
    return glob.glob(os.path.join(out, "*"))


def main():
    setup()
    bundles = sitting("800x480", (800, 480)) + sitting("1920x1080", (1920, 1080))
    csvdir, _ = S.merge_export(bundles)
    rows = [r for r in read_csv(os.path.join(csvdir, "kiosk_pictures_compact-v1_responses.csv"))
            if r["kind"] == "response"]
    check(len(rows) == 2, "two finished responses: %d" % len(rows))
    for r in rows:
        got = (r.get("scale"), r.get("morning"), r.get("evening"), r.get("pick"))
        check(got == ("good", "ok", "good", "ok"), "the CSV holds what was chosen: %r" % (got,))
    S.finish("choices' pictures shown in Likert, table-list and drop-down, and chosen by touch")


main()
