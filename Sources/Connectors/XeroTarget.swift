import Engine
import Foundation
import JSONModel
import Spec
import XeroClient
import XeroModel

/// A pipeline target that writes one kind of Xero object (`Contacts`, `Invoices`, …).
///
/// For each record, by its key (the target's `key`, else its `match` values, else the key of
/// the source record it came from):
/// - content unchanged since it was last pushed: left alone (no call);
/// - known to the state store with its Xero id: updated, unless Xero's copy may no longer be
///   touched (PAID, VOIDED, DELETED, ARCHIVED…) or was deleted in Xero (`on_deleted`);
/// - not known: looked up at Xero by its `match` values first (a lost state file never
///   duplicates), then created;
/// - checked before sending against the organisation's accounts, tax rates, lock dates and the
///   pipeline's start date: a record that would fail is set apart with the reason, no call made.
/// Writes go through ``XeroClient/write(_:method:records:)`` (batches, idempotency keys,
/// pacing); what Xero accepted is remembered after every chunk, what it refused is set apart
/// with Xero's message.
public struct XeroTargetWriter: RecordTargetWriter {
    public let target: TargetSpec
    public let settings: XeroSettingsSpec
    public let session: XeroSession
    let endpoint: String
    let catalog: XeroEndpoint?

    /// A test hook: `XEROFLOW_FAULT_KILL_AFTER_PUSH=TARGET` kills the process after Xero accepted
    /// that target's first chunk and before the state store learns of it: the window in which
    /// only Xero knows what was pushed.
    static let killAfterPush = ProcessInfo.processInfo.environment["XEROFLOW_FAULT_KILL_AFTER_PUSH"]

    public init(target: TargetSpec, settings: XeroSettingsSpec, session: XeroSession) throws {
        guard let endpoint = target.location else { throw ConnectorError("target '\(target.name)' names no Xero endpoint") }
        self.target = target
        self.settings = settings
        self.session = session
        self.endpoint = endpoint
        catalog = XeroCatalog.endpoint(named: endpoint)
    }

    public func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport {
        throw ConnectorError("target '\(target.name)': Xero targets are written through the runner")
    }

    var idField: String { catalog?.idField ?? XeroClient.idFieldName(endpoint) }
    var canUpdate: Bool { (catalog?.canUpdate ?? true) && target.mode != .create }
    /// Objects whose PUT takes one object, not a collection (Xero's Accounts and tracking
    /// categories; a category's options have their own endpoint).
    var singleObjectWrites: Bool { endpoint == "Accounts" || endpoint == "TrackingCategories" }
    /// Documents with a `Date` (start date and lock dates apply).
    var dated: Bool {
        ["Invoices", "CreditNotes", "BankTransactions", "BankTransfers", "Payments", "ManualJournals", "PurchaseOrders", "Prepayments", "Overpayments"]
            .contains(endpoint)
    }

    /// A record on its way: where it stands after the checks.
    struct Pending {
        var key: String
        var record: JSONObject
        var hash: String
        var sourceHash: String? = nil
        var identity: [String: String]
        var id: String?
        /// Unchanged since last pushed: only looked at to see whether Xero still has it
        /// (`on_deleted: recreate`).
        var unchanged = false
    }

