import Cron
import Foundation
import Logging
import Scheduler
import Testing

/// A clock moved by hand: no test sleeps.
final class ManualClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ iso: String) { current = ISO8601DateFormatter().date(from: iso)! }
    func now() -> Date { lock.withLock { current } }
    func set(_ iso: String) { lock.withLock { current = ISO8601DateFormatter().date(from: iso)! } }
    func sleep(until date: Date) async {
        // The service loop is not driven in these tests; `tick()` is.
        while !Task.isCancelled && now() < date { await Task.yield() }
    }
}

final class MemoryFires: FireStore, @unchecked Sendable {
    private let lock = NSLock()
    private var fires: [String: Date] = [:]
    func lastFire(_ pipeline: String) -> Date? { lock.withLock { fires[pipeline] } }
    func setLastFire(_ pipeline: String, _ date: Date) { lock.withLock { fires[pipeline] = date } }
}

/// Records the runs it is asked for; a run can be held open until released.
actor Recorder {
    var runs: [(String, Date)] = []
    var held: [String: CheckedContinuation<Void, Never>] = [:]
    var holding = Set<String>()

    func hold(_ name: String) { holding.insert(name) }
    func release(_ name: String) {
        holding.remove(name)
        held.removeValue(forKey: name)?.resume()
    }

    func run(_ p: ScheduledPipeline, _ fire: Date) async -> RunResult {
        runs.append((p.name, fire))
        if holding.contains(p.name) {
            await withCheckedContinuation { held[p.name] = $0 }
        }
        return RunResult(outcome: .succeeded, records: 3)
    }

    var names: [String] { runs.map(\.0) }
    var fires: [String] { runs.map { ISO8601DateFormatter().string(from: $0.1) } }
}

func pipeline(_ name: String, _ cron: String, _ zone: String = "UTC", catchUp: ScheduledPipeline.CatchUp = .latest) throws -> ScheduledPipeline {
    ScheduledPipeline(name: name, file: "\(name).yaml", cron: try CronExpression(parsing: cron), timeZone: TimeZone(identifier: zone)!, catchUp: catchUp)
}

func service(_ pipelines: [ScheduledPipeline], _ clock: ManualClock, _ fires: MemoryFires, _ recorder: Recorder) -> SchedulerService {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return SchedulerService(pipelines: pipelines, clock: clock, store: fires, logger: logger) { p, fire in await recorder.run(p, fire) }
}

/// Waits (without sleeping on the clock) until the service has no run going.
func settle(_ s: SchedulerService) async {
    await s.waitForRuns()
}

