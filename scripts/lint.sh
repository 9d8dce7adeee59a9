#!/usr/bin/env bash
# make lint: ruff (lint and format check), mypy over the whole project, and the import-linter
# contracts of pyproject.toml (the layers, docs/architecture.md). Runs all four checks even when
# one fails, names the ones that failed, and exits non-zero then.
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
check "import contracts" "$bin/lint-imports"

if [[ ${#failed[@]} -gt 0 ]]; then
    echo "lint: FAILED: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')"
    exit 1
fi
echo "lint: ruff check, ruff format, mypy and the import contracts are clean"
