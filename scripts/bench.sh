#!/usr/bin/env bash
# make bench: the benchmark guild on SQLite and PostgreSQL side by side, a raid night against
# gunicorn, and the report in docs/benchmarks.md (+ docs/benchmarks.json).
#
#   1. generate_guild at 10 years and at 1 year of history (same users and seed) into scratch
#      databases: SQLite files under var/bench/ and, when the PostgreSQL server binaries are
#      present, two databases of a throwaway cluster (scripts/with-postgres.sh), both at once;
#   2. bench on each (dkp/bench/measure.py): every measurement at 10 years, the reads at 1 year;
#   3. loadtest on PostgreSQL's 10-year guild (dkp/bench/loadtest.py), SQLite's when there is none;
#      then the bid storm alone on the embedded default: runserver on SQLite's 10-year guild;
#   4. issue 16's ten-year import (dkp/bench/importing.py): bench_import writes an OpenDKP dump, then
#      on each database imports it into an empty scratch database with import_guild and claims
#      every main, each step a fresh process, one database after the other;
#   5. bench --report: docs/benchmarks.md and docs/benchmarks.json, history kept.
#
#   BENCH_USERS=500 BENCH_YEARS=10 BENCH_SEED=1  the guild (the short history is always 1 year)
#   BENCH_POSTGRES=auto|yes|no                    auto skips PostgreSQL without server binaries
#   BENCH_LOAD_SECONDS=120                        the raid night's length
#   BENCH_QUICK=1                                 a few repetitions and a short night: a smoke run,
#                                                 whose report goes to var/bench/ instead of docs/
#   BENCH_DOCS=docs                               where the report goes
#   BENCH_IMPORT=no                               skip step 4; the page keeps its import section
#   BENCH_ONLY=import                             only step 4 (about 12 minutes), and only the page's
#                                                 import section and its history are rewritten
#
# Exits non-zero when a step fails, the load test sees an error or the ledger ends out of balance;
# the report is written whenever there are figures to write it from.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${VENV:-.venv}
python=$root/$venv/bin/python
[[ $venv == /* ]] && python=$venv/bin/python
out=$root/var/bench
users=${BENCH_USERS:-500}
years=${BENCH_YEARS:-10}
seed=${BENCH_SEED:-1}
only=${BENCH_ONLY:-}
if [[ -n $only && $only != import ]]; then
    echo "bench: BENCH_ONLY=$only: the one part that runs alone is 'import'" >&2
    exit 2
fi

if [[ "${1:-}" != "--inside-postgres" ]]; then
    pg_bin=$(scripts/with-postgres.sh --check || true)
    case "${BENCH_POSTGRES:-auto}:${pg_bin:+found}" in
    no:*) ;;
    *:found)
        # PostgreSQL's leg needs its cluster for the whole run: the rest runs inside it.
        exec env PG_DATABASE=bench_long scripts/with-postgres.sh "$root/scripts/bench.sh" --inside-postgres ;;
    yes:)
        echo "bench: BENCH_POSTGRES=yes but no PostgreSQL server binaries (initdb, pg_ctl) were found" >&2
        exit 1 ;;
    *)
        echo "bench: no PostgreSQL server binaries (initdb, pg_ctl): SQLite only" ;;
    esac
fi

# Hermetic: the figures must not depend on a developer's .env or shell.
unset DJANGO_SETTINGS_MODULE
export DEBUG=false DKP_DEMO=false REDIS_URL="" CELERY_BROKER_URL=memory:// LOG_LEVEL=WARNING
SECRET_KEY=$("$python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY

declare -A url
url[sqlite-long]="sqlite:///$out/guild-${years}y.sqlite3"
url[sqlite-short]="sqlite:///$out/guild-1y.sqlite3"
url[sqlite-import]="sqlite:///$out/import.sqlite3"
legs=(sqlite)
if [[ "${1:-}" == "--inside-postgres" ]]; then
    # with-postgres.sh made the database bench_long; the short history gets one beside it.
    "$(scripts/with-postgres.sh --check)/createdb" bench_short
    "$(scripts/with-postgres.sh --check)/createdb" bench_import
    url[postgresql-import]="postgres:///$PGHOST/bench_import"
    url[postgresql-long]=$DATABASE_URL
    url[postgresql-short]="postgres:///$PGHOST/bench_short"
    legs+=(postgresql)
fi

mkdir -p "$out"
rm -f "$out"/import-*.json "$out"/import.sqlite3*
[[ -z $only ]] && rm -f "$out"/*.json "$out"/guild-*.sqlite3*
started=$(date +%s)
say() { printf '[bench %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
manage() { env DATABASE_URL="$1" "$python" manage.py "${@:2}"; }

quick=()
load_seconds=${BENCH_LOAD_SECONDS:-120}
docs=${BENCH_DOCS:-$root/docs}
if [[ -n "${BENCH_QUICK:-}" ]]; then
    quick=(--quick)
    load_seconds=${BENCH_LOAD_SECONDS:-30}
    docs=${BENCH_DOCS:-$out}
fi
status=0

import_history() { # step 4, on every database in turn (one at a time: the figures are times)
    local source=$out/opendkp-10y.sql
    say "writing the ten-year OpenDKP dump"
    "$python" manage.py bench_import --write-source "$source" --seed "$seed" || { status=1; return; }
    for leg in "${legs[@]}"; do
        say "importing it on $leg, then claiming every main"
        manage "${url[$leg-import]}" migrate --no-input -v0 &&
            manage "${url[$leg-import]}" bench_import --source "$source" --label "$leg" --out "$out/import-$leg.json" ||
            status=1
    done
}

if [[ $only == import ]]; then
    import_history
    shopt -s nullglob
    figures=("$out"/import-*.json)
    [[ ${#figures[@]} -gt 0 ]] && "$python" manage.py bench --report "${figures[@]}" --docs "$docs"
    say "done$([[ $status -ne 0 ]] && echo ': SOMETHING FAILED (see above)')"
    exit "$status"
fi

generate() { # leg: both guilds of one database, one after the other
    local leg=$1
    for length in long short; do
        local span=$years
        [[ $length == short ]] && span=1
        manage "${url[$leg-$length]}" migrate --no-input -v0
        manage "${url[$leg-$length]}" generate_guild --users "$users" --years "$span" --seed "$seed" --quiet
    done
}

say "generating the guild ($users users, $years years and 1 year, seed $seed) for: ${legs[*]}"
pids=()
for leg in "${legs[@]}"; do
    generate "$leg" >"$out/generate-$leg.log" 2>&1 &
    pids+=($!)
done
for index in "${!legs[@]}"; do
    if ! wait "${pids[$index]}"; then
        say "generate_guild failed on ${legs[$index]}:"
        tail -30 "$out/generate-${legs[$index]}.log" >&2
        exit 1
    fi
done
if [[ " ${legs[*]} " == *" postgresql "* ]]; then
    # Fresh tables of half a million rows would otherwise be vacuumed and analyzed by autovacuum
    # while the first measurements run; a production database has its statistics.
    for database in bench_long bench_short; do
        "$(scripts/with-postgres.sh --check)/psql" -q -d "$database" -c "VACUUM ANALYZE"
    done
fi
say "generated"

for leg in "${legs[@]}"; do
    say "measuring $leg, $years years"
    manage "${url[$leg-long]}" bench --label "$leg-${years}y" --years "$years" --out "$out/$leg-${years}y.json" \
        "${quick[@]}" || status=1
    say "measuring $leg, 1 year (reads)"
    manage "${url[$leg-short]}" bench --label "$leg-1y" --years 1 --reads-only --out "$out/$leg-1y.json" \
        "${quick[@]}" || status=1
done

load_leg=${legs[-1]}
say "load test: ${load_seconds} s raid night on gunicorn + $load_leg"
manage "${url[$load_leg-long]}" loadtest --out "$out/loadtest.json" --seconds "$load_seconds" \
    --server-log "$out/gunicorn.log" || status=1
say "bid storm on the embedded default: runserver + SQLite"
manage "${url[sqlite-long]}" loadtest --embedded --out "$out/embedded.json" --server-log "$out/runserver.log" ||
    status=1

if [[ ${BENCH_IMPORT:-yes} == no ]]; then
    say "import skipped (BENCH_IMPORT=no): the page keeps its import section"
else
    import_history
fi

shopt -s nullglob
figures=("$out"/sqlite-*.json "$out"/postgresql-*.json "$out"/loadtest*.json "$out"/embedded*.json "$out"/import-*.json)
if [[ ${#figures[@]} -gt 0 ]]; then
    "$python" manage.py bench --report "${figures[@]}" --docs "$docs"
fi
say "done$([[ $status -ne 0 ]] && echo ': SOMETHING FAILED (see above)')"
exit "$status"
