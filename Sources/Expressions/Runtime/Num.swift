import Foundation
import JSONModel

/// A JSONata number: an IEEE double, plus the exact decimal value `m × 10^e` when the number
/// has one (literals, source data, and `+ - *` of exact numbers).
///
/// Exact arithmetic is done on a scaled `Int64`; when a result does not fit, it falls back to
/// the double (such magnitudes are not money).
struct Num: Sendable {
    /// The nearest double.
    var d: Double
    /// The exact significand (meaningful when `isExact`).
    var m: Int64
    /// The exact exponent, or `Num.inexact`.
    var e: Int16

    static let inexact = Int16.min

    @inline(__always) var isExact: Bool { e != Num.inexact }

    @inline(__always) init(double: Double) {
        d = double
        m = 0
        e = Num.inexact
    }

    @inline(__always) init(int: Int) {
        d = Double(int)
        if int > -(1 << 62) && int < (1 << 62) {
            m = Int64(int)
            e = 0
        } else {
            m = 0
            e = Num.inexact
        }
    }

    /// An exact number `m × 10^e`.
    init(m: Int64, e: Int) {
        if e < -9_000 || e > 9_000 {
            self.init(double: Num.toDouble(m: m, e: e))
        } else {
            self.init(m: m, e: Int16(e), d: Num.toDouble(m: m, e: e))
        }
    }

    private init(m: Int64, e: Int16, d: Double) {
        self.m = m
        self.e = e
        self.d = d
    }

    /// The double nearest to `m × 10^e` (correctly rounded).
    static func toDouble(m: Int64, e: Int) -> Double {
        if m == 0 { return 0 }
        if m.magnitude <= (1 << 53) {
            if e == 0 { return Double(m) }
            if e > 0 && e <= 22 { return Double(m) * JSONNumber.pow10(e) }
            if e < 0 && e >= -22 { return Double(m) / JSONNumber.pow10(-e) }
        }
        return Double("\(m)e\(e)") ?? .nan
    }

    // MARK: - Conversions

    /// Parses a JSON-style number literal (`-12.50e3`); exact when the significand fits.
    static func parse(literal s: Substring.UTF8View) -> Num? {
        // Read from the string's own bytes when it has them in a row (native strings do).
        if let parsed = s.withContiguousStorageIfAvailable({ parse(bytes: $0) }) { return parsed }
        return Array(s).withUnsafeBufferPointer { parse(bytes: $0) }
    }

