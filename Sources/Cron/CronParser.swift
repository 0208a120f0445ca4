/// The expanded fields of a cron expression: what `CronExpression.next` works from.
struct CronSchedule: Hashable, Sendable {
    var minutes = CronValueSet()
    var hours = CronValueSet()
    var daysOfMonth = CronValueSet()
    var months = CronValueSet()
    /// 0 = Sunday … 6 = Saturday (7 is folded into 0).
    var daysOfWeek = CronValueSet()
    /// `L` in the day-of-month field: the last day of each month.
    var lastDayOfMonth = false
    /// The day-of-month field does not start with `*` or `?` (Vixie cron's rule).
    var dayOfMonthRestricted = false
    /// The day-of-week field does not start with `*` or `?` (Vixie cron's rule).
    var dayOfWeekRestricted = false
}

/// Reads the text of a cron expression into a ``CronSchedule``, reporting the first problem
/// with the `Character` offset and length of the offending token.
struct CronParser {
    static let macros: [(name: String, expansion: String)] = [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ]

    private let chars: [Character]

    init(_ text: String) {
        chars = Array(text)
    }

    func parse() throws(CronParseError) -> CronSchedule {
        let fields = splitFields()
        let expectedFields = "expected 5 fields (minute hour day-of-month month day-of-week)"
        guard let first = fields.first, let last = fields.last else {
            throw CronParseError(
                message: "empty cron expression; \(expectedFields) or a macro such as @daily",
                offset: 0, length: chars.count)
        }
        if chars[first.lowerBound] == "@" {
            return try parseMacro(fields)
        }
        if fields.count < 5 {
            throw error("\(expectedFields), found \(fields.count)", first.lowerBound..<last.upperBound)
        }
        if fields.count > 5 {
            throw error("\(expectedFields), found \(fields.count)", fields[5].lowerBound..<last.upperBound)
        }
        var schedule = CronSchedule()
        var lastDay = false
        schedule.minutes = try parseField(.minute, fields[0], lastDay: &lastDay)
        schedule.hours = try parseField(.hour, fields[1], lastDay: &lastDay)
        schedule.daysOfMonth = try parseField(.dayOfMonth, fields[2], lastDay: &lastDay)
        schedule.months = try parseField(.month, fields[3], lastDay: &lastDay)
        schedule.daysOfWeek = try parseField(.dayOfWeek, fields[4], lastDay: &lastDay)
        schedule.lastDayOfMonth = lastDay
        schedule.dayOfMonthRestricted = !"*?".contains(chars[fields[2].lowerBound])
        schedule.dayOfWeekRestricted = !"*?".contains(chars[fields[4].lowerBound])
        return schedule
    }

    // MARK: - Fields

    /// The ranges of the whitespace-separated tokens.
    private func splitFields() -> [Range<Int>] {
        var fields: [Range<Int>] = []
        var start: Int? = nil
        for index in chars.indices {
            if chars[index].isWhitespace {
                if let s = start { fields.append(s..<index); start = nil }
            } else if start == nil {
                start = index
            }
        }
        if let s = start { fields.append(s..<chars.count) }
        return fields
    }

    private func parseMacro(_ fields: [Range<Int>]) throws(CronParseError) -> CronSchedule {
        let token = text(fields[0])
        guard let macro = Self.macros.first(where: { $0.name == token.lowercased() }) else {
            let names = Self.macros.map(\.name)
            throw error(
                "unknown macro '\(token)'; expected \(names.dropLast().joined(separator: ", ")) or \(names.last!)",
                fields[0])
        }
        if fields.count > 1 {
            throw error(
                "unexpected '\(text(fields[1]))' after '\(token)'; a macro is the whole expression",
                fields[1].lowerBound..<fields[fields.count - 1].upperBound)
        }
        return try CronParser(macro.expansion).parse()
    }

    private func parseField(
        _ field: CronField, _ range: Range<Int>, lastDay: inout Bool
    ) throws(CronParseError) -> CronValueSet {
        var set = CronValueSet()
        var itemStart = range.lowerBound
        while true {
            let comma = chars[itemStart..<range.upperBound].firstIndex(of: ",")
            let itemEnd = comma ?? range.upperBound
            if itemStart == itemEnd {
                if let comma {
                    throw error("empty list item in \(field.name) field; expected a value before ','", comma..<comma + 1)
                }
                throw error("empty list item in \(field.name) field; expected a value after ','", itemStart - 1..<itemStart)
            }
            try parseItem(field, itemStart..<itemEnd, into: &set, lastDay: &lastDay)
            guard let comma else { return set }
            itemStart = comma + 1
        }
    }

