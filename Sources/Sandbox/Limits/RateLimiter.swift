import Foundation

/// Xero's call limits, counted in sandbox time: per tenant 5 in flight, 60 in any 60 s and
/// 5,000 in any 24 h; per app 10,000 in any 60 s.
///
/// Xero does not say whether its windows roll or are fixed (xero-facts.md marks it [U]); the
/// sandbox uses rolling windows, the stricter reading, so a client that never gets a 429 here
/// does not get one from fixed windows either. A call refused with a 429 is not counted.
struct RateLimiter {
    let limits: RateLimits
    private var minute: [String: [Double]] = [:]
    private var day: [String: [Double]] = [:]
    private var app: [Double] = []
    private(set) var inFlight: [String: Int] = [:]

    init(limits: RateLimits) { self.limits = limits }

    enum Problem: String { case concurrent, appminute, day, minute }

    struct Decision {
        var problem: Problem?
        /// Sandbox seconds until the call would be allowed.
        var retryAfter: Double
        var minuteRemaining: Int
        var dayRemaining: Int
        var appRemaining: Int
    }

    private static func prune(_ times: inout [Double], before cutoff: Double) {
        if let i = times.firstIndex(where: { $0 > cutoff }) {
            if i > 0 { times.removeFirst(i) }
        } else {
            times.removeAll()
        }
    }

    /// Checks a call for `tenant` at `now`; when allowed (or `enforce` is off) counts it and takes
    /// a concurrency slot, to be given back with ``release(_:)``.
    mutating func admit(_ tenant: String, now: Double, enforce: Bool) -> Decision {
        Self.prune(&minute[tenant, default: []], before: now - 60)
        Self.prune(&day[tenant, default: []], before: now - 86_400)
        Self.prune(&app, before: now - 60)
        let m = minute[tenant]!, d = day[tenant]!
        var problem: Problem?
        var wait = 0.0
        if enforce {
            if inFlight[tenant, default: 0] >= limits.concurrentPerTenant {
                problem = .concurrent; wait = 1
            } else if app.count >= limits.perMinutePerApp {
                problem = .appminute; wait = app[app.count - limits.perMinutePerApp] + 60 - now
            } else if d.count >= limits.perDayPerTenant {
                problem = .day; wait = d[d.count - limits.perDayPerTenant] + 86_400 - now
            } else if m.count >= limits.perMinutePerTenant {
                problem = .minute; wait = m[m.count - limits.perMinutePerTenant] + 60 - now
            }
        }
        if problem == nil {
            minute[tenant]!.append(now)
            day[tenant]!.append(now)
            app.append(now)
            inFlight[tenant, default: 0] += 1
        }
        return Decision(
            problem: problem, retryAfter: max(wait, 0),
            minuteRemaining: max(0, limits.perMinutePerTenant - minute[tenant]!.count),
            dayRemaining: max(0, limits.perDayPerTenant - day[tenant]!.count),
            appRemaining: max(0, limits.perMinutePerApp - app.count))
    }

    /// The remaining day and app counts, without counting a call.
    mutating func peek(_ tenant: String, now: Double) -> (day: Int, app: Int) {
        Self.prune(&day[tenant, default: []], before: now - 86_400)
        Self.prune(&app, before: now - 60)
        return (max(0, limits.perDayPerTenant - day[tenant]!.count), max(0, limits.perMinutePerApp - app.count))
    }

    mutating func release(_ tenant: String) {
        inFlight[tenant] = max(0, inFlight[tenant, default: 0] - 1)
    }

    mutating func reset(_ tenant: String) {
        minute[tenant] = nil
        day[tenant] = nil
    }
}
