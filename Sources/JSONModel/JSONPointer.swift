/// A JSON Pointer (RFC 6901): a path of member names and array indices into a document.
public struct JSONPointer: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses `/a/b~1c/0`; returns nil when the text does not start with `/` and is not empty.
    public init?(_ text: String) {
        if text.isEmpty { self.tokens = []; return }
        guard text.hasPrefix("/") else { return nil }
        self.tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    public static let root = JSONPointer()

    public func appending(_ token: String) -> JSONPointer {
        JSONPointer(tokens: tokens + [token])
    }

    public func appending(_ index: Int) -> JSONPointer {
        JSONPointer(tokens: tokens + [String(index)])
    }

    public var parent: JSONPointer? {
        tokens.isEmpty ? nil : JSONPointer(tokens: Array(tokens.dropLast()))
    }

    public var last: String? { tokens.last }

    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
            .joined()
    }

    /// A readable dotted path: `steps.invoices.map["Line Items"]`, `targets[0]`.
    public var dotted: String {
        var out = ""
        for t in tokens {
            if let i = JSONPointer.arrayIndex(t), String(i) == t {
                out += "[\(i)]"
            } else if t.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) && !t.isEmpty {
                out += out.isEmpty ? t : "." + t
            } else {
                out += "[\(JSONWriter.quoted(t))]"
            }
        }
        return out
    }

    public static func < (lhs: JSONPointer, rhs: JSONPointer) -> Bool {
        lhs.tokens.lexicographicallyPrecedes(rhs.tokens)
    }

    /// The array index a token names, per RFC 6901 (no leading zeros, no sign).
    public static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if token.count > 1 && token.hasPrefix("0") { return nil }
        return Int(token)
    }
}
