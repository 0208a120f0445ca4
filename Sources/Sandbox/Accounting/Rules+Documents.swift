import Foundation
import JSONModel

/// Invoices, credit notes, purchase orders and bank transactions: contacts, lines, tax, totals,
/// numbers, statuses and lock dates, the way Xero checks them.
///
/// Arithmetic (xero-facts.md, "Lock dates, money, dates"): `LineAmount = Quantity × UnitAmount ×
/// (1 − DiscountRate/100)` rounded to 2 places; tax per line rounded to 2 places, then summed;
/// `LineAmountTypes` Exclusive (default), Inclusive or NoTax.
extension SandboxEngine {
    struct DocumentKind {
        var noun: String
        var numberField: String?
        var numberPrefix: String
        var defaultStatus: String
        var createStatuses: Set<String>
        /// Allowed next statuses from each status.
        var transitions: [String: Set<String>]
        var typeValues: Set<String>?
    }

    static func documentKind(_ name: String) -> DocumentKind {
        let invoiceLike: [String: Set<String>] = [
            "DRAFT": ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"],
            "SUBMITTED": ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"],
            "AUTHORISED": ["AUTHORISED", "VOIDED"],
        ]
        switch name {
        case "Invoices":
            return DocumentKind(noun: "Invoice", numberField: "InvoiceNumber", numberPrefix: "INV-", defaultStatus: "DRAFT",
                                createStatuses: ["DRAFT", "SUBMITTED", "AUTHORISED"], transitions: invoiceLike, typeValues: ["ACCREC", "ACCPAY"])
        case "CreditNotes":
            return DocumentKind(noun: "Credit note", numberField: "CreditNoteNumber", numberPrefix: "CN-", defaultStatus: "DRAFT",
                                createStatuses: ["DRAFT", "SUBMITTED", "AUTHORISED"], transitions: invoiceLike, typeValues: ["ACCRECCREDIT", "ACCPAYCREDIT"])
        case "PurchaseOrders":
            return DocumentKind(noun: "Purchase order", numberField: "PurchaseOrderNumber", numberPrefix: "PO-", defaultStatus: "DRAFT",
                                createStatuses: ["DRAFT", "SUBMITTED", "AUTHORISED"],
                                transitions: ["DRAFT": ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"], "SUBMITTED": ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"],
                                              "AUTHORISED": ["AUTHORISED", "BILLED", "DELETED"], "BILLED": ["BILLED", "AUTHORISED"]], typeValues: nil)
        default:
            return DocumentKind(noun: "Bank transaction", numberField: nil, numberPrefix: "", defaultStatus: "AUTHORISED",
                                createStatuses: ["AUTHORISED"], transitions: ["AUTHORISED": ["AUTHORISED", "DELETED"]],
                                typeValues: ["RECEIVE", "SPEND", "RECEIVE-OVERPAYMENT", "RECEIVE-PREPAYMENT", "SPEND-OVERPAYMENT", "SPEND-PREPAYMENT"])
        }
    }

    func upsertDocument(_ tenant: String, _ collection: Collection, _ input: JSONObject, _ existing: JSONObject?, unitdp4: Bool) -> Outcome {
        let kind = Self.documentKind(collection.name)
        var doc = Self.merged(existing, input)
        var errors: [String] = []
        var warnings: [String] = []

        // Type and direction.
        let type = doc["Type"]?.stringValue
        if let allowed = kind.typeValues {
            if type == nil || !allowed.contains(type!) {
                errors.append("\(kind.noun) Type must be one of \(allowed.sorted().joined(separator: ", ")).")
            }
        }
        let isSales = collection.name == "PurchaseOrders" ? false
            : ["ACCREC", "ACCRECCREDIT"].contains(type ?? "") || (type ?? "").hasPrefix("RECEIVE")

        // Status.
        let oldStatus = existing?["Status"]?.stringValue
        let status = doc["Status"]?.stringValue ?? kind.defaultStatus
        doc["Status"] = .string(status)
        if let oldStatus {
            let allowed = kind.transitions[oldStatus] ?? []
            if !allowed.contains(status) {
                return Outcome(record: input, errors: ["\(kind.noun) not of valid status for modification"])
            }
            if let existing, Self.allocated(existing) > 0, input["LineItems"] != nil || status == "VOIDED" || input["Contact"] != nil {
                return Outcome(record: input, errors: ["This document cannot be edited as it has a payment or credit note allocated to it."])
            }
            // A posted document dated in a locked period cannot be changed at all (voided or
            // deleted included).
            if let existing, !["DRAFT", "DELETED", "VOIDED"].contains(oldStatus) || collection.name == "BankTransactions",
               collection.name != "PurchaseOrders", let problem = lockDateError(tenant, date: existing["Date"]?.stringValue) {
                return Outcome(record: input, errors: [problem])
            }
        } else if !kind.createStatuses.contains(status) {
            return Outcome(record: input, errors: ["\(kind.noun) not of valid status for creation"])
        }
        let gone = status == "DELETED" || status == "VOIDED"

        // Contact.
        var contactToCreate: JSONObject?
        // The contact is resolved when the request names one (or on create); an update that does
        // not mention it keeps the stored reference and leaves the contact alone.
        if existing == nil || input["Contact"] != nil {
            switch resolveContact(tenant, input["Contact"] ?? doc["Contact"]) {
            case .found(let c, let updates):
                doc["Contact"] = .object(Self.contactReference(c))
                if !updates.isEmpty { contactToCreate = Self.merged(c, updates) }
            case .create(let c):
                contactToCreate = c
            case .failed(let message):
                errors.append(message)
            }
        }

        // Currency and dates.
        let base = tenants[tenant]?.organisation["BaseCurrency"]?.stringValue ?? "GBP"
        let currency = doc["CurrencyCode"]?.stringValue ?? base
        if table(tenant, "Currencies")[currency] == nil {
            errors.append("The currency \(currency) is not set up for this organisation.")
        }
        doc["CurrencyCode"] = .string(currency)
        if doc["CurrencyRate"] == nil { doc["CurrencyRate"] = 1 }
        if doc["Date"] == nil { doc["Date"] = .string(todayWire) }
        if let due = doc["DueDate"]?.stringValue, let d = doc["Date"]?.stringValue,
           let dm = XeroWire.millis(due), let im = XeroWire.millis(d), dm < im, collection.name == "Invoices" {
            warnings.append("The due date is before the invoice date.")
        }

        // Bank account of a bank transaction.
        if collection.name == "BankTransactions" {
            let (bank, problem) = bankAccount(tenant, doc["BankAccount"], role: "BankAccount")
            if let problem { errors.append(problem) }
            if let bank { doc["BankAccount"] = ["AccountID": bank["AccountID"] ?? .null, "Code": bank["Code"] ?? .null, "Name": bank["Name"] ?? .null] }
            if doc["IsReconciled"] == nil { doc["IsReconciled"] = false }
        }

        // Number.
        if let numberField = kind.numberField {
            let number = doc[numberField]?.stringValue
            let uniqueType = collection.name == "Invoices" ? type == "ACCREC" : (collection.name == "CreditNotes" ? type == "ACCRECCREDIT" : true)
            if let number, uniqueType {
                let clash = table(tenant, collection.name).lookup(numberField, number).contains {
                    $0[numberField]?.stringValue == number && $0[collection.idField] != existing?[collection.idField]
                        && $0["Status"]?.stringValue != "DELETED" && $0["Type"]?.stringValue == type
                }
                if clash { errors.append(collection.name == "Invoices" ? "Invoice # must be unique." : "\(kind.noun) number \(number) must be unique.") }
            } else if number == nil, uniqueType || collection.name == "PurchaseOrders" {
                doc[numberField] = .string(nextNumber(tenant, collection, prefix: kind.numberPrefix))
            }
        }

        // Lines, tax and totals.
        let amountTypes = doc["LineAmountTypes"]?.stringValue ?? "Exclusive"
        doc["LineAmountTypes"] = .string(amountTypes)
        let lines = doc["LineItems"]?.arrayValue ?? []
        let posting = status != "DRAFT" && status != "DELETED" && status != "VOIDED"
        if posting && lines.isEmpty && !gone {
            errors.append("\(kind.noun) must have at least one line item.")
        }
        let oldLineIDs = Set((existing?["LineItems"]?.arrayValue ?? []).compactMap { $0["LineItemID"]?.stringValue })
        var computed = ComputedLines()
        if gone, let existing {
            // Voiding or deleting changes nothing else: the lines stay as they were.
            computed.lines = (existing["LineItems"]?.arrayValue ?? []).compactMap(\.objectValue)
            computed.subTotal = Money.decimal(existing["SubTotal"]) ?? 0
            computed.totalTax = Money.decimal(existing["TotalTax"]) ?? 0
        } else {
            // Lines the request did not send keep the precision they were stored with (4 places
            // when written with unitdp=4).
            let keepPrecision = input["LineItems"] == nil
            computed = computeLines(tenant, lines, amountTypes: amountTypes, sales: isSales, unitPlaces: (unitdp4 || keepPrecision) ? 4 : 2,
                                    requireAccount: (posting && collection.name != "PurchaseOrders") || collection.name == "BankTransactions",
                                    oldLineIDs: oldLineIDs)
        }
        errors += computed.errors
        warnings += computed.warnings
        doc["LineItems"] = .array(computed.lines.map { .object($0) })
        for (field, value) in [("SubTotal", computed.subTotal), ("TotalTax", computed.totalTax), ("Total", computed.subTotal + computed.totalTax)] {
            if let given = Money.decimal(input[field]), given != value {
                errors.append(collection.name == "Invoices" ? "The invoice total does not equal the sum of the lines."
                              : "The \(kind.noun.lowercased()) total does not equal the sum of the lines.")
                break
            }
            doc[field] = Money.json(value)
        }
        let total = computed.subTotal + computed.totalTax
        if collection.name == "Invoices" {
            let paid = Money.decimal(existing?["AmountPaid"]) ?? 0
            let credited = Money.decimal(existing?["AmountCredited"]) ?? 0
            doc["AmountPaid"] = Money.json(paid)
            doc["AmountCredited"] = Money.json(credited)
            doc["AmountDue"] = Money.json(total - paid - credited)
            doc["IsDiscounted"] = .bool(computed.lines.contains { $0["DiscountRate"] != nil || $0["DiscountAmount"] != nil })
        }
        if collection.name == "CreditNotes" {
            let applied = Money.decimal(existing?["AppliedAmount"]) ?? 0
            let refunded = Self.paymentsTotal(existing)
            doc["AppliedAmount"] = Money.json(applied)
            doc["RemainingCredit"] = Money.json(total - applied - refunded)
        }

        // Lock dates: drafts may be dated in a locked period; anything that posts may not.
        if (posting || collection.name == "BankTransactions") && collection.name != "PurchaseOrders" && !gone,
           let problem = lockDateError(tenant, date: doc["Date"]?.stringValue) {
            errors.append(problem)
        }

        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }

        if var c = contactToCreate {
            let outcome = upsertContact(tenant, c, c["ContactID"].flatMap { $0.stringValue }.flatMap { find(tenant, Collection.named("Contacts")!, $0) })
            guard outcome.errors.isEmpty else { return Outcome(record: input, errors: outcome.errors) }
            c = outcome.record
            doc["Contact"] = .object(Self.contactReference(c))
        }
        if let contactID = doc["Contact"]?["ContactID"]?.stringValue, var contact = find(tenant, Collection.named("Contacts")!, contactID) {
            let flag = isSales ? "IsCustomer" : "IsSupplier"
            if contact[flag] != true {
                contact[flag] = true
                save(tenant, "Contacts", contactID, contact)
            }
        }
        let id = existing?[collection.idField]?.stringValue ?? newID()
        doc[collection.idField] = .string(id)
        doc["UpdatedDateUTC"] = .string(nowWire)
        if doc["HasAttachments"] == nil { doc["HasAttachments"] = false }
        if collection.name == "Invoices" || collection.name == "CreditNotes" { doc["HasErrors"] = false }
        save(tenant, collection.name, id, doc)
        return Outcome(record: doc, warnings: warnings)
    }

    /// Money already allocated to a document: payments, credit and refunds.
    static func allocated(_ doc: JSONObject) -> Decimal {
        (Money.decimal(doc["AmountPaid"]) ?? 0) + (Money.decimal(doc["AmountCredited"]) ?? 0)
            + (Money.decimal(doc["AppliedAmount"]) ?? 0) + (doc["AmountPaid"] == nil ? paymentsTotal(doc) : 0)
    }

    static func paymentsTotal(_ doc: JSONObject?) -> Decimal {
        (doc?["Payments"]?.arrayValue ?? []).reduce(Decimal(0)) { $0 + (Money.decimal($1["Amount"]) ?? 0) }
    }

    /// What a document keeps of its contact.
    static func contactReference(_ c: JSONObject) -> JSONObject {
        var ref: JSONObject = ["ContactID": c["ContactID"] ?? .null]
        if let n = c["ContactNumber"] { ref["ContactNumber"] = n }
        ref["Name"] = c["Name"] ?? .null
        if let e = c["EmailAddress"] { ref["EmailAddress"] = e }
        ref["ContactStatus"] = c["ContactStatus"] ?? "ACTIVE"
        return ref
    }

    enum ContactResolution {
        case found(JSONObject, updates: JSONObject)
        case create(JSONObject)
        case failed(String)
    }

    /// A document's contact, by ContactID, ContactNumber or Name; an unknown Name creates one
    /// (as Xero does, silently), and members beyond the identifiers update the contact.
    func resolveContact(_ tenant: String, _ value: JSONValue?) -> ContactResolution {
        guard case .object(let ref)? = value else { return .failed("A Contact must be specified for this type of transaction") }
        let contacts = table(tenant, "Contacts")
        var updates = ref
        for k in ["ContactID", "ContactNumber", "Name", "ContactStatus"] { updates[k] = nil }
        if let id = ref["ContactID"]?.stringValue {
            guard let c = contacts[id] else {
                return .failed("The contact with ContactID \(id) could not be found.")
            }
            return .found(c, updates: updates)
        }
        if let number = ref["ContactNumber"]?.stringValue {
            if let c = contacts.lookup("ContactNumber", number).first(where: { $0["ContactNumber"]?.stringValue == number && $0["ContactStatus"]?.stringValue == "ACTIVE" }) {
                return .found(c, updates: updates)
            }
            guard ref["Name"]?.stringValue != nil else {
                return .failed("The contact with ContactNumber \(number) could not be found.")
            }
        }
        if let name = ref["Name"]?.stringValue, !name.isEmpty {
            if let c = activeContact(tenant, named: name) { return .found(c, updates: updates) }
            return .create(ref)
        }
        return .failed("The Contact must contain at least 1 of the following elements to identify the contact: Name, ContactID, ContactNumber")
    }

    func nextNumber(_ tenant: String, _ collection: Collection, prefix: String) -> String {
        guard let field = collection.numberField else { return "" }
        let t = table(tenant, collection.name)
        var n = t.count + 1
        while !t.lookup(field, prefix + String(format: "%04d", n)).isEmpty { n += 1 }
        return prefix + String(format: "%04d", n)
    }

    struct ComputedLines {
        var lines: [JSONObject] = []
        var subTotal: Decimal = 0
        var totalTax: Decimal = 0
        var errors: [String] = []
        var warnings: [String] = []
    }

    func computeLines(_ tenant: String, _ raw: [JSONValue], amountTypes: String, sales: Bool, unitPlaces: Int, requireAccount: Bool, oldLineIDs: Set<String>) -> ComputedLines {
        var out = ComputedLines()
        let categories = table(tenant, "TrackingCategories").all
        for (index, value) in raw.enumerated() {
            guard case .object(var line) = value else { continue }
            let label = raw.count > 1 ? " (line \(index + 1))" : ""
            // An item fills what the line leaves out.
            if let code = line["ItemCode"]?.stringValue {
                if let item = table(tenant, "Items").lookup("Code", code).first {
                    let details = item[sales ? "SalesDetails" : "PurchaseDetails"]?.objectValue ?? [:]
                    if line["Description"] == nil { line["Description"] = item[sales ? "Description" : "PurchaseDescription"] ?? item["Name"] }
                    if line["UnitAmount"] == nil, let p = details["UnitPrice"] { line["UnitAmount"] = p }
                    if line["AccountCode"] == nil, let a = details["AccountCode"] { line["AccountCode"] = a }
                    if line["TaxType"] == nil, let t = details["TaxType"] { line["TaxType"] = t }
                    line["Item"] = ["ItemID": item["ItemID"] ?? .null, "Code": item["Code"] ?? .null, "Name": item["Name"] ?? .null]
                } else {
                    out.errors.append("Item code '\(code)' is not valid\(label).")
                }
            }
            if (line["Description"]?.stringValue ?? "").isEmpty && line["ItemCode"] == nil {
                out.errors.append("Description is a required field for line items\(label).")
            }
            // Amounts.
            var quantity = Money.decimal(line["Quantity"])
            var unit = Money.decimal(line["UnitAmount"])
            let given = Money.decimal(line["LineAmount"])
            if quantity == nil && unit == nil, let given { quantity = 1; unit = given }
            let q = quantity ?? 1
            var derivedUnit = false
            if unit == nil, let given, q != 0 {
                // Quantity and line amount given: the unit amount follows from them.
                unit = Money.round(given / q, unitPlaces)
                derivedUnit = true
            }
            let u = Money.round(unit ?? 0, unitPlaces)
            var amount = q * u
            if let rate = Money.decimal(line["DiscountRate"]) {
                amount = amount * (1 - rate / 100)
            } else if let discount = Money.decimal(line["DiscountAmount"]) {
                amount -= discount
            }
            amount = Money.round(amount)
            if derivedUnit, let given { amount = Money.round(given) }
            if let given, Money.round(given) != amount, !derivedUnit {
                out.errors.append("The line total \(Self.money(given)) does not match the expected line total \(Self.money(amount))\(label).")
            }
            line["Quantity"] = Money.json(q)
            line["UnitAmount"] = Money.json(u)
            line["LineAmount"] = Money.json(amount)
            // Account and tax.
            var account: JSONObject?
            if let code = line["AccountCode"]?.stringValue {
                if lineAccountProblem(tenant, code) != nil, !requireAccount {
                    // On a draft Xero drops an unusable code with a warning.
                    out.warnings.append("Account code '\(code)' has been removed as it does not match a recognised account.")
                    line["AccountCode"] = nil
                } else if let problem = lineAccountProblem(tenant, code) {
                    out.errors.append(problem)
                } else {
                    account = self.account(tenant, code: code, id: nil)
                    line["AccountID"] = account?["AccountID"]
                }
            } else if requireAccount {
                out.errors.append("Account code must be specified\(label).")
            }
            let noTax = amountTypes == "NoTax"
            if line["TaxType"] == nil {
                line["TaxType"] = noTax ? .string(defaultTaxType(tenant)) : (account?["TaxType"] ?? .string(defaultTaxType(tenant)))
            }
            var tax: Decimal = 0
            let taxType = line["TaxType"]!.stringValue ?? ""
            // Xero's tax rates apply to classes of account (CanApplyToRevenue, …ToExpenses): a
            // refund received into an expense account keeps its expense rate.
            let applies: Bool = {
                switch account?["Class"]?.stringValue {
                case "REVENUE": return true
                case "EXPENSE": return false
                default: return sales
                }
            }()
            if let rate = taxRate(tenant, taxType, sales: applies) {
                let r = (Money.decimal(rate["EffectiveRate"]) ?? 0) / 100
                if !noTax {
                    tax = amountTypes == "Inclusive" ? Money.round(amount * r / (1 + r)) : Money.round(amount * r)
                }
            } else {
                out.errors.append("The TaxType code \(taxType) does not exist or cannot be used for this type of transaction.")
            }
            if let givenTax = Money.decimal(line["TaxAmount"]), !noTax, givenTax != tax {
                // Xero lets a line's tax be adjusted by hand, within a cent per line.
                if abs(givenTax - tax) <= 0.01 { tax = givenTax } else {
                    out.errors.append("The tax amount \(Self.money(givenTax)) does not match the tax on the line, \(Self.money(tax))\(label).")
                }
            }
            line["TaxAmount"] = Money.json(tax)
            // Tracking.
            if case .array(let tracking)? = line["Tracking"] {
                var resolved: [JSONValue] = []
                for t in tracking {
                    guard let name = t["Name"]?.stringValue, let option = t["Option"]?.stringValue else {
                        out.errors.append("Tracking needs a Name and an Option\(label).")
                        continue
                    }
                    guard let category = categories.first(where: { $0["Name"]?.stringValue?.lowercased() == name.lowercased() && $0["Status"]?.stringValue == "ACTIVE" }) else {
                        out.errors.append("The tracking category '\(name)' does not exist\(label).")
                        continue
                    }
                    guard let opt = category["Options"]?.arrayValue?.first(where: { $0["Name"]?.stringValue?.lowercased() == option.lowercased() }) else {
                        out.errors.append("'\(option)' is not an option of tracking category '\(name)'\(label).")
                        continue
                    }
                    resolved.append(["TrackingCategoryID": category["TrackingCategoryID"] ?? .null, "TrackingOptionID": opt["TrackingOptionID"] ?? .null,
                                     "Name": category["Name"] ?? .null, "Option": opt["Name"] ?? .null])
                }
                line["Tracking"] = .array(resolved)
            }
            if let id = line["LineItemID"]?.stringValue, oldLineIDs.contains(id) {
                // kept
            } else {
                line["LineItemID"] = .string(newID())
            }
            out.lines.append(line)
            out.totalTax += tax
            out.subTotal += amountTypes == "Inclusive" ? amount - tax : amount
        }
        return out
    }
}
