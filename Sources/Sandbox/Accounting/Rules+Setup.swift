import Foundation
import JSONModel

/// Contacts, items and accounts: the records documents refer to.
extension SandboxEngine {
    func activeContact(_ tenant: String, named name: String) -> JSONObject? {
        table(tenant, "Contacts").lookup("Name", name).first { $0["ContactStatus"]?.stringValue == "ACTIVE" }
    }

    func upsertContact(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        var c = Self.merged(existing, input)
        var errors: [String] = []
        let name = c["Name"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        if name.isEmpty { errors.append("The contact name must be specified.") }
        if name.count > 255 { errors.append("The contact name must not exceed 255 characters.") }
        if c["ContactStatus"] == nil { c["ContactStatus"] = "ACTIVE" }
        let status = c["ContactStatus"]?.stringValue ?? "ACTIVE"
        if status == "ACTIVE", !name.isEmpty, let other = activeContact(tenant, named: name),
           other["ContactID"] != existing?["ContactID"] {
            errors.append("The contact name \(name) is already assigned to another contact. The contact name must be unique across all active contacts.")
        }
        if let number = c["ContactNumber"]?.stringValue, number.count > 50 {
            errors.append("The ContactNumber must not exceed 50 characters.")
        }
        if let email = c["EmailAddress"]?.stringValue, !email.isEmpty, !Self.looksLikeEmail(email) {
            errors.append("Email address must be valid.")
        }
        for (field, type) in [("SalesDefaultAccountCode", "sales"), ("PurchasesDefaultAccountCode", "purchases")] {
            if let code = c[field]?.stringValue, account(tenant, code: code, id: nil) == nil {
                errors.append("Account code '\(code)' is not a valid \(type) account code.")
            }
        }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        let id = existing?["ContactID"]?.stringValue ?? newID()
        c["ContactID"] = .string(id)
        c["UpdatedDateUTC"] = .string(nowWire)
        if c["IsSupplier"] == nil { c["IsSupplier"] = false }
        if c["IsCustomer"] == nil { c["IsCustomer"] = false }
        if c["HasAttachments"] == nil { c["HasAttachments"] = false }
        c["HasValidationErrors"] = false
        c["StatusAttributeString"] = nil
        save(tenant, "Contacts", id, c)
        return Outcome(record: c)
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !s.contains(" ")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
    }

    func upsertItem(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        var item = Self.merged(existing, input)
        var errors: [String] = []
        let code = item["Code"]?.stringValue ?? ""
        if code.isEmpty { errors.append("Item code must be specified.") }
        if code.count > 30 { errors.append("Item code must not exceed 30 characters.") }
        if let name = item["Name"]?.stringValue, name.count > 50 { errors.append("Item name must not exceed 50 characters.") }
        if !code.isEmpty, let other = table(tenant, "Items").lookup("Code", code).first,
           other["ItemID"] != existing?["ItemID"] {
            errors.append("Item code '\(code)' already exists.")
        }
        for (detail, sales) in [("SalesDetails", true), ("PurchaseDetails", false)] {
            guard case .object(let d)? = item[detail] else { continue }
            if let accountCode = d["AccountCode"]?.stringValue, let problem = lineAccountProblem(tenant, accountCode) {
                errors.append(problem)
            }
            if let taxType = d["TaxType"]?.stringValue, taxRate(tenant, taxType, sales: sales) == nil {
                errors.append("The TaxType code \(taxType) does not exist or cannot be used for this type of transaction.")
            }
        }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        let id = existing?["ItemID"]?.stringValue ?? newID()
        item["ItemID"] = .string(id)
        item["IsSold"] = .bool(item["SalesDetails"] != nil)
        item["IsPurchased"] = .bool(item["PurchaseDetails"] != nil)
        if item["IsTrackedAsInventory"] == nil { item["IsTrackedAsInventory"] = false }
        item["UpdatedDateUTC"] = .string(nowWire)
        save(tenant, "Items", id, item)
        return Outcome(record: item)
    }

    func upsertAccount(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        var a = Self.merged(existing, input)
        var errors: [String] = []
        let code = a["Code"]?.stringValue ?? ""
        let name = a["Name"]?.stringValue ?? ""
        let type = a["Type"]?.stringValue ?? ""
        if code.isEmpty && type != "BANK" { errors.append("Please enter a Code.") }
        if name.isEmpty { errors.append("Please enter a Name.") }
        if type.isEmpty { errors.append("Please select an account Type.") }
        let others = table(tenant, "Accounts").all.filter { $0["AccountID"] != existing?["AccountID"] && $0["Status"]?.stringValue != "DELETED" }
        if !code.isEmpty, others.contains(where: { $0["Code"]?.stringValue?.lowercased() == code.lowercased() }) {
            errors.append("Please enter a unique Code.")
        }
        if !name.isEmpty, others.contains(where: { $0["Name"]?.stringValue?.lowercased() == name.lowercased() }) {
            errors.append("Please enter a unique Name.")
        }
        if type == "BANK", (a["BankAccountNumber"]?.stringValue ?? "").isEmpty {
            errors.append("Bank account number is required for bank accounts.")
        }
        if let tax = a["TaxType"]?.stringValue, table(tenant, "TaxRates")[tax] == nil {
            errors.append("The TaxType code \(tax) does not exist or cannot be used for this type of transaction.")
        }
        if let system = existing?["SystemAccount"], system != .null, input["Status"]?.stringValue == "ARCHIVED" {
            errors.append("System accounts cannot be archived.")
        }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        let id = existing?["AccountID"]?.stringValue ?? newID()
        a["AccountID"] = .string(id)
        if a["Status"] == nil { a["Status"] = "ACTIVE" }
        a["Class"] = .string(DemoOrganisation.accountClass(type))
        if a["TaxType"] == nil { a["TaxType"] = .string(defaultTaxType(tenant)) }
        if type == "BANK" {
            if a["BankAccountType"] == nil { a["BankAccountType"] = "BANK" }
            if a["CurrencyCode"] == nil { a["CurrencyCode"] = tenants[tenant]?.organisation["BaseCurrency"] ?? "GBP" }
        }
        if a["EnablePaymentsToAccount"] == nil { a["EnablePaymentsToAccount"] = false }
        if a["ShowInExpenseClaims"] == nil { a["ShowInExpenseClaims"] = false }
        if a["HasAttachments"] == nil { a["HasAttachments"] = false }
        a["UpdatedDateUTC"] = .string(nowWire)
        save(tenant, "Accounts", id, a)
        return Outcome(record: a)
    }

    /// The organisation's "no tax" type: `NONE` (UK) or `BASEXCLUDED` (AU).
    func defaultTaxType(_ tenant: String) -> String {
        table(tenant, "TaxRates")["NONE"] != nil ? "NONE" : "BASEXCLUDED"
    }

    /// An active tax rate usable on sales (or purchases).
    func taxRate(_ tenant: String, _ type: String, sales: Bool) -> JSONObject? {
        guard let r = table(tenant, "TaxRates")[type] ?? table(tenant, "TaxRates").all.first(where: { $0["TaxType"]?.stringValue?.lowercased() == type.lowercased() }),
              r["Status"]?.stringValue == "ACTIVE" else { return nil }
        return r[sales ? "CanApplyToRevenue" : "CanApplyToExpenses"] == true ? r : nil
    }

    /// Why an account code cannot go on a document line, or nil when it can.
    func lineAccountProblem(_ tenant: String, _ code: String) -> String? {
        guard let a = account(tenant, code: code, id: nil) else {
            return "Account code '\(code)' is not a valid code for this document."
        }
        if a["Status"]?.stringValue != "ACTIVE" {
            return "Account code '\(code)' has been archived, or has been deleted. Each line item must reference a valid account."
        }
        if a["Type"]?.stringValue == "BANK" || ["DEBTORS", "CREDITORS"].contains(a["SystemAccount"]?.stringValue ?? "") {
            return "Account code '\(code)' is not a valid code for this document."
        }
        return nil
    }
}

extension SandboxEngine {
    /// `PUT /TaxRates`: a new rate from its components; Xero gives it a TaxType `TAX001`, `TAX002`, ….
    func upsertTaxRate(_ tenant: String, _ input: JSONObject, _ existing: JSONObject?) -> Outcome {
        guard existing == nil else { return Outcome(record: input, errors: ["Tax rates cannot be updated through the sandbox"]) }
        var errors: [String] = []
        let name = input["Name"]?.stringValue ?? ""
        if name.isEmpty { errors.append("Name must be specified.") }
        if table(tenant, "TaxRates").all.contains(where: { $0["Name"]?.stringValue?.lowercased() == name.lowercased() }) {
            errors.append("A tax rate named '\(name)' already exists.")
        }
        let components = input["TaxComponents"]?.arrayValue ?? []
        if components.isEmpty { errors.append("At least one TaxComponent is required.") }
        var rate: Decimal = 0
        for c in components {
            guard let r = Money.decimal(c["Rate"]), r >= 0, r <= 100 else {
                errors.append("Each TaxComponent needs a Rate between 0 and 100.")
                continue
            }
            rate += r
        }
        guard errors.isEmpty else { return Outcome(record: input, errors: errors) }
        var n = 1
        while table(tenant, "TaxRates")[String(format: "TAX%03d", n)] != nil { n += 1 }
        let type = String(format: "TAX%03d", n)
        var row = input
        row["TaxType"] = .string(type)
        row["Status"] = "ACTIVE"
        row["ReportTaxType"] = row["ReportTaxType"] ?? "OUTPUT"
        for flag in ["CanApplyToAssets", "CanApplyToEquity", "CanApplyToExpenses", "CanApplyToLiabilities", "CanApplyToRevenue"] { row[flag] = true }
        row["DisplayTaxRate"] = Money.json(rate)
        row["EffectiveRate"] = Money.json(rate)
        save(tenant, "TaxRates", type, row)
        return Outcome(record: row)
    }
}