    public func push(_ records: [(key: String, record: JSONValue)], context: TargetContext) throws -> TargetOutcome {
        var outcome = TargetOutcome()
        var pending: [Pending] = []
        var seen = Set<String>()
        var configOnly = 0
        for (key, value) in records {
            guard var record = value.objectValue else {
                outcome.rejected.append((key, value, "a Xero record must be an object, not \(value)"))
                continue
            }
            // Two records with one key in one run: the last wins (as a re-run would leave it).
            if !seen.insert(key).inserted { pending.removeAll { $0.key == key } }
            let hash = PipelineRunner.hash(value)
            let identity = PipelineRunner.matchValues(value, match: target.match) ?? [:]
            let previous = context.previous[key]
            if let previous, previous.state == .deleted, target.onDeleted == .skip {
                outcome.skipped += 1
                outcome.written[key] = previous
                continue
            }
            if let previous, previous.targetID != nil, previous.contentHash == hash, !context.resync {
                if target.onDeleted == .recreate {
                    pending.append(Pending(key: key, record: record, hash: hash, sourceHash: context.sourceHashes[key], identity: identity,
                                           id: previous.targetID, unchanged: true))
                } else {
                    outcome.report.unchanged += 1
                    outcome.written[key] = previous
                }
                continue
            }
            let sourceHash = context.sourceHashes[key]
            if let previous, previous.targetID != nil, previous.contentHash != hash, let sourceHash, previous.sourceHash == sourceHash,
               !context.resync, target.onDeleted != .recreate {
                // The source data did not change, only the pipeline: what is in Xero stays.
                outcome.report.unchanged += 1
                outcome.written[key] = previous
                configOnly += 1
                continue
            }
            if let previous, previous.targetID != nil, !canUpdate {
                // Payments, transfers and `mode: create`: what was created stays as it is.
                outcome.report.unchanged += 1
                outcome.written[key] = previous
                if previous.contentHash != hash {
                    outcome.notes.append("\(key): changed at the source, but \(endpoint) \(target.mode == .create ? "are only created (mode: create)" : "cannot be updated in Xero"); left as it is")
                }
                continue
            }
            resolveReferences(&record, context: context)
            pending.append(Pending(key: key, record: record, hash: hash, sourceHash: sourceHash, identity: identity, id: previous?.targetID))
        }

        if configOnly > 0 {
            outcome.notes.append("\(configOnly) record(s) whose source data did not change map differently now; left as pushed (run --resync to send them again)")
        }
        pending = try applyDatePolicies(pending, &outcome)
        pending = try checkReferenceData(pending, &outcome)
        pending = try adoptExisting(pending, &outcome)
        pending = try checkStatuses(pending, &outcome, context: context)

        if context.dryRun {
            for p in pending {
                if p.id == nil { outcome.report.created += 1 } else { outcome.report.updated += 1 }
            }
            return outcome
        }
        try send(pending, &outcome, context: context)
        if endpoint == "Accounts" || endpoint == "TrackingCategories" { session.invalidate(endpoint) }
        return outcome
    }

    // MARK: - References

    /// A nested reference to a record another target of this pipeline pushed (an invoice's
    /// `Contact: {ContactNumber: …}`) is sent with that record's Xero id, so it cannot reach a
    /// different record of the same number or name.
    func resolveReferences(_ record: inout JSONObject, context: TargetContext) {
        for (field, refEndpoint) in XeroReferences.fields {
            guard case .object(var ref)? = record[field], ref[Self.idFieldFor(refEndpoint)] == nil else { continue }
            guard let (name, value) = ref.first(where: { ["ContactNumber", "Name", "InvoiceNumber", "CreditNoteNumber", "Code"].contains($0.key) }),
                  let text = value.stringValue else { continue }
            if let id = context.entries(refEndpoint).first(where: { $0.value.identity[name] == text })?.value.targetID {
                ref[Self.idFieldFor(refEndpoint)] = .string(id)
                if refEndpoint != "Accounts" { ref[name] = nil }
                record[field] = .object(ref)
            }
        }
    }

    static func idFieldFor(_ endpoint: String) -> String {
        XeroCatalog.endpoint(named: endpoint)?.idField ?? XeroClient.idFieldName(endpoint)
    }

    // MARK: - Policies before sending

    /// `start_date` (nothing older is pushed) and lock dates (`lock_dates`).
    func applyDatePolicies(_ pending: [Pending], _ outcome: inout TargetOutcome) throws -> [Pending] {
        guard dated else { return pending }
        let start: String? = {
            guard let s = settings.startDate else { return nil }
            if s == "connected" { return session.connectedAt.map { String(XeroDate.iso($0).prefix(10)) } }
            return s
        }()
        let active = pending.filter { !$0.unchanged }
        guard !active.isEmpty else { return pending }
        let locks = try session.lockDates()
        var out: [Pending] = []
        for var p in pending {
            guard !p.unchanged, let date = Self.day(of: p.record) else {
                out.append(p)
                continue
            }
            if let start, date < start, p.id == nil {
                outcome.skipped += 1
                continue
            }
            // The strictest lock that applies to this connection.
            let eoy = locks.endOfYear
            let period = session.adviser || settings.lockDates == .adviser ? nil : locks.period
            let lock = [eoy, period].compactMap { $0 }.max()
            if let lock, date <= lock {
                switch settings.lockDates {
                case .skip:
                    outcome.skipped += 1
                    continue
                case .nextOpenDay:
                    let open = Self.nextDay(lock)
                    p.record["Date"] = .string(open)
                    outcome.notes.append("\(p.key): dated \(date), in a locked period (locked up to \(lock)); sent dated \(open)")
                case .quarantine, .adviser:
                    if settings.lockDates == .adviser, let eoy, date <= eoy {
                        outcome.rejected.append((p.key, .object(p.record), "dated \(date), on or before the organisation's end-of-year lock date \(eoy): not even an adviser may post there"))
                        continue
                    }
                    if settings.lockDates == .quarantine {
                        outcome.rejected.append((p.key, .object(p.record), "dated \(date), on or before \(session.tenantName)'s lock date \(lock) (lock_dates: quarantine)"))
                        continue
                    }
                }
            }
            out.append(p)
        }
        return out
    }