    /// One list item: `*`, `?`, `L`, `a`, `a-b`, each optionally followed by `/step`.
    private func parseItem(
        _ field: CronField, _ item: Range<Int>, into set: inout CronValueSet, lastDay: inout Bool
    ) throws(CronParseError) {
        for index in item {
            let c = chars[index]
            if !(c.isASCII && (c.isLetter || c.isNumber)) && !"*?-/".contains(c) {
                throw error(
                    "unexpected character '\(c)' in \(field.name) field; expected \(field.expectedSyntax)",
                    index..<index + 1)
            }
        }
        let slashes = item.filter { chars[$0] == "/" }
        if slashes.count > 1 {
            throw error("unexpected second '/' in \(field.name) field; a step is written once, as in '*/15'",
                        slashes[1]..<slashes[1] + 1)
        }
        let slash = slashes.first
        let base = item.lowerBound..<(slash ?? item.upperBound)

        if let slash, base.isEmpty {
            throw error("expected a value, a range or '*' before '/' in \(field.name) field", slash..<slash + 1)
        }
        let baseText = text(base)
        let low: Int
        var high: Int
        if baseText == "*" || baseText == "?" {
            if baseText == "?" && field != .dayOfMonth && field != .dayOfWeek {
                throw error("unexpected '?' in \(field.name) field; '?' is only allowed in day-of-month and day-of-week",
                            base)
            }
            low = field.wildcardRange.lowerBound
            high = field.wildcardRange.upperBound
        } else if field == .dayOfMonth && baseText.uppercased() == "L" {
            if let slash {
                throw error("'L' (the last day of the month) cannot take a step", slash..<item.upperBound)
            }
            lastDay = true
            return
        } else {
            let dashes = base.filter { chars[$0] == "-" }
            if dashes.count > 1 {
                throw error("unexpected second '-' in \(field.name) range", dashes[1]..<dashes[1] + 1)
            }
            if let dash = dashes.first {
                if dash == base.lowerBound {
                    throw error("expected a \(field.name) value before '-'", dash..<dash + 1)
                }
                if dash + 1 == base.upperBound {
                    throw error("expected a \(field.name) value after '-'", dash..<dash + 1)
                }
                low = try value(field, base.lowerBound..<dash)
                high = try value(field, dash + 1..<base.upperBound)
                // `FRI-SUN`: a named range ending on Sunday ends on 7.
                if field == .dayOfWeek && high == 0 && low > 0 && chars[dash + 1].isLetter {
                    high = 7
                }
                if low > high {
                    throw error(
                        "\(field.name) range \(baseText) is reversed; expected the start to be at most the end",
                        base)
                }
            } else {
                low = try value(field, base)
                // `a/n` runs from a to the end of the field.
                high = slash == nil ? low : max(low, field.wildcardRange.upperBound)
            }
        }
        var step = 1
        if let slash {
            step = try parseStep(field, after: slash, in: item)
        }
        for value in stride(from: low, through: high, by: step) {
            set.insert(field == .dayOfWeek && value == 7 ? 0 : value)
        }
    }

    /// The number after `/`: at least 1, at most the field's largest value.
    private func parseStep(_ field: CronField, after slash: Int, in item: Range<Int>) throws(CronParseError) -> Int {
        let range = slash + 1..<item.upperBound
        if range.isEmpty {
            throw error("expected a step after '/' in \(field.name) field", slash..<slash + 1)
        }
        let token = text(range)
        guard token.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw error("expected a number as the \(field.name) step, found '\(token)'", range)
        }
        let maxStep = field.range.upperBound
        guard let step = Int(token), (1...maxStep).contains(step) else {
            throw error("\(field.name) step \(token) is out of range 1-\(maxStep)", range)
        }
        return step
    }

    /// A number in the field's range, or (month, day-of-week) a three-letter name.
    private func value(_ field: CronField, _ range: Range<Int>) throws(CronParseError) -> Int {
        let token = text(range)
        if token.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let number = Int(token), field.range.contains(number) else {
                throw error(
                    "\(field.name) value \(token) is out of range \(field.range.lowerBound)-\(field.range.upperBound)",
                    range)
            }
            return number
        }
        if field.names != nil && token.allSatisfy({ $0.isASCII && $0.isLetter }) {
            guard let number = field.value(ofName: token) else {
                throw error("unknown \(field.name) name '\(token)'; expected \(field.expectedValues)", range)
            }
            return number
        }
        throw error("expected a \(field.name) value (\(field.expectedValues)), found '\(token)'", range)
    }

    // MARK: - Helpers

    private func text(_ range: Range<Int>) -> String {
        String(chars[range])
    }

    private func error(_ message: String, _ range: Range<Int>) -> CronParseError {
        CronParseError(message: message, offset: range.lowerBound, length: range.count)
    }
}
