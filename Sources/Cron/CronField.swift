/// One of the five fields of a cron expression, with its range and names.
enum CronField: Int, CaseIterable, Sendable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// The name used in messages and in the field-count message.
    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Every value a number in this field may take (day-of-week accepts 7 for Sunday).
    var range: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// The values `*` and the open end of `a/n` stand for (day-of-week stops at 6: 7 repeats Sunday).
    var wildcardRange: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : range
    }

    /// Three-letter names, upper-case, indexed from the field's first named value.
    var names: [String]? {
        switch self {
        case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: nil
        }
    }

    /// The value of a name (case-insensitive), or nil when it is not one of `names`.
    func value(ofName name: String) -> Int? {
        guard let names, let index = names.firstIndex(of: name.uppercased()) else { return nil }
        return self == .month ? index + 1 : index
    }

    /// "0-59", "JAN-DEC or 1-12", … for messages.
    var expectedValues: String {
        switch self {
        case .month: "JAN-DEC or 1-12"
        case .dayOfWeek: "SUN-SAT or 0-7"
        default: "\(range.lowerBound)-\(range.upperBound)"
        }
    }

    /// What may appear in this field, for the unexpected-character message.
    var expectedSyntax: String {
        switch self {
        case .minute, .hour: "a number, '*', '-', '/' or ','"
        case .dayOfMonth: "a number, 'L', '*', '?', '-', '/' or ','"
        case .month: "a number, a month name, '*', '-', '/' or ','"
        case .dayOfWeek: "a number, a day name, '*', '?', '-', '/' or ','"
        }
    }
}

/// A set of small non-negative integers (0...63) as a bit mask.
struct CronValueSet: Hashable, Sendable {
    private(set) var bits: UInt64 = 0

    init() {}

    init(_ values: some Sequence<Int>) {
        for value in values { insert(value) }
    }

    mutating func insert(_ value: Int) {
        precondition((0..<64).contains(value))
        bits |= 1 << UInt64(value)
    }

    func contains(_ value: Int) -> Bool {
        (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest member that is at least `value`, or nil when there is none.
    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = value <= 0 ? bits : bits & ~((1 << UInt64(value)) - 1)
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }

    var isEmpty: Bool { bits == 0 }

    /// The members in increasing order.
    var values: [Int] { (0..<64).filter(contains) }
}
