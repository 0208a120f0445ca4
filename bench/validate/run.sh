#!/usr/bin/env bash
# Benchmark: `xeroflow validate` and `xeroflow schema validate` against check-jsonschema (PyPI),
# on generated pipeline files. Never run by CI. See bench/README.md.
#
#   bash bench/validate/run.sh                 # 1,000 files, 10 timed runs per command
#   N=200 RUNS=5 bash bench/validate/run.sh    # a quicker look
#
# Environment: SKIP_BUILD=1 (time the binary already in .build-release), N (files, default 1000), RUNS (timed runs per command, min 10 by default),
# WARMUP (default 2), SINGLE_RUNS (default 30), SEED, CJ_VERSION (check-jsonschema to install),
# OUT (where the generated files go, default /tmp/xeroflow-bench).
# Results (hyperfine JSON exports and a Markdown summary) go to bench/results/ (gitignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

N="${N:-1000}"
RUNS="${RUNS:-10}"
WARMUP="${WARMUP:-2}"
SINGLE_RUNS="${SINGLE_RUNS:-30}"
SEED="${SEED:-20261123}"
CJ_VERSION="${CJ_VERSION:-0.39.0}"
OUT="${OUT:-/tmp/xeroflow-bench}"
SCHEMA="schemas/pipeline.schema.json"
SCRATCH="$ROOT/.build-release"
RESULTS="$ROOT/bench/results"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"
SUMMARY="$RESULTS/validate-$STAMP.md"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
STARTED="$(date -u '+%Y-%m-%d %H:%M UTC')"

say() { printf '\n== %s\n' "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------
XF="$SCRATCH/release/xeroflow"
BUILD_INFO="$SCRATCH/xeroflow-bench-build.txt"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -x "$XF" ]; then
    say "building xeroflow (release, scratch path $SCRATCH; several minutes from cold on 2 cores)"
    swift build -c release --scratch-path "$SCRATCH" --product xeroflow 2>&1 | tail -n 2 >&2
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- Sources Package.swift || echo ' + uncommitted changes in Sources/Package.swift'), built $(date -u '+%Y-%m-%d %H:%M UTC')" > "$BUILD_INFO"
fi

if [ ! -x bench/.venv/bin/check-jsonschema ] || ! bench/.venv/bin/check-jsonschema --version | grep -q "$CJ_VERSION"; then
    say "installing check-jsonschema $CJ_VERSION into bench/.venv"
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet "check-jsonschema==$CJ_VERSION"
fi
CJ="$ROOT/bench/.venv/bin/check-jsonschema"

if ! command -v hyperfine >/dev/null; then
    say "installing hyperfine (Debian)"
    apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi

# --- machine facts ----------------------------------------------------------------------------
facts() {
    echo "- date: $STARTED to $(date -u '+%H:%M UTC')"
    echo "- xeroflow binary: $(cat "$BUILD_INFO" 2>/dev/null || echo 'built from an unrecorded tree')"
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), nproc $(nproc)"
    echo "- memory: $(free -g | awk '/^Mem:/ {print $2}') GiB"
    echo "- load average (1/5/15 min) before: $LOAD_BEFORE"
    echo "- xeroflow: $("$XF" --version) (release build), $(swift --version 2>&1 | head -n1)"
    echo "- check-jsonschema: $("$CJ" --version | awk '{print $NF}') on $("$ROOT/bench/.venv/bin/python" --version)"
    echo "- hyperfine: $(hyperfine --version | awk '{print $2}'), $WARMUP warmups, $RUNS runs ($SINGLE_RUNS for one file)"
}

# --- files ------------------------------------------------------------------------------------
say "generating $N pipeline files (seed $SEED) into $OUT"
python3 bench/validate/generate.py -n "$N" --seed "$SEED" --out "$OUT/pipelines" --errors >&2
VALID="$OUT/pipelines"
ERRORS="$OUT/pipelines-errors"
# The file of median size stands for "one file" (CI jobs that validate per file).
ONE="$(ls -S "$VALID"/*.yaml | sed -n "$(( (N + 1) / 2 ))p")"

