import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import State
import XeroClient

/// `xeroflow connect`: sign in to Xero (or a sandbox) and save the connection.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Connect to a Xero organisation and save the connection (tokens encrypted).",
        discussion: """
            Runs OAuth 2.0 with PKCE: prints the authorize URL (and opens it on a desktop), receives the \
            code on http://localhost:PORT/callback, lists the organisations and keeps one (--tenant, the only \
            one, or a choice at the prompt). --client-credentials makes a custom connection instead: the client \
            id and secret come from XERO_CLIENT_ID and XERO_CLIENT_SECRET or --client-secret-file, never from \
            the command line. --base-url points the connection at a sandbox (`xeroflow sandbox`).
            """
    )

    @Option(help: "The connection's name, used by pipelines (`xero: { connection: NAME }`).")
    var name = "default"

    @Option(name: .customLong("base-url"), help: "A sandbox's URL, e.g. http://127.0.0.1:5454 (default: Xero itself).")
    var baseURL: String?

    @Option(help: "The organisation to keep: its name or tenant id.")
    var tenant: String?

    @Flag(name: .customLong("client-credentials"), help: "Make a custom connection (client credentials grant).")
    var clientCredentials = false

    @Option(name: .customLong("client-id"), help: "The app's client id (default: XERO_CLIENT_ID, or `sandbox` with --base-url).")
    var clientID: String?

    @Option(name: .customLong("client-secret-file"), help: "A file holding the client secret (else XERO_CLIENT_SECRET).")
    var clientSecretFile: String?

    @Option(help: "Space-separated scopes (default: granular scopes for accounting, with offline_access).")
    var scopes: String?

    @Option(name: .customLong("redirect-port"), help: "Loopback port for the OAuth callback (0 picks a free one).")
    var redirectPort = 8765

    @Flag(name: .customLong("no-browser"), help: "Only print the authorize URL.")
    var noBrowser = false

    @Option(name: .customLong("time-scale"), help: "The sandbox's --time-scale, so pacing matches its clock.")
    var timeScale: Double = 1

    @Option(name: .customLong("timeout"), help: "Seconds to wait for the browser to come back.")
    var timeout: Double = 300

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    func validate() throws {
        if let baseURL, URL(string: baseURL)?.scheme == nil { throw ValidationError("--base-url: '\(baseURL)' is not a URL") }
        if !(0...65_535).contains(redirectPort) { throw ValidationError("--redirect-port must be between 0 and 65535") }
        if !timeScale.isFinite || timeScale <= 0 { throw ValidationError("--time-scale must be positive") }
        if name.isEmpty || name.contains(where: { $0.isWhitespace }) { throw ValidationError("--name must be one word") }
    }

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let clientID = clientID ?? env["XERO_CLIENT_ID"] ?? (baseURL != nil ? "sandbox" : nil) else {
            Console.err("xeroflow connect: no client id: give --client-id or set XERO_CLIENT_ID\n")
            throw ExitCode.usage
        }
        var secret = env["XERO_CLIENT_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if let file = clientSecretFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Console.err("xeroflow connect: cannot read the client secret file \(file)\n")
                throw ExitCode.usage
            }
            secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if clientCredentials && secret == nil {
            Console.err("xeroflow connect: a custom connection needs the client secret: set XERO_CLIENT_SECRET or give --client-secret-file\n")
            throw ExitCode.usage
        }
        let endpoints = baseURL.flatMap(URL.init(string:)).map(XeroEndpoints.base) ?? .production
        let transport = URLSessionTransport()
        let oauth = OAuthClient(endpoints: endpoints, clientID: clientID, clientSecret: secret, transport: transport, clock: PacingClock(scale: timeScale))
        let scopeList = scopes.map { $0.split(separator: " ").map(String.init) }
        do {
            let store = try XeroConnections.store(state)
            let box = try SecretBox.load()
            let tokens: TokenSet
            if clientCredentials {
                tokens = try await oauth.clientCredentials(scopes: scopeList)
            } else {
                tokens = try await authorizationCode(oauth, scopes: scopeList ?? OAuthClient.defaultScopes)
            }
            let tenants = try await oauth.tenants(accessToken: tokens.accessToken)
            let chosen = try pick(tenants)
            let connection = StoredConnection(
                name: name, kind: clientCredentials ? .clientCredentials : .oauth, baseURL: baseURL, clientID: clientID,
                tenantID: chosen.tenantID, tenantName: chosen.name, scopes: scopeList ?? (clientCredentials ? [] : OAuthClient.defaultScopes), timeScale: timeScale)
            try store.saveConnection(connection, secrets: ConnectionSecrets(tokens: tokens, clientSecret: clientCredentials ? secret : nil), box: box)
            Console.out("connected '\(name)' to \(chosen.name) (tenant \(chosen.tenantID))\n")
        } catch let e as ExitCode {
            throw e
        } catch {
            Console.err("xeroflow connect: \(error)\n")
            throw ExitCode.failure
        }
    }

    private func pick(_ tenants: [XeroTenant]) throws -> XeroTenant {
        if let wanted = tenant {
            if let t = tenants.first(where: { $0.tenantID.lowercased() == wanted.lowercased() || $0.name.lowercased() == wanted.lowercased() }) { return t }
            Console.err("xeroflow connect: no organisation '\(wanted)' among: \(tenants.map { "\($0.name) (\($0.tenantID))" }.joined(separator: ", "))\n")
            throw ExitCode.usage
        }
        if tenants.count == 1 { return tenants[0] }
        guard !tenants.isEmpty else { throw XeroError.oauth("the sign-in gave access to no organisation") }
        guard isatty(STDIN_FILENO) == 1 else {
            Console.err("xeroflow connect: several organisations were authorised; choose one with --tenant: \(tenants.map(\.name).joined(separator: ", "))\n")
            throw ExitCode.usage
        }
        for (i, t) in tenants.enumerated() { Console.err("  \(i + 1). \(t.name)\n") }
        Console.err("Which organisation (1–\(tenants.count))? ")
        guard let line = readLine(), let n = Int(line.trimmingCharacters(in: .whitespaces)), (1...tenants.count).contains(n) else {
            Console.err("xeroflow connect: no organisation chosen\n")
            throw ExitCode.usage
        }
        return tenants[n - 1]
    }

    /// The browser part: a loopback listener for the callback, the authorize URL, the code.
    private func authorizationCode(_ oauth: OAuthClient, scopes: [String]) async throws -> TokenSet {
        let pkce = OAuthClient.pkce()
        let state = OAuthClient.randomState()
        let callback = CallbackListener()
        let port = try await callback.start(port: redirectPort)
        defer { Task { await callback.stop() } }
        let redirectURI = "http://localhost:\(port)/callback"
        let url = oauth.authorizeURL(redirectURI: redirectURI, scopes: scopes, state: state, challenge: pkce.challenge)
        Console.out("Open this address to connect to Xero:\n  \(url.absoluteString)\n")
        if !noBrowser, let opener = ["xdg-open", "open"].first(where: { FileManager.default.isExecutableFile(atPath: "/usr/bin/\($0)") }),
           ProcessInfo.processInfo.environment["DISPLAY"] != nil || ProcessInfo.processInfo.environment["WAYLAND_DISPLAY"] != nil {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/\(opener)")
            p.arguments = [url.absoluteString]
            try? p.run()
        }
        let query = try await callback.wait(timeout: timeout)
        guard query["state"] == state else { throw XeroError.oauth("the callback's state does not match (a stale or forged redirect)") }
        if let error = query["error"] { throw XeroError.oauth("the authorisation was refused: \(error)") }
        guard let code = query["code"] else { throw XeroError.oauth("the callback carried no code") }
        return try await oauth.exchange(code: code, redirectURI: redirectURI, verifier: pkce.verifier)
    }
}

