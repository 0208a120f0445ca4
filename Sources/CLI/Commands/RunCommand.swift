import ArgumentParser
import Connectors
import Crypto
import Diagnostics
import Engine
import Foundation
import JSONModel
import Spec
import State

/// Loading a pipeline file for the commands that run it.
enum PipelineFiles {
    struct Loaded {
        var file: String
        var spec: PipelineSpec
        var document: LocatedDocument
        var hash: String
        /// `file:line:column` of a part: for a step or a target (a mapping), the line of its
        /// name; for an expression, the expression itself.
        func location(_ pointer: JSONPointer) -> String {
            let l = document.location(of: pointer, preferKey: pointer.tokens.count == 2)
            return "\(l.file):\(l.line):\(l.column)"
        }
    }

    /// Validates the file; on errors prints them and exits 78.
    static func load(_ file: String) throws -> Loaded {
        guard let bytes = FileManager.default.contents(atPath: file) else {
            Console.err("xeroflow: cannot read \(file)\n")
            throw ExitCode.usage
        }
        let result = PipelineValidator(options: .init(environment: ProcessInfo.processInfo.environment)).validate(bytes: Array(bytes), file: file)
        guard result.isValid, let spec = result.spec, let document = result.document else {
            Console.err(DiagnosticRenderer(sources: [file: result.text ?? ""]).render(result.diagnostics.filter { $0.severity == .error }, format: .text, fileCount: 1))
            throw ExitCode.invalidConfiguration
        }
        let hash = SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        return Loaded(file: file, spec: spec, document: document, hash: hash)
    }
}

/// `xeroflow run PIPELINE…`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run pipelines: read sources from their cursors, run the steps, write the targets, remember the outcome.",
        discussion: """
            Paths in a pipeline are relative to its file. Exit 0 when every pipeline succeeded, 1 when a target \
            failed or records were set apart (see `xeroflow failures`), 78 for an invalid pipeline, 64 on a usage error.
            """
    )

    @Argument(help: "Pipeline files.")
    var pipelines: [String]

    @Flag(name: .customLong("dry-run"), help: "Read and transform, write nothing, remember nothing.")
    var dryRun = false

    @Flag(name: .customLong("full-refresh"), help: "Ignore the cursors: read every source from the start.")
    var fullRefresh = false

    @Flag(help: "Send records to Xero again even when their content did not change since they were pushed.")
    var resync = false

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    /// Each node as it finishes, with its rate: one updating line on a terminal, plain lines to
    /// standard error otherwise (logs).
    static func progress(started: Date) -> @Sendable (String, NodeCounts) -> Void {
        let terminal = isatty(STDERR_FILENO) == 1
        return { node, c in
            let seconds = max(Date().timeIntervalSince(started), 0.001)
            let rate = Double(c.read) / seconds
            let line = String(format: "%@: %d in, %d out (%.0f records/s, %.1f s)", node, c.read, c.output + c.created + c.updated + c.unchanged, rate, seconds)
            Console.err(terminal ? "\r\u{1B}[K" + line : "progress: " + line + "\n")
        }
    }

    /// A streamed run's sources as they are read: on a terminal one updating line (at most
    /// five times a second) with the rate, how far and the time left; otherwise a plain line
    /// every ten seconds.
    static func live() -> @Sendable (LiveProgress) -> Void {
        let terminal = isatty(STDERR_FILENO) == 1
        let last = LastShown()
        return { p in
            guard last.due(every: terminal ? 0.2 : 10) else { return }
            let rate = Double(p.records) / max(p.elapsed, 0.001)
            var line = String(format: "%@: %d read (%.0f records/s)", p.source, p.records, rate)
            if let total = p.read.total, total > 0 {
                line += String(format: ", %.0f%%", 100 * Double(p.read.done) / Double(total))
            }
            if let eta = p.eta { line += String(format: ", %.0f s left", eta.rounded(.up)) }
            Console.err(terminal ? "\r\u{1B}[K" + line : "progress: " + line + "\n")
        }
    }

    final class LastShown: @unchecked Sendable {
        private let lock = NSLock()
        private var last = Date.distantPast
        func due(every seconds: TimeInterval) -> Bool {
            lock.lock()
            defer { lock.unlock() }
            let now = Date()
            guard now.timeIntervalSince(last) >= seconds else { return false }
            last = now
            return true
        }
    }

    func run() throws {
        var failed = false
        let store = try? XeroConnections.store(state)
        for file in pipelines {
            let loaded = try PipelineFiles.load(file)
            var options = PipelineRunner.Options()
            options.dryRun = dryRun
            options.fullRefresh = fullRefresh
            options.pipelineHash = loaded.hash
            options.progress = Self.progress(started: Date())
            options.live = Self.live()
            options.resync = resync
            let (connectors, sandbox) = XeroConnections.connectorsAndSandbox(for: loaded.spec, store: store)
            defer { if let sandbox { EmbeddedSandbox.stop(sandbox) } }
            if sandbox != nil {
                Console.err("xeroflow run: no connection named 'sandbox' was made: running against the embedded sandbox (\(EmbeddedSandbox.dataPath))\n")
            }
            let runner = PipelineRunner(spec: loaded.spec, location: loaded.location,
                                        baseDirectory: URL(fileURLWithPath: file).deletingLastPathComponent(),
                                        connectors: connectors, state: store, options: options)
            let started = Date()
            let summary: PipelineRunner.Summary
            do {
                summary = try runner.run()
            } catch {
                Console.err("xeroflow run: \(loaded.spec.name ?? file): \(error)\n")
                failed = true
                continue
            }
            let seconds = Date().timeIntervalSince(started)
            if isatty(STDERR_FILENO) == 1 { Console.err("\r\u{1B}[K") }
            Console.out("\(loaded.spec.name ?? file)\(dryRun ? " (dry run)" : "")\(summary.runID.map { " run \($0.prefix(8))" } ?? "")\n")
            for (node, c) in summary.counts {
                if c.skipped { Console.out("  \(node): skipped\n"); continue }
                var parts = ["\(c.read) in", "\(c.output) out"]
                if c.created + c.updated + c.unchanged > 0 || loaded.spec.targets.contains(where: { $0.name == node }) {
                    parts = ["\(c.read) in", "\(c.created) created", "\(c.updated) updated", "\(c.unchanged) unchanged"]
                }
                if c.left > 0 { parts.append("\(c.left) skipped") }
                if c.failed > 0 { parts.append("\(c.failed) set apart") }
                Console.out("  \(node): \(parts.joined(separator: ", "))\n")
            }
            for n in summary.notes.prefix(20) { Console.out("  note: \(n)\n") }
            if summary.notes.count > 20 { Console.out("  … and \(summary.notes.count - 20) more notes\n") }
            for q in summary.quarantined.prefix(10) {
                Console.out("  set apart: \(q.location): \(q.node) (\(q.part)): \(q.message)\n")
            }
            if summary.quarantined.count > 10 { Console.out("  … and \(summary.quarantined.count - 10) more (`xeroflow failures`)\n") }
            for p in summary.problems { Console.err("xeroflow run: \(p)\n") }
            Console.out(String(format: "  %@ in %.2f s\n", summary.succeeded && summary.quarantined.isEmpty ? "done" : "finished with problems", seconds))
            if let sandbox, !dryRun { Console.out(EmbeddedSandbox.landed(sandbox, spec: loaded.spec)) }
            if !summary.succeeded || !summary.quarantined.isEmpty { failed = true }
        }
        if failed { throw ExitCode.failure }
    }
}

