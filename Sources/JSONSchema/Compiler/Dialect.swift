/// Which draft a schema resource follows and which vocabularies its meta-schema enables.
struct Dialect: Hashable, Sendable {
    enum Draft: Int, Sendable, Comparable {
        case draft4 = 4, draft6 = 6, draft7 = 7, draft2019 = 2019, draft2020 = 2020
        static func < (a: Draft, b: Draft) -> Bool { a.rawValue < b.rawValue }
    }

    var draft: Draft
    var validation = true
    var applicator = true
    var unevaluated = true
    var formatAssertion = false

    static let draft2020 = Dialect(draft: .draft2020)

    /// The dialect of a well-known meta-schema URI (without fragment), or nil.
    static func wellKnown(_ uri: String) -> Dialect? {
        switch uri {
        case "https://json-schema.org/draft/2020-12/schema": return Dialect(draft: .draft2020)
        case "https://json-schema.org/draft/2019-09/schema": return Dialect(draft: .draft2019)
        case "http://json-schema.org/draft-07/schema", "https://json-schema.org/draft-07/schema":
            return Dialect(draft: .draft7, unevaluated: false)
        case "http://json-schema.org/draft-06/schema", "https://json-schema.org/draft-06/schema":
            return Dialect(draft: .draft6, unevaluated: false)
        case "http://json-schema.org/draft-04/schema", "https://json-schema.org/draft-04/schema",
            "http://json-schema.org/draft-03/schema":
            return Dialect(draft: .draft4, unevaluated: false)
        default: return nil
        }
    }

    /// Vocabularies this validator implements (2020-12 and 2019-09 names).
    static let knownVocabularies: Set<String> = [
        "https://json-schema.org/draft/2020-12/vocab/core",
        "https://json-schema.org/draft/2020-12/vocab/applicator",
        "https://json-schema.org/draft/2020-12/vocab/unevaluated",
        "https://json-schema.org/draft/2020-12/vocab/validation",
        "https://json-schema.org/draft/2020-12/vocab/meta-data",
        "https://json-schema.org/draft/2020-12/vocab/format-annotation",
        "https://json-schema.org/draft/2020-12/vocab/format-assertion",
        "https://json-schema.org/draft/2020-12/vocab/content",
        "https://json-schema.org/draft/2019-09/vocab/core",
        "https://json-schema.org/draft/2019-09/vocab/applicator",
        "https://json-schema.org/draft/2019-09/vocab/validation",
        "https://json-schema.org/draft/2019-09/vocab/meta-data",
        "https://json-schema.org/draft/2019-09/vocab/format",
        "https://json-schema.org/draft/2019-09/vocab/content",
    ]

    /// Applies a meta-schema's `$vocabulary` (URI → required) to a base dialect.
    func restricted(to vocabularies: [String: Bool]) -> Dialect {
        var d = self
        let names = Set(vocabularies.keys)
        func has(_ suffix: String) -> Bool {
            names.contains("https://json-schema.org/draft/2020-12/vocab/\(suffix)")
                || names.contains("https://json-schema.org/draft/2019-09/vocab/\(suffix)")
        }
        d.validation = has("validation")
        d.applicator = has("applicator")
        d.unevaluated = draft == .draft2019 ? has("applicator") : has("unevaluated")
        d.formatAssertion = has("format-assertion")
        return d
    }
}