/// A one-shot HTTP listener on 127.0.0.1 for the OAuth redirect.
actor CallbackListener {
    private var task: Task<Void, any Error>?
    private var result: [String: String]?
    private var waiter: CheckedContinuation<[String: String], any Error>?

    func start(port: Int) async throws -> Int {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<BasicRequestContext> { [weak self] request, _ in
            guard request.uri.path == "/callback", let self else { return Response(status: .notFound) }
            var query: [String: String] = [:]
            for item in URLComponents(string: "http://x/?" + (request.uri.query ?? ""))?.queryItems ?? [] { query[item.name] = item.value ?? "" }
            await self.deliver(query)
            let html = "<!doctype html><html><body><h1>xeroflow is connected.</h1><p>You can close this tab.</p></body></html>"
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
        }
        var logger = Logger(label: "xeroflow.connect")
        logger.logLevel = .critical
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? port)
                                  continuation.finish()
                              }, logger: logger)
        task = Task {
            defer { continuation.finish() }
            try await app.run()
        }
        var bound: Int?
        for await p in stream { bound = p }
        guard let bound else {
            throw XeroError.oauth("cannot listen on 127.0.0.1:\(port) for the callback (is the port in use? try --redirect-port 0)")
        }
        return bound
    }

    func deliver(_ query: [String: String]) {
        guard result == nil else { return }
        result = query
        waiter?.resume(returning: query)
        waiter = nil
    }

    func wait(timeout: Double) async throws -> [String: String] {
        if let result { return result }
        let timer = Task { [weak self] in
            try await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
            await self?.expire()
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { waiter = $0 }
    }

    private func expire() {
        waiter?.resume(throwing: XeroError.oauth("no answer from the browser within the timeout"))
        waiter = nil
    }

    func stop() {
        task?.cancel()
    }
}
