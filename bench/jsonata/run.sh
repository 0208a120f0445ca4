#!/usr/bin/env bash
# Benchmark: our JSONata engine (Sources/Expressions) against jsonatapy, jsonata-rs and
# jsonata-python (PyPI) on three mappings over 1,000 invoices, parse and evaluation timed apart.
# Never run by CI. See bench/README.md.
#
#   bash bench/jsonata/run.sh                      # release build (once), venv, data, check, timings
#   SKIP_BUILD=1 bash bench/jsonata/run.sh         # time the binary already in .build-release
#   N=5 PARSE_N=20 bash bench/jsonata/run.sh       # a quick look
#
# Environment: N (timed evaluations per engine and path, default 20), PARSE_N (timed compiles,
# default 200), WARMUP (default 3), INVOICES (default 1000), SEED, ENGINES (peers to run,
# comma-separated), OUT (where the data and results of each engine go, default
# /tmp/xeroflow-bench-jsonata). Results (JSON lines and a Markdown summary) go to bench/results/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

N="${N:-20}"
PARSE_N="${PARSE_N:-200}"
WARMUP="${WARMUP:-3}"
INVOICES="${INVOICES:-1000}"
SEED="${SEED:-20261123}"
ENGINES="${ENGINES:-jsonatapy,jsonata-rs,jsonata-python}"
OUT="${OUT:-/tmp/xeroflow-bench-jsonata}"
JSONATAPY_VERSION="${JSONATAPY_VERSION:-2.2.13}"
JSONATA_RS_VERSION="${JSONATA_RS_VERSION:-0.1.4}"
JSONATA_PYTHON_VERSION="${JSONATA_PYTHON_VERSION:-0.7.1}"
SCRATCH="$ROOT/.build-release"
RESULTS="$ROOT/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
SUMMARY="$RESULTS/jsonata-$STAMP.md"
LINES="$RESULTS/jsonata-$STAMP.jsonl"
LOAD_BEFORE="$(uptime | sed 's/.*load average: //')"
STARTED="$(date -u '+%Y-%m-%d %H:%M UTC')"
MAPPINGS=(bench/jsonata/mappings/a-invoices.jsonata bench/jsonata/mappings/b-lines-dates.jsonata bench/jsonata/mappings/c-group-contacts.jsonata)

say() { printf '\n== %s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------
BIN="$SCRATCH/release/ExpressionBench"
BUILD_INFO="$SCRATCH/expressionbench-build.txt"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$BIN" ]; then
    say "building ExpressionBench (release, scratch path $SCRATCH)"
    swift build -c release --scratch-path "$SCRATCH" --product ExpressionBench 2>&1 | tail -n 2 >&2
    dirty="$(git diff --name-only HEAD -- Sources | wc -l)"
    [ "$dirty" = 0 ] && dirty="" || dirty=" + uncommitted changes in $dirty files under Sources/ (diff sha1 $(git diff HEAD -- Sources | sha1sum | cut -c1-10))"
    echo "$(git rev-parse --short HEAD)$dirty, built $(date -u '+%Y-%m-%d %H:%M UTC')" > "$BUILD_INFO"
fi

# One venv, bench/.venv (never the system site-packages). jsonata-rs and jsonata-python both
# install a top-level package called `jsonata`, so each goes into its own folder under
# bench/.venv/peers/ (pip --target), and peers.py runs each engine in its own process.
PY="$ROOT/bench/.venv/bin/python"
[ -x "$PY" ] || { say "creating bench/.venv"; python3 -m venv bench/.venv; }
if ! "$PY" -c "import jsonatapy, sys; sys.exit(jsonatapy.__version__ != '$JSONATAPY_VERSION')" 2>/dev/null; then
    say "installing jsonatapy $JSONATAPY_VERSION into bench/.venv"
    bench/.venv/bin/pip install --quiet "jsonatapy==$JSONATAPY_VERSION"
fi
for spec in "jsonata-rs==$JSONATA_RS_VERSION" "jsonata-python==$JSONATA_PYTHON_VERSION"; do
    name="${spec%%==*}"
    dir="bench/.venv/peers/$name"
    if [ ! -d "$dir/${name//-/_}-${spec##*==}.dist-info" ]; then
        say "installing $spec into $dir"
        rm -rf "$dir"
        bench/.venv/bin/pip install --quiet --target "$dir" "$spec"
    fi
done

# --- data -------------------------------------------------------------------------------------
mkdir -p "$OUT"
rm -rf "$OUT/results"
mkdir -p "$OUT/results/xeroflow"
DATA="$OUT/invoices.json"
say "generating $INVOICES invoices (seed $SEED) into $DATA"
python3 bench/jsonata/data.py -n "$INVOICES" --seed "$SEED" --out "$DATA"

# --- timings (each engine also writes its results, for the check below) -------------------------
say "timing xeroflow (ExpressionBench): $PARSE_N compiles, $N evaluations, $WARMUP warmups"
"$BIN" --data "$DATA" --n "$N" --parse-n "$PARSE_N" --warmup "$WARMUP" --out "$OUT/results/xeroflow" "${MAPPINGS[@]}" > "$LINES"
say "timing peers ($ENGINES)"
"$PY" bench/jsonata/peers.py --data "$DATA" --n "$N" --parse-n "$PARSE_N" --warmup "$WARMUP" --engines "$ENGINES" \
    --out "$OUT/results" "${MAPPINGS[@]}" >> "$LINES"

# --- correctness ------------------------------------------------------------------------------
say "checking that every engine gives the same results"
CHECK="$(python3 bench/jsonata/compare.py "$OUT/results")" || { echo "$CHECK" >&2; echo "the engines disagree: see above" >&2; exit 1; }
echo "$CHECK" >&2

# --- summary ----------------------------------------------------------------------------------
{
    echo "# JSONata engines: xeroflow vs peers ($STAMP)"
    echo
    echo "- date: $STARTED to $(date -u '+%H:%M UTC')"
    echo "- ExpressionBench binary: $(cat "$BUILD_INFO" 2>/dev/null || echo 'built from an unrecorded tree'), $(swift --version 2>&1 | head -n1)"
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc), $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "- load average (1/5/15 min) before: $LOAD_BEFORE; after: $(uptime | sed 's/.*load average: //')"
    echo "- peers: $("$PY" -c 'import json,sys; seen={}
for l in open(sys.argv[1]):
    r=json.loads(l); seen.setdefault(r["engine"], r.get("version", ""))
print(", ".join(f"{k} {v}" for k, v in seen.items() if k != "xeroflow"))' "$LINES") on $("$PY" --version)"
    echo "- data: $INVOICES invoices (seed $SEED), $(wc -c < "$DATA") bytes; $PARSE_N timed compiles and $N timed evaluations per engine and path, after $WARMUP warmups"
    echo
    python3 bench/jsonata/summary.py "$LINES"
    echo
    echo "Agreement (numbers may differ only as binary floating point differs from exact decimals):"
    echo
    echo "$CHECK" | grep '^- '
} > "$SUMMARY"
say "summary ($SUMMARY)"
cat "$SUMMARY"
