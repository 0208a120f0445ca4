#!/usr/bin/env bash
# The idle scheduler: CPU and memory of `xeroflow schedule` with 100 pipelines loaded and none
# due, over a minute. Never run by CI. See bench/README.md.
#
#   bash bench/schedule/idle.sh                        # the release build in .build-release
#   BIN=.build/debug/xeroflow SECONDS_IDLE=60 bash bench/schedule/idle.sh
#
# CPU is read from /proc/PID/stat (utime + stime, in clock ticks) at the start and the end of the
# window; memory is VmRSS and VmHWM (peak) from /proc/PID/status at the end, split into anonymous
# and file-backed pages (RssAnon, RssFile), with the proportional set size from smaps_rollup.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${BIN:-$ROOT/.build-release/release/xeroflow}"
N="${N:-100}"
SECONDS_IDLE="${SECONDS_IDLE:-60}"
[ -x "$BIN" ] || { echo "no binary at $BIN: swift build -c release --scratch-path .build-release --product xeroflow" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
WORK="$(mktemp -d /tmp/xeroflow-schedule-idle.XXXXXX)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/pipelines/data"
printf 'id,name\n1,a\n' > "$WORK/pipelines/data/rows.csv"
# 100 pipelines, each daily at its own minute in its own zone: none fires during the window
# unless the window crosses one of those minutes (the script says so when it does).
zones=(UTC Europe/Paris Europe/London Australia/Sydney America/New_York Asia/Tokyo Pacific/Auckland America/Los_Angeles Europe/Berlin Asia/Singapore)
for i in $(seq 1 "$N"); do
  cat > "$WORK/pipelines/p$i.yaml" <<YAML
version: 1
name: p$i
schedule: { cron: "$(( i % 60 )) $(( (i / 60) + 2 )) * * *", timezone: ${zones[$(( i % 10 ))]} }
xero: { connection: sandbox }
sources:
  rows: { csv: data/rows.csv, key: id }
steps:
  out: { from: rows, map: { Id: id } }
targets:
  file_out: { from: out, file: out/p$i.jsonl, key: Id }
YAML
done
cd "$WORK"
"$BIN" schedule pipelines --listen 127.0.0.1:0 --log-level warning > out.txt 2> log.txt &
PID=$!
for _ in $(seq 1 100); do grep -q listening out.txt 2>/dev/null && break; sleep 0.1; done
grep -q listening out.txt || { echo "the scheduler did not start:"; cat log.txt; exit 1; }
sleep 2  # past start-up
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ="$(getconf CLK_TCK)"
t0="$(ticks)"; s0="$(date +%s.%N)"
sleep "$SECONDS_IDLE"
t1="$(ticks)"; s1="$(date +%s.%N)"
rss="$(awk '/VmRSS/ {print $2}' "/proc/$PID/status")"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")"
anon="$(awk '/RssAnon/ {print $2}' "/proc/$PID/status")"
file="$(awk '/RssFile/ {print $2}' "/proc/$PID/status")"
pss="$(awk '/^Pss:/ {print $2}' "/proc/$PID/smaps_rollup")"
runs="$(grep -c 'run starting' log.txt || true)"
python3 - "$t0" "$t1" "$s0" "$s1" "$HZ" "$rss" "$hwm" "$N" "$runs" "$BIN" "$anon" "$file" "$pss" <<'PY'
import sys
t0, t1, s0, s1, hz, rss, hwm, n, runs, binary, anon, file, pss = sys.argv[1:]
cpu = (float(t1) - float(t0)) / float(hz)
wall = float(s1) - float(s0)
print(f"binary: {binary}")
print(f"pipelines loaded: {n}; runs during the window: {runs}")
print(f"window: {wall:.1f} s; CPU: {cpu:.3f} s = {100 * cpu / wall:.3f} % of one core")
print(f"memory: RSS {int(rss) / 1024:.1f} MB, peak {int(hwm) / 1024:.1f} MB")
print(f"  of which anonymous (heap, stacks: the process's own) {int(anon) / 1024:.1f} MB, "
      f"file-backed (the binary and shared libraries' pages) {int(file) / 1024:.1f} MB; PSS {int(pss) / 1024:.1f} MB")
PY
