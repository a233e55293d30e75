#!/usr/bin/env python3
"""End-to-end: cascading selects (issue 11) on the real survey-kiosk.

The form (tests/data/forms/kiosk_cascade.md) filters districts by region with
`region = current()/../region` and towns by district with
`district = ${district} and region = ../region`, and looks up the town's
label through instance('town')/root/item[name = ${town}]/label and the
region's code with pulldata().  A participant picks a region and sees only
its districts, goes back and changes the region (the lists follow), picks a
town, sees the looked-up label on the last page, and finishes.  Then the
research team's path: survey-kiosk --export, survey-sync merge, survey-sync
export with the study key; the CSV must hold exactly what was entered and
the calculated lookups.

The pack also carries region.csv (ODK's media CSV for pulldata(), written
into a pack v2 with tests/e2e/skformat.py because `survey-sync pack` does not
gather FORM-media/ yet): the kiosk reads it before the choice list of the
same name, so the code shown and exported is the CSV's ("SS"), not the
choice list's ("S").

usage: kiosk_cascade.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study  # noqa: E402
import skformat  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
PASS = "kiosk cascade passphrase"
S = Study("kiosk_cascade", KIOSK, SYNC, PASS)
TMP, check, run = S.tmp, S.check, S.run


def setup():
    S.fresh()
    run(SYNC, "check", FORM)
    S.keygen()
    pack, _ = S.pack(FORM, "cascade.pack")
    parsed = skformat.parse_pack(open(pack, "rb").read())
    # The same questionnaire with the media CSV attached, signed by the same study.
    with open(os.path.join(TMP, "study", "study.key"), "rb") as f:
        study = skformat.load_study_key(f.read(), PASS)
    csv_bytes = b"name,code\r\nnorth,NN\r\nsouth,\"SS\"\r\n"
    with_csv = os.path.join(TMP, "cascade_csv.pack")
    with open(with_csv, "wb") as f:
        f.write(skformat.write_pack(study, parsed.form_id, parsed.form_version, parsed.title,
                                    parsed.file_name, parsed.form_bytes, parsed.created_ms,
                                    attachments=[("region.csv", csv_bytes)]))
    return S.install(with_csv)


def choices(k, q):
    """The choice widgets shown for question q, as their names."""
    return sorted(w[len(q) + 1:] for w in k.ids() if w.startswith(q + "/")
                  and w != q + "/message")


def on_page(k, name):
    k.wait_for(lambda ui: any(w["id"].startswith(name + "/") or w["id"] == name
                              for w in ui["widgets"]), what="the %s page" % name)


def sitting(data):
    k = Kiosk(KIOSK, data)
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_screen("consent")
        k.tap("agree")
        k.tap("next")
        on_page(k, "region")
        check(choices(k, "region") == ["north", "south"], "both regions: %s" % choices(k, "region"))
        k.tap("region/north")
        k.tap("next")
        on_page(k, "district")
        check(choices(k, "district") == ["durham", "tyne"],
              "current()/../region shows the northern districts only: %s" % choices(k, "district"))
        k.tap("district/tyne")
        k.tap("next")
        on_page(k, "town")
        check(choices(k, "town") == ["ncl"], "${district} and ../region show Newcastle only: %s"
              % choices(k, "town"))
        # Back to the region: the lower lists follow the new answer.
        k.tap("back")
        on_page(k, "district")
        k.tap("back")
        on_page(k, "region")
        k.tap("region/south")
        k.tap("next")
        on_page(k, "district")
        check(choices(k, "district") == ["devon"], "after the change, the southern districts: %s"
              % choices(k, "district"))
        check(k.widget("district/devon")["checked"] is not True,
              "the district chosen for the old region is cleared, nothing is ticked")
        k.tap("district/devon")
        k.tap("next")
        on_page(k, "town")
        check(choices(k, "town") == ["exe", "ply"], "the towns of Devon: %s" % choices(k, "town"))
        k.tap("town/ply")
        k.tap("next")
        on_page(k, "summary")
        label = k.widget("summary")["label"]
        check("You chose Plymouth (SS)." in label,
              "the note shows the instance() lookup and pulldata() from the CSV: %r" % label)
        check(k.has("submit"), "the last page offers Finish")
        k.tap("submit")
        k.wait_screen("thanks")
        k.wait_screen("welcome", timeout=20)
    finally:
        rc = k.close()
        err = k.stderr()
    S.clean_exit(rc, err)
    return {"region": "south", "district": "devon", "town": "ply", "town_label": "Plymouth",
            "region_code": "SS"}


def verify(data, answers):
    csvdir, accepted = S.to_csv(data)
    check(len(accepted) == 1, "the kiosk is accepted after its first merge")
    resp = S.responses(csvdir)
    check(len(resp) == 1, "one finished response: %d" % len(resp))
    for r in resp[:1]:
        for q, want in answers.items():
            check(r.get(q) == want, "the CSV holds %s = %r, got %r" % (q, want, r.get(q)))


def main():
    data = setup()
    try:
        answers = sitting(data)
    except KioskError as e:
        check(False, "the sitting: %s" % e)
        answers = None
    if answers:
        verify(data, answers)
    S.finish("all kiosk cascade checks passed")


main()
