#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster, then removes the cluster.
#
#   scripts/with-postgres.sh pytest -q
#   scripts/with-postgres.sh --check     # prints the server binaries' folder; exit 1 when none
#
# The cluster lives in a fresh temporary directory, listens only on a unix socket inside it (no
# TCP port, so parallel runs never collide), trusts local connections and is tuned for speed
# (fsync off): it is for tests, never for data. The command gets DATABASE_URL (plus PGHOST,
# PGPORT, PGUSER, PGDATABASE for psql) naming a database it may drop and recreate; its
# superuser role is named after the calling OS user so libpq needs no user in the URL.
#
# PostgreSQL refuses to run as root. As root, the server runs as PG_RUN_AS (default: the
# `postgres` system user when it exists, else `nobody`) through runuser, or su when runuser is
# missing. Server binaries come from PG_BINDIR, else PATH, else the newest
# /usr/lib/postgresql/*/bin. Exits with the command's exit code; 127 when no binaries are found.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        echo "$PG_BINDIR"
        return 0
    fi
    local initdb
    if initdb=$(command -v initdb) && command -v pg_ctl >/dev/null; then
        dirname "$(readlink -f "$initdb")"
        return 0
    fi
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

if ! PG_BIN=$(find_bindir) || [[ ! -x "$PG_BIN/initdb" || ! -x "$PG_BIN/pg_ctl" ]]; then
    if [[ "$1" == "--check" ]]; then
        exit 1
    fi
    echo "with-postgres: no PostgreSQL server binaries (initdb, pg_ctl) in PATH or /usr/lib/postgresql/*/bin" >&2
    exit 127
fi
if [[ "$1" == "--check" ]]; then
    echo "$PG_BIN"
    exit 0
fi

db_user=$(id -un)
db_name=${PG_DATABASE:-dkp}
port=5432 # only names the socket file inside our private directory

workdir=$(mktemp -d "${PG_TMPDIR:-/tmp}/dkp-pg.XXXXXX")
datadir="$workdir/data"
sockdir="$workdir/socket"
logfile="$workdir/server.log"
mkdir -p "$sockdir"

as_server_user() {
    # Runs "$@" as the cluster's owner, from inside the work directory (the caller's working
    # directory may not be readable by that user).
    if [[ -z "$run_as" ]]; then
        (cd "$workdir" && "$@")
    elif command -v runuser >/dev/null; then
        (cd "$workdir" && runuser -u "$run_as" -- "$@")
    else
        (cd "$workdir" && su -s /bin/sh "$run_as" -c "$(printf '%q ' "$@")")
    fi
}

run_as=""
if [[ $(id -u) -eq 0 ]]; then
    if [[ -n "${PG_RUN_AS:-}" ]]; then
        run_as=$PG_RUN_AS
    elif id -u postgres >/dev/null 2>&1; then
        run_as=postgres
    else
        run_as=nobody
    fi
    chown -R "$run_as" "$workdir"
    chmod 700 "$workdir"
fi

server_started=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$server_started" ]]; then
        as_server_user "$PG_BIN/pg_ctl" -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$workdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! as_server_user "$PG_BIN/initdb" -D "$datadir" -U "$db_user" --auth=trust -E UTF8 --locale=C \
    --no-sync >"$workdir/initdb.log" 2>&1; then
    echo "with-postgres: initdb failed:" >&2
    cat "$workdir/initdb.log" >&2
    exit 1
fi

server_options="-k $sockdir -p $port -c listen_addresses= -c fsync=off -c synchronous_commit=off"
server_options+=" -c full_page_writes=off -c max_connections=100"
server_started=yes
if ! as_server_user "$PG_BIN/pg_ctl" -D "$datadir" -l "$logfile" -o "$server_options" -w -t 60 start >/dev/null; then
    echo "with-postgres: the server did not start:" >&2
    cat "$logfile" >&2 || true
    exit 1
fi

export PGHOST=$sockdir PGPORT=$port PGUSER=$db_user PGDATABASE=$db_name
if ! "$PG_BIN/createdb" "$db_name"; then
    echo "with-postgres: could not create database $db_name" >&2
    exit 1
fi
export DATABASE_URL="postgres:///$sockdir/$db_name"
version=$("$PG_BIN/postgres" --version 2>/dev/null || echo "PostgreSQL")
echo "with-postgres: $version as ${run_as:-$db_user}, DATABASE_URL=$DATABASE_URL" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
