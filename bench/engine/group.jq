# The merge in jq (jq -R -s -c -f group.jq): the whole file is read as one string, split into
# rows, grouped by order (group_by sorts by the key; the input is sorted by order, so the order
# of invoices is the same), then each order written. Doubles, as map.jq.
split("\n")[1:]
| map(select(length > 0) | split(","))
| group_by(.[0])[]
| . as $rows
| ($rows | map({ ItemCode: (.[4] | ascii_upcase), Description: .[5], Quantity: (.[6] | tonumber),
                 UnitAmount: (.[7] | tonumber), LineAmount: ((.[6] | tonumber) * (.[7] | tonumber)) })) as $lines
| { InvoiceNumber: ("INV-" + $rows[0][0]), Contact: $rows[0][2], Date: $rows[0][3], LineItems: $lines,
    Total: ($lines | map(.LineAmount) | add) }
