import Crypto
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
    func runAndRerun() async throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
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
        let rates = try await db.read { try String.fetchAll($0, sql: "SELECT Code || '=' || Rate FROM rates ORDER BY Code") }
        #expect(rates == ["GST=10.00", "VAT=20.00"])

        // Nothing new: nothing read, nothing written.
        let second = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(second.stdout.contains("items: 0 in"))
        #expect(second.stdout.contains("rates: 0 in"))

        // A new line of B2: the plan says one update, the run regroups B2 with all its lines.
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "B2,2,c2,books,1,1.50,2026-11-03T00:00:00Z\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let plan = try await Xeroflow.run(["plan", "shop.yaml"], in: dir)
        #expect(plan.stdout.contains("invoices_file: 0 to create, 1 to update, 0 unchanged"))
        let third = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(third.status == 0)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).last == #"{"InvoiceNumber":"B2","Customer":"Grace Hopper, Ltd","Account":"260","Total":16.5}"#)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let full = try await Xeroflow.run(["run", "shop.yaml", "--full-refresh"], in: dir)
        #expect(full.stdout.contains("invoices_file: 2 in, 0 created, 0 updated, 2 unchanged"))
        // The plan hashes as the streamed run did: nothing to do.
        let fullPlan = try await Xeroflow.run(["plan", "shop.yaml", "--full-refresh"], in: dir)
        #expect(fullPlan.stdout.contains("invoices_file: 0 to create, 0 to update, 2 unchanged"), "\(fullPlan.stdout)\(fullPlan.stderr)")
        #expect(fullPlan.stdout.contains("invoices_csv: 0 to create, 0 to update, 2 unchanged"), "\(fullPlan.stdout)\(fullPlan.stderr)")
        #expect(fullPlan.stdout.contains("invoices_db: 0 to create, 0 to update, 2 unchanged"), "\(fullPlan.stdout)\(fullPlan.stderr)")
        // A file target remembers the hash of each record's text as the file holds it.
        let state = try DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path)
        let remembered = try await state.read { db in
            try String.fetchAll(db, sql: "SELECT k.content_hash FROM written_keys k JOIN written_targets t ON t.id = k.target WHERE t.target = 'invoices_file' ORDER BY k.key")
        }
        let fileHashes = Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).map { line in
            SHA256.hash(data: Data(line.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        }
        #expect(remembered == fileHashes)

        let runs = try await Xeroflow.run(["runs", "shop"], in: dir)
        #expect(runs.stdout.split(separator: "\n").count == 4)
        #expect(runs.stdout.contains("succeeded"))
        let graph = try await Xeroflow.run(["graph", "shop.yaml", "--format", "dot"], in: dir)
        #expect(graph.stdout.contains("\"invoices_file\" -> \"invoices_db\" [style=dashed];"))
    }

    @Test("killed with SIGKILL after writing a target and before remembering it, a re-run writes each record exactly once")
    func killedMidRun() async throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let killed = try await Xeroflow.run(["run", "shop.yaml"], in: dir, environment: ["XEROFLOW_FAULT_KILL_AFTER_TARGET": "invoices_file"])
        #expect(killed.status == SIGKILL)
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let again = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        // The cursor had not advanced: the same records came again, and keyed writes kept one of each.
        #expect(again.stdout.contains("invoices_file: 2 in, 0 created, 0 updated, 2 unchanged"))
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 2)
        let runs = try await Xeroflow.run(["runs", "shop"], in: dir)
        #expect(runs.stdout.contains("interrupted"))
    }

    @Test("a record that fails an expression is set apart with its YAML place; the run exits 1; `failures` lists it")
    func setApart() async throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "C3,1,c1,food,two,1.00,2026-11-04T00:00:00Z\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let r = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("set apart: shop.yaml:"))
        let failures = try await Xeroflow.run(["failures", "shop"], in: dir)
        #expect(failures.stdout.contains("invoices (map.Total)"))
        #expect(failures.stdout.contains("1 record set apart"))
        #expect(!failures.stdout.contains("Ada Lovelace"))
        // The data is fixed; retry writes the record that failed and nothing else.
        csv = csv.replacingOccurrences(of: "C3,1,c1,food,two,", with: "C3,1,c1,food,2,")
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let retry = try await Xeroflow.run(["retry", "shop.yaml"], in: dir)
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("1 set apart before; 1 now pass, 0 still set apart"))
        #expect(retry.stdout.contains("invoices_file: 1 created, 0 updated, 2 unchanged"))
        #expect(Self.lines(dir.appendingPathComponent("out/invoices.jsonl")).count == 3)
        let nothing = try await Xeroflow.run(["retry", "shop.yaml"], in: dir)
        #expect(nothing.stdout.contains("nothing to retry"))
    }

    @Test("a state store of the earlier layout (a row per key naming its pipeline, target and run) is upgraded with every key kept")
    func upgradeKeepsWhatEachKeyWrote() async throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Xeroflow.run(["run", "shop.yaml"], in: dir).status == 0)
        let state = try DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path)
        // Back to the layout of migrations v2 and v3, as an earlier xeroflow left it.
        let before = try await state.write { db -> [Row] in
            try db.execute(sql: """
                CREATE TABLE written (pipeline TEXT NOT NULL, target TEXT NOT NULL, key TEXT NOT NULL, content_hash TEXT NOT NULL,
                    target_id TEXT, run_id TEXT NOT NULL, identity TEXT, state TEXT NOT NULL DEFAULT 'ok', xero_updated TEXT,
                    source_hash TEXT, PRIMARY KEY (pipeline, target, key));
                INSERT INTO written SELECT t.pipeline, t.target, k.key, k.content_hash, k.target_id, (SELECT id FROM runs WHERE rowid = k.run),
                    k.identity, COALESCE(k.state, 'ok'), k.xero_updated, k.source_hash
                    FROM written_keys k JOIN written_targets t ON t.id = k.target;
                DROP TABLE written_keys;
                DROP TABLE written_targets;
                DELETE FROM grdb_migrations WHERE identifier = 'v5-written-compact';
                """)
            return try Row.fetchAll(db, sql: "SELECT pipeline, target, key, content_hash, run_id FROM written ORDER BY target, key")
        }
        #expect(before.count >= 6, "\(before)")
        // A new line of B2: the upgraded store still knows what B2 was, so the plan says one update.
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "B2,2,c2,books,1,1.50,2026-11-03T00:00:00Z\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let plan = try await Xeroflow.run(["plan", "shop.yaml"], in: dir)
        #expect(plan.stdout.contains("invoices_file: 0 to create, 1 to update, 0 unchanged"), "\(plan.stdout)\(plan.stderr)")
        let after = try await state.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.pipeline, t.target, k.key, k.content_hash, r.id AS run_id FROM written_keys k
                JOIN written_targets t ON t.id = k.target LEFT JOIN runs r ON r.rowid = k.run ORDER BY t.target, k.key
                """)
        }
        #expect(after == before)
        #expect(try await state.read { db in try db.tableExists("written") } == false)
    }

    @Test("one pipeline never runs twice at once; a state store from a newer xeroflow is refused clearly")
    func lockAndNewerStore() async throws {
        let dir = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try await Xeroflow.run(["run", "shop.yaml"], in: dir).status == 0)
        let state = try DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path)
        // This test process holds the pipeline's lock, as a run in progress would.
        try await state.write { db in
            try db.execute(sql: "INSERT INTO locks (name, holder, expires_at) VALUES ('pipeline:shop', ?, ?)",
                           arguments: ["\(getpid())-run", Date().timeIntervalSince1970 + 600])
        }
        let busy = try await Xeroflow.run(["run", "shop.yaml"], in: dir)
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("already running"))
        try await state.write { db in
            try db.execute(sql: "DELETE FROM locks")
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
        }
        let newer = try await Xeroflow.run(["runs"], in: dir)
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
        let sandbox = try await SandboxCommandTests.Server.start(["--port", "0", "--in-memory", "--limits", "off"], in: dir)
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
        let r = try await Xeroflow.run(["run", "pull.yaml"], in: dir, environment: ["API": sandbox.url, "API_TOKEN": token])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("api: 250 in"))
        let lines = try String(contentsOf: dir.appendingPathComponent("out/contacts.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 250)
        #expect(!r.stdout.contains(token) && !r.stderr.contains(token))
        let denied = try await Xeroflow.run(["run", "pull.yaml"], in: dir, environment: ["API": sandbox.url, "API_TOKEN": "wrong"])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("answered 401"))
    }
}

/// A real PostgreSQL server: `XEROFLOW_TEST_POSTGRES_URL` when set (`.ci/run` starts one), else
/// one this suite starts with `scripts/test-postgres.sh` (the server binaries must be installed).
enum TestPostgres {
    static let url: Result<String, any Error> = {
        if let url = ProcessInfo.processInfo.environment["XEROFLOW_TEST_POSTGRES_URL"], !url.isEmpty { return .success(url) }
        // system(3) waits for the script itself: Foundation's Process has been seen to miss the
        // exit of a child started from a lazily initialised global, and wait forever.
        guard let dir = try? Xeroflow.temporaryDirectory() else { return .failure(CocoaError(.fileWriteUnknown)) }
        let outPath = dir.appendingPathComponent("out").path, errPath = dir.appendingPathComponent("err").path
        let script = Xeroflow.packageRoot.appendingPathComponent("scripts/test-postgres.sh").path
        let status = system("/bin/bash '\(script)' start 54330 > '\(outPath)' 2> '\(errPath)' < /dev/null")
        let text = ((try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0, text.hasPrefix("postgres://") else {
            let why = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            return .failure(SandboxCommandTests.Server.Failure(message: "PostgreSQL is not available for the tests: \(why)"))
        }
        return .success(text)
    }()

    static func psql(_ url: String, _ sql: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = [url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw SandboxCommandTests.Server.Failure(message: "psql failed: \(sql)") }
    }
}

@Suite("xeroflow run: PostgreSQL sources (process)", .serialized)
struct PostgresSourceTests {
    @Test("a PostgreSQL query with :cursor reads exact numerics, timestamps and jsonb, incrementally; the password never shows")
    func postgresSource() async throws {
        let url = try await offPool { try TestPostgres.url.get() }
        let table = "orders_\(UInt32.random(in: 0...UInt32.max))"
        try await offPool { try TestPostgres.psql(url, """
            CREATE TABLE \(table) (id int PRIMARY KEY, amount numeric(12,2), placed timestamptz, meta jsonb, note text);
            INSERT INTO \(table) VALUES (1, 25.06, '2026-11-01T10:00:00Z', '{"lines": 2}', 'first'), (2, 25.61, '2026-11-02T10:00:00Z', '{"lines": 1}', NULL);
            """) }
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            version: 1
            name: pg
            xero: { connection: sandbox }
            sources:
              orders: { postgres: "${PG_URL}", query: "SELECT id, amount, placed, meta, note FROM \(table) WHERE :cursor::int IS NULL OR id > :cursor::int ORDER BY id", key: id, cursor: id }
            steps:
              rows: { from: orders, map: { id: id, amount: amount, total: amount * 3, placed: placed, lines: meta.lines, note: note } }
            targets:
              out: { from: rows, file: out/orders.jsonl, key: $string(id) }
            """
        try yaml.write(to: dir.appendingPathComponent("pg.yaml"), atomically: true, encoding: .utf8)
        let first = try await Xeroflow.run(["run", "pg.yaml"], in: dir, environment: ["PG_URL": url])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let lines = try String(contentsOf: dir.appendingPathComponent("out/orders.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"id":1,"amount":25.06,"total":75.18,"placed":"2026-11-01T10:00:00.000Z","lines":2,"note":"first"}"#,
            #"{"id":2,"amount":25.61,"total":76.83,"placed":"2026-11-02T10:00:00.000Z","lines":1,"note":null}"#,
        ])
        try await offPool { try TestPostgres.psql(url, "INSERT INTO \(table) VALUES (3, 25.63, '2026-11-03T10:00:00Z', '{}', 'third')") }
        let second = try await Xeroflow.run(["run", "pg.yaml"], in: dir, environment: ["PG_URL": url])
        #expect(second.stdout.contains("orders: 1 in"))
        let bad = try await Xeroflow.run(["run", "pg.yaml"], in: dir, environment: ["PG_URL": url.replacingOccurrences(of: "xeroflow:xeroflow@", with: "xeroflow:s3cret-pw@")])
        #expect(!bad.stderr.contains("s3cret-pw"))
        let wrongTable = yaml.replacingOccurrences(of: "FROM \(table)", with: "FROM no_such_table")
        try wrongTable.write(to: dir.appendingPathComponent("pg.yaml"), atomically: true, encoding: .utf8)
        let missing = try await Xeroflow.run(["run", "pg.yaml", "--full-refresh"], in: dir, environment: ["PG_URL": url])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no_such_table"))
        #expect(!missing.stderr.contains(":xeroflow@"))
    }
}
