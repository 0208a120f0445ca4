import Foundation

/// Reads timestamps written by a date/time picture back into milliseconds, the way jsonata-js's
/// `parseDateTime` does: one regular expression made from the picture's parts, then the captured
/// components checked for gaps and completed.
struct DateTimeParser {
    private enum Reader {
        case literal
        case integer(IntegerPicture)
        case fraction
        case names([String: Int64])
        case timezone(gmtPrefix: Bool, separator: Character?)
    }

    private let regex: NSRegularExpression
    private let readers: [(component: Character?, reader: Reader)]
    /// The same match done by hand, for pictures made only of ASCII decimal components and
    /// punctuation (`[Y0001]-[M01]-[D01]`); nil for the others.
    private let digitsOnly: DigitPictureMatcher?

    init(picture: DateTimePicture) throws(FormattingError) {
        var pattern = "^"
        var readers: [(Character?, Reader)] = []
        for part in picture.parts {
            let (regex, component, reader) = try Self.matcher(for: part)
            pattern += "(" + regex + ")"
            readers.append((component, reader))
        }
        pattern += "$"
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else {
            throw .unknownComponent(pattern)  // unreachable: every piece is escaped or fixed
        }
        self.regex = regex
        self.readers = readers
        self.digitsOnly = DigitPictureMatcher(picture)
    }

    private static func matcher(for part: DateTimePicture.Part) throws(FormattingError) -> (String, Character?, Reader) {
        let marker: DateTimeMarker
        switch part {
        case .literal(let text): return (NSRegularExpression.escapedPattern(for: text), nil, .literal)
        case .marker(let m): marker = m
        }
        let component = marker.component
        if component == "Z" || component == "z" {
            let separator = marker.integerFormat?.decimal?.regularSeparator
            var regex = component == "z" ? "GMT" : ""
            regex += "[-+][0-9]+"
            if let separator { regex += NSRegularExpression.escapedPattern(for: String(separator)) + "[0-9]+" }
            return (regex, component, .timezone(gmtPrefix: component == "z", separator: separator))
        }
        if let format = marker.integerFormat {
            let regex = try integerRegex(format)
            return (regex, component, component == "f" ? .fraction : .integer(format))
        }
        guard let names = DateTimeFormatting.names(of: component, maxWidth: marker.maxWidth) else {
            throw .namesNotSupported(String(component))
        }
        return ("[a-zA-Z]+", component, .names(names))
    }

    private static func integerRegex(_ format: IntegerPicture) throws(FormattingError) -> String {
        switch format.primary {
        case .letters: return "[a-z]+"
        case .roman: return "[mdclxvi]+"
        case .words:
            return "(?:" + (EnglishWords.orderedWords + ["and", "[\\-, ]"]).joined(separator: "|") + ")+"
        case .decimal(let decimal):
            var regex = "[0-9]" + (decimal.parseWidth.map { "{\($0)}" } ?? "+")
            if format.ordinal { regex += "(?:th|st|nd|rd)" }
            return regex
        case .sequence(let token):
            throw .unsupportedSequence(token)
        }
    }

    func millis(_ timestamp: String, now: Double) throws(FormattingError) -> Double? {
        if let digitsOnly, let components = digitsOnly.match(timestamp) {
            if components.count == 3, let y = components["Y"], let m = components["M"], let d = components["D"] {
                return Self.date(year: y, month: m, day: d)
            }
            return try Self.complete(components, now: now)
        }
        let whole = NSRange(timestamp.startIndex..., in: timestamp)
        guard let match = regex.firstMatch(in: timestamp, options: [], range: whole) else { return nil }
        var components: [Character: Double] = [:]
        for (i, entry) in readers.enumerated() {
            guard let component = entry.component else { continue }
            guard let range = Range(match.range(at: i + 1), in: timestamp) else { return nil }
            let text = String(timestamp[range])
            guard let value = try Self.read(text, with: entry.reader) else { return nil }
            components[component] = value
        }
        if components.isEmpty { return nil }
        return try Self.complete(components, now: now)
    }

