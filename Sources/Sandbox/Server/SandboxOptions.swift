import Foundation

/// How a sandbox is set up (`xeroflow sandbox` flags).
public struct SandboxOptions: Sendable {
    /// An OAuth client the sandbox knows: its id, its secret (nil for a PKCE-only app), and the
    /// organisation its client-credentials ("custom connection") tokens are for.
    public struct Client: Sendable {
        public var id: String
        public var secret: String?
        public var customConnectionTenant: String?
        public init(id: String, secret: String?, customConnectionTenant: String? = nil) {
            self.id = id
            self.secret = secret
            self.customConnectionTenant = customConnectionTenant
        }
    }

    public var host: String = "127.0.0.1"
    public var port: Int = 0
    /// SQLite file; nil keeps everything in memory.
    public var dataPath: String?
    /// Enforce Xero's limits (`--limits xero`) or only report them in headers (`off`).
    public var enforceLimits: Bool = true
    public var limits: RateLimits = .xero
    /// Sandbox seconds per real second.
    public var timeScale: Double = 1
    public var faults: FaultPlan = FaultPlan()
    /// Seeds identifiers and fault decisions, so a run can be reproduced.
    public var seed: UInt64 = 0x5A4E_D80C
    public var clients: [Client] = [Client(id: "sandbox", secret: "sandbox")]
    /// Largest request body accepted (Xero: 3.5 MB).
    public var maxBodyBytes: Int = 3_500_000

    public init() {}
}

/// Xero's published limits (developer.xero.com/faq/limits, in xero-facts.md).
public struct RateLimits: Sendable {
    public var concurrentPerTenant = 5
    public var perMinutePerTenant = 60
    public var perDayPerTenant = 5_000
    public var perMinutePerApp = 10_000
    public static let xero = RateLimits()
    public init() {}
}
