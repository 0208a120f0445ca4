import Foundation
import JSONModel

/// GET: one record, or a list with Xero's filters, ordering and paging.
extension SandboxEngine {
    func read(_ tenant: String, _ collection: Collection, _ request: SandboxRequest, id: String?) -> SandboxReply {
        let unitdp4 = request.query["unitdp"] == "4"
        if let id {
            guard let row = find(tenant, collection, id) else { return .notFound }
            return envelope(collection.name, [present(row, collection, unitdp4: unitdp4, withLines: true)], request: request)
        }
        var rows = table(tenant, collection.name).all
        let q = request.query
        func list(_ name: String) -> Set<String>? {
            q[name].map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) }
        }
        if collection.name == "Contacts", q["includearchived"]?.lowercased() != "true" {
            rows = rows.filter { $0["ContactStatus"]?.stringValue != "ARCHIVED" }
        }
        if let ids = list("ids") { rows = rows.filter { ids.contains($0[collection.idField]?.stringValue?.lowercased() ?? "") } }
        if collection.name == "Invoices" {
            if let numbers = list("invoicenumbers") { rows = rows.filter { numbers.contains($0["InvoiceNumber"]?.stringValue?.lowercased() ?? "") } }
            if let contacts = list("contactids") { rows = rows.filter { contacts.contains($0["Contact"]?["ContactID"]?.stringValue?.lowercased() ?? "") } }
        }
        if let statuses = list("statuses"), let field = collection.statusField {
            rows = rows.filter { statuses.contains($0[field]?.stringValue?.lowercased() ?? "") }
        }
        if let whereText = q["where"], !whereText.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let filter = try WhereFilter.parse(whereText)
                rows = rows.filter { filter.matches($0) }
            } catch let e as WhereFilter.ParseError {
                return .apiError("QueryParseException", "Unable to parse the where clause '\(whereText)': \(e.message)", number: 16)
            } catch {
                return .apiError("QueryParseException", "Unable to parse the where clause", number: 16)
            }
        }
        if let since = request.header("if-modified-since"), let ms = Self.modifiedSince(since) {
            rows = rows.filter { ($0["UpdatedDateUTC"]?.stringValue.flatMap(XeroWire.millis) ?? Int64.max) >= ms }
        }
        if let order = q["order"], !order.isEmpty {
            rows = Self.sorted(rows, by: order)
        }
        var pagination: JSONValue?
        let paged = q["page"] != nil
        if let pageText = q["page"] {
            let page = min(max(1, Int(pageText) ?? 1), 1_000_000)
            var size = 100
            if collection.pageSize, let s = q["pagesize"].flatMap({ Int($0) }) { size = min(max(s, 1), 1_000) }
            let itemCount = rows.count
            let start = min((page - 1) * size, itemCount)
            rows = Array(rows[start..<min(start + size, itemCount)])
            if collection.pageSize {
                pagination = ["page": .number(JSONNumber(page)), "pageSize": .number(JSONNumber(size)),
                              "pageCount": .number(JSONNumber((itemCount + size - 1) / size)), "itemCount": .number(JSONNumber(itemCount))]
            }
        }
        let withLines = paged && q["summaryonly"]?.lowercased() != "true"
        return envelope(collection.name, rows.map { present($0, collection, unitdp4: unitdp4, withLines: withLines) }, request: request, pagination: pagination)
    }

    /// `If-Modified-Since` as an HTTP date or ISO 8601 (xero-python sends `2024-01-01T00:00:00+00:00`).
    static func modifiedSince(_ text: String) -> Int64? {
        if let ms = XeroWire.isoMillis(text) { return ms }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    /// A record as a response shows it: unit amounts to 2 places unless `unitdp=4`, and line
    /// items only where Xero sends them (one record, or a page).
    func present(_ row: JSONObject, _ collection: Collection, unitdp4: Bool, withLines: Bool) -> JSONObject {
        guard collection.hasLines else { return row }
        var out = row
        if !withLines {
            out["LineItems"] = nil
            return out
        }
        if !unitdp4, case .array(let lines)? = row["LineItems"] {
            out["LineItems"] = .array(lines.map { line in
                guard case .object(var l) = line, let u = Money.decimal(l["UnitAmount"]) else { return line }
                l["UnitAmount"] = Money.json(Money.round(u, 2))
                return .object(l)
            })
        }
        return out
    }

    static func sorted(_ rows: [JSONObject], by order: String) -> [JSONObject] {
        let keys: [(path: [String], descending: Bool)] = order.split(separator: ",").map { part in
            let words = part.split(separator: " ").map(String.init)
            return (words.first?.split(separator: ".").map(String.init) ?? [], words.count > 1 && words[1].uppercased() == "DESC")
        }
        func compare(_ a: JSONValue?, _ b: JSONValue?) -> Int {
            switch (a, b) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            default: break
            }
            if let x = Money.decimal(a), let y = Money.decimal(b), a?.numberValue != nil { return x < y ? -1 : (x == y ? 0 : 1) }
            if let s = a?.stringValue, let t = b?.stringValue {
                if s.hasPrefix("/Date("), let x = XeroWire.millis(s), let y = XeroWire.millis(t) { return x < y ? -1 : (x == y ? 0 : 1) }
                let x = s.lowercased(), y = t.lowercased()
                return x < y ? -1 : (x == y ? 0 : 1)
            }
            return 0
        }
        return rows.enumerated().sorted { l, r in
            for key in keys {
                let c = compare(WhereFilter.value(l.element, key.path), WhereFilter.value(r.element, key.path))
                if c != 0 { return key.descending ? c > 0 : c < 0 }
            }
            return l.offset < r.offset
        }.map(\.element)
    }
}
