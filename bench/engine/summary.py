#!/usr/bin/env python3
"""Summarises a run.sh results file: median seconds and peak memory per workload and tool, and
each peer's time over xeroflow's (how many times faster xeroflow is)."""
import csv
import statistics
import sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault((r["workload"], r["tool"]), []).append(r)
print("| workload | tool | seconds (median) | peak MB | output lines | peer ÷ xeroflow |")
print("|---|---|---:|---:|---:|---:|")
for (workload, tool), rs in by.items():
    secs = statistics.median(float(r["seconds"]) for r in rs)
    peak = max(float(r["peak_mb"]) for r in rs)
    ours = by.get((workload, "xeroflow"))
    ratio = ""
    if ours and tool != "xeroflow":
        ratio = f"{secs / statistics.median(float(r['seconds']) for r in ours):.1f}×"
    print(f"| {workload} | {tool} | {secs:.2f} | {peak:.0f} | {rs[0]['output_lines']} | {ratio} |")
