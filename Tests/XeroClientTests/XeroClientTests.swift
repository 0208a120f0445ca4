import Foundation
import JSONModel
import Sandbox
import State
import Testing
import XeroClient

@Suite("Xero client against the sandbox", .serialized)
struct XeroClientTests {
    static func contact(_ i: Int) -> JSONObject { ["Name": .string("Burst Contact \(i)"), "ContactNumber": .string("B-\(i)")] }

    static func invoice(_ i: Int) -> JSONObject {
        ["Type": "ACCREC", "InvoiceNumber": .string("F-\(i)"), "Contact": ["Name": .string("Fault Co \(i % 7)")], "Date": "2026-11-02",
         "Status": "AUTHORISED", "LineItems": [["Description": "Work", "Quantity": 1, "UnitAmount": .number(JSONNumber(literal: "\(10 + i % 50).25")!), "AccountCode": "200"]]]
    }

    @Test("a burst of 2,000 contacts in batches of 10 (200 calls) finishes with zero 429s, each contact created once")
    func burstWithoutThrottling() async throws {
        var options = ClientRig.fastRetries
        options.batchSize = 10
        let rig = try await ClientRig.start({ $0.timeScale = 120 }, clientOptions: options)
        let results = try await rig.client.write("Contacts", method: .create, records: (0..<2_000).map(Self.contact))
        #expect(results.count == 2_000)
        #expect(results.allSatisfy { if case .accepted(let id) = $0.outcome { return id != nil } else { return false } })
        #expect(results.map(\.index) == Array(0..<2_000))
        let held = try await rig.held("Contacts")
        #expect(held.count == 2_000)
        #expect(Set(held.compactMap { $0["ContactNumber"]?.stringValue }).count == 2_000)
        let stats = try await rig.stats()
        let throttled = (stats.objectValue ?? [:]).filter { $0.key.hasPrefix("429") }
        #expect(throttled.isEmpty, "the sandbox answered 429s: \(throttled)")
        #expect(await rig.client.pacer.calls >= 200)
        #expect(await rig.client.pacer.tooManyRequests == 0)
        await rig.stop()
    }

    @Test("with 10 % injected faults (500, 503, dropped answers, slow answers) nothing is lost or pushed twice")
    func faultsLoseAndDuplicateNothing() async throws {
        let rig = try await ClientRig.start { o in
            o.faults = try! FaultPlan(parsing: "500=0.03,503=0.03,drop=0.03,slow=0.01:50ms")
            o.seed = 20261123
            o.timeScale = 60
        }
        var options = ClientRig.fastRetries
        options.batchSize = 5
        let client = XeroClient(endpoints: rig.client.endpoints, tenantID: nil, tokens: rig.tokens, transport: rig.client.transport,
                                pacer: rig.client.pacer, options: options)
        let results = try await client.write("Invoices", method: .createOrUpdate, records: (0..<300).map(Self.invoice))
        let rejected = results.filter { $0.outcome == .rejected }
        #expect(rejected.isEmpty, "\(rejected.prefix(3).map(\.errors))")
        let held = try await rig.held("Invoices")
        let numbers = held.compactMap { $0["InvoiceNumber"]?.stringValue }
        #expect(numbers.count == 300)
        #expect(Set(numbers).count == 300)
        let stats = try await rig.stats()
        #expect((stats["fault.drop"]?.numberValue?.intValue ?? 0) > 0, "the seed injected no dropped answers: \(stats)")
        #expect((stats["fault.500"]?.numberValue?.intValue ?? 0) + (stats["fault.503"]?.numberValue?.intValue ?? 0) > 0)
        #expect((stats["idempotent.replay"]?.numberValue?.intValue ?? 0) > 0)
        await rig.stop()
    }

