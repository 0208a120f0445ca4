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

    /// Which components form the date and the time, gaps, defaults from `now`, and the instant.
    ///
    /// The date is {Y, M, D}, {Y, d}, {X, x, w, F} or {X, W, F}; the time {H, m, s, f} or
    /// {P, h, m, s, f}. Components more significant than the first given come from `now`;
    /// those after the last given are the earliest value; a gap between given ones is `D3136`.
    private static func complete(_ given: [Character: Double], now: Double) throws(FormattingError) -> Double? {
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
}
