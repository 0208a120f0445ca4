import Foundation

/// Where Xero's services live: production, or a sandbox that serves them all from one base URL.
public struct XeroEndpoints: Sendable, Hashable {
    public var authorize: URL
    public var token: URL
    public var revocation: URL
    public var connections: URL
    /// The Accounting API root (`…/api.xro/2.0`).
    public var accounting: URL

    /// Xero itself (xero-facts.md, "OAuth 2.0").
    public static let production = XeroEndpoints(
        authorize: URL(string: "https://login.xero.com/identity/connect/authorize")!,
        token: URL(string: "https://identity.xero.com/connect/token")!,
        revocation: URL(string: "https://identity.xero.com/connect/revocation")!,
        connections: URL(string: "https://api.xero.com/connections")!,
        accounting: URL(string: "https://api.xero.com/api.xro/2.0")!)

    /// Everything under one base URL, as `xeroflow sandbox` serves it.
    public static func base(_ url: URL) -> XeroEndpoints {
        XeroEndpoints(
            authorize: url.appendingPathComponent("identity/connect/authorize"),
            token: url.appendingPathComponent("connect/token"),
            revocation: url.appendingPathComponent("connect/revocation"),
            connections: url.appendingPathComponent("connections"),
            accounting: url.appendingPathComponent("api.xro/2.0"))
    }

    public init(authorize: URL, token: URL, revocation: URL, connections: URL, accounting: URL) {
        self.authorize = authorize
        self.token = token
        self.revocation = revocation
        self.connections = connections
        self.accounting = accounting
    }
}
