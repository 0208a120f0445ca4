/// A set of 64-bit hashes (already mixed: they index the table as they are), open addressing
/// with linear probing. A `Set<Int>` would hash each hash again.
package struct HashSet64 {
    private var slots: [UInt64] = Array(repeating: 0, count: 1_024)
    private var count = 0
    /// Whether 0 (the empty slot's mark) was inserted.
    private var hasZero = false

    package init() {}

    /// Inserts `h`; false when it was there already.
    package mutating func insert(_ h: UInt64) -> Bool {
        if h == 0 {
            defer { hasZero = true }
            return !hasZero
        }
        if (count + 1) * 4 > slots.count * 3 { grow() }
        let inserted = slots.withUnsafeMutableBufferPointer { Self.place(h, in: $0) }
        if inserted { count += 1 }
        return inserted
    }

    /// Inserts each of `hs` in order; the positions of those that were there already (or
    /// earlier in `hs`). One tight loop over the table, so that the processor looks up many
    /// slots at once: a table of a million keys is far bigger than its caches.
    package mutating func insert(all hs: [UInt64]) -> [Int] {
        while (count + hs.count + 1) * 4 > slots.count * 3 { grow() }
        var repeats: [Int] = []
        var added = 0
        var zero = hasZero
        slots.withUnsafeMutableBufferPointer { table in
            for i in 0..<hs.count {
                let h = hs[i]
                if h == 0 {
                    if zero { repeats.append(i) }
                    zero = true
                } else if Self.place(h, in: table) {
                    added += 1
                } else {
                    repeats.append(i)
                }
            }
        }
        count += added
        hasZero = zero
        return repeats
    }

    @inline(__always)
    private static func place(_ h: UInt64, in table: UnsafeMutableBufferPointer<UInt64>) -> Bool {
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let v = table[i]
            if v == 0 { table[i] = h; return true }
            if v == h { return false }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() { slots = Self.doubled(slots) }

    /// A table of words (0: an empty slot) that each start their probe at their own low bits,
    /// moved into one of twice the size. (`KeyPositions` keeps its words so too.)
    static func doubled(_ words: [UInt64]) -> [UInt64] {
        var bigger = [UInt64](repeating: 0, count: words.count * 2)
        bigger.withUnsafeMutableBufferPointer { table in
            for h in words where h != 0 { _ = place(h, in: table) }
        }
        return bigger
    }
}
