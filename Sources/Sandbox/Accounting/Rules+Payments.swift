import Foundation
import JSONModel

/// Payments, bank transfers and manual journals.
extension SandboxEngine {
    func upsertPayment(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        if let existing {
            // A payment can only be deleted (POST {"Status": "DELETED"}), which reopens its document.
            guard input["Status"]?.stringValue == "DELETED", existing["Status"]?.stringValue == "AUTHORISED" else {
                return Outcome(record: input, errors: ["Payment not of valid status for modification"])
            }
            if let problem = lockDateError(tenant, date: existing["Date"]?.stringValue) {
                return Outcome(record: input, errors: [problem])
            }
            var p = existing
            p["Status"] = "DELETED"
            p["UpdatedDateUTC"] = .string(nowWire)
            let amount = Money.decimal(p["Amount"]) ?? 0
            if let invoiceID = p["Invoice"]?["InvoiceID"]?.stringValue, var inv = table(tenant, "Invoices")[invoiceID] {
                inv["AmountPaid"] = Money.json((Money.decimal(inv["AmountPaid"]) ?? 0) - amount)
                inv["AmountDue"] = Money.json((Money.decimal(inv["AmountDue"]) ?? 0) + amount)
                inv["Status"] = "AUTHORISED"
                inv["FullyPaidOnDate"] = nil
                inv["Payments"] = .array((inv["Payments"]?.arrayValue ?? []).filter { $0["PaymentID"] != p["PaymentID"] })
                inv["UpdatedDateUTC"] = .string(nowWire)
                save(tenant, "Invoices", invoiceID, inv)
            }
            if let cnID = p["CreditNote"]?["CreditNoteID"]?.stringValue, var cn = table(tenant, "CreditNotes")[cnID] {
                cn["RemainingCredit"] = Money.json((Money.decimal(cn["RemainingCredit"]) ?? 0) + amount)
                cn["Payments"] = .array((cn["Payments"]?.arrayValue ?? []).filter { $0["PaymentID"] != p["PaymentID"] })
                cn["FullyPaidOnDate"] = nil
                cn["Status"] = "AUTHORISED"
                cn["UpdatedDateUTC"] = .string(nowWire)
                save(tenant, "CreditNotes", cnID, cn)
            }
            save(tenant, "Payments", p["PaymentID"]!.stringValue!, p)
            return Outcome(record: p)
        }
        var errors: [String] = []
        var p = input
        // The document paid.
        var docKind = "Invoices"
        var doc: JSONObject?
        if case .object(let ref)? = input["Invoice"] {
            let id = ref["InvoiceID"]?.stringValue
            let number = ref["InvoiceNumber"]?.stringValue ?? input["InvoiceNumber"]?.stringValue
            let invoices = table(tenant, "Invoices")
            if let id { doc = invoices[id] } else if let number {
                doc = invoices.lookup("InvoiceNumber", number).first { $0["InvoiceNumber"]?.stringValue == number && $0["Status"]?.stringValue != "DELETED" }
            }
        } else if case .object(let ref)? = input["CreditNote"] {
            docKind = "CreditNotes"
            let id = ref["CreditNoteID"]?.stringValue
            let number = ref["CreditNoteNumber"]?.stringValue
            let notes = table(tenant, "CreditNotes")
            if let id { doc = notes[id] } else if let number {
                doc = notes.lookup("CreditNoteNumber", number).first { $0["CreditNoteNumber"]?.stringValue == number }
            }
        } else {
            return Outcome(record: input, errors: ["A payment must be for an Invoice or a CreditNote, given by its ID or number."])
        }
        guard let document = doc else {
            return Outcome(record: input, errors: ["The document with the supplied id was not found for this endpoint."])
        }
        let amount = Money.round(Money.decimal(input["Amount"]) ?? 0)
        if document["Status"]?.stringValue != "AUTHORISED" {
            errors.append("Payments can only be made against Authorised documents")
        }
        if amount <= 0 {
            errors.append("Payment amount must be greater than zero")
        }
        let outstanding = docKind == "Invoices" ? Money.decimal(document["AmountDue"]) ?? 0 : Money.decimal(document["RemainingCredit"]) ?? 0
        if amount > outstanding {
            errors.append("Payment amount exceeds the amount outstanding on this document")
        }
        // The account paid from or into.
        guard case .object(let aref)? = input["Account"], aref["Code"] != nil || aref["AccountID"] != nil,
              let account = account(tenant, code: aref["Code"]?.stringValue, id: aref["AccountID"]?.stringValue) else {
            return Outcome(record: input, errors: errors + ["The Account must be given by its Code or AccountID, and exist."])
        }
        if account["Status"]?.stringValue != "ACTIVE" || (account["Type"]?.stringValue != "BANK" && account["EnablePaymentsToAccount"] != true) {
            errors.append("Account code '\(account["Code"]?.stringValue ?? "")' is not a bank account or an account enabled for payments.")
        }
        if p["Date"] == nil { p["Date"] = .string(todayWire) }
        if let problem = lockDateError(tenant, date: p["Date"]?.stringValue) { errors.append(problem) }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }

