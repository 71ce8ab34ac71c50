#!/usr/bin/env bash
# Run the whole cdeops test suite: install, test tools, lint, format check, type check, pytest.
#
#   bash scripts/test.sh                   # everything
#   bash scripts/test.sh -k vault -x       # extra arguments go to pytest
#
# Every check runs even when an earlier one fails; the exit code is non-zero if any failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

section() { printf '\n==> %s\n' "$*"; }

section "install (scripts/setup.sh --install-only)"
bash scripts/setup.sh --install-only

section "test tools (scripts/install_test_tools.py)"
.venv/bin/python scripts/install_test_tools.py

failed=()
run_check() {
  local name="$1"
  shift
  section "$name"
  if "$@"; then
    return 0
  fi
  failed+=("$name")
}

run_check "ruff check" .venv/bin/ruff check .
run_check "ruff format --check" .venv/bin/ruff format --check .
run_check "mypy" .venv/bin/mypy

section "pytest"
pytest_rc=0
.venv/bin/python -m pytest "$@" || pytest_rc=$?
if [[ "$pytest_rc" == 5 ]]; then
  echo "test.sh: pytest collected no tests (exit 5); check the test paths and any -k/-m filter" >&2
  failed+=("pytest (no tests collected)")
elif [[ "$pytest_rc" != 0 ]]; then
  failed+=("pytest (exit $pytest_rc)")
fi

echo
if ((${#failed[@]})); then
  echo "test.sh: FAILED:" >&2
  printf '  - %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test.sh: all checks passed"
