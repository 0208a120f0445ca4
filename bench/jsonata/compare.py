#!/usr/bin/env python3
"""Checks that every engine produced the same result for every mapping.

    python3 bench/jsonata/compare.py DIR [--reference xeroflow]

DIR holds one folder per engine (xeroflow, jsonatapy, ...), each with <mapping>.json. Each
engine's result is compared with the reference's: same structure, same strings, booleans and
nulls, same object members (and member order, reported apart). Numbers may differ only as IEEE
binary floating point differs from our exact decimals, and every such difference is printed:
- "ulp": relative difference at most 1e-12 (e.g. 1782.7500000000002 against 1782.75);
- "cent": after $round(x, 2), one cent apart, where the binary product or sum fell on the other
  side of a half cent.
Anything else is a mismatch: exit status 1. Standard library only.
"""
import argparse
import json
import math
import os
import sys

MAX_PRINT = 8


def walk(a, b, path, out):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        if type(a) is not type(b) or a != b:
            out["mismatch"].append((path, a, b))
        return
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if a == b:
            return
        diff = abs(a - b)
        if diff <= 1e-12 * max(abs(a), abs(b)):
            out["ulp"].append((path, a, b))
        elif math.isclose(diff, 0.01, rel_tol=1e-6):
            out["cent"].append((path, a, b))
        else:
            out["mismatch"].append((path, a, b))
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out["mismatch"].append((path + ".length", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, f"{path}[{i}]", out)
        return
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            if set(a) == set(b):
                out["order"].append((path, list(a), list(b)))
            else:
                out["mismatch"].append((path + " keys", sorted(set(a) - set(b)), sorted(set(b) - set(a))))
        for k in a:
            if k in b:
                walk(a[k], b[k], f"{path}.{k}", out)
        return
    out["mismatch"].append((path, type(a).__name__, type(b).__name__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--reference", default="xeroflow")
    a = ap.parse_args()
    ref_dir = os.path.join(a.dir, a.reference)
    mappings = sorted(f for f in os.listdir(ref_dir) if f.endswith(".json"))
    engines = sorted(e for e in os.listdir(a.dir) if e != a.reference and os.path.isdir(os.path.join(a.dir, e)))
    failed = False
    for m in mappings:
        with open(os.path.join(ref_dir, m), encoding="utf-8") as f:
            ref = json.load(f)
        size = len(ref) if isinstance(ref, list) else 1
        for e in engines:
            p = os.path.join(a.dir, e, m)
            if not os.path.exists(p):
                print(f"- {m[:-5]}: {e}: no result")
                failed = True
                continue
            with open(p, encoding="utf-8") as f:
                other = json.load(f)
            out = {"mismatch": [], "ulp": [], "cent": [], "order": []}
            walk(ref, other, "$", out)
            counts = ", ".join(f"{len(v)} {k}" for k, v in out.items() if v) or "identical"
            verdict = "DIFFERENT" if out["mismatch"] else "same"
            print(f"- {m[:-5]}: {e} vs {a.reference}: {verdict} ({size} items; {counts})")
            for kind in ["mismatch", "cent", "ulp", "order"]:
                for path, x, y in out[kind][:MAX_PRINT]:
                    print(f"    {kind}: {path}: {a.reference} {json.dumps(x)}, {e} {json.dumps(y)}")
                if len(out[kind]) > MAX_PRINT:
                    print(f"    {kind}: … {len(out[kind]) - MAX_PRINT} more")
            failed |= bool(out["mismatch"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
