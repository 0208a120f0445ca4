import Foundation

/// A JSON number that keeps its exact decimal value whenever it has one.
///
/// Money must never pass through `Double`: a literal such as `25.06` is held as the decimal
/// 25.06, with a correctly rounded `Double` alongside for code that needs IEEE arithmetic.
/// Literals beyond `Decimal`'s 38 significant digits or its exponent range keep only the
/// `Double` (they are not money).
///
/// Storage: the numbers data is made of (amounts, quantities, ids, rates) are held inline as
/// `significand × 10^exponent` with the significand at most 2^53 and the exponent within ±22,
/// trailing zeros stripped. Both the exact value and the nearest double (one multiplication or
/// division of exact doubles, so correctly rounded) come from those two fields. Every other
/// number keeps its `Decimal` and `Double` in a shared box. The inline form keeps a
/// ``JSONValue`` at 24 bytes instead of 40, which matters when millions of them are read.
public struct JSONNumber: Sendable {
    @usableFromInline
    final class Box: Sendable {
        @usableFromInline let decimal: Decimal?
        @usableFromInline let double: Double
        init(decimal: Decimal?, double: Double) {
            self.decimal = decimal
            self.double = double
        }
    }

    @usableFromInline
    enum Storage: Sendable {
        /// `significand × 10^exponent`, normalised (no trailing zeros; zero is `(0, 0)`).
        case small(Int64, Int16)
        case boxed(Box)
    }

    @usableFromInline let storage: Storage

    static let smallLimit: Int64 = 1 << 53
    /// 10^k for 0 ≤ k ≤ 22, exactly (each product is a double exactly); computed rather than
    /// read from a global table, which is behind a once-only check at every read. Shared with
    /// the JSONata engine's numbers, in the package only.
    @inlinable @inline(__always)
    package static func pow10(_ k: Int) -> Double {
        var p = 1.0
        for _ in 0..<k { p *= 10 }
        return p
    }

    /// 10^k for 0 ≤ k ≤ 18.
    @inlinable @inline(__always)
    package static func pow10Int(_ k: Int) -> Int64 {
        var p: Int64 = 1
        for _ in 0..<k { p &*= 10 }
        return p
    }

    /// The exact value, when the number has one that `Decimal` can hold.
    public var decimal: Decimal? {
        switch storage {
        case .small(let m, let e):
            return Decimal(sign: m < 0 ? .minus : .plus, exponent: Int(e), significand: Decimal(m.magnitude))
        case .boxed(let b):
            return b.decimal
        }
    }

    /// The nearest `Double` (may be infinite for huge literals).
    @inlinable public var double: Double {
        @inline(__always) get {
            switch storage {
            case .small(let m, let e):
                if e == 0 { return Double(m) }
                return e > 0 ? Double(m) * JSONNumber.pow10(Int(e)) : Double(m) / JSONNumber.pow10(Int(-e))
            case .boxed(let b):
                return b.double
            }
        }
    }

    /// The exact value as `significand × 10^exponent` (no trailing zeros in the significand),
    /// for numbers held inline: |significand| ≤ 2^53, |exponent| ≤ 22. Nil for other numbers.
    @inlinable public var smallParts: (significand: Int64, exponent: Int)? {
        if case .small(let m, let e) = storage { return (m, Int(e)) }
        return nil
    }

    /// Parses a JSON number literal (`-12.5e3`). Returns nil for text that is not one.
    public init?(literal: String) {
        var text = literal
        if let n = text.withUTF8({ JSONNumber(utf8: $0) }) {
            self = n
            return
        }
        guard JSONNumber.isValidLiteral(literal), let d = Double(literal) else { return nil }
        self.init(boxing: JSONNumber.exactDecimal(literal), double: d)
    }

    /// Parses a JSON number literal from UTF-8 bytes; nil when the text is not a JSON number.
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        if let n = JSONNumber.parseSmall(bytes) {
            self = n
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard JSONNumber.isValidLiteral(text), let d = Double(text) else { return nil }
        self.init(boxing: JSONNumber.exactDecimal(text), double: d)
    }

