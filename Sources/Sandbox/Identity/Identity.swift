import Crypto
import Foundation
import JSONModel

/// Xero's identity service as the sandbox plays it: the authorize page, the token endpoint
/// (authorization code with PKCE, refresh with rotation, client credentials), revocation and
/// `/connections`.
///
/// Lifetimes (xero-facts.md, "OAuth 2.0"): access tokens 30 minutes, refresh tokens 60 days and
/// rotated on every use; the previous refresh token stays usable for 30 minutes after a rotation
/// only while its successor has not been used (the case of a lost response), codes 5 minutes.
extension SandboxEngine {
    static let accessLifetime = 1_800.0
    static let refreshLifetime = 60 * 86_400.0
    static let refreshGrace = 1_800.0
    static let codeLifetime = 300.0
    /// The one user of the sandbox, who approves every consent.
    static let userID = "6b3d7e1a-58c2-4f0e-9d1f-5a0b0c1e2f30"

    func client(_ id: String?) -> SandboxOptions.Client? {
        guard let id else { return nil }
        return options.clients.first { $0.id == id }
    }

    static func oauthError(_ code: String, _ description: String? = nil, status: Int = 400) -> SandboxReply {
        var body: JSONObject = ["error": .string(code)]
        if let description { body["error_description"] = .string(description) }
        return .json(status, .object(body))
    }

    // MARK: authorize

    func authorizeEndpoint(_ request: SandboxRequest, approve: Bool) -> SandboxReply {
        let q = request.query
        guard q["response_type"] == "code" else {
            return .text(400, "response_type must be 'code'", contentType: "text/plain; charset=utf-8")
        }
        guard let client = client(q["client_id"]) else {
            return .text(400, "Unknown client or client not enabled: '\(q["client_id"] ?? "")'")
        }
        guard let redirect = q["redirect_uri"], let redirectURL = URL(string: redirect), let scheme = redirectURL.scheme,
              scheme == "https" || (scheme == "http" && ["localhost", "127.0.0.1", "[::1]", "::1"].contains(redirectURL.host ?? ""))
        else {
            return .text(400, "Invalid redirect_uri: use https, or http on localhost")
        }
        let scope = q["scope"] ?? ""
        if let method = q["code_challenge_method"], method != "S256" {
            return .text(400, "code_challenge_method must be S256")
        }
        if client.secret == nil && q["code_challenge"] == nil {
            return .text(400, "A PKCE app must send code_challenge")
        }
        if !approve {
            return authorizePage(request, client: client)
        }
        let chosen = (q["tenant"] ?? "*").split(separator: ",").map(String.init)
        let tenantIDs = chosen.contains("*") ? tenantOrder : chosen.compactMap { tenantID(named: $0) }
        guard !tenantIDs.isEmpty else { return .text(400, "No organisation chosen") }
        let code = randomToken(24)
        let event = newID()
        saveIdentity("codes", code, [
            "client_id": .string(client.id), "redirect_uri": .string(redirect), "scope": .string(scope),
            "challenge": q["code_challenge"].map { .string($0) } ?? .null, "expires": .number(JSONNumber(clock.now + Self.codeLifetime)),
            "auth_event": .string(event), "tenants": .array(tenantIDs.map { .string($0) }), "used": false,
        ])
        var location = redirect + (redirect.contains("?") ? "&" : "?") + "code=" + code + "&scope=" + percent(scope)
        if let state = q["state"] { location += "&state=" + percent(state) }
        return SandboxReply(status: 302, headers: [("Location", location), ("Content-Type", "text/plain")], body: Array("Redirecting to \(location)".utf8))
    }

