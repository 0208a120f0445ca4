import Foundation
import JSONModel
import Sandbox
import Testing

@Suite("Sandbox Accounting reads")
struct AccountingReadTests {
    @Test("every read-only endpoint answers the demo organisation's settings in Xero's shapes", arguments: [
        "Organisation", "Accounts", "TaxRates", "Currencies", "BrandingThemes", "TrackingCategories",
        "Contacts", "Items", "Invoices", "CreditNotes", "Payments", "BankTransactions", "BankTransfers", "ManualJournals", "PurchaseOrders",
    ])
    func everyEndpoint(_ name: String) async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let r = try await h.call("GET", "/api.xro/2.0/\(name)", token: try await h.customToken())
        #expect(r.status == 200)
        #expect(r.json?["Status"] == "OK")
        #expect(r.json?["ProviderName"] == "xeroflow sandbox")
        let key = name == "Organisation" ? "Organisations" : name
        #expect(r.json?[key]?.arrayValue != nil)
        if ["Organisation", "Accounts", "TaxRates", "Currencies", "BrandingThemes", "TrackingCategories"].contains(name) {
            #expect(r.json?[key]?.arrayValue?.isEmpty == false)
        }
    }

    @Test("where, order, IDs, Statuses, paging with pagination, If-Modified-Since, summaries without line items, unitdp")
    func listQueries() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let banks = try await h.call("GET", "/api.xro/2.0/Accounts", query: ["where": "Type==\"BANK\" AND Status==\"ACTIVE\""], token: t)
        #expect(banks.json?["Accounts"]?.arrayValue?.map { $0["Code"]?.stringValue ?? "" } == ["090", "091"])
        let some = try await h.call("GET", "/api.xro/2.0/Accounts", query: ["where": "Code.StartsWith(\"4\") && Name.Contains(\"FEES\")"], token: t)
        #expect(some.json?["Accounts"]?.arrayValue?.map { $0["Name"]?.stringValue ?? "" } == ["Bank Fees"])
        let badWhere = try await h.call("GET", "/api.xro/2.0/Accounts", query: ["where": "Type=="], token: t)
        #expect(badWhere.status == 400)

        var contacts: [JSONValue] = []
        for i in 1...250 { contacts.append(["Name": .string(String(format: "Customer %03d", i)), "ContactNumber": .string("N\(i)")]) }
        let created = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Contacts": .array(contacts)], token: t)
        #expect(created.status == 200)
        let page3 = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["page": "3"], token: t)
        #expect(page3.json?["Contacts"]?.arrayValue?.count == 50)
        #expect(page3.json?["pagination"] == ["page": 3, "pageSize": 100, "pageCount": 3, "itemCount": 250])
        let sized = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["page": "2", "pageSize": "200", "order": "Name DESC"], token: t)
        #expect(sized.json?["Contacts"]?.arrayValue?.count == 50)
        #expect(sized.json?["Contacts"]?[0]?["Name"] == "Customer 050")
        let ids = (created.json?["Contacts"]?.arrayValue ?? []).prefix(3).compactMap { $0["ContactID"]?.stringValue }
        let byIDs = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["IDs": ids.joined(separator: ",")], token: t)
        #expect(byIDs.json?["Contacts"]?.arrayValue?.count == 3)

        // If-Modified-Since: only what changed since.
        h.running.clock.advance(by: 10)
        let since = XeroSince.format(h.running.clock.now)
        h.running.clock.advance(by: 5)
        _ = try await h.call("POST", "/api.xro/2.0/Contacts/\(ids[0])", json: ["EmailAddress": "first@example.com"], token: t)
        let changed = try await h.call("GET", "/api.xro/2.0/Contacts", headers: ["If-Modified-Since": since], token: t)
        #expect(changed.json?["Contacts"]?.arrayValue?.map { $0["ContactID"]?.stringValue ?? "" } == [ids[0]])

        // Invoices: line items only on a page or a single record; Statuses; unitdp.
        for (status, unit) in [("DRAFT", "10.1234"), ("AUTHORISED", "20")] {
            let r = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["unitdp": "4"], json: ["Type": "ACCREC", "Contact": ["Name": "Customer 001"], "Date": "2026-11-01",
                "DueDate": "2026-11-15", "Status": .string(status), "LineItems": [["Description": "x", "Quantity": 1, "UnitAmount": .number(JSONNumber(literal: unit)!), "AccountCode": "200"]]], token: t)
            #expect(r.status == 200)
        }
        let summary = try await h.call("GET", "/api.xro/2.0/Invoices", token: t)
        #expect(summary.json?["Invoices"]?[0]?["LineItems"] == nil)
        let paged = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["page": "1", "Statuses": "DRAFT"], token: t)
        #expect(paged.json?["Invoices"]?.arrayValue?.count == 1)
        #expect(paged.json?["Invoices"]?[0]?["LineItems"]?[0]?["UnitAmount"] == .number(JSONNumber(literal: "10.12")!))
        let four = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["page": "1", "Statuses": "DRAFT", "unitdp": "4"], token: t)
        #expect(four.json?["Invoices"]?[0]?["LineItems"]?[0]?["UnitAmount"] == .number(JSONNumber(literal: "10.1234")!))
        let dated = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["where": "Date>=DateTime(2026, 11, 01) AND AmountDue > 20"], token: t)
        #expect(dated.json?["Invoices"]?.arrayValue?.count == 1)
    }

    @Test("unknown resources get Xero's 404 text; too long a URL is a 404; routes ignore case")
    func notFound() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let r = try await h.call("GET", "/api.xro/2.0/Widgets", token: t)
        #expect(r.status == 404)
        #expect(r.text == "The resource you're looking for cannot be found")
        let missing = try await h.call("GET", "/api.xro/2.0/Invoices/00000000-0000-0000-0000-000000000000", token: t)
        #expect(missing.status == 404)
        let ids = (0..<60).map { _ in UUID().uuidString.lowercased() }.joined(separator: ",")
        let long = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["IDs": ids], token: t)
        #expect(long.status == 404)
        let lower = try await h.call("GET", "/api.xro/2.0/taxrates", token: t)
        #expect(lower.status == 200)
    }
}

enum XeroSince {
    /// `2026-11-23T10:00:00+00:00`, as xero-python sends If-Modified-Since.
    static func format(_ seconds: Double) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'+00:00'"
        return f.string(from: Date(timeIntervalSince1970: seconds.rounded(.up)))
    }
}
