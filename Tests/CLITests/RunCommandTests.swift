import Foundation
import GRDB
import Testing

/// `xeroflow run`, `plan`, `graph`, `runs`, `failures` as real processes on files and SQLite.
@Suite("xeroflow run (process)", .serialized)
struct RunCommandTests {
    static let pipeline = """
        version: 1
        name: shop
        xero: { connection: sandbox }
        sources:
          items: { csv: data/items.csv, key: [order_id, line], cursor: updated_at }
          customers: { jsonl: data/customers.jsonl, key: id }
          rates: { sqlite: data/ref.db, query: "SELECT code, rate, changed FROM rates WHERE :cursor IS NULL OR changed > :cursor", key: code, cursor: changed }
        lookups:
          accounts: { food: "200", books: "260" }
        steps:
          invoices:
            from: items
            join: { with: customers, on: customer, equals: id, as: customer }
            group: { by: order_id, into: lines }
            map:
              InvoiceNumber: order_id
              Customer: customer.name
              Account: $lookup($accounts, lines[0].kind)
              Total: '$sum(lines.($number(qty) * $number(price)))'
          rate_rows:
            from: rates
            map: { Code: code, Rate: rate }
        targets:
          invoices_file: { from: invoices, file: out/invoices.jsonl, key: InvoiceNumber }
          invoices_csv: { from: invoices, file: out/invoices.csv, key: InvoiceNumber }
          invoices_db: { from: invoices, sqlite: out/shop.db, table: invoices, key: InvoiceNumber, after: [invoices_file] }
          rates_db: { from: rate_rows, sqlite: out/shop.db, table: rates, key: Code }
        """

    static func setUp() throws -> URL {
        let dir = try Xeroflow.temporaryDirectory()
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try pipeline.write(to: dir.appendingPathComponent("shop.yaml"), atomically: true, encoding: .utf8)
        try """
            order_id,line,customer,kind,qty,price,updated_at
            A1,1,c1,food,2,0.10,2026-11-01T00:00:00Z
            A1,2,c1,food,1,0.20,2026-11-01T00:00:00Z
            B2,1,c2,books,3,5.00,2026-11-02T00:00:00Z

            """.write(to: data.appendingPathComponent("items.csv"), atomically: true, encoding: .utf8)
        try """
            {"id": "c1", "name": "Ada Lovelace"}
            {"id": "c2", "name": "Grace Hopper, Ltd"}

            """.write(to: data.appendingPathComponent("customers.jsonl"), atomically: true, encoding: .utf8)
        let db = try DatabaseQueue(path: data.appendingPathComponent("ref.db").path)
        try db.write { db in
            try db.execute(sql: "CREATE TABLE rates (code TEXT, rate TEXT, changed INTEGER)")
            try db.execute(sql: "INSERT INTO rates VALUES ('GST', '10.00', 1), ('VAT', '20.00', 2)")
        }
        return dir
    }

