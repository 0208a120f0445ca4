import Diagnostics
import JSONModel
import JSONSchema

/// Turns JSON Schema validation errors into pipeline diagnostics at YAML locations.
struct SchemaDiagnostics {
    let document: LocatedDocument
    /// The document after interpolation (what the schema saw).
    let instance: JSONValue
    /// Pointers whose values came from the environment: their values are never shown.
    let secretPointers: Set<JSONPointer>

    func diagnostics(for errors: [ValidationError]) -> [Diagnostic] {
        errors.flatMap(diagnostics(for:))
    }

    func diagnostics(for e: ValidationError) -> [Diagnostic] {
        let place = Places.describe(e.instancePath)
        let value = instance.value(at: e.instancePath)
        if secretPointers.contains(e.instancePath) {
            return [.error(
                "invalid_value",
                "\(place), after expanding environment variables, is not valid (\(e.keyword)); its value is not shown",
                at: document.location(of: e.instancePath))]
        }
        switch e.detail {
        case .unknownProperty(let name, let known):
            let candidates = known.filter { !$0.hasPrefix("x-") }
            let suggestion = Suggestion.closest(to: name, in: candidates)
            let owner = Places.describe(e.instancePath.parent ?? .root)
            var hint: String? = suggestion.map { "did you mean '\($0)'?" }
            if hint == nil, !candidates.isEmpty, candidates.count <= 12 {
                hint = "expected one of \(Places.quoteList(candidates.sorted()))"
            }
            return [.error("unknown_field", "unknown field '\(name)' in \(owner)",
                at: document.location(of: e.instancePath, preferKey: true), hint: hint)]
        case .required(let missing):
            return [.error("missing_field", "\(place) is missing the required field '\(missing)'",
                at: document.location(of: e.instancePath, preferKey: true))]
        case .type(let expected, let found):
            let want = Places.quoteList(expected.map(Places.article(forType:)).map { $0 }, conjunction: "or")
                .replacingOccurrences(of: "'", with: "")
            let got: String
            if let value, case .string = value { got = Places.describe(value: value) } else { got = Places.article(forType: found) }
            var hint: String? = nil
            if expected == ["string"], let v = value, case .number = v { hint = "quote the value to make it a string" }
            if expected == ["string"], let v = value, case .bool = v { hint = "quote the value to make it a string" }
            return [.error("type_mismatch", "\(place) must be \(want), found \(got)",
                at: document.location(of: e.instancePath), hint: hint)]
        case .enumeration(let allowed):
            let names = allowed.map { $0.stringValue ?? $0.description }
            let shown = value.map(Places.describe(value:)) ?? "the value"
            var hint: String? = nil
            if let s = value?.stringValue, let sug = Suggestion.closest(to: s, in: names) { hint = "did you mean '\(sug)'?" }
            let list = names.count <= 25 ? "; expected \(Places.quoteList(names))" : ""
            return [.error("invalid_value", "\(shown) is not a valid value for \(place)\(list)",
                at: document.location(of: e.instancePath), hint: hint)]
        case .constant(let c):
            let shown = value.map(Places.describe(value:)) ?? "the value"
            return [.error("invalid_value", "\(place) must be \(c.description), found \(shown)",
                at: document.location(of: e.instancePath))]
        case .alternatives(let branches):
            return alternatives(e, branches: branches, place: place)
        case .other:
            var hint: String? = nil
            if e.keyword == "pattern", let desc = patternHint(e.instancePath) { hint = desc }
            return [.error("invalid_value", "\(place): \(e.message)", at: document.location(of: e.instancePath), hint: hint)]
        }
    }

    private func patternHint(_ p: JSONPointer) -> String? {
        if p.tokens == ["name"] {
            return "pipeline names use lower-case letters, digits, '-' and '_', and start with a letter or digit"
        }
        return nil
    }

    private func alternatives(_ e: ValidationError, branches: [[ValidationError]], place: String) -> [Diagnostic] {
        let loc = document.location(of: e.instancePath, preferKey: true)
        // "Exactly one of these keys": every branch failed only for a missing required key.
        let requiredOnly = branches.compactMap { b -> String? in
            guard b.count == 1, case .required(let m) = b[0].detail, b[0].instancePath == e.instancePath else { return nil }
            return m
        }
        if !branches.isEmpty && requiredOnly.count == branches.count {
            return [.error("missing_field", "\(place) needs one of \(Places.quoteList(requiredOnly))", at: loc)]
        }
        if branches.isEmpty || branches.allSatisfy(\.isEmpty) {
            // oneOf matched more than one branch: for sources and targets that means two kinds.
            if let o = instance.value(at: e.instancePath)?.objectValue {
                let kinds: [String]
                switch e.instancePath.tokens.first {
                case "sources": kinds = SourceSpec.Kind.allCases.map(\.rawValue)
                case "targets": kinds = TargetSpec.Kind.allCases.map(\.rawValue)
                default: kinds = []
                }
                let present = kinds.filter { o.contains($0) }
                if present.count > 1 {
                    return [.error("conflicting_fields",
                        "\(place) has \(Places.quoteList(present, conjunction: "and")); expected exactly one of them", at: loc)]
                }
            }
            return [.error("invalid_value", "\(place): \(e.message)", at: loc)]
        }
        // Otherwise report the branch that came closest: fewest errors, deepest first.
        let best = branches.filter { !$0.isEmpty }.min { a, b in
            let da = a.map(\.instancePath.tokens.count).max() ?? 0
            let db = b.map(\.instancePath.tokens.count).max() ?? 0
            if da != db { return da > db }
            return a.count < b.count
        } ?? []
        return diagnostics(for: best)
    }
}
