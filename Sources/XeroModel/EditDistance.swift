/// Edit distances for did-you-mean hints.
enum EditDistance {
    /// The Damerau–Levenshtein distance: insertions, deletions, substitutions and transpositions
    /// of adjacent characters, where a transposed pair may also be edited around (unlike the
    /// optimal-string-alignment variant, "CA" → "ABC" is 2, not 3).
    static func damerauLevenshtein(_ a: [Character], _ b: [Character]) -> Int {
        let n = a.count, m = b.count
        if n == 0 { return m }
        if m == 0 { return n }
        let infinity = n + m
        let width = m + 2
        // d[(i + 1) * width + (j + 1)] is the distance between a[..<i] and b[..<j].
        var d = [Int](repeating: 0, count: (n + 2) * width)
        d[0] = infinity
        for i in 0...n {
            d[(i + 1) * width] = infinity
            d[(i + 1) * width + 1] = i
        }
        for j in 0...m {
            d[j + 1] = infinity
            d[width + j + 1] = j
        }
        var lastRowOf: [Character: Int] = [:]
        for i in 1...n {
            var lastMatchingColumn = 0
            for j in 1...m {
                let i1 = lastRowOf[b[j - 1]] ?? 0
                let j1 = lastMatchingColumn
                let cost: Int
                if a[i - 1] == b[j - 1] {
                    cost = 0
                    lastMatchingColumn = j
                } else {
                    cost = 1
                }
                d[(i + 1) * width + (j + 1)] = min(
                    d[i * width + j] + cost,                      // substitution
                    d[(i + 1) * width + j] + 1,                   // insertion
                    d[i * width + (j + 1)] + 1,                   // deletion
                    d[i1 * width + j1] + (i - i1 - 1) + 1 + (j - j1 - 1)  // transposition
                )
            }
            lastRowOf[a[i - 1]] = i
        }
        return d[(n + 1) * width + (m + 1)]
    }
}
