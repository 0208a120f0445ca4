import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `xeroflow schedule` and `schedule next` as real processes.
@Suite("xeroflow schedule (processes)", .serialized)
struct ScheduleCommandTests {
    @Test("schedule next prints fire times as UTC instants, across DST changes in several zones", arguments: [
        (["30 2 * * *", "--timezone", "Europe/Paris", "--after", "2026-03-28T00:00:00Z", "--count", "3"],
         "2026-03-28T01:30:00Z\n2026-03-29T01:00:00Z\n2026-03-30T00:30:00Z\n"),
        (["*/30 * * * *", "--timezone", "Europe/Paris", "--after", "2026-10-25T00:00:00Z", "--count", "4"],
         "2026-10-25T00:30:00Z\n2026-10-25T02:00:00Z\n2026-10-25T02:30:00Z\n2026-10-25T03:00:00Z\n"),
        (["0 23 * * *", "--timezone", "Europe/Paris", "--after", "2026-11-23T00:00:00Z", "--count", "2"],
         "2026-11-23T22:00:00Z\n2026-11-24T22:00:00Z\n"),
        (["30 2 * * SUN", "--timezone", "America/New_York", "--after", "2026-03-01T00:00:00Z", "--count", "2"],
         "2026-03-01T07:30:00Z\n2026-03-08T07:00:00Z\n"),
        (["@daily", "--timezone", "Australia/Sydney", "--after", "2026-04-04T00:00:00Z", "--count", "2"],
         "2026-04-04T13:00:00Z\n2026-04-05T14:00:00Z\n"),
        (["0 0 13 * FRI", "--after", "2026-11-01T00:00:00Z", "--count", "3"],
         "2026-11-06T00:00:00Z\n2026-11-13T00:00:00Z\n2026-11-20T00:00:00Z\n"),
    ])
    func next(_ arguments: [String], _ expected: String) async throws {
        let r = try await Xeroflow.run(["schedule", "next"] + arguments)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == expected)
    }

    @Test("schedule next: an invalid expression or an unknown zone is a usage error with a precise message")
    func nextErrors() async throws {
        let bad = try await Xeroflow.run(["schedule", "next", "61 * * * *"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("invalid cron expression '61 * * * *'"))
        let zone = try await Xeroflow.run(["schedule", "next", "@daily", "--timezone", "Europe/Pariss"])
        #expect(zone.status == 64)
        #expect(zone.stderr.contains("did you mean 'Europe/Paris'?"))
    }

    @Test("schedule refuses to start on an invalid pipeline, with the diagnostics")
    func refusesInvalid() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "version: 1\nname: broken\nschedule: { cron: \"61 * * * *\" }\nsources: { a: { csv: a.csv } }\n"
            .write(to: dir.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let r = try await Xeroflow.run(["schedule", "broken.yaml", "--listen", "off"], in: dir, timeout: 30)
        #expect(r.status == 78)
        #expect(r.stderr.contains("broken.yaml:3:"), "\(r.stderr)")
    }

    /// A running `xeroflow schedule`.
    final class Service: @unchecked Sendable {
        let process = Process()
        let url: String
        let logURL: URL

        init(_ arguments: [String], in dir: URL, environment: [String: String]) throws {
            process.executableURL = Xeroflow.binary
            process.arguments = ["schedule"] + arguments
            process.currentDirectoryURL = dir
            process.environment = environment
            let out = Pipe()
            logURL = dir.appendingPathComponent("schedule-\(UUID().uuidString).log")
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
            process.standardOutput = out
            process.standardError = try FileHandle(forWritingTo: logURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(30)
            var text = ""
            while !text.contains("\n") && Date() < deadline && process.isRunning {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { usleep(10_000) } else { text += String(decoding: chunk, as: UTF8.self) }
            }
            guard let line = text.split(separator: "\n").first, line.hasPrefix("listening on ") else {
                process.terminate()
                throw SandboxCommandTests.Server.Failure(message: "no ready line: '\(text)'; log: \((try? String(contentsOf: logURL, encoding: .utf8)) ?? "")")
            }
            url = String(line.dropFirst("listening on ".count))
        }

        var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

        func signal(_ s: Int32) { kill(process.processIdentifier, s) }

        func wait(timeout: Double = 30) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func get(_ url: String) async throws -> (Int, String) {
        try await SandboxCommandTests.request("GET", url)
    }

    /// The value of one sample in Prometheus text.
    static func sample(_ metrics: String, _ series: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("the service runs a one-minute pipeline on time against a sandbox (scheduler time-scaled), answers health, readiness and metrics, keeps its pipelines on an invalid reload, and stops gracefully on SIGTERM")
    func serviceAgainstTheSandbox() async throws {
        let h = try await XeroPipelineTests.Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        // generic.yaml, every minute instead of hourly; a minute passes in a second.
        let file = h.dir.appendingPathComponent("pipelines/generic.yaml")
        var yaml = try String(contentsOf: file, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: #"cron: "@hourly""#, with: #"cron: "* * * * *""#)
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: h.dir.appendingPathComponent("scheduled"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: file, to: h.dir.appendingPathComponent("scheduled/generic.yaml"))
        try FileManager.default.createSymbolicLink(at: h.dir.appendingPathComponent("scheduled/data"), withDestinationURL: h.dir.appendingPathComponent("pipelines/data"))
        let env = h.environment
        let dir = h.dir
        let service = try await offPool { try Service(["scheduled", "--listen", "127.0.0.1:0", "--time-scale", "60"], in: dir, environment: env) }

        let (health, ok) = try await Self.get(service.url + "/healthz")
        #expect(health == 200 && ok == "ok\n")
        let (ready, _) = try await Self.get(service.url + "/readyz")
        #expect(ready == 200)
        // Within a few real seconds (a few scheduled minutes) the pipeline has run.
        var metrics = ""
        for _ in 0..<600 {  // up to a minute on a loaded host; usually two seconds
            metrics = try await Self.get(service.url + "/metrics").1
            if (Self.sample(metrics, #"xeroflow_runs_total{pipeline="generic",outcome="succeeded"}"#) ?? 0) >= 2 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect((Self.sample(metrics, #"xeroflow_runs_total{pipeline="generic",outcome="succeeded"}"#) ?? 0) >= 2, "\(metrics)\n\(service.log)")
        #expect((Self.sample(metrics, #"xeroflow_records_total{pipeline="generic"}"#) ?? 0) == 11, "\(metrics)")
        #expect(Self.sample(metrics, #"xeroflow_next_fire_timestamp_seconds{pipeline="generic"}"#) != nil)
        #expect(metrics.contains("xeroflow_xero_calls_total{tenant="))
        #expect(metrics.contains("# TYPE xeroflow_runs_total counter"))
        let transactions = try await h.records("BankTransactions")
        #expect(transactions.count == 5)

        // An invalid file appears and SIGHUP asks for a reload: refused, the service goes on.
        try "version: 1\nname: broken\nschedule: { cron: \"* * * *\" }\n".write(to: h.dir.appendingPathComponent("scheduled/broken.yaml"), atomically: true, encoding: .utf8)
        service.signal(SIGHUP)
        var log = ""
        for _ in 0..<300 {
            log = service.log
            if log.contains("reload refused") { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(log.contains("reload refused"), "\(log)")
        let (stillHealthy, _) = try await Self.get(service.url + "/healthz")
        #expect(stillHealthy == 200)

        service.signal(SIGTERM)
        let status = try await offPool { service.wait() }
        #expect(status == 0, "\(service.log)")
        // Every line of the log is one JSON object with a level and a message.
        let lines = service.log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(o?["level"] != nil && o?["msg"] != nil, "\(line)")
        }
        #expect(lines.contains { $0.contains(#""msg":"run finished""#) && $0.contains(#""pipeline":"generic""#) && $0.contains("run_id") })
        #expect(lines.last?.contains(#""msg":"stopped""#) == true, "\(lines.suffix(4).joined(separator: "\n"))")
    }

    @Test("--once runs what is due (catching up after downtime) and exits; run again at once, nothing is due")
    func once() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try "id,name\n1,a\n2,b\n".write(to: dir.appendingPathComponent("data/x.csv"), atomically: true, encoding: .utf8)
        try """
            version: 1
            name: hourly_export
            schedule: { cron: "@hourly" }
            xero: { connection: sandbox }
            sources:
              rows: { csv: data/x.csv, key: id }
            steps:
              out: { from: rows, map: { Id: id, Name: name } }
            targets:
              file_out: { from: out, file: out/rows.jsonl, key: Id }
            """.write(to: dir.appendingPathComponent("export.yaml"), atomically: true, encoding: .utf8)
        let env = ConnectCommandTests.environment(dir)
        // First sight: nothing is due yet.
        let first = try await Xeroflow.run(["schedule", "export.yaml", "--once"], in: dir, environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/rows.jsonl").path))
        // The scheduler was last here three hours ago: the latest missed hour runs, once.
        try await DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path).write { db in
            try db.execute(sql: "UPDATE schedule_fires SET last_fire = last_fire - 3 * 3600")
        }
        let second = try await Xeroflow.run(["schedule", "export.yaml", "--once"], in: dir, environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("catching up once"), "\(second.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/rows.jsonl").path))
        let runs = try await DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM runs WHERE pipeline = 'hourly_export'") ?? 0
        }
        #expect(runs == 1)
        let third = try await Xeroflow.run(["schedule", "export.yaml", "--once"], in: dir, environment: env)
        #expect(third.status == 0)
        #expect(!third.stderr.contains("run starting"))
    }

    @Test("the deploy recipes use only options the scheduler has")
    func deployRecipes() async throws {
        let help = try await Xeroflow.run(["schedule", "serve", "--help"])
        #expect(help.status == 0)
        let deploy = Xeroflow.packageRoot.appendingPathComponent("deploy")
        let files = try FileManager.default.contentsOfDirectory(atPath: deploy.path).sorted()
        #expect(files.contains("xeroflow-schedule.service") && files.contains("kubernetes-cronjob.yaml") && files.contains("Containerfile"))
        var checked = 0
        for file in files {
            let text = try String(contentsOf: deploy.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") where line.contains("schedule") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("#") {
                for word in line.split(whereSeparator: { " \",[]".contains($0) }) where word.hasPrefix("--") {
                    #expect(help.stdout.contains(String(word)), "\(file): \(word) is not an option of xeroflow schedule")
                    checked += 1
                }
            }
        }
        #expect(checked >= 8)
    }
}
