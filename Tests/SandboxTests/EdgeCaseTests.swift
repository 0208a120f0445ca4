import Foundation
import JSONModel
import Sandbox
import Testing

/// Hostile and corner-case requests: the sandbox answers them as Xero would and never crashes.
@Suite("Sandbox edge cases")
struct EdgeCaseTests {
    typealias W = AccountingWriteTests

    @Test("absurd pages, DateTime parts and amounts are refused or answered, never a crash or NaN")
    func hostileInput() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let page = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["page": "100000000000000000"], token: t)
        #expect(page.status == 200)
        #expect(page.json?["Invoices"]?.arrayValue?.isEmpty == true)
        for clause in ["Date>=DateTime(2026,1,1,99999999999999999)", "Date>=DateTime(99999999999999,1,1)", "Date>=DateTime(2026,2,30)",
                       String(repeating: "(", count: 200) + "Name==\"x\"" + String(repeating: ")", count: 200)] {
            let r = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["where": clause], token: t)
            #expect(r.status == 400, "\(clause)")
        }
        let huge = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["summarizeErrors": "false"], json: W.invoice([
            ["Description": "x", "Quantity": .number(JSONNumber(literal: "1e100")!), "UnitAmount": .number(JSONNumber(literal: "1e100")!), "AccountCode": "200"],
        ]), token: t)
        #expect(huge.status == 200)
        #expect(huge.json?["Invoices"]?[0]?["StatusAttributeString"] == "ERROR")
        #expect(!huge.text.contains("NaN"))
        let badNumber = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([["Description": "x", "Quantity": "12.50.3", "UnitAmount": 1, "AccountCode": "200"]]), token: t)
        #expect(badNumber.status == 400)
        let tooMany = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Contacts": .array((0..<1_001).map { ["Name": .string("C\($0)")] })], token: t)
        #expect(tooMany.status == 400)
        #expect(try await h.call("POST", "/_sandbox/clock", json: ["advance": 1e300]).status == 400)
    }

    @Test("a sandbox that cannot listen says so instead of waiting forever")
    func portTaken() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        await #expect(throws: SandboxStartError.self) {
            var o = SandboxOptions()
            o.port = h.running.port
            _ = try await SandboxServer.start(options: o)
        }
    }

    @Test("PUT is on collections only and never updates; sub-resources are not found")
    func putAndSubresources() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let c = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Name": "Only Once"], token: t)
        let id = try #require(c.json?["Contacts"]?[0]?["ContactID"]?.stringValue)
        let again = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["ContactID": .string(id), "Name": "Renamed"], token: t)
        #expect(again.status == 400)
        #expect(try await h.call("PUT", "/api.xro/2.0/Contacts/\(id)", json: ["Name": "Renamed"], token: t).status == 404)
        #expect(try await h.call("GET", "/api.xro/2.0/Contacts/\(id)/History", token: t).status == 404)
        let kept = try await h.call("GET", "/api.xro/2.0/Contacts/\(id)", token: t)
        #expect(kept.json?["Contacts"]?[0]?["Name"] == "Only Once")
        let wrongType = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([W.line("1")], type: "ACCRECCREDIT"), token: t)
        #expect(wrongType.status == 400)
    }

    @Test("Xero's rounding example: 25.06, 25.61 and 25.63 at 15 % give 11.44 of tax, not 11.45")
    func xeroRoundingExample() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let rate = try await h.call("PUT", "/api.xro/2.0/TaxRates", json: ["TaxRates": [["Name": "GST 15%", "TaxComponents": [["Name": "GST", "Rate": 15]]]]], token: t)
        let type = try #require(rate.json?["TaxRates"]?[0]?["TaxType"]?.stringValue)
        #expect(type == "TAX001")
        let r = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([W.line("25.06", tax: type), W.line("25.61", tax: type), W.line("25.63", tax: type)]), token: t)
        #expect(r.json?["Invoices"]?[0]?["TotalTax"] == .number(JSONNumber(literal: "11.44")!))
        #expect(r.json?["Invoices"]?[0]?["Total"] == .number(JSONNumber(literal: "87.74")!))
    }

    @Test("updates keep 4-place unit amounts, derive a unit amount from quantity and line amount, and leave the contact alone")
    func updatesKeepWhatWasNotSent() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let draft = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["unitdp": "4"],
                                     json: W.invoice([W.line("1.2345", qty: "3")], status: "DRAFT", contact: ["Name": "Mail Co", "EmailAddress": "old@mail.example"]), token: t)
        let id = try #require(draft.json?["Invoices"]?[0]?["InvoiceID"]?.stringValue)
        #expect(draft.json?["Invoices"]?[0]?["LineItems"]?[0]?["LineAmount"] == .number(JSONNumber(literal: "3.7")!))
        let contactID = try #require(draft.json?["Invoices"]?[0]?["Contact"]?["ContactID"]?.stringValue)
        _ = try await h.call("POST", "/api.xro/2.0/Contacts/\(contactID)", json: ["EmailAddress": "new@mail.example"], token: t)
        let authorise = try await h.call("POST", "/api.xro/2.0/Invoices/\(id)", json: ["Status": "AUTHORISED"], token: t)
        #expect(authorise.status == 200, "\(authorise.text)")
        let four = try await h.call("GET", "/api.xro/2.0/Invoices/\(id)", query: ["unitdp": "4"], token: t)
        #expect(four.json?["Invoices"]?[0]?["LineItems"]?[0]?["UnitAmount"] == .number(JSONNumber(literal: "1.2345")!))
        let contact = try await h.call("GET", "/api.xro/2.0/Contacts/\(contactID)", token: t)
        #expect(contact.json?["Contacts"]?[0]?["EmailAddress"] == "new@mail.example")

        let derived = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([["Description": "x", "Quantity": 2, "LineAmount": 100, "AccountCode": "200"]]), token: t)
        #expect(derived.json?["Invoices"]?[0]?["LineItems"]?[0]?["UnitAmount"] == 50)
        #expect(derived.json?["Invoices"]?[0]?["SubTotal"] == 100)

        // Summaries leave line items out even on a page.
        let summary = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["page": "1", "summaryOnly": "true"], token: t)
        #expect(summary.json?["Invoices"]?[0]?["LineItems"] == nil)
        // A draft keeps going with an unusable account code removed, and says so.
        let warned = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["summarizeErrors": "false"],
                                      json: W.invoice([W.line("5", account: "600")], status: "DRAFT"), token: t)
        #expect(warned.json?["Invoices"]?[0]?["StatusAttributeString"] == "WARNING")
        #expect(warned.json?["Invoices"]?[0]?["Warnings"]?[0]?["Message"] == "Account code '600' has been removed as it does not match a recognised account.")
    }

    @Test("refunds stay on a credit note; payments are rounded to the cent; a locked invoice cannot be voided")
    func moneyAfterTheFact() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let cn = try await h.call("PUT", "/api.xro/2.0/CreditNotes", json: ["Type": "ACCRECCREDIT", "Contact": ["Name": "Refund Co"], "Date": "2026-11-05",
                                                                          "Status": "AUTHORISED", "LineItems": [W.line("100")]], token: t)
        let cnID = try #require(cn.json?["CreditNotes"]?[0]?["CreditNoteID"]?.stringValue)
        let refund = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["CreditNote": ["CreditNoteID": .string(cnID)], "Account": ["Code": "090"], "Amount": 20, "Date": "2026-11-06"], token: t)
        #expect(refund.status == 200)
        let touched = try await h.call("POST", "/api.xro/2.0/CreditNotes/\(cnID)", json: ["Reference": "R-1"], token: t)
        #expect(touched.json?["CreditNotes"]?[0]?["RemainingCredit"] == 100)
        let edit = try await h.call("POST", "/api.xro/2.0/CreditNotes/\(cnID)", json: ["LineItems": [W.line("1")]], token: t)
        #expect(edit.status == 400)

        let inv = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([W.line("8.33", tax: "OUTPUT2")]), token: t)
        let invID = try #require(inv.json?["Invoices"]?[0]?["InvoiceID"]?.stringValue)
        #expect(inv.json?["Invoices"]?[0]?["Total"] == .number(JSONNumber(literal: "10")!))
        let pay = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["Invoice": ["InvoiceID": .string(invID)], "Account": ["Code": "090"],
                                                                        "Amount": .number(JSONNumber(literal: "9.995")!), "Date": "2026-11-06"], token: t)
        #expect(pay.json?["Payments"]?[0]?["Amount"] == 10)
        #expect(try await h.call("GET", "/api.xro/2.0/Invoices/\(invID)", token: t).json?["Invoices"]?[0]?["Status"] == "PAID")

        let other = try await h.call("PUT", "/api.xro/2.0/Invoices", json: W.invoice([W.line("10")], date: "2026-10-01"), token: t)
        let otherID = try #require(other.json?["Invoices"]?[0]?["InvoiceID"]?.stringValue)
        let uk = try await h.tenants()["Demo Company (UK)"]!
        _ = try await h.call("POST", "/_sandbox/tenants/\(uk)/lock-dates", json: ["PeriodLockDate": "2026-10-31"])
        let void = try await h.call("POST", "/api.xro/2.0/Invoices/\(otherID)", json: ["Status": "VOIDED"], token: t)
        #expect(void.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"]?.stringValue?.hasPrefix("The document date cannot be before the period lock date") == true)
    }

    @Test("revocation ends a refresh token and its connections; a confidential client must authenticate its refreshes; the grace period is not extended by reuse")
    func revocationAndRefreshRules() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        func refresh(_ token: String, secret: String?) async throws -> Harness.Reply {
            var form = ["grant_type": "refresh_token", "refresh_token": token, "client_id": "sandbox"]
            if let secret { form["client_secret"] = secret }
            return try await h.call("POST", "/connect/token", form: form)
        }
        // A PKCE sign-in (no secret): its refreshes carry only the client id.
        let pkce = try await h.authorize()
        let r1 = pkce["refresh_token"]!.stringValue!
        let a = try await refresh(r1, secret: nil)
        #expect(a.status == 200)
        h.running.clock.advance(by: 20 * 60)
        #expect(try await refresh(r1, secret: nil).status == 200)  // within 30 minutes of the first rotation
        h.running.clock.advance(by: 15 * 60)
        #expect(try await refresh(r1, secret: nil).json?["error"] == "invalid_grant")  // 35 minutes: reuse did not extend it

        // A confidential sign-in (code exchanged with the secret).
        let approve = try await h.call("GET", "/identity/connect/authorize/approve", query: [
            "response_type": "code", "client_id": "sandbox", "redirect_uri": "https://app.example/cb", "scope": "offline_access accounting.contacts", "tenant": "*"])
        let code = try #require(URLComponents(string: approve.header("Location") ?? "")?.queryItems?.first { $0.name == "code" }?.value)
        let confidential = try await h.call("POST", "/connect/token", form: ["grant_type": "authorization_code", "code": code, "redirect_uri": "https://app.example/cb",
                                                                           "client_id": "sandbox", "client_secret": "sandbox"])
        let rc = try #require(confidential.json?["refresh_token"]?.stringValue)
        #expect(try await refresh(rc, secret: nil).json?["error"] == "invalid_client")
        let ok = try await refresh(rc, secret: "sandbox")
        #expect(ok.status == 200)
        let access = try #require(ok.json?["access_token"]?.stringValue)
        #expect(try await h.call("GET", "/connections", token: access).json?.arrayValue?.count == 2)
        let rc2 = try #require(ok.json?["refresh_token"]?.stringValue)
        #expect(try await h.call("POST", "/connect/revocation", form: ["token": rc2, "client_id": "sandbox", "client_secret": "sandbox"]).status == 200)
        #expect(try await refresh(rc2, secret: "sandbox").json?["error"] == "invalid_grant")
        #expect(try await h.call("GET", "/connections", token: access).json?.arrayValue?.isEmpty == true)
    }
}
