#!/usr/bin/env python3
"""Turns the JSON lines written by ExpressionBench and peers.py into the Markdown table.

    python3 bench/jsonata/summary.py RESULTS.jsonl

Per mapping: our parse and evaluation, each peer's parse and evaluation (median, ms; for a peer
with several evaluation paths, its fastest), and the ratio fastest peer evaluation / our
evaluation; the aim is a ratio of at least 2. Standard library only.
"""
import json
import sys

AIM = 2.0
PEERS = ["jsonatapy", "jsonata-rs", "jsonata-python"]


def ms(x):
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def main():
    rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
    by = {(r["engine"], r["mapping"]): r for r in rows}
    mappings = sorted({r["mapping"] for r in rows if r["engine"] == "xeroflow"})
    peers = [p for p in PEERS if any(r["engine"] == p for r in rows)]

    head = ["mapping", "xeroflow parse", "xeroflow eval"]
    for p in peers:
        head += [f"{p} parse", f"{p} eval"]
    head += ["fastest peer eval / xeroflow eval", "aim ≥ 2×"]
    print("Median milliseconds per call (mean in the JSON results).")
    print()
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for m in mappings:
        ours = by[("xeroflow", m)]
        cells = [m, ms(ours["parse"]["median_ms"]), ms(ours["eval"]["median_ms"])]
        best = None
        for p in peers:
            r = by.get((p, m))
            if not r:
                cells += ["–", "–"]
                continue
            e = r["eval"]["median_ms"]
            path = f" ({r['eval_path']})" if len(r.get("eval_paths", {})) > 1 else ""
            cells += [ms(r["parse"]["median_ms"]), ms(e) + path]
            if best is None or e < best[1]:
                best = (p, e)
        ratio = best[1] / ours["eval"]["median_ms"]
        cells += [f"**{ratio:.2f}×** ({best[0]})", "met" if ratio >= AIM else "**not met**"]
        print("| " + " | ".join(cells) + " |")

    print()
    print("Parse (compile) ratios, fastest peer / xeroflow: " + ", ".join(
        f"{m} {min(by[(p, m)]['parse']['median_ms'] for p in peers if (p, m) in by) / by[('xeroflow', m)]['parse']['median_ms']:.2f}×"
        for m in mappings))
    multi = [r for r in rows if len(r.get("eval_paths", {})) > 1]
    if multi:
        print()
        print("Every evaluation path of engines that offer several (median ms):")
        print()
        for r in multi:
            paths = ", ".join(f"{k} {ms(v['median_ms'])}" for k, v in r["eval_paths"].items())
            print(f"- {r['engine']} {r['mapping']}: {paths}")


if __name__ == "__main__":
    main()
