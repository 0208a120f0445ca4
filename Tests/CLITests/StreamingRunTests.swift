import Crypto
import Foundation
import GRDB
import State
import Testing

/// Streamed runs (every target a JSON Lines, CSV or SQLite target): sources read in chunks,
/// groups spilled to disk or closed on sorted input, files replaced whole at the end.
@Suite("xeroflow run, streamed (process)", .serialized)
struct StreamingRunTests {
    static let pipeline = """
        version: 1
        name: orders
        xero: { connection: sandbox }
        sources:
          items: { csv: data/items.csv, key: [order_id, line] }
        steps:
          lines:
            from: items
            map:
              Order: order_id
              Line: $number(line)
              Amount: $number(qty) * $number(price)
              Note: note
          invoices:
            from: items
            group: { by: order_id, into: lines }
            map:
              InvoiceNumber: order_id
              Count: $count(lines)
              Total: $sum(lines.($number(qty) * $number(price)))
        targets:
          lines_file: { from: lines, file: out/lines.jsonl, key: 'Order & "/" & $string(Line)' }
          invoices_file: { from: invoices, file: out/invoices.jsonl, key: InvoiceNumber }
          invoices_csv: { from: invoices, file: out/invoices.csv, key: InvoiceNumber }
        """

    /// Orders of one to five items, interleaved (not sorted by order), with notes that need
    /// CSV quoting: commas, doubled quotes, line breaks; more than a 1 MiB read block in all.
    static func items(orders: Int, sorted: Bool = false) -> (csv: String, totals: [String: (count: Int, total: Decimal)], lines: Int) {
        var rows: [(order: String, line: Int, qty: Int, price: String, note: String)] = []
        for o in 0..<orders {
            for l in 0...(o % 5) {
                let note = l % 3 == 0 ? "plain \(o)" : (l % 3 == 1 ? "with, comma and \"quotes\" \(o)" : "two\nlines \(o)")
                rows.append(("O\(o)", l + 1, 1 + (o + l) % 4, "\(o % 97).\(String(format: "%02d", (o * 7 + l) % 100))", note))
            }
        }
        if !sorted {
            // Interleave: every other order's items move to the end, each order's lines in order.
            rows = rows.enumerated().filter { $0.element.line % 2 == 1 }.map(\.element) + rows.filter { $0.line % 2 == 0 }
        }
        var totals: [String: (count: Int, total: Decimal)] = [:]
        var csv = "order_id,line,qty,price,note\n"
        for r in rows {
            let quoted = "\"" + r.note.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            csv += "\(r.order),\(r.line),\(r.qty),\(r.price),\(quoted)\n"
            let amount = Decimal(r.qty) * Decimal(string: r.price)!
            totals[r.order, default: (0, 0)].count += 1
            totals[r.order, default: (0, 0)].total += amount
        }
        return (csv, totals, rows.count)
    }

    static func setUp(_ pipeline: String = pipeline, orders: Int = 6_000, sorted: Bool = false) throws -> (URL, [String: (count: Int, total: Decimal)], Int) {
        let (csv, totals, lines) = items(orders: orders, sorted: sorted)
        return (try directory(pipeline, data: ["items.csv": Data(csv.utf8)]), totals, lines)
    }

    /// A temporary directory with the pipeline as `orders.yaml` (or `file`) and `data/` holding
    /// the files given.
    static func directory(_ pipeline: String, file: String = "orders.yaml", data: [String: Data]) throws -> URL {
        let dir = try Xeroflow.temporaryDirectory()
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try pipeline.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
        for (name, bytes) in data { try bytes.write(to: dir.appendingPathComponent("data/\(name)")) }
        return dir
    }

    /// The first item of each of `orders` gets a quantity that is not a number ("two"), so that
    /// its group's total fails.
    static func spoilQuantities(_ csv: inout String, orders: [String]) throws {
        for order in orders {
            let row = try #require(csv.range(of: "\n\(order),1,[0-9],", options: .regularExpression))
            csv.replaceSubrange(row, with: "\n\(order),1,two,")
        }
    }

