#!/usr/bin/env bash
# The Xero client's pace against Xero's floor: N invoices (default 10,000) through XeroClient
# into a time-scaled `xeroflow sandbox` with Xero's limits on, release builds.
# Usage: bash bench/xero-client/run.sh [N] [TIME_SCALE...]   (default: 10000, scales 60 and 10)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000}"; shift || true
scales=("${@:-60 10}")
swift build -c release --scratch-path .build-release --product xeroflow >/dev/null
swift build -c release --scratch-path .build-release --product ClientBench >/dev/null
bin=.build-release/release
for scale in ${scales[@]}; do
  out="$(mktemp)"
  "$bin/xeroflow" sandbox --port 0 --in-memory --limits xero --time-scale "$scale" >"$out" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q '^listening on ' "$out" && break; sleep 0.05; done
  url="$(sed -n 's/^listening on //p' "$out")"
  echo "== time scale $scale"
  "$bin/ClientBench" "$url" "$scale" "$n"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -f "$out"
done
