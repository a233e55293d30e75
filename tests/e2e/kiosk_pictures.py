#!/usr/bin/env python3
"""End-to-end: pictures in labels (media::image, issue 11) on the real survey-kiosk.

The form (tests/data/forms/kiosk_pictures.md) is copied into a scratch folder
with its pictures written beside it in kiosk_pictures-media/ (real PNGs made
by tests/e2e/pngmake.py): a 1600x400 banner in four coloured quadrants with a
French version in four other colours, a 64x64 picture on a question, a
300x1200 one, pictures on two choices, a PNG whose pixels are damaged, and a
picture the folder lacks.  `survey-sync check` and `pack` warn about the last
two with their rows and pack the rest; the kiosk installs the pack and a
participant goes through it at 800x480 and at 1920x1080.

On every page the UI map's picture widget (role img, id NAME#picture or
NAME/CHOICE#picture) must have the size the picture is drawn at: the column's
width for the banner, with its proportions; the small picture grown with the
screen; the tall one held under half the screen; a choice's picture inside
its choice.  The screenshot must show each quadrant's colour at its place,
and the French colours after switching to French (so the picture is really
drawn, from the pack, in the participant's language).  Tapping a choice's
picture chooses it.  The damaged and the missing picture each leave a framed
line in their place.  Then the answers go the research team's way (export,
merge, export) and the CSV holds what was entered.

A build without SDL2_image (-DSK_PICTURES=OFF) is
run with `no-pictures`: there every picture must be its file name in a frame,
in the same places, never nothing.

usage: kiosk_pictures.py SURVEY_KIOSK SURVEY_SYNC FORM [pictures|no-pictures]
"""
import os
import shutil
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study  # noqa: E402
import pngmake  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
PICS = (sys.argv[4] if len(sys.argv) > 4 else "pictures") != "no-pictures"
PASS = "kiosk pictures passphrase"
S = Study("kiosk_pictures", KIOSK, SYNC, PASS)
TMP, check, run = S.tmp, S.check, S.run

EN = ((220, 20, 20), (20, 180, 20), (20, 20, 220), (230, 200, 0))
FR = ((0, 200, 200), (200, 0, 200), (120, 120, 120), (250, 130, 0))


def setup():
    S.fresh()
    form = os.path.join(TMP, "kiosk_pictures.md")
    shutil.copy(FORM, form)
    media = os.path.join(TMP, "kiosk_pictures-media")
    os.makedirs(media)
    pics = {
        "banner_en.png": pngmake.quadrants(1600, 400, EN),
        "banner_fr.png": pngmake.quadrants(1600, 400, FR),
        "fruit.png": pngmake.png(64, 64, lambda x, y: (240, 160, 0)),
        "tall.png": pngmake.png(300, 1200, lambda x, y: (90, 40, 160)),
        "apple.png": pngmake.png(200, 100, lambda x, y: (200, 0, 0)),
        "pear.png": pngmake.png(200, 100, lambda x, y: (0, 160, 0)),
        "damaged.png": pngmake.damaged(100, 50),
    }
    for name, data in pics.items():
        with open(os.path.join(media, name), "wb") as f:
            f.write(data)
    p = run(SYNC, "check", form)
    err = p.stderr.splitlines()
    if PICS:  # without a decoder only headers are read, and this one's is fine
        check(any(l.startswith(form + ":survey:8: the picture 'damaged.png' cannot be shown on a kiosk")
                  for l in err), "check warns about the damaged picture with its row: %r" % err)
    check(any(l.startswith(form + ":survey:9: the picture 'absent.png' is not in") for l in err),
          "check warns about the missing picture with its row: %r" % err)
    check(len(err) == (2 if PICS else 1), "no other warning: %r" % err)
    S.keygen()
    pack, p = S.pack(form, "pictures.pack")
    check("attachments: 7" in p.stdout, "the pack carries the 7 pictures there are: %r" % p.stdout)
    return S.install(pack)


def read_bmp(path):
    """(width, height, pixel(x, y) -> (r, g, b)) of the kiosk's 24-bit BMP screenshot."""
    with open(path, "rb") as f:
        b = f.read()
    off, = struct.unpack_from("<I", b, 10)
    w, h = struct.unpack_from("<ii", b, 18)
    bpp, = struct.unpack_from("<H", b, 28)
    assert bpp == 24, bpp
    stride = (w * 3 + 3) & ~3
    top_down = h < 0
    h = abs(h)

    def pixel(x, y):
        row = y if top_down else h - 1 - y
        i = off + row * stride + x * 3
        return (b[i + 2], b[i + 1], b[i])
    return w, h, pixel


