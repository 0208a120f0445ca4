/// Writes ``JSONValue``s as JSON text.
public enum JSONWriter {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Two-space indentation and one member per line.
        public static let pretty = Options(rawValue: 1)
        /// Object members in code-point order instead of insertion order.
        public static let sortedKeys = Options(rawValue: 2)
    }

    /// Writes `value` as JSON text. Iterative: a document of any depth is written without
    /// growing the call stack.
    public static func write(_ value: JSONValue, options: Options = []) -> String {
        let pretty = options.contains(.pretty)
        let sorted = options.contains(.sortedKeys)
        var out = ""

        enum Frame {
            case array([JSONValue], next: Int)
            case object(JSONObject, keys: [String], next: Int)
        }
        var stack: [Frame] = []

        func newline(_ depth: Int) {
            if pretty { out += "\n" + String(repeating: "  ", count: depth) }
        }

        // Writes a scalar or opens a container (pushing a frame); returns nothing.
        func begin(_ v: JSONValue) {
            switch v {
            case .null: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .number(let n): out += n.jsonText
            case .string(let str): writeString(str, into: &out)
            case .array(let a):
                if a.isEmpty { out += "[]" } else { out += "["; stack.append(.array(a, next: 0)) }
            case .object(let o):
                if o.isEmpty {
                    out += "{}"
                } else {
                    out += "{"
                    stack.append(.object(o, keys: sorted ? o.keys.sorted() : o.keys, next: 0))
                }
            }
        }

        begin(value)
        while let top = stack.popLast() {
            let depth = stack.count + 1
            switch top {
            case .array(let a, let next):
                if next == a.count {
                    newline(depth - 1)
                    out += "]"
                    continue
                }
                if next > 0 { out += "," }
                newline(depth)
                stack.append(.array(a, next: next + 1))
                begin(a[next])
            case .object(let o, let keys, let next):
                if next == keys.count {
                    newline(depth - 1)
                    out += "}"
                    continue
                }
                if next > 0 { out += "," }
                newline(depth)
                writeString(keys[next], into: &out)
                out += pretty ? ": " : ":"
                stack.append(.object(o, keys: keys, next: next + 1))
                begin(o[keys[next]]!)
            }
        }
        return out
    }

    /// Appends `s` as a JSON string literal.
    public static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    public static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }
}
