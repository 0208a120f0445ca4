import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `xeroflow sandbox` as a real process: the ready line, clean shutdown, persistence, `show`.
@Suite("xeroflow sandbox (process)", .serialized)
struct SandboxCommandTests {
    /// A running `xeroflow sandbox` child and the URL it printed.
    final class Server: @unchecked Sendable {
        let process = Process()
        let url: String
        let stderrURL: URL

        init(_ arguments: [String], in directory: URL) throws {
            process.executableURL = Xeroflow.binary
            process.arguments = ["sandbox"] + arguments
            process.currentDirectoryURL = directory
            let out = Pipe()
            stderrURL = directory.appendingPathComponent("sandbox-stderr-\(UUID().uuidString)")
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.standardOutput = out
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            // Read the ready line; give up after 20 s rather than hang.
            let handle = out.fileHandleForReading
            let deadline = Date().addingTimeInterval(20)
            var text = ""
            while !text.contains("\n") && Date() < deadline && process.isRunning {
                let chunk = handle.availableData
                if chunk.isEmpty { usleep(10_000) } else { text += String(decoding: chunk, as: UTF8.self) }
            }
            let line = text.split(separator: "\n").first.map(String.init) ?? ""
            guard line.hasPrefix("listening on http://127.0.0.1:") else {
                process.terminate()
                throw Failure(message: "no ready line, got '\(text)', stderr: \((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")")
            }
            url = String(line.dropFirst("listening on ".count))
        }

        struct Failure: Error, CustomStringConvertible {
            let message: String
            var description: String { message }
        }

        /// Starts one without holding a cooperative thread while it comes up.
        static func start(_ arguments: [String], in directory: URL) async throws -> Server {
            try await offPool { try Server(arguments, in: directory) }
        }

        /// Sends SIGTERM and returns the exit status.
        func stop() -> Int32 {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func request(_ method: String, _ url: String, body: String? = nil, headers: [String: String] = [:]) async throws -> (Int, String) {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        if let body { r.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    static func token(_ base: String) async throws -> String {
        let (_, body) = try await request("POST", base + "/connect/token", body: "grant_type=client_credentials",
                                          headers: ["Authorization": "Basic " + Data("sandbox:sandbox".utf8).base64EncodedString(),
                                                    "Content-Type": "application/x-www-form-urlencoded"])
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as! [String: Any]
        return json["access_token"] as! String
    }

    @Test("prints its ready line, stops cleanly on SIGTERM, keeps its data in SQLite across restarts, and `show` reads it")
    func lifecycleAndPersistence() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await Server.start(["--port", "0", "--data", "state/sandbox.sqlite"], in: dir)
        let token = try await Self.token(first.url)
        let (status, _) = try await Self.request("PUT", first.url + "/api.xro/2.0/Contacts", body: #"{"Contacts":[{"Name":"Persisted Pty","ContactNumber":"KEEP-1"}]}"#,
                                                 headers: ["Authorization": "Bearer \(token)"])
        #expect(status == 200)
        #expect(first.stop() == 0)

        let second = try await Server.start(["--port", "0", "--data", "state/sandbox.sqlite"], in: dir)
        // The token was persisted too: no new sign-in is needed after a restart.
        let (again, body) = try await Self.request("GET", second.url + "/api.xro/2.0/Contacts/KEEP-1", headers: ["Authorization": "Bearer \(token)"])
        #expect(again == 200)
        #expect(body.contains("Persisted Pty"))
        let viaURL = try await Xeroflow.run(["sandbox", "show", "Contacts", "--tenant", "Demo Company (UK)", "--url", second.url], in: dir)
        #expect(viaURL.status == 0)
        #expect(viaURL.stdout.contains("\"ContactNumber\": \"KEEP-1\""))
        #expect(second.stop() == 0)

        let fromFile = try await Xeroflow.run(["sandbox", "show", "Contacts", "--tenant", "Demo Company (UK)", "--data", "state/sandbox.sqlite"], in: dir)
        #expect(fromFile.status == 0)
        #expect(fromFile.stdout.contains("Persisted Pty"))
        let unknownTenant = try await Xeroflow.run(["sandbox", "show", "Contacts", "--tenant", "Nobody Ltd", "--data", "state/sandbox.sqlite"], in: dir)
        #expect(unknownTenant.status == 1)
        #expect(unknownTenant.stderr.contains("no organisation 'Nobody Ltd'"))
    }

    @Test("bad flags are usage errors with a clear message")
    func usageErrors() async throws {
        let faults = try await Xeroflow.run(["sandbox", "--faults", "500=7"])
        #expect(faults.status == 64)
        #expect(faults.stderr.contains("not a probability"))
        let both = try await Xeroflow.run(["sandbox", "--in-memory", "--data", "x.sqlite"])
        #expect(both.status == 64)
        let missing = try await Xeroflow.run(["sandbox", "show", "Contacts", "--tenant", "X", "--data", "/nonexistent/file.sqlite"])
        #expect(missing.status == 64)
    }
}

@Suite("xeroflow test")
struct TestCommandTests {
    @Test("every example pipeline's tests pass")
    func examples() async throws {
        let r = try await Xeroflow.run(["test", "pipelines"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains(" 0 failed"))
        #expect(!r.stdout.contains("✗"))
        let count = r.stdout.split(separator: "\n").filter { $0.hasPrefix("✓") }.count
        #expect(count >= 20)
    }

    @Test("a failing test names its line and the first difference, and exits 1")
    func failing() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            version: 1
            name: t
            xero: { connection: sandbox }
            sources:
              people: { csv: people.csv }
            steps:
              contacts:
                from: people
                map: { Name: first & " " & last }
            targets:
              push: { from: contacts, xero: Contacts, match: Name }
            tests:
              - name: names are joined
                step: contacts
                input: [{ first: Ada, last: Lovelace }]
                expect: [{ Name: Ada King }]
            """
        try yaml.write(to: dir.appendingPathComponent("t.yaml"), atomically: true, encoding: .utf8)
        let r = try await Xeroflow.run(["test", "t.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("✗ t.yaml:13: names are joined"))
        #expect(r.stdout.contains(#"record 1 differs at Name: expected "Ada King", got "Ada Lovelace""#))
    }
}
