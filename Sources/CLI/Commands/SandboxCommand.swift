import ArgumentParser
import Foundation
import JSONModel
import Logging
import Sandbox

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `xeroflow sandbox`: a local Xero (identity and Accounting API) for examples, tests and CI.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local emulator of Xero's Accounting API, or look inside one.",
        subcommands: [SandboxServeCommand.self, SandboxShowCommand.self],
        defaultSubcommand: SandboxServeCommand.self
    )
}

/// The default data file: `.xeroflow/sandbox.sqlite` under the current folder.
let defaultSandboxData = ".xeroflow/sandbox.sqlite"

struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the sandbox until interrupted (the default for `xeroflow sandbox`).",
        discussion: """
            Prints one line, `listening on http://HOST:PORT`, once it accepts connections; --port 0 picks a \
            free port. Data persists in SQLite (--data, default \(defaultSandboxData)) unless --in-memory. \
            OAuth client `sandbox` with secret `sandbox` unless --client is given. SIGINT or SIGTERM stops it \
            cleanly. Faults: a comma-separated list of KIND=RATE[:PARAM]: 500=0.05, 503=0.02, drop=0.02 \
            (applied, then the connection closes), slow=0.1:2s, 429=0.01:3 (a burst of 3), latency=20ms.
            """
    )

    enum Limits: String, ExpressibleByArgument, CaseIterable { case xero, off }

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port = 5454

    @Option(help: "SQLite file holding the sandbox's data.")
    var data: String?

    @Flag(name: .customLong("in-memory"), help: "Keep everything in memory; nothing is written.")
    var inMemory = false

    @Option(help: "xero: enforce Xero's call limits; off: only report them in headers.")
    var limits: Limits = .xero

    @Option(name: .customLong("time-scale"), help: "Sandbox seconds per real second (60: a sandbox minute lasts a second).")
    var timeScale: Double = 1

    @Option(help: "Faults to inject into Accounting calls, e.g. 500=0.05,drop=0.02,slow=0.1:2s.")
    var faults: String?

    @Option(help: "Seed for identifiers and fault decisions.")
    var seed: UInt64?

    @Option(name: .customLong("client"), help: "An OAuth client ID[:SECRET] the sandbox accepts (repeatable); a client without a secret is a PKCE app.")
    var clients: [String] = []

    func validate() throws {
        if data != nil && inMemory { throw ValidationError("--data and --in-memory exclude each other") }
        if !timeScale.isFinite || timeScale <= 0 || timeScale > 1_000_000 { throw ValidationError("--time-scale must be a positive number up to 1000000") }
        for spec in clients where spec.split(separator: ":", maxSplits: 1).first.map({ $0.isEmpty }) ?? true {
            throw ValidationError("--client '\(spec)': expected ID or ID:SECRET")
        }
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        if let faults {
            do { _ = try FaultPlan(parsing: faults) } catch { throw ValidationError("--faults: \(error)") }
        }
    }

    func run() async throws {
        var options = SandboxOptions()
        options.host = host
        options.port = port
        options.dataPath = inMemory ? nil : (data ?? defaultSandboxData)
        options.enforceLimits = limits == .xero
        options.timeScale = timeScale
        if let faults { options.faults = try FaultPlan(parsing: faults) }
        if let seed { options.seed = seed }
        if !clients.isEmpty {
            options.clients = clients.map { spec in
                let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
                return SandboxOptions.Client(id: parts[0], secret: parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil)
            }
        }
        let logger = Logger(label: "xeroflow.sandbox")
        let host = self.host
        do {
            try await SandboxServer.runUntilSignalled(options: options, logger: logger) { port in
                Console.out("listening on http://\(host):\(port)\n")
            }
        } catch {
            Console.err("xeroflow sandbox: \(error)\n")
            throw ExitCode.failure
        }
    }
}

struct SandboxShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a tenant's records of one kind (Contacts, Invoices, …, or Organisation) as JSON.",
        discussion: "Reads a running sandbox with --url, else the data file directly."
    )

    @Argument(help: "Contacts, Invoices, Payments, … or Organisation.")
    var object: String

    @Option(help: "The organisation: its name or tenant id.")
    var tenant: String

    @Option(help: "A running sandbox, e.g. http://127.0.0.1:5454.")
    var url: String?

    @Option(help: "The sandbox's SQLite file (default \(defaultSandboxData)).")
    var data: String?

    func run() async throws {
        let value: JSONValue
        if let url {
            guard let base = URL(string: url) else { throw ValidationError("--url: '\(url)' is not a URL") }
            let target = base.appendingPathComponent("_sandbox").appendingPathComponent("tenants")
                .appendingPathComponent(tenant).appendingPathComponent(object)
            let body: Data, status: Int
            do {
                let (d, response) = try await URLSession.shared.data(from: target)
                body = d
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
            } catch {
                Console.err("xeroflow sandbox show: cannot reach \(url): \(error.localizedDescription)\n")
                throw ExitCode.failure
            }
            guard let v = try? JSONParser.parse(bytes: Array(body)) else {
                Console.err("xeroflow sandbox show: \(url) did not answer JSON (HTTP \(status))\n")
                throw ExitCode.failure
            }
            if status != 200 {
                Console.err("xeroflow sandbox show: \(v["error"]?.stringValue ?? "HTTP \(status)")\n")
                throw ExitCode.failure
            }
            value = v
        } else {
            let path = data ?? defaultSandboxData
            guard FileManager.default.fileExists(atPath: path) else {
                Console.err("xeroflow sandbox show: no sandbox data at \(path) (give --data FILE, or --url of a running sandbox)\n")
                throw ExitCode.usage
            }
            var options = SandboxOptions()
            options.dataPath = path
            let engine = try SandboxEngine(options: options, clock: SandboxClock())
            let reply = await engine.handle(SandboxRequest(method: "GET", path: "/_sandbox/tenants/\(tenant)/\(object)"))
            let v = (try? JSONParser.parse(bytes: reply.body)) ?? .null
            if reply.status != 200 {
                Console.err("xeroflow sandbox show: \(v["error"]?.stringValue ?? "HTTP \(reply.status)")\n")
                throw ExitCode.failure
            }
            value = v
        }
        Console.out(JSONWriter.write(value, options: [.pretty]) + "\n")
    }
}
