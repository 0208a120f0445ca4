import Foundation
import JSONModel
import Logging
import XeroModel

/// Records of one kind for one tenant, in the order they were created, with case-insensitive
/// indexes on the fields records are looked up by (names, numbers, codes), so that a batch of
/// writes does not scan every record once per element.
struct RecordTable {
    private(set) var ids: [String] = []
    private(set) var rows: [String: JSONObject] = [:]
    private var index: [String: [String: [String]]] = [:]
    static let indexedFields = ["Name", "ContactNumber", "InvoiceNumber", "CreditNoteNumber", "PurchaseOrderNumber", "Code"]

    subscript(id: String) -> JSONObject? { rows[id] ?? rows[id.lowercased()] }

    mutating func put(_ id: String, _ row: JSONObject) {
        if let old = rows.updateValue(row, forKey: id) {
            for f in Self.indexedFields {
                if let v = old[f]?.stringValue?.lowercased() { index[f]?[v]?.removeAll { $0 == id } }
            }
        } else {
            ids.append(id)
        }
        for f in Self.indexedFields {
            if let v = row[f]?.stringValue?.lowercased() { index[f, default: [:]][v, default: []].append(id) }
        }
    }

    /// Records whose `field` (one of ``indexedFields``) equals `value`, ignoring case.
    func lookup(_ field: String, _ value: String) -> [JSONObject] {
        (index[field]?[value.lowercased()] ?? []).compactMap { rows[$0] }
    }

    var all: [JSONObject] { ids.compactMap { rows[$0] } }
    var count: Int { ids.count }
}

/// One organisation: its `Organisation` record and its records by kind (`Contacts`, …).
struct TenantState {
    var id: String
    var organisation: JSONObject
    var tables: [String: RecordTable] = [:]
    var name: String { organisation["Name"]?.stringValue ?? id }
}