    static func day(of record: JSONObject) -> String? {
        guard let text = record["Date"]?.stringValue else { return nil }
        if let d = XeroDate.parse(text) { return String(XeroDate.iso(d).prefix(10)) }
        return text.count >= 10 ? String(text.prefix(10)) : nil
    }

    static func nextDay(_ day: String) -> String {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        guard let d = f.date(from: day) else { return day }
        return f.string(from: d.addingTimeInterval(86_400))
    }

    /// Account codes and tax types are checked against the organisation before sending: a
    /// record naming one it does not have is set apart with a clear reason instead of a Xero 400.
    func checkReferenceData(_ pending: [Pending], _ outcome: inout TargetOutcome) throws -> [Pending] {
        let usesAccounts = pending.contains { !$0.unchanged && (!Self.accountCodes(in: $0.record).isEmpty || Self.bankCode(in: $0.record) != nil) }
        let usesTax = pending.contains { !$0.unchanged && !Self.taxTypes(in: $0.record).isEmpty }
        let usesTracking = pending.contains { !$0.unchanged && !Self.tracking(in: $0.record).isEmpty }
        guard usesAccounts || usesTax || usesTracking else { return pending }
        // Active tracking categories → their active options (lower-cased: Xero matches names
        // without regard to case).
        var trackingOptions: [String: Set<String>] = [:]
        if usesTracking {
            for c in try session.reference("TrackingCategories") where c["Status"]?.stringValue == "ACTIVE" {
                guard let name = c["Name"]?.stringValue else { continue }
                let options = (c["Options"]?.arrayValue ?? []).filter { $0["Status"]?.stringValue != "ARCHIVED" }.compactMap { $0["Name"]?.stringValue?.lowercased() }
                trackingOptions[name.lowercased()] = Set(options)
            }
        }
        let accounts = usesAccounts ? Dictionary(try session.reference("Accounts").compactMap { a in a["Code"]?.stringValue.map { ($0, a) } }, uniquingKeysWith: { a, _ in a }) : [:]
        let taxTypes = usesTax ? Set(try session.reference("TaxRates").compactMap { $0["TaxType"]?.stringValue }) : []
        var out: [Pending] = []
        for p in pending {
            if p.unchanged {
                out.append(p)
                continue
            }
            var problems: [String] = []
            if usesAccounts {
                for code in Self.accountCodes(in: p.record) {
                    guard let a = accounts[code] else {
                        problems.append("AccountCode '\(code)' is not an account of \(session.tenantName)")
                        continue
                    }
                    if a["Status"]?.stringValue == "ARCHIVED" { problems.append("AccountCode '\(code)' (\(a["Name"]?.stringValue ?? "")) is archived in \(session.tenantName)") }
                }
            }
            if usesAccounts, let code = Self.bankCode(in: p.record) {
                if let a = accounts[code] {
                    if a["Type"]?.stringValue != "BANK" { problems.append("'\(code)' is not a bank account of \(session.tenantName) (it is a \(a["Type"]?.stringValue ?? "?") account)") }
                    if a["Status"]?.stringValue == "ARCHIVED" { problems.append("the bank account '\(code)' is archived in \(session.tenantName)") }
                } else if !accounts.isEmpty {
                    problems.append("there is no bank account with Code '\(code)' in \(session.tenantName); create it in Xero (or with an Accounts target) first")
                }
            }
            if usesTracking {
                for (category, option) in Self.tracking(in: p.record) {
                    guard let options = trackingOptions[category.lowercased()] else {
                        problems.append("'\(category)' is not an active tracking category of \(session.tenantName)")
                        continue
                    }
                    if !options.contains(option.lowercased()) {
                        problems.append("'\(option)' is not an option of the tracking category '\(category)' in \(session.tenantName)")
                    }
                }
            }
            if usesTax {
                for t in Self.taxTypes(in: p.record) where !taxTypes.contains(t) {
                    problems.append("TaxType '\(t)' is not a tax rate of \(session.tenantName)")
                }
            }
            if problems.isEmpty { out.append(p) } else { outcome.rejected.append((p.key, .object(p.record), problems.joined(separator: "; "))) }
        }
        return out
    }

