import Foundation
import JSONModel
import Sandbox
import Testing

@Suite("Sandbox identity: authorize, tokens, connections")
struct IdentityTests {
    @Test("the authorize page lists every organisation and approving one redirects back with a code and the state")
    func authorizePage() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let query = ["response_type": "code", "client_id": "sandbox", "redirect_uri": "http://localhost:8765/callback",
                     "scope": "offline_access accounting.contacts", "state": "xyz", "code_challenge": Harness.challenge("v" + String(repeating: "x", count: 50)),
                     "code_challenge_method": "S256"]
        let page = try await h.call("GET", "/identity/connect/authorize", query: query)
        #expect(page.status == 200)
        #expect(page.text.contains("Demo Company (UK)") && page.text.contains("Demo Company (AU)"))
        // Follow the link the page offers for the UK organisation.
        let uk = try await h.tenants()["Demo Company (UK)"]!
        let hrefs = page.text.components(separatedBy: "href=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        let link = try #require(hrefs.first { $0.contains("tenant=\(uk)") }).replacingOccurrences(of: "&amp;", with: "&")
        let approve = try await h.call("GET", String(link))
        #expect(approve.status == 302)
        let location = try #require(approve.header("Location"))
        #expect(location.hasPrefix("http://localhost:8765/callback?code="))
        #expect(location.contains("state=xyz"))

        let badRedirect = try await h.call("GET", "/identity/connect/authorize", query: query.merging(["redirect_uri": "http://evil.example/cb"]) { $1 })
        #expect(badRedirect.status == 400)
        let unknownClient = try await h.call("GET", "/identity/connect/authorize", query: query.merging(["client_id": "nobody"]) { $1 })
        #expect(unknownClient.status == 400)
    }