    private static func read(_ text: String, with reader: Reader) throws(FormattingError) -> Double? {
        switch reader {
        case .literal:
            return nil
        case .integer(let format):
            return try format.parse(text)
        case .fraction:
            // Digits after the decimal point, truncated to milliseconds.
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            let padded = (text + "000").prefix(3)
            return Double(String(padded))
        case .names(let lookup):
            return lookup[text.lowercased()].map(Double.init)
        case .timezone(let gmtPrefix, let separator):
            var body = Substring(text)
            if gmtPrefix { body = body.dropFirst(3) }
            guard let sign = body.first else { return nil }
            let negative = sign == "-"
            body = body.dropFirst()
            var hours = 0.0
            var minutes = 0.0
            if let separator, let split = body.firstIndex(of: separator) {
                hours = Double(body[..<split]) ?? 0
                minutes = Double(body[body.index(after: split)...]) ?? 0
            } else if body.count <= 2 {
                hours = Double(body) ?? 0
            } else {
                hours = Double(body.prefix(2)) ?? 0
                minutes = Double(body.dropFirst(2)) ?? 0
            }
            let total = hours * 60 + minutes
            return negative ? -total : total
        }
    }

    /// What ``complete(_:now:)`` gives for a year, month and day alone (the time is midnight UTC,
    /// a day past the month's end runs into the next month), without its bookkeeping.
    static func date(year y: Double, month m: Double, day d: Double) -> Double? {
        guard y.magnitude < 1e12, m.magnitude < 1e12, d.magnitude < 1e12 else { return nil }
        var year = Int64(y)
        var month0 = Int64(m) > 0 ? Int64(m) - 1 : 0
        year += Gregorian.floorDiv(month0, 12)
        month0 = Gregorian.floorMod(month0, 12)
        guard year.magnitude < 10_000_000 else { return nil }
        let days = Gregorian.days(year: year, month: month0 + 1, day: 1) + Int64(d) - 1
        let millis = Double(days) * 86_400_000
        return millis.magnitude <= CivilDateTime.maxMillis ? millis : nil
    }