    public init(_ value: Int) {
        if value.magnitude <= UInt(JSONNumber.smallLimit) {
            self.init(exact: Int64(value), exponent: 0)
        } else {
            self.init(boxing: Decimal(value), double: Double(value))
        }
    }

    /// A number that came from IEEE arithmetic; its decimal is the shortest text that round-trips.
    public init(_ value: Double) {
        guard value.isFinite else {
            self.init(boxing: nil, double: value)
            return
        }
        if value == 0 {
            self = value.sign == .minus ? JSONNumber(boxing: Decimal(0), double: value) : JSONNumber(exact: 0, exponent: 0)
            return
        }
        let text = JSONNumber.shortest(value)
        var t = text
        if let n = t.withUTF8({ JSONNumber.parseSmall($0) }), n.double == value {
            self = n
            return
        }
        self.init(boxing: JSONNumber.exactDecimal(text), double: value)
    }

    public init(_ value: Decimal) {
        self.init(decimal: value, double: Double(truncating: value as NSDecimalNumber))
    }

    /// A number whose exact value and nearest double are both already known (no conversion).
    /// `double` must be the double nearest to `decimal`.
    public init(decimal: Decimal, double: Double) {
        if let (m, e) = JSONNumber.parts(of: decimal), !(m == 0 && double.sign == .minus) {
            self.init(exact: m, exponent: e, double: double)
        } else {
            self.init(boxing: decimal, double: double)
        }
    }

    /// The exact number `significand × 10^exponent`.
    public init(significand: Int64, exponent: Int) {
        self.init(exact: significand, exponent: exponent)
    }

    private init(boxing decimal: Decimal?, double: Double) {
        storage = .boxed(Box(decimal: decimal, double: double))
    }

    /// An exact number; inline when it fits, boxed with its decimal otherwise. `double`, when
    /// given, must be the double nearest to the value.
    @inline(__always)
    init(exact m: Int64, exponent: Int, double: Double? = nil) {
        var m = m
        var e = exponent
        if m == 0 {
            e = 0
        } else {
            while m % 10 == 0 {
                m /= 10
                e += 1
            }
        }
        if m.magnitude <= UInt64(JSONNumber.smallLimit) && e >= -22 && e <= 22 {
            storage = .small(m, Int16(e))
            return
        }
        let dec = e >= -128 && e <= 127
            ? Decimal(sign: m < 0 ? .minus : .plus, exponent: e, significand: Decimal(m.magnitude)) : nil
        let dbl = double ?? Double("\(m)e\(e)") ?? .nan
        storage = .boxed(Box(decimal: dec, double: dbl))
    }

    /// A decimal's significand and exponent when the significand fits in 64 bits.
    static func parts(of d: Decimal) -> (Int64, Int)? {
        guard rawLayoutKnown, let raw = rawParts(d), raw.magnitude <= UInt64(Int64.max) else { return nil }
        return (raw.negative ? -Int64(raw.magnitude) : Int64(raw.magnitude), raw.magnitude == 0 ? 0 : raw.exponent)
    }

    /// A decimal's sign, 64-bit significand and exponent, read from its storage (exponent byte,
    /// length and sign bits, 16-bit mantissa words); nil for NaN or a longer significand. Only
    /// meaningful when ``rawLayoutKnown``.
    static func rawParts(_ d: Decimal) -> (negative: Bool, magnitude: UInt64, exponent: Int)? {
        withUnsafeBytes(of: d) { raw -> (negative: Bool, magnitude: UInt64, exponent: Int)? in
            let exponent = Int(Int8(bitPattern: raw[0]))
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            if length == 0 { return negative ? nil : (false, 0, 0) }  // zero, or NaN
            guard length <= 4 else { return nil }
            var m: UInt64 = 0
            for i in stride(from: length - 1, through: 0, by: -1) {
                m = m << 16 | UInt64(raw[4 + 2 * i]) | UInt64(raw[5 + 2 * i]) << 8
            }
            return (negative, m, exponent)
        }
    }