    static func lines(_ url: URL) -> [String] {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test("a run reads CSV, JSON Lines and SQLite, joins, groups, looks up, and writes JSON Lines, CSV and SQLite; re-runs are incremental")
    func runAndRerun() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("invoices_file: 2 in, 2 created, 0 updated, 0 unchanged"))
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")) == [
            #"{"InvoiceNumber":"A1","Customer":"Ada Lovelace","Account":"200","Total":0.4}"#,
            #"{"InvoiceNumber":"B2","Customer":"Grace Hopper, Ltd","Account":"260","Total":15}"#,
        ])
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.csv")) == [
            "InvoiceNumber,Customer,Account,Total", "A1,Ada Lovelace,200,0.4", "B2,\"Grace Hopper, Ltd\",260,15",
        ])
        let db = try DatabaseQueue(path: dir.appendingPathComponent("out/shop.db").path)
        let rates = try db.read { try String.fetchAll($0, sql: "SELECT Code || '=' || Rate FROM rates ORDER BY Code") }
        #expect(rates == ["GST=10.00", "VAT=20.00"])

        // Nothing new: nothing read, nothing written.
        let second = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(second.stdout.contains("items: 0 in"))
        #expect(second.stdout.contains("rates: 0 in"))

        // A new line of B2: the plan says one update, the run regroups B2 with all its lines.
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "B2,2,c2,books,1,1.50,2026-11-03T00:00:00Z\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let plan = try Xeroflow.run(["plan", "shop.yaml"], in: dir)
        #expect(plan.stdout.contains("invoices_file: 0 to create, 1 to update, 0 unchanged"))
        let third = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(third.status == 0)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).last == #"{"InvoiceNumber":"B2","Customer":"Grace Hopper, Ltd","Account":"260","Total":16.5}"#)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let full = try Xeroflow.run(["run", "shop.yaml", "--full-refresh"], in: dir)
        #expect(full.stdout.contains("invoices_file: 2 in, 0 created, 0 updated, 2 unchanged"))

        let runs = try Xeroflow.run(["runs", "shop"], in: dir)
        #expect(runs.stdout.split(separator: "\n").count == 4)
        #expect(runs.stdout.contains("succeeded"))
        let graph = try Xeroflow.run(["graph", "shop.yaml", "--format", "dot"], in: dir)
        #expect(graph.stdout.contains("\"invoices_file\" -> \"invoices_db\" [style=dashed];"))
    }

    @Test("killed with SIGKILL after writing a target and before remembering it, a re-run writes each record exactly once")
    func killedMidRun() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let killed = try Xeroflow.run(["run", "shop.yaml"], in: dir, environment: ["XEROFLOW_FAULT_KILL_AFTER_TARGET": "invoices_file"])
        #expect(killed.status == SIGKILL)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let again = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        // The cursor had not advanced: the same records came again, and keyed writes kept one of each.
        #expect(again.stdout.contains("invoices_file: 2 in, 0 created, 0 updated, 2 unchanged"))
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let runs = try Xeroflow.run(["runs", "shop"], in: dir)
        #expect(runs.stdout.contains("interrupted"))
    }

    @Test("a record that fails an expression is set apart with its YAML place; the run exits 1; `failures` lists it")
    func setApart() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "C3,1,c1,food,two,1.00,2026-11-04T00:00:00Z\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("set apart: shop.yaml:"))
        let failures = try Xeroflow.run(["failures", "shop"], in: dir)
        #expect(failures.stdout.contains("invoices (map.Total)"))
        #expect(failures.stdout.contains("1 record set apart"))
        #expect(!failures.stdout.contains("Ada Lovelace"))
        // The data is fixed; retry writes the record that failed and nothing else.
        csv = csv.replacingOccurrences(of: "C3,1,c1,food,two,", with: "C3,1,c1,food,2,")
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let retry = try Xeroflow.run(["retry", "shop.yaml"], in: dir)
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("1 set apart before; 1 now pass, 0 still set apart"))
        #expect(retry.stdout.contains("invoices_file: 1 created, 0 updated, 2 unchanged"))
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 3)
        let nothing = try Xeroflow.run(["retry", "shop.yaml"], in: dir)
        #expect(nothing.stdout.contains("nothing to retry"))
    }

    @Test("one pipeline never runs twice at once; a state store from a newer xeroflow is refused clearly")
    func lockAndNewerStore() throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try Xeroflow.run(["run", "shop.yaml"], in: dir).status == 0)
        let state = try DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path)
        // This test process holds the pipeline's lock, as a run in progress would.
        try state.write { db in
            try db.execute(sql: "INSERT INTO locks (name, holder, expires_at) VALUES ('pipeline:shop', ?, ?)",
                           arguments: ["\(getpid())-run", Date().timeIntervalSince1970 + 600])
        }
        let busy = try Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("already running"))
        try state.write { db in
            try db.execute(sql: "DELETE FROM locks")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
        }
        let newer = try Xeroflow.run(["runs"], in: dir)
        #expect(newer.status != 0)
        #expect(newer.stderr.contains("written by a newer xeroflow"))
    }
}

@Suite("xeroflow run: HTTP sources (process)", .serialized)
struct HTTPSourceTests {
    @Test("an HTTP JSON source sends its headers from the environment and follows every page")
    func pagedHTTPSource() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sandbox = try SandboxCommandTests.Server(["--port", "0", "--in-memory", "--limits", "off"], in: dir)
        defer { _ = sandbox.stop() }
        let token = try await SandboxCommandTests.token(sandbox.url)
        let contacts = (1...250).map { #"{"Name":"Contact \#($0)","ContactNumber":"N\#($0)"}"# }.joined(separator: ",")
        let (status, _) = try await SandboxCommandTests.request("PUT", sandbox.url + "/api.xro/2.0/Contacts", body: #"{"Contacts":[\#(contacts)]}"#,
                                                               headers: ["Authorization": "Bearer \(token)"])
        #expect(status == 200)
        let yaml = """
            version: 1
            name: pull
            xero: { connection: sandbox }
            sources:
              api:
                http: ${API}/api.xro/2.0/Contacts
                headers: { Authorization: "Bearer ${API_TOKEN}" }
                params: { page: 1, pageSize: 100 }
                records: Contacts
            steps:
              rows: { from: api, map: { number: ContactNumber, name: Name } }
            targets:
              out: { from: rows, file: out/contacts.jsonl, key: number }
            """
        try yaml.write(to: dir.appendingPathComponent("pull.yaml"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["run", "pull.yaml"], in: dir, environment: ["API": sandbox.url, "API_TOKEN": token])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("api: 250 in"))
        let lines = try String(contentsOf: dir.appendingPathComponent("out/contacts.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 250)
        #expect(!r.stdout.contains(token) && !r.stderr.contains(token))
        let denied = try Xeroflow.run(["run", "pull.yaml"], in: dir, environment: ["API": sandbox.url, "API_TOKEN": "wrong"])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("answered 401"))
    }
}
