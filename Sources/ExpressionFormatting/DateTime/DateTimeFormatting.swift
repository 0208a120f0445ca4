/// `$fromMillis` and `$toMillis`: instants to and from XPath F&O 3.1 `format-dateTime` pictures,
/// in the proleptic Gregorian calendar with fixed UTC offsets.
public enum DateTimeFormatting {
    /// `$fromMillis(ms [, picture [, timezone]])`.
    ///
    /// - Parameters:
    ///   - millis: milliseconds since 1970-01-01T00:00:00Z (fractions are truncated, as `Date` does).
    ///   - picture: a date/time picture such as `"[D1o] [MNn] [Y]"`; nil for ISO 8601
    ///     `[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]`.
    ///   - timezone: the offset to show the time in, `±hhmm` (e.g. `"+0100"`, `"-0500"`,
    ///     `"0000"`) or `±hh:mm`; nil for UTC.
    /// - Throws: `D3131`–`D3135` for a malformed picture, `D3130` for an unsupported numbering,
    ///   `D3137` when `millis` is not finite or beyond ±8.64e15 (JavaScript's date range).
    public static func format(millis: Double, picture: String?, timezone: String?) throws(FormattingError) -> String {
        let spec = try picture.map { p throws(FormattingError) in
            try pictures.value(for: p) { () throws(FormattingError) in try DateTimePicture(p) }
        } ?? DateTimePicture.iso8601
        let offset = TimezoneOffset(timezone)
        let shifted = (millis + Double(offset.totalMinutes) * 60_000).rounded(.towardZero)
        guard shifted.isFinite, shifted.magnitude <= CivilDateTime.maxMillis else { throw .timestampOutOfRange }
        let date = CivilDateTime(millis: Int64(shifted))
        if let plan = spec.plan { return format(plan, date) }
        var result = ""
        for part in spec.parts {
            switch part {
            case .literal(let text): result += text
            case .marker(let marker): result += try format(marker, of: date, offset: offset)
            }
        }
        return result
    }

    /// `$toMillis(timestamp [, picture])`.
    ///
    /// Without a picture the timestamp must be ISO 8601: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally
    /// followed by `Thh:mm:ss`, a fraction of a second and `Z` or `±hh[:]mm`; a time without an
    /// offset is taken as UTC. With a picture, components the picture leaves out are filled in
    /// as jsonata-js does: those more significant than any given come from `now`, the rest are
    /// the earliest value (month and day 1, time 00:00:00.000).
    ///
    /// - Parameters:
    ///   - now: the evaluation's fixed timestamp (what `$now()` returns), in milliseconds; only
    ///     read when the picture leaves out leading components, e.g. `"[H]:[m]"`.
    /// - Returns: the milliseconds, or nil when the timestamp does not match the picture or names
    ///   no valid instant.
    /// - Throws: `D3110` when there is no picture and the timestamp is not ISO 8601; `D3130`–`D3136`
    ///   for pictures that are malformed or cannot be parsed.
    public static func parse(_ string: String, picture: String?, now: Double = 0) throws(FormattingError) -> Double? {
        guard let picture else { return try ISO8601Timestamp.millis(string) }
        let shared = try parsers.value(for: picture) { () throws(FormattingError) in
            SharedParser(try DateTimeParser(picture: try DateTimePicture(picture)))
        }
        return try shared.parser.millis(string, now: now)
    }

    /// A plain picture's text (what the general path writes for it), written as UTF-8 bytes
    /// straight into the string's storage.
    private static func format(_ plan: [DateTimePicture.PlanPart], _ date: CivilDateTime) -> String {
        var capacity = 0
        for part in plan {
            switch part {
            case .literal(let text): capacity += text.count
            case .number(_, let width, _): capacity += Swift.max(width, 20) + 1  // sign and Int64 digits
            }
        }
        return String(unsafeUninitializedCapacity: capacity) { buffer in
            var n = 0
            for part in plan {
                switch part {
                case .literal(let text):
                    for b in text {
                        buffer[n] = b
                        n += 1
                    }
                case .number(let component, let width, let yearDigits):
                    var value: Int64
                    switch component {
                    case UInt8(ascii: "Y"): value = date.year
                    case UInt8(ascii: "M"): value = date.month
                    case UInt8(ascii: "D"): value = date.day
                    case UInt8(ascii: "H"): value = date.hour
                    case UInt8(ascii: "m"): value = date.minute
                    default: value = date.second
                    }
                    if component == UInt8(ascii: "Y"), let digits = yearDigits, digits < 18 {
                        value %= Int64(power(10, digits))
                    }
                    if value < 0 {
                        buffer[n] = UInt8(ascii: "-")
                        n += 1
                    }
                    var rest = value.magnitude
                    var count = 1
                    while rest >= 10 {
                        rest /= 10
                        count += 1
                    }
                    let total = Swift.max(count, width)
                    rest = value.magnitude
                    var i = n + total - 1
                    while i >= n {
                        buffer[i] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                        rest /= 10
                        i -= 1
                    }
                    n += total
                }
            }
            return n
        }
    }

