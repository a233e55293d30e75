"""store.py - a fresh central store for an end-to-end test, on the backend the
environment chooses, and backend-neutral ways to look inside it.

    import store
    central = store.fresh(TMP, "central.db")   # what the test passes to --store
    store.record_ids(central)                   # what it checks afterwards

SK_TEST_STORE picks the backend (ctest sets it for the `_pg` variants that
sk_store_e2e_test registers, tests/CMakeLists.txt):

  unset or "sqlite"  a path in the test's scratch folder, as the tests always had;
  "postgresql"       a database of its own (CREATE DATABASE with a unique name,
                     through psql) on the throwaway cluster whose maintenance URI
                     is in $SK_TEST_PG or in the file $SK_TEST_PG_URL_FILE
                     (scripts/pg-test-cluster.sh writes it); the store is that
                     database's libpq URI; every database made here is dropped
                     when the test ends (SK_TEST_KEEP=1 keeps them).

Looking inside goes through SQL both backends answer alike (the PostgreSQL store
has the same table and column names as central.db, docs/FORMATS.md); values come
back as the same Python values from either: integers as int, text as str, blobs
(bytea) as bytes, NULL as None.  A query that fails is a test failure
(StoreError), never an empty answer.
"""
import atexit
import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import urllib.parse

BACKEND = os.environ.get("SK_TEST_STORE", "sqlite").lower()
if BACKEND in ("pg", "postgres"):
    BACKEND = "postgresql"
if BACKEND not in ("sqlite", "postgresql"):
    raise SystemExit("store.py: SK_TEST_STORE=%r: use sqlite or postgresql" % BACKEND)
PG = BACKEND == "postgresql"
PSQL = os.environ.get("SK_TEST_PSQL", "psql")

_created = []       # databases this process made, dropped at exit
_folder = {}        # store URI -> the scratch folder it was asked for (for beside())
_n = [0]


class StoreError(AssertionError):
    pass


def is_pg(store):
    return store.startswith(("postgresql://", "postgres://"))


# ---------------------------------------------------------------- PostgreSQL --

def maintenance_url():
    """The cluster's maintenance URI (where CREATE DATABASE runs)."""
    url = os.environ.get("SK_TEST_PG", "").strip()
    if not url:
        path = os.environ.get("SK_TEST_PG_URL_FILE", "")
        if not path:
            raise StoreError("store.py: SK_TEST_STORE=postgresql needs SK_TEST_PG (a libpq URI) or "
                             "SK_TEST_PG_URL_FILE (scripts/pg-test-cluster.sh start DIR writes DIR/url)")
        try:
            with open(path) as f:
                url = f.read().strip()
        except OSError as e:
            raise StoreError("store.py: cannot read the PostgreSQL test cluster's URI from %s (%s); "
                             "is the pg_cluster fixture running? (scripts/pg-test-cluster.sh start DIR)"
                             % (path, e.strerror))
    if not is_pg(url):
        raise StoreError("store.py: %r is not a postgresql:// URI" % url)
    return url


def with_database(url, name):
    """url with its database replaced by name (the rest: host, user, options kept)."""
    u = urllib.parse.urlsplit(url)
    # By hand: urlunsplit drops the empty host of postgresql:///db?host=/socket/dir.
    return "%s://%s/%s%s" % (u.scheme, u.netloc, urllib.parse.quote(name),
                             "?" + u.query if u.query else "")


def database_of(url):
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))


def psql(url, sql):
    """Run sql (statements separated by ;) on url in one session; the rows of
    the one result it prints as lists of str (NULL as None), without its header."""
    return psql_lines(url, sql)[1:]


def psql_lines(url, sql):
    """Run sql on url in one psql session (one process: each costs a
    connection); every line psql --csv prints, headers included, as lists of
    str, NULL as None."""
    p = subprocess.run([PSQL, "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-P", "null=\\N",
                        "-d", url, "-f", "-"], input=sql + ";\n", capture_output=True, text=True,
                       timeout=300)
    if p.returncode != 0:
        raise StoreError("psql %s: %s\n  failed: %s" % (url, sql, p.stderr.strip()))
    rows = list(csv.reader(io.StringIO(p.stdout)))
    return [[None if v == "\\N" else v for v in row] for row in rows]


def _ident(name):
    return '"%s"' % name.replace('"', '""')


