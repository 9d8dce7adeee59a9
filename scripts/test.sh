#!/usr/bin/env bash
# make test: lint, then the whole suite on SQLite, then again on a throwaway PostgreSQL cluster
# when the server binaries are present. Every leg runs even when an earlier one failed; the
# summary says which legs ran, how long each took and how each ended; any failure fails the run.
#
#   TEST_POSTGRES=auto|yes|no  auto (default) skips the PostgreSQL leg when no server binaries
#                              are found; yes makes that a failure (CI); no skips it.
#   TEST_MARIADB=auto|yes|no   auto (default) runs each pytest leg beside a throwaway MariaDB
#                              (scripts/with-mariadb.sh) when its server binaries are found, so
#                              the importers' MySQL tests run; without them those tests skip
#                              themselves. yes makes missing binaries a failure (CI); no skips
#                              the server and those tests.
#   TEST_REDIS=auto|yes        auto (default) lets the real-Redis Celery test skip itself where no
#                              redis-server is installed; yes makes that a failure (CI).
#   TEST_CADDY=auto|yes        the same for the HTTPS proxy example's test and the caddy binary.
#   TEST_WORKERS=auto|N|0      pytest-xdist workers per leg (default auto: one per CPU); 0 runs
#                              each leg in this one process, as plain pytest does.
#   HYPOTHESIS_PROFILE=dev|ci  how hard the property tests try (dkp/testing/hypothesis_profiles.py);
#                              dev (default) is quick, ci (what .ci/run sets) is thorough.
#   PYTEST_ARGS="..."          extra pytest arguments for both legs, e.g. "-x -k ledger".
set -uo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}
python=$venv/bin/python
reports=$(mktemp -d "${TMPDIR:-/tmp}/dkp-test-reports.XXXXXX")
trap 'rm -rf "$reports"' EXIT
read -r -a pytest_args <<<"${PYTEST_ARGS:-}"
# Each xdist worker has its own test database (pytest-django names them ..._gw0, ..._gw1) and
# builds the personas' guild once. worksteal hands each worker a contiguous run of the suite (so a
# module's shared fixture is mostly set up once) and rebalances at the end. Not loadfile/loadscope:
# they key tests by node id, and the API fuzz test's cases (schemathesis) share one node id, so
# all but one of them would silently not run.
workers=${TEST_WORKERS:-auto}
if [[ "$workers" != "0" ]]; then
    pytest_args=(-n "$workers" --dist worksteal "${pytest_args[@]}")
fi

# Hermetic legs: the embedded defaults whatever a developer's shell or .env says.
export REDIS_URL=""
unset DJANGO_SETTINGS_MODULE

names=()
outcomes=()
durations=()
overall=0

now() { date +%s%N; }
seconds_since() { awk -v ns=$(($(now) - $1)) 'BEGIN { printf "%.1fs", ns / 1e9 }'; }
run_start=$(now)

leg() {
    local name=$1
    shift
    echo
    echo "===================================================================="
    echo "== $name"
    echo "===================================================================="
    local start rc
    start=$(now)
    "$@"
    rc=$?
    names+=("$name")
    durations+=("$(seconds_since "$start")")
    if [[ $rc -eq 0 ]]; then
        outcomes+=("passed")
    else
        outcomes+=("FAILED (exit $rc)")
        overall=1
    fi
}

skip() {
    names+=("$1")
    outcomes+=("skipped: $2")
    durations+=("-")
}

leg "lint (ruff, mypy, import contracts)" scripts/lint.sh

# The importers read OpenDKP and EQdkp Plus MySQL databases; their tests want a MariaDB server
# (TEST_MARIADB_URL). Each pytest leg runs inside its own throwaway one when there is a server.
mariadb_bin=$(scripts/with-mariadb.sh --check)
with_mariadb=()
case "${TEST_MARIADB:-auto}:${mariadb_bin:+found}" in
no:*)
    mariadb_note="not used (TEST_MARIADB=no), so the MySQL reader tests skip themselves" ;;
*:found)
    with_mariadb=(scripts/with-mariadb.sh)
    mariadb_note="a throwaway server ($mariadb_bin) beside each pytest leg" ;;
