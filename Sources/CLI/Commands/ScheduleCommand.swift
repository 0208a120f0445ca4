import ArgumentParser
import Connectors
import Cron
import Crypto
import Diagnostics
import Engine
import Foundation
import Hummingbird
import Logging
import Scheduler
import Spec
import State
import XeroClient

/// `xeroflow schedule`: the service that runs pipelines on their cron schedules, and
/// `xeroflow schedule next`.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run pipelines on their schedules (a long-running service), or show when a cron expression fires.",
        subcommands: [ScheduleServeCommand.self, ScheduleNextCommand.self],
        defaultSubcommand: ScheduleServeCommand.self
    )
}

/// `xeroflow schedule next CRON [--timezone TZ] [--after ISO8601] [--count N]`
struct ScheduleNextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Print the next fire times of a cron expression as ISO 8601 UTC instants, one a line.",
        discussion: """
            Daylight-saving changes follow the time zone: a time skipped by a spring-forward gap fires at the first \
            instant after the gap, a time repeated by a fall-back overlap fires once, at its first occurrence.
            """
    )

    @Argument(help: "A 5-field cron expression or a macro (@hourly, @daily, @weekly, @monthly, @yearly).")
    var cron: String

    @Option(help: "The IANA time zone the expression is read in (default UTC).")
    var timezone = "UTC"

    @Option(help: "Start after this instant (ISO 8601, e.g. 2026-03-28T00:00:00Z; default now).")
    var after: String?

    @Option(help: "How many fire times (1 to 10000).")
    var count = 5

    func run() throws {
        let expression: CronExpression
        do {
            expression = try CronExpression(parsing: cron)
        } catch {
            Console.err("xeroflow schedule next: invalid cron expression '\(cron)': \(error)\n")
            throw ExitCode.usage
        }
        guard let zone = CronTimeZone.resolve(timezone) else {
            let hint = CronTimeZone.suggestion(for: timezone).map { " (did you mean '\($0)'?)" } ?? ""
            Console.err("xeroflow schedule next: unknown time zone '\(timezone)'\(hint)\n")
            throw ExitCode.usage
        }
        guard (1...10_000).contains(count) else {
            Console.err("xeroflow schedule next: --count must be between 1 and 10000\n")
            throw ExitCode.usage
        }
        var start = Date()
        if let after {
            guard let d = Self.instant(after) else {
                Console.err("xeroflow schedule next: --after '\(after)' is not an ISO 8601 instant (e.g. 2026-03-28T00:00:00Z)\n")
                throw ExitCode.usage
            }
            start = d
        }
        let f = ISO8601DateFormatter()
        let times = expression.nextTimes(after: start, in: zone, count: count)
        Console.out(times.map { f.string(from: $0) + "\n" }.joined())
        if times.isEmpty { Console.err("xeroflow schedule next: '\(cron)' never fires within \(CronExpression.searchYears) years\n") }
    }

    static func instant(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withFullDate]
        return f.date(from: text)
    }
}

