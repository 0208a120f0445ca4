import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `xeroflow connect`, `tenants` and `disconnect` as real processes against a sandbox process.
@Suite("xeroflow connect, tenants, disconnect (process)", .serialized)
struct ConnectCommandTests {
    typealias Server = SandboxCommandTests.Server

    /// Runs a child whose stdout is read while it runs (connect prints the URL, then waits).
    final class Child: @unchecked Sendable {
        let process = Process()
        let out = Pipe()
        let errURL: URL
        var text = ""

        init(_ arguments: [String], in directory: URL, environment: [String: String]) throws {
            process.executableURL = Xeroflow.binary
            process.arguments = arguments
            process.currentDirectoryURL = directory
            process.environment = environment
            errURL = directory.appendingPathComponent("child-stderr-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.standardOutput = out
            process.standardError = try FileHandle(forWritingTo: errURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        func readLine(containing needle: String, timeout: Double = 20) -> String? {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let line = text.split(separator: "\n").first(where: { $0.contains(needle) }) { return String(line) }
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { if !process.isRunning { break }; usleep(10_000) } else { text += String(decoding: chunk, as: UTF8.self) }
            }
            return text.split(separator: "\n").first(where: { $0.contains(needle) }).map(String.init)
        }

        func wait(timeout: Double = 30) -> (Int32, String, String) {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return (process.terminationStatus, text, (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
        }
    }

    static func environment(_ dir: URL) -> [String: String] {
        ["PATH": "/usr/bin:/bin", "HOME": dir.path, "XEROFLOW_SECRET_KEY_FILE": dir.appendingPathComponent("keys/secret.key").path]
    }

    static func get(_ url: String) async throws -> (Int, [String: String], String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "GET"
        let session = URLSession(configuration: .ephemeral, delegate: NoFollow(), delegateQueue: nil)
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        return (http.statusCode, headers, String(decoding: data, as: UTF8.self))
    }

    final class NoFollow: NSObject, URLSessionTaskDelegate {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) { completionHandler(nil) }
    }

    /// Signs in as a person would: open the printed address, pick the organisation, follow the redirect.
    static func connect(_ sandbox: Server, in dir: URL, name: String, tenant: String, extra: [String: String] = [:]) async throws -> (Int32, String, String) {
        let env = environment(dir).merging(extra) { $1 }
        let child = try await offPool {
            try Child(["connect", "--base-url", sandbox.url, "--name", name, "--tenant", tenant, "--redirect-port", "0", "--no-browser"], in: dir, environment: env)
        }
        guard let line = try await offPool({ child.readLine(containing: "/identity/connect/authorize?") }) else { return try await offPool { child.wait() } }
        let authorize = line.trimmingCharacters(in: .whitespaces)
        let (status, _, page) = try await get(authorize)
        #expect(status == 200)
        let hrefs = page.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&") }
        let approve = try #require(hrefs.first { $0.contains("tenant=*") })
        let (redirect, headers, _) = try await get(sandbox.url + approve)
        #expect(redirect == 302)
        let callback = try #require(headers["location"])
        #expect(callback.hasPrefix("http://localhost:"))
        let (done, _, body) = try await get(callback)
        #expect(done == 200)
        #expect(body.contains("connected"))
        return try await offPool { child.wait() }
    }

    @Test("connect runs the PKCE flow end to end (authorize page, loopback callback, tenant pick); tenants and disconnect follow")
    func connectEndToEnd() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await Server.start(["--port", "0", "--in-memory"], in: dir)
        defer { _ = sandbox.stop() }
        let (status, out, err) = try await Self.connect(sandbox, in: dir, name: "demo", tenant: "Demo Company (AU)")
        #expect(status == 0, "\(err)")
        #expect(out.contains("connected 'demo' to Demo Company (AU)"))
        // The key file was created private; the state store holds no token in clear.
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("keys/secret.key").path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)

        let tenants = try await Xeroflow.run(["tenants", "--name", "demo"], in: dir, environment: Self.environment(dir))
        #expect(tenants.status == 0, "\(tenants.stderr)")
        #expect(tenants.stdout.contains("* Demo Company (AU)"))
        #expect(tenants.stdout.contains("  Demo Company (UK)"))
        #expect(!tenants.stdout.contains("eyJ") && !tenants.stderr.contains("eyJ"))

        let gone = try await Xeroflow.run(["disconnect", "--name", "demo"], in: dir, environment: Self.environment(dir))
        #expect(gone.status == 0)
        #expect(gone.stdout.contains("disconnected at Xero and revoked"))
        let after = try await Xeroflow.run(["tenants", "--name", "demo"], in: dir, environment: Self.environment(dir))
        #expect(after.status == 1)
        #expect(after.stderr.contains("there is no Xero connection 'demo'"))
        let connections = try await Self.get(sandbox.url + "/_sandbox/connections")
        #expect(connections.2.contains("\"deleted\":true"))
    }

    @Test("a custom connection takes its client id and secret from the environment, never the command line")
    func customConnection() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await Server.start(["--port", "0", "--in-memory"], in: dir)
        defer { _ = sandbox.stop() }
        let missing = try await Xeroflow.run(["connect", "--client-credentials", "--base-url", sandbox.url, "--name", "custom"], in: dir, environment: Self.environment(dir))
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("XERO_CLIENT_SECRET"))
        var env = Self.environment(dir)
        env["XERO_CLIENT_ID"] = "sandbox"
        env["XERO_CLIENT_SECRET"] = "sandbox"
        let ok = try await Xeroflow.run(["connect", "--client-credentials", "--base-url", sandbox.url, "--name", "custom"], in: dir, environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("connected 'custom' to Demo Company (UK)"))
        let tenants = try await Xeroflow.run(["tenants", "--name", "custom"], in: dir, environment: Self.environment(dir))
        #expect(tenants.stdout.contains("* Demo Company (UK)"))
        let state = try Data(contentsOf: dir.appendingPathComponent(".xeroflow/state.sqlite"))
        #expect(state.range(of: Data("\"sandbox\"".utf8)) == nil)
    }

    @Test("a process killed between a token refresh and its save still refreshes afterwards")
    func killedBetweenRefreshAndSave() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try await Server.start(["--port", "0", "--in-memory"], in: dir)
        defer { _ = sandbox.stop() }
        let (status, _, err) = try await Self.connect(sandbox, in: dir, name: "demo", tenant: "Demo Company (UK)")
        #expect(status == 0, "\(err)")
        // The sandbox's time passes the token's life; the next call gets a 401 and refreshes.
        var advance = URLRequest(url: URL(string: sandbox.url + "/_sandbox/clock")!)
        advance.httpMethod = "POST"
        advance.httpBody = Data(#"{"advance": 1900}"#.utf8)
        _ = try await URLSession.shared.data(for: advance)
        var env = Self.environment(dir)
        env["XEROFLOW_FAULT_KILL_AFTER_REFRESH"] = "1"
        let killed = try await Xeroflow.run(["tenants", "--name", "demo"], in: dir, environment: env)
        #expect(killed.status == SIGKILL)  // killed by the hook, which runs only after a successful refresh
        // The rotated refresh token was never saved; the stored one is honoured once more (Xero's
        // grace for a lost response), so the next run refreshes and works.
        let next = try await Xeroflow.run(["tenants", "--name", "demo"], in: dir, environment: Self.environment(dir))
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdout.contains("* Demo Company (UK)"))
        let again = try await Xeroflow.run(["tenants", "--name", "demo"], in: dir, environment: Self.environment(dir))
        #expect(again.status == 0)
    }
}