def near(got, want, tol=12):
    return all(abs(g - w) <= tol for g, w in zip(got, want))


def quadrant_colours(k, wid, colours, shot):
    """The screenshot shows each quadrant of picture wid in its colour."""
    k.screenshot(shot)
    w = k.widget(wid)
    _, _, px = read_bmp(shot)
    for q, want in enumerate(colours):
        x = w["x"] + (3 if q % 2 else 1) * w["w"] // 4
        y = w["y"] + (3 if q // 2 else 1) * w["h"] // 4
        got = px(x, y)
        check(near(got, want), "%s: quadrant %d at (%d,%d) is %s, want %s" % (wid, q, x, y, got, want))


def on_page(k, name):
    return k.wait_for(lambda ui: any(w["id"] == name or w["id"].startswith(name + "/")
                                     for w in ui["widgets"]), what="the %s page" % name)


def reveal_whole(k, wid, h):
    """Scroll until all h pixels of widget wid are on screen (the UI map gives
    the visible part of a widget)."""
    k.reveal(wid)
    for _ in range(20):
        w = k.widget(wid)
        if w["h"] >= h:
            return w
        k.send("wheel -1")
    raise KioskError("cannot show all of '%s': %r" % (wid, k.widget(wid)))


def pictures_drawn(k, tag, W, H, scale):
    """Every picture drawn at its size, in its colours (SDL2_image build)."""
    on_page(k, "banner")
    pic, text = k.widget("banner#picture"), k.widget("banner")
    check(pic["role"] == "img" and pic["label"] == "banner_en.png"
          and (pic["value"] or "").startswith("shown: PNG 1600x400"),
          "%s: the banner is shown: %r" % (tag, pic))
    check(pic["x"] == text["x"] and pic["w"] == text["w"],
          "%s: the banner takes the column's width (%d at %d), as its label (%d at %d)"
          % (tag, pic["w"], pic["x"], text["w"], text["x"]))
    check(pic["x"] >= 0 and pic["x"] + pic["w"] <= W and pic["y"] + pic["h"] <= H,
          "%s: the banner fits the window: %r" % (tag, pic))
    check(abs(pic["w"] - 4 * pic["h"]) <= 4, "%s: the banner keeps 4:1: %dx%d" % (tag, pic["w"], pic["h"]))
    check(pic["y"] >= text["y"] + text["h"], "%s: the picture is under its label" % tag)
    quadrant_colours(k, "banner#picture", EN, os.path.join(TMP, "banner-en-%s.bmp" % tag))
    # The participant's language picks the picture (media::image::LANG).
    k.tap("lang/fr")
    k.wait_for(lambda ui: any(w["id"] == "banner#picture" and w["label"] == "banner_fr.png"
                              for w in ui["widgets"]), what="the French banner")
    quadrant_colours(k, "banner#picture", FR, os.path.join(TMP, "banner-fr-%s.bmp" % tag))
    k.tap("lang/en")
    k.wait_for(lambda ui: any(w["id"] == "banner#picture" and w["label"] == "banner_en.png"
                              for w in ui["widgets"]), what="the English banner again")
    k.tap("next")
    on_page(k, "fruit")
    pic = k.widget("fruit#picture")
    want = round(64 * scale)
    check(abs(pic["w"] - want) <= 1 and abs(pic["h"] - want) <= 1,
          "%s: the 64x64 picture is drawn at %d, the screen's scale: %dx%d" % (tag, want, pic["w"], pic["h"]))
    for choice in ("apple", "pear"):
        cp = reveal_whole(k, "fruit/%s#picture" % choice, round(100 * scale))
        row = k.widget("fruit/" + choice)
        check(cp["value"].startswith("shown: PNG 200x100") and abs(cp["w"] - 2 * cp["h"]) <= 2,
              "%s: %s's picture is shown at 2:1: %r" % (tag, choice, cp))
        check(cp["x"] >= row["x"] and cp["x"] + cp["w"] <= row["x"] + row["w"]
              and cp["y"] >= row["y"] and cp["y"] + cp["h"] <= row["y"] + row["h"],
              "%s: %s's picture is inside its choice: %r in %r" % (tag, choice, cp, row))
    check(not k.has("fruit/none#picture"), "%s: a choice without a picture has none" % tag)
    # Tapping the picture chooses its choice (it is part of the row).
    cp = reveal_whole(k, "fruit/pear#picture", round(100 * scale))
    k.send("tap %d %d" % (cp["x"] + cp["w"] // 2, cp["y"] + cp["h"] // 2))
    k.screenshot(os.path.join(TMP, "fruit-%s.bmp" % tag))
    check(k.widget("fruit/pear")["checked"] is True, "%s: tapping pear's picture chose pear" % tag)
    k.tap("next")
    on_page(k, "tall")
    pic = k.widget("tall#picture")
    check(pic["h"] <= H * 45 // 100 + 1 and abs(pic["h"] - 4 * pic["w"]) <= 4,
          "%s: the tall picture is held under half the screen, 1:4: %dx%d" % (tag, pic["w"], pic["h"]))
    k.tap("next")
    on_page(k, "broken")
    pic = k.widget("broken#picture")
    check(pic["role"] == "alert" and pic["value"].startswith("failed:") and pic["h"] > 0,
          "%s: the damaged picture leaves a line saying so: %r" % (tag, pic))
    k.tap("next")
    on_page(k, "absent")
    pic = k.widget("absent#picture")
    check(pic["role"] == "img" and pic["value"].startswith("missing:") and pic["h"] > 0,
          "%s: the picture the pack lacks leaves its name in a frame: %r" % (tag, pic))


def framed(k, wid, name, state, W):
    """Without a decoder: the picture's name in a frame, never nothing."""
    w = k.widget(wid)
    check(w["role"] == "img" and w["label"] == name and (w["value"] or "").startswith(state + ":")
          and w["h"] > 0 and 0 <= w["x"] and w["x"] + w["w"] <= W,
          "%s: %s in a frame (%s): %r" % (W, name, state, w))


def sitting(data, size):
    W, H = size
    scale = min(W / 800, H / 480)
    k = Kiosk(KIOSK, data, size=size)
    tag = "%dx%d" % size
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_screen("consent")
        k.tap("agree")
        k.tap("next")
        if PICS:
            pictures_drawn(k, tag, W, H, scale)
        else:
            on_page(k, "banner")
            framed(k, "banner#picture", "banner_en.png", "no decoder", W)
            k.tap("lang/fr")
            k.wait_for(lambda ui: any(w["id"] == "banner#picture" and w["label"] == "banner_fr.png"
                                      for w in ui["widgets"]), what="the French banner's name")
            k.tap("lang/en")
            k.tap("next")
            on_page(k, "fruit")
            framed(k, "fruit#picture", "fruit.png", "no decoder", W)
            cp = k.reveal("fruit/pear#picture")
            framed(k, "fruit/pear#picture", "pear.png", "no decoder", W)
            k.send("tap %d %d" % (cp["x"] + cp["w"] // 2, cp["y"] + cp["h"] // 2))
            check(k.widget("fruit/pear")["checked"] is True, "%s: tapping pear's frame chose pear" % tag)
            for page, name, state in (("tall", "tall.png", "no decoder"),
                                      ("broken", "damaged.png", "no decoder"),
                                      ("absent", "absent.png", "missing")):
                k.tap("next")
                on_page(k, page)
                framed(k, page + "#picture", name, state, W)
        k.tap("next")
        on_page(k, "name")
        k.tap("name")
        k.text("Ada " + tag)
        k.tap("submit")
        k.wait_screen("thanks")
    finally:
        rc = k.close()
        err = k.stderr()
    S.clean_exit(rc, err, "%s: " % tag)
    return {"fruit": "pear", "name": "Ada " + tag}


def verify(data, answers):
    csvdir, _ = S.to_csv(data)
    resp = S.responses(csvdir)
    got = sorted((r.get("fruit"), r.get("name")) for r in resp)
    want = sorted((a["fruit"], a["name"]) for a in answers)
    check(got == want, "the CSV holds what was entered: %r, want %r" % (got, want))


def main():
    data = setup()
    answers = []
    for size in ((800, 480), (1920, 1080)):
        try:
            answers.append(sitting(data, size))
        except KioskError as e:
            check(False, "the sitting at %dx%d: %s" % (size[0], size[1], e))
    if len(answers) == 2:
        verify(data, answers)
    S.finish("all kiosk picture checks passed")


main()
