import Foundation

/// A wall-clock minute in the proleptic Gregorian calendar, compared field by field.
///
/// Fields may run one past their end (minute 60, hour 24, day 32, month 13) while searching;
/// the search treats such a value as "nothing left in this unit" and carries.
struct WallTime: Comparable, Sendable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    static func < (a: WallTime, b: WallTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute) < (b.year, b.month, b.day, b.hour, b.minute)
    }

    /// The minute containing `localSeconds` (seconds since 1970-01-01T00:00 local time).
    init(localSeconds: Int) {
        let days = localSeconds.floorDivided(by: 86_400)
        let secondOfDay = localSeconds - days * 86_400
        (year, month, day) = Civil.date(fromDays: days)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
    }

    /// Seconds since 1970-01-01T00:00 local time (fields must be normalized).
    var localSeconds: Int {
        Civil.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60
    }
}

/// Proleptic Gregorian date arithmetic (Howard Hinnant's days-from-civil algorithms).
enum Civil {
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y.floorDivided(by: 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func date(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = z.floorDivided(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        // 1970-01-01 was a Thursday.
        (days(year: year, month: month, day: day) + 4).floorModulo(7)
    }
}

/// Maps between instants and wall-clock times in one time zone, with cron's rules for the
/// times a transition skips or repeats.
///
/// Done with the zone's offsets rather than `Calendar.date(from:)`, which moves a skipped time
/// forward by the length of the gap (02:30 → 03:30) instead of to the gap's end, and costs far
/// more per call. The tests cross-check the results against `Calendar(identifier: .gregorian)`.
struct ZoneClock {
    let timeZone: TimeZone

    func offset(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The wall-clock minute containing the instant.
    func wallTime(at seconds: Int) -> WallTime {
        WallTime(localSeconds: seconds + offset(at: seconds))
    }

    /// The instant a wall-clock time stands for: its first occurrence when a fall-back repeats it,
    /// or the first instant after the gap when a spring-forward skips it.
    func firstInstant(of wall: WallTime) -> Int {
        let local = wall.localSeconds
        // Offsets are within ±1 day, so the offsets a day either side bracket every candidate.
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        var first: Int? = nil
        for candidate in before == after ? [before] : [before, after] {
            let instant = local - candidate
            if offset(at: instant) == candidate {
                first = min(first ?? instant, instant)
            }
        }
        if let first { return first }
        guard before != after else { return local - before }
        // A gap: the transition lies in (low, high]; find its first second.
        var low = local - max(before, after)
        var high = local - min(before, after)
        let offsetBeforeGap = offset(at: low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(at: middle) == offsetBeforeGap { low = middle } else { high = middle }
        }
        return high
    }
}

extension Int {
    func floorDivided(by divisor: Int) -> Int {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }

    func floorModulo(_ divisor: Int) -> Int {
        self - floorDivided(by: divisor) * divisor
    }
}
