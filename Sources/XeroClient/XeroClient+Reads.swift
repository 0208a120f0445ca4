import Foundation
import JSONModel

/// A list request: Xero's filters, as the client sends them.
public struct ListQuery: Sendable {
    public var `where`: String?
    public var order: String?
    public var statuses: [String] = []
    public var ids: [String] = []
    public var invoiceNumbers: [String] = []
    public var contactIDs: [String] = []
    /// Only records changed at or after this instant (seconds since 1970, UTC).
    public var modifiedSince: Double?
    public var includeArchived = false
    public var unitdp4 = false
    public init(where: String? = nil, order: String? = nil) {
        self.where = `where`
        self.order = order
    }
}

extension XeroClient {
    /// The endpoints that take `pageSize` (Xero's spec gives it to these nine).
    static let pageSizeEndpoints: Set<String> = [
        "BankTransactions", "Contacts", "CreditNotes", "Invoices", "ManualJournals", "Overpayments", "Payments", "Prepayments", "PurchaseOrders",
    ]
    /// Endpoints whose lists are paged (and only then carry line items).
    static let pagedEndpoints: Set<String> = pageSizeEndpoints.union(["Quotes", "LinkedTransactions"])

    /// More GUIDs than this in one `IDs` makes Xero's URL too long (a 404): lists are chunked.
    public static let idsPerRequest = 50

    /// Every record of an endpoint matching the query, all pages, in Xero's order. `IDs`,
    /// `InvoiceNumbers` and `ContactIDs` are split into requests of at most 50.
    public func list(_ endpoint: String, _ query: ListQuery = ListQuery(), pageSize: Int = 1_000) async throws -> [JSONObject] {
        let chunks: [(String, [String])] = [("IDs", query.ids), ("InvoiceNumbers", query.invoiceNumbers), ("ContactIDs", query.contactIDs)]
            .filter { !$0.1.isEmpty }
        guard let (name, values) = chunks.first else { return try await listPages(endpoint, query, extra: [:], pageSize: pageSize) }
        var out: [JSONObject] = []
        var seen = Set<String>()
        let idField = Self.idField(endpoint)
        for start in stride(from: 0, to: values.count, by: Self.idsPerRequest) {
            let part = values[start..<min(start + Self.idsPerRequest, values.count)]
            var q = query
            if name == "IDs" { q.ids = [] } else if name == "InvoiceNumbers" { q.invoiceNumbers = [] } else { q.contactIDs = [] }
            for r in try await list(endpoint, q, extraFilter: [name: part.joined(separator: ",")], pageSize: pageSize) {
                let id = r[idField]?.stringValue ?? UUID().uuidString
                if seen.insert(id).inserted { out.append(r) }
            }
        }
        return out
    }

    private func list(_ endpoint: String, _ query: ListQuery, extraFilter: [String: String], pageSize: Int) async throws -> [JSONObject] {
        var q = query
        if let ids = extraFilter["IDs"] { q.ids = [ids] }
        if let n = extraFilter["InvoiceNumbers"] { q.invoiceNumbers = [n] }
        if let c = extraFilter["ContactIDs"] { q.contactIDs = [c] }
        return try await listPages(endpoint, q, extra: [:], pageSize: pageSize)
    }

