import Foundation

/// A parsed cron schedule that answers "when does it fire next?" for a time zone.
///
/// ## Syntax
///
/// Five whitespace-separated fields, `minute hour day-of-month month day-of-week`:
///
/// | field        | values                         |
/// | ------------ | ------------------------------ |
/// | minute       | 0-59                           |
/// | hour         | 0-23                           |
/// | day-of-month | 1-31, `L`                      |
/// | month        | 1-12, `JAN`-`DEC`              |
/// | day-of-week  | 0-7 (0 and 7 are Sunday), `SUN`-`SAT` |
///
/// Each field is a comma-separated list of items; an item is `*`, a value `a`, a range `a-b`,
/// and any of those may take a step: `*/n`, `a-b/n`, or `a/n` (from `a` to the end of the field).
/// Names are case-insensitive. Instead of the five fields the whole expression may be one macro:
/// `@yearly` and `@annually` (`0 0 1 1 *`), `@monthly` (`0 0 1 * *`), `@weekly` (`0 0 * * 0`),
/// `@daily` and `@midnight` (`0 0 * * *`), `@hourly` (`0 * * * *`).
///
/// Extensions beyond Vixie cron:
/// - `L` in day-of-month is the last day of the month (`0 0 L * *`, `0 0 1,15,L * *`).
/// - `?` is a synonym for `*` in day-of-month and day-of-week.
/// - A named day-of-week range ending on Sunday ends on 7: `FRI-SUN` is `5-7`.
///
/// Steps may not exceed the field's largest value (`*/60` in minutes is an error, as is `*/0`).
///
/// ## Day of month and day of week
///
/// As in Vixie cron: when both fields are restricted (neither starts with `*` or `?`), a day
/// matches if *either* matches, so `0 0 13 * FRI` fires on every 13th and every Friday. When
/// either starts with `*` (including steps such as `*/2`), a day must match both.
///
/// ## Time zones and daylight saving time
///
/// Fire times are wall-clock times in the time zone passed to ``next(after:in:)``, with one rule
/// for each kind of transition:
/// - **Skipped times** (spring forward): a matching wall-clock time that does not exist fires at
///   the first instant after the gap. `30 2 * * *` in Europe/Paris fires at 03:00 CEST on
///   2026-03-29. Several matching times in one gap (as with `*/15 * * * *`) fire once, at that
///   instant, together with a match at the gap's end itself.
/// - **Repeated times** (fall back): a wall-clock time that occurs twice fires once, at its first
///   occurrence. `*/15 * * * *` in Europe/Paris on 2026-10-25 fires 02:00-02:45 CEST, then not
///   during the repeated 02:00-02:59 CET, then at 03:00 CET.
///
/// So no scheduled day is lost and no wall-clock time fires twice.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text the expression was parsed from, as given.
    public let text: String
    let schedule: CronSchedule

    /// How far ahead ``next(after:in:)`` looks before answering nil.
    public static let searchYears = 5

    /// Parses a five-field expression or a macro.
    ///
    /// - Parameter text: The expression, e.g. `"*/15 9-17 * * MON-FRI"` or `"@daily"`. Leading,
    ///   trailing and repeated whitespace between fields is allowed.
    /// - Throws: ``CronParseError`` for the first problem: the wrong number of fields, values out of
    ///   range, reversed ranges, zero or oversized steps, unknown names or macros, empty list items
    ///   or unexpected characters, with the offset and length of the offending token.
    public init(parsing text: String) throws(CronParseError) {
        self.text = text
        self.schedule = try CronParser(text).parse()
    }

    public var description: String { text }

    /// The first fire time strictly after `date`.
    ///
    /// Fire times fall on whole minutes of wall-clock time in `timeZone` (see the type's
    /// documentation for how daylight-saving transitions are handled).
    ///
    /// - Parameters:
    ///   - date: The instant to search from; a fire time equal to it is not returned.
    ///   - timeZone: The zone whose wall clock the fields describe.
    /// - Returns: The fire time, or nil when there is none within ``searchYears`` years of `date`
    ///   (as for `0 0 30 2 *`, which never fires).
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let seconds = date.timeIntervalSince1970
        // Keep the arithmetic far from overflow: about ±300,000 years.
        guard seconds.isFinite, abs(seconds) < 1e13 else { return nil }
        let clock = ZoneClock(timeZone: timeZone)
        let start = Int(seconds.rounded(.down))
        var wall = clock.wallTime(at: start)
        var limit = wall
        limit.year += Self.searchYears
        // Wall times map to instants monotonically, so the answer is the first matching wall time
        // at or after the one containing `date` whose instant lies after `date`; only a repeated
        // hour or a gap makes this loop go round more than once.
        while let match = firstMatch(atOrAfter: wall, notAfter: limit) {
            let instant = clock.firstInstant(of: match)
            if TimeInterval(instant) > seconds {
                return Date(timeIntervalSince1970: TimeInterval(instant))
            }
            wall = match
            wall.minute += 1
        }
        return nil
    }

    /// Up to `count` consecutive fire times after `date`; fewer when the schedule runs out within
    /// ``searchYears`` years of the last one found, and none when `count` is not positive.
    public func nextTimes(after date: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        var times: [Date] = []
        times.reserveCapacity(min(max(count, 0), 1024))
        var from = date
        while times.count < count, let time = next(after: from, in: timeZone) {
            times.append(time)
            from = time
        }
        return times
    }

    /// The first wall-clock minute at or after `start` that matches every field, skipping whole
    /// months, days and hours that cannot match.
    func firstMatch(atOrAfter start: WallTime, notAfter limit: WallTime) -> WallTime? {
        var t = start
        while t.year <= limit.year {
            guard let month = schedule.months.first(atOrAfter: t.month) else {
                t = WallTime(year: t.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if month != t.month {
                t = WallTime(year: t.year, month: month, day: 1, hour: 0, minute: 0)
            }
            let daysInMonth = Civil.daysInMonth(year: t.year, month: t.month)
            if t.day > daysInMonth {
                t = WallTime(year: t.year, month: t.month + 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if !dayMatches(t, daysInMonth: daysInMonth) {
                t = WallTime(year: t.year, month: t.month, day: t.day + 1, hour: 0, minute: 0)
                continue
            }
            guard let hour = schedule.hours.first(atOrAfter: t.hour) else {
                t = WallTime(year: t.year, month: t.month, day: t.day + 1, hour: 0, minute: 0)
                continue
            }
            if hour != t.hour {
                t.hour = hour
                t.minute = 0
            }
            guard let minute = schedule.minutes.first(atOrAfter: t.minute) else {
                t.hour += 1
                t.minute = 0
                continue
            }
            t.minute = minute
            return t <= limit ? t : nil
        }
        return nil
    }

    private func dayMatches(_ t: WallTime, daysInMonth: Int) -> Bool {
        let dayOfMonth = schedule.daysOfMonth.contains(t.day)
            || (schedule.lastDayOfMonth && t.day == daysInMonth)
        let dayOfWeek = schedule.daysOfWeek.contains(Civil.weekday(year: t.year, month: t.month, day: t.day))
        if schedule.dayOfMonthRestricted && schedule.dayOfWeekRestricted {
            return dayOfMonth || dayOfWeek
        }
        return dayOfMonth && dayOfWeek
    }
}
