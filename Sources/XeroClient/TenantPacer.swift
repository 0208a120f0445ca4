import Foundation

/// Xero's limits for one organisation, kept by the client so that it runs at the floor without
/// receiving 429s: at most 5 calls in flight, at most 60 started in any 60 s, and the day budget
/// read from `X-DayLimit-Remaining`. A 429 pauses the tenant for its `Retry-After`; a `day`
/// problem parks it (``XeroError/dayLimitReached``) instead of retrying.
///
/// One pacer per tenant is shared by everything in the process (``PacerRegistry``); other
/// processes using the same tenant show up in `X-MinLimit-Remaining`, which the pacer trusts
/// when it is lower than its own count.
public actor TenantPacer {
    public struct Limits: Sendable {
        public var concurrent = 5
        public var perMinute = 60
        /// Extra seconds added to the minute window. None is needed for correctness: a call
        /// counts from when its answer came back, which is after Xero counted it (see
        /// ``TenantPacer/release(_:status:headers:)``).
        public var margin = 0.0
        public init() {}
    }

    let tenant: String
    let limits: Limits
    let clock: PacingClock
    /// Calls in the minute window: when each was answered, or (still in flight) when it started.
    private var started: [(id: Int, at: Double)] = []
    private var nextID = 0
    private var inFlight = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var pausedUntil = 0.0
    private var parkedUntil: Double?
    private(set) var dayRemaining: Int?
    /// Calls started, and 429s received, for reports and tests.
    public private(set) var calls = 0
    public private(set) var tooManyRequests = 0

    public init(tenant: String, limits: Limits = Limits(), clock: PacingClock = PacingClock()) {
        self.tenant = tenant
        self.limits = limits
        self.clock = clock
    }

    /// Waits until a call may start, then counts it; give the returned ticket to ``release``.
    /// Throws ``XeroError/dayLimitReached`` when the tenant is parked for the day.
    public func acquire() async throws -> Int {
        while true {
            try Task.checkCancellation()
            let now = clock.now
            if let parked = parkedUntil {
                if now < parked { throw XeroError.dayLimitReached(tenant: tenant, retryAfterSeconds: Int((parked - now) / clock.scale)) }
                parkedUntil = nil
            }
            if now < pausedUntil {
                try await clock.sleep(pausedUntil - now)
                continue
            }
            if inFlight >= limits.concurrent {
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            started.removeAll { $0.at <= now - 60 - limits.margin }
            if started.count >= limits.perMinute {
                let times = started.map(\.at).sorted()
                try await clock.sleep(times[times.count - limits.perMinute] + 60 + limits.margin - now + 0.001)
                continue
            }
            nextID += 1
            started.append((nextID, now))
            inFlight += 1
            calls += 1
            if let day = dayRemaining { dayRemaining = day - 1 }
            return nextID
        }
    }

    /// Gives the slot back and learns from the response's headers. The call now counts from
    /// this moment, when its answer arrived: Xero counted it on arrival, earlier, so a window
    /// measured from answers can never hold more calls than Xero's, whatever the network's delays.
    public func release(_ ticket: Int, status: Int?, headers: [String: String]) {
        inFlight -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume() }
        let now = clock.now
        if let i = started.firstIndex(where: { $0.id == ticket }) { started[i].at = now }
        if let day = headers["x-daylimit-remaining"].flatMap(Int.init) { dayRemaining = day }
        if let minute = headers["x-minlimit-remaining"].flatMap(Int.init) {
            // Calls by others (another process on this tenant) use the same window: count them.
            started.removeAll { $0.at <= now - 60 - limits.margin }
            let ours = limits.perMinute - started.count
            if minute < ours {
                for _ in 0..<(ours - minute) {
                    nextID += 1
                    started.append((nextID, now))
                }
            }
        }
        guard status == 429 else { return }
        tooManyRequests += 1
        let retry = headers["retry-after"].flatMap(Double.init) ?? 60
        let wait = max(retry, 1) * clock.scale
        if headers["x-rate-limit-problem"]?.lowercased() == "day" {
            parkedUntil = now + wait
        } else {
            pausedUntil = max(pausedUntil, now + wait)
        }
    }
}

/// One pacer per tenant for the whole process, so pipelines running side by side share Xero's
/// per-organisation limits.
public actor PacerRegistry {
    public static let shared = PacerRegistry()
    private var pacers: [String: TenantPacer] = [:]

    public init() {}

    public func pacer(for tenant: String, limits: TenantPacer.Limits = .init(), clock: PacingClock) -> TenantPacer {
        let key = tenant.lowercased()
        if let p = pacers[key] { return p }
        let p = TenantPacer(tenant: tenant, limits: limits, clock: clock)
        pacers[key] = p
        return p
    }
}
