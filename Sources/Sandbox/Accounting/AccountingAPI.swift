import Crypto
import Foundation
import JSONModel

/// `/api.xro/2.0/…`: authentication, tenant, limits and faults on the way in (``admit``), then
/// idempotency and the call itself (``perform``).
extension SandboxEngine {
    static let replayWindow = 360.0

    func admitAccounting(_ request: SandboxRequest) -> Admission {
        let token: JSONObject
        switch authenticate(request) {
        case .failed(let reply): return .reply(reply)
        case .ok(let t): token = t
        }
        var tenant: String
        if token["custom"] == true {
            // A custom connection's token is for one organisation; the header is optional.
            tenant = token["tenants"]?[0]?.stringValue ?? ""
            if let asked = request.header("xero-tenant-id"), asked.lowercased() != tenant.lowercased() {
                return .reply(.forbidden())
            }
        } else {
            guard let asked = request.header("xero-tenant-id")?.trimmingCharacters(in: .whitespaces), !asked.isEmpty,
                  let c = connections(for: token).first(where: { $0["tenantId"]?.stringValue?.lowercased() == asked.lowercased() }),
                  let t = c["tenantId"]?.stringValue
            else {
                return .reply(.forbidden())
            }
            tenant = t
        }
        guard tenants[tenant] != nil else { return .reply(.forbidden()) }
        // An injected 429 burst is decided first: like Xero's own 429s it is not counted.
        let plan = options.faults
        if !plan.isEmpty, burstLeft[tenant, default: 0] > 0 || faultRNG.chance(plan.burst429) {
            let left = burstLeft[tenant, default: 0]
            burstLeft[tenant] = left > 0 ? left - 1 : plan.burstLength - 1
            count("429.fault")
            let remaining = limiter.peek(tenant, now: clock.now)
            return .reply(tooMany("minute", sandboxSeconds: 1, headers: [
                ("X-DayLimit-Remaining", String(remaining.day)), ("X-MinLimit-Remaining", "0"), ("X-AppMinLimit-Remaining", String(remaining.app)),
            ]))
        }
        let decision = limiter.admit(tenant, now: clock.now, enforce: options.enforceLimits)
        let headers = [
            ("X-DayLimit-Remaining", String(decision.dayRemaining)),
            ("X-MinLimit-Remaining", String(decision.minuteRemaining)),
            ("X-AppMinLimit-Remaining", String(decision.appRemaining)),
        ]
        if let problem = decision.problem {
            count("429." + problem.rawValue)
            return .reply(tooMany(problem.rawValue, sandboxSeconds: decision.retryAfter, headers: headers))
        }
        // Faults, in a fixed order of draws so a seed reproduces a run.
        var ticket = Ticket(tenant: tenant, token: token, delaySeconds: plan.latencySeconds, failWith: nil, drop: false, headers: headers)
        if !plan.isEmpty {
            if faultRNG.chance(plan.error500) { ticket.failWith = 500 }
            else if faultRNG.chance(plan.error503) { ticket.failWith = 503 }
            if faultRNG.chance(plan.slow) { ticket.delaySeconds += plan.slowSeconds }
            if faultRNG.chance(plan.drop) { ticket.drop = true }
        }
        return .proceed(ticket)
    }

    func tooMany(_ problem: String, sandboxSeconds: Double, headers: [(String, String)]) -> SandboxReply {
        let real = max(1, Int(clock.realSeconds(sandboxSeconds).rounded(.up)))
        return .json(429, ["Title": "Too Many Requests", "Status": 429, "Detail": .string("Rate limit exceeded: \(problem)")],
                     headers: headers + [("X-Rate-Limit-Problem", problem), ("Retry-After", String(real))])
    }

    /// Runs an admitted call and gives its concurrency slot back.
    public func perform(_ ticket: Ticket, _ request: SandboxRequest) -> SandboxReply {
        defer {
            limiter.release(ticket.tenant)
            flush()
        }
        var reply: SandboxReply
        if let status = ticket.failWith {
            count("fault.\(status)")
            reply = status == 503
                ? .text(503, "Service Unavailable")
                : .apiError("UnknownErrorException", "An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.", number: 500, status: 500)
        } else {
            actingAsAdviser = connections(for: ticket.token).contains {
                $0["tenantId"]?.stringValue == ticket.tenant && $0["adviser"] == true
            }
            reply = idempotent(ticket, request)
            if ticket.drop { count("fault.drop"); reply.drop = true }
        }
        reply.headers += ticket.headers
        count("status.\(reply.status)")
        if request.method != "GET" { count("writes") }
        return reply
    }

