import Foundation
import JSONModel
import JSONSchema
import Sandbox
import Testing
import XeroModel

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A sandbox started in this process on a free loopback port, and a small HTTP client for it.
///
/// Every JSON body an Accounting call returns is checked against the schemas generated from
/// Xero's OpenAPI spec (``Fidelity``), so no test can pass on a response Xero would not send.
final class Harness: Sendable {
    let running: SandboxServer.Running
    var url: URL { running.url }

    static func start(_ configure: (inout SandboxOptions) -> Void = { _ in }) async throws -> Harness {
        var options = SandboxOptions()
        options.port = 0
        options.dataPath = nil
        configure(&options)
        return Harness(running: try await SandboxServer.start(options: options))
    }

    private init(running: SandboxServer.Running) { self.running = running }

    func stop() async { await running.stop() }

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: JSONValue? { try? JSONParser.parse(bytes: Array(body)) }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    /// Does not follow redirects, so a test sees the 302 of the authorize flow.
    final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 60
        config.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: config, delegate: NoRedirects(), delegateQueue: nil)
    }()

    /// One HTTP call. `body` may be JSON (sent as application/json) or a form (`[String: String]`).
    func call(_ method: String, _ path: String, query: [String: String] = [:], headers: [String: String] = [:],
              json: JSONValue? = nil, form: [String: String]? = nil, raw: Data? = nil,
              token: String? = nil, tenant: String? = nil) async throws -> Reply {
        var components = URLComponents(url: url.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if path.contains("?") {
            components = URLComponents(string: url.absoluteString + path)!
        }
        if !query.isEmpty {
            components.queryItems = (components.queryItems ?? []) + query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let tenant { request.setValue(tenant, forHTTPHeaderField: "xero-tenant-id") }
        if let json {
            request.httpBody = Data(JSONWriter.write(json).utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let form {
            request.httpBody = Data(form.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEncode($0.value))" }.joined(separator: "&").utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var hs: [String: String] = [:]
        for (k, v) in http.allHeaderFields { hs["\(k)"] = "\(v)" }
        let reply = Reply(status: http.statusCode, headers: hs, body: data)
        if path.lowercased().hasPrefix("/api.xro/"), let body = reply.json {
            let problems = Fidelity.problems(in: body, path: path, status: reply.status)
            #expect(problems.isEmpty, "\(method) \(path): the response does not match Xero's schemas: \(problems.prefix(5))")
        }
        return reply
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// A client-credentials (custom connection) token: no tenant header needed.
    func customToken() async throws -> String {
        let r = try await call("POST", "/connect/token", headers: ["Authorization": "Basic " + Data("sandbox:sandbox".utf8).base64EncodedString()],
                               form: ["grant_type": "client_credentials"])
        #expect(r.status == 200)
        return r.json!["access_token"]!.stringValue!
    }

    /// Tenant ids by organisation name, from the admin surface.
    func tenants() async throws -> [String: String] {
        let r = try await call("GET", "/_sandbox/tenants")
        var out: [String: String] = [:]
        for t in r.json?.arrayValue ?? [] { out[t["name"]!.stringValue!] = t["tenantId"]!.stringValue! }
        return out
    }

    /// The authorization-code flow with PKCE for some organisations; returns the token response.
    func authorize(tenants chosen: String = "*", scope: String = "openid profile email offline_access accounting.transactions accounting.contacts accounting.settings",
                   verifier: String = "a-verifier-long-enough-for-pkce-0123456789abcdef") async throws -> JSONValue {
        let challenge = Self.challenge(verifier)
        let approve = try await call("GET", "/identity/connect/authorize/approve", query: [
            "response_type": "code", "client_id": "sandbox", "redirect_uri": "http://localhost:8765/callback", "scope": scope,
            "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256", "tenant": chosen,
        ])
        #expect(approve.status == 302)
        let location = URLComponents(string: approve.header("Location") ?? "")
        let code = location?.queryItems?.first { $0.name == "code" }?.value ?? ""
        let token = try await call("POST", "/connect/token", form: [
            "grant_type": "authorization_code", "client_id": "sandbox", "code": code,
            "redirect_uri": "http://localhost:8765/callback", "code_verifier": verifier,
        ])
        #expect(token.status == 200, "\(token.text)")
        return token.json ?? .null
    }

    static func challenge(_ verifier: String) -> String {
        SHA256Digest.base64URL(verifier)
    }
}

/// Checks response bodies against the Xero object schemas in `schemas/xero/`.
enum Fidelity {
    static let validators: [String: JSONSchemaValidator] = {
        var out: [String: JSONSchemaValidator] = [:]
        for name in XeroCatalog.objectNames {
            guard let schema = XeroCatalog.object(named: name) else { continue }
            out[name] = try? JSONSchemaValidator(schema: schema.document, baseURI: schema.id, documents: XeroCatalog.documents,
                                                 remotes: [:], formatAssertion: false)
        }
        return out
    }()

    static let listObjects: [String: String] = [
        "Organisations": "Organisation", "Accounts": "Account", "TaxRates": "TaxRate", "Currencies": "Currency",
        "BrandingThemes": "BrandingTheme", "TrackingCategories": "TrackingCategory", "Contacts": "Contact", "Items": "Item",
        "Invoices": "Invoice", "CreditNotes": "CreditNote", "Payments": "Payment", "BankTransactions": "BankTransaction",
        "BankTransfers": "BankTransfer", "ManualJournals": "ManualJournal", "PurchaseOrders": "PurchaseOrder",
        "Options": "TrackingOption",
    ]

    static func problems(in body: JSONValue, path: String, status: Int) -> [String] {
        guard case .object(let o) = body else { return [] }
        var out: [String] = []
        let segment = path.split(separator: "/").dropFirst(2).first.map(String.init)?.split(separator: "?").first.map(String.init) ?? ""
        if status == 400, let elements = o["Elements"]?.arrayValue {
            for key in o.keys where !["ErrorNumber", "Type", "Message", "Elements"].contains(key) { out.append("unexpected member '\(key)' in a 400 body") }
            let object = listObjects.first { $0.key.lowercased() == segment.lowercased() }?.value
            for e in elements {
                // Every refused element carries its ValidationErrors, whether or not Xero's
                // schema of the object declares them (TrackingCategory does not).
                if let object, let v = validators[object] {
                    out += v.validate(e).filter { !"\($0)".contains("unknown property 'ValidationErrors'") }.map { "\(object): \($0)" }
                }
            }
            return out
        }
        if o["ErrorNumber"] != nil || o["Title"] != nil { return [] }
        let envelope: Set<String> = ["Id", "Status", "ProviderName", "DateTimeUTC", "pagination", "Warnings"]
        for (key, value) in o where !envelope.contains(key) {
            guard let object = listObjects[key], let v = validators[object] else {
                out.append("unexpected member '\(key)' in the envelope")
                continue
            }
            for record in value.arrayValue ?? [] {
                out += v.validate(record).filter { !"\($0)".contains("unknown property 'ValidationErrors'") }.map { "\(object): \($0)" }
            }
        }
        if let dt = o["DateTimeUTC"]?.stringValue, !dt.hasPrefix("/Date(") { out.append("DateTimeUTC is not /Date(ms)/") }
        return out
    }
}

import Crypto

enum SHA256Digest {
    static func base64URL(_ text: String) -> String {
        Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
