import Foundation
import JSONModel
import XeroModel

/// How Xero writes and reads dates, amounts and identifiers on the wire.
///
/// Responses carry dates as `/Date(1439434356790+0000)/` (milliseconds since 1970, UTC);
/// requests may send `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS` or `/Date(ms)/` (xero-facts.md, "Lock
/// dates, money, dates").
enum XeroWire {
    /// Milliseconds since 1970 for any date form Xero accepts or writes; nil when it is none.
    static func millis(_ text: String) -> Int64? {
        if text.hasPrefix("/Date(") {
            var digits = ""
            for c in text.dropFirst(6) {
                if c.isNumber || (c == "-" && digits.isEmpty) { digits.append(c) } else { break }
            }
            return Int64(digits)
        }
        return isoMillis(text)
    }

    /// `YYYY-MM-DD` with an optional `THH:MM:SS[.fff][Z]`, read as UTC.
    static func isoMillis(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var n = 0
            for b in bytes[from..<(from + count)] {
                guard b >= 48 && b <= 57 else { return nil }
                n = n * 10 + Int(b - 48)
            }
            return n
        }
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45,
              let y = number(0, 4), let m = number(5, 2), let d = number(8, 2),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var seconds = 0
        if bytes.count > 10 {
            guard bytes[10] == 84 || bytes[10] == 32, let h = number(11, 2), bytes.count >= 16,
                  let mi = number(14, 2) else { return nil }
            var s = 0
            if bytes.count >= 19, bytes[16] == 58 { s = number(17, 2) ?? 0 }
            guard h < 24, mi < 60, s < 60 else { return nil }
            seconds = h * 3600 + mi * 60 + s
        }
        guard let day = utcMillis(y, m, d) else { return nil }
        return day + Int64(seconds) * 1000
    }

    /// The proleptic Gregorian calendar in UTC, for every date the sandbox reads or writes.
    static let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Milliseconds since 1970 of a UTC date and time; nil when it is no real date (30 February)
    /// or out of range.
    static func utcMillis(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64? {
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
              (0..<24).contains(hour), (0..<60).contains(minute), (0..<60).contains(second),
              let date = utc.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)),
              utc.component(.day, from: date) == day else { return nil }
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Year, month, day, hour, minute and second (UTC) of a millisecond instant.
    static func civil(ofMillis ms: Int64) -> DateComponents {
        utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// `30-Nov-2018`, the form of Xero's lock-date messages.
    static func lockDateText(ofMillis ms: Int64) -> String {
        let c = civil(ofMillis: ms)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%02d-%@-%04d", c.day!, months[c.month! - 1], c.year!)
    }

    /// `2026-11-23T15:04:05.0000000`, as /connections writes times.
    static func isoUTC(_ seconds: Double) -> String {
        let c = civil(ofMillis: Int64((seconds * 1000).rounded(.down)))
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.0000000", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// A new identifier, lower-case as Xero writes them.
    static func newID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var a = generator.next(), b = generator.next()
        a = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        b = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 45, count: 36)
        var pos = 0
        for (word, count) in [(a, 16), (b, 16)] {
            for i in 0..<count {
                if pos == 8 || pos == 13 || pos == 18 || pos == 23 { pos += 1 }
                out[pos] = hex[Int((word >> UInt64(60 - 4 * i)) & 0xF)]
                pos += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True for a GUID in its usual 8-4-4-4-12 hexadecimal form.
    static func isGUID(_ text: String) -> Bool {
        let u = Array(text.utf8)
        guard u.count == 36 else { return false }
        for (i, b) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b != 45 { return false }
            } else if !((b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)) {
                return false
            }
        }
        return true
    }
}

/// Exact amounts: Foundation's `Decimal`, rounded half away from zero as Xero rounds money.
enum Money {
    static func round(_ value: Decimal, _ places: Int = 2) -> Decimal {
        var v = value
        var r = Decimal()
        NSDecimalRound(&r, &v, places, .plain)
        return r
    }

    /// The decimal value of a JSON number or numeric string; nil for anything else.
    static func decimal(_ value: JSONValue?) -> Decimal? {
        switch value {
        case .number(let n)?:
            return n.decimal ?? Decimal(string: JSONNumber.shortest(n.double))
        case .string(let s)?:
            // The whole text must be a number ("12.50"), not merely start with one ("12.50.3").
            var t = s.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("+") { t.removeFirst() }
            guard let n = JSONNumber(literal: t) else { return nil }
            return n.decimal ?? Decimal(string: JSONNumber.shortest(n.double))
        default:
            return nil
        }
    }

    static func json(_ value: Decimal) -> JSONValue { .number(JSONNumber(value)) }

    /// The number of decimal places a value is written with (`12.340` has 2 once normalised).
    static func places(_ value: Decimal) -> Int {
        let text = JSONNumber.format(value)
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }
}
