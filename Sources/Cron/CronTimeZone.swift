import Foundation

/// Resolves the time-zone names a schedule may use, and suggests one for a name that is not.
///
/// Only IANA identifiers are accepted: `Area/Location` names such as `Europe/Paris`,
/// `America/Argentina/Buenos_Aires` or `Etc/UTC` (matched case-sensitively, as the tz database
/// spells them), plus `UTC` and `GMT`. Abbreviations and POSIX-style names (`CET`, `EST`,
/// `PST8PDT`, `GMT+2`) are rejected even though Foundation accepts some of them: they are easy to
/// misread (`EST` never observes daylight saving time) and differ between platforms.
public enum CronTimeZone {
    /// The time zone named `name`, or nil when it is not an accepted IANA identifier.
    public static func resolve(_ name: String) -> TimeZone? {
        guard name == "UTC" || name == "GMT" || isAreaLocation(name) else { return nil }
        return TimeZone(identifier: name)
    }

    /// A did-you-mean for a name ``resolve(_:)`` rejects, or nil when it resolves or nothing is close.
    ///
    /// Tried in order: the same identifier in other letter case (`europe/paris`); an abbreviation
    /// Foundation maps to a zone (`CET` → `Europe/Paris`); the location part alone, with spaces for
    /// underscores (`New York` → `America/New_York`); then the identifier or location within a
    /// small edit distance (`Europe/Pars` → `Europe/Paris`).
    public static func suggestion(for name: String) -> String? {
        guard resolve(name) == nil else { return nil }
        let key = normalized(name)
        guard !key.isEmpty else { return nil }
        let candidates = identifiers
        if let match = candidates.first(where: { normalized($0) == key }) {
            return match
        }
        if let zone = TimeZone.abbreviationDictionary.first(where: { $0.key.uppercased() == name.uppercased() })?.value,
           resolve(zone) != nil {
            return zone
        }
        if let match = candidates.first(where: { normalized(location(of: $0)) == key }) {
            return match
        }
        let budget = max(1, min(3, key.count / 4))
        var best: (distance: Int, identifier: String)? = nil
        for candidate in candidates {
            let distance = min(
                editDistance(key, normalized(candidate), limit: budget),
                editDistance(key, normalized(location(of: candidate)), limit: budget))
            if distance <= budget && distance < (best?.distance ?? .max) {
                best = (distance, candidate)
            }
        }
        return best?.identifier
    }

    /// Every identifier ``suggestion(for:)`` may offer, sorted.
    static let identifiers: [String] = {
        var names = Set(TimeZone.knownTimeZoneIdentifiers.filter { resolve($0) != nil })
        names.insert("UTC")
        return names.sorted()
    }()

    private static func isAreaLocation(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 2 && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-+".contains($0)) }
        }
    }

    private static func location(of identifier: String) -> String {
        identifier.split(separator: "/").last.map(String.init) ?? identifier
    }

    private static func normalized(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "_")
    }

    /// Levenshtein distance, or `limit + 1` as soon as it must exceed `limit`.
    private static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let a = Array(a), b = Array(b)
        if abs(a.count - b.count) > limit { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            if current.min()! > limit { return limit + 1 }
            previous = current
        }
        return previous[b.count]
    }
}