    func percent(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    private func authorizePage(_ request: SandboxRequest, client: SandboxOptions.Client) -> SandboxReply {
        let base = request.query.sorted { $0.key < $1.key }.map { "\(percent($0.key))=\(percent($0.value))" }.joined(separator: "&")
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var rows = ""
        for id in tenantOrder {
            let name = tenants[id]!.name
            rows += "<li><a class=\"allow\" data-tenant-id=\"\(id)\" href=\"/identity/connect/authorize/approve?\(esc(base))&amp;tenant=\(id)\">Allow access to \(esc(name))</a></li>\n"
        }
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>xeroflow sandbox: connect</title></head>
            <body>
            <h1>\(esc(client.id)) wants to connect to your organisations</h1>
            <p>Scopes: \(esc(request.query["scope"] ?? ""))</p>
            <ul>
            \(rows)<li><a class="allow-all" href="/identity/connect/authorize/approve?\(esc(base))&amp;tenant=*">Allow access to all organisations</a></li>
            </ul>
            </body></html>
            """
        return .text(200, html, contentType: "text/html; charset=utf-8")
    }

    // MARK: token

    func tokenEndpoint(_ request: SandboxRequest) -> SandboxReply {
        guard request.method == "POST" else { return .text(405, "Method not allowed") }
        let form = request.formFields
        var clientID = form["client_id"], secret = form["client_secret"]
        if let auth = request.header("authorization"), auth.lowercased().hasPrefix("basic "),
           let data = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":") {
            clientID = String(pair[..<colon]).removingPercentEncoding
            secret = String(pair[pair.index(after: colon)...]).removingPercentEncoding
        }
        guard let client = client(clientID) else { return Self.oauthError("invalid_client", status: 400) }
        if let secret, client.secret != secret { return Self.oauthError("invalid_client", status: 400) }
        count("token.\(form["grant_type"] ?? "none")")
        switch form["grant_type"] {
        case "authorization_code":
            return exchangeCode(form, client: client, authenticated: secret != nil)
        case "refresh_token":
            return refresh(form, client: client, authenticated: secret != nil)
        case "client_credentials":
            guard secret != nil, client.secret != nil else { return Self.oauthError("invalid_client") }
            let tenant = client.customConnectionTenant.flatMap { tenantID(named: $0) } ?? tenantOrder[0]
            let connection = ensureConnection(client: client.id, user: "custom:" + client.id, tenant: tenant, event: "custom-" + client.id)
            return tokenReply(client: client.id, user: "custom:" + client.id, scope: form["scope"] ?? "accounting.transactions accounting.contacts accounting.settings",
                              event: connection["authEventId"]?.stringValue ?? "", tenants: [tenant], custom: true, refresh: false, openID: false)
        case nil:
            return Self.oauthError("invalid_request", "grant_type is missing")
        default:
            return Self.oauthError("unsupported_grant_type")
        }
    }

    private func exchangeCode(_ form: [String: String], client: SandboxOptions.Client, authenticated: Bool) -> SandboxReply {
        guard let code = form["code"], var row = identity["codes"]?[code] else { return Self.oauthError("invalid_grant") }
        guard row["used"] == false, row["client_id"]?.stringValue == client.id,
              let expires = row["expires"]?.numberValue?.double, expires > clock.now else {
            return Self.oauthError("invalid_grant")
        }
        guard form["redirect_uri"] == row["redirect_uri"]?.stringValue else { return Self.oauthError("invalid_grant", "redirect_uri does not match") }
        if let challenge = row["challenge"]?.stringValue {
            guard let verifier = form["code_verifier"] else { return Self.oauthError("invalid_grant", "code_verifier is missing") }
            let digest = Data(SHA256.hash(data: Data(verifier.utf8)))
            guard Self.base64URL(digest) == challenge else { return Self.oauthError("invalid_grant", "code_verifier does not match") }
        } else if !authenticated {
            return Self.oauthError("invalid_client")
        }
        row["used"] = true
        saveIdentity("codes", code, row)
        let event = row["auth_event"]?.stringValue ?? newID()
        let tenantIDs = row["tenants"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for t in tenantIDs where tenants[t] != nil {
            _ = ensureConnection(client: client.id, user: Self.userID, tenant: t, event: event)
        }
        let scope = row["scope"]?.stringValue ?? ""
        let words = Set(scope.split(separator: " ").map(String.init))
        return tokenReply(client: client.id, user: Self.userID, scope: scope, event: event, tenants: nil, custom: false,
                          refresh: words.contains("offline_access"), openID: words.contains("openid"), publicClient: !authenticated)
    }

    private func refresh(_ form: [String: String], client: SandboxOptions.Client, authenticated: Bool) -> SandboxReply {
        guard let token = form["refresh_token"], var row = identity["refresh"]?[token],
              row["client_id"]?.stringValue == client.id, row["revoked"] != true,
              let expires = row["expires"]?.numberValue?.double, expires > clock.now else {
            return Self.oauthError("invalid_grant")
        }
        // A token issued to a confidential client (one with a secret) must be refreshed by that
        // client authenticated; a PKCE app's refreshes carry only its id.
        if row["public"] != true, client.secret != nil, !authenticated {
            return Self.oauthError("invalid_client")
        }
        if let rotated = row["rotated_at"]?.numberValue?.double {
            // Already rotated: usable again only within the grace period, and only while its
            // successor has never been used (the client lost the response that carried it).
            let successor = row["successor"]?.stringValue.flatMap { identity["refresh"]?[$0] }
            guard clock.now - rotated <= Self.refreshGrace, successor?["used"] != true else {
                return Self.oauthError("invalid_grant")
            }
            if let s = row["successor"]?.stringValue, var succ = successor {
                succ["revoked"] = true
                saveIdentity("refresh", s, succ)
            }
        }
        row["used"] = true
        let reply = tokenReply(client: client.id, user: row["user"]?.stringValue ?? Self.userID, scope: row["scope"]?.stringValue ?? "",
                               event: row["auth_event"]?.stringValue ?? "", tenants: nil, custom: false, refresh: true,
                               openID: (row["scope"]?.stringValue ?? "").split(separator: " ").contains("openid"), publicClient: row["public"] == true)
        if case .object(let body)? = try? JSONParser.parse(bytes: reply.body), let next = body["refresh_token"]?.stringValue {
            // The grace period runs from the first rotation; reusing the old token does not extend it.
            if row["rotated_at"] == nil { row["rotated_at"] = .number(JSONNumber(clock.now)) }
            row["successor"] = .string(next)
        }
        saveIdentity("refresh", token, row)
        return reply
    }

    func revocationEndpoint(_ request: SandboxRequest) -> SandboxReply {
        let form = request.formFields
        if let token = form["token"], var row = identity["refresh"]?[token] {
            row["revoked"] = true
            saveIdentity("refresh", token, row)
            // Revoking a refresh token removes the connections it authorised.
            if let event = row["auth_event"]?.stringValue {
                for var c in identity["connections"]?.all ?? [] where c["authEventId"]?.stringValue == event {
                    c["deleted"] = true
                    saveIdentity("connections", c["id"]!.stringValue!, c)
                }
            }
        }
        return SandboxReply(status: 200)
    }

    @discardableResult
    func ensureConnection(client: String, user: String, tenant: String, event: String) -> JSONObject {
        let now = XeroWire.isoUTC(clock.now)
        if var existing = identity["connections"]?.all.first(where: {
            $0["clientId"]?.stringValue == client && $0["userId"]?.stringValue == user && $0["tenantId"]?.stringValue == tenant && $0["deleted"] != true
        }) {
            existing["authEventId"] = .string(event)
            existing["updatedDateUtc"] = .string(now)
            saveIdentity("connections", existing["id"]!.stringValue!, existing)
            return existing
        }
        let id = newID()
        let row: JSONObject = [
            "id": .string(id), "authEventId": .string(event), "tenantId": .string(tenant), "tenantType": "ORGANISATION",
            "tenantName": .string(tenants[tenant]?.name ?? ""), "createdDateUtc": .string(now), "updatedDateUtc": .string(now),
            "clientId": .string(client), "userId": .string(user), "adviser": false,
        ]
        saveIdentity("connections", id, row)
        return row
    }

    private func tokenReply(client: String, user: String, scope: String, event: String, tenants tenantIDs: [String]?, custom: Bool, refresh: Bool, openID: Bool,
                            publicClient: Bool = false) -> SandboxReply {
        let now = clock.now
        let claims: JSONValue = [
            "nbf": .number(JSONNumber(Int(now))), "exp": .number(JSONNumber(Int(now + Self.accessLifetime))),
            "iss": "https://identity.xero.com", "aud": "https://identity.xero.com/resources",
            "client_id": .string(client), "sub": .string(user), "xero_userid": .string(user),
            "jti": .string(newID()), "authentication_event_id": .string(event),
            "scope": .array(scope.split(separator: " ").map { .string(String($0)) }),
        ]
        let access = Self.jwt(claims, signature: randomToken(32))
        var row: JSONObject = [
            "client_id": .string(client), "user": .string(user), "scope": .string(scope), "auth_event": .string(event),
            "expires": .number(JSONNumber(now + Self.accessLifetime)), "custom": .bool(custom),
        ]
        if let tenantIDs { row["tenants"] = .array(tenantIDs.map { .string($0) }) }
        saveIdentity("access", access, row)
        var body: JSONObject = [
            "access_token": .string(access), "expires_in": .number(JSONNumber(Int(Self.accessLifetime))),
            "token_type": "Bearer", "scope": .string(scope),
        ]
        if refresh {
            let rt = randomToken(32)
            saveIdentity("refresh", rt, [
                "client_id": .string(client), "user": .string(user), "scope": .string(scope), "auth_event": .string(event),
                "expires": .number(JSONNumber(now + Self.refreshLifetime)), "used": false, "public": .bool(publicClient),
            ])
            body["refresh_token"] = .string(rt)
        }
        if openID {
            body["id_token"] = .string(Self.jwt([
                "nbf": .number(JSONNumber(Int(now))), "exp": .number(JSONNumber(Int(now + 300))), "iss": "https://identity.xero.com",
                "aud": .string(client), "sub": .string(user), "xero_userid": .string(user), "email": "sandbox@xeroflow.invalid",
                "given_name": "Sandbox", "family_name": "User", "global_session_id": .string(event),
            ], signature: randomToken(32)))
        }
        return .json(200, .object(body), headers: [("Cache-Control", "no-store")])
    }

    static func jwt(_ claims: JSONValue, signature: String) -> String {
        let header = base64URL(Data(#"{"alg":"RS256","kid":"sandbox","typ":"JWT"}"#.utf8))
        return header + "." + base64URL(Data(JSONWriter.write(claims).utf8)) + "." + signature
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func randomToken(_ bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Self.base64URL(Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    // MARK: bearer tokens

    enum Authentication {
        case ok(JSONObject)
        case failed(SandboxReply)
    }

    func authenticate(_ request: SandboxRequest) -> Authentication {
        guard let auth = request.header("authorization"), auth.lowercased().hasPrefix("bearer ") else {
            return .failed(.unauthorized("AuthenticationUnsuccessful"))
        }
        let token = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let row = identity["access"]?[token] else { return .failed(.unauthorized("AuthenticationUnsuccessful")) }
        let expires = row["expires"]?.numberValue?.double ?? 0
        guard expires > clock.now else {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "MM/dd/yyyy HH:mm:ss"
            return .failed(.unauthorized("TokenExpired: token expired at \(f.string(from: Date(timeIntervalSince1970: expires)))"))
        }
        return .ok(row)
    }

    /// The live connections a token may use.
    func connections(for token: JSONObject) -> [JSONObject] {
        (identity["connections"]?.all ?? []).filter {
            $0["deleted"] != true && $0["clientId"] == token["client_id"] && $0["userId"] == token["user"]
        }
    }

    // MARK: /connections

    func connectionsEndpoint(_ request: SandboxRequest, _ rest: [String]) -> SandboxReply {
        let token: JSONObject
        switch authenticate(request) {
        case .failed(let reply): return reply
        case .ok(let t): token = t
        }
        let mine = connections(for: token)
        func publicView(_ c: JSONObject) -> JSONValue {
            ["id": c["id"] ?? .null, "authEventId": c["authEventId"] ?? .null, "tenantId": c["tenantId"] ?? .null,
             "tenantType": c["tenantType"] ?? .null, "tenantName": c["tenantName"] ?? .null,
             "createdDateUtc": c["createdDateUtc"] ?? .null, "updatedDateUtc": c["updatedDateUtc"] ?? .null]
        }
        switch (request.method, rest.count) {
        case ("GET", 0):
            var list = mine
            if let event = request.query["autheventid"] { list = list.filter { $0["authEventId"]?.stringValue == event } }
            return .json(200, .array(list.map(publicView)))
        case ("DELETE", 1):
            guard var c = mine.first(where: { $0["id"]?.stringValue?.lowercased() == rest[0].lowercased() }) else { return .notFound }
            c["deleted"] = true
            saveIdentity("connections", c["id"]!.stringValue!, c)
            return SandboxReply(status: 204)
        default:
            return .notFound
        }
    }
}
