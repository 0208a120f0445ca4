import Foundation
import Testing
import Cron

/// An expression that must fail, with the exact error it must report.
struct InvalidCase: Sendable, CustomTestStringConvertible {
    let text: String
    let offset: Int
    let length: Int
    let message: String
    var testDescription: String { "'\(text)'" }
}

private let fieldCount = "expected 5 fields (minute hour day-of-month month day-of-week)"
private let macros = "expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"

let invalidCases: [InvalidCase] = [
    // Field count and macros.
    .init(text: "", offset: 0, length: 1,
          message: "empty cron expression; \(fieldCount) or a macro such as @daily"),
    .init(text: "   ", offset: 0, length: 3,
          message: "empty cron expression; \(fieldCount) or a macro such as @daily"),
    .init(text: "* * * *", offset: 0, length: 7, message: "\(fieldCount), found 4"),
    .init(text: " 0 0 ", offset: 1, length: 3, message: "\(fieldCount), found 2"),
    .init(text: "0 0 * * * *", offset: 10, length: 1, message: "\(fieldCount), found 6"),
    .init(text: "0 0 * * * extra more", offset: 10, length: 10, message: "\(fieldCount), found 7"),
    .init(text: "@reboot", offset: 0, length: 7, message: "unknown macro '@reboot'; \(macros)"),
    .init(text: "@daily 5", offset: 7, length: 1,
          message: "unexpected '5' after '@daily'; a macro is the whole expression"),
    .init(text: "0 @daily * * *", offset: 2, length: 1,
          message: "unexpected character '@' in hour field; expected a number, '*', '-', '/' or ','"),
    // Values out of range.
    .init(text: "61 * * * *", offset: 0, length: 2, message: "minute value 61 is out of range 0-59"),
    .init(text: "  61 * * * *", offset: 2, length: 2, message: "minute value 61 is out of range 0-59"),
    .init(text: "0 24 * * *", offset: 2, length: 2, message: "hour value 24 is out of range 0-23"),
    .init(text: "0 0 0 * *", offset: 4, length: 1, message: "day-of-month value 0 is out of range 1-31"),
    .init(text: "0 0 32 * *", offset: 4, length: 2, message: "day-of-month value 32 is out of range 1-31"),
    .init(text: "0 0 * 13 *", offset: 6, length: 2, message: "month value 13 is out of range 1-12"),
    .init(text: "0 0 * * 8", offset: 8, length: 1, message: "day-of-week value 8 is out of range 0-7"),
    .init(text: "0 0 * * 1-9", offset: 10, length: 1, message: "day-of-week value 9 is out of range 0-7"),
    .init(text: "1,2,99 * * * *", offset: 4, length: 2, message: "minute value 99 is out of range 0-59"),
    .init(text: "99999999999999999999 * * * *", offset: 0, length: 20,
          message: "minute value 99999999999999999999 is out of range 0-59"),
    // Ranges.
    .init(text: "0 5-1 * * *", offset: 2, length: 3,
          message: "hour range 5-1 is reversed; expected the start to be at most the end"),
    .init(text: "0 0 * * FRI-MON", offset: 8, length: 7,
          message: "day-of-week range FRI-MON is reversed; expected the start to be at most the end"),
    .init(text: "-5 * * * *", offset: 0, length: 1, message: "expected a minute value before '-'"),
    .init(text: "0 0 * * MON-", offset: 11, length: 1, message: "expected a day-of-week value after '-'"),
    .init(text: "1-2-3 * * * *", offset: 3, length: 1, message: "unexpected second '-' in minute range"),
    .init(text: "0 0 * JAN-* *", offset: 10, length: 1,
          message: "expected a month value (JAN-DEC or 1-12), found '*'"),
    // Steps.
    .init(text: "*/0 * * * *", offset: 2, length: 1, message: "minute step 0 is out of range 1-59"),
    .init(text: "*/60 * * * *", offset: 2, length: 2, message: "minute step 60 is out of range 1-59"),
    .init(text: "0 */24 * * *", offset: 4, length: 2, message: "hour step 24 is out of range 1-23"),
    .init(text: "0 0 1-10/0 * *", offset: 9, length: 1, message: "day-of-month step 0 is out of range 1-31"),
    .init(text: "*/5/2 * * * *", offset: 3, length: 1,
          message: "unexpected second '/' in minute field; a step is written once, as in '*/15'"),
    .init(text: "/5 * * * *", offset: 0, length: 1,
          message: "expected a value, a range or '*' before '/' in minute field"),
    .init(text: "*/ * * * *", offset: 1, length: 1, message: "expected a step after '/' in minute field"),
    .init(text: "*/x * * * *", offset: 2, length: 1, message: "expected a number as the minute step, found 'x'"),
    .init(text: "61/0 * * * *", offset: 0, length: 2, message: "minute value 61 is out of range 0-59"),
    .init(text: "0 0 L/2 * *", offset: 5, length: 2, message: "'L' (the last day of the month) cannot take a step"),
    // Names.
    .init(text: "0 0 * JNA *", offset: 6, length: 3, message: "unknown month name 'JNA'; expected JAN-DEC or 1-12"),
    .init(text: "0 0 * * MONDAY", offset: 8, length: 6,
          message: "unknown day-of-week name 'MONDAY'; expected SUN-SAT or 0-7"),
    .init(text: "0 0 * MON *", offset: 6, length: 3, message: "unknown month name 'MON'; expected JAN-DEC or 1-12"),
    .init(text: "0 0 JAN * *", offset: 4, length: 3,
          message: "expected a day-of-month value (1-31), found 'JAN'"),
    .init(text: "L * * * *", offset: 0, length: 1, message: "expected a minute value (0-59), found 'L'"),
    .init(text: "5x * * * *", offset: 0, length: 2, message: "expected a minute value (0-59), found '5x'"),
    // Lists.
    .init(text: "1,,2 * * * *", offset: 2, length: 1,
          message: "empty list item in minute field; expected a value before ','"),
    .init(text: ",1 * * * *", offset: 0, length: 1,
          message: "empty list item in minute field; expected a value before ','"),
    .init(text: "1,2, * * * *", offset: 3, length: 1,
          message: "empty list item in minute field; expected a value after ','"),
    // Garbage.
    .init(text: "0 0 * * 1#2", offset: 9, length: 1,
          message: "unexpected character '#' in day-of-week field; expected a number, a day name, '*', '?', '-', '/' or ','"),
    .init(text: "0 0 1.5 * *", offset: 5, length: 1,
          message: "unexpected character '.' in day-of-month field; expected a number, 'L', '*', '?', '-', '/' or ','"),
    .init(text: "? 0 * * *", offset: 0, length: 1,
          message: "unexpected '?' in minute field; '?' is only allowed in day-of-month and day-of-week"),
    // Offsets count Characters: the flag is one column, as is 'ü'.
    .init(text: "0 0 * * 🇫🇷", offset: 8, length: 1,
          message: "unexpected character '🇫🇷' in day-of-week field; expected a number, a day name, '*', '?', '-', '/' or ','"),
    .init(text: "0 0 * * lün", offset: 9, length: 1,
          message: "unexpected character 'ü' in day-of-week field; expected a number, a day name, '*', '?', '-', '/' or ','"),
]

