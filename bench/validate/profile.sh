#!/usr/bin/env bash
# Where `xeroflow validate` spends its time: perf (sampling, call graphs) on the release binary,
# over the first 100 generated files, ten times in one recording so the samples add up.
# Run bench/validate/run.sh first (it builds the binary and generates the files).
#
#   bash bench/validate/profile.sh                       # xeroflow validate, 100 files
#   CMD=schema bash bench/validate/profile.sh            # xeroflow schema validate, 100 files
#   FILES=1 bash bench/validate/profile.sh               # one file: start-up costs
#
# valgrind --tool=callgrind gives up on this binary ("Possibly corrupted debuginfo file"), so
# this uses perf; apt-get install linux-perf if it is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
XF="$ROOT/.build-release/release/xeroflow"
SRC="${OUT:-/tmp/xeroflow-bench}/pipelines"
FILES="${FILES:-100}"
CMD="${CMD:-validate}"
WORK="$(mktemp -d /tmp/xeroflow-profile.XXXXXX)"
[ -x "$XF" ] && [ -d "$SRC" ] || { echo "run bench/validate/run.sh first" >&2; exit 1; }
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 1; }

mkdir -p "$WORK/files"
ls "$SRC"/*.yaml | head -n "$FILES" | xargs cp -t "$WORK/files"
if [ "$CMD" = schema ]; then
    RUN="$XF schema validate --schema schemas/pipeline.schema.json $WORK/files/*.yaml >/dev/null"
else
    RUN="$XF validate --quiet $WORK/files"
fi
perf record -q -F 4999 -g -o "$WORK/perf.data" -- bash -c "for i in 1 2 3 4 5 6 7 8 9 10; do $RUN; done" >/dev/null 2>&1

report() { perf report -i "$WORK/perf.data" --comm xeroflow --sort symbol --stdio -g none "$@" 2>/dev/null \
    | grep '%' | swift demangle --simplified | sed -E 's/ +(- +-)? *$//; s/^(.{170}).+$/\1…/'; }
echo "== $CMD, $FILES files ×10: inclusive time (children), top 40"
report --children | head -n 40
echo
echo "== self time, top 25"
report --no-children | head -n 25
echo
echo "(perf data: $WORK/perf.data)"