/// `xeroflow schedule [PATH…]`
struct ScheduleServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run every scheduled pipeline when its cron expression says (the default of `xeroflow schedule`).",
        discussion: """
            Loads and validates every pipeline (it refuses to start on an invalid one, with the diagnostics) and runs \
            each one with a `schedule:` when due. A pipeline never runs twice at once: a run still going at the next \
            fire time is not started again, and the state store's lock also holds across several schedulers sharing \
            it. After downtime, missed fire times run once (`schedule.catch_up: latest`) or not (`none`). SIGTERM or \
            SIGINT stops taking runs, lets the current ones finish (within --drain-timeout) and exits 0; SIGHUP \
            reloads the pipeline files (an invalid set is refused and the old one kept). Logs are JSON lines on \
            standard error. An HTTP endpoint (loopback by default) answers /healthz, /readyz and /metrics \
            (Prometheus). With --once: run what is due now, wait for it, and exit (for a system timer or a \
            Kubernetes CronJob); exit 1 when a run failed.
            """
    )

    @Argument(help: "Pipeline files or folders (default pipelines/).")
    var paths: [String] = []

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    @Flag(help: "Run what is due now and exit.")
    var once = false

    @Option(help: "HOST:PORT of the health and metrics endpoint (default 127.0.0.1:9464; port 0 picks one; 'off' for none).")
    var listen = "127.0.0.1:9464"

    @Option(name: .customLong("drain-timeout"), help: "Seconds to let running pipelines finish after SIGTERM (default 300).")
    var drainTimeout: Double = 300

    @Option(name: .customLong("time-scale"), help: "Scheduler seconds per real second (for tests and demonstrations; default 1).")
    var timeScale: Double = 1

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = JSONLogHandler(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "xeroflow.schedule")
        let paths = self.paths.isEmpty ? ["pipelines"] : self.paths
        let loaded: SchedulePipelines.Loaded
        switch SchedulePipelines.load(paths) {
        case .success(let l): loaded = l
        case .failure(let f):
            Console.err(f.text)
            throw f.usage ? ExitCode.usage : ExitCode.invalidConfiguration
        }
        let store: StateStore
        do {
            store = try XeroConnections.store(state)
        } catch {
            Console.err("xeroflow schedule: \(error)\n")
            throw ExitCode.failure
        }
        for name in loaded.unscheduled { logger.info("not scheduled (no schedule, or enabled: false)", metadata: ["pipeline": "\(name)"]) }
        let clock = SystemSchedulerClock(scale: timeScale)
        let fires = StoreFires(store: store, logger: logger)
        let service = SchedulerService(pipelines: loaded.scheduled, clock: clock, store: fires, logger: logger) { p, fire in
            await offThread { SchedulePipelines.execute(p, fire: fire, store: store) }
        }
        if once {
            let started = await service.tick()
            await service.waitForRuns()
            let counters = await service.counters
            let failed = counters.runs.values.reduce(0) { $0 + ($1[.failed] ?? 0) + ($1[.error] ?? 0) }
            logger.info("once: done", metadata: ["started": "\(started.count)", "failed": "\(failed)"])
            if failed > 0 { throw ExitCode.failure }
            return
        }

        let metrics = MetricsEndpoint(service: service, clock: clock)
        var server: Task<Void, any Error>?
        if listen != "off" {
            guard let (host, port) = Self.hostPort(listen) else {
                Console.err("xeroflow schedule: --listen '\(listen)' is not HOST:PORT\n")
                throw ExitCode.usage
            }
            server = try await metrics.start(host: host, port: port, logger: logger)
        }
        for p in loaded.scheduled {
            let next = await service.nextFires()[p.name].map { ISO8601DateFormatter().string(from: $0) } ?? "never"
            logger.info("scheduled", metadata: ["pipeline": "\(p.name)", "cron": "\(p.cron.text)", "timezone": "\(p.timeZone.identifier)", "next_fire": "\(next)"])
        }
        let loop = Task { await service.run() }
        let signals = SignalWaiter([SIGTERM, SIGINT, SIGHUP])
        while true {
            let signal = await signals.next()
            if signal == SIGHUP {
                switch SchedulePipelines.load(paths) {
                case .success(let l):
                    await service.reload(l.scheduled)
                case .failure(let f):
                    logger.error("reload refused; the pipelines loaded before stay", metadata: ["diagnostics": "\(f.text.trimmingCharacters(in: .whitespacesAndNewlines))"])
                }
                continue
            }
            logger.notice("stopping", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
            metrics.draining = true
            let finished = await service.stop(deadline: drainTimeout)
            loop.cancel()
            server?.cancel()
            // The endpoint's own shutdown logs come before the last line.
            _ = await server?.result
            _ = await loop.result
            if !finished { logger.error("runs still going at the end of the drain timeout; their next run will pick up where they stopped") }
            logger.notice("stopped")
            return
        }
    }

    static func hostPort(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// Runs blocking work (a pipeline run) on a Dispatch thread, never on Swift's cooperative pool.
func offThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in
        DispatchQueue.global().async { c.resume(returning: body()) }
    }
}

/// Loading the scheduled pipelines, and running one.
enum SchedulePipelines {
    struct Loaded {
        var scheduled: [ScheduledPipeline]
        var unscheduled: [String]
    }

    struct Failure: Error {
        var text: String
        var usage = false
    }

