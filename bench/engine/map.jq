# The per-record map in jq (jq -R -c -f map.jq, header line skipped by the caller). jq's numbers
# are doubles: 3 * 0.1 comes out as 0.30000000000000004, where the others are exact.
split(",") as $f
| { InvoiceNumber: ("INV-" + $f[0]), LineNumber: ($f[1] | tonumber), Contact: $f[2], Date: $f[3],
    ItemCode: ($f[4] | ascii_upcase), Description: $f[5], Quantity: ($f[6] | tonumber),
    UnitAmount: ($f[7] | tonumber), LineAmount: (($f[6] | tonumber) * ($f[7] | tonumber)) }
