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
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, options: options, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` as JSON text (UTF-8) to `out`.
    public static func write(_ value: JSONValue, options: Options = [], into out: inout [UInt8]) {
        let pretty = options.contains(.pretty)
        let sorted = options.contains(.sortedKeys)

        enum Frame {
            case array([JSONValue], next: Int)
            case object(JSONObject, keys: [String], next: Int)
        }
        var stack: [Frame] = []

        func newline(_ depth: Int, _ out: inout [UInt8]) {
            guard pretty else { return }
            out.append(10)
            out.append(contentsOf: repeatElement(32, count: 2 * depth))
        }

        // Writes a scalar or opens a container (pushing a frame).
        func begin(_ v: JSONValue, _ out: inout [UInt8]) {
            switch v {
            case .null: out.append(contentsOf: "null".utf8)
            case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
            case .number(let n): n.write(into: &out)
            case .string(let str): writeString(str, into: &out)
            case .array(let a):
                if a.isEmpty { out.append(contentsOf: "[]".utf8) } else { out.append(UInt8(ascii: "[")); stack.append(.array(a, next: 0)) }
            case .object(let o):
                if o.isEmpty {
                    out.append(contentsOf: "{}".utf8)
                } else {
                    out.append(UInt8(ascii: "{"))
                    stack.append(.object(o, keys: sorted ? o.keys.sorted() : o.keys, next: 0))
                }
            }
        }

        begin(value, &out)
        while let top = stack.popLast() {
            let depth = stack.count + 1
            switch top {
            case .array(let a, let next):
                if next == a.count {
                    newline(depth - 1, &out)
                    out.append(UInt8(ascii: "]"))
                    continue
                }
                if next > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth, &out)
                stack.append(.array(a, next: next + 1))
                begin(a[next], &out)
            case .object(let o, let keys, let next):
                if next == keys.count {
                    newline(depth - 1, &out)
                    out.append(UInt8(ascii: "}"))
                    continue
                }
                if next > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth, &out)
                writeString(keys[next], into: &out)
                if pretty { out.append(contentsOf: ": ".utf8) } else { out.append(UInt8(ascii: ":")) }
                stack.append(.object(o, keys: keys, next: next + 1))
                // In insertion order the value is at the key's position; sorted, it is looked up.
                begin(sorted ? o[keys[next]]! : o.value(at: next), &out)
            }
        }
    }

    /// Appends `s` as a JSON string literal.
    public static func writeString(_ s: String, into out: inout String) {
        var bytes: [UInt8] = []
        writeString(s, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal (UTF-8). Only ASCII is escaped, so the bytes of
    /// other characters are copied as they are.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                start = i + 1
                switch c {
                case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
                case 10: out.append(contentsOf: "\\n".utf8)
                case 13: out.append(contentsOf: "\\r".utf8)
                case 9: out.append(contentsOf: "\\t".utf8)
                case 8: out.append(contentsOf: "\\b".utf8)
                case 12: out.append(contentsOf: "\\f".utf8)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "\\u00".utf8)
                    out.append(hex[Int(c >> 4)])
                    out.append(hex[Int(c & 15)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        writeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
