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

    /// Appends `value` as JSON text (UTF-8) to `out`. `shapes` (if given) remembers, for
    /// objects that share one array of member names (records of one shape), the names as JSON
    /// text and their sorted order, so that they are worked out once for all of them.
    public static func write(_ value: JSONValue, options: Options = [], shapes: Shapes? = nil, into out: inout [UInt8]) {
        let pretty = options.contains(.pretty)
        let sorted = options.contains(.sortedKeys)
        // A record a few levels deep (the usual record): written recursively; anything deeper
        // is taken back and written by the loop below, which needs no stack of calls.
        if !pretty {
            if let shapes {
                // into the shapes' scratch space, then to `out` at once
                shapes.scratch.removeAll()
                if writeShallow(value, sorted: sorted, shapes: shapes, depth: 16, into: &shapes.scratch) {
                    out.append(contentsOf: shapes.scratch.bytes)
                    return
                }
            } else {
                let mark = out.count
                if writeShallow(value, sorted: sorted, shapes: shapes, depth: 16, into: &out) { return }
                out.removeSubrange(mark...)
            }
        }

        enum Frame {
            case array([JSONValue], next: Int)
            /// `order`: the positions of the members in the order they are written (nil: as they are).
            case object(JSONObject, order: [Int]?, next: Int)
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
                    stack.append(.object(o, order: sorted ? (shapes?.shape(of: o.keys)?.order ?? sortedOrder(o.keys)) : nil, next: 0))
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
            case .object(let o, let order, let next):
                if next == o.count {
                    newline(depth - 1, &out)
                    out.append(UInt8(ascii: "}"))
                    continue
                }
                if next > 0 { out.append(UInt8(ascii: ",")) }
                newline(depth, &out)
                let position = order?[next] ?? next
                writeString(o.keys[position], into: &out)
                if pretty { out.append(contentsOf: ": ".utf8) } else { out.append(UInt8(ascii: ":")) }
                stack.append(.object(o, order: order, next: next + 1))
                begin(o.value(at: position), &out)
            }
        }
    }

    /// The positions of `keys` in code-point order of the names.
    static func sortedOrder(_ keys: [String]) -> [Int] {
        keys.indices.sorted { keys[$0] < keys[$1] }
    }

    /// Writes `value` if it is no more than `depth` arrays and objects deep; false (with part
    /// of it written) for a deeper one.
    private static func writeShallow<O: ByteOutput>(_ value: JSONValue, sorted: Bool, shapes: Shapes?, depth: Int, into out: inout O) -> Bool {
        switch value {
        case .array(let a):
            guard depth > 0 else { return false }
            out.put(UInt8(ascii: "["))
            for i in 0..<a.count {
                if i > 0 { out.put(UInt8(ascii: ",")) }
                guard writeShallow(a[i], sorted: sorted, shapes: shapes, depth: depth - 1, into: &out) else { return false }
            }
            out.put(UInt8(ascii: "]"))
            return true
        case .object(let o):
            guard depth > 0 else { return false }
            let keys = o.keys
            let values = o.values
            out.put(UInt8(ascii: "{"))
            if let shape = shapes?.shape(of: keys) {
                // each member's `"name":` copied as it was written once for the shape
                for i in 0..<keys.count {
                    let position = sorted ? shape.order[i] : i
                    let range = shape.ranges[position]
                    shape.names.withUnsafeBufferPointer { names in
                        out.put(UnsafeBufferPointer(rebasing: names[(i > 0 ? range.lowerBound - 1 : range.lowerBound)..<range.upperBound]))
                    }
                    guard writeShallow(values[position], sorted: sorted, shapes: shapes, depth: depth - 1, into: &out) else { return false }
                }
            } else {
                let order = sorted && keys.count > 1 ? sortedOrder(keys) : nil
                for i in 0..<keys.count {
                    let position = order?[i] ?? i
                    if i > 0 { out.put(UInt8(ascii: ",")) }
                    put(keys[position], into: &out)
                    out.put(UInt8(ascii: ":"))
                    guard writeShallow(values[position], sorted: sorted, shapes: shapes, depth: depth - 1, into: &out) else { return false }
                }
            }
            out.put(UInt8(ascii: "}"))
            return true
        default:
            writeScalar(value, into: &out)
            return true
        }
    }

    @inline(__always)
    private static func writeScalar<O: ByteOutput>(_ v: JSONValue, into out: inout O) {
        switch v {
        case .null: out.put(ascii: "null")
        case .bool(let b): if b { out.put(ascii: "true") } else { out.put(ascii: "false") }
        case .number(let n): n.put(into: &out)
        case .string(let str): put(str, into: &out)
        case .array, .object: break
        }
    }

    /// What the writer remembers of a few shapes of object, each known by its array of member
    /// names (objects built for one shape share it): the names as JSON text and their
    /// code-point order. For one thread.
    public final class Shapes {
        /// (a class: finding a shape hands on one reference, not four arrays)
        final class Shape {
            /// The array of names (kept, so its storage, the shape's identity, is not reused).
            let keys: [String]
            /// Each member's `,"name":` in a row; `ranges` leave out the comma.
            let names: [UInt8]
            let ranges: [Range<Int>]
            let order: [Int]
            init(keys: [String], names: [UInt8], ranges: [Range<Int>], order: [Int]) {
                self.keys = keys
                self.names = names
                self.ranges = ranges
                self.order = order
            }
        }
        private var shapes: [Shape] = []
        /// Each shape's array of names by address, in the same order (compared without touching the shapes).
        private var ids: [UnsafeRawPointer?] = []
        /// Arrays of names met once lately (by address only: a hint, kept for nothing else).
        private var seen: [UnsafeRawPointer?] = [nil, nil, nil, nil, nil, nil, nil, nil]
        private var next = 0
        /// Where a record is written before it is appended to the caller's bytes.
        var scratch = ByteSink(capacity: 1_024)
        public init() {}
        deinit { scratch.deallocate() }

        /// The shape of objects with this array of names, once it has been met twice (an
        /// object with names of its own is written without one).
        func shape(of keys: [String]) -> Shape? {
            let id = keys.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            if id != nil, let i = ids.firstIndex(of: id) { return shapes[i] }
            guard id != nil, seen.contains(id) else {
                seen[next] = id
                next = (next + 1) % seen.count
                return nil
            }
            var names: [UInt8] = []
            var ranges: [Range<Int>] = []
            for k in keys {
                names.append(UInt8(ascii: ","))
                let start = names.count
                writeString(k, into: &names)
                names.append(UInt8(ascii: ":"))
                ranges.append(start..<names.count)
            }
            let shape = Shape(keys: keys, names: names, ranges: ranges, order: JSONWriter.sortedOrder(keys))
            if shapes.count == 4 {
                shapes.removeFirst()
                ids.removeFirst()
            }
            shapes.append(shape)
            ids.append(id)
            return shape
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
        put(s, into: &out)
    }

    static func put<O: ByteOutput>(_ s: String, into out: inout O) {
        if let done = s.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            put(bytes, into: &out)
            return true
        }), done { return }
        var copy = s
        copy.withUTF8 { put($0, into: &out) }
    }

    private static func put<O: ByteOutput>(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout O) {
        out.put(UInt8(ascii: "\""))
        var start = 0
        for i in 0..<bytes.count {
            let c = bytes[i]
            guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
            out.put(UnsafeBufferPointer(rebasing: bytes[start..<i]))
            start = i + 1
            switch c {
            case UInt8(ascii: "\""): out.put(ascii: "\\\"")
            case UInt8(ascii: "\\"): out.put(ascii: "\\\\")
            case 10: out.put(ascii: "\\n")
            case 13: out.put(ascii: "\\r")
            case 9: out.put(ascii: "\\t")
            case 8: out.put(ascii: "\\b")
            case 12: out.put(ascii: "\\f")
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.put(ascii: "\\u00")
                out.put(hex[Int(c >> 4)])
                out.put(hex[Int(c & 15)])
            }
        }
        out.put(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        out.put(UInt8(ascii: "\""))
    }

    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        writeString(s, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