    static func accountCodes(in record: JSONObject) -> [String] {
        var out: [String] = []
        for line in (record["LineItems"]?.arrayValue ?? []) + (record["JournalLines"]?.arrayValue ?? []) {
            if let c = line["AccountCode"]?.stringValue { out.append(c) }
        }
        if let c = record["AccountCode"]?.stringValue { out.append(c) }
        return out
    }

    /// A tracking category's option names: `[{"Name": "Glebe"}, …]` or `["Glebe", …]`.
    static func optionNames(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap { $0.stringValue ?? $0["Name"]?.stringValue }
    }

    /// The bank account a transaction, transfer or payment names by code.
    static func bankCode(in record: JSONObject) -> String? {
        for field in ["BankAccount", "FromBankAccount", "ToBankAccount"] {
            if let o = record[field]?.objectValue, o["AccountID"] == nil, let code = o["Code"]?.stringValue { return code }
        }
        // A payment's Account is the bank (or clearing) account it is paid from: any type.
        return nil
    }

    /// The (category, option) pairs a document's lines are tracked by, named (not by id).
    static func tracking(in record: JSONObject) -> [(String, String)] {
        var out: [(String, String)] = []
        for line in (record["LineItems"]?.arrayValue ?? []) + (record["JournalLines"]?.arrayValue ?? []) {
            for t in line["Tracking"]?.arrayValue ?? [] {
                guard t["TrackingCategoryID"] == nil, t["TrackingOptionID"] == nil,
                      let name = t["Name"]?.stringValue, let option = t["Option"]?.stringValue else { continue }
                out.append((name, option))
            }
        }
        return out
    }

    static func taxTypes(in record: JSONObject) -> [String] {
        var out: [String] = []
        for line in (record["LineItems"]?.arrayValue ?? []) + (record["JournalLines"]?.arrayValue ?? []) {
            if let t = line["TaxType"]?.stringValue { out.append(t) }
        }
        return out
    }

    /// Records the state store does not know are looked up at Xero by their `match` values:
    /// one found is updated (its id adopted), none is created, several are set apart (Xero
    /// already holds duplicates; guessing would make it worse).
    func adoptExisting(_ pending: [Pending], _ outcome: inout TargetOutcome) throws -> [Pending] {
        guard let first = target.match.first, !first.contains(".") || target.match.count > 1 else { return pending }
        let unknown = pending.filter { $0.id == nil && !$0.identity.isEmpty }
        guard !unknown.isEmpty else { return pending }
        // The first plain field is the one Xero can search on.
        let field = target.match.first { !$0.contains(".") } ?? first
        let values = unknown.compactMap { $0.identity[field] }
        let client = session.client
        let endpoint = self.endpoint
        let found = try blocking { try await client.find(endpoint, by: field, values: values) }
        var out: [Pending] = []
        for var p in pending {
            if p.id == nil, let v = p.identity[field] {
                // Candidates must agree on every match value (a bill number is unique per supplier).
                let candidates = (found[v] ?? []).filter { candidate in
                    target.match.allSatisfy { path in
                        var value: JSONValue? = .object(candidate)
                        for part in path.split(separator: ".") { value = value?[String(part)] }
                        return value.map(CursorOrder.text)?.lowercased() == p.identity[path]?.lowercased()
                    }
                }
                if candidates.count > 1 {
                    outcome.rejected.append((p.key, .object(p.record), "\(candidates.count) \(endpoint) in \(session.tenantName) have \(target.match.map { "\($0) \(p.identity[$0] ?? "")" }.joined(separator: ", ")); resolve the duplicates in Xero first"))
                    continue
                }
                if let c = candidates.first, let id = c[idField]?.stringValue {
                    if !canUpdate {
                        // Already there, and not to be updated: remember it and move on.
                        outcome.report.unchanged += 1
                        outcome.written[p.key] = WrittenEntry(contentHash: p.hash, targetID: id, identity: p.identity, sourceHash: p.sourceHash)
                        continue
                    }
                    p.id = id
                }
            }
            out.append(p)
        }
        return out
    }

