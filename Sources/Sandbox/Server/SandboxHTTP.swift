import Foundation
import JSONModel

/// A request as the sandbox's logic sees it, free of the HTTP server's types so that the logic
/// can be driven directly as well as over a socket.
public struct SandboxRequest: Sendable {
    public var method: String
    /// The path as sent (`/api.xro/2.0/Contacts/…`), percent-decoded.
    public var path: String
    /// Query parameters by lower-cased name (Xero's are case-insensitive), percent-decoded.
    public var query: [String: String]
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The length of the request target (path and query) as sent.
    public var targetLength: Int

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = [], targetLength: Int = 0) {
        self.method = method.uppercased()
        self.path = path
        self.query = Dictionary(query.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
        self.targetLength = targetLength
    }

    /// Path segments, percent-decoded, empty ones dropped.
    var segments: [String] { path.split(separator: "/").map(String.init) }

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// `application/x-www-form-urlencoded` fields of the body.
    var formFields: [String: String] {
        SandboxRequest.parseQuery(String(decoding: body, as: UTF8.self))
    }

    /// Parses `a=1&b=two` with `+` as space and percent-decoding; names lower-cased when asked.
    static func parseQuery(_ text: String, lowercaseNames: Bool = false) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            out[lowercaseNames ? name.lowercased() : name] = value
        }
        return out
    }
}

/// What the sandbox answers.
public struct SandboxReply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Close the connection instead of sending this reply (an injected dropped connection: what
    /// was asked has been done, the answer never arrives).
    public var drop: Bool = false

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> SandboxReply {
        SandboxReply(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: Array(JSONWriter.write(value).utf8))
    }

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> SandboxReply {
        SandboxReply(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// Xero's 404 for an unknown resource.
    static var notFound: SandboxReply {
        .text(404, "The resource you're looking for cannot be found")
    }

    /// Xero's 401: `{"Title":"Unauthorized","Status":401,"Detail":…}`.
    static func unauthorized(_ detail: String) -> SandboxReply {
        .json(401, ["Title": "Unauthorized", "Status": 401, "Detail": .string(detail), "Type": nil, "Instance": .string(UUID().uuidString.lowercased()), "Extensions": [:]],
              headers: [("WWW-Authenticate", "Bearer")])
    }

    /// Xero's 403: `{"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful"}`.
    static func forbidden(_ detail: String = "AuthenticationUnsuccessful") -> SandboxReply {
        .json(403, ["Title": "Forbidden", "Status": 403, "Detail": .string(detail), "Type": nil, "Instance": .string(UUID().uuidString.lowercased()), "Extensions": [:]])
    }

    /// An Accounting API 400 of a given `Type` with a message and no elements.
    static func apiError(_ type: String, _ message: String, number: Int = 10, status: Int = 400) -> SandboxReply {
        .json(status, ["ErrorNumber": .number(JSONNumber(number)), "Type": .string(type), "Message": .string(message)])
    }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}
