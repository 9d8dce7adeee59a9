#!/usr/bin/env bash
# Runs a command beside a throwaway MariaDB server, then removes the server and its data.
#
#   scripts/with-mariadb.sh pytest -q dkp/sources
#   scripts/with-mariadb.sh --check     # prints the server binary; exit 1 when there is none
#
# The server lives in a fresh temporary directory and listens only on a unix socket inside it
# (--skip-networking: no TCP port, so parallel runs never collide). It is tuned for speed (no
# doublewrite, no flush at commit, no binary log): it is for tests, never for data. The command
# gets TEST_MARIADB_URL, mysql://root@localhost/?unix_socket=..., for the importers' tests
# (dkp/testing/mariadb.py), which create and drop their own databases.
#
# As root the server runs as root (--user=root); otherwise as the calling user. The binaries
# come from MARIADB_BINDIR, else PATH, else /usr/sbin. Exits with the command's exit code; 127
# when no server binaries are found.
set -euo pipefail

if [[ $# -eq 0 ]]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi

find_server() {
    local candidate
    if [[ -n "${MARIADB_BINDIR:-}" ]]; then
        for candidate in "$MARIADB_BINDIR/mariadbd" "$MARIADB_BINDIR/mysqld"; do
            if [[ -x "$candidate" ]]; then
                echo "$candidate"
                return 0
            fi
        done
        return 1
    fi
    for candidate in mariadbd mysqld; do
        if command -v "$candidate" >/dev/null; then
            command -v "$candidate"
            return 0
        fi
        if [[ -x "/usr/sbin/$candidate" ]]; then
            echo "/usr/sbin/$candidate"
            return 0
        fi
    done
    return 1
}

find_install_db() {
    local dir candidate
    dir=$(dirname "$1")
    for candidate in "$dir/mariadb-install-db" "$dir/mysql_install_db" \
        "$(command -v mariadb-install-db || true)" "$(command -v mysql_install_db || true)"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! server=$(find_server) || ! install_db=$(find_install_db "$server"); then
    if [[ "$1" == "--check" ]]; then
        exit 1
    fi
    echo "with-mariadb: no MariaDB server binaries (mariadbd, mariadb-install-db) in PATH or /usr/sbin" >&2
    exit 127
fi
if [[ "$1" == "--check" ]]; then
    echo "$server"
    exit 0
fi

client=$(command -v mariadb || command -v mysql || true)
admin=$(command -v mariadb-admin || command -v mysqladmin || true)

workdir=$(mktemp -d "${MARIADB_TMPDIR:-/tmp}/dkp-mariadb.XXXXXX")
datadir="$workdir/data"
socket="$workdir/mysqld.sock"
pidfile="$workdir/mysqld.pid"
logfile="$workdir/server.log"

user_option=()
if [[ $(id -u) -eq 0 ]]; then
    user_option=(--user=root)
fi

server_pid=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        if [[ -n "$admin" ]]; then
            "$admin" --no-defaults --socket="$socket" --user=root shutdown >/dev/null 2>&1 || true
        fi
        for _ in $(seq 1 100); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$server_pid" 2>/dev/null; then
            kill -KILL "$server_pid" 2>/dev/null || true
        fi
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --no-defaults everywhere: the machine's /etc/mysql settings (a datadir, a port, a bind address)
# must not reach the throwaway server.
if ! "$install_db" --no-defaults "${user_option[@]}" --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >"$workdir/install.log" 2>&1; then
    echo "with-mariadb: mariadb-install-db failed:" >&2
    cat "$workdir/install.log" >&2
    exit 1
fi

"$server" --no-defaults "${user_option[@]}" --datadir="$datadir" --socket="$socket" --pid-file="$pidfile" \
    --skip-networking --log-error="$logfile" --skip-log-bin --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
    --sync-binlog=0 --skip-name-resolve --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci --max-connections=200 >/dev/null 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    if [[ -S "$socket" ]]; then
        if [[ -z "$client" ]] || "$client" --no-defaults --socket="$socket" --user=root -e "SELECT 1" >/dev/null 2>&1; then
            ready=yes
            break
        fi
    fi
    sleep 0.1
done
if [[ -z "$ready" ]]; then
    echo "with-mariadb: the server did not start:" >&2
    cat "$logfile" >&2 || true
    exit 1
fi

export TEST_MARIADB_URL="mysql://root@localhost/?unix_socket=$socket"
version=$("$server" --version 2>/dev/null || echo "MariaDB")
echo "with-mariadb: $version, TEST_MARIADB_URL=$TEST_MARIADB_URL" >&2

set +e
"$@"
rc=$?
set -e
exit "$rc"
