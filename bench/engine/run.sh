#!/usr/bin/env bash
# The engine benchmark: ROWS order items (CSV) through a per-record map and through a merge into
# invoices, written as JSON Lines, by `xeroflow run` and side by side in one run by a Singer
# pipeline with Meltano's mapper (singer_emit.py | meltano-map-transform | target-jsonl, each in
# its own virtualenv; map only), by jq, and by a hand-written Python script. Never run by CI.
# See bench/README.md.
#
#   bash bench/engine/run.sh                   # 1,000,000 rows; release build in .build-release
#   ROWS=100000 PEERS=python,jq bash bench/engine/run.sh
#
# Each command runs once per round (ROUNDS, default 1) under /usr/bin/time: wall seconds and the
# peak resident memory of the largest process. xeroflow starts each run with no state store
# and no output file (a first, full run), but for map-rerun: the map again over its own output.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/engine"
ROWS="${ROWS:-1000000}"
ROUNDS="${ROUNDS:-1}"
PEERS="${PEERS:-python,jq,meltano}"
BIN="${BIN:-$ROOT/.build-release/release/xeroflow}"
WORK="${WORK:-/tmp/xeroflow-bench-engine}"
VENV="$ROOT/bench/.venv"
BIN="$(cd "$(dirname "$BIN")" 2>/dev/null && pwd)/$(basename "$BIN")"
[ -x "$BIN" ] || { echo "no binary at $BIN: swift build -c release --scratch-path .build-release --product xeroflow" >&2; exit 1; }
mkdir -p "$WORK" "$ROOT/bench/results"
if [[ ",$PEERS," == *",meltano,"* ]]; then
  for v in meltano-map:meltano-map-transform target-jsonl:target-jsonl; do
    dir="$VENV/${v%%:*}"; pkg="${v##*:}"
    [ -x "$dir/bin/$pkg" ] || { python3 -m venv "$dir" && "$dir/bin/pip" install -q "$pkg"; }
  done
fi
[ -f "$WORK/items-$ROWS.csv" ] || python3 "$HERE/gen.py" "$ROWS" "$WORK/items-$ROWS.csv"
[ -f "$WORK/items-$ROWS-shuffled.csv" ] || python3 "$HERE/gen.py" "$ROWS" "$WORK/items-$ROWS-shuffled.csv" --shuffle
RESULTS="$ROOT/bench/results/engine-$(date -u +%Y%m%dT%H%M%SZ).tsv"
printf 'workload\ttool\tround\tseconds\tpeak_mb\toutput_lines\n' > "$RESULTS"

# measure WORKLOAD TOOL OUTPUT COMMAND [SETUP]: runs COMMAND in bash under /usr/bin/time (SETUP,
# if given, first and untimed, in the same directory).
measure() {
  local workload="$1" tool="$2" output="$3" command="$4" setup="${5:-}" round
  for round in $(seq 1 "$ROUNDS"); do
    rm -rf "$WORK/run" && mkdir -p "$WORK/run/out"
    if [ -n "$setup" ]; then bash -c "cd '$WORK/run' && $setup" > /dev/null 2>&1 || { echo "$workload/$tool: setup failed"; continue; }; fi
    /usr/bin/time -f '%e %M' -o "$WORK/time.txt" bash -c "cd '$WORK/run' && $command" > "$WORK/stdout.txt" 2> "$WORK/stderr.txt" \
      || { echo "$workload/$tool failed:"; tail -5 "$WORK/stderr.txt"; cat "$WORK/time.txt"; continue; }
    read -r seconds kb < <(tail -1 "$WORK/time.txt")
    lines="$(wc -l < "$WORK/run/$output")"
    printf '%s\t%s\t%s\t%s\t%.1f\t%s\n' "$workload" "$tool" "$round" "$seconds" "$(echo "$kb / 1024" | bc -l)" "$lines" | tee -a "$RESULTS"
  done
}

CSV="$WORK/items-$ROWS.csv"; SHUFFLED="$WORK/items-$ROWS-shuffled.csv"
run_xeroflow() { # PIPELINE CSV
  echo "cp '$HERE/$1' p.yaml && ln -s '$2' items.csv && '$BIN' run p.yaml --state state.sqlite"
}
measure map xeroflow out/lines.jsonl "$(run_xeroflow map.yaml "$CSV")"
# The same run again over its own output and state store: every record read, keyed against the
# old file and found unchanged (a full refresh of an unchanged source). No peer keeps such state.
measure map-rerun xeroflow out/lines.jsonl "'$BIN' run p.yaml --state state.sqlite" "$(run_xeroflow map.yaml "$CSV")"
# The map on a wide export (20 columns into 14 fields; xeroflow only).
WIDE="$WORK/items-$ROWS-wide.csv"
[ -f "$WIDE" ] || awk -F, 'NR==1{print $0",region,channel,currency,tax_type,account,tracking1,tracking2,warehouse,rep,terms,ref,memo"; next}
  {print $0",EU,web,EUR,OUTPUT2,200,North,Retail,W1,R"NR%50",NET30,REF"NR",memo "NR}' "$CSV" > "$WIDE"
measure map-wide xeroflow out/lines.jsonl "$(run_xeroflow map-wide.yaml "$WIDE")"
[[ ",$PEERS," == *",python,"* ]] && measure map python out.jsonl "python3 '$HERE/peer_python.py' map '$CSV' out.jsonl"
[[ ",$PEERS," == *",jq,"* ]] && measure map jq out.jsonl "tail -n +2 '$CSV' | jq -R -c -f '$HERE/map.jq' > out.jsonl"
[[ ",$PEERS," == *",meltano,"* ]] && measure map meltano out.jsonl "python3 '$HERE/singer_emit.py' '$CSV' | '$VENV/meltano-map/bin/meltano-map-transform' --config '$HERE/meltano-map.json' | '$VENV/target-jsonl/bin/target-jsonl' --config <(echo '{\"destination_path\": \".\", \"do_timestamp_file\": false}') > /dev/null && mv items.jsonl out.jsonl"
measure group xeroflow out/invoices.jsonl "$(run_xeroflow group.yaml "$CSV")"
[[ ",$PEERS," == *",python,"* ]] && measure group python out.jsonl "python3 '$HERE/peer_python.py' group '$CSV' out.jsonl"
[[ ",$PEERS," == *",jq,"* ]] && measure group jq out.jsonl "jq -R -s -c -f '$HERE/group.jq' '$CSV' > out.jsonl"
measure group-unsorted xeroflow out/invoices.jsonl "$(run_xeroflow group-unsorted.yaml "$SHUFFLED")"
[[ ",$PEERS," == *",python,"* ]] && measure group-unsorted python out.jsonl "python3 '$HERE/peer_python.py' group '$SHUFFLED' out.jsonl"
echo "results: $RESULTS"
python3 "$HERE/summary.py" "$RESULTS"