# --- correctness: the three commands see the same instances and agree -------------------------
say "checking that every tool agrees on the valid set and on the error variant"
"$XF" validate --strict --quiet "$VALID" || { echo "xeroflow validate --strict found problems in the valid set: fix generate.py" >&2; exit 1; }
"$XF" schema validate --schema "$SCHEMA" "$VALID"/*.yaml >/dev/null || { echo "xeroflow schema validate rejects the valid set" >&2; exit 1; }
"$CJ" --schemafile "$SCHEMA" "$VALID"/*.yaml >/dev/null || { echo "check-jsonschema rejects the valid set" >&2; exit 1; }

"$XF" validate --format json "$ERRORS" > "$RESULTS/errors-validate.json" || true
"$XF" schema validate --schema "$SCHEMA" --format json "$ERRORS"/*.yaml > "$RESULTS/errors-schema.jsonl" || true
"$CJ" --schemafile "$SCHEMA" -o json "$ERRORS"/*.yaml > "$RESULTS/errors-cj.json" || true
COUNTS="$(python3 - "$RESULTS" "$ERRORS/manifest.json" <<'PY'
import json, os, sys
res, manifest = sys.argv[1], json.load(open(sys.argv[2]))["errors"]
base = os.path.basename
full = {base(d["file"]) for d in json.load(open(f"{res}/errors-validate.json"))["diagnostics"] if d["severity"] == "error"}
schema = {base(r["instance"]) for r in map(json.loads, open(f"{res}/errors-schema.jsonl")) if not r["valid"]}
cj = json.load(open(f"{res}/errors-cj.json"))
cjf = {base(e["filename"]) for e in cj["errors"]} | {base(e["filename"]) for e in cj.get("parse_errors", [])}
want_all = set(manifest)
want_schema = {f for f, e in manifest.items() if e["schema"]}
print(f"- error variant: {len(want_all)} files broken on purpose, "
      f"{len(want_schema)} of them visible to a schema validator (the rest only to semantic checks)")
print(f"- files flagged invalid: xeroflow validate {len(full)}, xeroflow schema validate {len(schema)}, check-jsonschema {len(cjf)}")
ok = full == want_all and schema == want_schema and cjf == want_schema
if not ok:
    print(f"- MISMATCH: validate missed {sorted(want_all - full)[:5]}, extra {sorted(full - want_all)[:5]}; "
          f"schema-only tools differ on {sorted(schema ^ cjf)[:5]}")
    sys.exit(1)
print("- the two schema validators flag exactly the same files; xeroflow validate flags every broken file")
PY
)" || { echo "$COUNTS" >&2; echo "the tools disagree: see above" >&2; exit 1; }
echo "$COUNTS" >&2

# --- timings ----------------------------------------------------------------------------------
HF=(hyperfine --warmup "$WARMUP" --style basic)
say "timing $N valid files"
"${HF[@]}" --runs "$RUNS" --export-json "$RESULTS/valid.json" \
    -n "xeroflow validate (full)" "$XF validate --quiet $VALID" \
    -n "xeroflow schema validate" "$XF schema validate --schema $SCHEMA $VALID/*.yaml >/dev/null" \
    -n "check-jsonschema" "$CJ --schemafile $SCHEMA $VALID/*.yaml >/dev/null" >&2

say "timing $N files, ~10% with errors (exit codes ignored)"
"${HF[@]}" --runs "$RUNS" -i --export-json "$RESULTS/errors.json" \
    -n "xeroflow validate (full)" "$XF validate $ERRORS >/dev/null" \
    -n "xeroflow schema validate" "$XF schema validate --schema $SCHEMA $ERRORS/*.yaml >/dev/null" \
    -n "check-jsonschema" "$CJ --schemafile $SCHEMA $ERRORS/*.yaml >/dev/null" >&2

say "timing one file ($(basename "$ONE"), $(wc -c < "$ONE") bytes)"
"${HF[@]}" --runs "$SINGLE_RUNS" -N --export-json "$RESULTS/single.json" \
    -n "xeroflow validate (full)" "$XF validate --quiet $ONE" \
    -n "xeroflow schema validate" "$XF schema validate --schema $SCHEMA $ONE" \
    -n "check-jsonschema" "$CJ --schemafile $SCHEMA $ONE" >&2

# --- summary ----------------------------------------------------------------------------------
{
    echo "# xeroflow validate vs check-jsonschema ($STAMP)"
    echo
    facts
    echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$COUNTS"
    echo
    python3 - "$RESULTS" "$N" <<'PY'
import json, sys
res, n = sys.argv[1], sys.argv[2]
def load(name):
    return {r["command"]: r for r in json.load(open(f"{res}/{name}.json"))["results"]}
def fmt(r):
    m, s = r["mean"], r["stddev"] or 0.0
    return f"{m * 1000:,.1f} ± {s * 1000:,.1f} ms" if m < 1 else f"{m:,.2f} ± {s:,.2f} s"
print("| workload | xeroflow validate (full) | xeroflow schema validate | check-jsonschema | ratio cj / validate | ratio cj / schema validate |")
print("| --- | --- | --- | --- | --- | --- |")
for name, label in [("valid", f"{n} valid files, one process"), ("errors", f"{n} files, ~10% invalid, one process"),
                    ("single", "one file (median size)")]:
    r = load(name)
    full, schema, cj = r["xeroflow validate (full)"], r["xeroflow schema validate"], r["check-jsonschema"]
    print(f"| {label} | {fmt(full)} | {fmt(schema)} | {fmt(cj)} | "
          f"{cj['mean'] / full['mean']:.1f}× | {cj['mean'] / schema['mean']:.1f}× |")
PY
} > "$SUMMARY"
say "summary ($SUMMARY)"
cat "$SUMMARY"