/// `xeroflow plan PIPELINE`: what a run would do per target, without writing.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do per target (create, update, unchanged) without writing anything."
    )

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    @Flag(help: "Plan a full refresh: read every source from the start, as `run --full-refresh` would.")
    var fullRefresh = false

    func run() throws {
        let loaded = try PipelineFiles.load(pipeline)
        var options = PipelineRunner.Options()
        options.dryRun = true
        options.fullRefresh = fullRefresh
        let store = try? XeroConnections.store(state)
        let runner = PipelineRunner(spec: loaded.spec, location: loaded.location, baseDirectory: URL(fileURLWithPath: pipeline).deletingLastPathComponent(),
                                    connectors: XeroConnections.connectors(for: loaded.spec, store: store), state: store, options: options)
        let summary = try runner.run()
        let targets = Set(loaded.spec.targets.map(\.name))
        for (node, c) in summary.counts where targets.contains(node) {
            var line = "\(node): \(c.created) to create, \(c.updated) to update, \(c.unchanged) unchanged"
            if c.left > 0 { line += ", \(c.left) to skip" }
            if c.failed > 0 { line += ", \(c.failed) would be set apart" }
            Console.out(line + "\n")
        }
        for q in summary.quarantined.prefix(20) { Console.out("  would set apart: \(q.location): \(q.node): \(q.message)\n") }
        for n in summary.notes.prefix(20) { Console.out("  note: \(n)\n") }
        for p in summary.problems { Console.err("xeroflow plan: \(p)\n") }
        if !summary.succeeded { throw ExitCode.failure }
    }
}