    /// Which components form the date and the time, gaps, defaults from `now`, and the instant.
    ///
    /// The date is {Y, M, D}, {Y, d}, {X, x, w, F} or {X, W, F}; the time {H, m, s, f} or
    /// {P, h, m, s, f}. Components more significant than the first given come from `now`;
    /// those after the last given are the earliest value; a gap between given ones is `D3136`.
    static func complete(_ given: [Character: Double], now: Double) throws(FormattingError) -> Double? {
        var components = given
        func mask(_ letters: String) -> Int {
            letters.reduce(0) { $0 << 1 | (components[$1] != nil ? 1 : 0) }
        }
        func isType(_ type: Int, _ mask: Int) -> Bool { ~type & mask == 0 && type & mask != 0 }
        let dateMask = mask("YXMxWwdD")
        let dateA = isType(0b1010_0001, dateMask)
        let dateB = !dateA && isType(0b1000_0010, dateMask)
        let dateC = isType(0b0101_0100, dateMask)
        let dateD = !dateC && isType(0b0100_1000, dateMask)
        let timeMask = mask("PHhmsf")
        let timeA = isType(0b01_0111, timeMask)
        let timeB = !timeA && isType(0b10_1111, timeMask)

        let dateComponents = dateB ? "Yd" : dateC ? "XxwF" : dateD ? "XWF" : "YMD"
        let timeComponents = timeB ? "Phmsf" : "Hmsf"
        let nowMillis = now.isFinite && now.magnitude <= CivilDateTime.maxMillis ? Int64(now.rounded(.towardZero)) : 0
        let current = CivilDateTime(millis: nowMillis)
        var started = false
        var ended = false
        for component in dateComponents + timeComponents {
            if components[component] == nil {
                if started {
                    components[component] = "MDd".contains(component) ? 1 : 0
                    ended = true
                } else {
                    components[component] = Double(current.value(of: component))
                }
            } else {
                started = true
                if ended { throw .missingComponents }
            }
        }
        // Week-based dates are recognised but, as in jsonata-js, not supported.
        if dateC || dateD { throw .missingComponents }

        func value(_ c: Character) -> Double { components[c] ?? 0 }
        guard components.values.allSatisfy({ $0.isFinite && $0.magnitude < 1e12 }) else { return nil }
        var year = Int64(value("Y"))
        var month0 = Int64(value("M")) > 0 ? Int64(value("M")) - 1 : 0
        var day = Int64(value("D"))
        if dateB {
            let date = Gregorian.civil(days: Gregorian.days(year: year, month: 1, day: 1) + Int64(value("d")) - 1)
            year = date.year
            month0 = date.month - 1
            day = date.day
        }
        var hour = value("H")
        if timeB {
            hour = value("h") == 12 ? 0 : value("h")
            if value("P") == 1 { hour += 12 }
        }
        year += Gregorian.floorDiv(month0, 12)
        month0 = Gregorian.floorMod(month0, 12)
        guard year.magnitude < 10_000_000 else { return nil }
        let days = Gregorian.days(year: year, month: month0 + 1, day: 1) + day - 1
        var millis = Double(days) * 86_400_000
        millis += hour * 3_600_000 + value("m") * 60_000 + value("s") * 1000 + value("f")
        let offset = components["Z"].flatMap { $0 != 0 ? $0 : nil } ?? components["z"] ?? 0
        millis -= offset * 60_000
        return millis.magnitude <= CivilDateTime.maxMillis ? millis : nil
    }
}

/// Matches a timestamp against a picture of ASCII decimal components separated by punctuation
/// (`[Y0001]-[M01]-[D01]`, `[D01]/[M01]/[Y0001] [H01]:[m01]`) without a regular expression.
///
/// It decides only success: the picture's regular expression (`[0-9]+` per component, or
/// `[0-9]{n}` before an adjacent component, literals escaped) has exactly one way to match such
/// a timestamp, so a hand match that consumes it all gives the same captures. On any failure the
/// caller falls back to the regular expression (which, e.g., also lets `$` match before a final
/// newline).
struct DigitPictureMatcher: Sendable {
    private enum Part: Sendable {
        case literal([UInt8])
        /// `width` digits exactly, or (nil) the longest run of digits.
        case digits(component: Character, width: Int?)
    }

    private let parts: [Part]

    init?(_ picture: DateTimePicture) {
        var parts: [Part] = []
        for part in picture.parts {
            switch part {
            case .literal(let text):
                let bytes = Array(text.utf8)
                // Letters would need case-insensitive matching, digits could be taken by a component.
                guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 && !Self.isDigit($0) && !Self.isLetter($0) }) else { return nil }
                parts.append(.literal(bytes))
            case .marker(let marker):
                guard marker.component != "f", marker.component != "Z", marker.component != "z",
                      let format = marker.integerFormat, !format.ordinal,
                      case .decimal(let decimal) = format.primary, decimal.zero == 0x30,
                      decimal.separatorCharacters.isEmpty else { return nil }
                // An open-ended run must end at a literal (or the end), never at another component.
                if case .digits(_, nil)? = parts.last { return nil }
                parts.append(.digits(component: marker.component, width: decimal.parseWidth))
            }
        }
        guard parts.contains(where: { if case .digits = $0 { return true } else { return false } }) else { return nil }
        self.parts = parts
    }

    @inline(__always) private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    /// The components' values, or nil when the timestamp does not match.
    func match(_ timestamp: String) -> [Character: Double]? {
        var timestamp = timestamp
        return timestamp.withUTF8 { bytes -> [Character: Double]? in
            var components: [Character: Double] = [:]
            var i = 0
            for part in parts {
                switch part {
                case .literal(let text):
                    guard bytes.count - i >= text.count else { return nil }
                    for b in text {
                        guard bytes[i] == b else { return nil }
                        i += 1
                    }
                case .digits(let component, let width):
                    var value = 0.0
                    let start = i
                    while i < bytes.count, Self.isDigit(bytes[i]), width.map({ i - start < $0 }) ?? true {
                        value = value * 10 + Double(bytes[i] - 0x30)
                        i += 1
                    }
                    guard i > start, width.map({ i - start == $0 }) ?? true else { return nil }
                    components[component] = value
                }
            }
            return i == bytes.count ? components : nil
        }
    }
}

