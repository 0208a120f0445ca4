#!/usr/bin/env bash
# Where our JSONata engine spends its evaluation time on one benchmark mapping: perf (sampling,
# call graphs) on the release ExpressionBench binary. Run bench/jsonata/run.sh first (it builds
# the binary and writes the data).
#
#   bash bench/jsonata/profile.sh b-lines-dates        # or a-invoices, c-group-contacts
#   N=200 bash bench/jsonata/profile.sh c-group-contacts
#
# Parsing is kept out of the samples as far as possible (--parse-n 1); the input is read once.
# apt-get install linux-perf if perf is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.build-release/release/ExpressionBench"
DATA="${OUT:-/tmp/xeroflow-bench-jsonata}/invoices.json"
MAPPING="${1:-b-lines-dates}"
N="${N:-60}"
WORK="$(mktemp -d /tmp/xeroflow-jsonata-profile.XXXXXX)"
[ -x "$BIN" ] && [ -f "$DATA" ] || { echo "run bench/jsonata/run.sh first" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

perf record -q -F 2999 -g -o "$WORK/perf.data" -- \
    "$BIN" --data "$DATA" --n "$N" --parse-n 1 --warmup 1 "bench/jsonata/mappings/$MAPPING.jsonata" >/dev/null 2>&1

report() { perf report -i "$WORK/perf.data" --comm ExpressionBench --sort symbol --stdio -g none "$@" 2>/dev/null \
    | grep '%' | swift demangle --simplified | sed -E 's/ +(- +-)? *$//; s/^(.{170}).+$/\1…/'; }
echo "== $MAPPING, $N evaluations: inclusive time (children), top 40"
report --children | head -n 40
echo
echo "== self time, top 30"
report --no-children | head -n 30
echo
echo "(perf data: $WORK/perf.data)"