/// `xeroflow graph PIPELINE --format mermaid|dot`
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "graph", abstract: "Print a pipeline's graph of sources, steps and targets.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case mermaid, dot }

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @Option(help: "mermaid or dot.")
    var format: Format = .mermaid

    func run() throws {
        let spec = try PipelineFiles.load(pipeline).spec
        var edges: [(String, String, Bool)] = []
        for s in spec.steps {
            if let f = s.from { edges.append((f.name, s.name, false)) }
            if let w = s.join?.with { edges.append((w.name, s.name, false)) }
            for a in s.after { edges.append((a.name, s.name, true)) }
        }
        for t in spec.targets {
            if let f = t.from { edges.append((f.name, t.name, false)) }
            for a in t.after { edges.append((a.name, t.name, true)) }
        }
        var out = ""
        switch format {
        case .mermaid:
            out = "flowchart LR\n"
            for s in spec.sources { out += "  \(s.name)[(\(s.name))]\n" }
            for s in spec.steps { out += "  \(s.name)[\(s.name)]\n" }
            for t in spec.targets { out += "  \(t.name)>\(t.name)]\n" }
            for (a, b, after) in edges { out += "  \(a) \(after ? "-.->" : "-->") \(b)\n" }
        case .dot:
            out = "digraph \"\(spec.name ?? "pipeline")\" {\n  rankdir=LR;\n"
            for s in spec.sources { out += "  \"\(s.name)\" [shape=cylinder];\n" }
            for s in spec.steps { out += "  \"\(s.name)\" [shape=box];\n" }
            for t in spec.targets { out += "  \"\(t.name)\" [shape=cds];\n" }
            for (a, b, after) in edges { out += "  \"\(a)\" -> \"\(b)\"\(after ? " [style=dashed]" : "");\n" }
            out += "}\n"
        }
        Console.out(out)
    }
}

/// `xeroflow runs [PIPELINE]`
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recent runs, newest first.")

    @Argument(help: "Only this pipeline (its name).")
    var pipeline: String?

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    func run() throws {
        let store = try XeroConnections.store(state)
        let f = ISO8601DateFormatter()
        for r in try store.runs(pipeline: pipeline) {
            let took = r.endedAt.map { String(format: "%.2f s", $0.timeIntervalSince(r.startedAt)) } ?? "—"
            Console.out("\(r.id.prefix(8))  \(r.pipeline)  \(f.string(from: r.startedAt))  \(took)  \(r.outcome)\n")
        }
    }
}

/// `xeroflow failures PIPELINE`
struct FailuresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failures", abstract: "List the records set apart by a pipeline's latest run, with the reason and the YAML place.")

    @Argument(help: "The pipeline's name.")
    var pipeline: String

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    @Flag(name: .customLong("show-records"), help: "Also print each record (it may hold personal data).")
    var showRecords = false

    func run() throws {
        let store = try XeroConnections.store(state)
        let failures = try store.failures(pipeline: pipeline)
        for f in failures {
            Console.out("\(f.location): \(f.node) (\(f.part)): \(f.message)\n")
            if showRecords { Console.out("    \(f.record)\n") }
        }
        Console.out("\(failures.count) record\(failures.count == 1 ? "" : "s") set apart\n")
    }
}

/// `xeroflow retry PIPELINE`: try again the records a pipeline's latest run set apart.
struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Try again the records set apart by a pipeline's latest run (after fixing the pipeline or the data).",
        discussion: """
            Re-reads every source from the start (a full refresh) and runs the pipeline: keyed writes leave what is \
            already right untouched, so only what failed before (and anything changed since) is written. Reports how \
            many set-apart records now pass. Exit 1 when some still fail.
            """
    )

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    func run() throws {
        let loaded = try PipelineFiles.load(pipeline)
        let store = try XeroConnections.store(state)
        let name = loaded.spec.name ?? pipeline
        let before = try store.failures(pipeline: name)
        if before.isEmpty {
            Console.out("\(name): the latest run set nothing apart; nothing to retry\n")
            return
        }
        var options = PipelineRunner.Options()
        options.fullRefresh = true
        options.pipelineHash = loaded.hash
        let runner = PipelineRunner(spec: loaded.spec, location: loaded.location, baseDirectory: URL(fileURLWithPath: pipeline).deletingLastPathComponent(),
                                    connectors: XeroConnections.connectors(for: loaded.spec, store: store), state: store, options: options)
        let summary = try runner.run()
        let after = summary.quarantined.count
        for (node, c) in summary.counts where loaded.spec.targets.contains(where: { $0.name == node }) {
            Console.out("  \(node): \(c.created) created, \(c.updated) updated, \(c.unchanged) unchanged\n")
        }
        for p in summary.problems { Console.err("xeroflow retry: \(p)\n") }
        Console.out("\(name): \(before.count) set apart before; \(max(0, before.count - after)) now pass, \(after) still set apart\n")
        for q in summary.quarantined.prefix(10) { Console.out("  \(q.location): \(q.node) (\(q.part)): \(q.message)\n") }
        if after > 0 || !summary.succeeded { throw ExitCode.failure }
    }
}