    @Test("a 429 burst pauses the tenant for Retry-After and the call then succeeds")
    func waitsOutA429() async throws {
        let rig = try await ClientRig.start { o in
            o.faults = try! FaultPlan(parsing: "429=0.5:2")
            o.seed = 7
            o.timeScale = 60
        }
        for _ in 0..<6 {
            let r = try await rig.client.send(method: "GET", path: "Currencies")
            #expect(r.status == 200)
        }
        #expect(await rig.client.pacer.tooManyRequests >= 1)
        let stats = try await rig.stats()
        #expect((stats["429.fault"]?.numberValue?.intValue ?? 0) >= 1)
        await rig.stop()
    }

    @Test("a 'day' 429 parks the tenant with a clear error instead of retrying")
    func dayLimitParks() async throws {
        let rig = try await ClientRig.start { $0.limits.perDayPerTenant = 3 }
        for _ in 0..<2 { _ = try await rig.client.list("Currencies") }
        await #expect(throws: XeroError.self) {
            _ = try await rig.client.list("Currencies")
            _ = try await rig.client.list("Currencies")
        }
        do {
            _ = try await rig.client.list("Currencies")
            Issue.record("expected the tenant to be parked")
        } catch let e as XeroError {
            #expect(e.description.contains("daily call limit"))
            #expect(e.description.contains("parked"))
        }
        let stats = try await rig.stats()
        #expect(stats["429.day"]?.numberValue?.intValue ?? 0 <= 2)
        await rig.stop()
    }

    @Test("reads: every page, IDs chunked under Xero's URL limit, lookups by number, name and invoice number")
    func readsAndLookups() async throws {
        let rig = try await ClientRig.start()
        let created = try await rig.client.write("Contacts", method: .create, records: (0..<260).map(Self.contact))
        let ids = created.compactMap { if case .accepted(let id) = $0.outcome { return id } else { return nil } }
        #expect(ids.count == 260)
        let all = try await rig.client.list("Contacts", pageSize: 100)
        #expect(all.count == 260)
        var q = ListQuery()
        q.ids = Array(ids.prefix(120))
        let some = try await rig.client.list("Contacts", q)
        #expect(some.count == 120)
        let byNumber = try await rig.client.find("Contacts", by: "ContactNumber", values: ["B-3", "B-250", "B-999", "B-17"])
        #expect(Set(byNumber.keys) == ["B-3", "B-250", "B-17"])
        let byName = try await rig.client.find("Contacts", by: "Name", values: ["burst contact 5"])
        #expect(byName["burst contact 5"]?.first?["ContactNumber"] == "B-5")
        _ = try await rig.client.write("Invoices", method: .create, records: [Self.invoice(1), Self.invoice(2)])
        let invoices = try await rig.client.find("Invoices", by: "InvoiceNumber", values: ["F-1", "F-2", "F-3"], type: "ACCREC")
        #expect(Set(invoices.keys) == ["F-1", "F-2"])
        let byID = try await rig.client.find("Contacts", by: "ContactID", values: [ids[0]])
        #expect(byID[ids[0]]?.count == 1)
        await rig.stop()
    }

    @Test("per-element results: accepted with ids, rejected with Xero's messages, in the order given")
    func elementResults() async throws {
        let rig = try await ClientRig.start()
        let results = try await rig.client.write("Contacts", method: .create, records: [["Name": "Fine"], ["Name": "fine"], ["Name": "Also Fine"]])
        #expect(results.map { $0.outcome == .rejected } == [false, true, false])
        #expect(results[1].errors.first?.contains("must be unique across all active contacts") == true)
        #expect(results[0].action == .created)
        guard case .accepted(let id?) = results[0].outcome else { Issue.record("no id"); return }
        let update = try await rig.client.write("Contacts", method: .createOrUpdate, records: [["ContactID": .string(id), "EmailAddress": "fine@example.com"]])
        #expect(update[0].action == .updated)
        #expect(update[0].record["Name"] == "Fine")
        // The same content twice gives the same idempotency key, so a retry is replayed.
        let a = XeroClient.idempotencyKey(tenant: "t", method: "PUT", path: "Contacts", body: Data("x".utf8))
        #expect(a == XeroClient.idempotencyKey(tenant: "t", method: "PUT", path: "Contacts", body: Data("x".utf8)))
        #expect(a != XeroClient.idempotencyKey(tenant: "t", method: "PUT", path: "Contacts", body: Data("y".utf8)))
        #expect(a.count <= 128)
        await rig.stop()
    }

    @Test("tokens are refreshed when refused, saved encrypted, and an invalid_grant asks the user to connect again")
    func tokens() async throws {
        let rig = try await ClientRig.start(customConnection: false)
        let before = try rig.store.secrets("test", box: rig.box).tokens
        // The sandbox's clock jumps past the token's life; ours does not know: the 401 triggers a refresh.
        rig.sandbox.clock.advance(by: 1_900)
        _ = try await rig.client.list("Currencies")
        let after = try rig.store.secrets("test", box: rig.box).tokens
        #expect(after.refreshToken != before.refreshToken)
        #expect(after.accessToken != before.accessToken)
        // At rest the database holds no token in clear.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: rig.store.path))
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: rig.store.path + "-wal"))) ?? Data()
        for secret in [after.accessToken, after.refreshToken!] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil && wal.range(of: Data(secret.utf8)) == nil)
        }
        // Revoked at Xero: the next refresh fails with a message naming the connection.
        _ = try await URLSessionTransport().send(HTTPRequestSpec(method: "POST", url: rig.sandbox.url.appendingPathComponent("connect/revocation"),
                                                                 headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                                                 body: Data("token=\(after.refreshToken!)".utf8)))
        rig.sandbox.clock.advance(by: 1_900)
        do {
            _ = try await rig.client.list("Currencies")
            Issue.record("expected a reconnect error")
        } catch let e as XeroError {
            #expect(e.description.contains("run `xeroflow connect --name test`"))
            #expect(!e.description.contains(after.refreshToken!))
        }
        await rig.stop()
    }

    @Test("a wrong secret key cannot read stored tokens, and says what to do")
    func wrongKey() async throws {
        let rig = try await ClientRig.start()
        let other = SecretBox(key: .init(size: .bits256))
        #expect(throws: SecretBox.KeyError.self) { _ = try rig.store.secrets("test", box: other) }
        await rig.stop()
    }

    @Test("two clients refreshing the same connection at once refresh it once (the store's lock), and both go on working")
    func oneRefreshAtATime() async throws {
        let rig = try await ClientRig.start(customConnection: false)
        let transport = URLSessionTransport()
        func source() -> RefreshingTokenSource {
            RefreshingTokenSource(connection: "test", oauth: OAuthClient(endpoints: .base(rig.sandbox.url), clientID: "sandbox", clientSecret: nil, transport: transport),
                                  vault: StoredTokenVault(store: rig.store, name: "test", box: rig.box))
        }
        let a = source(), b = source()
        _ = try await a.accessToken()
        _ = try await b.accessToken()
        rig.sandbox.clock.advance(by: 1_900)
        await a.invalidate()
        await b.invalidate()
        async let ta = a.accessToken()
        async let tb = b.accessToken()
        let (x, y) = try await (ta, tb)
        #expect(x == y)
        let stats = try await rig.stats()
        #expect(stats["token.refresh_token"] == 1)
        await rig.stop()
    }

    @Test("Xero's /Date(…)/ values decode to ISO dates and instants, at any depth; other text is left alone")
    func dates() async throws {
        let rig = try await ClientRig.start()
        _ = try await rig.client.write("Invoices", method: .create, records: [Self.invoice(5)])
        let raw = try #require(try await rig.client.list("Invoices").first)
        #expect(raw["Date"]?.stringValue?.hasPrefix("/Date(") == true)
        let decoded = XeroClient.decodingDates(.object(raw))
        #expect(decoded["Date"] == "2026-11-02")
        #expect(decoded["UpdatedDateUTC"]?.stringValue?.hasSuffix("Z") == true)
        #expect(XeroClient.decodingDates(["x": ["/Date(1419937200000+0000)/", "/Date(oops)/", "plain"]]) ==
                ["x": ["2014-12-30T11:00:00Z", "/Date(oops)/", "plain"]])
        await rig.stop()
    }
}
