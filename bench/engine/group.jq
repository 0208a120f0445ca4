# The merge in jq (jq -R -n -c -f group.jq): every line is read, grouped by order in an object
# keyed by order (first-seen order kept), then each order written. Doubles, as map.jq.
reduce (inputs | select(startswith("order_id,") | not) | split(",")) as $f ({};
  .[$f[0]] += [$f])
| to_entries[]
| .value as $rows
| ($rows | map({ ItemCode: (.[4] | ascii_upcase), Description: .[5], Quantity: (.[6] | tonumber),
                 UnitAmount: (.[7] | tonumber), LineAmount: ((.[6] | tonumber) * (.[7] | tonumber)) })) as $lines
| { InvoiceNumber: ("INV-" + .key), Contact: $rows[0][2], Date: $rows[0][3], LineItems: $lines,
    Total: ($lines | map(.LineAmount) | add) }