    /// Records about to be updated are checked against Xero's copy: a paid, voided or deleted
    /// document is never touched; one deleted (or archived) in Xero is skipped or created again
    /// (`on_deleted`); an authorised document mapped to DELETED is voided instead.
    func checkStatuses(_ pending: [Pending], _ outcome: inout TargetOutcome, context: TargetContext) throws -> [Pending] {
        let ids = pending.compactMap(\.id)
        guard !ids.isEmpty, endpoint != "Payments" else { return pending }
        let client = session.client
        let endpoint = self.endpoint
        let idField = self.idField
        let unique = Array(Set(ids))
        let current: [String: JSONObject] = try blocking {
            var out: [String: JSONObject] = [:]
            if endpoint == "Accounts" {
                var q = ListQuery()
                q.includeArchived = true
                for a in try await client.list(endpoint, q) { if let id = a[idField]?.stringValue { out[id] = a } }
            } else {
                for start in stride(from: 0, to: unique.count, by: XeroClient.idsPerRequest) {
                    var q = ListQuery()
                    q.ids = Array(unique[start..<min(start + XeroClient.idsPerRequest, unique.count)])
                    q.includeArchived = endpoint == "Contacts"
                    for r in try await client.list(endpoint, q) { if let id = r[idField]?.stringValue { out[id] = r } }
                }
            }
            return out
        }
        var out: [Pending] = []
        for var p in pending {
            guard let id = p.id else {
                out.append(p)
                continue
            }
            let copy = current[id]
            if Self.isGone(copy) {
                switch target.onDeleted {
                case .skip:
                    outcome.skipped += 1
                    outcome.written[p.key] = WrittenEntry(contentHash: p.hash, targetID: id, identity: p.identity, state: .deleted, sourceHash: p.sourceHash)
                    continue
                case .recreate:
                    if endpoint == "Accounts", copy != nil {
                        p.record["Status"] = .string("ACTIVE")  // an archived account is restored
                    } else {
                        p.id = nil
                    }
                    p.unchanged = false
                    outcome.notes.append("\(p.key): deleted in Xero, \(p.id == nil ? "created again" : "restored") (on_deleted: recreate)")
                }
            } else if p.unchanged {
                outcome.report.unchanged += 1
                outcome.written[p.key] = context.previous[p.key]
                continue
            } else if let status = copy?["Status"]?.stringValue {
                let wanted = p.record["Status"]?.stringValue
                if ["PAID", "VOIDED", "DELETED", "BILLED"].contains(status) {
                    outcome.skipped += 1
                    outcome.notes.append("\(p.key): \(status) in Xero, never changed by a pipeline")
                    outcome.written[p.key] = WrittenEntry(contentHash: p.hash, targetID: id, identity: p.identity, sourceHash: p.sourceHash)
                    continue
                }
                if status == "AUTHORISED", wanted == "DELETED" {
                    p.record["Status"] = .string("VOIDED")  // an authorised document is voided, not deleted
                } else if status == "AUTHORISED", wanted == "DRAFT" || wanted == "SUBMITTED" {
                    p.record["Status"] = nil  // Xero does not take an authorised document back to draft
                }
            }
            out.append(p)
        }
        return out
    }

    static func isGone(_ copy: JSONObject?) -> Bool {
        guard let copy else { return true }
        let status = copy["Status"]?.stringValue ?? copy["ContactStatus"]?.stringValue
        return status == "DELETED" || status == "ARCHIVED"
    }

    // MARK: - Sending

