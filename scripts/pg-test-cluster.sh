#!/bin/sh
# pg-test-cluster.sh: a throwaway PostgreSQL cluster for the tests of the central store
# on PostgreSQL (ctest starts and stops it as a fixture; benchmarks use it too).
#
#   scripts/pg-test-cluster.sh start DIR   initdb in DIR/data, start the server with its
#                                          socket in DIR (no TCP), write DIR/url and print it
#   scripts/pg-test-cluster.sh stop DIR    stop the server and delete DIR
#
# DIR/url holds a libpq URI of the maintenance database, where a test may CREATE DATABASE
# its own store (superuser `sk`, trust authentication: the socket sits in a directory only
# this machine's tests use).  A second role, `sk_pw` (password `sk-test-pw`), must log in
# with scram-sha-256 password authentication over the same socket, so that the tests of
# a refused login (a wrong password) have a real password check to fail.  The server
# runs as the calling user, or as `postgres` when
# called as root (initdb refuses root).  Durability settings are off: nothing here
# survives the test run, and the tests kill survey-sync, never this server.
set -eu
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] ||
    { echo "pg-test-cluster: PostgreSQL's server is not installed; run scripts/deps.sh test" >&2; exit 1; }
as_owner() { # run a server program as the cluster's owner
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
start)
    if [ -f "$dir/url" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        cat "$dir/url"; exit 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U sk --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # first match wins: sk_pw by password, everyone else (sk) trusted as before
    as_owner sh -c 'hba=$1/data/pg_hba.conf; { echo "local all sk_pw scram-sha-256"; cat "$hba"; } >"$hba.new" && mv "$hba.new" "$hba"' sh "$dir"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-k $dir -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -XAq -h "$dir" -U sk -d postgres \
        -c "CREATE ROLE sk_pw LOGIN PASSWORD 'sk-test-pw'" >/dev/null ||
        { echo "pg-test-cluster: cannot make the role sk_pw" >&2; exit 1; }
    echo "postgresql:///postgres?host=$dir&user=sk" >"$dir/url"
    cat "$dir/url"
    ;;
stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
