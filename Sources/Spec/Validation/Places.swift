import JSONModel

/// Names a place in a pipeline for messages: "source 'patients'", "'group' of step 'invoices'".
enum Places {
    static let sections: [String: String] = [
        "sources": "source", "steps": "step", "targets": "target", "lookups": "lookup",
    ]

    static func describe(_ p: JSONPointer) -> String {
        let t = p.tokens
        if t.isEmpty { return "the pipeline" }
        if t.count >= 2, let kind = sections[t[0]] {
            let owner = "\(kind) '\(t[1])'"
            if t.count == 2 { return owner }
            return "'\(JSONPointer(tokens: Array(t.dropFirst(2))).dotted)' of \(owner)"
        }
        if t[0] == "tests", t.count >= 2, let i = Int(t[1]) {
            let owner = "test #\(i + 1)"
            if t.count == 2 { return owner }
            return "'\(JSONPointer(tokens: Array(t.dropFirst(2))).dotted)' of \(owner)"
        }
        return "'\(p.dotted)'"
    }

    static func article(forType t: String) -> String {
        switch t {
        case "string": return "a string"
        case "number": return "a number"
        case "integer": return "an integer"
        case "boolean": return "true or false"
        case "object": return "a mapping"
        case "array": return "a list"
        case "null": return "null"
        default: return t
        }
    }

    static func describe(value: JSONValue) -> String {
        switch value {
        case .string(let s): return "the string '\(s.count > 60 ? String(s.prefix(57)) + "…" : s)'"
        case .number(let n): return "the number \(n.jsonText)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }

    /// "an Invoice", "a Contact".
    static func withArticle(_ noun: String) -> String {
        guard let f = noun.first else { return noun }
        return ("AEIOU".contains(f) ? "an " : "a ") + noun
    }

    static func quoteList(_ items: [String], conjunction: String = "or") -> String {
        let q = items.map { "'\($0)'" }
        if q.count <= 1 { return q.first ?? "" }
        if q.count == 2 { return "\(q[0]) \(conjunction) \(q[1])" }
        return q.dropLast().joined(separator: ", ") + ", \(conjunction) " + q.last!
    }
}
