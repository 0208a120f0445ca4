import Crypto
import Foundation
import JSONModel
import Sandbox
import State
import XeroClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A sandbox in this process and a client connected to it through a real state store.
struct ClientRig {
    let sandbox: SandboxServer.Running
    let store: StateStore
    let box: SecretBox
    let client: XeroClient
    let tokens: RefreshingTokenSource
    let directory: URL
    let tenantID: String

    /// - Parameters:
    ///   - configure: sandbox options (limits, faults, time scale).
    ///   - clientOptions: the client's tuning.
    ///   - customConnection: client credentials (no tenant header) instead of a PKCE sign-in.
    static func start(_ configure: (inout SandboxOptions) -> Void = { _ in }, clientOptions: XeroClientOptions = fastRetries,
                      customConnection: Bool = true, tenant: String = "Demo Company (UK)") async throws -> ClientRig {
        var options = SandboxOptions()
        options.port = 0
        configure(&options)
        let sandbox = try await SandboxServer.start(options: options)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xeroflow-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try StateStore(path: dir.appendingPathComponent("state.sqlite").path)
        let box = SecretBox(key: SymmetricKey(size: .bits256))
        let clock = PacingClock(scale: options.timeScale)
        let transport = URLSessionTransport(timeout: 60)
        let endpoints = XeroEndpoints.base(sandbox.url)
        let oauth = OAuthClient(endpoints: endpoints, clientID: "sandbox", clientSecret: "sandbox", transport: transport, clock: clock)
        let first = try await oauth.clientCredentials(scopes: nil)
        let tenants = try await oauth.tenants(accessToken: first.accessToken)
        var tenantID = tenants.first?.tenantID ?? ""
        var tokens = first
        if !customConnection {
            tokens = try await signIn(sandbox.url, clock: clock)
            let all = try await oauth.tenants(accessToken: tokens.accessToken)
            tenantID = all.first { $0.name == tenant }!.tenantID
        }
        let connection = StoredConnection(name: "test", kind: customConnection ? .clientCredentials : .oauth, baseURL: sandbox.url.absoluteString,
                                          clientID: "sandbox", tenantID: tenantID, tenantName: tenant, scopes: [], timeScale: options.timeScale)
        try store.saveConnection(connection, secrets: ConnectionSecrets(tokens: tokens, clientSecret: customConnection ? "sandbox" : nil), box: box)
        let source = RefreshingTokenSource(connection: "test", oauth: OAuthClient(endpoints: endpoints, clientID: "sandbox", clientSecret: customConnection ? "sandbox" : nil,
                                                                                  transport: transport, clock: clock),
                                           vault: StoredTokenVault(store: store, name: "test", box: box), clientCredentials: customConnection)
        var limits = TenantPacer.Limits()
        limits.concurrent = clientOptions.pacerLimits.concurrent
        let pacer = TenantPacer(tenant: tenantID, limits: clientOptions.pacerLimits, clock: clock)
        let client = XeroClient(endpoints: endpoints, tenantID: customConnection ? nil : tenantID, tokens: source, transport: transport,
                                pacer: pacer, options: clientOptions)
        return ClientRig(sandbox: sandbox, store: store, box: box, client: client, tokens: source, directory: dir, tenantID: tenantID)
    }

    static var fastRetries: XeroClientOptions {
        var o = XeroClientOptions()
        o.baseBackoff = 0.02
        o.maxBackoff = 0.2
        return o
    }

    func stop() async {
        await sandbox.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The authorization-code flow with PKCE, answered by the sandbox's approve link.
    static func signIn(_ base: URL, clock: PacingClock) async throws -> TokenSet {
        let pkce = OAuthClient.pkce()
        let transport = URLSessionTransport()
        let oauth = OAuthClient(endpoints: .base(base), clientID: "sandbox", clientSecret: nil, transport: transport, clock: clock)
        var url = oauth.authorizeURL(redirectURI: "http://localhost:1/cb", scopes: ["offline_access", "accounting.contacts"], state: "s", challenge: pkce.challenge)
        url = URL(string: url.absoluteString.replacingOccurrences(of: "/identity/connect/authorize?", with: "/identity/connect/authorize/approve?") + "&tenant=*")!
        let r = try await transport.send(HTTPRequestSpec(method: "GET", url: url))
        let code = URLComponents(string: r.header("location") ?? "")?.queryItems?.first { $0.name == "code" }?.value ?? ""
        return try await oauth.exchange(code: code, redirectURI: "http://localhost:1/cb", verifier: pkce.verifier)
    }

    /// What the sandbox holds, read through its admin surface.
    func held(_ collection: String) async throws -> [JSONValue] {
        let r = try await URLSessionTransport().send(HTTPRequestSpec(method: "GET", url: sandbox.url.appendingPathComponent("_sandbox/tenants/\(tenantID)/\(collection)")))
        return (try JSONParser.parse(bytes: Array(r.body))).arrayValue ?? []
    }

    func stats() async throws -> JSONValue {
        let r = try await URLSessionTransport().send(HTTPRequestSpec(method: "GET", url: sandbox.url.appendingPathComponent("_sandbox/stats")))
        return try JSONParser.parse(bytes: Array(r.body))
    }
}
