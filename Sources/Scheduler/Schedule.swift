import Cron
import Foundation

/// A pipeline as the scheduler sees it: where its file is and when it fires.
public struct ScheduledPipeline: Sendable, Equatable {
    public enum CatchUp: String, Sendable { case latest, none }

    public var name: String
    public var file: String
    public var cron: CronExpression
    public var timeZone: TimeZone
    public var catchUp: CatchUp

    public init(name: String, file: String, cron: CronExpression, timeZone: TimeZone, catchUp: CatchUp = .latest) {
        self.name = name
        self.file = file
        self.cron = cron
        self.timeZone = timeZone
        self.catchUp = catchUp
    }
}

/// When a pipeline is due: the scheduling rules, apart from any clock or process.
public enum Schedule {
    /// What to do about a pipeline at `now`.
    public struct Decision: Sendable, Equatable {
        /// The fire time acted on (it becomes the pipeline's last fire).
        public var fire: Date
        /// False when the fire time was missed (the scheduler was down) and the pipeline does
        /// not catch up: it is passed over, not run.
        public var run: Bool
        /// How many fire times since the last one this decision covers (more than one after
        /// downtime: they run once, not once each).
        public var covered: Int
    }

    /// The latest fire time after `last` and at or before `now`, if any. A fire time later than
    /// `tolerance` seconds is a missed one: run once with `catch_up: latest`, passed over with
    /// `none`. Several missed fire times run once, for the latest.
    public static func decide(_ p: ScheduledPipeline, last: Date, now: Date, tolerance: TimeInterval = 60) -> Decision? {
        guard now > last else { return nil }
        var latest: Date?
        var covered = 0
        // After a long downtime, look at the last two days first: the answer is the latest fire
        // time, and most schedules fire more often than that.
        let window = now.addingTimeInterval(-2 * 86_400)
        if window > last {
            var from = window
            while let f = p.cron.next(after: from, in: p.timeZone), f <= now {
                latest = f
                from = f
            }
            if latest != nil { covered = 2 }  // at least: one in the window, and missed ones before
        }
        if latest == nil {
            var from = last
            var steps = 0
            while let f = p.cron.next(after: from, in: p.timeZone), f <= now, steps < 5_000_000 {
                latest = f
                from = f
                covered += 1
                steps += 1
            }
        }
        guard let fire = latest else { return nil }
        let late = now.timeIntervalSince(fire) > tolerance
        return Decision(fire: fire, run: !late || p.catchUp == .latest, covered: max(covered, 1))
    }

    /// The next fire time of any pipeline after `now`.
    public static func nextWake(_ pipelines: [ScheduledPipeline], after now: Date) -> Date? {
        pipelines.compactMap { $0.cron.next(after: now, in: $0.timeZone) }.min()
    }
}
