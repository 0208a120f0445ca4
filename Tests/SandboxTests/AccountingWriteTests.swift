import Foundation
import JSONModel
import Sandbox
import Testing

/// Writes: Xero's rules and arithmetic.
@Suite("Sandbox Accounting writes")
struct AccountingWriteTests {
    static func invoice(_ lines: [JSONValue], type: String = "ACCREC", status: String = "AUTHORISED", number: String? = nil,
                        contact: JSONValue = ["Name": "Acme Ltd"], date: String = "2026-11-02", extra: JSONObject = [:]) -> JSONValue {
        var o: JSONObject = ["Type": .string(type), "Contact": contact, "Date": .string(date), "DueDate": "2026-12-02",
                             "Status": .string(status), "LineItems": .array(lines)]
        if let number { o["InvoiceNumber"] = .string(number) }
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    static func line(_ amount: String, qty: String = "1", account: String = "200", tax: String? = nil, extra: JSONObject = [:]) -> JSONValue {
        var o: JSONObject = ["Description": "Consulting", "Quantity": .number(JSONNumber(literal: qty)!),
                             "UnitAmount": .number(JSONNumber(literal: amount)!), "AccountCode": .string(account)]
        if let tax { o["TaxType"] = .string(tax) }
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    @Test("contact names are unique among active contacts; summarizeErrors=false gives per-element results")
    func contactUniqueness() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        let r = try await h.call("PUT", "/api.xro/2.0/Contacts", query: ["summarizeErrors": "false"],
                                 json: ["Contacts": [["Name": "Pat Smith", "ContactNumber": "P-1", "EmailAddress": "pat@example.com"],
                                                     ["Name": "pat smith"], ["Name": "Bad Email", "EmailAddress": "not-an-email"]]], token: token)
        #expect(r.status == 200)
        let contacts = try #require(r.json?["Contacts"]?.arrayValue)
        #expect(contacts.map { $0["StatusAttributeString"]?.stringValue } == ["OK", "ERROR", "ERROR"])
        #expect(contacts[1]["ValidationErrors"]?[0]?["Message"]?.stringValue ==
                "The contact name pat smith is already assigned to another contact. The contact name must be unique across all active contacts.")
        #expect(contacts[0]["ContactID"]?.stringValue?.count == 36)
        #expect(contacts[1]["ContactID"] == nil)
        // By number and by id.
        let byNumber = try await h.call("GET", "/api.xro/2.0/Contacts/P-1", token: token)
        #expect(byNumber.json?["Contacts"]?[0]?["Name"] == "Pat Smith")
        let id = contacts[0]["ContactID"]!.stringValue!
        let byID = try await h.call("GET", "/api.xro/2.0/contacts/\(id.uppercased())", token: token)
        #expect(byID.json?["Contacts"]?[0]?["ContactNumber"] == "P-1")
        // Archived contacts free their name.
        let archive = try await h.call("POST", "/api.xro/2.0/Contacts/\(id)", json: ["ContactStatus": "ARCHIVED"], token: token)
        #expect(archive.status == 200)
        let reuse = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Contacts": [["Name": "Pat Smith"]]], token: token)
        #expect(reuse.status == 200)
        let listed = try await h.call("GET", "/api.xro/2.0/Contacts", token: token)
        #expect(listed.json?["Contacts"]?.arrayValue?.count == 1)
        let all = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["includeArchived": "True"], token: token)
        #expect(all.json?["Contacts"]?.arrayValue?.count == 2)
    }

    @Test("without summarizeErrors=false one bad element makes a 400, yet the valid ones are created, their ids not returned")
    func summarizedErrors() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        let r = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Contacts": [["Name": "Kept"], ["EmailAddress": "x@y.com"]]], token: token)
        #expect(r.status == 400)
        #expect(r.json?["Type"] == "ValidationException")
        #expect(r.json?["Message"] == "A validation exception occurred")
        let elements = try #require(r.json?["Elements"]?.arrayValue)
        #expect(elements.count == 2)
        #expect(elements[0]["ContactID"] == nil)
        #expect(elements[1]["ValidationErrors"]?.arrayValue?.isEmpty == false)
        let listed = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["where": "Name==\"Kept\""], token: token)
        #expect(listed.json?["Contacts"]?.arrayValue?.count == 1)
    }

    @Test("tax is rounded per line then summed; LineAmount from quantity, unit amount and discount; totals checked")
    func arithmetic() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        let au = try await h.tenants()["Demo Company (AU)"]!
        let auToken = try #require(try await h.authorize(tenants: au)["access_token"]?.stringValue)
        // 10 % GST on three lines of 0.05: 0.005 each rounds to 0.01, so 0.03 (not 0.02 on the sum).
        let r = try await h.call("PUT", "/api.xro/2.0/Invoices", json: ["Invoices": [Self.invoice([Self.line("0.05", tax: "OUTPUT"), Self.line("0.05"), Self.line("0.05")])]],
                                 token: auToken, tenant: au)
        #expect(r.status == 200, "\(r.text)")
        let inv = try #require(r.json?["Invoices"]?[0])
        #expect(inv["TotalTax"] == .number(JSONNumber(literal: "0.03")!))
        #expect(inv["SubTotal"] == .number(JSONNumber(literal: "0.15")!))
        #expect(inv["Total"] == .number(JSONNumber(literal: "0.18")!))
        #expect(inv["AmountDue"] == .number(JSONNumber(literal: "0.18")!))
        #expect(inv["InvoiceNumber"] == "INV-0001")
        #expect(inv["Date"]?.stringValue == "/Date(1793577600000+0000)/")

        // UK 20 %: quantity × unit × (1 − discount), Inclusive lines.
        let uk = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["summarizeErrors": "false"], json: ["Invoices": [
            Self.invoice([Self.line("33.33", qty: "3", tax: "OUTPUT2", extra: ["DiscountRate": 10])]),
            Self.invoice([Self.line("120.00", tax: "OUTPUT2")], extra: ["LineAmountTypes": "Inclusive"]),
        ]], token: token)
        let a = try #require(uk.json?["Invoices"]?[0])
        #expect(a["LineItems"]?[0]?["LineAmount"] == .number(JSONNumber(literal: "89.99")!))  // 99.99 × 0.9 = 89.991
        #expect(a["TotalTax"] == .number(JSONNumber(literal: "18")!))                        // 17.998 → 18.00
        let b = try #require(uk.json?["Invoices"]?[1])
        #expect(b["TotalTax"] == .number(JSONNumber(literal: "20")!))
        #expect(b["SubTotal"] == .number(JSONNumber(literal: "100")!))
        #expect(b["Total"] == .number(JSONNumber(literal: "120")!))

        // A total that is not the sum of the lines, and a line total that does not match.
        let bad = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["summarizeErrors": "false"], json: ["Invoices": [
            Self.invoice([Self.line("10.00")], extra: ["Total": 99]),
            Self.invoice([Self.line("10.00", qty: "2", extra: ["LineAmount": 25])]),
        ]], token: token)
        let messages = (bad.json?["Invoices"]?.arrayValue ?? []).map { $0["ValidationErrors"]?[0]?["Message"]?.stringValue }
        #expect(messages[0] == "The invoice total does not equal the sum of the lines.")
        #expect(messages[1] == "The line total 25.00 does not match the expected line total 20.00.")
    }

    @Test("account codes and tax types must exist and fit the document")
    func accountsAndTaxTypes() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        let r = try await h.call("PUT", "/api.xro/2.0/Invoices", query: ["summarizeErrors": "false"], json: ["Invoices": [
            Self.invoice([Self.line("10", account: "999")]),
            Self.invoice([Self.line("10", tax: "INPUT2")]),
            Self.invoice([Self.line("10", account: "090")]),
            Self.invoice([Self.line("10", account: "400", tax: "INPUT2")], type: "ACCPAY"),
        ]], token: token)
        let results = try #require(r.json?["Invoices"]?.arrayValue)
        #expect(results[0]["ValidationErrors"]?[0]?["Message"] == "Account code '999' is not a valid code for this document.")
        #expect(results[1]["ValidationErrors"]?[0]?["Message"] == "The TaxType code INPUT2 does not exist or cannot be used for this type of transaction.")
        #expect(results[2]["StatusAttributeString"] == "ERROR")
        #expect(results[3]["StatusAttributeString"] == "OK")
        // A line without a tax type takes the account's.
        let d = try await h.call("PUT", "/api.xro/2.0/Invoices", json: ["Invoices": [Self.invoice([Self.line("50")])]], token: token)
        #expect(d.json?["Invoices"]?[0]?["LineItems"]?[0]?["TaxType"] == "OUTPUT2")
        #expect(d.json?["Invoices"]?[0]?["TotalTax"] == 10)
    }

    @Test("ACCREC invoice numbers are unique, ACCPAY bill numbers are not; POST by number updates")
    func invoiceNumbers() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        #expect(try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], number: "A-1"), token: token).status == 200)
        let dup = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], number: "A-1"), token: token)
        #expect(dup.status == 400)
        #expect(dup.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Invoice # must be unique.")
        for _ in 0..<2 {
            let bill = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10", account: "400")], type: "ACCPAY", number: "SUP-7"), token: token)
            #expect(bill.status == 200)
        }
        let update = try await h.call("POST", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("12")], number: "A-1", extra: ["Reference": "PO 55"]), token: token)
        #expect(update.status == 200)
        let all = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["InvoiceNumbers": "A-1"], token: token)
        #expect(all.json?["Invoices"]?.arrayValue?.count == 1)
        #expect(all.json?["Invoices"]?[0]?["Reference"] == "PO 55")
        #expect(all.json?["Invoices"]?[0]?["Total"] == .number(JSONNumber(literal: "14.4")!))
    }

    @Test("status moves Xero refuses, payments that close an invoice, and edits of a paid invoice")
    func statusesAndPayments() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let token = try await h.customToken()
        let draft = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("100")], status: "DRAFT"), token: token)
        let id = try #require(draft.json?["Invoices"]?[0]?["InvoiceID"]?.stringValue)
        // A payment on a draft is refused.
        let early = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["Invoice": ["InvoiceID": .string(id)], "Account": ["Code": "090"], "Amount": 10, "Date": "2026-11-03"], token: token)
        #expect(early.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Payments can only be made against Authorised documents")
        #expect(try await h.call("POST", "/api.xro/2.0/Invoices/\(id)", json: ["Status": "AUTHORISED"], token: token).status == 200)
        let deleteAuthorised = try await h.call("POST", "/api.xro/2.0/Invoices/\(id)", json: ["Status": "DELETED"], token: token)
        #expect(deleteAuthorised.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Invoice not of valid status for modification")
        let over = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["Invoice": ["InvoiceID": .string(id)], "Account": ["Code": "090"], "Amount": 500, "Date": "2026-11-03"], token: token)
        #expect(over.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Payment amount exceeds the amount outstanding on this document")
        let part = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["Invoice": ["InvoiceID": .string(id)], "Account": ["Code": "090"], "Amount": 20, "Date": "2026-11-03"], token: token)
        #expect(part.status == 200)
        let partial = try await h.call("GET", "/api.xro/2.0/Invoices/\(id)", token: token)
        #expect(partial.json?["Invoices"]?[0]?["AmountDue"] == 100)
        #expect(partial.json?["Invoices"]?[0]?["Status"] == "AUTHORISED")
        // Editing lines of a part-paid invoice is refused.
        let edit = try await h.call("POST", "/api.xro/2.0/Invoices/\(id)", json: ["LineItems": [Self.line("1")]], token: token)
        #expect(edit.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "This document cannot be edited as it has a payment or credit note allocated to it.")
        let rest = try await h.call("PUT", "/api.xro/2.0/Payments", json: ["Payments": [["Invoice": ["InvoiceNumber": partial.json!["Invoices"]![0]!["InvoiceNumber"]!], "Account": ["Code": "090"], "Amount": 100, "Date": "2026-11-04"]]], token: token)
        #expect(rest.status == 200)
        let paid = try await h.call("GET", "/api.xro/2.0/Invoices/\(id)", token: token)
        #expect(paid.json?["Invoices"]?[0]?["Status"] == "PAID")
        #expect(paid.json?["Invoices"]?[0]?["AmountPaid"] == 120)
        #expect(paid.json?["Invoices"]?[0]?["FullyPaidOnDate"]?.stringValue?.hasPrefix("/Date(") == true)
        let void = try await h.call("POST", "/api.xro/2.0/Invoices/\(id)", json: ["Status": "VOIDED"], token: token)
        #expect(void.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Invoice not of valid status for modification")
        // Deleting a payment reopens the invoice.
        let paymentID = rest.json!["Payments"]![0]!["PaymentID"]!.stringValue!
        #expect(try await h.call("POST", "/api.xro/2.0/Payments/\(paymentID)", json: ["Status": "DELETED"], token: token).status == 200)
        let reopened = try await h.call("GET", "/api.xro/2.0/Invoices/\(id)", token: token)
        #expect(reopened.json?["Invoices"]?[0]?["Status"] == "AUTHORISED")
        #expect(reopened.json?["Invoices"]?[0]?["AmountDue"] == 100)
    }

    @Test("lock dates: posted documents on or before them are refused, drafts are not, advisers pass the period lock only")
    func lockDates() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let uk = try await h.tenants()["Demo Company (UK)"]!
        let lock = try await h.call("POST", "/_sandbox/tenants/\(uk)/lock-dates", json: ["PeriodLockDate": "2026-10-31", "EndOfYearLockDate": "2026-03-31"])
        #expect(lock.status == 200)
        let org = try await h.call("GET", "/api.xro/2.0/Organisation", token: try await h.customToken())
        #expect(org.json?["Organisations"]?[0]?["PeriodLockDate"]?.stringValue?.hasPrefix("/Date(1793404800000") == true)
        let token = try #require(try await h.authorize(tenants: uk)["access_token"]?.stringValue)
        let late = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], date: "2026-10-31"), token: token, tenant: uk)
        #expect(late.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "The document date cannot be before the period lock date, currently set at 31-Oct-2026")
        let draft = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], status: "DRAFT", date: "2026-10-31"), token: token, tenant: uk)
        #expect(draft.status == 200)
        #expect(try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], date: "2026-11-01"), token: token, tenant: uk).status == 200)
        // An adviser's connection may post into the period lock, never past the end-of-year lock.
        #expect(try await h.call("POST", "/_sandbox/tenants/\(uk)/adviser", json: ["adviser": true]).status == 200)
        #expect(try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], date: "2026-10-15"), token: token, tenant: uk).status == 200)
        let eoy = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10")], date: "2026-03-01"), token: token, tenant: uk)
        #expect(eoy.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "The document date cannot be before the end of year lock date, currently set at 31-Mar-2026")
    }

    @Test("credit notes, bank transactions, transfers, manual journals, purchase orders and items follow their rules")
    func otherDocuments() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let cn = try await h.call("PUT", "/api.xro/2.0/CreditNotes", json: ["CreditNotes": [["Type": "ACCRECCREDIT", "Contact": ["Name": "Acme Ltd"], "Date": "2026-11-05", "Status": "AUTHORISED", "LineItems": [Self.line("20")]]]], token: t)
        #expect(cn.json?["CreditNotes"]?[0]?["CreditNoteNumber"] == "CN-0001")
        #expect(cn.json?["CreditNotes"]?[0]?["RemainingCredit"] == 24)

        let spend = try await h.call("PUT", "/api.xro/2.0/BankTransactions", query: ["summarizeErrors": "false"], json: ["BankTransactions": [
            ["Type": "SPEND", "Contact": ["Name": "Figma"], "BankAccount": ["Code": "090"], "Date": "2026-11-05", "LineItems": [Self.line("45.00", account: "485", tax: "INPUT2")]],
            ["Type": "SPEND", "Contact": ["Name": "Figma"], "BankAccount": ["Code": "200"], "LineItems": [Self.line("45.00", account: "485")]],
        ]], token: t)
        let bts = try #require(spend.json?["BankTransactions"]?.arrayValue)
        #expect(bts[0]["Total"] == 54)
        #expect(bts[0]["Status"] == "AUTHORISED")
        #expect(bts[1]["ValidationErrors"]?[0]?["Message"] == "The specified bank account details do not match a known bank account")

        let transfer = try await h.call("PUT", "/api.xro/2.0/BankTransfers", json: ["BankTransfers": [["FromBankAccount": ["Code": "090"], "ToBankAccount": ["Code": "091"], "Amount": "150.25", "Date": "2026-11-06"]]], token: t)
        #expect(transfer.json?["BankTransfers"]?[0]?["Amount"] == .number(JSONNumber(literal: "150.25")!))
        let sameAccount = try await h.call("PUT", "/api.xro/2.0/BankTransfers", json: ["BankTransfers": [["FromBankAccount": ["Code": "090"], "ToBankAccount": ["Code": "090"], "Amount": 1]]], token: t)
        #expect(sameAccount.status == 400)

        let unbalanced = try await h.call("PUT", "/api.xro/2.0/ManualJournals", json: ["ManualJournals": [["Narration": "Accrual", "Date": "2026-11-30", "JournalLines": [
            ["LineAmount": 100, "AccountCode": "429"], ["LineAmount": -10, "AccountCode": "800"]]]]], token: t)
        #expect(unbalanced.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "The total debits (100.00) must equal total credits (-10.00)")
        let balanced = try await h.call("PUT", "/api.xro/2.0/ManualJournals", json: ["ManualJournals": [["Narration": "Accrual", "Status": "POSTED", "Date": "2026-11-30", "JournalLines": [
            ["LineAmount": 100, "AccountCode": "429"], ["LineAmount": -100, "AccountCode": "800"]]]]], token: t)
        #expect(balanced.json?["ManualJournals"]?[0]?["Status"] == "POSTED")

        let po = try await h.call("PUT", "/api.xro/2.0/PurchaseOrders", json: ["PurchaseOrders": [["Contact": ["Name": "Supplier Co"], "Date": "2026-11-07", "LineItems": [Self.line("9.99", qty: "10", account: "310")]]]], token: t)
        #expect(po.json?["PurchaseOrders"]?[0]?["PurchaseOrderNumber"] == "PO-0001")
        #expect(po.json?["PurchaseOrders"]?[0]?["SubTotal"] == .number(JSONNumber(literal: "99.9")!))

        let item = try await h.call("PUT", "/api.xro/2.0/Items", json: ["Items": [["Code": "WIDGET", "Name": "Widget", "Description": "A widget", "SalesDetails": ["UnitPrice": 12.5, "AccountCode": "200", "TaxType": "OUTPUT2"]]]], token: t)
        #expect(item.json?["Items"]?[0]?["IsSold"] == true)
        let withItem = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([["ItemCode": "WIDGET", "Quantity": 2]]), token: t)
        #expect(withItem.json?["Invoices"]?[0]?["LineItems"]?[0]?["Description"] == "A widget")
        #expect(withItem.json?["Invoices"]?[0]?["Total"] == 30)
        let unknownItem = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([["ItemCode": "NOPE", "Quantity": 1, "UnitAmount": 1, "AccountCode": "200"]]), token: t)
        #expect(unknownItem.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Item code 'NOPE' is not valid.")

        let bank = try await h.call("PUT", "/api.xro/2.0/Accounts", json: ["Code": "CLEDGBP", "Name": "Cledara GBP", "Type": "BANK", "BankAccountNumber": "12345678"], token: t)
        #expect(bank.json?["Accounts"]?[0]?["Class"] == "ASSET")
        let dupAccount = try await h.call("PUT", "/api.xro/2.0/Accounts", json: ["Code": "CLEDGBP", "Name": "Other", "Type": "BANK", "BankAccountNumber": "1"], token: t)
        #expect(dupAccount.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "Please enter a unique Code.")
    }

    @Test("tracking categories: created one at a time, at most two active, unique names; options added through their own endpoint, unique within the category")
    func trackingCategories() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        // The demo organisation has one category (Region); a second may be created, a third may not.
        let created = try await h.call("PUT", "/api.xro/2.0/TrackingCategories", json: ["Name": "Project"], token: t)
        #expect(created.status == 200)
        let id = try #require(created.json?["TrackingCategories"]?[0]?["TrackingCategoryID"]?.stringValue)
        #expect(created.json?["TrackingCategories"]?[0]?["Status"] == "ACTIVE")
        let third = try await h.call("PUT", "/api.xro/2.0/TrackingCategories", json: ["Name": "Department"], token: t)
        #expect(third.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "You can only have 2 active tracking categories.", "\(third.text)")
        let renamedClash = try await h.call("POST", "/api.xro/2.0/TrackingCategories/\(id)", json: ["Name": "region"], token: t)
        #expect(renamedClash.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "The tracking category name region is already in use.", "\(renamedClash.text)")

        let options = try await h.call("PUT", "/api.xro/2.0/TrackingCategories/\(id)/Options", json: ["Options": [["Name": "Alpha"], ["Name": "Beta"]]], token: t)
        #expect(options.status == 200)
        #expect(options.json?["Options"]?[1]?["Name"] == "Beta")
        let again = try await h.call("PUT", "/api.xro/2.0/TrackingCategories/\(id)/Options", json: ["Name": "alpha"], token: t)
        #expect(again.status == 400)
        #expect(again.json?["Elements"]?[0]?["ValidationErrors"]?[0]?["Message"] == "The tracking option name alpha is already in use.")
        let read = try await h.call("GET", "/api.xro/2.0/TrackingCategories/\(id)", token: t)
        #expect(read.json?["TrackingCategories"]?[0]?["Options"]?.arrayValue?.count == 2)
        // An invoice line may use the new option.
        let invoice = try await h.call("PUT", "/api.xro/2.0/Invoices", json: Self.invoice([Self.line("10", extra: ["Tracking": [["Name": "Project", "Option": "Beta"]]])]), token: t)
        #expect(invoice.status == 200, "\(invoice.text)")
    }

    @Test("dates are accepted as YYYY-MM-DD or /Date(ms)/ and answered as /Date(ms+0000)/; unknown members are ignored")
    func datesAndUnknownMembers() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let r = try await h.call("PUT", "/api.xro/2.0/Invoices", json: ["Invoices": [
            ["Type": "ACCREC", "Contact": ["Name": "A"], "Date": "/Date(1793577600000)/", "DueDate": "2026-12-01T00:00:00",
             "LineItems": [Self.line("1")], "Nonsense": "ignored", "HasAttachments": false]]], token: t)
        let inv = try #require(r.json?["Invoices"]?[0])
        #expect(inv["Date"] == "/Date(1793577600000+0000)/")
        #expect(inv["DueDate"] == "/Date(1796083200000+0000)/")
        #expect(inv["Nonsense"] == nil)
        let bad = try await h.call("PUT", "/api.xro/2.0/Invoices", json: ["Type": "ACCREC", "Contact": ["Name": "A"], "Date": "31/12/2026", "LineItems": [Self.line("1")]], token: t)
        #expect(bad.status == 400)
        let notJSON = try await h.call("PUT", "/api.xro/2.0/Invoices", raw: Data("{not json".utf8), token: t)
        #expect(notJSON.status == 400)
        #expect(notJSON.json?["Type"] == "PostDataInvalidException")
    }
}
