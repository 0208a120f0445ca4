import Foundation

/// Xero's JSON dates: `/Date(1439434356790)/` or `/Date(1419937200000+0000)/`, milliseconds since
/// 1970 UTC, the offset only saying which zone the value was shown in (xero-facts.md, "Lock
/// dates, money, dates").
public enum XeroDate {
    /// The instant of a `/Date(…)/` text; nil for anything else.
    public static func parse(_ text: String) -> Date? {
        guard text.hasPrefix("/Date("), text.hasSuffix(")/") else { return nil }
        let inner = text.dropFirst(6).dropLast(2)
        var digits = Substring(inner)
        var sign: Int64 = 1
        if digits.first == "-" { sign = -1; digits = digits.dropFirst() }
        let number = digits.prefix { $0.isASCII && $0.isNumber }
        let rest = digits.dropFirst(number.count)
        guard !number.isEmpty, number.count <= 16, let ms = Int64(number),
              rest.isEmpty || ((rest.first == "+" || rest.first == "-") && rest.dropFirst().allSatisfy { $0.isASCII && $0.isNumber } && rest.count <= 5)
        else { return nil }
        return Date(timeIntervalSince1970: Double(sign * ms) / 1000)
    }

    /// `2026-11-23` when the instant is midnight UTC (a date), else `2026-11-23T10:15:00Z`.
    public static func iso(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = seconds.truncatingRemainder(dividingBy: 86_400) == 0 ? "yyyy-MM-dd" : "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f.string(from: date)
    }

    /// `/Date(ms+0000)/` for an instant, as Xero writes it.
    public static func wire(_ date: Date) -> String {
        "/Date(\(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))+0000)/"
    }
}