        let id = newID()
        let type = document["Type"]?.stringValue ?? "ACCREC"
        p["PaymentID"] = .string(id)
        p["Status"] = "AUTHORISED"
        p["Amount"] = Money.json(amount)
        p["BankAmount"] = Money.json(amount)
        p["CurrencyRate"] = 1
        p["IsReconciled"] = p["IsReconciled"] ?? false
        p["HasAccount"] = true
        p["HasValidationErrors"] = false
        p["PaymentType"] = .string(["ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT", "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"][type] ?? "ACCRECPAYMENT")
        p["Account"] = ["AccountID": account["AccountID"] ?? .null, "Code": account["Code"] ?? .null]
        p["UpdatedDateUTC"] = .string(nowWire)
        var updated = document
        if docKind == "Invoices" {
            p["Invoice"] = ["InvoiceID": document["InvoiceID"] ?? .null, "InvoiceNumber": document["InvoiceNumber"] ?? .null,
                            "Type": document["Type"] ?? .null, "Contact": document["Contact"] ?? .null, "CurrencyCode": document["CurrencyCode"] ?? .null]
            let due = outstanding - amount
            updated["AmountPaid"] = Money.json((Money.decimal(document["AmountPaid"]) ?? 0) + amount)
            updated["AmountDue"] = Money.json(due)
            if due == 0 {
                updated["Status"] = "PAID"
                updated["FullyPaidOnDate"] = p["Date"]
            }
            updated["Payments"] = .array((document["Payments"]?.arrayValue ?? []) + [["PaymentID": .string(id), "Date": p["Date"]!, "Amount": Money.json(amount)]])
        } else {
            p["CreditNote"] = ["CreditNoteID": document["CreditNoteID"] ?? .null, "CreditNoteNumber": document["CreditNoteNumber"] ?? .null, "Type": document["Type"] ?? .null]
            let remaining = outstanding - amount
            updated["RemainingCredit"] = Money.json(remaining)
            updated["Payments"] = .array((document["Payments"]?.arrayValue ?? []) + [["PaymentID": .string(id), "Date": p["Date"]!, "Amount": Money.json(amount)]])
            if remaining == 0 { updated["Status"] = "PAID"; updated["FullyPaidOnDate"] = p["Date"] }
        }
        updated["UpdatedDateUTC"] = .string(nowWire)
        let docID = document[docKind == "Invoices" ? "InvoiceID" : "CreditNoteID"]!.stringValue!
        save(tenant, docKind, docID, updated)
        save(tenant, "Payments", id, p)
        return Outcome(record: p)
    }

    func createTransfer(_ tenant: String, _ input: JSONObject) -> Outcome {
        var errors: [String] = []
        var t = input
        let (from, fromProblem) = bankAccount(tenant, input["FromBankAccount"], role: "FromBankAccount")
        let (to, toProblem) = bankAccount(tenant, input["ToBankAccount"], role: "ToBankAccount")
        if fromProblem != nil { errors.append("The FromBankAccount with the details provided could not be located") }
        if toProblem != nil { errors.append("The ToBankAccount with the details provided could not be located") }
        if let from, let to, from["AccountID"] == to["AccountID"] {
            errors.append("The FromBankAccount and ToBankAccount must be different accounts.")
        }
        let amount = Money.round(Money.decimal(input["Amount"]) ?? 0)
        if amount <= 0 { errors.append("The Amount must be greater than zero.") }
        if t["Date"] == nil { t["Date"] = .string(todayWire) }
        if let problem = lockDateError(tenant, date: t["Date"]?.stringValue) { errors.append(problem) }
        guard errors.isEmpty, let from, let to else { return Outcome(record: input, errors: errors) }
        let id = newID()
        t["BankTransferID"] = .string(id)
        t["Amount"] = Money.json(amount)
        t["CurrencyRate"] = 1
        t["FromBankAccount"] = ["AccountID": from["AccountID"] ?? .null, "Code": from["Code"] ?? .null, "Name": from["Name"] ?? .null]
        t["ToBankAccount"] = ["AccountID": to["AccountID"] ?? .null, "Code": to["Code"] ?? .null, "Name": to["Name"] ?? .null]
        t["FromBankTransactionID"] = .string(newID())
        t["ToBankTransactionID"] = .string(newID())
        t["FromIsReconciled"] = false
        t["ToIsReconciled"] = false
        t["HasAttachments"] = false
        t["CreatedDateUTC"] = .string(nowWire)
        save(tenant, "BankTransfers", id, t)
        return Outcome(record: t)
    }

    func upsertJournal(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        var j = Self.merged(existing, input)
        var errors: [String] = []
        let transitions: [String: Set<String>] = ["DRAFT": ["DRAFT", "POSTED", "DELETED"], "POSTED": ["POSTED", "VOIDED"]]
        let status = j["Status"]?.stringValue ?? "DRAFT"
        j["Status"] = .string(status)
        if let old = existing?["Status"]?.stringValue, !(transitions[old] ?? []).contains(status) {
            return Outcome(record: input, errors: ["Manual journal not of valid status for modification"])
        }
        if existing == nil, !["DRAFT", "POSTED"].contains(status) {
            return Outcome(record: input, errors: ["Manual journal not of valid status for creation"])
        }
        if (j["Narration"]?.stringValue ?? "").isEmpty { errors.append("Narration must be specified.") }
        if j["Date"] == nil { j["Date"] = .string(todayWire) }
        if j["LineAmountTypes"] == nil { j["LineAmountTypes"] = "NoTax" }
        let lines = j["JournalLines"]?.arrayValue ?? []
        if lines.count < 2 { errors.append("A manual journal must have at least two journal lines.") }
        var debits: Decimal = 0, credits: Decimal = 0
        var out: [JSONValue] = []
        for (i, value) in lines.enumerated() {
            guard case .object(var line) = value else { continue }
            guard let amount = Money.decimal(line["LineAmount"]) else {
                errors.append("LineAmount must be specified (journal line \(i + 1)).")
                continue
            }
            let rounded = Money.round(amount)
            line["LineAmount"] = Money.json(rounded)
            if rounded > 0 { debits += rounded } else { credits += rounded }
            if let code = line["AccountCode"]?.stringValue {
                if let a = account(tenant, code: code, id: nil), a["Status"]?.stringValue == "ACTIVE" {
                    line["AccountID"] = a["AccountID"]
                    if line["TaxType"] == nil { line["TaxType"] = a["TaxType"] }
                } else {
                    errors.append("Account code '\(code)' is not a valid code for this document.")
                }
            } else {
                errors.append("AccountCode must be specified (journal line \(i + 1)).")
            }
            if line["TaxAmount"] == nil { line["TaxAmount"] = 0 }
            line["IsBlank"] = false
            out.append(.object(line))
        }
        j["JournalLines"] = .array(out)
        if debits + credits != 0 {
            errors.append("The total debits (\(Self.money(debits))) must equal total credits (\(Self.money(credits)))")
        }
        if status == "POSTED", let problem = lockDateError(tenant, date: j["Date"]?.stringValue) { errors.append(problem) }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        let id = existing?["ManualJournalID"]?.stringValue ?? newID()
        j["ManualJournalID"] = .string(id)
        j["UpdatedDateUTC"] = .string(nowWire)
        if j["ShowOnCashBasisReports"] == nil { j["ShowOnCashBasisReports"] = true }
        if j["HasAttachments"] == nil { j["HasAttachments"] = false }
        save(tenant, "ManualJournals", id, j)
        return Outcome(record: j)
    }
}
