import Foundation
import JSONModel
import Sandbox
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("Sandbox limits, idempotency and faults")
struct LimitsAndFaultsTests {
    @Test("60 calls a minute per tenant, with the remaining counts on every response; the 61st is a 429 with Retry-After")
    func minuteLimit() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        var remaining: [Int] = []
        for _ in 0..<60 {
            let r = try await h.call("GET", "/api.xro/2.0/Currencies", token: t)
            #expect(r.status == 200)
            remaining.append(Int(r.header("X-MinLimit-Remaining") ?? "") ?? -1)
            #expect(r.header("X-DayLimit-Remaining") != nil && r.header("X-AppMinLimit-Remaining") != nil)
        }
        #expect(remaining == Array((0..<60).reversed()))
        let refused = try await h.call("GET", "/api.xro/2.0/Currencies", token: t)
        #expect(refused.status == 429)
        #expect(refused.header("X-Rate-Limit-Problem") == "minute")
        let retry = try #require(Int(refused.header("Retry-After") ?? ""))
        #expect((1...60).contains(retry))
        h.running.clock.advance(by: 61)
        #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: t).status == 200)
        let stats = try await h.call("GET", "/_sandbox/stats")
        #expect(stats.json?["429.minute"] == 1)
    }

    @Test("the day limit parks a tenant with problem 'day'; the app limit spans tenants; --limits off only reports")
    func dayAndAppLimits() async throws {
        let h = try await Harness.start { o in
            o.limits.perDayPerTenant = 3
            o.limits.perMinutePerApp = 5
        }
        defer { Task { await h.stop() } }
        let tenants = try await h.tenants()
        let token = try #require(try await h.authorize()["access_token"]?.stringValue)
        let uk = tenants["Demo Company (UK)"]!, au = tenants["Demo Company (AU)"]!
        for _ in 0..<3 { #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: token, tenant: uk).status == 200) }
        let day = try await h.call("GET", "/api.xro/2.0/Currencies", token: token, tenant: uk)
        #expect(day.status == 429)
        #expect(day.header("X-Rate-Limit-Problem") == "day")
        #expect(Int(day.header("Retry-After") ?? "") ?? 0 > 80_000)
        #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: token, tenant: au).status == 200)
        #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: token, tenant: au).status == 200)
        let app = try await h.call("GET", "/api.xro/2.0/Currencies", token: token, tenant: au)
        #expect(app.status == 429)
        #expect(app.header("X-Rate-Limit-Problem") == "appminute")

        let off = try await Harness.start { o in
            o.enforceLimits = false
            o.limits.perMinutePerTenant = 2
        }
        defer { Task { await off.stop() } }
        let t = try await off.customToken()
        for _ in 0..<4 {
            let r = try await off.call("GET", "/api.xro/2.0/Currencies", token: t)
            #expect(r.status == 200)
            #expect(r.header("X-MinLimit-Remaining") != nil)
        }
    }

    @Test("at most 5 calls in flight per tenant")
    func concurrency() async throws {
        let h = try await Harness.start { $0.faults.latencySeconds = 0.4 }
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { try await h.call("GET", "/api.xro/2.0/Currencies", token: t).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 5)
        #expect(statuses.filter { $0 == 429 }.count == 3)
        let stats = try await h.call("GET", "/_sandbox/stats")
        #expect(stats.json?["429.concurrent"] == 3)
    }

    @Test("Idempotency-Key replays the first answer for 6 minutes, refuses a different body, then expires")
    func idempotency() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let body: JSONValue = ["Contacts": [["Name": "Once Only"]]]
        let first = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "k-1"], json: body, token: t)
        let second = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "k-1"], json: body, token: t)
        #expect(first.status == 200)
        #expect(second.body == first.body)
        let other = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "k-1"], json: ["Contacts": [["Name": "Someone Else"]]], token: t)
        #expect(other.status == 400)
        #expect(other.json?["Message"] == "Idempotency Key: k-1 is used with a different request.")
        // Errors are replayed too.
        let e1 = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "k-2"], json: body, token: t)
        #expect(e1.status == 400)
        let list = try await h.call("GET", "/api.xro/2.0/Contacts", token: t)
        #expect(list.json?["Contacts"]?.arrayValue?.count == 1)
        h.running.clock.advance(by: 361)
        let late = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "k-1"], json: ["Contacts": [["Name": "After Expiry"]]], token: t)
        #expect(late.status == 200)
        let long = try await h.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": String(repeating: "k", count: 129)], json: body, token: t)
        #expect(long.status == 400)
    }

    @Test("a 500 fault applies nothing; a dropped connection applies the call, and a retry with the same key replays it")
    func faults() async throws {
        let h = try await Harness.start { $0.faults = try! FaultPlan(parsing: "500=1") }
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let r = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Name": "Never"], token: t)
        #expect(r.status == 500)
        #expect(r.json?["Type"] == "UnknownErrorException")
        let held = try await h.call("GET", "/_sandbox/tenants/\(try await h.tenants()["Demo Company (UK)"]!)/Contacts")
        #expect(held.json?.arrayValue?.isEmpty == true)

        let d = try await Harness.start { $0.faults = try! FaultPlan(parsing: "drop=1") }
        defer { Task { await d.stop() } }
        let dt = try await d.customToken()
        await #expect(throws: (any Error).self) {
            _ = try await d.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "drop-1"], json: ["Name": "Applied"], token: dt)
        }
        let uk = try await d.tenants()["Demo Company (UK)"]!
        let after = try await d.call("GET", "/_sandbox/tenants/\(uk)/Contacts")
        #expect(after.json?.arrayValue?.count == 1)
        // The retry is dropped too (rate 1), but replayed, not applied again.
        _ = try? await d.call("PUT", "/api.xro/2.0/Contacts", headers: ["Idempotency-Key": "drop-1"], json: ["Name": "Applied"], token: dt)
        let still = try await d.call("GET", "/_sandbox/tenants/\(uk)/Contacts")
        #expect(still.json?.arrayValue?.count == 1)
        let stats = try await d.call("GET", "/_sandbox/stats")
        #expect(stats.json?["idempotent.replay"] == 1)
    }

    @Test("the same seed and fault spec give the same sequence of faults")
    func reproducibleFaults() async throws {
        func run() async throws -> [Int] {
            let h = try await Harness.start { o in
                o.faults = try! FaultPlan(parsing: "500=0.2,503=0.2,429=0.1:2")
                o.seed = 42
                o.enforceLimits = false
            }
            defer { Task { await h.stop() } }
            let t = try await h.customToken()
            var out: [Int] = []
            for _ in 0..<40 { out.append(try await h.call("GET", "/api.xro/2.0/Currencies", token: t).status) }
            return out
        }
        let a = try await run(), b = try await run()
        #expect(a == b)
        #expect(Set(a).isSuperset(of: [200, 500, 503, 429]))
    }

    @Test("fault specs are checked")
    func faultSpecs() throws {
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "500=2") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "boom=0.1") }
        #expect(throws: FaultPlan.ParseError.self) { try FaultPlan(parsing: "slow=0.1:fast") }
        let plan = try FaultPlan(parsing: "slow=0.5:250ms, latency=20ms, 429=0.1:4")
        #expect(plan.slowSeconds == 0.25 && plan.latencySeconds == 0.02 && plan.burstLength == 4)
    }
}