    private static let pictures = PictureCache<DateTimePicture>()
    private static let parsers = PictureCache<SharedParser>()

    private static let months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ]
    private static let days = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    static func name(of component: Character, value: Int64) -> String? {
        switch component {
        case "M", "x": return (1...12).contains(value) ? months[Int(value) - 1] : nil
        case "F": return (1...7).contains(value) ? days[Int(value)] : nil
        default: return nil
        }
    }

    /// Names a component accepts when parsing, lower-cased, with the value each stands for.
    static func names(of component: Character, maxWidth: Int?) -> [String: Int64]? {
        let list: [(String, Int64)]
        switch component {
        case "M", "x": list = months.enumerated().map { ($1, Int64($0 + 1)) }
        case "F": list = days.enumerated().dropFirst().map { ($1, Int64($0)) }
        case "P": return ["am": 0, "pm": 1]
        default: return nil
        }
        var lookup: [String: Int64] = [:]
        for (name, value) in list {
            let shown = maxWidth.map { String(name.prefix($0)) } ?? name
            lookup[shown.lowercased()] = value
        }
        return lookup
    }

    private static func format(_ marker: DateTimeMarker, of date: CivilDateTime, offset: TimezoneOffset) throws(FormattingError) -> String {
        let component = marker.component
        switch component {
        case "Y", "M", "D", "d", "F", "W", "w", "X", "x", "H", "h", "m", "s", "f":
            var value = date.value(of: component)
            if component == "Y", let digits = marker.yearDigits, digits < 18 {
                value %= Int64(power(10, digits))
            }
            if let names = marker.names {
                guard let name = name(of: component, value: value) else {
                    throw .namesNotSupported(String(component))
                }
                var text: String
                switch names {
                case .upper: text = name.uppercased()
                case .lower: text = name.lowercased()
                case .title: text = name
                }
                if let max = marker.maxWidth, text.count > max { text = String(text.prefix(max)) }
                return text
            }
            guard let format = marker.integerFormat else { return String(value) }
            return try format.format(Double(value))
        case "Z", "z":
            return try formatTimezone(marker, offset: offset)
        case "P":
            let text = date.hour >= 12 ? "pm" : "am"
            return marker.names == .upper ? text.uppercased() : text
        default:  // C, E: calendar and era
            return "ISO"
        }
    }

    /// §9.8.4.6: `01:01` style (regular grouping) gives hours and minutes; one or two digits give
    /// hours with `:mm` only when the minutes are not zero; three or four give `hhmm`.
    private static func formatTimezone(_ marker: DateTimeMarker, offset: TimezoneOffset) throws(FormattingError) -> String {
        guard let format = marker.integerFormat, let decimal = format.decimal else { throw .timezoneTooManyDigits }
        let hhmm = Double(offset.hours.magnitude * 100 + offset.minutes.magnitude)
        var text: String
        if decimal.regularSeparator != nil {
            text = try format.format(hhmm)
        } else {
            switch decimal.mandatoryDigits {
            case 1, 2:
                text = try format.format(Double(offset.hours.magnitude))
                if offset.minutes != 0 {
                    text += ":" + (offset.minutes.magnitude < 10 ? "0" : "") + String(offset.minutes.magnitude)
                }
            case 3, 4:
                text = try format.format(hhmm)
            default:
                throw .timezoneTooManyDigits
            }
        }
        text = (offset.totalMinutes < 0 ? "-" : "+") + text
        if marker.component == "z" { text = "GMT" + text }
        if offset.totalMinutes == 0 && marker.presentation2 == "t" { text = "Z" }
        return text
    }
}

/// A fixed UTC offset as `$fromMillis` takes it: `±hhmm`, `hhmm` or `±hh:mm`.
struct TimezoneOffset {
    /// Signed; both carry the offset's sign.
    var hours: Int
    var minutes: Int
    var totalMinutes: Int { hours * 60 + minutes }

    /// Like jsonata-js's `parseInt`, leading sign and digits are read and the rest ignored;
    /// an offset without digits is UTC.
    init(_ text: String?) {
        hours = 0
        minutes = 0
        guard var rest = text.map({ Substring($0.trimmingPrefixWhitespace()) }) else { return }
        var sign = 1
        if let first = rest.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return }
        let afterDigits = rest.dropFirst(digits.count)
        if afterDigits.first == ":" {
            let minuteDigits = afterDigits.dropFirst().prefix { $0.isASCII && $0.isNumber }
            hours = sign * (Int(digits.suffix(9)) ?? 0)
            minutes = sign * (Int(minuteDigits.prefix(2)) ?? 0)
        } else {
            let value = Int(digits.suffix(9)) ?? 0
            hours = sign * (value / 100)
            minutes = sign * (value % 100)
        }
    }
}

extension String {
    func trimmingPrefixWhitespace() -> Substring {
        self.drop { $0.isWhitespace }
    }
}
