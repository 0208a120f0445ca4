import Connectors
import Foundation
import JSONModel
import Logging
import Sandbox
import Spec
import XeroClient

/// `xeroflow run` with no Xero account: a pipeline whose connection is `sandbox`, when no
/// connection of that name was made, runs against a sandbox started inside the process on a
/// loopback port, its data kept in `.xeroflow/sandbox.sqlite` (what `xeroflow sandbox` serves
/// and `xeroflow sandbox show` reads). The organisation the pipeline names is created there
/// when it is not one of the demo organisations.
enum EmbeddedSandbox {
    static let dataPath = ".xeroflow/sandbox.sqlite"

    final class Started: @unchecked Sendable {
        let running: SandboxServer.Running
        let tenant: String
        init(running: SandboxServer.Running, tenant: String) {
            self.running = running
            self.tenant = tenant
        }
    }

    /// An in-memory token store: a client-credentials token is simply asked for again.
    actor MemoryVault: TokenVault {
        var tokens = TokenSet(accessToken: "", refreshToken: nil, expiresAt: 0, scope: "")
        func load() async throws -> TokenSet { tokens }
        func save(_ tokens: TokenSet) async throws { self.tokens = tokens }
        func withRefreshLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T { try await body() }
    }

    /// Starts the sandbox and answers the pipeline's connectors with it.
    static func connectors(for spec: PipelineSpec) throws -> (StandardConnectors, Started) {
        let tenant = spec.xero.tenant ?? "Demo Company (UK)"
        var options = SandboxOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.dataPath = dataPath
        options.enforceLimits = false
        options.clients = [SandboxOptions.Client(id: "sandbox", secret: "sandbox", customConnectionTenant: tenant)]
        var quiet = Logger(label: "xeroflow.sandbox")
        quiet.logLevel = .critical
        let logger = quiet
        try FileManager.default.createDirectory(atPath: ".xeroflow", withIntermediateDirectories: true)
        let settings = options
        let running = try blocking { try await SandboxServer.start(options: settings, logger: logger) }
        let started = Started(running: running, tenant: tenant)
        let base = running.url.absoluteString
        let transport = URLSessionTransport()
        // The organisation must exist before a token is asked for it.
        let body = Data(JSONWriter.write(["name": .string(tenant), "country": tenant.contains("(AU)") ? "AU" : "GB"]).utf8)
        let created = try blocking {
            try await transport.send(HTTPRequestSpec(method: "POST", url: URL(string: base + "/_sandbox/tenants")!, body: body)).status
        }
        guard created == 201 || created == 409 else { throw XeroConnections.Unusable(description: "the embedded sandbox could not set up '\(tenant)'") }
        let endpoints = XeroEndpoints.base(running.url)
        let oauth = OAuthClient(endpoints: endpoints, clientID: "sandbox", clientSecret: "sandbox", transport: transport)
        let tokens = RefreshingTokenSource(connection: "sandbox", oauth: oauth, vault: MemoryVault(), clientCredentials: true)
        let client = try blocking { () -> XeroClient in
            let pacer = await PacerRegistry.shared.pacer(for: "embedded:" + tenant, clock: PacingClock())
            return XeroClient(endpoints: endpoints, tenantID: nil, tokens: tokens, transport: transport, pacer: pacer, logger: logger)
        }
        let session = XeroSession(client: client, tenantName: tenant, connectedAt: nil)
        return (StandardConnectors(xero: session, settings: spec.xero), started)
    }

    /// What landed, per Xero target: for the summary of a run against the embedded sandbox.
    static func landed(_ started: Started, spec: PipelineSpec) -> String {
        let endpoints = Array(Set(spec.targets.compactMap { $0.kind == .xero ? $0.location : nil })).sorted()
        let tenant = started.tenant
        let base = started.running.url.absoluteString
        var lines: [String] = []
        let transport = URLSessionTransport()
        for endpoint in endpoints {
            let name = tenant.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? tenant
            let url = URL(string: base + "/_sandbox/tenants/\(name)/\(endpoint)")!
            let count = (try? blocking { () -> Int in
                let r = try await transport.send(HTTPRequestSpec(method: "GET", url: url))
                return (try? JSONParser.parse(bytes: Array(r.body)))?.arrayValue?.count ?? 0
            }) ?? 0
            lines.append("  \(endpoint): \(count) in \(tenant)")
        }
        let first = endpoints.first ?? "Contacts"
        return "embedded sandbox (\(dataPath)) now holds:\n" + lines.joined(separator: "\n")
            + "\n  see them with: xeroflow sandbox show \(first) --tenant \"\(tenant)\"\n"
    }

    static func stop(_ started: Started) {
        _ = try? blocking { await started.running.stop() }
    }
}