    static func records(_ url: URL) throws -> [[String: Any]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// Each invoice once, with its exact total and count, in first-seen order.
    static func checkInvoices(_ dir: URL, _ totals: [String: (count: Int, total: Decimal)]) throws {
        let text = try String(contentsOf: dir.appendingPathComponent("out/invoices.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == totals.count)
        var seen = Set<String>()
        for line in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let number = try #require(o["InvoiceNumber"] as? String)
            #expect(seen.insert(number).inserted, "\(number) twice")
            let expected = try #require(totals[number])
            #expect(o["Count"] as? Int == expected.count)
            // The total as written, exactly: read the number's text from the line.
            let totalText = try #require(line.range(of: #""Total":[0-9.]+"#, options: .regularExpression).map { String(line[$0].dropFirst(8)) })
            #expect(Decimal(string: totalText) == expected.total, "\(number): \(totalText)")
        }
    }

    @Test("a large CSV streams through map and group into JSON Lines and CSV; with groups spilled to disk the files are byte for byte the same")
    func streamsAndSpills() async throws {
        let (dir, totals, lineCount) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inMemory = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(inMemory.status == 0, "\(inMemory.stdout)\(inMemory.stderr)")
        #expect(inMemory.stdout.contains("items: \(lineCount) in"))
        #expect(inMemory.stdout.contains("invoices_file: \(totals.count) in, \(totals.count) created"))
        try Self.checkInvoices(dir, totals)
        let lines = try Self.records(dir.appendingPathComponent("out/lines.jsonl"))
        #expect(lines.count == lineCount)
        #expect(lines.contains { ($0["Note"] as? String)?.contains("two\nlines") == true })
        #expect(lines.contains { ($0["Note"] as? String)?.contains("\"quotes\"") == true })
        let first = try Data(contentsOf: dir.appendingPathComponent("out/invoices.jsonl"))
        let firstCSV = try Data(contentsOf: dir.appendingPathComponent("out/invoices.csv"))
        #expect(String(decoding: firstCSV, as: UTF8.self).hasPrefix("InvoiceNumber,Count,Total\n"))

        // Again with a group that holds 500 records at most: eleven run files merged.
        for name in ["invoices.jsonl", "invoices.csv", "lines.jsonl"] { try FileManager.default.removeItem(at: dir.appendingPathComponent("out/\(name)")) }
        let spilled = try await Xeroflow.run(["run", "orders.yaml", "--full-refresh"], in: dir, environment: ["XEROFLOW_GROUP_SPILL_AFTER": "500"])
        #expect(spilled.status == 0, "\(spilled.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("out/invoices.jsonl")) == first)
        #expect(try Data(contentsOf: dir.appendingPathComponent("out/invoices.csv")) == firstCSV)

        // A re-run changes nothing: every record unchanged, the files as they were.
        let again = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(again.stdout.contains("invoices_file: \(totals.count) in, 0 created, 0 updated, \(totals.count) unchanged"), "\(again.stdout)")
        #expect(again.stdout.contains("invoices_csv: \(totals.count) in, 0 created, 0 updated, \(totals.count) unchanged"), "\(again.stdout)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("out/invoices.jsonl")) == first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)

        // The plan hashes each record as the streamed run did (from the text the file holds): nothing to do.
        let plan = try await Xeroflow.run(["plan", "orders.yaml", "--full-refresh"], in: dir)
        #expect(plan.stdout.contains("lines_file: 0 to create, 0 to update, \(lineCount) unchanged"), "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("invoices_file: 0 to create, 0 to update, \(totals.count) unchanged"), "\(plan.stdout)\(plan.stderr)")
        #expect(plan.stdout.contains("invoices_csv: 0 to create, 0 to update, \(totals.count) unchanged"), "\(plan.stdout)\(plan.stderr)")
        // Remembered a chunk at a time (a row per chunk, not per key), each hash taken from the
        // line written; the batches of the run before were folded into rows by this run's first.
        let path = dir.appendingPathComponent(".xeroflow/state.sqlite").path
        let runsInBatches = try await DatabaseQueue(path: path).read { db in
            try Int.fetchOne(db, sql: "SELECT count(DISTINCT run) FROM written_batches") ?? 0
        }
        #expect(runsInBatches == 1)
        let remembered = try StateStore(path: path).written(pipeline: "orders", target: "invoices_file").mapValues(\.contentHash)
        #expect(remembered.count == totals.count)
        let text = try String(contentsOf: dir.appendingPathComponent("out/invoices.jsonl"), encoding: .utf8)
        for line in text.split(separator: "\n") {
            let number = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["InvoiceNumber"] as? String
            let digest = SHA256.hash(data: Data(line.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            #expect(remembered[number ?? ""] == digest, "\(line)")
        }
    }

    @Test("killed with SIGKILL after a target's first chunk, the old file stays whole; the re-run writes every record once")
    func killedMidStream() async throws {
        let (dir, totals, lineCount) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let killed = try await Xeroflow.run(["run", "orders.yaml"], in: dir, environment: ["XEROFLOW_FAULT_KILL_AFTER_BATCH": "lines_file"])
        #expect(killed.status == SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/lines.jsonl").path))
        let again = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(again.status == 0, "\(again.stderr)")
        let lines = try Self.records(dir.appendingPathComponent("out/lines.jsonl"))
        #expect(lines.count == lineCount)
        #expect(Set(lines.map { "\($0["Order"]!)/\($0["Line"]!)" }).count == lineCount)
        try Self.checkInvoices(dir, totals)
        // The killed run's temporary file was cleared away by the next one.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let runs = try await Xeroflow.run(["runs", "orders"], in: dir)
        #expect(runs.stdout.contains("interrupted"))
    }

    @Test("records of one run with the same key: the file keeps one, the last, in every format")
    func repeatedKeysKeepTheLast() async throws {
        let byOrder = Self.pipeline.replacingOccurrences(of: #"key: 'Order & "/" & $string(Line)' }"#, with: "key: Order }\n  lines_csv: { from: lines, file: out/lines.csv, key: Order }")
        let (dir, totals, _) = try Self.setUp(byOrder, orders: 3_000)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try Self.records(dir.appendingPathComponent("out/lines.jsonl"))
        #expect(lines.count == totals.count)
        for line in lines {
            let order = try #require(line["Order"] as? String)
            // The input has each order's odd lines first and its even lines later: the last
            // line read is the highest even one (or line 1 of a one-line order).
            let count = try #require(totals[order]?.count)
            #expect(line["Line"] as? Int == (count == 1 ? 1 : count - count % 2), "\(order): the last line read is kept")
        }
        let csv = try String(contentsOf: dir.appendingPathComponent("out/lines.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("Order,Line,Amount,Note\n"))
        #expect(csv.components(separatedBy: "\nO").count == totals.count + 1)
    }

    @Test("a streamed run sets apart a record whose expression fails, with its YAML place, and writes the others; retry writes it once fixed")
    func setApartWhileStreaming() async throws {
        let (dir, totals, lineCount) = try Self.setUp(orders: 1_000)
        defer { try? FileManager.default.removeItem(at: dir) }
        var csv = try String(contentsOf: dir.appendingPathComponent("data/items.csv"), encoding: .utf8)
        csv += "X1,1,two,1.00,\"bad quantity\"\n"
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let r = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("set apart: orders.yaml:12:"), "\(r.stdout)")  // map.Amount of `lines`
        #expect(r.stdout.contains("lines_file: \(lineCount) in, \(lineCount) created"), "\(r.stdout)")
        // The group also fails for X1 (its total): every other invoice is written.
        #expect(try Self.records(dir.appendingPathComponent("out/invoices.jsonl")).count == totals.count)
        let failures = try await Xeroflow.run(["failures", "orders"], in: dir)
        #expect(failures.stdout.contains("lines (map.Amount)"), "\(failures.stdout)")
        #expect(failures.stdout.contains("invoices (map.Total)"), "\(failures.stdout)")

        csv = csv.replacingOccurrences(of: "X1,1,two,", with: "X1,1,2,")
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let retry = try await Xeroflow.run(["retry", "orders.yaml"], in: dir)
        #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
        #expect(retry.stdout.contains("2 now pass, 0 still set apart"), "\(retry.stdout)")
        #expect(try Self.records(dir.appendingPathComponent("out/lines.jsonl")).count == lineCount + 1)
        #expect(try Self.records(dir.appendingPathComponent("out/invoices.jsonl")).count == totals.count + 1)
    }

    @Test("a join whose other side cannot be read fails what it feeds, not the rest of the run")
    func joinSideMissing() async throws {
        let joining = Self.pipeline
            .replacingOccurrences(of: "  items: { csv: data/items.csv, key: [order_id, line] }",
                                  with: "  items: { csv: data/items.csv, key: [order_id, line] }\n  notes: { csv: data/missing.csv }")
            .replacingOccurrences(of: "    group: { by: order_id, into: lines }",
                                  with: "    join: { with: notes, on: order_id, equals: order_id, as: note }\n    group: { by: order_id, into: lines }")
        let (dir, _, lineCount) = try Self.setUp(joining, orders: 500)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(r.status == 1)
        #expect((r.stdout + r.stderr).contains("missing.csv"), "\(r.stdout)\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/invoices.jsonl").path))
        #expect(try Self.records(dir.appendingPathComponent("out/lines.jsonl")).count == lineCount)
    }

    @Test("a target file of many megabytes (written 64 KiB at a time, past two of the 8 MiB marks where its writeback starts) holds every line exactly, in order, on a first run and on a run that changes one line and adds one")
    func largeFileWrittenExactly() async throws {
        let pipeline = """
            version: 1
            name: big
            xero: { connection: sandbox }
            sources:
              rows: { csv: data/rows.csv }
            steps:
              lines:
                from: rows
                map:
                  N: $number(n)
                  Text: text
            targets:
              out: { from: lines, file: out/lines.jsonl, key: $string(N) }
            """
        // 120,000 lines of about 150 bytes: over 17 MB, past the 8 MiB mark twice.
        func text(_ n: Int, changed: Bool = false) -> String {
            "row \(n) " + String(repeating: changed ? "ABCDEFGHIJ" : "abcdefghij", count: 12) + " é \(n % 977)"
        }
        func files(_ rows: Int, changed: Int? = nil) -> (csv: String, lines: String) {
            var csv = "n,text\n"
            var lines = ""
            for n in 0..<rows {
                let t = text(n, changed: n == changed)
                csv += "\(n),\(t)\n"
                lines += "{\"N\":\(n),\"Text\":\"\(t)\"}\n"
            }
            return (csv, lines)
        }
        let first = files(120_000)
        let dir = try Self.directory(pipeline, file: "big.yaml", data: ["rows.csv": Data(first.csv.utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await Xeroflow.run(["run", "big.yaml"], in: dir)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let written = try Data(contentsOf: dir.appendingPathComponent("out/lines.jsonl"))
        #expect(written.count > 16 << 20)
        #expect(written == Data(first.lines.utf8))

        // Line 77,777 changed and one more row: the file is written again whole.
        let second = files(120_001, changed: 77_777)
        try Data(second.csv.utf8).write(to: dir.appendingPathComponent("data/rows.csv"))
        let again = try await Xeroflow.run(["run", "big.yaml", "--full-refresh"], in: dir)
        #expect(again.stdout.contains("out: 120001 in, 1 created, 1 updated, 119999 unchanged"), "\(again.stdout)\(again.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("out/lines.jsonl")) == Data(second.lines.utf8))
    }

    @Test("group.sorted passes each group on when its key changes; a key that comes back fails the step and leaves the old file")
    func sortedGroups() async throws {
        let sortedPipeline = Self.pipeline.replacingOccurrences(of: "group: { by: order_id, into: lines }", with: "group: { by: order_id, into: lines, sorted: true }")
        let (dir, totals, _) = try Self.setUp(sortedPipeline, orders: 2_000, sorted: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ok = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
        try Self.checkInvoices(dir, totals)
        let before = try Data(contentsOf: dir.appendingPathComponent("out/invoices.jsonl"))

        let (csv, _, _) = Self.items(orders: 2_000, sorted: false)
        try csv.write(to: dir.appendingPathComponent("data/items.csv"), atomically: true, encoding: .utf8)
        let bad = try await Xeroflow.run(["run", "orders.yaml", "--full-refresh"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("group.sorted is set but the key \"O1\" comes again after its group closed"), "\(bad.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("out/invoices.jsonl")) == before)
    }

    @Test("a grouping step maps each chunk's groups in two halves, the second on a thread of its own while the next chunk is read: the same records and the same failures, in the same order, as a run that reads each node whole",
          arguments: [false, true])
    func groupsMappedInHalves(sorted: Bool) async throws {
        let pipeline = """
            version: 1
            name: halves
            xero: { connection: sandbox }
            sources:
              items: { csv: data/items.csv }
            steps:
              invoices:
                from: items
                group: { by: order_id, into: lines, sorted: \(sorted) }
                map:
                  InvoiceNumber: order_id
                  Count: $count(lines)
                  Total: $sum(lines.($number(qty) * $number(price)))
            targets:
              out: { from: invoices, file: out/invoices.FORMAT, key: InvoiceNumber }
            """
        // Orders whose first item's quantity is not a number: their invoices fail, spread over the chunks.
        // (6,100 orders: the unsorted merge's last batch, 100 groups, is split too, and held
        // until the source's end)
        var (csv, totals, _) = Self.items(orders: 6_100, sorted: sorted)
        let bad = stride(from: 0, to: 6_000, by: 997).map { "O\($0)" }
        try Self.spoilQuantities(&csv, orders: bad)
        // A JSON array file is written whole, so that run reads each node whole, one thread for the step.
        var results: [(records: NSArray, failures: String)] = []
        for format in ["jsonl", "json"] {
            let dir = try Self.directory(pipeline.replacingOccurrences(of: "FORMAT", with: format), data: ["items.csv": Data(csv.utf8)])
            defer { try? FileManager.default.removeItem(at: dir) }
            let r = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
            #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
            #expect(r.stdout.contains("out: \(totals.count - bad.count) in, \(totals.count - bad.count) created"), "\(r.stdout)")
            let url = dir.appendingPathComponent("out/invoices.\(format)")
            let records = format == "json"
                ? try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [[String: Any]])
                : try Self.records(url)
            let failures = try await Xeroflow.run(["failures", "halves", "--show-records"], in: dir)
            #expect(failures.stdout.contains("\(bad.count) records set apart"), "\(failures.stdout)")
            results.append((records as NSArray, failures.stdout))
        }
        #expect(results[0].records.count == totals.count - bad.count)
        #expect(results[0].records == results[1].records)
        #expect(results[0].failures == results[1].failures)
        // The failures in the order of the groups, the first order's first.
        let lines = results[0].failures.split(separator: "\n").filter { $0.contains("invoices (map.Total)") }
        #expect(lines.count == bad.count)
        let shown = results[0].failures.split(separator: "\n").filter { $0.hasPrefix("    ") }
        #expect(shown.count == bad.count)
        #expect(shown.first?.contains("\"O0\"") == true, "\(results[0].failures)")
    }

    @Test("CSV text: UTF-8 names read as written, quoted or not, after a byte-order mark; a field that is not UTF-8 is named by its line, quoted or not",
          arguments: [false, true])
    func csvText(quoted: Bool) async throws {
        let pipeline = """
            version: 1
            name: names
            xero: { connection: sandbox }
            sources:
              people: { csv: data/people.csv }
            steps:
              contacts:
                from: people
                map: { Name: name, City: city }
            targets:
              out: { from: contacts, file: out/contacts.jsonl, key: Name }
            """
        let dir = try Self.directory(pipeline, file: "names.yaml", data: [:])
        defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["José Núñez", "Zoë Brontë", "Łukasz Żółć", "東京 太郎", "Ana 😀", "plain"]
        func field(_ s: String) -> String { quoted ? "\"" + s + "\"" : s }
        var text = "name,city\n"
        for (i, n) in names.enumerated() { text += field(n) + "," + field("Città \(i)") + "\n" }
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(text.utf8)
        try Data(bytes).write(to: dir.appendingPathComponent("data/people.csv"))
        let good = try await Xeroflow.run(["run", "names.yaml"], in: dir)
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        let records = try Self.records(dir.appendingPathComponent("out/contacts.jsonl"))
        #expect(records.map { $0["Name"] as? String } == names.map { $0 })
        #expect(records.map { $0["City"] as? String } == names.indices.map { "Città \($0)" })
        // Line 4 (the third row): a lone continuation byte, then a lead byte with nothing after it.
        for bad: [UInt8] in [[0x80], [0xC3]] {
            let row = Array((field("Bad") + ",").utf8) + (quoted ? [34] + bad + [34] : bad) + [10]
            var broken = bytes
            let third = broken.indices.filter { broken[$0] == 10 }[2] + 1
            broken.insert(contentsOf: row, at: third)
            try Data(broken).write(to: dir.appendingPathComponent("data/people.csv"))
            let r = try await Xeroflow.run(["run", "names.yaml"], in: dir)
            #expect(r.status == 1)
            #expect(r.stderr.contains("people.csv: line 4 is not UTF-8 text"), "\(r.stderr)")
        }
    }

    @Test("a source that fails while a chunk waits for its second half: that chunk's failures are set apart and counted like the ones before it")
    func heldChunkSettledOnFailure() async throws {
        let pipeline = """
            version: 1
            name: settled
            xero: { connection: sandbox }
            sources:
              items: { csv: data/items.csv }
            steps:
              invoices:
                from: items
                group: { by: order_id, into: lines, sorted: true }
                map:
                  InvoiceNumber: order_id
                  Total: $sum(lines.($number(qty) * $number(price)))
            targets:
              out: { from: invoices, file: out/invoices.jsonl, key: InvoiceNumber }
            """
        // A bad quantity in an order of every chunk, then the first order again at the very end:
        // the step fails on the last chunk, while the one before it is held.
        var (csv, _, _) = Self.items(orders: 6_000, sorted: true)
        let bad = stride(from: 300, to: 6_000, by: 600).map { "O\($0)" }
        try Self.spoilQuantities(&csv, orders: bad)
        csv += "O0,9,1,1.00,again\n"
        let dir = try Self.directory(pipeline, data: ["items.csv": Data(csv.utf8)])
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try await Xeroflow.run(["run", "orders.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("the key \"O0\" comes again"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/invoices.jsonl").path))
        // (the last of them, O5700, is in the chunk held when the step failed)
        let failures = try await Xeroflow.run(["failures", "settled", "--show-records"], in: dir)
        #expect(failures.stdout.contains("\(bad.count) records set apart"), "\(failures.stdout)")
        #expect(failures.stdout.contains("\"O5700\""), "\(failures.stdout)")
    }
}

/// An incremental run that brings nothing new leaves a file target alone without reading it.
@Suite("xeroflow run, streamed: incremental re-runs (process)", .serialized)
struct IncrementalFileTargetTests {
    static let pipeline = """
        version: 1
        name: incremental
        xero: { connection: sandbox }
        sources:
          items: { csv: data/items.csv, cursor: seq }
        steps:
          rows:
            from: items
            map:
              Seq: $number(seq)
              Name: name
        targets:
          out: { from: rows, file: out/items.jsonl, key: $string(Seq) }
        """

    @Test("nothing new: the target file is not read (a damaged one stays as it is); something new: the damaged file is named, kept, and the cursor stays")
    func nothingNewReadsNothing() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Self.pipeline.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("data/items.csv")
        try "seq,name\n1,a\n2,b\n".write(to: csv, atomically: true, encoding: .utf8)
        let first = try await Xeroflow.run(["run", "p.yaml"], in: dir)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("out: 2 in, 2 created"))

        let file = dir.appendingPathComponent("out/items.jsonl")
        let damaged = "{\"Seq\":1,\"Name\":\"a\"}\nnot JSON at all\n"
        try damaged.write(to: file, atomically: true, encoding: .utf8)
        let again = try await Xeroflow.run(["run", "p.yaml"], in: dir)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("items: 0 in"))
        #expect(try String(contentsOf: file, encoding: .utf8) == damaged)

        try "seq,name\n1,a\n2,b\n3,c\n".write(to: csv, atomically: true, encoding: .utf8)
        let third = try await Xeroflow.run(["run", "p.yaml"], in: dir)
        #expect(third.status == 1)
        #expect((third.stdout + third.stderr).contains("items.jsonl"), "\(third.stdout)\(third.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == damaged)
        // The cursor stayed: once the file is mended, the record comes again.
        try "{\"Seq\":1,\"Name\":\"a\"}\n".write(to: file, atomically: true, encoding: .utf8)
        let fourth = try await Xeroflow.run(["run", "p.yaml"], in: dir)
        #expect(fourth.status == 0, "\(fourth.stdout)\(fourth.stderr)")
        #expect(fourth.stdout.contains("out: 1 in, 1 created"), "\(fourth.stdout)")
        #expect(Set(RunCommandTests.lines(file)) == [#"{"Seq":1,"Name":"a"}"#, #"{"Seq":3,"Name":"c"}"#])
    }

    @Test("a re-run reads the old file's keys from the members the key needs, or whole when it cannot tell: the same counts and the same file either way, lines it did not write kept as they were", arguments: ["$string(Seq)", "$string($.Seq)"])
    func oldKeys(_ key: String) async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Self.pipeline.replacingOccurrences(of: "key: $string(Seq)", with: "key: '\(key)'")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("data/items.csv")
        try "seq,name\n1,a\n2,b\n3,c\n".write(to: csv, atomically: true, encoding: .utf8)
        let first = try await Xeroflow.run(["run", "p.yaml"], in: dir)
        #expect(first.stdout.contains("out: 3 in, 3 created"), "\(first.stdout)\(first.stderr)")

        // By hand: Seq 2 written another way (the same record, other text), and a line of its own.
        let file = dir.appendingPathComponent("out/items.jsonl")
        var lines = RunCommandTests.lines(file)
        lines[1] = #"{ "Name" : "b", "Seq" : 2 }"#
        lines.append(#"{"Seq": 99,  "Name": "by hand"}"#)
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: file, atomically: true, encoding: .utf8)
        try "seq,name\n1,a\n2,b\n3,c2\n4,d\n".write(to: csv, atomically: true, encoding: .utf8)
        let again = try await Xeroflow.run(["run", "p.yaml", "--full-refresh"], in: dir)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("out: 4 in, 1 created, 2 updated, 1 unchanged"), "\(again.stdout)")
        #expect(RunCommandTests.lines(file) == [
            #"{"Seq":1,"Name":"a"}"#, #"{"Seq":2,"Name":"b"}"#, #"{"Seq":3,"Name":"c2"}"#, #"{"Seq":4,"Name":"d"}"#,
            #"{"Seq": 99,  "Name": "by hand"}"#,
        ])
    }
}
