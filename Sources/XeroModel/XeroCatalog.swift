import JSONModel

/// Xero's Accounting objects and endpoints, read from the embedded schemas (``XeroSchemas``).
///
/// The embedded JSON is parsed once, on first use, and shared (a `static let` is initialised
/// lazily and thread-safely).
public enum XeroCatalog {
    /// Endpoints by name (`Invoices`, `Organisation`).
    public static let endpoints: [String: XeroEndpoint] = shared.endpoints

    /// The endpoint with exactly this name (`Invoices`), if there is one.
    public static func endpoint(named name: String) -> XeroEndpoint? {
        shared.endpoints[name]
    }

    /// The object with exactly this name (`Invoice`), if there is one.
    public static func object(named name: String) -> XeroObjectSchema? {
        shared.objects[name]
    }

    /// The names of every object, sorted.
    public static var objectNames: [String] { shared.objectNames }

    /// Every schema document (objects and enumerations) by its `$id`, for a validator that
    /// resolves refs between the files (`LineItem.schema.json`,
    /// `enums.schema.json#/$defs/CurrencyCode`) against ``XeroSchemas/baseURI``.
    public static var documents: [String: JSONValue] { shared.documents }

    /// Did-you-mean: the candidate that `name` most likely misspells.
    ///
    /// A case-insensitive exact match wins; otherwise the candidate at the smallest
    /// Damerau–Levenshtein distance (compared case-insensitively), when that distance is at most
    /// `max(2, name.count / 3)`. Ties go to the candidate that sorts first.
    ///
    /// - Parameters:
    ///   - name: what was written (`EmailAdress`).
    ///   - candidates: the valid names (a schema's ``XeroObjectSchema/fieldOrder``).
    /// - Returns: the suggestion, or nil when nothing is close enough.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        if let exact = candidates.filter({ $0.lowercased() == lowered }).min(by: { a, b in
            // The candidate spelt exactly like `name` first, then in sort order.
            (a == name ? 0 : 1, a) < (b == name ? 0 : 1, b)
        }) {
            return exact
        }
        let limit = max(2, name.count / 3)
        let source = Array(lowered)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let target = Array(candidate.lowercased())
            if abs(target.count - source.count) > limit { continue }
            let d = EditDistance.damerauLevenshtein(source, target)
            guard d <= limit else { continue }
            if let b = best, (b.distance, b.candidate) <= (d, candidate) { continue }
            best = (candidate, d)
        }
        return best?.candidate
    }

    /// Parsed once, on first use.
    static let shared: Contents = {
        do {
            return try Contents(files: XeroSchemas.files)
        } catch {
            // The texts are generated and checked by the tests; this is a build defect.
            preconditionFailure("the embedded Xero schemas are invalid: \(error)")
        }
    }()
}