    private struct ByteReader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        @inline(__always) mutating func next() -> UInt8? {
            guard i < bytes.count else { return nil }
            defer { i += 1 }
            return bytes[i]
        }
    }

    private static func parse(bytes s: UnsafeBufferPointer<UInt8>) -> Num? {
        var it = ByteReader(bytes: s)
        var negative = false
        var mant: Int64 = 0
        var sig = 0
        var pending = 0
        var exp = 0
        var overflow = false
        var sawDigit = false
        @inline(__always) func push(_ dgt: UInt8) {
            if dgt == 0 {
                if mant != 0 { pending += 1 }
                return
            }
            let k = pending + 1
            if overflow || sig + k > 18 {
                overflow = true
                return
            }
            mant = mant * JSONNumber.pow10Int(k) + Int64(dgt)
            sig += k
            pending = 0
        }
        var c = it.next()
        if c == UInt8(ascii: "-") { negative = true; c = it.next() } else if c == UInt8(ascii: "+") { c = it.next() }
        while let ch = c, ch >= 48 && ch <= 57 {
            sawDigit = true
            push(ch - 48)
            c = it.next()
        }
        if c == UInt8(ascii: ".") {
            c = it.next()
            while let ch = c, ch >= 48 && ch <= 57 {
                sawDigit = true
                exp -= 1
                push(ch - 48)
                c = it.next()
            }
        }
        guard sawDigit else { return nil }
        if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            c = it.next()
            var eneg = false
            if c == UInt8(ascii: "-") { eneg = true; c = it.next() } else if c == UInt8(ascii: "+") { c = it.next() }
            var ev = 0
            var any = false
            while let ch = c, ch >= 48 && ch <= 57 {
                any = true
                if ev < 100_000 { ev = ev * 10 + Int(ch - 48) }
                c = it.next()
            }
            if !any { return nil }
            exp += eneg ? -ev : ev
        }
        if c != nil { return nil }
        exp += pending
        let dbl: Double
        if !overflow && mant.magnitude <= (1 << 53) && exp >= -22 && exp <= 22 {
            dbl = toDouble(m: negative ? -mant : mant, e: exp)
        } else {
            guard let v = Double(String(decoding: s, as: UTF8.self)) else { return nil }
            dbl = v
        }
        if overflow || exp < -300 || exp > 300 || !dbl.isFinite {
            return Num(double: dbl)
        }
        if mant == 0 { return Num(m: 0, e: 0, d: 0) }
        return Num(m: negative ? -mant : mant, e: Int16(exp), d: dbl)
    }

    /// What `isDecimalLiteral(s) ? parse(s) : nil` gives for a plain decimal literal
    /// (`-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?`) whose value is exact with at most 18
    /// significant digits and whose double comes straight from it, read in one pass; nil for
    /// anything else, which the caller then reads the general way. For the hot paths that read
    /// numbers from source text (`$number(member)`, exact arithmetic on members).
    static func plainDecimal(_ s: String) -> Num? {
        guard let (m, e) = plainDecimalParts(s) else { return nil }
        return m == 0 ? Num(m: 0, e: 0, d: 0) : Num(m: m, e: Int16(e), d: toDouble(m: m, e: e))
    }

    /// ``plainDecimal(_:)``'s exact value `m × 10^e` alone (no double worked out): what exact
    /// arithmetic on members reads.
    static func plainDecimalParts(_ s: String) -> (m: Int64, e: Int)? {
        var s = s
        return s.withUTF8 { plainDecimalParts(bytes: $0) }
    }

    private static func plainDecimalParts(bytes u: UnsafeBufferPointer<UInt8>) -> (m: Int64, e: Int)? {
        let n = u.count
        var i = 0
        var negative = false
        if i < n && u[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var mant: Int64 = 0
        var sig = 0
        var pending = 0
        var exp = 0
        // as `parse` reads digits: zeros after the last other digit wait in `pending`
        @inline(__always) func push(_ dgt: UInt8) -> Bool {
            if dgt == 0 {
                if mant != 0 { pending += 1 }
                return true
            }
            if pending == 0 {
                // (the usual digit: at most 18 significant digits, so nothing overflows)
                if sig == 18 { return false }
                mant = mant &* 10 &+ Int64(dgt)
                sig += 1
                return true
            }
            let k = pending + 1
            if sig + k > 18 { return false }
            mant = mant &* JSONNumber.pow10Int(k) &+ Int64(dgt)
            sig += k
            pending = 0
            return true
        }
        let whole = i
        while i < n, u[i] &- 48 < 10 {
            guard push(u[i] &- 48) else { return nil }
            i += 1
        }
        guard i > whole else { return nil }
        if i < n && u[i] == UInt8(ascii: ".") {
            i += 1
            let fraction = i
            while i < n, u[i] &- 48 < 10 {
                exp -= 1
                guard push(u[i] &- 48) else { return nil }
                i += 1
            }
            guard i > fraction else { return nil }
        }
        if let ev = JSONNumber.exponentPart(u, &i) {
            guard let ev else { return nil }
            exp += ev
        }
        guard i == n else { return nil }
        exp += pending
        guard exp >= -22 && exp <= 22 else { return nil }
        if mant == 0 { return (0, 0) }
        guard mant <= (1 << 53) else { return nil }
        return (negative ? -mant : mant, exp)
    }

    static func parse(_ s: String) -> Num? {
        parse(literal: s[...].utf8)
    }

    /// From a number of the JSON model (exact when it has a decimal with ≤ 15 significant digits).
    @inline(__always) init(_ n: JSONNumber) {
        if let (m, e) = n.smallParts {
            self.init(m: m, e: Int16(e), d: n.double)
            return
        }
        let dbl = n.double
        guard let dec = n.decimal else {
            self.init(double: dbl)
            return
        }
        let ex = dec.exponent
        // The significand is the double scaled, rounded without libm (|scaled| < 1e15, so
        // `+ 0.5` then truncation is the nearest integer).
        if ex == 0 {
            if dbl.magnitude < 1e15 {
                let i = Int64(dbl)
                if Double(i) == dbl {
                    self.init(m: i, e: 0, d: dbl)
                    return
                }
            }
        } else if ex < 0 && ex >= -22 {
            let scaled = dbl * JSONNumber.pow10(-ex)
            if scaled.magnitude < 1e15 {
                self.init(m: Int64(scaled < 0 ? scaled - 0.5 : scaled + 0.5), e: Int16(ex), d: dbl)
                return
            }
        } else if ex > 0 && ex <= 22 {
            let scaled = dbl / JSONNumber.pow10(ex)
            if scaled.magnitude < 1e15 {
                self.init(m: Int64(scaled < 0 ? scaled - 0.5 : scaled + 0.5), e: Int16(ex), d: dbl)
                return
            }
        }
        self.init(slow: n)
    }

    @inline(never) private init(slow n: JSONNumber) {
        if n.decimal != nil, let parsed = Num.parse(n.jsonText), parsed.isExact {
            self = parsed
            return
        }
        self.init(double: n.double)
    }

    /// For the JSON model: exact numbers keep their decimal.
    var jsonNumber: JSONNumber {
        if isExact {
            if m.magnitude <= 1 << 53 && e >= -22 && e <= 22 { return JSONNumber(significand: m, exponent: Int(e)) }
            let dec = Decimal(sign: m < 0 ? .minus : .plus, exponent: Int(e), significand: Decimal(m.magnitude))
            return JSONNumber(decimal: dec, double: d)
        }
        return JSONNumber(d)
    }

    // MARK: - Arithmetic

    /// Aligns two exact numbers on the smaller exponent; nil on overflow.
    @inline(__always)
    static func align(_ a: Num, _ b: Num) -> (Int64, Int64, Int)? {
        align((a.m, Int(a.e)), (b.m, Int(b.e)))
    }

    /// Aligns two exact values given as (significand, exponent) on the smaller exponent; nil on
    /// overflow. Shared with the evaluator's integer shortcuts, so both add up the same way.
    @inline(__always)
    static func align(_ a: (Int64, Int), _ b: (Int64, Int)) -> (Int64, Int64, Int)? {
        if a.1 == b.1 { return (a.0, b.0, a.1) }
        if a.1 > b.1 {
            guard let am = scale(a.0, a.1 - b.1) else { return nil }
            return (am, b.0, b.1)
        }
        guard let bm = scale(b.0, b.1 - a.1) else { return nil }
        return (a.0, bm, a.1)
    }

    @inline(__always)
    static func scale(_ m: Int64, _ k: Int) -> Int64? {
        if m == 0 { return 0 }
        if k > 18 { return nil }
        let (r, o) = m.multipliedReportingOverflow(by: JSONNumber.pow10Int(k))
        return o ? nil : r
    }

    /// The exact product of two (significand, exponent) values, the fraction's trailing zeros
    /// dropped; nil on overflow.
    @inline(__always)
    static func product(_ a: (Int64, Int), _ b: (Int64, Int)) -> (Int64, Int)? {
        let (p, o) = a.0.multipliedReportingOverflow(by: b.0)
        if o { return nil }
        var pm = p
        var pe = a.1 + b.1
        if pm == 0 { pe = 0 }
        while pe < 0 && pm % 10 == 0 && pm != 0 {
            pm /= 10
            pe += 1
        }
        return (pm, pe)
    }

    @inline(__always) static func + (a: Num, b: Num) -> Num {
        if a.isExact && b.isExact, let (x, y, e) = align(a, b) {
            let (s, o) = x.addingReportingOverflow(y)
            if !o { return Num(m: s, e: e) }
        }
        return Num(double: a.d + b.d)
    }

    static func - (a: Num, b: Num) -> Num {
        if a.isExact && b.isExact, let (x, y, e) = align(a, b) {
            let (s, o) = x.subtractingReportingOverflow(y)
            if !o { return Num(m: s, e: e) }
        }
        return Num(double: a.d - b.d)
    }

    static func * (a: Num, b: Num) -> Num {
        if a.isExact && b.isExact, let (pm, pe) = product((a.m, Int(a.e)), (b.m, Int(b.e))) {
            return Num(m: pm, e: pe)
        }
        return Num(double: a.d * b.d)
    }

    static prefix func - (a: Num) -> Num {
        if a.isExact { return Num(m: -a.m, e: a.e, d: a.m == 0 ? 0 : -a.d) }
        return Num(double: -a.d)
    }

    /// Numeric equality (exact when both are exact).
    static func equal(_ a: Num, _ b: Num) -> Bool {
        if a.isExact && b.isExact {
            if let (x, y, _) = align(a, b) { return x == y }
        }
        return a.d == b.d
    }

    /// -1, 0, 1 (exact when both are exact).
    static func compare(_ a: Num, _ b: Num) -> Int {
        if a.isExact && b.isExact, let (x, y, _) = align(a, b) {
            return x < y ? -1 : (x > y ? 1 : 0)
        }
        return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0)
    }

    var isInteger: Bool {
        if isExact { return e >= 0 || m == 0 }
        return d.isFinite && d == d.rounded(.towardZero)
    }

    // MARK: - Mode-aware operations (NumberMode.ieee: the double alone, as jsonata-js)

    /// `compare` on the doubles alone in IEEE mode.
    @inline(__always) static func compare(_ a: Num, _ b: Num, ieee: Bool) -> Int {
        if ieee { return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0) }
        return compare(a, b)
    }

    /// `equal` on the doubles alone in IEEE mode.
    @inline(__always) static func equal(_ a: Num, _ b: Num, ieee: Bool) -> Bool {
        if ieee { return a.d == b.d }
        return equal(a, b)
    }

    @inline(__always) func isInteger(ieee: Bool) -> Bool {
        if ieee { return d.isFinite && d == d.rounded(.towardZero) }
        return isInteger
    }

    /// jsonata-js's `$round` on the double: shift the decimal point in the number's shortest
    /// text, `Math.round`, back to even on an exact half, shift back.
    func roundIEEE(_ precision: Int) -> Num {
        var arg = d
        if precision != 0 { arg = Num.shiftingDecimalPoint(arg, by: precision) }
        // Math.round: the nearest integer, halves toward +∞.
        let down = arg.rounded(.down)
        var result = arg - down >= 0.5 ? down + 1 : down
        if !arg.isFinite { result = arg }
        let diff = result - arg
        if Swift.abs(diff) == 0.5 && Swift.abs(result.truncatingRemainder(dividingBy: 2)) == 1 {
            result -= 1
        }
        if precision != 0 { result = Num.shiftingDecimalPoint(result, by: -precision) }
        if result == 0 { result = 0 }  // no -0
        return Num(double: result)
    }

    /// `+(mantissa + 'e' + (exponent + k))` on JavaScript's text of `x`: `x × 10^k` read from
    /// decimal text, so no binary rounding from a multiplication.
    static func shiftingDecimalPoint(_ x: Double, by k: Int) -> Double {
        guard x.isFinite else { return .nan }
        let text = shortestText(x)
        var mantissa = Substring(text)
        var exponent = 0
        if let i = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<i]
            exponent = Int(text[text.index(after: i)...]) ?? 0
        }
        return Double("\(mantissa)e\(exponent + k)") ?? .nan
    }

    /// The exact decimal digits and exponent, from the exact value or the double's shortest text.
    var decimalParts: (m: Int64, e: Int)? {
        if isExact { return (m, Int(e)) }
        guard d.isFinite else { return nil }
        if let p = Num.parse(Num.shortestText(d)), p.isExact { return (p.m, Int(p.e)) }
        return nil
    }

    /// Swift's shortest round-trip text of a double.
    static func shortestText(_ d: Double) -> String {
        "\(d)"
    }

    /// Rounds half to even at `precision` decimal places (JSONata's `$round`).
    func roundHalfEven(_ precision: Int) -> Num {
        guard let (mm, ee) = decimalParts else { return self }
        // value = mm × 10^ee; keep digits down to 10^-precision
        let cut = -precision - ee   // number of digits to drop
        if cut <= 0 {
            return isExact ? self : Num(m: mm, e: ee)
        }
        if cut > 18 {
            return Num(int: 0)
        }
        let p = JSONNumber.pow10Int(cut)
        var q = mm / p
        let r = mm % p
        let twice = r.magnitude * 2
        if twice > p.magnitude || (twice == p.magnitude && q % 2 != 0) {
            q += mm < 0 ? -1 : 1
        }
        if q == 0 { return Num(int: 0) }
        return Num(m: q, e: ee + cut)
    }

    func floor() -> Num {
        if isExact && e < 0 {
            let p = JSONNumber.pow10Int(min(-Int(e), 18))
            if -Int(e) > 18 { return Num(int: m < 0 ? -1 : 0) }
            var q = m / p
            if m % p != 0 && m < 0 { q -= 1 }
            return Num(m: q, e: 0)
        }
        if isExact { return self }
        return Num(double: d.rounded(.down))
    }

    func ceil() -> Num {
        if isExact && e < 0 {
            if -Int(e) > 18 { return Num(int: m > 0 ? 1 : 0) }
            let p = JSONNumber.pow10Int(-Int(e))
            var q = m / p
            if m % p != 0 && m > 0 { q += 1 }
            return Num(m: q, e: 0)
        }
        if isExact { return self }
        let c = d.rounded(.up)
        return Num(double: c == 0 ? 0 : c)
    }

    func abs() -> Num {
        if isExact { return Num(m: m < 0 ? -m : m, e: e, d: Swift.abs(d)) }
        return Num(double: Swift.abs(d))
    }
}