    func send(_ pending: [Pending], _ outcome: inout TargetOutcome, context: TargetContext) throws {
        let chunkSize = max(1, (target.batchSize ?? settings.batchSize) * 5)
        var killed = false
        for start in stride(from: 0, to: pending.count, by: chunkSize) {
            let chunk = Array(pending[start..<min(start + chunkSize, pending.count)])
            var entries: [String: WrittenEntry] = [:]
            let creates = chunk.filter { $0.id == nil }
            let updates = chunk.filter { $0.id != nil }
            for (group, isUpdate) in [(creates, false), (updates, true)] where !group.isEmpty {
                let results = try write(group, update: isUpdate)
                for (p, r) in zip(group, results) {
                    switch r.outcome {
                    case .accepted(let id):
                        if isUpdate { outcome.report.updated += 1 } else { outcome.report.created += 1 }
                        entries[p.key] = WrittenEntry(contentHash: p.hash, targetID: id ?? p.id, identity: p.identity,
                                                      xeroUpdated: r.record["UpdatedDateUTC"]?.stringValue, sourceHash: p.sourceHash)
                    case .rejected:
                        let message = r.errors.isEmpty ? "refused by Xero" : r.errors.joined(separator: "; ")
                        outcome.rejected.append((p.key, .object(p.record), message))
                    }
                }
            }
            if Self.killAfterPush == target.name && !killed {
                killed = true
                kill(getpid(), SIGKILL)
            }
            try context.save(entries)
            outcome.written.merge(entries) { _, new in new }
        }
    }

    /// One group of records to Xero: a collection PUT/POST, or one request per record for the
    /// objects Xero writes one at a time.
    func write(_ group: [Pending], update: Bool) throws -> [ElementResult] {
        let client = session.client
        let endpoint = self.endpoint
        let idField = self.idField
        let records: [JSONObject] = group.map { p in
            var r = p.record
            if let id = p.id { r[idField] = .string(id) }
            return r
        }
        if singleObjectWrites {
            return try blocking {
                var out: [ElementResult] = []
                for (i, full) in records.enumerated() {
                    var r = full
                    // A tracking category's options are added after it, through their endpoint.
                    let wantedOptions = endpoint == "TrackingCategories" ? Self.optionNames(full["Options"]) : []
                    if endpoint == "TrackingCategories" { r["Options"] = nil }
                    let path = update ? "\(endpoint)/\(r[idField]?.stringValue ?? "")" : endpoint
                    let body = Data(JSONWriter.write(.object(r)).utf8)
                    let key = XeroClient.idempotencyKey(tenant: client.tenantID, method: update ? "POST" : "PUT", path: path, body: body)
                    let response = try await client.send(method: update ? "POST" : "PUT", path: path, body: body, idempotencyKey: key)
                    let json = try? JSONParser.parse(bytes: Array(response.body))
                    if response.status == 200, var o = json?[endpoint]?.arrayValue?.first?.objectValue {
                        if !wantedOptions.isEmpty, let id = o[idField]?.stringValue {
                            let have = Set(Self.optionNames(o["Options"]).map { $0.lowercased() })
                            let missing = wantedOptions.filter { !have.contains($0.lowercased()) }
                            if !missing.isEmpty {
                                let optionsPath = "\(endpoint)/\(id)/Options"
                                let optionsBody = Data(JSONWriter.write(["Options": .array(missing.map { ["Name": .string($0)] })]).utf8)
                                let optionsKey = XeroClient.idempotencyKey(tenant: client.tenantID, method: "PUT", path: optionsPath, body: optionsBody)
                                let added = try await client.send(method: "PUT", path: optionsPath, body: optionsBody, idempotencyKey: optionsKey)
                                let answer = try? JSONParser.parse(bytes: Array(added.body))
                                guard added.status == 200 else {
                                    let errors = (answer?["Elements"]?.arrayValue?.first?["ValidationErrors"]?.arrayValue ?? []).compactMap { $0["Message"]?.stringValue }
                                    out.append(ElementResult(index: i, outcome: .rejected, record: full,
                                                             errors: errors.isEmpty ? ["options: HTTP \(added.status)"] : errors, warnings: []))
                                    continue
                                }
                                o["Options"] = .array((o["Options"]?.arrayValue ?? []) + (answer?["Options"]?.arrayValue ?? []))
                            }
                        }
                        out.append(ElementResult(index: i, outcome: .accepted(id: o[idField]?.stringValue), record: o, errors: [], warnings: []))
                    } else {
                        let errors = (json?["Elements"]?.arrayValue?.first?["ValidationErrors"]?.arrayValue ?? []).compactMap { $0["Message"]?.stringValue }
                        let message = errors.isEmpty ? (json?["Message"]?.stringValue ?? "HTTP \(response.status)") : errors.joined(separator: "; ")
                        out.append(ElementResult(index: i, outcome: .rejected, record: r, errors: [message], warnings: []))
                    }
                }
                return out
            }
        }
        return try blocking { try await client.write(endpoint, method: update ? .createOrUpdate : .create, records: records) }
    }
}
