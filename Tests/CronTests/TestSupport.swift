import Foundation

/// An instant from an ISO 8601 string with an offset, e.g. "2026-03-29T03:00:00+02:00".
func instant(_ iso: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: iso) else {
        preconditionFailure("bad ISO 8601 date in a test: \(iso)")
    }
    return date
}

/// An instant as ISO 8601 with the offset in force in `timeZone`, so failures read as wall time.
func iso(_ date: Date, in timeZone: TimeZone) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = timeZone
    return formatter.string(from: date)
}

func zone(_ identifier: String) -> TimeZone {
    guard let timeZone = TimeZone(identifier: identifier) else {
        preconditionFailure("unknown time zone in a test: \(identifier)")
    }
    return timeZone
}