    /// The exponent part of a decimal literal at `i` (`[Ee][-+]?[0-9]+`), with `i` moved past it:
    /// nil when there is none (`i` unmoved), `.some(nil)` when it has no digits. Past 100,000 the
    /// digits no longer add up (callers only take exponents far smaller). Shared with the JSONata
    /// engine's number reading, in the package only.
    @inlinable @inline(__always)
    package static func exponentPart(_ b: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int?? {
        let n = b.count
        guard i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) else { return nil }
        i += 1
        var negative = false
        if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { negative = b[i] == UInt8(ascii: "-"); i += 1 }
        let start = i
        var x = 0
        while i < n, b[i] &- 48 < 10 {
            if x < 100_000 { x = x * 10 + Int(b[i] &- 48) }
            i += 1
        }
        if i == start { return .some(nil) }
        return negative ? -x : x
    }

    /// A literal whose significand fits in 2^53 and whose exponent is within ±22, read in one
    /// pass; nil for anything else (including text that is not a JSON number, which the general
    /// path then rejects).
    @inline(__always)
    static func parseSmall(_ b: UnsafeBufferPointer<UInt8>) -> JSONNumber? {
        var i = 0
        let n = b.count
        var negative = false
        if i < n && b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < n else { return nil }
        var m: Int64 = 0
        var digits = 0
        if b[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < n, b[i] &- 48 < 10 {
                guard digits < 18 else { return nil }
                m = m &* 10 &+ Int64(b[i] &- 48)
                if m != 0 { digits += 1 }
                i += 1
            }
            if digits == 0 { return nil }
        }
        var e = 0
        if i < n && b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < n, b[i] &- 48 < 10 {
                guard digits < 18 else { return nil }
                m = m &* 10 &+ Int64(b[i] &- 48)
                if m != 0 { digits += 1 }
                e -= 1
                i += 1
            }
            if i == start { return nil }
        }
        if let x = exponentPart(b, &i) {
            guard let x else { return nil }
            e += x
        }
        guard i == n else { return nil }
        if m == 0 {
            if negative { return nil }  // -0 keeps its sign in the double
            return JSONNumber(exact: 0, exponent: 0)
        }
        while m % 10 == 0 {
            m /= 10
            e += 1
        }
        guard m <= JSONNumber.smallLimit, e >= -22, e <= 22 else { return nil }
        return JSONNumber(storage: .small(negative ? -m : m, Int16(e)))
    }

    @inline(__always) private init(storage: Storage) {
        self.storage = storage
    }

    /// Appends the canonical JSON text (as ``jsonText``) to `out`.
    @inline(__always)
    public func write(into out: inout [UInt8]) {
        put(into: &out)
    }

    func put<O: ByteOutput>(into out: inout O) {
        if case .small(let m, let e) = storage {
            JSONNumber.writeSmall(m, Int(e), into: &out)
        } else {
            var text = jsonText
            text.withUTF8 { out.put($0) }
        }
    }

    static func writeSmall<O: ByteOutput>(_ m: Int64, _ e: Int, into out: inout O) {
        if m < 0 { out.put(UInt8(ascii: "-")) }
        var buf: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 digit bytes, written from the end
        var count = 0
        withUnsafeMutableBytes(of: &buf) { raw in
            var v = m.magnitude
            var p = 24
            repeat {
                p -= 1
                raw[p] = UInt8(truncatingIfNeeded: v % 10) + 48
                v /= 10
            } while v != 0
            count = 24 - p
            let digits = UnsafeRawBufferPointer(rebasing: raw[p...])
            if e >= 0 {
                out.put(digits)
                if e > 0 { out.put(repeating: UInt8(ascii: "0"), count: e) }
            } else {
                let point = count + e  // digits before the point
                if point > 0 {
                    out.put(UnsafeRawBufferPointer(rebasing: digits[digits.startIndex..<digits.startIndex + point]))
                    out.put(UInt8(ascii: "."))
                    out.put(UnsafeRawBufferPointer(rebasing: digits[(digits.startIndex + point)...]))
                } else {
                    out.put(UInt8(ascii: "0"))
                    out.put(UInt8(ascii: "."))
                    out.put(repeating: UInt8(ascii: "0"), count: -point)
                    out.put(digits)
                }
            }
        }
    }

    /// True when the value is a mathematical integer (`1.0` counts, as JSON Schema requires).
    public var isInteger: Bool {
        if case .small(_, let e) = storage { return e >= 0 }
        if let d = decimal {
            var v = d
            var r = Decimal()
            NSDecimalRound(&r, &v, 0, .plain)
            return r == d
        }
        return double.isFinite && double.rounded(.towardZero) == double
    }

    /// The value as an `Int` when it is an integer in range.
    public var intValue: Int? {
        if case .small(let m, let e) = storage {
            guard e >= 0 else { return nil }
            if e == 0 { return Int(m) }
            guard e <= 18 else { return nil }
            let (r, o) = Int(m).multipliedReportingOverflow(by: Int(JSONNumber.pow10Int(Int(e))))
            return o ? nil : r
        }
        guard isInteger else { return nil }
        if let d = decimal {
            let n = NSDecimalNumber(decimal: d)
            if d <= Decimal(Int.max) && d >= Decimal(Int.min) { return n.intValue }
            return nil
        }
        guard double >= -9.2e18 && double <= 9.2e18 else { return nil }
        return Int(double)
    }

    /// Canonical JSON text: exact decimals print as themselves, integers without a fraction.
    public var jsonText: String {
        if case .small(let m, let e) = storage {
            if e == 0 { return String(m) }
            var out: [UInt8] = []
            out.reserveCapacity(24)
            JSONNumber.writeSmall(m, Int(e), into: &out)
            return String(decoding: out, as: UTF8.self)
        }
        if let d = decimal { return JSONNumber.format(d) }
        return JSONNumber.shortest(double)
    }

    // MARK: - Helpers

    static func isValidLiteral(_ s: String) -> Bool {
        var it = s.utf8.makeIterator()
        var c = it.next()
        if c == UInt8(ascii: "-") { c = it.next() }
        guard let first = c else { return false }
        if first == UInt8(ascii: "0") {
            c = it.next()
        } else if first >= UInt8(ascii: "1") && first <= UInt8(ascii: "9") {
            repeat { c = it.next() } while c.map(isDigit) == true
        } else {
            return false
        }
        if c == UInt8(ascii: ".") {
            c = it.next()
            guard c.map(isDigit) == true else { return false }
            repeat { c = it.next() } while c.map(isDigit) == true
        }
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            c = it.next()
            if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { c = it.next() }
            guard c.map(isDigit) == true else { return false }
            repeat { c = it.next() } while c.map(isDigit) == true
        }
        return c == nil
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// The exact decimal for a valid literal, or nil when `Decimal` cannot hold it exactly.
    static func exactDecimal(_ literal: String) -> Decimal? {
        // Split into digits and a decimal exponent, then check Decimal's limits.
        var negative = false
        var digits: [UInt8] = []
        var exponent = 0
        var seenDot = false
        var expPart = ""
        var inExp = false
        for c in literal.utf8 {
            if inExp { expPart.append(Character(UnicodeScalar(c))); continue }
            switch c {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): seenDot = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExp = true
            default:
                digits.append(c - 48)
                if seenDot { exponent -= 1 }
            }
        }
        if !expPart.isEmpty {
            guard let e = Int(expPart), abs(e) < 10_000 else { return nil }
            exponent += e
        }
        // Strip leading and trailing zeros.
        while let f = digits.first, f == 0, digits.count > 1 { digits.removeFirst() }
        if digits == [0] { return negative ? Decimal(0) : Decimal(0) }
        while let l = digits.last, l == 0 { digits.removeLast(); exponent += 1 }
        guard digits.count <= 38, exponent >= -128, exponent + digits.count <= 127 + 38 else { return nil }
        guard exponent <= 127 else { return nil }
        var mantissa = Decimal(0)
        for d in digits { mantissa = mantissa * 10 + Decimal(Int(d)) }
        let value = Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: mantissa)
        return value
    }

    /// Shortest round-tripping text for a double, in JSON syntax (`3` not `3.0`).
    public static func shortest(_ d: Double) -> String {
        if d.isNaN || d.isInfinite { return "null" }
        if d == d.rounded(.towardZero) && abs(d) < 1e16 {
            return String(Int64(d))
        }
        var s = "\(d)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Plain decimal text without exponent for reasonable magnitudes.
    public static func format(_ d: Decimal) -> String {
        if rawLayoutKnown, let s = fastFormat(d) { return s }
        return describedFormat(d)
    }

    /// `format` through `Decimal.description` (slow: it is the reference for `fastFormat`).
    static func describedFormat(_ d: Decimal) -> String {
        var s = d.description
        if s.utf8.contains(UInt8(ascii: ".")) {
            while s.utf8.last == UInt8(ascii: "0") { s.removeLast() }
            if s.utf8.last == UInt8(ascii: ".") { s.removeLast() }
        }
        if s == "-0" { s = "0" }
        return s
    }

    /// Whether `fastFormat` reads `Decimal`'s storage as this Foundation lays it out: checked
    /// once against `describedFormat` on values that exercise every part of it. When the layout
    /// is not the one expected, every number goes the slow way.
    static let rawLayoutKnown: Bool = {
        guard MemoryLayout<Decimal>.size == 20 else { return false }
        let samples = ["0", "-0.000001", "0.3", "76.30", "-12345.6700", "1e20", "18446744073709551615", "-9.99", "123456789.000000001",
                       "0.0000000000000000000000000001", "4294967296", "65536.5", "-1"]
        return samples.allSatisfy { text in
            guard let d = Decimal(string: text), let fast = fastFormat(d) else { return false }
            return fast == describedFormat(d)
        }
    }()

    /// Formats a decimal whose significand fits in 64 bits straight from its storage
    /// (exponent byte, length and sign bits, 16-bit mantissa words); nil otherwise.
    static func fastFormat(_ d: Decimal) -> String? {
        guard let (negative, m, exponent) = rawParts(d) else { return nil }
        if m == 0 { return "0" }
        var digits = Array(String(m).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(digits.count + 4)
        if negative { out.append(UInt8(ascii: "-")) }
        if exponent >= 0 {
            guard exponent <= 64 else { return nil }
            out += digits
            out += repeatElement(UInt8(ascii: "0"), count: exponent)
        } else {
            let point = digits.count + exponent  // digits before the point
            var fraction: ArraySlice<UInt8>
            if point > 0 {
                out += digits[..<point]
                fraction = digits[point...]
            } else {
                out.append(UInt8(ascii: "0"))
                digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point), at: 0)
                fraction = digits[...]
            }
            while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
            if !fraction.isEmpty {
                out.append(UInt8(ascii: "."))
                out += fraction
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension JSONNumber: Hashable, Comparable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if case .small(let a, let x) = lhs.storage, case .small(let b, let y) = rhs.storage { return a == b && x == y }
        if let a = lhs.decimal, let b = rhs.decimal { return a == b }
        return lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) {
        // Equal numbers have equal doubles, so the double is a consistent hash.
        hasher.combine(double == 0 ? 0 : double)
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if case .small(let a, let x) = lhs.storage, case .small(let b, let y) = rhs.storage {
            if x == y { return a < b }
            // Rounding to the nearest double is monotonic: unequal doubles order the values.
            let p = lhs.double, q = rhs.double
            if p != q { return p < q }
        }
        if let a = lhs.decimal, let b = rhs.decimal { return a < b }
        return lhs.double < rhs.double
    }
}

extension JSONNumber: CustomStringConvertible {
    public var description: String { jsonText }
}