/// The sandbox's state and logic, one actor so that every request sees and leaves consistent
/// data. HTTP-free: ``SandboxServer`` feeds it ``SandboxRequest``s.
public actor SandboxEngine {
    let options: SandboxOptions
    let clock: SandboxClock
    let store: SandboxStore
    let logger: Logger
    var rng: SeededGenerator
    var faultRNG: SeededGenerator

    var tenants: [String: TenantState] = [:]
    var tenantOrder: [String] = []
    /// Identity documents (`tokens`, `codes`, `connections`) by kind and id.
    var identity: [String: RecordTable] = [:]
    var idempotency: [String: IdempotentReply] = [:]
    var limiter: RateLimiter
    var pending: [SandboxStore.Change] = []
    /// Counters for `GET /_sandbox/stats`: calls by status, 429s by problem.
    var stats: [String: Int] = [:]
    /// 429s still to give per tenant in an injected burst.
    var burstLeft: [String: Int] = [:]
    /// Whether the call being performed comes through a connection marked as an adviser.
    var actingAsAdviser = false

    struct IdempotentReply {
        var fingerprint: String
        var reply: SandboxReply
        var at: Double
    }

    public init(options: SandboxOptions, clock: SandboxClock, logger: Logger = Logger(label: "xeroflow.sandbox")) throws {
        self.options = options
        self.clock = clock
        self.logger = logger
        self.store = try SandboxStore(path: options.dataPath)
        self.rng = SeededGenerator(seed: options.seed)
        self.faultRNG = SeededGenerator(seed: options.seed ^ 0xFA17_FA17)
        self.limiter = RateLimiter(limits: options.limits)
        for (key, body) in try store.loadAll() {
            if key.scope == "_identity" {
                identity[key.kind, default: RecordTable()].put(key.id, body)
            } else if key.kind == "Organisation" {
                if tenants[key.scope] == nil { tenantOrder.append(key.scope) }
                tenants[key.scope, default: TenantState(id: key.scope, organisation: body)].organisation = body
            } else {
                tenants[key.scope, default: TenantState(id: key.scope, organisation: [:])].tables[key.kind, default: RecordTable()].put(key.id, body)
            }
        }
    }

    /// Seeds the UK and AU demo organisations into an empty sandbox. Call once after `init`.
    public func prepare() throws {
        guard tenants.isEmpty else { return }
        _ = createTenantNow(DemoOrganisation.uk)
        _ = createTenantNow(DemoOrganisation.au)
        try store.apply(pending)
        pending = []
    }

    // MARK: persistence

    func newID() -> String { XeroWire.newID(using: &rng) }

    func save(_ tenant: String, _ kind: String, _ id: String, _ row: JSONObject) {
        tenants[tenant]?.tables[kind, default: RecordTable()].put(id, row)
        pending.append(.put(.init(scope: tenant, kind: kind, id: id), row))
    }

    func saveOrganisation(_ tenant: String, _ org: JSONObject) {
        tenants[tenant]?.organisation = org
        pending.append(.put(.init(scope: tenant, kind: "Organisation", id: tenant), org))
    }

    func saveIdentity(_ kind: String, _ id: String, _ row: JSONObject) {
        identity[kind, default: RecordTable()].put(id, row)
        pending.append(.put(.init(scope: "_identity", kind: kind, id: id), row))
    }

    /// Writes what a request changed, in one transaction.
    func flush() {
        guard !pending.isEmpty else { return }
        do {
            try store.apply(pending)
        } catch {
            logger.error("sandbox could not persist its data", metadata: ["error": "\(error)"])
        }
        pending = []
    }

    func table(_ tenant: String, _ kind: String) -> RecordTable {
        tenants[tenant]?.tables[kind] ?? RecordTable()
    }

    // MARK: tenants

    /// Creates an organisation with the demo chart of accounts; returns its tenant id.
    func createTenantNow(_ demo: DemoOrganisation) -> String {
        let id = newID()
        tenants[id] = TenantState(id: id, organisation: [:])
        tenantOrder.append(id)
        reseed(id, demo)
        return id
    }

    /// Gives a tenant a fresh Organisation record and the demo chart, tax rates, currencies,
    /// branding theme and tracking category.
    func reseed(_ id: String, _ demo: DemoOrganisation) {
        let now = XeroDate.wire(clock.nowDate)
        let org: JSONObject = [
            "OrganisationID": .string(id), "APIKey": .string(String(id.prefix(8)).uppercased()),
            "Name": .string(demo.name), "LegalName": .string(demo.name), "PaysTax": true,
            "Version": .string(demo.country == "AU" ? "AU" : "UK"), "OrganisationType": "COMPANY",
            "BaseCurrency": .string(demo.currency), "CountryCode": .string(demo.country),
            "IsDemoCompany": true, "OrganisationStatus": "ACTIVE",
            "FinancialYearEndDay": 31, "FinancialYearEndMonth": demo.country == "AU" ? 6 : 3,
            "SalesTaxBasis": .string(demo.country == "AU" ? "ACCRUALS" : "ACCRUAL"),
            "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Exclusive",
            "CreatedDateUTC": .string(now), "OrganisationEntityType": "COMPANY", "Timezone": .string(demo.timezone),
            "ShortCode": .string("!" + String(id.prefix(5))), "Edition": "BUSINESS", "Class": "PREMIUM",
        ]
        saveOrganisation(id, org)
        for a in demo.accounts {
            let accountID = newID()
            var row: JSONObject = [
                "AccountID": .string(accountID), "Code": .string(a.code), "Name": .string(a.name),
                "Status": "ACTIVE", "Type": .string(a.type), "TaxType": .string(a.taxType),
                "Class": .string(DemoOrganisation.accountClass(a.type)),
                "EnablePaymentsToAccount": false, "ShowInExpenseClaims": .bool(DemoOrganisation.accountClass(a.type) == "EXPENSE"),
                "ReportingCode": .string(DemoOrganisation.accountClass(a.type).prefix(3).uppercased()),
                "HasAttachments": false, "UpdatedDateUTC": .string(now), "AddToWatchlist": false,
            ]
            if a.type == "BANK" {
                row["BankAccountNumber"] = .string(demo.bankAccountNumber + (a.code == "091" ? "1" : ""))
                row["BankAccountType"] = a.code == "091" ? "BANK" : "BANK"
                row["CurrencyCode"] = .string(demo.currency)
            }
            if a.code == "610" { row["SystemAccount"] = "DEBTORS" }
            if a.code == "800" { row["SystemAccount"] = "CREDITORS" }
            if a.code == "820" { row["SystemAccount"] = "GST" }
            save(id, "Accounts", accountID, row)
        }
        for t in demo.taxRates {
            let rate = Decimal(string: t.rate)!
            let row: JSONObject = [
                "Name": .string(t.name), "TaxType": .string(t.type),
                "TaxComponents": [["Name": .string(demo.country == "AU" ? "GST" : "VAT"), "Rate": Money.json(rate), "IsCompound": false, "IsNonRecoverable": false]],
                "Status": "ACTIVE", "ReportTaxType": .string(t.revenue && !t.expenses ? "OUTPUT" : (t.expenses && !t.revenue ? "INPUT" : "NONE")),
                "CanApplyToAssets": .bool(t.expenses), "CanApplyToEquity": .bool(t.revenue && t.expenses),
                "CanApplyToExpenses": .bool(t.expenses), "CanApplyToLiabilities": .bool(t.revenue && t.expenses),
                "CanApplyToRevenue": .bool(t.revenue), "DisplayTaxRate": Money.json(rate), "EffectiveRate": Money.json(rate),
            ]
            save(id, "TaxRates", t.type, row)
        }
        for c in demo.currencies {
            save(id, "Currencies", c.code, ["Code": .string(c.code), "Description": .string(c.name)])
        }
        let themeID = newID()
        save(id, "BrandingThemes", themeID, [
            "BrandingThemeID": .string(themeID), "Name": "Standard", "Type": "INVOICE", "SortOrder": 0,
            "CreatedDateUTC": .string(now),
        ])
        let categoryID = newID()
        var options: [JSONValue] = []
        for name in demo.tracking.options {
            options.append(["TrackingOptionID": .string(newID()), "Name": .string(name), "Status": "ACTIVE", "TrackingCategoryID": .string(categoryID)])
        }
        save(id, "TrackingCategories", categoryID, [
            "TrackingCategoryID": .string(categoryID), "Name": .string(demo.tracking.name), "Status": "ACTIVE", "Options": .array(options),
        ])
    }

    /// The tenant with this id, or (case-insensitively) this name.
    func tenantID(named nameOrID: String) -> String? {
        if tenants[nameOrID] != nil { return nameOrID }
        if let id = tenants.keys.first(where: { $0.lowercased() == nameOrID.lowercased() }) { return id }
        return tenantOrder.first { tenants[$0]?.name.lowercased() == nameOrID.lowercased() }
    }

    // MARK: dispatch

    /// Answers one request completely: identity, admin and Accounting calls alike. Limits and
    /// faults apply to Accounting calls; ``SandboxServer`` uses ``admit(_:)`` and
    /// ``perform(_:_:)`` instead so that a slow answer does not hold the actor.
    public func handle(_ request: SandboxRequest) async -> SandboxReply {
        switch admit(request) {
        case .reply(let reply): return reply
        case .proceed(let ticket): return perform(ticket, request)
        }
    }

    /// What to do with a request after its admission checks.
    public enum Admission: Sendable {
        case reply(SandboxReply)
        case proceed(Ticket)
    }

    /// An admitted Accounting call: its tenant and the faults decided for it.
    public struct Ticket: Sendable {
        var tenant: String
        var token: JSONObject
        public var delaySeconds: Double
        var failWith: Int?
        var drop: Bool
        var headers: [(String, String)]
    }

    public func admit(_ request: SandboxRequest) -> Admission {
        let segments = request.segments
        let lower = segments.map { $0.lowercased() }
        count("requests")
        if lower.first == "_sandbox" {
            defer { flush() }
            return .reply(admin(request, Array(segments.dropFirst())))
        }
        if lower == ["connect", "token"] || lower == ["identity", "connect", "token"] {
            defer { flush() }
            return .reply(tokenEndpoint(request))
        }
        if lower == ["connect", "revocation"] || lower == ["identity", "connect", "revocation"] {
            defer { flush() }
            return .reply(revocationEndpoint(request))
        }
        if lower.starts(with: ["identity", "connect", "authorize"]) {
            defer { flush() }
            return .reply(authorizeEndpoint(request, approve: lower.count == 4 && lower[3] == "approve"))
        }
        if lower.first == "connections" {
            defer { flush() }
            return .reply(connectionsEndpoint(request, Array(segments.dropFirst())))
        }
        if lower.count >= 2, lower[0] == "api.xro", lower[1] == "2.0" {
            return admitAccounting(request)
        }
        if segments.isEmpty {
            return .reply(.json(200, [
                "name": "xeroflow sandbox", "tenants": .array(tenantOrder.map { .string(tenants[$0]!.name) }),
                "accounting": "/api.xro/2.0/", "token": "/connect/token", "authorize": "/identity/connect/authorize",
            ]))
        }
        return .reply(.notFound)
    }

    func count(_ key: String) { stats[key, default: 0] += 1 }
}