/// `$toMillis` without a picture: ISO 8601 as jsonata-js accepts it (its pattern, then
/// `Date.parse`), read as UTC when no offset is given.
enum ISO8601Timestamp {
    /// jsonata-js's gate: anything else is `D3110`.
    private static let accepted = try! NSRegularExpression(
        pattern: #"^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$"#)
    /// What then names an instant.
    private static let strict = try! NSRegularExpression(
        pattern: #"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?)?)?(Z|[+-]\d{2}:?\d{2})?$"#)

    static func millis(_ timestamp: String) throws(FormattingError) -> Double? {
        if let millis = dateOnly(timestamp) { return millis }
        let range = NSRange(timestamp.startIndex..., in: timestamp)
        guard accepted.firstMatch(in: timestamp, range: range) != nil else { throw .notISO8601(timestamp) }
        guard let match = strict.firstMatch(in: timestamp, range: range) else { return nil }
        func group(_ i: Int) -> String? {
            Range(match.range(at: i), in: timestamp).map { String(timestamp[$0]) }
        }
        func number(_ i: Int, default value: Int64) -> Int64 { group(i).flatMap { Int64($0) } ?? value }
        let year = number(1, default: 0)
        let month = number(2, default: 1)
        let day = number(3, default: 1)
        let hour = number(4, default: 0)
        let minute = number(5, default: 0)
        let second = number(6, default: 0)
        let millisecond = group(7).map { Int64(String(($0 + "00").prefix(3))) ?? 0 } ?? 0
        guard (1...12).contains(month), day >= 1,
              day <= Gregorian.daysInMonth(year: year, month: month),
              hour <= 24, minute <= 59, second <= 59,
              hour < 24 || (minute == 0 && second == 0 && millisecond == 0) else { return nil }
        var offsetMinutes: Int64 = 0
        if let zone = group(8), zone != "Z" {
            let digits = zone.dropFirst().filter { $0 != ":" }
            let hh = Int64(digits.prefix(2)) ?? 0
            let mm = Int64(digits.dropFirst(2)) ?? 0
            offsetMinutes = (hh * 60 + mm) * (zone.first == "-" ? -1 : 1)
        }
        let days = Gregorian.days(year: year, month: month, day: day)
        let millis = days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond - offsetMinutes * 60_000
        return Double(millis)
    }

    /// `YYYY-MM-DD`, the usual form, read without the regular expressions: nil for anything else
    /// (including invalid dates), which then takes the general path.
    private static func dateOnly(_ timestamp: String) -> Double? {
        var timestamp = timestamp
        return timestamp.withUTF8 { b -> Double? in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int64? {
                var n: Int64 = 0
                for i in range {
                    guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                    n = n * 10 + Int64(b[i] - 0x30)
                }
                return n
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
            // The gate's `-[01]\d` and `-[0-3]\d`.
            guard b[5] <= UInt8(ascii: "1"), b[8] <= UInt8(ascii: "3") else { return nil }
            guard (1...12).contains(month), day >= 1, day <= Gregorian.daysInMonth(year: year, month: month) else { return nil }
            return Double(Gregorian.days(year: year, month: month, day: day) * 86_400_000)
        }
    }
}