yes:)
    skip "MariaDB for the MySQL reader tests" "no server binaries found, and TEST_MARIADB=yes requires them"
    outcomes[-1]="FAILED: no MariaDB server binaries (mariadbd, mariadb-install-db) found"
    overall=1
    mariadb_note="none found, and TEST_MARIADB=yes requires one" ;;
*)
    mariadb_note="no server binaries (mariadbd), so the MySQL reader tests skip themselves" ;;
esac

leg "tests on SQLite" "${with_mariadb[@]}" env DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" \
    "$python" -m pytest --junitxml="$reports/sqlite.xml" "${pytest_args[@]}"

pg_bin=$(scripts/with-postgres.sh --check)
case "${TEST_POSTGRES:-auto}:${pg_bin:+found}" in
no:*)
    skip "tests on PostgreSQL" "TEST_POSTGRES=no" ;;
*:found)
    leg "tests on PostgreSQL ($pg_bin)" "${with_mariadb[@]}" scripts/with-postgres.sh \
        "$python" -m pytest --junitxml="$reports/postgresql.xml" "${pytest_args[@]}" ;;
yes:)
    skip "tests on PostgreSQL" "no server binaries found, and TEST_POSTGRES=yes requires them"
    outcomes[-1]="FAILED: no PostgreSQL server binaries (initdb, pg_ctl) found"
    overall=1 ;;
*)
    skip "tests on PostgreSQL" "no server binaries (initdb, pg_ctl) in PATH or /usr/lib/postgresql/*/bin" ;;
esac

chromium=""
for candidate in chromium chromium-browser google-chrome; do
    if chromium=$(command -v "$candidate"); then
        break
    fi
done

echo
echo "===================================================================="
echo "== make test summary"
echo "===================================================================="
for i in "${!names[@]}"; do
    printf '  %-52s %-8s %s\n' "${names[$i]}" "${durations[$i]}" "${outcomes[$i]}"
done
printf '  %-52s %-8s\n' "all legs" "$(seconds_since "$run_start")"
echo "  pytest workers per leg: $workers (TEST_WORKERS); Hypothesis profile: ${HYPOTHESIS_PROFILE:-dev} (HYPOTHESIS_PROFILE)"
echo "  MariaDB: $mariadb_note (TEST_MARIADB)"
if [[ -n "$chromium" ]]; then
    echo "  browser tests: Chromium found at $chromium"
else
    echo "  browser tests: no Chromium found, so browser tests skip themselves"
fi
if [[ $overall -ne 0 ]]; then
    echo "make test: FAILED"
else
    echo "make test: all legs passed"
fi
"$python" - "$reports" <<'PY'
"""Adds up the JUnit reports of the legs that ran into one closing line."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# The Celery worker on a real Redis server is one test inside each leg; say how it went in each.
REDIS_TEST = "test_worker_on_redis_refreshes_attendance_queued_by_the_app"


def redis_outcome(root: ET.Element) -> str:
    for case in root.iter("testcase"):
        if case.get("name") != REDIS_TEST:
            continue
        skipped = case.find("skipped")
        if skipped is not None:
            return f"skipped ({skipped.get('message', '')})"
        if case.find("failure") is not None or case.find("error") is not None:
            return "FAILED"
        return "passed"
    return "not run"


totals = {"passed": 0, "failed": 0, "skipped": 0}
for report in sorted(Path(sys.argv[1]).glob("*.xml")):
    try:
        root = ET.parse(report).getroot()
        suites = list(root.iter("testsuite"))
    except ET.ParseError:
        print(f"  {report.stem}: unreadable report {report}")
        continue
    print(f"  {report.stem}: Celery worker on a real Redis server: {redis_outcome(root)}")
    for suite in suites:
        tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        print(f"  {report.stem}: {tests - failed - skipped} passed, {failed} failed, {skipped} skipped")
        totals["passed"] += tests - failed - skipped
        totals["failed"] += failed
        totals["skipped"] += skipped
# The last line of the run, in the plain "N passed, N failed" form that CI reads.
print(f"total: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
PY
exit "$overall"
