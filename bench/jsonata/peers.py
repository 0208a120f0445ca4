#!/usr/bin/env python3
"""Times the peer JSONata engines (PyPI) on the benchmark mappings, parse and evaluation apart.

    bench/.venv/bin/python bench/jsonata/peers.py --data invoices.json [--n 20] [--parse-n 200]
        [--warmup 3] [--out DIR] [--engines jsonatapy,jsonata-rs,jsonata-python] a.jsonata ...

Prints one JSON object per (engine, mapping) on stdout, in the same shape as ExpressionBench.
Each engine runs in its own child process: jsonata-rs and jsonata-python both install a
top-level package named `jsonata`, so run.sh installs each of them into its own folder
(bench/.venv/peers/<engine>, `pip install --target`) and the child puts that folder first on
sys.path. jsonatapy (import name `jsonatapy`) lives in bench/.venv itself.

What is timed (time.perf_counter_ns, one reading per iteration; warmups untimed):
- parse: jsonatapy.compile(text); jsonata.Jsonata(text) for jsonata-rs and jsonata-python.
  All three compile once and evaluate many times, so parse and evaluation separate cleanly.
- eval, per engine, every path its API offers (the table takes the fastest):
  - jsonatapy `with_data`: evaluate_with_data(JsonataData) - input converted to the engine's
    own values once, before timing; result returned as Python objects.
  - jsonatapy `data_to_json`: evaluate_data_to_json(JsonataData) - same input, result as JSON text.
  - jsonatapy `dict`: evaluate(dict) - converts the Python input on every call.
  - jsonata-rs `dict`: Jsonata.evaluate(dict) - its only path: converts the Python input to Rust
    values and the result back on every call, and these cannot be timed apart.
  - jsonata-python `dict`: Jsonata.evaluate(dict) - pure Python on the Python objects
    (with its default input validation on).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "..", ".venv", "peers")
ENGINES = ["jsonatapy", "jsonata-rs", "jsonata-python"]


def summary(ns):
    ms = [x / 1e6 for x in ns]
    return {
        "n": len(ms),
        "median_ms": statistics.median(ms),
        "mean_ms": statistics.fmean(ms),
        "stddev_ms": statistics.stdev(ms) if len(ms) > 1 else 0.0,
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


def timed(fn, n, warmup):
    result = None
    for _ in range(warmup):
        result = fn()
    ns = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t = clock()
        result = fn()
        ns.append(clock() - t)
    return summary(ns), result


def engine_api(engine, data):
    """(version, compile, {path: evaluate(compiled)}, note) for one engine."""
    if engine == "jsonatapy":
        import jsonatapy
        prepared = jsonatapy.JsonataData(data)
        paths = {
            "with_data": lambda e: e.evaluate_with_data(prepared),
            "data_to_json": lambda e: e.evaluate_data_to_json(prepared),
            "dict": lambda e: e.evaluate(data),
        }
        version = f"{jsonatapy.__version__} (JSONata {jsonatapy.__jsonata_version__})"
        return version, jsonatapy.compile, paths, "Rust (PyO3); with_data: input pre-converted once, untimed"
    sys.path.insert(0, os.path.join(PEERS, engine))
    import importlib.metadata
    import jsonata
    if not os.path.abspath(jsonata.__file__).startswith(os.path.abspath(os.path.join(PEERS, engine))):
        raise SystemExit(f"peers.py: imported jsonata from {jsonata.__file__}, not {PEERS}/{engine}")
    version = importlib.metadata.version(engine)
    if engine == "jsonata-rs":
        note = "Rust port of jsonata-java (PyO3); eval includes Python<->Rust conversion of input and result"
    else:
        note = "pure Python port of jsonata-java"
    return version, jsonata.Jsonata, {"dict": lambda e: e.evaluate(data)}, note


def run_engine(engine, a):
    with open(a.data, "rb") as f:
        data = json.load(f)
    version, compile_, paths, note = engine_api(engine, data)
    for path in a.mappings:
        name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        parse, compiled = timed(lambda: compile_(text), a.parse_n, a.warmup)
        evals, results = {}, {}
        for label, fn in paths.items():
            evals[label], results[label] = timed(lambda: fn(compiled), a.n, a.warmup)
        best = min(evals, key=lambda k: evals[k]["median_ms"])
        if a.out:
            os.makedirs(os.path.join(a.out, engine), exist_ok=True)
            result = results["with_data" if "with_data" in results else "dict"]
            with open(os.path.join(a.out, engine, name + ".json"), "w", encoding="utf-8") as f:
                json.dump(result, f, ensure_ascii=False)
        print(json.dumps({
            "engine": engine, "version": version, "mapping": name, "parse": parse,
            "eval": evals[best], "eval_path": best, "eval_paths": evals, "warmup": a.warmup, "note": note,
        }), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--n", type=int, default=20, help="timed evaluations per path (default 20)")
    ap.add_argument("--parse-n", type=int, default=200, help="timed compiles (default 200)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--out", help="write each engine's results to OUT/<engine>/<mapping>.json")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--engine", help=argparse.SUPPRESS)  # child process: one engine
    ap.add_argument("mappings", nargs="+")
    a = ap.parse_args()
    if a.engine:
        run_engine(a.engine, a)
        return
    for engine in a.engines.split(","):
        if engine not in ENGINES:
            raise SystemExit(f"peers.py: unknown engine {engine}")
        print(f"peers.py: {engine}", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, os.path.abspath(__file__), "--engine", engine] + sys.argv[1:], check=True)


if __name__ == "__main__":
    main()
