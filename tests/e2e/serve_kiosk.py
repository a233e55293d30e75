#!/usr/bin/python3
"""serve_kiosk.py - the running kiosk delivers by itself (its worker thread).

    serve_kiosk.py SURVEY_SYNC SURVEY_KIOSK DRIVER FORM

A kiosk with records waiting is opened (SDL offscreen) while the server is
down: the worker tries, fails and the admin screen says "N waiting, last try
HH:MM: cannot reach the server ..."; the screen keeps answering meanwhile.
Then the server starts: the worker's next try (the backoff is shortened in
test builds) delivers everything without anyone touching the kiosk, and the
admin screen says "delivered up to HH:MM, 0 waiting".  Closing the kiosk and
opening it again sends nothing twice.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiosk import Kiosk  # noqa: E402
from serve_common import (FAST, Server, Study, check, finish, kiosk_counts, make_kiosk,  # noqa: E402
                          store_ids, tmpdir, wait_for, KIOSK)
import store as stores  # noqa: E402

root = tmpdir("serve_kiosk")
st = Study(root)
data = os.path.join(root, "kiosk")
make_kiosk(data, st.pack, "Pi-GUI", 5)
store = stores.fresh(root, "central.db")


def admin_line(k):
    k.send("key Shift")  # any input: a fresh frame and UI map
    for w in k.ui()["widgets"]:
        if w["id"] == "admin/delivery":
            return w["label"]
    return ""


env = dict(FAST, SURVEY_KIOSK_PIN_INIT="246813")
k = Kiosk(KIOSK, data, env=env)
try:
    k.key("Ctrl+Alt+a")
    for d in "246813":
        k.tap("pin/" + d)
    k.tap("pin/ok")
    k.wait_screen("admin")
    check(wait_for(lambda: "cannot reach the server" in admin_line(k), 20),
          "the admin screen shows the failed try: %r" % admin_line(k))
    line = admin_line(k)
    check(line.startswith("Delivery to %s: 10 waiting, last try " % st.url), "line: %r" % line)
    check(kiosk_counts(data) == (0, 10), "nothing marked while the server is down")
    srv = Server(store, st.server_dir, st.port)
    check(wait_for(lambda: kiosk_counts(data) == (10, 0), 30),
          "the worker delivered by itself: %r" % (kiosk_counts(data),))
    check(wait_for(lambda: "delivered up to" in admin_line(k), 10), "admin: %r" % admin_line(k))
    check(", 0 waiting" in admin_line(k), "admin: %r" % admin_line(k))
    check(k.screen() == "admin", "the screen stayed usable")
finally:
    k.close()
# Restart: the worker starts again, finds nothing waiting, sends nothing.
k = Kiosk(KIOSK, data, env=env)
time.sleep(1.5)
k.close()
ids, conflicts, ok = store_ids(store)
check(len(ids) == 10 and conflicts == 0 and ok == "ok", "the store holds the 10 records once")
check(srv.log_text().count("-> 200") == 1, "one upload in all")
srv.stop()
finish()
