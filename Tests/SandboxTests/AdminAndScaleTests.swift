import Foundation
import JSONModel
import Sandbox
import Testing

@Suite("Sandbox admin surface, time scale and request limits")
struct AdminAndScaleTests {
    @Test("create a tenant, list and reset a tenant's records, read and advance the clock")
    func adminRoutes() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let created = try await h.call("POST", "/_sandbox/tenants", json: ["name": "Clinic Pty Ltd", "country": "AU"])
        #expect(created.status == 201)
        let id = try #require(created.json?["tenantId"]?.stringValue)
        #expect(created.json?["country"] == "AU")
        #expect(try await h.call("POST", "/_sandbox/tenants", json: ["name": "Clinic Pty Ltd"]).status == 409)
        #expect(try await h.tenants().count == 3)

        // A new connection can reach it, and its records can be listed and reset.
        let token = try #require(try await h.authorize(tenants: id)["access_token"]?.stringValue)
        let put = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Name": "Patient One"], token: token, tenant: id)
        #expect(put.status == 200)
        let listed = try await h.call("GET", "/_sandbox/tenants/\(id)/Contacts")
        #expect(listed.json?.arrayValue?.count == 1)
        let taxRates = try await h.call("GET", "/_sandbox/tenants/\(id)/TaxRates")
        #expect(taxRates.json?.arrayValue?.contains { $0["TaxType"] == "OUTPUT" } == true)
        #expect(try await h.call("POST", "/_sandbox/tenants/\(id)/reset").status == 200)
        #expect(try await h.call("GET", "/_sandbox/tenants/\(id)/Contacts").json?.arrayValue?.isEmpty == true)
        #expect(try await h.call("GET", "/_sandbox/tenants/\(id)/Accounts").json?.arrayValue?.isEmpty == false)
        #expect(try await h.call("GET", "/_sandbox/tenants/Nobody/Contacts").status == 404)

        let before = try #require(try await h.call("GET", "/_sandbox/clock").json?["nowMillis"]?.numberValue?.double)
        #expect(try await h.call("POST", "/_sandbox/clock", json: ["advance": 3600]).status == 200)
        let after = try #require(try await h.call("GET", "/_sandbox/clock").json?["nowMillis"]?.numberValue?.double)
        #expect(after - before >= 3_600_000)

        // Marking one connection as an adviser.
        let connections = try #require(try await h.call("GET", "/_sandbox/connections").json?.arrayValue)
        let cid = try #require(connections.first?["id"]?.stringValue)
        let marked = try await h.call("POST", "/_sandbox/connections/\(cid)/adviser", json: ["adviser": true])
        #expect(marked.json?["adviser"] == true)
    }

    @Test("with --time-scale 20 a sandbox minute lasts 3 real seconds, and Retry-After is in real seconds")
    func timeScale() async throws {
        let h = try await Harness.start { $0.timeScale = 20 }
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        var refused: Harness.Reply?
        for _ in 0..<200 {
            let r = try await h.call("GET", "/api.xro/2.0/Currencies", token: t)
            if r.status == 429 { refused = r; break }
        }
        let r = try #require(refused)
        #expect(r.header("X-Rate-Limit-Problem") == "minute")
        let retry = try #require(Int(r.header("Retry-After") ?? ""))
        #expect((1...3).contains(retry))
        try await Task.sleep(nanoseconds: UInt64(retry) * 1_000_000_000 + 100_000_000)
        #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: t).status == 200)
    }

    @Test("a slow fault holds the answer back; a request over the size limit is a 413 with Xero's body")
    func slowAndLarge() async throws {
        let h = try await Harness.start { o in
            o.faults = try! FaultPlan(parsing: "slow=1:300ms")
            o.maxBodyBytes = 10_000
        }
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        let start = Date()
        #expect(try await h.call("GET", "/api.xro/2.0/Currencies", token: t).status == 200)
        #expect(Date().timeIntervalSince(start) >= 0.3)
        let big = try await h.call("PUT", "/api.xro/2.0/Contacts", json: ["Name": .string(String(repeating: "x", count: 20_000))], token: t)
        #expect(big.status == 413)
        #expect(big.json?["Detail"] == "PayloadTooLarge")
    }

    @Test("ContactIDs filters invoices by contact")
    func contactIDs() async throws {
        let h = try await Harness.start()
        defer { Task { await h.stop() } }
        let t = try await h.customToken()
        for name in ["A Co", "B Co", "A Co"] {
            _ = try await h.call("PUT", "/api.xro/2.0/Invoices", json: ["Type": "ACCREC", "Contact": ["Name": .string(name)],
                "LineItems": [["Description": "x", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"]]], token: t)
        }
        let a = try await h.call("GET", "/api.xro/2.0/Contacts", query: ["where": "Name==\"A Co\""], token: t)
        let id = try #require(a.json?["Contacts"]?[0]?["ContactID"]?.stringValue)
        let invoices = try await h.call("GET", "/api.xro/2.0/Invoices", query: ["ContactIDs": id], token: t)
        #expect(invoices.json?["Invoices"]?.arrayValue?.count == 2)
        #expect(a.json?["Contacts"]?[0]?["IsCustomer"] == true)
    }
}
