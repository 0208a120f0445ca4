import Crypto
import Foundation
import JSONModel

/// A token set as Xero's token endpoint returns it. `expiresAt` is seconds since 1970 in the
/// server's time (see ``PacingClock``).
public struct TokenSet: Sendable, Codable, Equatable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresAt: Double
    public var scope: String
    public var idToken: String?

    public init(accessToken: String, refreshToken: String?, expiresAt: Double, scope: String, idToken: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
        self.idToken = idToken
    }
}

/// One organisation a connection may reach (`GET /connections`).
public struct XeroTenant: Sendable, Equatable {
    public var connectionID: String
    public var tenantID: String
    public var name: String
    public var type: String
}

/// Xero's OAuth 2.0 endpoints: PKCE, code exchange, refresh, client credentials, revocation, and
/// the `/connections` list. Tokens never appear in errors.
public struct OAuthClient: Sendable {
    public var endpoints: XeroEndpoints
    public var clientID: String
    public var clientSecret: String?
    public var transport: any HTTPTransport
    public var clock: PacingClock

    /// Granular scopes, the default for apps created from March 2026 (xero-facts.md).
    public static let defaultScopes = [
        "openid", "profile", "email", "offline_access",
        "accounting.contacts", "accounting.settings", "accounting.invoices", "accounting.payments",
        "accounting.banktransactions", "accounting.manualjournals",
    ]

    public init(endpoints: XeroEndpoints, clientID: String, clientSecret: String?, transport: any HTTPTransport, clock: PacingClock = PacingClock()) {
        self.endpoints = endpoints
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.transport = transport
        self.clock = clock
    }

    /// A PKCE verifier (43–128 characters) and its S256 challenge.
    public static func pkce() -> (verifier: String, challenge: String) {
        var generator = SystemRandomNumberGenerator()
        let verifier = base64URL(Data((0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        return (verifier, challenge(for: verifier))
    }

    public static func challenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func randomState() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    public func authorizeURL(redirectURI: String, scopes: [String], state: String, challenge: String) -> URL {
        var c = URLComponents(url: endpoints.authorize, resolvingAgainstBaseURL: false)!
        c.queryItems = [
            .init(name: "response_type", value: "code"), .init(name: "client_id", value: clientID),
            .init(name: "redirect_uri", value: redirectURI), .init(name: "scope", value: scopes.joined(separator: " ")),
            .init(name: "state", value: state), .init(name: "code_challenge", value: challenge),
            .init(name: "code_challenge_method", value: "S256"),
        ]
        return c.url!
    }

    public func exchange(code: String, redirectURI: String, verifier: String) async throws -> TokenSet {
        try await tokenRequest(["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier])
    }

    public func refresh(_ refreshToken: String, connection: String) async throws -> TokenSet {
        do {
            return try await tokenRequest(["grant_type": "refresh_token", "refresh_token": refreshToken])
        } catch XeroError.oauth(let message) where message.contains("invalid_grant") {
            throw XeroError.reconnectNeeded(connection: connection, reason: "the refresh token was refused (invalid_grant)")
        }
    }

    public func clientCredentials(scopes: [String]?) async throws -> TokenSet {
        var form = ["grant_type": "client_credentials"]
        if let scopes { form["scope"] = scopes.joined(separator: " ") }
        return try await tokenRequest(form)
    }

    public func revoke(_ refreshToken: String) async throws {
        let r = try await transport.send(formRequest(endpoints.revocation, ["token": refreshToken]))
        guard r.status == 200 else { throw XeroError.oauth("revocation answered \(r.status)") }
    }

    private func formRequest(_ url: URL, _ fields: [String: String]) -> HTTPRequestSpec {
        var all = fields
        var headers = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        if let secret = clientSecret {
            headers["Authorization"] = "Basic " + Data("\(clientID):\(secret)".utf8).base64EncodedString()
        } else {
            all["client_id"] = clientID
        }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = all.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }.joined(separator: "&")
        return HTTPRequestSpec(method: "POST", url: url, headers: headers, body: Data(body.utf8))
    }

    private func tokenRequest(_ fields: [String: String]) async throws -> TokenSet {
        let r: HTTPResponseData
        do {
            r = try await transport.send(formRequest(endpoints.token, fields))
        } catch {
            throw XeroError.oauth("the token endpoint \(endpoints.token.host ?? "") could not be reached: \(error.localizedDescription)")
        }
        let json = try? JSONParser.parse(bytes: Array(r.body))
        guard r.status == 200, let access = json?["access_token"]?.stringValue else {
            let code = json?["error"]?.stringValue ?? "HTTP \(r.status)"
            throw XeroError.oauth("the token endpoint answered \(code)")
        }
        let expiresIn = json?["expires_in"]?.numberValue?.double ?? 1_800
        return TokenSet(accessToken: access, refreshToken: json?["refresh_token"]?.stringValue,
                        expiresAt: clock.now + expiresIn, scope: json?["scope"]?.stringValue ?? "", idToken: json?["id_token"]?.stringValue)
    }

    /// The organisations this token may reach.
    public func tenants(accessToken: String) async throws -> [XeroTenant] {
        let r = try await transport.send(HTTPRequestSpec(method: "GET", url: endpoints.connections,
                                                         headers: ["Authorization": "Bearer \(accessToken)", "Accept": "application/json"]))
        guard r.status == 200, case .array(let items)? = try? JSONParser.parse(bytes: Array(r.body)) else {
            throw XeroError.http(status: r.status, message: "listing connections failed")
        }
        return items.compactMap { item in
            guard let id = item["id"]?.stringValue, let tenant = item["tenantId"]?.stringValue else { return nil }
            return XeroTenant(connectionID: id, tenantID: tenant, name: item["tenantName"]?.stringValue ?? "", type: item["tenantType"]?.stringValue ?? "")
        }
    }

    public func deleteConnection(_ id: String, accessToken: String) async throws {
        let r = try await transport.send(HTTPRequestSpec(method: "DELETE", url: endpoints.connections.appendingPathComponent(id),
                                                         headers: ["Authorization": "Bearer \(accessToken)"]))
        guard r.status == 204 || r.status == 200 || r.status == 404 else {
            throw XeroError.http(status: r.status, message: "deleting the connection failed")
        }
    }
}