    static func load(_ paths: [String]) -> Result<Loaded, Failure> {
        let files: [String]
        do {
            files = try Files.pipelineFiles(in: paths)
        } catch let e as Files.Missing {
            return .failure(Failure(text: "xeroflow schedule: no such file or folder: \(e.path)\n", usage: true))
        } catch {
            return .failure(Failure(text: "xeroflow schedule: \(error)\n", usage: true))
        }
        if files.isEmpty { return .failure(Failure(text: "xeroflow schedule: no pipeline files in \(paths.joined(separator: ", "))\n", usage: true)) }
        var out = Loaded(scheduled: [], unscheduled: [])
        var problems = ""
        var names: [String: String] = [:]
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: file) else {
                problems += "xeroflow schedule: cannot read \(file)\n"
                continue
            }
            let result = PipelineValidator(options: .init(environment: ProcessInfo.processInfo.environment)).validate(bytes: Array(bytes), file: file)
            guard result.isValid, let spec = result.spec else {
                problems += DiagnosticRenderer(sources: [file: result.text ?? ""]).render(result.diagnostics.filter { $0.severity == .error }, format: .text, fileCount: 1)
                continue
            }
            let name = spec.name ?? file
            if let other = names[name] {
                problems += "\(file): error: the pipeline name '\(name)' is also used by \(other); each scheduled pipeline needs its own name\n"
                continue
            }
            names[name] = file
            guard let schedule = spec.schedule, schedule.enabled, let text = schedule.cron,
                  let cron = try? CronExpression(parsing: text), let zone = CronTimeZone.resolve(schedule.timezone ?? "UTC")
            else {
                out.unscheduled.append(name)
                continue
            }
            out.scheduled.append(ScheduledPipeline(name: name, file: file, cron: cron, timeZone: zone,
                                                   catchUp: schedule.catchUp == .none ? .none : .latest))
        }
        if !problems.isEmpty { return .failure(Failure(text: problems)) }
        return .success(out)
    }

    /// One run of a pipeline, as `xeroflow run` would do it.
    static func execute(_ p: ScheduledPipeline, fire: Date, store: StateStore) -> RunResult {
        guard let bytes = FileManager.default.contents(atPath: p.file) else {
            return RunResult(outcome: .error, message: "cannot read \(p.file)")
        }
        let result = PipelineValidator(options: .init(environment: ProcessInfo.processInfo.environment)).validate(bytes: Array(bytes), file: p.file)
        guard result.isValid, let spec = result.spec, let document = result.document else {
            return RunResult(outcome: .error, message: "\(p.file) is no longer valid; send SIGHUP after fixing it, or run `xeroflow validate`")
        }
        let hash = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        let loaded = PipelineFiles.Loaded(file: p.file, spec: spec, document: document, hash: hash)
        var options = PipelineRunner.Options()
        options.pipelineHash = hash
        let (connectors, sandbox) = XeroConnections.connectorsAndSandbox(for: spec, store: store)
        defer { if let sandbox { EmbeddedSandbox.stop(sandbox) } }
        let runner = PipelineRunner(spec: spec, location: loaded.location, baseDirectory: URL(fileURLWithPath: p.file).deletingLastPathComponent(),
                                    connectors: connectors, state: store, options: options)
        do {
            let summary = try runner.run()
            let targets = Set(spec.targets.map(\.name))
            let records = summary.counts.filter { targets.contains($0.node) }.reduce(0) { $0 + $1.counts.created + $1.counts.updated }
            let ok = summary.succeeded && summary.quarantined.isEmpty
            return RunResult(outcome: ok ? .succeeded : .failed, runID: summary.runID, records: records, failedRecords: summary.quarantined.count,
                             message: summary.problems.first ?? summary.quarantined.first.map { "\($0.location): \($0.message)" })
        } catch is StateStore.PipelineBusy {
            return RunResult(outcome: .busy)
        } catch {
            return RunResult(outcome: .error, message: "\(error)")
        }
    }
}

/// The scheduler's fire times in the state store.
struct StoreFires: FireStore {
    let store: StateStore
    let logger: Logger
    func lastFire(_ pipeline: String) -> Date? { try? store.lastFire(pipeline: pipeline) }
    func setLastFire(_ pipeline: String, _ date: Date) {
        do { try store.setLastFire(pipeline: pipeline, date) } catch {
            logger.error("could not record a fire time", metadata: ["pipeline": "\(pipeline)", "error": "\(error)"])
        }
    }
}

/// Waits for signals (the default actions are turned off for them).
final class SignalWaiter: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let stream: AsyncStream<Int32>
    private var iterator: AsyncStream<Int32>.Iterator

    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        iterator = stream.makeAsyncIterator()
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { continuation.yield(s) }
            source.resume()
            sources.append(source)
        }
    }

    func next() async -> Int32 {
        await iterator.next() ?? SIGTERM
    }
}

