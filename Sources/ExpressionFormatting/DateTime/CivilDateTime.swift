/// Proleptic Gregorian calendar arithmetic on UTC milliseconds since the epoch, with no time
/// zone database, locale or clock.
enum Gregorian {
    static let millisPerDay: Int64 = 86_400_000

    /// Days since 1970-01-01 of a civil date (`month` 1...12).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date (`month` 1...12) of a day number.
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        let next = month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        return next - days(year: year, month: month, day: 1)
    }

    /// 1 (Monday) ... 7 (Sunday).
    static func isoWeekday(days: Int64) -> Int64 {
        ((days % 7 + 7) % 7 + 3) % 7 + 1
    }

    /// Day number of the first day (a Monday) of week 1 of a year (`month0` 0) or of a month:
    /// the week holding the first Thursday (ISO 8601, extended to months by F&O).
    static func startOfFirstWeek(year: Int64, month0: Int64) -> Int64 {
        let first = days(year: year + floorDiv(month0, 12), month: floorMod(month0, 12) + 1, day: 1)
        let weekday = isoWeekday(days: first)
        return weekday > 4 ? first + (8 - weekday) : first - (weekday - 1)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
}

/// The calendar fields of an instant, as `Date`'s `getUTC…` methods give them.
struct CivilDateTime {
    let millis: Int64
    let dayNumber: Int64
    let year: Int64
    /// 1...12
    let month: Int64
    let day: Int64
    let hour: Int64
    let minute: Int64
    let second: Int64
    let millisecond: Int64

    /// Largest instant handled: milliseconds fit comfortably in Int64 and years in the calendar
    /// arithmetic (JavaScript's own limit is ±8.64e15).
    static let maxMillis: Double = 8.64e15

    init(millis: Int64) {
        self.millis = millis
        dayNumber = Gregorian.floorDiv(millis, Gregorian.millisPerDay)
        let civil = Gregorian.civil(days: dayNumber)
        year = civil.year
        month = civil.month
        day = civil.day
        let ms = millis - dayNumber * Gregorian.millisPerDay
        hour = ms / 3_600_000
        minute = ms / 60_000 % 60
        second = ms / 1000 % 60
        millisecond = ms % 1000
    }

    /// The integer value of a component: Y M D d F W w X x H h m s f, and P as 0 (am) / 1 (pm).
    func value(of component: Character) -> Int64 {
        switch component {
        case "Y": return year
        case "M": return month
        case "D": return day
        case "d": return dayNumber - Gregorian.days(year: year, month: 1, day: 1) + 1
        case "F": return Gregorian.isoWeekday(days: dayNumber)
        case "W": return weekOfYear
        case "w": return weekOfMonth
        case "X": return weekNumberingYear
        case "x": return weekNumberingMonth
        case "H": return hour
        case "h": return hour % 12 == 0 ? 12 : hour % 12
        case "P": return hour >= 12 ? 1 : 0
        case "m": return minute
        case "s": return second
        case "f": return millisecond
        default: return 0
        }
    }

    private func weeks(from start: Int64) -> Double {
        Double(dayNumber - start) / 7 + 1
    }

    private var weekOfYear: Int64 {
        var week = weeks(from: Gregorian.startOfFirstWeek(year: year, month0: 0))
        if week > 52 {
            if dayNumber >= Gregorian.startOfFirstWeek(year: year + 1, month0: 0) { week = 1 }
        } else if week < 1 {
            week = weeks(from: Gregorian.startOfFirstWeek(year: year - 1, month0: 0))
        }
        return Int64(week.rounded(.down))
    }

    private var weekOfMonth: Int64 {
        let month0 = month - 1
        var week = weeks(from: Gregorian.startOfFirstWeek(year: year, month0: month0))
        if week > 4 {
            if dayNumber >= Gregorian.startOfFirstWeek(year: year, month0: month0 + 1) { week = 1 }
        } else if week < 1 {
            week = weeks(from: Gregorian.startOfFirstWeek(year: year, month0: month0 - 1))
        }
        return Int64(week.rounded(.down))
    }

    private var weekNumberingYear: Int64 {
        if dayNumber < Gregorian.startOfFirstWeek(year: year, month0: 0) { return year - 1 }
        if dayNumber >= Gregorian.startOfFirstWeek(year: year + 1, month0: 0) { return year + 1 }
        return year
    }

    private var weekNumberingMonth: Int64 {
        let month0 = month - 1
        if dayNumber < Gregorian.startOfFirstWeek(year: year, month0: month0) {
            return Gregorian.floorMod(month0 - 1, 12) + 1
        }
        if dayNumber >= Gregorian.startOfFirstWeek(year: year, month0: month0 + 1) {
            return Gregorian.floorMod(month0 + 1, 12) + 1
        }
        return month
    }
}
