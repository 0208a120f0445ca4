import Cron
import Foundation
import Logging

/// The time the scheduler lives in: the wall clock in production, a hand-moved one in tests.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns at `date`, or earlier when the task is cancelled.
    func sleep(until date: Date) async
}

/// The wall clock, optionally running faster (`--time-scale`, for tests and demonstrations).
public struct SystemSchedulerClock: SchedulerClock {
    let origin: Date
    let scale: Double

    public init(scale: Double = 1) {
        origin = Date()
        self.scale = max(scale, 0.001)
    }

    public func now() -> Date {
        scale == 1 ? Date() : origin.addingTimeInterval(Date().timeIntervalSince(origin) * scale)
    }

    public func sleep(until date: Date) async {
        let seconds = date.timeIntervalSince(now()) / scale
        guard seconds > 0 else { return }
        try? await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }
}

/// Where the last fire time of each pipeline is kept (the state store), so that a restarted
/// scheduler knows what it missed.
public protocol FireStore: Sendable {
    func lastFire(_ pipeline: String) -> Date?
    func setLastFire(_ pipeline: String, _ date: Date)
}

/// How one scheduled run ended.
public struct RunResult: Sendable {
    public enum Outcome: String, Sendable { case succeeded, failed, busy, error }
    public var outcome: Outcome
    public var runID: String?
    public var records = 0
    public var failedRecords = 0
    public var message: String?

    public init(outcome: Outcome, runID: String? = nil, records: Int = 0, failedRecords: Int = 0, message: String? = nil) {
        self.outcome = outcome
        self.runID = runID
        self.records = records
        self.failedRecords = failedRecords
        self.message = message
    }
}