    @Test("code exchange checks the PKCE verifier, codes are single-use, and tokens carry Xero's fields")
    func codeExchange() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let verifier = "correct-verifier-0123456789-0123456789-0123456789"
        let approve = try await h.call("GET", "/identity/connect/authorize/approve", query: [
            "response_type": "code", "client_id": "sandbox", "redirect_uri": "http://localhost:1/cb", "scope": "openid offline_access accounting.transactions",
            "code_challenge": Harness.challenge(verifier), "code_challenge_method": "S256", "tenant": "Demo Company (AU)",
        ])
        let code = try #require(URLComponents(string: approve.header("Location") ?? "")?.queryItems?.first { $0.name == "code" }?.value)
        let wrong = try await h.call("POST", "/connect/token", form: ["grant_type": "authorization_code", "client_id": "sandbox", "code": code,
                                                                     "redirect_uri": "http://localhost:1/cb", "code_verifier": "not-the-verifier"])
        #expect(wrong.status == 400)
        #expect(wrong.json?["error"] == "invalid_grant")
        let ok = try await h.call("POST", "/connect/token", form: ["grant_type": "authorization_code", "client_id": "sandbox", "code": code,
                                                                  "redirect_uri": "http://localhost:1/cb", "code_verifier": verifier])
        #expect(ok.status == 200)
        let keys = Set(ok.json?.objectValue?.keys ?? [])
        #expect(keys == ["access_token", "expires_in", "token_type", "refresh_token", "scope", "id_token"])
        #expect(ok.json?["expires_in"] == 1800)
        #expect(ok.json?["token_type"] == "Bearer")
        let again = try await h.call("POST", "/connect/token", form: ["grant_type": "authorization_code", "client_id": "sandbox", "code": code,
                                                                     "redirect_uri": "http://localhost:1/cb", "code_verifier": verifier])
        #expect(again.json?["error"] == "invalid_grant")
        let unsupported = try await h.call("POST", "/connect/token", form: ["grant_type": "password", "client_id": "sandbox"])
        #expect(unsupported.json?["error"] == "unsupported_grant_type")
    }

    @Test("/connections lists what was approved (routed case-insensitively), and the tenant header gates every call")
    func connectionsAndTenants() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let tenants = try await h.tenants()
        let token = try await h.authorize(tenants: tenants["Demo Company (UK)"]!)["access_token"]!.stringValue!
        let list = try await h.call("GET", "/Connections", token: token)
        #expect(list.status == 200)
        let connections = try #require(list.json?.arrayValue)
        #expect(connections.count == 1)
        #expect(connections[0]["tenantName"] == "Demo Company (UK)")
        #expect(connections[0]["tenantType"] == "ORGANISATION")
        #expect(Set(connections[0].objectValue!.keys) == ["id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc"])

        let ok = try await h.call("GET", "/api.xro/2.0/Organisation", token: token, tenant: tenants["Demo Company (UK)"]!)
        #expect(ok.status == 200)
        #expect(ok.json?["Organisations"]?[0]?["Name"] == "Demo Company (UK)")
        let noHeader = try await h.call("GET", "/api.xro/2.0/Organisation", token: token)
        #expect(noHeader.status == 403)
        #expect(noHeader.json?["Detail"] == "AuthenticationUnsuccessful")
        let notConnected = try await h.call("GET", "/api.xro/2.0/Organisation", token: token, tenant: tenants["Demo Company (AU)"]!)
        #expect(notConnected.status == 403)
        let noToken = try await h.call("GET", "/api.xro/2.0/Organisation", tenant: tenants["Demo Company (UK)"]!)
        #expect(noToken.status == 401)
        #expect(noToken.json?["Title"] == "Unauthorized")

        let id = connections[0]["id"]!.stringValue!
        let deleted = try await h.call("DELETE", "/connections/\(id)", token: token)
        #expect(deleted.status == 204)
        let after = try await h.call("GET", "/api.xro/2.0/Organisation", token: token, tenant: tenants["Demo Company (UK)"]!)
        #expect(after.status == 403)
        let empty = try await h.call("GET", "/connections", token: token)
        #expect(empty.json?.arrayValue?.isEmpty == true)
    }

    @Test("access tokens expire after 30 sandbox minutes with Xero's TokenExpired body")
    func tokenExpiry() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        #expect(try await h.call("GET", "/api.xro/2.0/Organisation", token: token).status == 200)
        h.running.clock.advance(by: 1_801)
        let expired = try await h.call("GET", "/api.xro/2.0/Organisation", token: token)
        #expect(expired.status == 401)
        let detail = expired.json?["Detail"]?.stringValue ?? ""
        #expect(detail.hasPrefix("TokenExpired: token expired at "))
        #expect(detail.range(of: #"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$"#, options: .regularExpression) != nil)
    }

    @Test("refresh tokens rotate; the previous one works within 30 minutes only while its successor is unused")
    func refreshRotation() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let first = try await h.authorize()
        let r1 = first["refresh_token"]!.stringValue!
        func refresh(_ token: String) async throws -> Harness.Reply {
            try await h.call("POST", "/connect/token", form: ["grant_type": "refresh_token", "refresh_token": token,
                                                             "client_id": "sandbox", "client_secret": "sandbox"])
        }
        let a = try await refresh(r1)
        #expect(a.status == 200)
        let r2 = a.json!["refresh_token"]!.stringValue!
        #expect(r2 != r1)
        // The response carrying r2 was "lost": r1 still works, once more, inside the grace period.
        let b = try await refresh(r1)
        #expect(b.status == 200)
        let r3 = b.json!["refresh_token"]!.stringValue!
        // r3 is used: from now on r1 is dead, and so is r2 (replaced by the retry).
        let c = try await refresh(r3)
        #expect(c.status == 200)
        #expect(try await refresh(r1).json?["error"] == "invalid_grant")
        #expect(try await refresh(r2).json?["error"] == "invalid_grant")
        // After the grace period a rotated token is dead even if its successor was never used.
        let r4 = c.json!["refresh_token"]!.stringValue!
        let d = try await refresh(r4)
        #expect(d.status == 200)
        h.running.clock.advance(by: 1_801)
        #expect(try await refresh(r4).json?["error"] == "invalid_grant")
        let r5 = d.json!["refresh_token"]!.stringValue!
        #expect(try await refresh(r5).status == 200)
        // A wrong client secret is invalid_client.
        let bad = try await h.call("POST", "/connect/token", form: ["grant_type": "refresh_token", "refresh_token": r5,
                                                                   "client_id": "sandbox", "client_secret": "nope"])
        #expect(bad.json?["error"] == "invalid_client")
    }

    @Test("client credentials give a custom connection to one organisation, without a tenant header")
    func clientCredentials() async throws {
        let h = try await Harness.start { $0.clients = [.init(id: "custom-app", secret: "s3cret", customConnectionTenant: "Demo Company (AU)")] }
        defer { Task { await h.stop() } }
        let basic = "Basic " + Data("custom-app:s3cret".utf8).base64EncodedString()
        let t = try await h.call("POST", "/connect/token", headers: ["Authorization": basic], form: ["grant_type": "client_credentials"])
        #expect(t.status == 200)
        #expect(t.json?["refresh_token"] == nil)
        let token = t.json!["access_token"]!.stringValue!
        let org = try await h.call("GET", "/api.xro/2.0/Organisation", token: token)
        #expect(org.json?["Organisations"]?[0]?["Name"] == "Demo Company (AU)")
        let wrong = try await h.call("POST", "/connect/token", headers: ["Authorization": "Basic " + Data("custom-app:bad".utf8).base64EncodedString()],
                                     form: ["grant_type": "client_credentials"])
        #expect(wrong.status == 400)
        #expect(wrong.json?["error"] == "invalid_client")
    }
}
