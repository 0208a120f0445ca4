#!/usr/bin/env python3
"""A CSV emitter speaking Singer (the role tap-csv plays): a SCHEMA message, then one RECORD
message per row, on standard output, for meltano-map-transform | target-jsonl.

Usage: singer_emit.py IN.csv
"""
import csv
import json
import sys

FIELDS = ["order_id", "line", "customer", "date", "sku", "description", "qty", "unit_price"]

def main():
    out = sys.stdout
    out.write(json.dumps({"type": "SCHEMA", "stream": "items", "key_properties": ["order_id", "line"],
                          "schema": {"type": "object", "properties": {f: {"type": "string"} for f in FIELDS}}}) + "\n")
    with open(sys.argv[1], newline="") as f:
        for r in csv.DictReader(f):
            out.write(json.dumps({"type": "RECORD", "stream": "items", "record": r}) + "\n")

if __name__ == "__main__":
    main()
