import Foundation
import JSONModel

/// `/_sandbox/…`: looking inside and arranging things, for tests and people. Not part of Xero's
/// API and never authenticated; the sandbox listens on loopback by default.
///
/// - `GET /_sandbox/tenants`, `POST /_sandbox/tenants {"name", "country": "GB"|"AU"}`
/// - `GET /_sandbox/tenants/{tenant}/{Collection}` (every record, line items included)
/// - `POST /_sandbox/tenants/{tenant}/reset` (back to the demo chart, same tenant id)
/// - `POST /_sandbox/tenants/{tenant}/lock-dates {"PeriodLockDate": "2026-03-31", "EndOfYearLockDate": null}`
/// - `POST /_sandbox/tenants/{tenant}/adviser {"adviser": true}` (every connection to it)
/// - `POST /_sandbox/tenants/{tenant}/{Collection}/{id} {"Status": "DELETED"}`: sets fields of a
///   record as a person would in Xero's web app (deleting a transaction, archiving an account),
///   with no rule checked; answers the record
/// - `GET /_sandbox/connections`, `POST /_sandbox/connections/{id}/adviser {"adviser": true}`
/// - `GET /_sandbox/clock`, `POST /_sandbox/clock {"advance": SECONDS}`
/// - `GET /_sandbox/stats` (calls, statuses, 429s by problem, faults, replays)
///
/// `{tenant}` is a tenant id or an organisation name.
extension SandboxEngine {
    func admin(_ request: SandboxRequest, _ path: [String]) -> SandboxReply {
        let body: JSONObject = (try? JSONParser.parse(bytes: request.body))?.objectValue ?? [:]
        let lower = path.map { $0.lowercased() }
        switch (request.method, lower.first, lower.count) {
        case ("GET", "tenants", 1):
            return .json(200, .array(tenantOrder.map { tenantSummary($0) }))
        case ("POST", "tenants", 1):
            guard let name = body["name"]?.stringValue, !name.isEmpty else { return .json(400, ["error": "name is required"]) }
            if tenantID(named: name) != nil { return .json(409, ["error": .string("an organisation named '\(name)' exists")]) }
            let id = createTenantNow(.named(name, country: body["country"]?.stringValue ?? "GB"))
            return .json(201, tenantSummary(id))
        case ("POST", "tenants", 4):
            guard let tenant = tenantID(named: path[1]) else { return .json(404, ["error": .string("no organisation '\(path[1])'")]) }
            guard let collection = Collection.named(lower[2]) else { return .json(404, ["error": .string("unknown collection '\(path[2])'")]) }
            guard var row = table(tenant, collection.name)[path[3]], let id = row[collection.idField]?.stringValue else {
                return .json(404, ["error": .string("no \(collection.object) '\(path[3])'")])
            }
            for (k, v) in body { row[k] = v }
            row["UpdatedDateUTC"] = JSONValue.string(nowWire)
            save(tenant, collection.name, id, row)
            return .json(200, .object(row))
        case (_, "tenants", 3...):
            guard let tenant = tenantID(named: path[1]) else { return .json(404, ["error": .string("no organisation '\(path[1])'")]) }
            return adminTenant(request, tenant, lower[2], body)
        case ("GET", "connections", 1):
            return .json(200, .array((identity["connections"]?.all ?? []).map { .object($0) }))
        case ("POST", "connections", 3) where lower[2] == "adviser":
            guard var c = identity["connections"]?.all.first(where: { $0["id"]?.stringValue?.lowercased() == lower[1] }) else {
                return .json(404, ["error": "no such connection"])
            }
            c["adviser"] = .bool(body["adviser"]?.boolValue ?? true)
            saveIdentity("connections", c["id"]!.stringValue!, c)
            return .json(200, .object(c))
        case ("GET", "clock", 1):
            return .json(200, ["now": .string(XeroWire.isoUTC(clock.now)), "nowMillis": .number(JSONNumber(Int(clock.nowMillis))), "scale": .number(JSONNumber(clock.scale))])
        case ("POST", "clock", 1):
            guard let seconds = body["advance"]?.numberValue?.double, seconds >= 0, seconds <= 10 * 366 * 86_400 else {
                return .json(400, ["error": "advance (seconds, between 0 and ten years) is required"])
            }
            clock.advance(by: seconds)
            return .json(200, ["now": .string(XeroWire.isoUTC(clock.now))])
        case ("GET", "stats", 1):
            var o = JSONObject()
            for (k, v) in stats.sorted(by: { $0.key < $1.key }) { o[k] = .number(JSONNumber(v)) }
            return .json(200, .object(o))
        default:
            return .json(404, ["error": .string("unknown admin route \(request.method) /_sandbox/\(path.joined(separator: "/"))")])
        }
    }

    func tenantSummary(_ id: String) -> JSONValue {
        let org = tenants[id]!.organisation
        return ["tenantId": .string(id), "name": org["Name"] ?? .null, "country": org["CountryCode"] ?? .null,
                "PeriodLockDate": org["PeriodLockDate"] ?? .null, "EndOfYearLockDate": org["EndOfYearLockDate"] ?? .null]
    }

    private func adminTenant(_ request: SandboxRequest, _ tenant: String, _ action: String, _ body: JSONObject) -> SandboxReply {
        switch (request.method, action) {
        case ("POST", "reset"):
            let org = tenants[tenant]!.organisation
            for kind in Array(tenants[tenant]!.tables.keys) {
                for id in tenants[tenant]!.tables[kind]!.ids { pending.append(.delete(.init(scope: tenant, kind: kind, id: id))) }
            }
            tenants[tenant]!.tables = [:]
            reseed(tenant, .named(org["Name"]?.stringValue ?? "Demo", country: org["CountryCode"]?.stringValue == "AU" ? "AU" : "GB"))
            idempotency = idempotency.filter { !$0.key.hasPrefix(tenant + "\u{0}") }
            limiter.reset(tenant)
            return .json(200, tenantSummary(tenant))
        case ("POST", "lock-dates"):
            var org = tenants[tenant]!.organisation
            for field in ["PeriodLockDate", "EndOfYearLockDate"] where body.contains(field) {
                if let text = body[field]?.stringValue {
                    guard let ms = XeroWire.millis(text), (-2_208_988_800_000...7_258_118_400_000).contains(ms) else {
                        return .json(400, ["error": .string("\(field): '\(text)' is not a date between 1900 and 2200")])
                    }
                    org[field] = .string("/Date(\(ms)+0000)/")
                } else {
                    org[field] = nil
                }
            }
            saveOrganisation(tenant, org)
            return .json(200, tenantSummary(tenant))
        case ("POST", "adviser"):
            let flag = body["adviser"]?.boolValue ?? true
            for var c in identity["connections"]?.all ?? [] where c["tenantId"]?.stringValue == tenant {
                c["adviser"] = .bool(flag)
                saveIdentity("connections", c["id"]!.stringValue!, c)
            }
            return .json(200, ["tenantId": .string(tenant), "adviser": .bool(flag)])
        case ("GET", _):
            if action == "organisation" { return .json(200, .object(tenants[tenant]!.organisation)) }
            guard let collection = Collection.named(action) else { return .json(404, ["error": .string("unknown collection '\(action)'")]) }
            return .json(200, .array(table(tenant, collection.name).all.map { .object($0) }))
        default:
            return .json(404, ["error": "unknown admin route"])
        }
    }
}