/// The scheduler: runs each pipeline when its cron says, never two runs of one pipeline at
/// once (a run still going at the next fire time is not started again; the state store's lock
/// also holds across schedulers), catches up after downtime as each pipeline says, and stops
/// gracefully. `tick()` is one pass (what the tests drive with a hand-moved clock); `run()`
/// loops over it, sleeping until the next fire time.
public actor SchedulerService {
    public typealias Executor = @Sendable (ScheduledPipeline, Date) async -> RunResult

    public struct Counters: Sendable {
        public var runs: [String: [RunResult.Outcome: Int]] = [:]
        public var records: [String: Int] = [:]
        public var failedRecords: [String: Int] = [:]
        /// Fire times not run because the previous run was still going.
        public var overlapsSkipped: [String: Int] = [:]
        /// Fire times passed over after downtime (`catch_up: none`).
        public var missed: [String: Int] = [:]
    }

    private var pipelines: [ScheduledPipeline]
    private let clock: any SchedulerClock
    private let store: any FireStore
    private let executor: Executor
    private let logger: Logger
    private let tolerance: TimeInterval
    private var running: [String: Task<Void, Never>] = [:]
    private var stopping = false
    private var sleeper: Task<Void, Never>?
    public private(set) var counters = Counters()

    public init(pipelines: [ScheduledPipeline], clock: any SchedulerClock, store: any FireStore, logger: Logger,
                tolerance: TimeInterval = 60, executor: @escaping Executor) {
        self.pipelines = pipelines
        self.clock = clock
        self.store = store
        self.executor = executor
        self.logger = logger
        self.tolerance = tolerance
    }

    public var isStopping: Bool { stopping }
    public var loaded: [ScheduledPipeline] { pipelines }
    public var runningPipelines: [String] { Array(running.keys).sorted() }

    /// The next fire time of each pipeline.
    public func nextFires() -> [String: Date] {
        let now = clock.now()
        var out: [String: Date] = [:]
        for p in pipelines { out[p.name] = p.cron.next(after: now, in: p.timeZone) }
        return out
    }

    /// Replaces the pipelines (SIGHUP). Runs going on finish; a removed pipeline is not started
    /// again; new ones first fire at their next fire time.
    public func reload(_ new: [ScheduledPipeline]) {
        pipelines = new
        logger.info("pipelines reloaded", metadata: ["pipelines": "\(new.count)"])
        sleeper?.cancel()
    }

    /// One pass: starts every pipeline that is due. Answers the runs started.
    @discardableResult
    public func tick() -> [String] {
        guard !stopping else { return [] }
        let now = clock.now()
        var started: [String] = []
        for p in pipelines {
            guard let last = store.lastFire(p.name) else {
                // Never scheduled before: it first fires at its next fire time.
                store.setLastFire(p.name, now)
                continue
            }
            guard let decision = Schedule.decide(p, last: last, now: now, tolerance: tolerance) else { continue }
            store.setLastFire(p.name, decision.fire)
            let fire = ISO8601DateFormatter().string(from: decision.fire)
            if !decision.run {
                counters.missed[p.name, default: 0] += 1
                logger.notice("missed while the scheduler was down; waiting for the next fire time (catch_up: none)",
                              metadata: ["pipeline": "\(p.name)", "fire": "\(fire)"])
                continue
            }
            if running[p.name] != nil {
                counters.overlapsSkipped[p.name, default: 0] += 1
                logger.warning("still running from an earlier fire time; this one is skipped", metadata: ["pipeline": "\(p.name)", "fire": "\(fire)"])
                continue
            }
            if decision.covered > 1 || now.timeIntervalSince(decision.fire) > tolerance {
                logger.notice("catching up once for fire times missed while the scheduler was down", metadata: ["pipeline": "\(p.name)", "fire": "\(fire)"])
            }
            logger.info("run starting", metadata: ["pipeline": "\(p.name)", "fire": "\(fire)"])
            let executor = self.executor
            let pipeline = p
            let fireTime = decision.fire
            running[p.name] = Task {
                let result = await executor(pipeline, fireTime)
                await self.finished(pipeline, result)
            }
            started.append(p.name)
        }
        return started
    }

    private func finished(_ p: ScheduledPipeline, _ result: RunResult) {
        running[p.name] = nil
        counters.runs[p.name, default: [:]][result.outcome, default: 0] += 1
        counters.records[p.name, default: 0] += result.records
        counters.failedRecords[p.name, default: 0] += result.failedRecords
        var metadata: Logger.Metadata = ["pipeline": "\(p.name)", "outcome": "\(result.outcome.rawValue)", "records": "\(result.records)"]
        if let id = result.runID { metadata["run_id"] = "\(id)" }
        if let m = result.message { metadata["message"] = "\(m)" }
        switch result.outcome {
        case .succeeded: logger.info("run finished", metadata: metadata)
        case .busy: logger.warning("not started: the pipeline is running elsewhere (its lock is held)", metadata: metadata)
        case .failed, .error: logger.error("run failed", metadata: metadata)
        }
    }

    /// Waits until no run is going.
    public func waitForRuns() async {
        while let (_, task) = running.first {
            await task.value
        }
    }

    /// Loops until `stop`: a pass, then sleep until the next fire time (at most a minute, so a
    /// changed clock is noticed).
    public func run() async {
        while !stopping {
            tick()
            let now = clock.now()
            let wake = min(Schedule.nextWake(pipelines, after: now) ?? now.addingTimeInterval(60), now.addingTimeInterval(60))
            let clock = self.clock
            let task = Task { await clock.sleep(until: wake) }
            sleeper = task
            await task.value
            sleeper = nil
        }
    }

    /// Stops taking new runs and lets the current ones finish, for at most `deadline` seconds.
    /// Answers true when they all finished in time.
    public func stop(deadline: TimeInterval) async -> Bool {
        stopping = true
        sleeper?.cancel()
        let pending = Array(running.values)
        guard !pending.isEmpty else { return true }
        logger.notice("stopping: waiting for runs to finish", metadata: ["runs": "\(pending.count)", "deadline_s": "\(Int(deadline))"])
        // Whichever comes first: every run finished, or the deadline. (A task group would wait
        // for its slower child; these two tasks are left to end on their own.)
        let once = Once()
        return await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            Task {
                for t in pending { await t.value }
                if once.claim() { done.resume(returning: true) }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(max(deadline, 0) * 1_000_000_000))
                if once.claim() { done.resume(returning: false) }
            }
        }
    }
}

/// True for the first caller only.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}
