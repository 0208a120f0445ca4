import Foundation
import JSONModel
import XeroModel

/// The outcome of one element of a PUT or POST.
struct Outcome {
    var record: JSONObject
    var errors: [String] = []
    var warnings: [String] = []
}

/// PUT (create) and POST (create or update) of any writable endpoint: one outcome per element,
/// `summarizeErrors` as Xero applies it.
extension SandboxEngine {
    func write(_ tenant: String, _ collection: Collection, _ request: SandboxRequest, pathID: String?) -> SandboxReply {
        guard !request.body.isEmpty else {
            return .apiError("PostDataInvalidException", "The request body is empty: send {\"\(collection.name)\": [...]}", number: 17)
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes: request.body)
        } catch {
            return .apiError("PostDataInvalidException", "The request body is not valid JSON: \(error)", number: 17)
        }
        var elements: [JSONValue]
        switch parsed {
        case .object(let o):
            if let list = o.first(where: { $0.key.lowercased() == collection.name.lowercased() })?.value {
                guard case .array(let items) = list else {
                    return .apiError("PostDataInvalidException", "'\(collection.name)' must be a list", number: 17)
                }
                elements = items
            } else {
                elements = [parsed]
            }
        case .array(let items):
            elements = items
        default:
            return .apiError("PostDataInvalidException", "The request body must be an object or a list", number: 17)
        }
        // Xero's practical ceiling is about 50 elements; the sandbox refuses more than 1,000 so that
        // one huge request cannot hold everyone else up.
        if elements.count > Self.maxElements {
            return .apiError("ValidationException", "A request may carry at most \(Self.maxElements) elements; this one has \(elements.count). Send batches of 50.")
        }
        if pathID != nil && elements.count != 1 {
            return .apiError("ValidationException", "A request to a single record must carry exactly one element")
        }
        let summarize = request.query["summarizeerrors"]?.lowercased() != "false"
        let unitdp4 = request.query["unitdp"] == "4"
        var results: [(input: JSONObject, outcome: Outcome)] = []
        for element in elements {
            var errors: [String] = []
            let input = XeroShape.input(element, as: collection.object, errors: &errors)
            var outcome: Outcome
            if !errors.isEmpty {
                outcome = Outcome(record: input, errors: errors)
            } else {
                outcome = upsert(tenant, collection, input, isPut: request.method == "PUT", pathID: pathID, unitdp4: unitdp4)
            }
            results.append((input, outcome))
        }
        let anyError = results.contains { !$0.outcome.errors.isEmpty }
        if summarize && anyError {
            // Xero's behaviour without summarizeErrors=false: a 400 for the whole call, while the
            // valid elements were created all the same and their ids are not returned.
            let elementsOut: [JSONValue] = results.map { r in
                .object(decorate(r.outcome.errors.isEmpty ? r.input : r.outcome.record, collection, r.outcome, includeStatus: false))
            }
            return .json(400, ["ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred", "Elements": .array(elementsOut)])
        }
        let records = results.map { r in
            decorate(r.outcome.errors.isEmpty ? present(r.outcome.record, collection, unitdp4: unitdp4, withLines: true) : r.outcome.record,
                     collection, r.outcome, includeStatus: !summarize)
        }
        return envelope(collection.name, records, request: request)
    }

    /// Adds `StatusAttributeString`, `ValidationErrors`, `Warnings` and `HasErrors` where the
    /// object's schema has them.
    func decorate(_ record: JSONObject, _ collection: Collection, _ outcome: Outcome, includeStatus: Bool) -> JSONObject {
        let fields = XeroShape.objects[collection.object] ?? [:]
        var out = record
        if includeStatus, fields["StatusAttributeString"] != nil {
            out["StatusAttributeString"] = .string(!outcome.errors.isEmpty ? "ERROR" : (outcome.warnings.isEmpty ? "OK" : "WARNING"))
        }
        if !outcome.errors.isEmpty {
            // Every refused element says why, even where Xero's schema of the object does not
            // declare ValidationErrors (TrackingCategory).
            out["ValidationErrors"] = .array(outcome.errors.map { ["Message": .string($0)] })
            if fields["HasErrors"] != nil { out["HasErrors"] = true }
            if fields["HasValidationErrors"] != nil { out["HasValidationErrors"] = true }
        }
        if !outcome.warnings.isEmpty, fields["Warnings"] != nil {
            out["Warnings"] = .array(outcome.warnings.map { ["Message": .string($0)] })
        }
        return out
    }

    private func upsert(_ tenant: String, _ collection: Collection, _ input: JSONObject, isPut: Bool, pathID: String?, unitdp4: Bool) -> Outcome {
        var existing: JSONObject?
        if let pathID {
            existing = find(tenant, collection, pathID)
            if existing == nil { return Outcome(record: input, errors: ["The document with the supplied id was not found for this endpoint."]) }
        } else if let id = input[collection.idField]?.stringValue, collection.idField.hasSuffix("ID") {
            existing = find(tenant, collection, id)
            if existing == nil { return Outcome(record: input, errors: ["The document with the supplied id was not found for this endpoint."]) }
            if isPut { return Outcome(record: input, errors: ["\(collection.idField) '\(id)' already exists: PUT creates only; use POST to update"]) }
        } else if !isPut, let numberField = collection.numberField, let number = input[numberField]?.stringValue {
            // POST matches an existing record by its number (an ACCPAY bill's number is not
            // unique, so bills are matched by id only).
            let type = input["Type"]?.stringValue
            if !(collection.name == "Invoices" && type == "ACCPAY") {
                existing = table(tenant, collection.name).lookup(numberField, number).first {
                    $0[numberField]?.stringValue == number && !Self.isGone($0, collection)
                        && (collection.name != "Invoices" || $0["Type"]?.stringValue == "ACCREC")
                }
            }
        }
        if existing != nil && !collection.canUpdate {
            return Outcome(record: input, errors: ["\(collection.object) records cannot be updated"])
        }
        switch collection.name {
        case "Contacts": return upsertContact(tenant, input, existing)
        case "Items": return upsertItem(tenant, input, existing)
        case "Accounts": return upsertAccount(tenant, input, existing)
        case "TaxRates": return upsertTaxRate(tenant, input, existing)
        case "Invoices", "CreditNotes", "PurchaseOrders", "BankTransactions":
            return upsertDocument(tenant, collection, input, existing, unitdp4: unitdp4)
        case "Payments": return upsertPayment(tenant, input, existing)
        case "BankTransfers": return createTransfer(tenant, input)
        case "ManualJournals": return upsertJournal(tenant, input, existing)
        case "TrackingCategories": return upsertTrackingCategory(tenant, input, existing)
        default: return Outcome(record: input, errors: ["\(collection.name) cannot be written"])
        }
    }

    // MARK: helpers shared by the rules

    static let maxElements = 1_000

    var nowWire: String { XeroDate.wire(clock.nowDate) }

    /// Today in sandbox time, as a date value (`/Date(ms+0000)/` at midnight UTC).
    var todayWire: String {
        let ms = clock.nowMillis
        return "/Date(\(ms - ms % 86_400_000)+0000)/"
    }

    /// The existing record merged with what the request sends (members replace members).
    static func merged(_ existing: JSONObject?, _ input: JSONObject) -> JSONObject {
        var out = existing ?? [:]
        for (k, v) in input { out[k] = v }
        return out
    }

    func account(_ tenant: String, code: String?, id: String?) -> JSONObject? {
        let accounts = table(tenant, "Accounts")
        if let id { return accounts[id] ?? accounts.all.first { $0["AccountID"]?.stringValue?.lowercased() == id.lowercased() } }
        if let code { return accounts.lookup("Code", code).first }
        return nil
    }

    /// A bank account given as `{Code}` or `{AccountID}`, or why it cannot be used.
    func bankAccount(_ tenant: String, _ ref: JSONValue?, role: String) -> (JSONObject?, String?) {
        guard case .object(let o)? = ref, o["Code"] != nil || o["AccountID"] != nil else {
            return (nil, "\(role) must be specified with its Code or AccountID")
        }
        guard let a = account(tenant, code: o["Code"]?.stringValue, id: o["AccountID"]?.stringValue),
              a["Status"]?.stringValue == "ACTIVE", a["Type"]?.stringValue == "BANK" else {
            return (nil, "The specified bank account details do not match a known bank account")
        }
        return (a, nil)
    }

    /// Xero's lock dates: nothing posted on or before them, except that a connection marked as
    /// an adviser may post into a period locked for everyone but advisers.
    func lockDateError(_ tenant: String, date: String?) -> String? {
        guard let date, let ms = XeroWire.millis(date), let org = tenants[tenant]?.organisation else { return nil }
        if let eoy = org["EndOfYearLockDate"]?.stringValue, let lock = XeroWire.millis(eoy), ms < lock + 86_400_000 {
            return "The document date cannot be before the end of year lock date, currently set at \(XeroWire.lockDateText(ofMillis: lock))"
        }
        if !actingAsAdviser, let period = org["PeriodLockDate"]?.stringValue, let lock = XeroWire.millis(period), ms < lock + 86_400_000 {
            return "The document date cannot be before the period lock date, currently set at \(XeroWire.lockDateText(ofMillis: lock))"
        }
        return nil
    }

    static func money(_ d: Decimal) -> String {
        let f = NumberFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.minimumFractionDigits = 2
        f.maximumFractionDigits = 2
        f.numberStyle = .decimal
        f.usesGroupingSeparator = false
        return f.string(from: d as NSDecimalNumber) ?? "\(d)"
    }
}
