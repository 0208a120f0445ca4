/// A problem found while reading JSON text, with the 1-based line and column where it is.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let line: Int
    public let column: Int
    /// Byte offset into the input.
    public let offset: Int

    public var description: String { "\(line):\(column): \(message)" }
}

/// A strict RFC 8259 reader producing ``JSONValue``s.
///
/// Non-recursive, so depth is bounded by `maxDepth` only (never by the stack); numbers keep
/// their exact decimal value; duplicate member names keep the last value, as most readers do.
public struct JSONParser {
    public var maxDepth: Int

    public init(maxDepth: Int = 10_000) {
        self.maxDepth = maxDepth
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser().parse(Array(text.utf8))
    }

    public static func parse(bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try JSONParser().parse(bytes)
    }

    private enum Frame {
        case array([JSONValue])
        case object(keys: [String], values: [JSONValue])
    }

    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        var shapes = JSONShapes()
        var stack: [Frame] = []
        var result: JSONValue? = nil

        reader.skipWhitespace()
        // The main loop reads one value start at a time, then unwinds closed containers.
        outer: while true {
            // Read a value (or open a container).
            var value: JSONValue
            guard let c = reader.peek() else { throw reader.error("unexpected end of input; expected a value") }
            switch c {
            case UInt8(ascii: "{"):
                reader.pos += 1
                if stack.count >= maxDepth { throw reader.error("nesting deeper than \(maxDepth) levels") }
                reader.skipWhitespace()
                if reader.peek() == UInt8(ascii: "}") {
                    reader.pos += 1
                    value = .object(JSONObject())
                } else {
                    let key = try reader.readKey()
                    stack.append(.object(keys: [key], values: []))
                    reader.skipWhitespace()
                    continue outer
                }
            case UInt8(ascii: "["):
                reader.pos += 1
                if stack.count >= maxDepth { throw reader.error("nesting deeper than \(maxDepth) levels") }
                reader.skipWhitespace()
                if reader.peek() == UInt8(ascii: "]") {
                    reader.pos += 1
                    value = .array([])
                } else {
                    stack.append(.array([]))
                    continue outer
                }
            case UInt8(ascii: "\""):
                value = .string(try reader.readString())
            case UInt8(ascii: "t"):
                try reader.expectWord("true"); value = .bool(true)
            case UInt8(ascii: "f"):
                try reader.expectWord("false"); value = .bool(false)
            case UInt8(ascii: "n"):
                try reader.expectWord("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try reader.readNumber())
            default:
                throw reader.error("unexpected character \(Reader.describe(c)); expected a value")
            }

            // Attach the value to its container, closing containers as they end.
            while true {
                reader.skipWhitespace()
                guard let top = stack.popLast() else {
                    result = value
                    break outer
                }
                switch top {
                case .array(var elements):
                    elements.append(value)
                    switch reader.peek() {
                    case UInt8(ascii: ","):
                        reader.pos += 1
                        reader.skipWhitespace()
                        stack.append(.array(elements))
                        continue outer
                    case UInt8(ascii: "]"):
                        reader.pos += 1
                        value = .array(elements)
                    case nil:
                        throw reader.error("unexpected end of input; expected ',' or ']'")
                    case let c?:
                        throw reader.error("unexpected character \(Reader.describe(c)); expected ',' or ']'")
                    }
                case .object(var keys, var values):
                    values.append(value)
                    switch reader.peek() {
                    case UInt8(ascii: ","):
                        reader.pos += 1
                        reader.skipWhitespace()
                        keys.append(try reader.readKey())
                        stack.append(.object(keys: keys, values: values))
                        reader.skipWhitespace()
                        continue outer
                    case UInt8(ascii: "}"):
                        reader.pos += 1
                        value = .object(shapes.object(keys: keys, values: values))
                    case nil:
                        throw reader.error("unexpected end of input; expected ',' or '}'")
                    case let c?:
                        throw reader.error("unexpected character \(Reader.describe(c)); expected ',' or '}'")
                    }
                }
            }
        }
        reader.skipWhitespace()
        if let c = reader.peek() {
            throw reader.error("unexpected character \(Reader.describe(c)) after the end of the document")
        }
        return result!
    }
}