/// `/healthz`, `/readyz` and `/metrics` (Prometheus text format).
final class MetricsEndpoint: @unchecked Sendable {
    let service: SchedulerService
    let clock: any SchedulerClock
    private let lock = NSLock()
    private var _draining = false
    var draining: Bool {
        get { lock.withLock { _draining } }
        set { lock.withLock { _draining = newValue } }
    }

    init(service: SchedulerService, clock: any SchedulerClock) {
        self.service = service
        self.clock = clock
    }

    /// Starts listening; returns once the port is bound (and logs it, with the port chosen).
    func start(host: String, port: Int, logger: Logger) async throws -> Task<Void, any Error> {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { [self] _, _ -> Response in
            let ready = !self.draining
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: ready ? "ready\n" : "draining\n")))
        }
        router.get("metrics") { [self] _, _ -> Response in
            let text = await self.render()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        var quiet = logger
        quiet.logLevel = .warning
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "xeroflow-schedule"),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? port)
                                  continuation.finish()
                              }, logger: quiet)
        let task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var bound: Int?
        for await p in stream { bound = p }
        guard let bound else {
            task.cancel()
            throw ScheduleError(description: "cannot listen on \(host):\(port) (the port may be taken; --listen HOST:PORT or --listen off)")
        }
        logger.notice("health and metrics endpoint listening", metadata: ["url": "http://\(host):\(bound)"])
        Console.out("listening on http://\(host):\(bound)\n")
        return task
    }

    func render() async -> String {
        let counters = await service.counters
        let next = await service.nextFires()
        let loaded = await service.loaded
        let running = Set(await service.runningPipelines)
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples.sorted(by: { $0.0 < $1.0 }) {
                out += "\(name)\(labels.isEmpty ? "" : "{\(labels)}") \(value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value))\n"
            }
        }
        func label(_ pairs: [(String, String)]) -> String {
            pairs.map { "\($0.0)=\"\($0.1.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",")
        }
        let names = loaded.map(\.name)
        family("xeroflow_pipelines_scheduled", "gauge", "Pipelines loaded with a schedule.", [("", Double(loaded.count))])
        var runs: [(String, Double)] = []
        for name in names {
            for outcome in [RunResult.Outcome.succeeded, .failed, .busy, .error] {
                runs.append((label([("pipeline", name), ("outcome", outcome.rawValue)]), Double(counters.runs[name]?[outcome] ?? 0)))
            }
        }
        family("xeroflow_runs_total", "counter", "Scheduled runs finished, by pipeline and outcome (busy: its lock was held elsewhere).", runs)
        family("xeroflow_records_total", "counter", "Records created or updated by scheduled runs.", names.map { (label([("pipeline", $0)]), Double(counters.records[$0] ?? 0)) })
        family("xeroflow_failures_total", "counter", "Scheduled runs that failed.",
               names.map { (label([("pipeline", $0)]), Double((counters.runs[$0]?[.failed] ?? 0) + (counters.runs[$0]?[.error] ?? 0))) })
        family("xeroflow_quarantined_records_total", "counter", "Records set apart by scheduled runs.", names.map { (label([("pipeline", $0)]), Double(counters.failedRecords[$0] ?? 0)) })
        family("xeroflow_overlaps_skipped_total", "counter", "Fire times skipped because the previous run was still going.",
               names.map { (label([("pipeline", $0)]), Double(counters.overlapsSkipped[$0] ?? 0)) })
        family("xeroflow_missed_fires_total", "counter", "Fire times passed over after downtime (catch_up: none).", names.map { (label([("pipeline", $0)]), Double(counters.missed[$0] ?? 0)) })
        family("xeroflow_running", "gauge", "1 while the pipeline is running.", names.map { (label([("pipeline", $0)]), running.contains($0) ? 1 : 0) })
        family("xeroflow_next_fire_timestamp_seconds", "gauge", "The next fire time of each pipeline (Unix seconds).",
               names.compactMap { n in next[n].map { (label([("pipeline", n)]), $0.timeIntervalSince1970.rounded(.down)) } })
        let xero = XeroCallStats.shared.snapshot()
        family("xeroflow_xero_calls_total", "counter", "Calls to Xero's Accounting API, by tenant.", xero.map { (label([("tenant", $0.key)]), Double($0.value.calls)) })
        family("xeroflow_xero_rate_limited_total", "counter", "429 answers from Xero, by tenant.", xero.map { (label([("tenant", $0.key)]), Double($0.value.throttled)) })
        return out
    }
}

struct ScheduleError: Error, CustomStringConvertible { let description: String }
