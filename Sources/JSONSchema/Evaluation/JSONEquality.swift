import JSONModel

/// JSON Schema equality (`enum`, `const`, `uniqueItems`): numbers by value (`1 == 1.0`),
/// objects regardless of member order, and strings by code point. Swift's `String ==` uses
/// canonical equivalence, which would make "é" and "e\u{301}" equal; JSON does not.
enum JSONEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !equal(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], equal(value, other) else { return false }
            }
            return true
        default:
            return a == b
        }
    }
}

/// A `JSONValue` hashed as usual but compared with ``JSONEquality`` (the standard hash is
/// coarser, so equal values still hash alike).
struct ExactJSON: Hashable, Sendable {
    let value: JSONValue

    static func == (a: ExactJSON, b: ExactJSON) -> Bool { JSONEquality.equal(a.value, b.value) }
    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
