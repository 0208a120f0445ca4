#!/usr/bin/env python3
"""Writes the input for the JSONata benchmark: invoices as a source system exports them.

    python3 bench/jsonata/data.py [-n 1000] [--seed 20261123] [--out FILE]   # default: stdout

Standard library only, deterministic for a given seed and count. The document is
{"invoices": [...]}; each invoice has invoice_number, customer {id, name, email}, issue_date and
due_date ("YYYY-MM-DD"), currency (the customer's), status, an optional reference and 1-8 lines
{sku, description, qty, unit_price, tax_rate, account}. Amounts have two decimals; quantities
are whole except for hours, which come in tenths. See bench/README.md.
"""
import argparse
import datetime
import json
import random
import sys

FIRST = ["Aroha", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hemi", "Isla", "Jack", "Kiri", "Liam",
         "Mia", "Noah", "Olivia", "Priya", "Quinn", "Ruby", "Sam", "Tama", "Uma", "Vik", "Wiremu", "Zoe"]
TRADE = ["Plumbing", "Electrical", "Landscaping", "Joinery", "Roofing", "Catering", "Cleaning", "Consulting",
         "Design", "Logistics", "Printing", "Security", "Signage", "Tiling", "Painting", "Glazing"]
SUFFIX = ["Ltd", "Limited", "& Co", "Group", "Partners", "Services", "Holdings", "Trust"]
CURRENCIES = [("NZD", 60), ("AUD", 20), ("USD", 10), ("GBP", 6), ("EUR", 4)]
STATUSES = [("draft", 15), ("submitted", 10), ("authorised", 50), ("paid", 20), ("voided", 5)]
# sku, description, unit price range, account code, unit ("h" for hours: quantities in tenths)
CATALOG = [
    ("LAB-STD", "Labour, standard rate", (65, 95), "200", "h"),
    ("LAB-AH", "Labour, after hours", (110, 160), "200", "h"),
    ("CONS-HR", "Consulting", (150, 260), "200", "h"),
    ("TRAVEL", "Travel and mileage", (0.85, 1.10), "260", "km"),
    ("MAT-PIPE", "Copper pipe 15 mm, per metre", (9.5, 14.9), "300", "m"),
    ("MAT-CABLE", "TPS cable 2.5 mm, 100 m roll", (139, 189), "300", ""),
    ("MAT-PAINT", "Exterior paint, 10 L", (189, 269), "300", ""),
    ("MAT-TILE", "Porcelain tiles, per square metre", (39, 119), "300", "m2"),
    ("HIRE-SCAF", "Scaffold hire, per day", (85, 140), "270", "d"),
    ("HIRE-VAN", "Van hire, per day", (95, 150), "270", "d"),
    ("SUB-COUNCIL", "Council consent fee (disbursement)", (250, 1800), "310", ""),
    ("SUPPORT-M", "Monthly support plan", (99, 499), "200", ""),
    ("LIC-SAAS", "Software licence, per seat", (12, 45), "210", "seat"),
    ("FREIGHT", "Freight", (15, 120), "260", ""),
]


def weighted(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def money(rng, lo, hi):
    """An amount with two decimals, as the nearest float (so it prints as e.g. 12.5, 19.99)."""
    cents = rng.randint(round(lo * 100), round(hi * 100))
    return round(cents / 100, 2)


def customers(rng, count):
    out, seen = [], set()
    while len(out) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(TRADE)} {rng.choice(SUFFIX)}"
        if name in seen:
            continue
        seen.add(name)
        slug = "".join(c for c in name.lower() if c.isalnum())[:18]
        out.append({
            "id": f"C{10000 + len(out):05d}",
            "name": name,
            "email": f"accounts@{slug}.example",
            "currency": weighted(rng, CURRENCIES),
        })
    return out


def invoice(rng, i, cust, start):
    issued = start + datetime.timedelta(days=rng.randint(0, 364))
    due = issued + datetime.timedelta(days=rng.choice([7, 14, 20, 30, 30, 45]))
    lines = []
    for _ in range(rng.randint(1, 8)):
        sku, desc, (lo, hi), account, unit = rng.choice(CATALOG)
        if unit == "h":
            qty = rng.randint(5, 160) / 10  # tenths of an hour
            qty = int(qty) if qty == int(qty) else qty
        elif unit == "km":
            qty = rng.randint(10, 600)
        else:
            qty = rng.choice([1, 1, 1, 2, 3, 4, 5, 10, 12, 20])
        tax = 0 if sku == "SUB-COUNCIL" or cust["currency"] != "NZD" and rng.random() < 0.7 else 0.15
        lines.append({"sku": sku, "description": desc, "qty": qty, "unit_price": money(rng, lo, hi),
                      "tax_rate": tax, "account": account})
    inv = {
        "invoice_number": f"S-{issued.year}-{i + 1:05d}",
        "customer": {"id": cust["id"], "name": cust["name"], "email": cust["email"]},
        "issue_date": issued.isoformat(),
        "due_date": due.isoformat(),
        "currency": cust["currency"],
        "status": weighted(rng, STATUSES),
    }
    if rng.random() < 0.6:
        inv["reference"] = f"PO-{rng.randint(1000, 99999)}"
    inv["lines"] = lines
    return inv


def generate(n, seed):
    rng = random.Random(seed)
    custs = customers(rng, max(1, n // 7))  # ~7 invoices per customer, unevenly
    weights = [rng.paretovariate(1.5) for _ in custs]
    start = datetime.date(2026, 1, 1)
    return {"invoices": [invoice(rng, i, rng.choices(custs, weights=weights)[0], start) for i in range(n)]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="number of invoices (default 1000)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--out", help="output file (default: stdout)")
    a = ap.parse_args()
    text = json.dumps(generate(a.n, a.seed), indent=1, ensure_ascii=False) + "\n"
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
