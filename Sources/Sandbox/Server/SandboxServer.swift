import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The sandbox over HTTP (Hummingbird): turns requests into ``SandboxRequest``s for the
/// ``SandboxEngine`` and its replies into responses, holding a slow answer back without holding
/// the engine, and dropping a connection when a fault says so.
public enum SandboxServer {
    /// A sandbox running in this process (tests, `xeroflow run --sandbox`).
    public final class Running: Sendable {
        public let url: URL
        public let port: Int
        public let engine: SandboxEngine
        public let clock: SandboxClock
        private let task: Task<Void, any Error>

        init(url: URL, port: Int, engine: SandboxEngine, clock: SandboxClock, task: Task<Void, any Error>) {
            self.url = url
            self.port = port
            self.engine = engine
            self.clock = clock
            self.task = task
        }

        /// Stops the server and waits for it to finish.
        public func stop() async {
            task.cancel()
            _ = try? await task.value
        }
    }

    struct DroppedConnection: Error {}

    static func makeApplication(engine: SandboxEngine, options: SandboxOptions, logger: Logger, quiet: Bool = false,
                                onReady: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let maxBody = options.maxBodyBytes
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var req = request
            let body: ByteBuffer
            do {
                body = try await req.collectBody(upTo: maxBody)
            } catch {
                return Self.response(SandboxReply.json(413, ["Title": "RequestEntityTooLarge", "Status": 413, "Detail": "PayloadTooLarge", "Type": nil,
                                                             "Instance": .string(UUID().uuidString.lowercased()), "Extensions": [:]]))
            }
            let sandboxRequest = Self.request(request, body: Array(buffer: body))
            let reply: SandboxReply
            switch await engine.admit(sandboxRequest) {
            case .reply(let r):
                reply = r
            case .proceed(let ticket):
                if ticket.delaySeconds > 0 {
                    try? await Task.sleep(nanoseconds: UInt64(min(ticket.delaySeconds, 3_600) * 1_000_000_000))
                }
                reply = await engine.perform(ticket, sandboxRequest)
            }
            return Self.response(reply)
        }
        var appLogger = logger
        // Stopping an in-process sandbox cancels its tasks, which the server logs as errors.
        appLogger.logLevel = quiet ? .critical : .warning
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "xeroflow-sandbox"),
            onServerRunning: { channel in await onReady(channel.localAddress?.port ?? options.port) },
            logger: appLogger)
    }

    static func request(_ request: Request, body: [UInt8]) -> SandboxRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        let query = SandboxRequest.parseQuery(request.uri.query ?? "", lowercaseNames: true)
        return SandboxRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: body,
                              targetLength: request.uri.string.utf8.count)
    }

    static func response(_ reply: SandboxReply) -> Response {
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        let status = HTTPResponse.Status(code: reply.status)
        if reply.drop {
            // The head goes out, then the connection closes mid-body: the client never sees an
            // answer to a call that was applied.
            let length = max(reply.body.count, 1)
            return Response(status: status, headers: fields, body: ResponseBody(contentLength: length) { _ in throw DroppedConnection() })
        }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    /// Starts a sandbox in this process and returns once it listens.
    public static func start(options: SandboxOptions, logger: Logger = Logger(label: "xeroflow.sandbox")) async throws -> Running {
        let clock = SandboxClock(scale: options.timeScale)
        let engine = try SandboxEngine(options: options, clock: clock, logger: logger)
        try await engine.prepare()
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = makeApplication(engine: engine, options: options, logger: logger, quiet: true) { port in
            continuation.yield(port)
            continuation.finish()
        }
        let task = Task {
            // If the server cannot start (the port is taken), end the wait below too.
            defer { continuation.finish() }
            try await app.run()
        }
        var port: Int?
        for await p in stream { port = p }
        guard let port else {
            task.cancel()
            let reason: String
            do { try await task.value; reason = "it stopped at once" } catch { reason = "\(error)" }
            throw SandboxStartError(message: "the sandbox could not listen on \(options.host):\(options.port): \(reason)")
        }
        return Running(url: URL(string: "http://\(options.host):\(port)")!, port: port, engine: engine, clock: clock, task: task)
    }

    /// Runs a sandbox until SIGINT or SIGTERM (`xeroflow sandbox`), calling `onReady` with the
    /// port once it listens.
    public static func runUntilSignalled(options: SandboxOptions, logger: Logger, onReady: @escaping @Sendable (Int) -> Void) async throws {
        let clock = SandboxClock(scale: options.timeScale)
        let engine = try SandboxEngine(options: options, clock: clock, logger: logger)
        try await engine.prepare()
        let app = makeApplication(engine: engine, options: options, logger: logger) { port in onReady(port) }
        try await app.runService()
    }
}

public struct SandboxStartError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
