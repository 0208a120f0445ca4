/// Did-you-mean: the candidate closest to a misspelt name, if any is close enough.
public enum Suggestion {
    /// A case-insensitive exact match first; otherwise the candidate with the smallest
    /// optimal-string-alignment distance, when that distance is at most `max(2, name.count / 3)`.
    public static func closest(to name: String, in candidates: some Sequence<String>) -> String? {
        let lower = name.lowercased()
        var best: (String, Int)? = nil
        let limit = max(2, name.count / 3)
        for c in candidates where c != name {
            if c.lowercased() == lower { return c }
            let d = distance(lower, c.lowercased(), limit: limit)
            if d <= limit, best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
        }
        if let best { return best.0 }
        // A truncated name (`$substr` for `$substring`): the shortest candidate it begins.
        guard name.count >= 3 else { return nil }
        return candidates.filter { $0.lowercased().hasPrefix(lower) && $0 != name }
            .min { ($0.count, $0) < ($1.count, $1) }
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    public static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if abs(a.count - b.count) > limit { return limit + 1 }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
            }
            swap(&prev2, &prev)
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
