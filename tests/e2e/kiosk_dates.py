#!/usr/bin/env python3
"""End-to-end: dateTime, and date with month-year and year, on the real survey-kiosk.

The form (tests/data/forms/dates.md) asks for an appointment (dateTime: a date
row and a time row of steppers), the month someone started (month-year: no
day) and the year they were born (year).  The kiosk runs in Europe/Berlin.
A participant sets each by touch and by keyboard; the screen reads each
value back; a note shows the stored values as ODK stores them (dateTime in
local time with the zone's offset, month-year as the month's first day, year
as 1 January); the export has the appointment in UTC with Z, and the dates
as entered.

usage: kiosk_dates.py SURVEY_KIOSK SURVEY_SYNC FORM
"""
import datetime
import os
import re
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk, KioskError  # noqa: E402
from kiosk_study import Study  # noqa: E402

KIOSK, SYNC, FORM = sys.argv[1:4]
PASS = "kiosk dates passphrase"
ZONE = "Europe/Berlin"
S = Study("kiosk_dates", KIOSK, SYNC, PASS, TZ=ZONE)
check, run = S.check, S.run


def tab_to(k, wid, limit=40):
    for _ in range(limit):
        if k.ui().get("focus") == wid:
            return
        k.key("Tab")
    raise KioskError("Tab never reaches '%s' (focus %r)" % (wid, k.ui().get("focus")))


def shown(k, wid):
    return k.widget(wid)["label"]


def sitting(data):
    k = Kiosk(KIOSK, data, env={"TZ": ZONE})
    try:
        k.wait_screen("welcome")
        k.tap("start")
        k.wait_for(lambda ui: any(w["id"] == "appt/day+" for w in ui["widgets"]), what="appt")
        check(shown(k, "appt") == "-", "nothing is set before a stepper: %r" % shown(k, "appt"))
        k.tap("next")
        check(k.has("appt/message"), "the dateTime is required: Next is refused")
        k.tap("appt/day+")                       # by touch ...
        tab_to(k, "appt/hour-")                  # ... and by keyboard
        k.key("Return")
        tab_to(k, "appt/minute+")
        k.key("Return")
        appt = shown(k, "appt")
        m = re.fullmatch(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d)", appt)
        check(m is not None, "the appointment reads back as DD/MM/YYYY HH:MM: %r" % appt)
        d, mo, y, h, mi = (int(x) for x in m.groups()) if m else (1, 1, 2000, 0, 0)
        check(mi % 5 == 0, "minutes step by five: %r" % appt)
        k.tap("next")
        k.wait_for(lambda ui: any(w["id"] == "began/month-" for w in ui["widgets"]),
                   what="the month-year page")
        check(not k.has("began/day+") and not k.has("began/day-"),
              "month-year has no day stepper")
        check(not any(w["role"] == "textbox" for w in k.ui()["widgets"]),
              "month-year has no text box for a whole date")
        k.tap("began/month-")
        started = shown(k, "began")
        m2 = re.fullmatch(r"(\d\d) / (\d{4})", started)
        check(m2 is not None, "the month reads back as MM / YYYY: %r" % started)
        smo, sy = (int(x) for x in m2.groups()) if m2 else (1, 2000)
        k.tap("next")
        k.wait_for(lambda ui: any(w["id"] == "born/year-" for w in ui["widgets"]),
                   what="the year page")
        check(not k.has("born/month+") and not k.has("born/day+"), "year has only a year stepper")
        k.tap("born/year+")                       # next year: in the future
        k.tap("next")
        check(k.has("born/message") and "Not in the future" in k.widget("born/message")["label"],
              "the form's constraint on the year is shown")
        for _ in range(3):
            k.tap("born/year-")
        born = shown(k, "born")
        check(re.fullmatch(r"\d{4}", born) is not None, "the year reads back: %r" % born)
        k.tap("next")
        k.wait_for(lambda ui: any(w["id"] == "echo" for w in ui["widgets"]), what="the note")
        echo = shown(k, "echo")
        local = datetime.datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(ZONE))
        off = local.utcoffset()
        zone = "%+03d:%02d" % (off.total_seconds() // 3600, off.total_seconds() % 3600 // 60)
        want_appt = "%04d-%02d-%02dT%02d:%02d:00.000%s" % (y, mo, d, h, mi, zone)
        want_started = "%04d-%02d-01" % (sy, smo)
        want_born = "%s-01-01" % born
        want = "Appointment %s, began %s, born %s." % (want_appt, want_started, want_born)
        check(echo == want, "stored as ODK stores them:\n  %r\n  want %r" % (echo, want))
        k.tap("submit")
        k.wait_screen("thanks")
    finally:
        rc = k.close()
        err = k.stderr()
    S.clean_exit(rc, err)
    utc = local.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"appt": utc, "began": want_started, "born": want_born}


def main():
    S.fresh()
    run(SYNC, "check", FORM)
    S.keygen()
    data = S.install(S.pack(FORM, "dates.pack")[0])
    try:
        want = sitting(data)
    except KioskError as e:
        check(False, "the sitting: %s" % e)
        want = None
    if want:
        csvdir, _ = S.to_csv(data)
        rows = S.responses(csvdir)
        check(len(rows) == 1, "one response: %d" % len(rows))
        for col, value in want.items():
            got = rows[0].get(col) if rows else None
            check(got == value, "the CSV holds %s = %r, got %r" % (col, value, got))
    S.finish("all kiosk date checks passed")


main()
