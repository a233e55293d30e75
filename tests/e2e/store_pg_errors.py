#!/usr/bin/python3
"""store_pg_errors.py - what survey-sync says when a PostgreSQL store cannot be
used, driving the real binary against the throwaway cluster
(scripts/pg-test-cluster.sh: role sk trusted, role sk_pw by scram-sha-256
password `sk-test-pw` over the same socket).

    store_pg_errors.py SURVEY_SYNC

  - a wrong password: refused with a sentence that names the store without
    the password (in the query or in user:password@) and says what to check;
  - status and devices list on an empty database: refused like a missing
    central.db, and the database stays empty (no schema made);
  - every hint that prints the URI quotes it so that the shell gives it back
    unchanged (the URI holds ? and &), without the password.
"""
import os
import shlex
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store as stores  # noqa: E402

SYNC = sys.argv[1]
WRONG = "wrong-Pw-4711"
RIGHT = "sk-test-pw"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def sync(*args):
    p = subprocess.run([SYNC] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def with_user(url, user, password=None):
    """url with user=USER (and password=PASSWORD) in its query."""
    u = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(u.query) if k not in ("user", "password")]
    q.append(("user", user))
    if password is not None:
        q.append(("password", password))
    query = "&".join("%s=%s" % (k, v) for k, v in q)  # by hand: keep host=/a/path readable
    return "%s://%s%s?%s" % (u.scheme, u.netloc, u.path, query)


def tables(url):
    return stores.psql(url, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")[0][0]


tmp = os.path.join(os.environ.get("SK_TEST_TMP", "/tmp"), "store_pg_errors-%d" % os.getpid())
os.makedirs(tmp, exist_ok=True)
empty = stores.fresh(tmp, "empty", backend="postgresql")   # user sk, trusted

# 1. A wrong password, in the query and in the userinfo: a sentence naming the
#    store without the password, saying what to check; never the password.
as_wrong = with_user(empty, "sk_pw", WRONG)
u = urllib.parse.urlsplit(empty)
as_wrong_userinfo = "%s://sk_pw:%s@%s%s?%s" % (
    u.scheme, WRONG, u.netloc, u.path,
    "&".join(p for p in u.query.split("&") if not p.startswith("user=")))
for url in (as_wrong, as_wrong_userinfo):
    rc, out, err = sync("status", "--store", url)
    check(rc == 1, "wrong password: exit 1, got %d (%s)" % (rc, err.strip()))
    check(err.startswith("survey-sync: error: postgresql://"),
          "wrong password: the error names the store first: %r" % err)
    check(WRONG not in err and WRONG not in out, "wrong password: the password is not shown: %r" % err)
    check("refused the login" in err and "check the user name and password" in err,
          "wrong password: says the login was refused and what to check: %r" % err)
    check("password authentication failed" in err,
          "wrong password: PostgreSQL's own reason is given: %r" % err)
    check(tables(empty) == "0", "wrong password: nothing made in the database")

# 2. status (and devices list, export) on an empty database: refused like a
#    missing central.db, with the merge command to run, the URI quoted.
as_pw = with_user(empty, "sk_pw", RIGHT)
for url, shown in ((empty, empty), (as_pw, with_user(empty, "sk_pw"))):
    for args in (["status", "--store", url], ["status", "--json", "--store", url],
                 ["devices", "list", "--store", url]):
        rc, out, err = sync(*args)
        what = " ".join(args[:-2]) + (" (password login)" if url == as_pw else "")
        check(rc == 1, "%s on an empty database: exit 1, got %d (%s)" % (what, rc, err.strip()))
        check(out == "", "%s on an empty database: nothing on stdout: %r" % (what, out))
        check(RIGHT not in err, "%s: the password is not shown: %r" % (what, err))
        check(err.startswith("survey-sync: error: %s: no such store; merge bundles into it first "
                             "(survey-sync merge --store '" % shown),
              "%s on an empty database: refused like a missing file, URI quoted: %r" % (what, err))
        # the hint, pasted into a shell, names exactly this store
        hint = err[err.find("(survey-sync merge"):].strip().strip("()")
        words = shlex.split(hint)
        check(words[:3] == ["survey-sync", "merge", "--store"] and words[3] == shown,
              "%s: the hint's command gives the store back through the shell: %r" % (what, words))
        check(tables(empty) == "0", "%s: no schema was made in the empty database" % what)

# 3. A file path with a space: the same hint, quoted too.
missing = os.path.join(tmp, "my store.db")
rc, out, err = sync("status", "--store", missing)
check(rc == 1 and "(survey-sync merge --store '%s' FILE...)" % missing in err,
      "a missing file with a space: the hint quotes it: %r" % err)

if failures:
    sys.exit("%d check(s) failed" % len(failures))
print("ok")