def _db_name(name):
    """A database name of its own: the test's name for the store, the process, a counter."""
    _n[0] += 1
    base = re.sub(r"[^a-z0-9]+", "_", os.path.basename(name).lower()).strip("_") or "store"
    # The random part: a pid is reused, and a killed test leaves its databases.
    return "sk_%s_%d_%d_%s" % (base[:30], os.getpid(), _n[0], os.urandom(3).hex())


def _drop_all():
    if os.environ.get("SK_TEST_KEEP") or not _created:
        return
    # WITH (FORCE): a survey-sync serve the test left running does not keep one.
    # Each DROP runs on its own (psql -f commits each statement).
    try:
        psql(maintenance_url(), "; ".join("DROP DATABASE IF EXISTS %s WITH (FORCE)" % _ident(name)
                                          for name in reversed(_created)))
    except StoreError as e:
        print("store.py: warning: %s" % e)


def _new_database(folder, name, template=None):
    db = _db_name(name)
    sql = "CREATE DATABASE %s" % _ident(db)
    if template:
        sql += " TEMPLATE %s" % _ident(database_of(template))
    if not _created:
        atexit.register(_drop_all)
    psql(maintenance_url(), sql)
    _created.append(db)
    url = with_database(maintenance_url(), db)
    _folder[url] = folder
    return url


# -------------------------------------------------------------------- stores --

def fresh(folder, name, backend=None):
    """A new, empty central store for --store: FOLDER/NAME on SQLite (nothing
    there yet), an empty database of its own on PostgreSQL (survey-sync makes
    the tables on first use, as it makes a new central.db file).  backend
    ("sqlite" or "postgresql") overrides SK_TEST_STORE (the benchmarks)."""
    if (backend or BACKEND) == "postgresql":
        return _new_database(folder, name)
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return path


def copy(src, folder, name):
    """An exact copy of the store src (no survey-sync may have it open): the
    file and its WAL on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL."""
    if is_pg(src):
        return _new_database(folder, name, template=src)
    dst = os.path.join(folder, name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(dst + suffix):
            os.remove(dst + suffix)
    for suffix in ("", "-wal"):
        if os.path.exists(src + suffix):
            shutil.copyfile(src + suffix, dst + suffix)
    return dst


def drop(store):
    """Remove the store now (a benchmark making many)."""
    if is_pg(store):
        name = database_of(store)
        psql(maintenance_url(), "DROP DATABASE IF EXISTS %s WITH (FORCE)" % _ident(name))
        if name in _created:
            _created.remove(name)
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)


def beside(store, suffix):
    """A file name for things that belong with the store (a server log):
    STORE+suffix on SQLite, FOLDER/DATABASE+suffix on PostgreSQL."""
    if is_pg(store):
        return os.path.join(_folder.get(store, os.environ.get("SK_TEST_TMP", "/tmp")),
                            database_of(store) + suffix)
    return store + suffix


def exists(store):
    """Whether the store has been made (SQLite: the file; PostgreSQL: its tables)."""
    if is_pg(store):
        return psql(store, "SELECT to_regclass('records') IS NOT NULL")[0][0] == "t"
    return os.path.exists(store)


# ------------------------------------------------------------------ looking in --

_INT = re.compile(r"-?[0-9]+\Z")


def _pg_value(v, kind):
    if v is None:
        return None
    if kind == "bytea":
        return bytes.fromhex(v[2:])
    if kind in ("int2", "int4", "int8", "numeric") and _INT.match(v):
        return int(v)
    if kind == "bool":
        return v == "t"
    return v


def query(store, sql):
    """The rows of sql (a SELECT both backends understand) as tuples of Python
    values: int, str, bytes, None."""
    if is_pg(store):
        # A temporary view (gone with the session) names each column's type, so
        # that a bytea comes back as bytes and a bigint as int, as from sqlite3.
        # One session prints two results: the types (a header and one line),
        # then the rows (a header and the rows).
        lines = psql_lines(store, "CREATE TEMPORARY VIEW sk_q AS %s; "
                                  "SELECT string_agg(t.typname, ' ' ORDER BY a.attnum) FROM pg_attribute a "
                                  "JOIN pg_type t ON t.oid = a.atttypid "
                                  "WHERE a.attrelid = 'sk_q'::regclass AND a.attnum > 0; "
                                  "SELECT * FROM sk_q" % sql)
        kinds = lines[1][0].split()
        return [tuple(_pg_value(v, k) for v, k in zip(row, kinds)) for row in lines[3:]]
    if not os.path.exists(store):
        raise StoreError("%s: no such store" % store)
    con = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    try:
        return [tuple(r) for r in con.execute(sql)]
    except sqlite3.Error as e:
        raise StoreError("sqlite3 %s: %s\n  failed: %s" % (store, sql, e))
    finally:
        con.close()


