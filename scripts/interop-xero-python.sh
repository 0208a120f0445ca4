#!/usr/bin/env bash
# Runs Xero's official Python SDK (xero-python, PyPI) against two `xeroflow sandbox` processes:
# one with default settings, one where every Accounting call is refused with a 429.
# Usage: scripts/interop-xero-python.sh [path/to/xeroflow]   (default .build/debug/xeroflow)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.build/debug/xeroflow}"
venv="${XEROFLOW_INTEROP_VENV:-/tmp/xeroflow-interop-venv}"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import xero_python' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check xero-python==15.2.0
fi
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
start() { # name, args...
  local name="$1"; shift
  "$bin" sandbox --port 0 --in-memory "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  for _ in $(seq 1 200); do
    grep -q '^listening on ' "$work/$name.out" 2>/dev/null && break
    sleep 0.05
  done
  grep -q '^listening on ' "$work/$name.out" || { echo "sandbox '$name' did not start:"; cat "$work/$name.err"; exit 1; }
  sed -n 's/^listening on //p' "$work/$name.out"
}
plain="$(start plain)"
faulty="$(start faulty --faults 429=1:1000000 --time-scale 60)"
"$venv/bin/python" Tests/Interop/xero_python_interop.py "$plain" "$faulty"
