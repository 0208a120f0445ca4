import Foundation
import Testing
import Cron

/// An expression with an independent statement of when it matches, in Calendar's terms
/// (weekday 1 = Sunday).
struct CrossCheck: Sendable, CustomTestStringConvertible {
    let expression: String
    let matches: @Sendable (DateComponents, _ daysInMonth: Int) -> Bool
    var testDescription: String { "'\(expression)'" }
}

let crossChecks: [CrossCheck] = [
    .init(expression: "*/7 3-5 * * *") { c, _ in c.minute! % 7 == 0 && (3...5).contains(c.hour!) },
    .init(expression: "30 */6 1-7 * *") { c, _ in c.minute == 30 && c.hour! % 6 == 0 && c.day! <= 7 },
    .init(expression: "0 0 15 * MON") { c, _ in c.hour == 0 && c.minute == 0 && (c.day == 15 || c.weekday == 2) },
    .init(expression: "0 0 */2 * MON") { c, _ in c.hour == 0 && c.minute == 0 && c.day! % 2 == 1 && c.weekday == 2 },
    .init(expression: "15 10 L * *") { c, days in c.hour == 10 && c.minute == 15 && c.day == days },
    .init(expression: "0 12 * JAN,MAR-APR SAT") { c, _ in
        c.hour == 12 && c.minute == 0 && [1, 3, 4].contains(c.month!) && c.weekday == 7
    },
    .init(expression: "5,10-12 22 * * 0") { c, _ in
        [5, 10, 11, 12].contains(c.minute!) && c.hour == 22 && c.weekday == 1
    },
]

/// Every minute from 15 January to 15 March 2026 scanned with `Calendar`, compared with `nextTimes`, in zones
/// without daylight saving time (where every wall-clock minute happens exactly once).
@Test(arguments: crossChecks, ["UTC", "Asia/Kolkata"])
func agreesWithAMinuteByMinuteScan(_ check: CrossCheck, _ zoneName: String) throws {
    let timeZone = zone(zoneName)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let start = calendar.date(from: DateComponents(year: 2026, month: 1, day: 15))!
    let end = calendar.date(from: DateComponents(year: 2026, month: 3, day: 15))!
    var expected: [Date] = []
    var daysInMonth: [Int: Int] = [:]
    var minute = start.addingTimeInterval(60)
    while minute < end {
        let c = calendar.dateComponents([.month, .day, .hour, .minute, .weekday], from: minute)
        let days = daysInMonth[c.month!] ?? calendar.range(of: .day, in: .month, for: minute)!.count
        daysInMonth[c.month!] = days
        if check.matches(c, days) { expected.append(minute) }
        minute.addTimeInterval(60)
    }
    let expression = try CronExpression(parsing: check.expression)
    let actual = expression.nextTimes(after: start, in: timeZone, count: expected.count + 1).filter { $0 < end }
    #expect(!expected.isEmpty)
    #expect(actual == expected)
}

/// Through a whole year of transitions: fire times increase, each is either a matching wall-clock
/// time or the first instant after a gap, and no wall-clock time fires twice.
@Test(arguments: ["*/30 * * * *", "30 2 * * *", "0 1-3 * * *", "0 23 * * *"],
      ["Europe/Paris", "Australia/Sydney", "America/New_York", "Australia/Lord_Howe"])
func daylightSavingInvariants(_ text: String, _ zoneName: String) throws {
    let timeZone = zone(zoneName)
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let expression = try CronExpression(parsing: text)
    let parts = text.split(separator: " ")
    let end = instant("2027-01-01T00:00:00Z")
    var times: [Date] = []
    var from = instant("2026-01-01T00:00:00Z")
    while let time = expression.next(after: from, in: timeZone), time < end {
        times.append(time)
        from = time
    }
    #expect(times.count > 300)
    // Collected, then expected once: thousands of #expect calls would dominate the run time.
    var problems: [String] = []
    var seenWallTimes = Set<String>()
    for (index, time) in times.enumerated() {
        if index > 0 && times[index - 1] >= time { problems.append("not increasing at \(iso(time, in: timeZone))") }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: time)
        let wall = "\(c.year!)-\(c.month!)-\(c.day!) \(c.hour!):\(c.minute!)"
        if !seenWallTimes.insert(wall).inserted { problems.append("\(wall) fired twice") }
        let afterGap = timeZone.secondsFromGMT(for: time.addingTimeInterval(-1)) < timeZone.secondsFromGMT(for: time)
        let minuteMatches = parts[0] == "*/30" ? c.minute! % 30 == 0 : c.minute == Int(parts[0])
        let hourMatches = switch parts[1] {
        case "*": true
        case "1-3": (1...3).contains(c.hour!)
        default: c.hour == Int(parts[1])
        }
        if !(minuteMatches && hourMatches) && !afterGap { problems.append("unexpected \(iso(time, in: timeZone))") }
    }
    #expect(problems == [])
}
