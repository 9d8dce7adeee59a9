#!/usr/bin/env bash
# make lint: ruff (lint and format check) and mypy over the whole project.
# Runs all three checks even when one fails, names the ones that failed, and exits non-zero then.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=${VENV:-.venv}/bin

failed=()
check() {
    local name=$1
    shift
    echo "--> $name: $*"
    if ! "$@"; then
        failed+=("$name")
    fi
}

check "ruff check" "$bin/ruff" check .
check "ruff format" "$bin/ruff" format --check .
check "mypy" "$bin/mypy" .

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "lint: FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
    exit 1
fi
echo "lint: ruff check, ruff format and mypy are clean"
