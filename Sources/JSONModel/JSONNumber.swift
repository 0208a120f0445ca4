import Foundation

/// A JSON number that keeps its exact decimal value whenever it has one.
///
/// Money must never pass through `Double`: a literal such as `25.06` is held as the decimal
/// 25.06, with a correctly rounded `Double` alongside for code that needs IEEE arithmetic.
/// Literals beyond `Decimal`'s 38 significant digits or its exponent range keep only the
/// `Double` (they are not money).
public struct JSONNumber: Sendable {
    /// The exact value, when the number has one that `Decimal` can hold.
    public let decimal: Decimal?
    /// The nearest `Double` (may be infinite for huge literals).
    public let double: Double

    /// Parses a JSON number literal (`-12.5e3`). Returns nil for text that is not one.
    public init?(literal: String) {
        guard JSONNumber.isValidLiteral(literal), let d = Double(literal) else { return nil }
        self.double = d
        self.decimal = JSONNumber.exactDecimal(literal)
    }

    public init(_ value: Int) {
        self.decimal = Decimal(value)
        self.double = Double(value)
    }

    /// A number that came from IEEE arithmetic; its decimal is the shortest text that round-trips.
    public init(_ value: Double) {
        self.double = value
        if value.isFinite {
            self.decimal = JSONNumber.exactDecimal(JSONNumber.shortest(value))
        } else {
            self.decimal = nil
        }
    }

    public init(_ value: Decimal) {
        self.decimal = value
        self.double = Double(truncating: value as NSDecimalNumber)
    }

    /// A number whose exact value and nearest double are both already known (no conversion).
    /// `double` must be the double nearest to `decimal`.
    public init(decimal: Decimal, double: Double) {
        self.decimal = decimal
        self.double = double
    }

    /// True when the value is a mathematical integer (`1.0` counts, as JSON Schema requires).
    public var isInteger: Bool {
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
        withUnsafeBytes(of: d) { raw -> String? in
            let exponent = Int(Int8(bitPattern: raw[0]))
            let flags = raw[1]
            let length = Int(flags >> 4)
            let negative = flags & 0x08 != 0
            if length == 0 { return negative ? nil : "0" }  // zero, or NaN
            guard length <= 4 else { return nil }
            var m: UInt64 = 0
            for i in stride(from: length - 1, through: 0, by: -1) {
                m = m << 16 | UInt64(raw[4 + 2 * i]) | UInt64(raw[5 + 2 * i]) << 8
            }
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
}

extension JSONNumber: Hashable, Comparable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.decimal, let b = rhs.decimal { return a == b }
        return lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) {
        // Equal numbers have equal doubles, so the double is a consistent hash.
        hasher.combine(double == 0 ? 0 : double)
    }

    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let a = lhs.decimal, let b = rhs.decimal { return a < b }
        return lhs.double < rhs.double
    }
}

extension JSONNumber: CustomStringConvertible {
    public var description: String { jsonText }
}
