import Foundation
import Testing
import Cron

/// Fire times of `expression` after `after`, in `zone`; expected times carry the zone's offset.
struct FireCase: Sendable, CustomTestStringConvertible {
    let expression: String
    let zone: String
    let after: String
    let expected: [String]
    let note: String

    init(_ expression: String, _ zone: String, after: String, _ expected: [String], _ note: String = "") {
        (self.expression, self.zone, self.after, self.expected, self.note) = (expression, zone, after, expected, note)
    }

    var testDescription: String { "'\(expression)' in \(zone) after \(after)\(note.isEmpty ? "" : ": \(note)")" }
}

let utcCases: [FireCase] = [
    .init("*/15 * * * *", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:00:00Z"],
          "strictly after"),
    .init("* * * * *", "UTC", after: "2026-01-01T00:00:30Z",
          ["2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"]),
    .init("30 4 1,15 * *", "UTC", after: "2026-01-15T04:30:00Z",
          ["2026-02-01T04:30:00Z", "2026-02-15T04:30:00Z", "2026-03-01T04:30:00Z"]),
    .init("0 0 * * MON-FRI", "UTC", after: "2026-01-02T00:00:00Z",
          ["2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"], "over a weekend"),
    .init("5 4 * * SUN", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-01-04T04:05:00Z", "2026-01-11T04:05:00Z", "2026-01-18T04:05:00Z"]),
    .init("0 0 * * FRI-SUN", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z", "2026-01-09T00:00:00Z"]),
    .init("0 0 1 JAN-MAR/2 *", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
    .init("59 23 31 12 *", "UTC", after: "2026-12-31T23:59:00Z", ["2027-12-31T23:59:00Z"]),
    .init("0 0 1 1 *", "UTC", after: "2025-12-31T23:59:59Z", ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
    // Month ends, Feb 29 and impossible dates.
    .init("0 12 L * *", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-01-31T12:00:00Z", "2026-02-28T12:00:00Z", "2026-03-31T12:00:00Z", "2026-04-30T12:00:00Z"]),
    .init("0 0 1,L * *", "UTC", after: "2026-01-31T00:00:00Z",
          ["2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-01T00:00:00Z"]),
    .init("0 0 L 2 *", "UTC", after: "2027-06-01T00:00:00Z",
          ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"]),
    .init("0 0 29 2 *", "UTC", after: "2026-01-01T00:00:00Z",
          ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"], "Feb 29"),
    .init("0 0 29 2 *", "UTC", after: "2096-02-29T00:00:00Z", [], "2100 is not a leap year; 2104 is too far"),
    .init("0 0 31 * *", "UTC", after: "2026-01-31T00:00:00Z",
          ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"]),
    .init("0 0 30 2 *", "UTC", after: "2026-01-01T00:00:00Z", [], "never"),
    .init("0 0 31 4,6,9,11 *", "UTC", after: "2026-01-01T00:00:00Z", [], "never"),
    // Vixie: both day fields restricted → either matches.
    .init("0 0 15 * MON", "UTC", after: "2026-02-01T00:00:00Z",
          ["2026-02-02T00:00:00Z", "2026-02-09T00:00:00Z", "2026-02-15T00:00:00Z", "2026-02-16T00:00:00Z",
           "2026-02-23T00:00:00Z"], "15th (a Sunday) or Mondays"),
    .init("0 0 1 * 0,7", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-18T00:00:00Z", "2026-01-25T00:00:00Z",
           "2026-02-01T00:00:00Z", "2026-02-08T00:00:00Z"], "1st or Sundays"),
    .init("0 0 L * FRI", "UTC", after: "2026-01-26T00:00:00Z",
          ["2026-01-30T00:00:00Z", "2026-01-31T00:00:00Z", "2026-02-06T00:00:00Z"], "last day or Fridays"),
    // …but a field starting with '*' or '?' makes both must match.
    .init("0 0 */2 * MON", "UTC", after: "2026-02-01T00:00:00Z",
          ["2026-02-09T00:00:00Z", "2026-02-23T00:00:00Z", "2026-03-09T00:00:00Z", "2026-03-23T00:00:00Z"],
          "odd days that are Mondays"),
    .init("30 8 ? * MON", "UTC", after: "2026-02-01T00:00:00Z",
          ["2026-02-02T08:30:00Z", "2026-02-09T08:30:00Z"]),
    .init("0 0 13 * */7", "UTC", after: "2026-01-01T00:00:00Z",
          ["2026-09-13T00:00:00Z", "2026-12-13T00:00:00Z"], "13ths that are Sundays"),
]

let parisCases: [FireCase] = [
    // "23:00 CET nightly" keeps 23:00 wall time as the offset changes.
    .init("0 23 * * *", "Europe/Paris", after: "2026-03-27T12:00:00+01:00",
          ["2026-03-27T23:00:00+01:00", "2026-03-28T23:00:00+01:00", "2026-03-29T23:00:00+02:00",
           "2026-03-30T23:00:00+02:00"], "spring forward"),
    .init("0 23 * * *", "Europe/Paris", after: "2026-10-23T12:00:00+02:00",
          ["2026-10-23T23:00:00+02:00", "2026-10-24T23:00:00+02:00", "2026-10-25T23:00:00+01:00",
           "2026-10-26T23:00:00+01:00"], "fall back"),
    // A skipped time fires at the first instant after the gap.
    .init("30 2 * * *", "Europe/Paris", after: "2026-03-28T12:00:00+01:00",
          ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"], "02:30 does not exist"),
    .init("15 2 29 3 *", "Europe/Paris", after: "2026-01-01T00:00:00+01:00",
          ["2026-03-29T03:00:00+02:00", "2027-03-29T02:15:00+02:00"], "fires only in the gap in 2026"),
    .init("0 * * * *", "Europe/Paris", after: "2026-03-29T00:30:00+01:00",
          ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"],
          "02:00 and 03:00 fire once"),
    .init("*/30 * * * *", "Europe/Paris", after: "2026-03-29T01:00:00+01:00",
          ["2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"],
          "02:00, 02:30 and 03:00 fire once"),
    .init("30 2 * * *", "Europe/Paris", after: "2026-03-29T03:00:00+02:00",
          ["2026-03-30T02:30:00+02:00"], "after the gap's fire"),
    // A repeated time fires once, at its first occurrence.
    .init("30 2 * * *", "Europe/Paris", after: "2026-10-24T12:00:00+02:00",
          ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"], "02:30 happens twice"),
    .init("*/30 * * * *", "Europe/Paris", after: "2026-10-25T01:30:00+02:00",
          ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T03:00:00+01:00",
           "2026-10-25T03:30:00+01:00"], "not again in the repeated hour"),
    .init("*/30 * * * *", "Europe/Paris", after: "2026-10-25T02:10:00+01:00",
          ["2026-10-25T03:00:00+01:00"], "from inside the repeated hour"),
    .init("30 2 * * *", "Europe/Paris", after: "2026-10-25T02:30:00+02:00",
          ["2026-10-26T02:30:00+01:00"], "not at the second 02:30"),
]

let sydneyCases: [FireCase] = [
    // Daylight saving ends 2026-04-05 03:00 AEDT → 02:00 AEST; starts 2026-10-04 02:00 → 03:00.
    .init("30 2 * * *", "Australia/Sydney", after: "2026-04-04T12:00:00+11:00",
          ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"], "fall back"),
    .init("30 2 * * *", "Australia/Sydney", after: "2026-10-03T12:00:00+10:00",
          ["2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00"], "spring forward"),
    .init("0 9 * * MON-FRI", "Australia/Sydney", after: "2026-04-02T12:00:00+11:00",
          ["2026-04-03T09:00:00+11:00", "2026-04-06T09:00:00+10:00"]),
    .init("0 0 1 * *", "Australia/Sydney", after: "2026-01-01T00:00:00+11:00",
          ["2026-02-01T00:00:00+11:00", "2026-03-01T00:00:00+11:00", "2026-04-01T00:00:00+11:00",
           "2026-05-01T00:00:00+10:00"]),
    // Lord Howe Island moves its clocks by 30 minutes: 02:00 → 02:30.
    .init("15 2 * * *", "Australia/Lord_Howe", after: "2026-10-03T12:00:00+10:30",
          ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"], "half-hour gap"),
]

let newYorkCases: [FireCase] = [
    // Daylight saving starts 2026-03-08 02:00 EST → 03:00 EDT; ends 2026-11-01 02:00 EDT → 01:00 EST.
    .init("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00-05:00",
          ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"], "spring forward"),
    .init("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00-04:00",
          ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"], "fall back"),
    .init("0,30 * * * *", "America/New_York", after: "2026-11-01T00:45:00-04:00",
          ["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00"],
          "the repeated hour fires once"),
    .init("0 9 * * MON-FRI", "America/New_York", after: "2026-03-06T12:00:00-05:00",
          ["2026-03-09T09:00:00-04:00", "2026-03-10T09:00:00-04:00"]),
    .init("@weekly", "America/New_York", after: "2026-02-28T00:00:00-05:00",
          ["2026-03-01T00:00:00-05:00", "2026-03-08T00:00:00-05:00", "2026-03-15T00:00:00-04:00"]),
]

let macroCases: [FireCase] = [
    .init("@yearly", "UTC", after: "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z"]),
    .init("@annually", "UTC", after: "2026-06-01T00:00:00Z", ["2027-01-01T00:00:00Z"]),
    .init("@monthly", "UTC", after: "2026-01-31T10:00:00Z", ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"]),
    .init("@weekly", "UTC", after: "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]),
    .init("@daily", "UTC", after: "2026-01-01T00:00:00Z", ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
    .init("@midnight", "Europe/Paris", after: "2026-03-28T12:00:00+01:00",
          ["2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"]),
    .init("@hourly", "UTC", after: "2026-01-01T00:59:59Z", ["2026-01-01T01:00:00Z", "2026-01-01T02:00:00Z"]),
]

@Test(arguments: utcCases + parisCases + sydneyCases + newYorkCases + macroCases)
func nextFireTimes(_ c: FireCase) throws {
    let timeZone = zone(c.zone)
    let expression = try CronExpression(parsing: c.expression)
    let times = expression.nextTimes(after: instant(c.after), in: timeZone, count: max(c.expected.count, 1))
    #expect(times.map { iso($0, in: timeZone) } == c.expected)
    #expect(expression.next(after: instant(c.after), in: timeZone) == times.first)
}

@Test func nextIsStrictlyAfterEvenWithFractionalSeconds() throws {
    let expression = try CronExpression(parsing: "* * * * *")
    let utc = zone("UTC")
    let minute = instant("2026-01-01T00:00:00Z")
    #expect(expression.next(after: minute, in: utc) == minute.addingTimeInterval(60))
    #expect(expression.next(after: minute.addingTimeInterval(-0.25), in: utc) == minute)
    #expect(expression.next(after: minute.addingTimeInterval(59.999), in: utc) == minute.addingTimeInterval(60))
}

@Test func nextTimesWithNonPositiveCountIsEmpty() throws {
    let expression = try CronExpression(parsing: "@hourly")
    #expect(expression.nextTimes(after: instant("2026-01-01T00:00:00Z"), in: zone("UTC"), count: 0).isEmpty)
    #expect(expression.nextTimes(after: instant("2026-01-01T00:00:00Z"), in: zone("UTC"), count: -3).isEmpty)
}

@Test func searchStopsFiveYearsAhead() throws {
    let leapDay = try CronExpression(parsing: "0 0 29 2 *")
    let utc = zone("UTC")
    // From 2096-03-01 the next Feb 29 is in 2104, more than five years away.
    #expect(leapDay.next(after: instant("2096-03-01T00:00:00Z"), in: utc) == nil)
    #expect(leapDay.next(after: instant("2099-03-01T00:00:00Z"), in: utc) == instant("2104-02-29T00:00:00Z"))
}

@Test func extremeDatesReturnNilInsteadOfTrapping() throws {
    let expression = try CronExpression(parsing: "* * * * *")
    #expect(expression.next(after: .distantFuture, in: zone("UTC")) != nil)
    #expect(expression.next(after: Date(timeIntervalSince1970: .infinity), in: zone("UTC")) == nil)
    #expect(expression.next(after: Date(timeIntervalSince1970: .nan), in: zone("UTC")) == nil)
    #expect(expression.next(after: Date(timeIntervalSince1970: -1e15), in: zone("UTC")) == nil)
}

@Test func timesBeforeTheEpochWork() throws {
    let expression = try CronExpression(parsing: "0 12 29 2 *")
    let times = expression.nextTimes(after: instant("1899-03-01T00:00:00Z"), in: zone("UTC"), count: 2)
    #expect(times.map { iso($0, in: zone("UTC")) } == ["1904-02-29T12:00:00Z", "1908-02-29T12:00:00Z"])
}
