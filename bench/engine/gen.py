#!/usr/bin/env python3
"""Order items for the engine benchmark: ROWS rows of
order_id,line,customer,date,sku,description,qty,unit_price — orders of 1 to 8 lines, sorted by
order (as an export by order is), prices with cents. No field needs CSV quoting, so jq can split
lines on commas. `--shuffle` writes the same rows with orders interleaved (not sorted).

Usage: gen.py ROWS OUT.csv [--shuffle] [--seed N]
"""
import random
import sys

def main():
    rows, out = int(sys.argv[1]), sys.argv[2]
    shuffle = "--shuffle" in sys.argv
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20261207
    rnd = random.Random(seed)
    records = []
    order = 0
    while len(records) < rows:
        order += 1
        customer = f"C{rnd.randrange(1, 5000):05d}"
        date = f"2026-{rnd.randrange(1, 13):02d}-{rnd.randrange(1, 29):02d}"
        for line in range(1, rnd.randrange(1, 9) + 1):
            if len(records) == rows:
                break
            sku = f"sku-{rnd.randrange(1, 2000):04d}"
            records.append(f"SO{order:07d},{line},{customer},{date},{sku},Item {sku} for order {order},"
                           f"{rnd.randrange(1, 20)},{rnd.randrange(1, 50000) / 100:.2f}\n")
    if shuffle:
        # Interleave orders: split into blocks of 1,000 rows and deal them out round-robin.
        blocks = [records[i:i + 1000] for i in range(0, len(records), 1000)]
        half = len(blocks) // 2
        records = [r for pair in zip(blocks[:half], blocks[half:]) for b in pair for r in b] + \
                  [r for b in blocks[2 * half:] for r in b]
    with open(out, "w") as f:
        f.write("order_id,line,customer,date,sku,description,qty,unit_price\n")
        f.writelines(records)

if __name__ == "__main__":
    main()