    private func idempotent(_ ticket: Ticket, _ request: SandboxRequest) -> SandboxReply {
        guard request.method == "PUT" || request.method == "POST", let key = request.header("idempotency-key") else {
            return route(ticket.tenant, request)
        }
        if key.count > 128 {
            return .apiError("ValidationException", "Idempotency Key length must not exceed 128 characters.")
        }
        var hasher = SHA256()
        hasher.update(data: Data((request.method + " " + request.path.lowercased() + "?" + request.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")).utf8))
        hasher.update(data: Data(request.body))
        let fingerprint = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        let slot = ticket.tenant + "\u{0}" + key
        let now = clock.now
        idempotency = idempotency.filter { now - $0.value.at < Self.replayWindow }
        if let previous = idempotency[slot] {
            if previous.fingerprint == fingerprint {
                count("idempotent.replay")
                return previous.reply
            }
            return .apiError("ValidationException", "Idempotency Key: \(key) is used with a different request.")
        }
        let reply = route(ticket.tenant, request)
        if reply.status < 500 { idempotency[slot] = IdempotentReply(fingerprint: fingerprint, reply: reply, at: now) }
        return reply
    }

    private func route(_ tenant: String, _ request: SandboxRequest) -> SandboxReply {
        if request.targetLength > 2_048 { return .notFound }
        let segments = Array(request.segments.dropFirst(2))
        guard let first = segments.first else { return .notFound }
        if first.lowercased() == "organisation" || first.lowercased() == "organisations" {
            guard request.method == "GET", segments.count == 1 else { return .notFound }
            return envelope("Organisations", [tenants[tenant]!.organisation], request: request)
        }
        guard let collection = Collection.named(first) else { return .notFound }
        let rest = Array(segments.dropFirst())
        if collection.name == "TrackingCategories", request.method == "PUT", rest.count == 2, rest[1].lowercased() == "options" {
            return putTrackingOptions(tenant, rest[0], request)
        }
        switch request.method {
        case "GET":
            guard rest.count <= 1 else { return .notFound }
            return read(tenant, collection, request, id: rest.first)
        case "PUT", "POST":
            // PUT is on the collection only; sub-resources (attachments, history) are not emulated.
            guard rest.count <= (request.method == "PUT" ? 0 : 1), collection.canCreate || (request.method == "POST" && collection.canUpdate) else { return .notFound }
            if request.method == "PUT" && !collection.canCreate { return .notFound }
            return write(tenant, collection, request, pathID: rest.first)
        case "DELETE":
            guard collection.name == "Items", rest.count == 1, let item = find(tenant, collection, rest[0]) else { return .notFound }
            removeRecord(tenant, collection.name, item[collection.idField]!.stringValue!)
            return SandboxReply(status: 204)
        default:
            return .text(405, "Method not allowed")
        }
    }

    func removeRecord(_ tenant: String, _ kind: String, _ id: String) {
        guard var t = tenants[tenant] else { return }
        var table = RecordTable()
        for row in t.tables[kind]?.all ?? [] {
            let rid = Collection.named(kind).flatMap { row[$0.idField]?.stringValue } ?? ""
            if rid != id { table.put(rid, row) }
        }
        t.tables[kind] = table
        tenants[tenant] = t
        pending.append(.delete(.init(scope: tenant, kind: kind, id: id)))
    }

    /// A record by id (case-insensitive GUID) or, where the endpoint has one, by number.
    func find(_ tenant: String, _ collection: Collection, _ key: String) -> JSONObject? {
        let table = self.table(tenant, collection.name)
        if let row = table[key] { return row }
        let lower = key.lowercased()
        if collection.idField.hasSuffix("ID"), !XeroWire.isGUID(key) {
            // not an id: fall through to the number
        } else if let row = table.all.first(where: { $0[collection.idField]?.stringValue?.lowercased() == lower }) {
            return row
        }
        if let number = collection.numberField {
            return table.lookup(number, key).first { $0[number]?.stringValue == key && !Self.isGone($0, collection) }
        }
        return nil
    }

    static func isGone(_ row: JSONObject, _ collection: Collection) -> Bool {
        guard let f = collection.statusField, let s = row[f]?.stringValue else { return false }
        return s == "DELETED" || s == "VOIDED" || s == "ARCHIVED"
    }

    /// The standard response: `{Id, Status, ProviderName, DateTimeUTC, [pagination], Key: [...]}`.
    func envelope(_ key: String, _ records: [JSONObject], request: SandboxRequest, pagination: JSONValue? = nil, status: Int = 200) -> SandboxReply {
        var body: JSONObject = [
            "Id": .string(UUID().uuidString.lowercased()), "Status": "OK", "ProviderName": "xeroflow sandbox",
            "DateTimeUTC": .string("/Date(\(clock.nowMillis))/"),
        ]
        if let pagination { body["pagination"] = pagination }
        body[key] = .array(records.map { .object($0) })
        return .json(status, .object(body))
    }
}