@Suite("Scheduler: when pipelines run")
struct SchedulerTests {
    @Test("a new pipeline first fires at its next fire time, then at each one; nothing fires between")
    func firesOnTime() async throws {
        let clock = ManualClock("2026-11-23T10:00:30Z")
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("hourly", "0 * * * *")], clock, fires, recorder)
        #expect(await s.tick().isEmpty)  // first sight: no run at once
        clock.set("2026-11-23T10:59:59Z")
        #expect(await s.tick().isEmpty)
        clock.set("2026-11-23T11:00:00Z")
        #expect(await s.tick() == ["hourly"])
        await settle(s)
        #expect(await s.tick().isEmpty)  // the same fire time never twice
        clock.set("2026-11-23T12:00:05Z")
        #expect(await s.tick() == ["hourly"])
        await settle(s)
        #expect(await recorder.fires == ["2026-11-23T11:00:00Z", "2026-11-23T12:00:00Z"])
    }

    @Test("a run still going at the next fire time is not started again")
    func noOverlap() async throws {
        let clock = ManualClock("2026-11-23T10:00:00Z")
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("slow", "* * * * *")], clock, fires, recorder)
        await s.tick()
        await recorder.hold("slow")
        clock.set("2026-11-23T10:01:00Z")
        #expect(await s.tick() == ["slow"])
        while await recorder.runs.isEmpty { await Task.yield() }
        clock.set("2026-11-23T10:02:00Z")
        #expect(await s.tick().isEmpty)
        #expect(await s.counters.overlapsSkipped["slow"] == 1)
        await recorder.release("slow")
        await settle(s)
        clock.set("2026-11-23T10:03:00Z")
        #expect(await s.tick() == ["slow"])
        await settle(s)
        #expect(await recorder.fires == ["2026-11-23T10:01:00Z", "2026-11-23T10:03:00Z"])
    }

    @Test("after downtime, missed fire times run once for the latest (catch_up: latest) or not at all (none)")
    func catchUp() async throws {
        let clock = ManualClock("2026-11-23T08:00:00Z")
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("latest", "0 * * * *"), try pipeline("none", "0 * * * *", catchUp: .none)], clock, fires, recorder)
        await s.tick()
        // Down from 08:00 to 13:20: five fire times missed.
        clock.set("2026-11-23T13:20:00Z")
        #expect(await s.tick() == ["latest"])
        await settle(s)
        #expect(await recorder.fires == ["2026-11-23T13:00:00Z"])
        #expect(await s.counters.missed["none"] == 1)
        // Both fire normally at the next fire time.
        clock.set("2026-11-23T14:00:10Z")
        #expect(await Set(s.tick()) == ["latest", "none"])
        await settle(s)
        // A restarted scheduler (the same fire store) knows what it already ran.
        let again = service([try pipeline("latest", "0 * * * *")], clock, fires, recorder)
        #expect(await again.tick().isEmpty)
    }

    @Test("across a spring-forward gap and a fall-back overlap each daily time fires exactly once", arguments: [
        ("Europe/Paris", "30 2 * * *", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z", ["2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"]),
        ("Europe/Paris", "30 2 * * *", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z", ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"]),
        ("America/New_York", "30 2 * * *", "2026-03-07T12:00:00Z", "2026-03-09T12:00:00Z", ["2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"]),
        ("Australia/Sydney", "30 2 * * *", "2026-10-03T00:00:00Z", "2026-10-05T00:00:00Z", ["2026-10-03T16:00:00Z", "2026-10-04T15:30:00Z"]),
        ("Australia/Sydney", "30 2 * * *", "2026-04-04T00:00:00Z", "2026-04-06T00:00:00Z", ["2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"]),
    ])
    func daylightSaving(_ zone: String, _ cron: String, _ from: String, _ to: String, _ expected: [String]) async throws {
        let clock = ManualClock(from)
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("nightly", cron, zone)], clock, fires, recorder)
        await s.tick()
        // Step through the two days a minute at a time, as a running scheduler would wake.
        var t = ISO8601DateFormatter().date(from: from)!
        let end = ISO8601DateFormatter().date(from: to)!
        while t < end {
            t = t.addingTimeInterval(60)
            clock.set(ISO8601DateFormatter().string(from: t))
            await s.tick()
            await settle(s)
        }
        #expect(await recorder.fires == expected)
    }

    @Test("stopping waits for the runs going on (within the deadline) and starts no new one")
    func gracefulStop() async throws {
        let clock = ManualClock("2026-11-23T10:00:00Z")
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("a", "* * * * *")], clock, fires, recorder)
        await s.tick()
        await recorder.hold("a")
        clock.set("2026-11-23T10:01:00Z")
        await s.tick()
        while await recorder.runs.isEmpty { await Task.yield() }
        // The deadline passes while the run is held: stop says so.
        #expect(await s.stop(deadline: 0.05) == false)
        clock.set("2026-11-23T10:02:00Z")
        #expect(await s.tick().isEmpty)
        Task { await recorder.release("a") }
        // Released, the run ends: stop answers as soon as it has, well before this deadline
        // (generous: on a loaded host the released task may wait seconds for a thread).
        #expect(await s.stop(deadline: 300) == true)
        #expect(await s.runningPipelines.isEmpty)
    }

    @Test("a reload replaces the pipelines: a removed one no longer runs, an added one fires at its next time")
    func reload() async throws {
        let clock = ManualClock("2026-11-23T10:00:00Z")
        let fires = MemoryFires(), recorder = Recorder()
        let s = service([try pipeline("old", "* * * * *")], clock, fires, recorder)
        await s.tick()
        await s.reload([try pipeline("new", "*/5 * * * *")])
        clock.set("2026-11-23T10:01:00Z")
        #expect(await s.tick().isEmpty)  // `new` seen for the first time
        clock.set("2026-11-23T10:05:00Z")
        #expect(await s.tick() == ["new"])
        await settle(s)
        #expect(await recorder.names == ["new"])
        #expect(await s.nextFires()["new"] == ISO8601DateFormatter().date(from: "2026-11-23T10:10:00Z"))
    }

    @Test("the scaled system clock runs faster and sleeps shorter")
    func scaledClock() async {
        let clock = SystemSchedulerClock(scale: 3600)
        let realStart = Date()
        let start = clock.now()
        await clock.sleep(until: start.addingTimeInterval(360))  // six scaled minutes: 0.1 s
        let scaledElapsed = clock.now().timeIntervalSince(start)
        let realElapsed = Date().timeIntervalSince(realStart)
        #expect(scaledElapsed >= 360)
        // The scaled clock moves 3600 times as fast as the real one: never more than the real
        // time that passed around the reading, times the scale (no wall-time bound on a busy host).
        #expect(scaledElapsed <= realElapsed * 3600 + 1)
        // It slept scaled time, not real time: far less than the 360 real seconds it would be.
        #expect(realElapsed < 120)
    }
}
