#!/usr/bin/env python3
"""The hand-written Python equivalents (csv and json modules, Decimal for exact amounts).

Usage: peer_python.py map|group IN.csv OUT.jsonl
The group holds every order in a dict until the end (input order need not be sorted), as the
pipeline's unsorted group does; the sorted pipeline's equivalent would be itertools.groupby.
"""
import csv
import json
import sys
from decimal import Decimal

def dumps(o):
    # Decimals written exactly: json has no hook for writing a number's text, so amounts go out
    # as strings (the nearest exact form the standard library offers).
    return json.dumps(o, separators=(",", ":"), default=str)

def line(r):
    qty, price = Decimal(r["qty"]), Decimal(r["unit_price"])
    return {"ItemCode": r["sku"].upper(), "Description": r["description"], "Quantity": int(r["qty"]),
            "UnitAmount": price, "LineAmount": qty * price}

def main():
    mode, src, dst = sys.argv[1:4]
    with open(src, newline="") as f, open(dst, "w") as out:
        reader = csv.DictReader(f)
        if mode == "map":
            for r in reader:
                qty, price = Decimal(r["qty"]), Decimal(r["unit_price"])
                out.write(dumps({"InvoiceNumber": "INV-" + r["order_id"], "LineNumber": int(r["line"]), "Contact": r["customer"],
                                 "Date": r["date"], "ItemCode": r["sku"].upper(), "Description": r["description"],
                                 "Quantity": int(r["qty"]), "UnitAmount": price, "LineAmount": qty * price}) + "\n")
        else:
            orders = {}
            for r in reader:
                orders.setdefault(r["order_id"], []).append(r)
            for order, rows in orders.items():
                lines = [line(r) for r in rows]
                out.write(dumps({"InvoiceNumber": "INV-" + order, "Contact": rows[0]["customer"], "Date": rows[0]["date"],
                                 "LineItems": lines, "Total": sum((l["LineAmount"] for l in lines), Decimal(0))}) + "\n")

if __name__ == "__main__":
    main()