@Test(arguments: invalidCases)
func invalidExpressionReportsTheOffendingToken(_ c: InvalidCase) {
    #expect(throws: CronParseError(message: c.message, offset: c.offset, length: c.length)) {
        try CronExpression(parsing: c.text)
    }
}

@Test func parseErrorDescriptionUsesOneBasedColumn() {
    do {
        _ = try CronExpression(parsing: "0 24 * * *")
        Issue.record("expected an error")
    } catch {
        #expect(error.description == "column 3: hour value 24 is out of range 0-23")
    }
}

/// Two spellings of the same schedule: their fire times must agree.
let equivalentExpressions: [(String, String)] = [
    ("*/15 * * * *", "0,15,30,45 * * * *"),
    ("10/20 * * * *", "10,30,50 * * * *"),
    ("0-59/30 * * * *", "0,30 * * * *"),
    ("0 9-17/4 * * *", "0 9,13,17 * * *"),
    ("0 0 5-5 * *", "0 0 5 * *"),
    ("0 0 1 jan,Jul *", "0 0 1 1,7 *"),
    ("0 0 1 JAN-DEC/3 *", "0 0 1 1,4,7,10 *"),
    ("0 0 * * 7", "0 0 * * 0"),
    ("0 0 * * SUN", "0 0 * * 0"),
    ("0 0 * * mon-fri", "0 0 * * 1-5"),
    ("0 0 * * FRI-SUN", "0 0 * * 5,6,0"),
    ("0 0 * * 5-7", "0 0 * * 0,5,6"),
    ("0 0 * * 1/2", "0 0 * * 1,3,5"),
    ("0 0 * * 0-7", "0 0 * * *"),
    ("0 0 ? * MON", "0 0 * * 1"),
    ("0 0 1 * ?", "0 0 1 * *"),
    ("0 0 l * *", "0 0 L * *"),
    ("  0   0 *\t* *  ", "0 0 * * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
    ("@Daily", "0 0 * * *"),
    (" @hourly ", "0 * * * *"),
]

@Test(arguments: equivalentExpressions)
func equivalentSpellingsFireAtTheSameTimes(_ a: String, _ b: String) throws {
    let start = instant("2026-01-01T00:00:00Z")
    for name in ["UTC", "Europe/Paris"] {
        let timeZone = zone(name)
        let first = try CronExpression(parsing: a).nextTimes(after: start, in: timeZone, count: 300)
        let second = try CronExpression(parsing: b).nextTimes(after: start, in: timeZone, count: 300)
        #expect(first.count == 300)
        #expect(first == second, "\(name)")
    }
}

@Test func expressionKeepsItsTextAndDescription() throws {
    let expression = try CronExpression(parsing: " 0 23 * * * ")
    #expect(expression.text == " 0 23 * * * ")
    #expect(expression.description == " 0 23 * * * ")
    #expect(try CronExpression(parsing: "0 0 * * *") == CronExpression(parsing: "0 0 * * *"))
    #expect(try CronExpression(parsing: "0 0 * * *") != CronExpression(parsing: "0 1 * * *"))
    #expect(Set([try CronExpression(parsing: "@daily"), try CronExpression(parsing: "@daily")]).count == 1)
}