    private func listPages(_ endpoint: String, _ query: ListQuery, extra: [String: String], pageSize: Int) async throws -> [JSONObject] {
        var params = extra
        if let w = query.where { params["where"] = w }
        if let o = query.order { params["order"] = o }
        if !query.statuses.isEmpty { params["Statuses"] = query.statuses.joined(separator: ",") }
        if !query.ids.isEmpty { params["IDs"] = query.ids.joined(separator: ",") }
        if !query.invoiceNumbers.isEmpty { params["InvoiceNumbers"] = query.invoiceNumbers.joined(separator: ",") }
        if !query.contactIDs.isEmpty { params["ContactIDs"] = query.contactIDs.joined(separator: ",") }
        if query.includeArchived { params["includeArchived"] = "true" }
        if query.unitdp4 { params["unitdp"] = "4" }
        var headers: [String: String] = [:]
        if let since = query.modifiedSince { headers["If-Modified-Since"] = Self.httpDate(since) }
        let paged = Self.pagedEndpoints.contains(endpoint)
        let size = Self.pageSizeEndpoints.contains(endpoint) ? min(max(pageSize, 1), 1_000) : 100
        var out: [JSONObject] = []
        var page = 1
        while true {
            var p = params
            if paged {
                p["page"] = String(page)
                if Self.pageSizeEndpoints.contains(endpoint) { p["pageSize"] = String(size) }
            }
            let r = try await send(method: "GET", path: endpoint, query: p, headers: headers)
            if r.status == 304 { return out }
            guard r.status == 200, let json = try? JSONParser.parse(bytes: Array(r.body)) else {
                let message = (try? JSONParser.parse(bytes: Array(r.body)))?["Message"]?.stringValue ?? String(decoding: r.body.prefix(200), as: UTF8.self)
                throw XeroError.http(status: r.status, message: "GET \(endpoint): \(message)")
            }
            let key = endpoint == "Organisation" ? "Organisations" : endpoint
            let records = (json[key]?.arrayValue ?? []).compactMap(\.objectValue)
            out += records
            guard paged, records.count >= size else { return out }
            page += 1
        }
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ seconds: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// Finds existing records by an identifying field, in batches, for safe upserts when the
    /// runner's own memory of what it pushed is lost: `ContactNumber`, `Name`, `InvoiceNumber`
    /// (optionally of one `Type`), `Reference`, or the endpoint's id field. Answers the records
    /// found for each value (more than one when Xero holds duplicates).
    public func find(_ endpoint: String, by field: String, values: [String], type: String? = nil) async throws -> [String: [JSONObject]] {
        let unique = Array(Set(values.filter { !$0.isEmpty })).sorted()
        guard !unique.isEmpty else { return [:] }
        var records: [JSONObject] = []
        if field == Self.idField(endpoint) {
            var q = ListQuery()
            q.ids = unique
            records = try await list(endpoint, q)
        } else if endpoint == "Invoices" && field == "InvoiceNumber" {
            var q = ListQuery()
            q.invoiceNumbers = unique
            if let type { q.where = "Type==\"\(type)\"" }
            records = try await list(endpoint, q)
        } else {
            // A `where` of ORs, ten values a request to stay well under Xero's URL limit.
            for start in stride(from: 0, to: unique.count, by: 10) {
                let part = unique[start..<min(start + 10, unique.count)]
                var clause = "(" + part.map { "\(field)==\"\(Self.escape($0))\"" }.joined(separator: " OR ") + ")"
                if let type { clause += " AND Type==\"\(type)\"" }
                var q = ListQuery(where: clause)
                q.includeArchived = endpoint == "Contacts"
                records += try await list(endpoint, q)
            }
        }
        var out: [String: [JSONObject]] = [:]
        let wanted = Set(unique.map { $0.lowercased() })
        for r in records {
            guard let v = r[field]?.stringValue else { continue }
            if wanted.contains(v.lowercased()) { out[unique.first { $0.lowercased() == v.lowercased() } ?? v, default: []].append(r) }
        }
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

import XeroModel

extension XeroClient {
    /// A record with every `/Date(…)/` text (at any depth) replaced by ISO 8601: `2026-11-23`
    /// for dates, `2026-11-23T10:15:00Z` for instants. Pipelines read Xero's records this way.
    public static func decodingDates(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s):
            if let d = XeroDate.parse(s) { return .string(XeroDate.iso(d)) }
            return value
        case .array(let items):
            return .array(items.map(decodingDates))
        case .object(let o):
            var out = JSONObject()
            for (k, v) in o { out[k] = decodingDates(v) }
            return .object(out)
        default:
            return value
        }
    }
}