private struct Reader {
    let bytes: [UInt8]
    var pos = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // Skip a UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
    }

    func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    static func describe(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return "'\(Character(UnicodeScalar(c)))'" }
        return "byte 0x" + String(c, radix: 16, uppercase: true)
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        let at = min(offset ?? pos, bytes.count)
        var line = 1
        var lineStart = 0
        var i = 0
        while i < at {
            if bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
            i += 1
        }
        // Column counts characters (not continuation bytes) from the line start.
        var column = 1
        var j = lineStart
        while j < at {
            if bytes[j] & 0xC0 != 0x80 { column += 1 }
            j += 1
        }
        return JSONParseError(message: message, line: line, column: column, offset: at)
    }

    mutating func expectWord(_ word: StaticString) throws(JSONParseError) {
        let start = pos
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for b in w {
            guard pos < bytes.count, bytes[pos] == b else {
                throw error("invalid literal; expected '\(word)'", at: start)
            }
            pos += 1
        }
    }

    mutating func readKey() throws(JSONParseError) -> String {
        guard peek() == UInt8(ascii: "\"") else {
            if let c = peek() { throw error("unexpected character \(Reader.describe(c)); expected a member name in double quotes") }
            throw error("unexpected end of input; expected a member name")
        }
        let key = try readString()
        skipWhitespace()
        guard peek() == UInt8(ascii: ":") else {
            throw error("expected ':' after member name")
        }
        pos += 1
        skipWhitespace()
        return key
    }

    mutating func readNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        while pos < bytes.count {
            switch bytes[pos] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                pos += 1
            default:
                break
            }
            if pos < bytes.count, !Reader.isNumberByte(bytes[pos]) { break }
        }
        let end = pos
        let number = bytes.withUnsafeBufferPointer { JSONNumber(utf8: UnsafeBufferPointer(rebasing: $0[start..<end])) }
        guard let n = number else {
            throw error("invalid number '\(String(decoding: bytes[start..<pos], as: UTF8.self))'", at: start)
        }
        return n
    }

    private static func isNumberByte(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
            UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
            return true
        default:
            return false
        }
    }

    mutating func readString() throws(JSONParseError) -> String {
        let start = pos
        // The common case, ASCII with nothing escaped, straight from the input (no copy to
        // validate first); anything else goes the long way below.
        var end = pos + 1
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") {
                pos = end + 1
                return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[(start + 1)..<end]), as: UTF8.self) }
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            end += 1
        }
        pos += 1  // opening quote
        var out: [UInt8] = []
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw error("unterminated string", at: start) }
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                break
            }
            if c < 0x20 {
                throw error("control character \(Reader.describe(c)) in string; it must be escaped")
            }
            if c == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                guard pos < bytes.count else { throw error("unterminated string", at: start) }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        // A high surrogate must be followed by a low one.
                        if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                            let save = pos
                            pos += 2
                            let low = try readHex4()
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                pos = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD
                    }
                    out.append(contentsOf: Array(String(Character(UnicodeScalar(scalar)!)).utf8))
                default:
                    throw error("invalid escape '\\\(Character(UnicodeScalar(e)))' in string", at: pos - 2)
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw error("string is not valid UTF-8", at: start)
        }
        return s
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }
}

extension JSONParser {
    /// Parses a JSON object taking only the members named in `names` (the others are skipped,
    /// never built, their brackets and strings checked): reading a record's key from a line of a
    /// large JSON Lines file costs a fraction of reading the record. A member named twice keeps
    /// its last value, as ``parse(_:)`` does. Throws for anything that is not one whole object.
    public func parseMembers(_ bytes: [UInt8], named names: Set<String>) throws(JSONParseError) -> JSONObject {
        try parseMembers(bytes, named: MemberNames(names))
    }

    /// The names of the members ``parseMembers(_:named:)`` takes, worked out once for the lines
    /// of a whole file.
    public struct MemberNames: Sendable {
        let names: Set<String>
        /// (compared as bytes with a member's name as written, when it has no escapes)
        let bytes: [[UInt8]]

        public init(_ names: Set<String>) {
            self.names = names
            bytes = names.map { Array($0.utf8) }
        }
    }