def scalar(store, sql):
    rows = query(store, sql)
    if len(rows) != 1 or len(rows[0]) != 1:
        raise StoreError("%s: %s gave %r, not one value" % (store, sql, rows))
    return rows[0][0]


def _unless_unmade(store, fn, empty):
    """fn(), or empty when the store was never made (no file; a database
    without its tables)."""
    if not is_pg(store):
        return fn() if os.path.exists(store) else empty
    try:
        return fn()
    except StoreError:
        if exists(store):
            raise
        return empty


def count(store, table, where=None):
    """Rows in table (0 when the store was never made)."""
    sql = "SELECT COUNT(*) FROM %s%s" % (table, " WHERE " + where if where else "")
    return _unless_unmade(store, lambda: int(scalar(store, sql)), 0)


def record_ids(store):
    """Every record id the store holds, upper-case hex, sorted, repeats kept."""
    if is_pg(store):   # hex in the query: one psql session, no type lookup
        sql = "SELECT upper(encode(record_id, 'hex')) FROM records"
        return _unless_unmade(store, lambda: sorted(r[0] for r in psql(store, sql)), [])
    return _unless_unmade(store, lambda: sorted(
        r[0].hex().upper() for r in query(store, "SELECT record_id FROM records")), [])


def table_rows(store, table):
    """Every row of table, each as its repr, sorted: a snapshot to compare."""
    return tables(store, [table])[table]


def tables(store, names):
    """{table: its rows, sorted} for every table in names, in one look: a
    snapshot to compare with another of the same store (each row as its repr
    on SQLite, as its JSON on PostgreSQL)."""
    if is_pg(store):
        cols = ", ".join("(SELECT coalesce(json_agg(x ORDER BY x), '[]') FROM "
                         "(SELECT row_to_json(t)::text AS x FROM %s t) s) AS %s" % (n, _ident(n))
                         for n in names)
        row = psql(store, "SELECT " + cols)[0]
        return {n: json.loads(v) for n, v in zip(names, row)}
    return {n: sorted(repr(r) for r in query(store, "SELECT * FROM %s" % n)) for n in names}


def integrity(store):
    """"ok" when the store's storage is sound: SQLite's integrity_check; on
    PostgreSQL amcheck's bt_index_check of every index of the store (the
    extension goes into a schema of its own, sk_check, apart from the store's
    tables)."""
    if is_pg(store):
        # One session: bt_index_check raises an error naming a broken index.
        try:
            psql(store, "CREATE SCHEMA IF NOT EXISTS sk_check; "
                        "CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA sk_check; "
                        "SELECT count(*) FROM (SELECT sk_check.bt_index_check(c.oid::regclass, true) "
                        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                        "JOIN pg_am am ON am.oid = c.relam "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE am.amname = 'btree' AND n.nspname = 'public') AS checked")
        except StoreError as e:
            return str(e)
        return "ok"
    con = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def adopt(sync_bin, src, folder, name):
    """The SQLite store src (made by a C test helper, which writes central.db
    files) as a store of the chosen backend: src itself on SQLite; on
    PostgreSQL a fresh database filled by `survey-sync merge` from src, with
    the devices src accepted accepted again (enrolment does not travel with a
    merge, FORMATS.md)."""
    if not PG:
        return src
    dst = fresh(folder, name)
    _sync(sync_bin, "merge", "--store", dst, src)
    devices = json.loads(_sync(sync_bin, "devices", "list", "--store", src, "--json"))
    for d in devices:
        if d["state"] == "accepted":
            _sync(sync_bin, "devices", "accept", d["device_id"], "--store", dst)
    return dst


def _sync(sync_bin, *args):
    p = subprocess.run([sync_bin, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                       timeout=600)
    if p.returncode != 0:
        raise StoreError("survey-sync %s exited %d: %s%s" % (" ".join(args), p.returncode, p.stdout,
                                                             p.stderr))
    return p.stdout