    public func parseMembers(_ bytes: [UInt8], named memberNames: MemberNames) throws(JSONParseError) -> JSONObject {
        var reader = Reader(bytes: bytes)
        reader.skipWhitespace()
        guard reader.peek() == UInt8(ascii: "{") else { throw reader.error("expected an object") }
        reader.pos += 1
        reader.skipWhitespace()
        let names = memberNames.names
        let wanted = memberNames.bytes
        var members: [(String, JSONValue)] = []
        if reader.peek() == UInt8(ascii: "}") {
            reader.pos += 1
        } else {
            while true {
                let key: String?
                if let plain = reader.plainKey() {
                    key = wanted.contains(where: { $0.elementsEqual(bytes[plain]) }) ? String(decoding: bytes[plain], as: UTF8.self) : nil
                } else {
                    let k = try reader.readKey()
                    key = names.contains(k) ? k : nil
                }
                if let key {
                    // a string or a number (what keys are made of) read in place; anything else
                    // skipped over, then parsed on its own
                    switch reader.peek() ?? 0 {
                    case UInt8(ascii: "\""):
                        members.append((key, .string(try reader.readString())))
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        members.append((key, .number(try reader.readNumber())))
                    default:
                        let start = reader.pos
                        try reader.skipValue(depthLimit: maxDepth)
                        members.append((key, try parse(Array(bytes[start..<reader.pos]))))
                    }
                } else {
                    try reader.skipValue(depthLimit: maxDepth)
                }
                reader.skipWhitespace()
                guard let c = reader.peek() else { throw reader.error("unexpected end of input; expected ',' or '}'") }
                reader.pos += 1
                if c == UInt8(ascii: "}") { break }
                guard c == UInt8(ascii: ",") else { throw reader.error("unexpected character \(Reader.describe(c)); expected ',' or '}'", at: reader.pos - 1) }
                reader.skipWhitespace()
            }
        }
        reader.skipWhitespace()
        guard reader.pos == bytes.count else { throw reader.error("unexpected data after the object") }
        var object = JSONObject()
        for (k, v) in members { object[k] = v }
        return object
    }
}

extension Reader {
    /// A member name with nothing escaped, and the `:` after it: moves past them and gives the
    /// name's bytes; nil (not moving) for any other.
    mutating func plainKey() -> Range<Int>? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        var end = pos + 1
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        let name = (pos + 1)..<end
        var after = end + 1
        while after < bytes.count, bytes[after] == 0x20 || bytes[after] == 0x09 || bytes[after] == 0x0A || bytes[after] == 0x0D { after += 1 }
        guard after < bytes.count, bytes[after] == UInt8(ascii: ":") else { return nil }
        pos = after + 1
        skipWhitespace()
        return name
    }

    /// Moves past a string, checking that it ends and that what is escaped may be.
    mutating func skipString() throws(JSONParseError) {
        let start = pos
        pos += 1
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") { pos += 1; return }
            if c < 0x20 { throw error("control character \(Reader.describe(c)) in string; it must be escaped") }
            if c == UInt8(ascii: "\\") {
                pos = start
                _ = try readString()  // escapes checked the long way
                return
            }
            pos += 1
        }
        throw error("unterminated string", at: start)
    }

    /// Moves past one value, checking its brackets and strings but building nothing (its
    /// scalars are checked when they are read for real, if they ever are).
    mutating func skipValue(depthLimit: Int) throws(JSONParseError) {
        skipWhitespace()
        let start = pos
        var depth = 0
        repeat {
            guard let c = peek() else { throw error("unexpected end of input; expected a value", at: start) }
            switch c {
            case UInt8(ascii: "\""):
                try skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > depthLimit { throw error("nesting deeper than \(depthLimit) levels") }
                pos += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { throw error("unexpected character \(Reader.describe(c)); expected a value") }
                depth -= 1
                pos += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                guard depth > 0 else { throw error("unexpected character \(Reader.describe(c)); expected a value") }
                pos += 1
            default:
                // a number or a literal: up to the next delimiter
                let scalarStart = pos
                while pos < bytes.count {
                    let b = bytes[pos]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "}") || b == UInt8(ascii: "]") || b == UInt8(ascii: ":")
                        || b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { break }
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                        throw error("unexpected character \(Reader.describe(b))")
                    }
                    pos += 1
                }
                if pos == scalarStart { throw error("expected a value") }
            }
        } while depth > 0
    }
}
