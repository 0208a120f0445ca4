import Foundation
import GRDB
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The seed pipelines of `pipelines/` run end to end: `xeroflow run` as a process against a
/// sandbox process, connected the way a person connects, then what landed is read back through
/// the sandbox's admin routes. Re-runs change nothing, a lost state file or a process killed
/// between Xero's answer and the state store's write duplicates nothing, and records Xero
/// refuses are set apart with Xero's message and the YAML line of their step.
@Suite("Xero pipelines end to end (processes)", .serialized)
struct XeroPipelineTests {
    typealias Server = SandboxCommandTests.Server

    /// A temporary copy of `pipelines/`, a sandbox, and a connection named `sandbox` to one of
    /// its organisations.
    final class Harness: @unchecked Sendable {
        let dir: URL
        let sandbox: Server
        let tenant: String
        var environment: [String: String]

        static func start(tenant: String, create: Bool = false) async throws -> Harness {
            let dir = try Xeroflow.temporaryDirectory()
            try FileManager.default.copyItem(at: Xeroflow.packageRoot.appendingPathComponent("pipelines"), to: dir.appendingPathComponent("pipelines"))
            let sandbox = try await Server.start(["--port", "0", "--in-memory", "--limits", "off"], in: dir)
            let h = Harness(dir: dir, sandbox: sandbox, tenant: tenant)
            if create {
                let (status, body) = try await SandboxCommandTests.request("POST", sandbox.url + "/_sandbox/tenants", body: #"{"name": "\#(tenant)", "country": "GB"}"#)
                #expect(status == 201, "\(body)")
            }
            let (code, out, err) = try await ConnectCommandTests.connect(sandbox, in: dir, name: "sandbox", tenant: tenant)
            #expect(code == 0, "connect: \(out) \(err)")
            return h
        }

        init(dir: URL, sandbox: Server, tenant: String) {
            self.dir = dir
            self.sandbox = sandbox
            self.tenant = tenant
            environment = ConnectCommandTests.environment(dir)
        }

        func stop() {
            _ = sandbox.stop()
            try? FileManager.default.removeItem(at: dir)
        }

        func xeroflow(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> Xeroflow.Output {
            try await Xeroflow.run(arguments, in: dir, environment: environment.merging(extra) { $1 })
        }

        /// Every record of a collection, as the sandbox holds it.
        func records(_ collection: String, tenant: String? = nil) async throws -> [[String: Any]] {
            let name = (tenant ?? self.tenant).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
            let (status, body) = try await SandboxCommandTests.request("GET", sandbox.url + "/_sandbox/tenants/\(name)/\(collection)")
            #expect(status == 200)
            return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
        }

        /// Changes a record as a person would in Xero's web app.
        func edit(_ collection: String, _ id: String, _ fields: String) async throws {
            let name = tenant.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
            let (status, body) = try await SandboxCommandTests.request("POST", sandbox.url + "/_sandbox/tenants/\(name)/\(collection)/\(id)", body: fields)
            #expect(status == 200, "\(body)")
        }

        func stats() async throws -> [String: Int] {
            let (_, body) = try await SandboxCommandTests.request("GET", sandbox.url + "/_sandbox/stats")
            return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Int]) ?? [:]
        }

        /// The state store, for what a test must arrange or inspect directly.
        func state() throws -> DatabaseQueue {
            try DatabaseQueue(path: dir.appendingPathComponent(".xeroflow/state.sqlite").path)
        }

        func append(_ line: String, to file: String) throws {
            let url = dir.appendingPathComponent("pipelines/data").appendingPathComponent(file)
            let handle = try FileHandle(forWritingTo: url)
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try handle.close()
        }
    }

    /// The summary line of one target: `push_x: 3 in, 3 created, 0 updated, 0 unchanged…`.
    static func line(_ output: String, _ node: String) -> String {
        output.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(node + ":") }.map(String.init) ?? "(no line for \(node))"
    }

    static func count(_ records: [[String: Any]], _ predicate: ([String: Any]) -> Bool) -> Int { records.filter(predicate).count }

    @Test("Clevero standard: patients and suppliers become contacts, invoices and bills land; re-runs, a lost state file and a kill duplicate nothing; a refused invoice is set apart with Xero's reason and the YAML line")
    func clevero() async throws {
        let h = try await Harness.start(tenant: "Demo Company (AU)")
        defer { h.stop() }
        let first = try await h.xeroflow(["run", "pipelines/clevero.yaml"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        #expect(Self.line(first.stdout, "push_patients").contains("3 created"))
        #expect(Self.line(first.stdout, "push_bills").contains("3 created"))
        var contacts = try await h.records("Contacts")
        var invoices = try await h.records("Invoices")
        #expect(Self.count(contacts) { ($0["ContactNumber"] as? String)?.hasPrefix("PAT-") == true } == 3)
        #expect(Self.count(contacts) { ($0["ContactNumber"] as? String)?.hasPrefix("SUP-") == true } == 3)
        #expect(Self.count(invoices) { $0["Type"] as? String == "ACCREC" } == 3)
        #expect(Self.count(invoices) { $0["Type"] as? String == "ACCPAY" } == 3)
        // The invoice's contact is the patient pushed by the other target.
        let patient = try #require(contacts.first { $0["ContactNumber"] as? String == "PAT-1001" })
        let invoice = try #require(invoices.first { $0["InvoiceNumber"] as? String == "CLV-10231" })
        #expect((invoice["Contact"] as? [String: Any])?["ContactID"] as? String == patient["ContactID"] as? String)

        // A full re-read changes nothing and sends nothing.
        let writesBefore = try await h.stats()["writes"]
        #expect((writesBefore ?? 0) >= 4)
        let again = try await h.xeroflow(["run", "--full-refresh", "pipelines/clevero.yaml"])
        #expect(again.status == 0)
        for t in ["push_patients", "push_suppliers", "push_invoices", "push_bills"] {
            #expect(Self.line(again.stdout, t).contains("0 created, 0 updated, 3 unchanged"), "\(again.stdout)")
        }
        let writesAfter = try await h.stats()["writes"]
        #expect(writesBefore == writesAfter)

        // The state store forgets everything: records are found at Xero by their match values.
        try await h.state().write { db in try db.execute(sql: "DELETE FROM written_keys; DELETE FROM cursors") }
        let lost = try await h.xeroflow(["run", "pipelines/clevero.yaml"])
        #expect(lost.status == 0)
        #expect(Self.line(lost.stdout, "push_invoices").contains("0 created, 3 updated"), "\(lost.stdout)")
        contacts = try await h.records("Contacts")
        invoices = try await h.records("Invoices")
        #expect(Self.count(contacts) { ($0["ContactNumber"] as? String).map { $0.hasPrefix("PAT-") || $0.hasPrefix("SUP-") } == true } == 6)
        #expect(invoices.count == 6)

        // Killed after Xero accepted a batch, before the state store heard of it.
        try await h.state().write { db in try db.execute(sql: "DELETE FROM written_keys WHERE target IN (SELECT id FROM written_targets WHERE target = 'push_invoices'); DELETE FROM cursors") }
        let killed = try await h.xeroflow(["run", "--resync", "pipelines/clevero.yaml"], environment: ["XEROFLOW_FAULT_KILL_AFTER_PUSH": "push_invoices"])
        #expect(killed.status != 0)
        let rerun = try await h.xeroflow(["run", "pipelines/clevero.yaml"])
        #expect(rerun.status == 0, "\(rerun.stdout) \(rerun.stderr)")
        let invoicesAfterKill = try await h.records("Invoices")
        #expect(invoicesAfterKill.count == 6)

        // An invoice for a patient Xero does not know: Xero refuses it, the rest goes on.
        try h.append(#"{"id": "INV-R-9999", "invoice_number": "CLV-99999", "patient_id": "PAT-9999", "issue_date": "2026-11-20", "due_date": "2026-12-04", "status": "approved", "lines": [{"service": "Standard physiotherapy consultation", "category": "Consultation", "quantity": 1, "unit_price": 95.00, "tax_code": "FRE"}], "updated_at": "2026-11-22T10:00:00Z"}"#, to: "clevero/invoices.jsonl")
        let refused = try await h.xeroflow(["run", "pipelines/clevero.yaml"])
        #expect(refused.status == 1)
        #expect(Self.line(refused.stdout, "push_invoices").contains("1 set apart"))
        let failures = try await h.xeroflow(["failures", "clevero"])
        #expect(failures.stdout.contains("The contact with ContactNumber PAT-9999 could not be found."), "\(failures.stdout)")
        let stepLine = try String(contentsOf: h.dir.appendingPathComponent("pipelines/clevero.yaml"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix("  invoices:") }.map { $0 + 1 }
        #expect(failures.stdout.contains("pipelines/clevero.yaml:\(try #require(stepLine)):"), "\(failures.stdout)")
    }

    @Test("generic: contacts, invoices and bank transactions (no match: known by their source key); a kill after Xero's answer and a re-run leave each transaction once; a mapping change alone is not resent without --resync; an account code Xero lacks is set apart before sending")
    func generic() async throws {
        let h = try await Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        let killed = try await h.xeroflow(["run", "pipelines/generic.yaml"], environment: ["XEROFLOW_FAULT_KILL_AFTER_PUSH": "push_bank_transactions"])
        #expect(killed.status != 0)
        let run = try await h.xeroflow(["run", "pipelines/generic.yaml"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let transactions = try await h.records("BankTransactions")
        #expect(transactions.count == 5, "\(transactions.map { $0["Reference"] ?? "" })")
        #expect(Set(transactions.compactMap { $0["Reference"] as? String }).count == 5)
        let again = try await h.xeroflow(["run", "--full-refresh", "pipelines/generic.yaml"])
        #expect(Self.line(again.stdout, "push_bank_transactions").contains("0 created, 0 updated, 5 unchanged"), "\(again.stdout)")

        // A category mapped to an account the organisation does not have.
        var yaml = try String(contentsOf: h.dir.appendingPathComponent("pipelines/generic.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: #"hosting: "463""#, with: #"hosting: "999""#)
        try yaml.write(to: h.dir.appendingPathComponent("pipelines/generic.yaml"), atomically: true, encoding: .utf8)
        // The source data did not change, only the mapping: what is in Xero stays as pushed…
        let mappingOnly = try await h.xeroflow(["run", "--full-refresh", "pipelines/generic.yaml"])
        #expect(mappingOnly.status == 0, "\(mappingOnly.stdout)")
        #expect(Self.line(mappingOnly.stdout, "push_bank_transactions").contains("0 created, 0 updated, 5 unchanged"), "\(mappingOnly.stdout)")
        #expect(mappingOnly.stdout.contains("run --resync to send them again"), "\(mappingOnly.stdout)")
        // …until asked to send again: then the unknown code is caught before anything is sent.
        let before = try await h.stats()["status.400"] ?? 0
        let bad = try await h.xeroflow(["run", "--full-refresh", "--resync", "pipelines/generic.yaml"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("AccountCode '999' is not an account of Demo Company (UK)"), "\(bad.stdout)")
        let after = try await h.stats()["status.400"] ?? 0
        #expect(after == before)
    }

    @Test("Clio: contacts both ways without echo, bills, credit notes and payments one way; drafts, voided bills and trust payments never sent; a paid bill is never touched again")
    func clio() async throws {
        let h = try await Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        let first = try await h.xeroflow(["run", "pipelines/clio.yaml"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        let invoices = try await h.records("Invoices")
        let numbers = Set(invoices.compactMap { $0["InvoiceNumber"] as? String })
        #expect(!numbers.contains("1049") && !numbers.contains("1044"), "draft and void bills are not synced: \(numbers)")
        let payments = try await h.records("Payments")
        #expect(payments.count == 2)

        // Xero's contacts the pipeline itself pushed do not come back to Clio.
        let second = try await h.xeroflow(["run", "pipelines/clio.yaml"])
        #expect(Self.line(second.stdout, "xero_contacts").contains("0 in"), "\(second.stdout)")
        // A change made in Xero does.
        let contacts = try await h.records("Contacts")
        let pushed = try #require(contacts.first { ($0["ContactNumber"] as? String)?.hasPrefix("CLIO-") == true })
        try await h.edit("Contacts", pushed["ContactID"] as! String, #"{"EmailAddress": "changed.in.xero@example.co.uk"}"#)
        let third = try await h.xeroflow(["run", "pipelines/clio.yaml"])
        #expect(Self.line(third.stdout, "xero_contacts").contains("1 in"), "\(third.stdout)")
        let back = try String(contentsOf: h.dir.appendingPathComponent("pipelines/out/clio/contacts-from-xero.jsonl"), encoding: .utf8)
        #expect(back.contains("changed.in.xero@example.co.uk"))

        // A paid bill changed at the source is left as Xero has it.
        let paid = try #require(try await h.records("Invoices").first { $0["Status"] as? String == "PAID" })
        let resync = try await h.xeroflow(["run", "--resync", "--full-refresh", "pipelines/clio.yaml"])
        #expect(resync.stdout.contains("PAID in Xero, never changed by a pipeline"), "\(resync.stdout)")
        let after = try #require(try await h.records("Invoices").first { $0["InvoiceID"] as? String == paid["InvoiceID"] as? String })
        #expect(after["UpdatedDateUTC"] as? String == paid["UpdatedDateUTC"] as? String)
    }

    @Test("Cledara: card transactions into one bank account per wallet, bills and their payments, nothing older than the connection day")
    func cledara() async throws {
        let h = try await Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        // The wallets' bank accounts, as the integrator creates them in Xero.
        let token = try await SandboxCommandTests.token(h.sandbox.url)
        for (code, currency) in [("CLEDEUR", "EUR"), ("CLEDGBP", "GBP")] {
            let (status, body) = try await SandboxCommandTests.request(
                "PUT", h.sandbox.url + "/api.xro/2.0/Accounts",
                body: #"{"Code": "\#(code)", "Name": "Cledara \#(currency)", "Type": "BANK", "BankAccountNumber": "\#(code)01", "CurrencyCode": "\#(currency)"}"#,
                headers: ["Authorization": "Bearer \(token)"])
            #expect(status == 200, "\(body)")
        }
        // The connection was made on 3 November: the transaction of 2 November stays out.
        let connected = ISO8601DateFormatter().date(from: "2026-11-03T00:00:00Z")!.timeIntervalSince1970
        try await h.state().write { db in try db.execute(sql: "UPDATE connections SET created_at = ?", arguments: [connected]) }
        let run = try await h.xeroflow(["run", "pipelines/cledara.yaml"])
        #expect(Self.line(run.stdout, "push_spend_money").contains("4 created"), "\(run.stdout) \(run.stderr)")
        // The bills of 2 November are older than the connection; the payment of one of them
        // is then refused by Xero (its bill is not there) and set apart, not lost.
        #expect(Self.line(run.stdout, "push_bills").contains("2 skipped"), "\(run.stdout)")
        let transactions = try await h.records("BankTransactions")
        #expect(transactions.count == 4)
        let start = connected * 1000
        for t in transactions {
            let date = (t["Date"] as? String) ?? ""
            let ms = Double(date.dropFirst("/Date(".count).prefix { $0.isNumber }) ?? 0
            #expect(ms >= start, "\(date)")
        }
        #expect(transactions.allSatisfy { (($0["BankAccount"] as? [String: Any])?["Code"] as? String).map { ["CLEDEUR", "CLEDGBP"].contains($0) } ?? false })
        // A refund is money received, into the wallet's account.
        #expect(transactions.contains { $0["Type"] as? String == "RECEIVE" })
        let again = try await h.xeroflow(["run", "--full-refresh", "pipelines/cledara.yaml"])
        #expect(Self.line(again.stdout, "push_spend_money").contains("0 created, 0 updated"), "\(again.stdout)")
        let count = try await h.records("BankTransactions").count
        #expect(count == transactions.count)
    }

    @Test("Qonto: a BANK account per Qonto account and its transactions; a transaction deleted in Xero is not pushed again; an account archived in Xero is restored while active at Qonto")
    func qonto() async throws {
        let h = try await Harness.start(tenant: "Demo Company (Global)", create: true)
        defer { h.stop() }
        let first = try await h.xeroflow(["run", "pipelines/qonto.yaml"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        let accounts = try await h.records("Accounts").filter { ($0["Code"] as? String)?.hasPrefix("QONTO-") == true }
        #expect(accounts.count == 2)
        #expect(accounts.allSatisfy { $0["Type"] as? String == "BANK" })
        let transactions = try await h.records("BankTransactions")
        #expect(transactions.count == 5)

        let deleted = transactions[0]["BankTransactionID"] as! String
        try await h.edit("BankTransactions", deleted, #"{"Status": "DELETED"}"#)
        let archived = accounts[0]["AccountID"] as! String
        try await h.edit("Accounts", archived, #"{"Status": "ARCHIVED"}"#)
        let second = try await h.xeroflow(["run", "--full-refresh", "--resync", "pipelines/qonto.yaml"])
        #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
        #expect(Self.line(second.stdout, "push_bank_transactions").contains("1 skipped"), "\(second.stdout)")
        let now = try await h.records("BankTransactions")
        #expect(now.count == 5)
        #expect(now.first { $0["BankTransactionID"] as? String == deleted }?["Status"] as? String == "DELETED")
        let restored = try await h.records("Accounts").first { $0["AccountID"] as? String == archived }
        #expect(restored?["Status"] as? String == "ACTIVE")
    }

    @Test("Clevero tailored and the one-off imports: order items merged into invoices, a record fanned out into an invoice and its payment, credit notes, purchase orders; Xero's reference data into SQLite")
    func cleveroTailoredAndImports() async throws {
        let h = try await Harness.start(tenant: "Demo Company (AU)")
        defer { h.stop() }
        let run = try await h.xeroflow(["run", "pipelines/clevero-tailored.yaml"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let payments = try await h.records("Payments")
        let creditNotes = try await h.records("CreditNotes")
        let orders = try await h.records("PurchaseOrders")
        #expect(payments.count == 3)
        #expect(creditNotes.count == 1)
        #expect(orders.count == 3)
        let invoices = try await h.records("Invoices")
        #expect(invoices.count == 6)
        // The tracking category Location has an option per active site: the seeded ones, and
        // Surry Hills added once.
        let tracking = try await h.records("TrackingCategories")
        let location = try #require(tracking.first { $0["Name"] as? String == "Location" })
        let options = ((location["Options"] as? [[String: Any]]) ?? []).compactMap { $0["Name"] as? String }
        #expect(Set(options).isSuperset(of: ["Pyrmont", "Glebe", "Surry Hills"]), "\(options)")
        #expect(options.filter { $0 == "Surry Hills" }.count == 1)
        #expect(tracking.filter { $0["Name"] as? String == "Location" }.count == 1)
        // Lines with the Location tracking category.
        #expect(invoices.contains { (($0["LineItems"] as? [[String: Any]]) ?? []).contains { !(($0["Tracking"] as? [Any]) ?? []).isEmpty } })
        let again = try await h.xeroflow(["run", "--full-refresh", "pipelines/clevero-tailored.yaml"])
        #expect(!again.stdout.contains(" created, ") || again.stdout.split(separator: "\n").filter { $0.contains("push_") }.allSatisfy { $0.contains(" 0 created, 0 updated") }, "\(again.stdout)")

        // An order from a site that is not (yet) an option of Location is set apart before sending.
        try h.append(#"{"order_id": "SO-8899", "line_no": 1, "client_id": "CL-3001", "order_date": "2026-11-20", "due_date": "2026-12-04", "site": "Bondi", "description": "Foam roller, 90 cm", "qty": 1, "unit_price": 39.95, "category": "Products", "status": "active", "updated_at": "2026-11-20T02:10:00Z"}"#, to: "clevero-tailored/order_items.jsonl")
        let bondi = try await h.xeroflow(["run", "pipelines/clevero-tailored.yaml"])
        #expect(bondi.status == 1)
        #expect(bondi.stdout.contains("'Bondi' is not an option of the tracking category 'Location' in Demo Company (AU)"), "\(bondi.stdout)")

        let imports = try await h.xeroflow(["run", "pipelines/clevero-import.yaml"])
        #expect(imports.status == 0, "\(imports.stdout) \(imports.stderr)")
        let db = try DatabaseQueue(path: h.dir.appendingPathComponent("pipelines/out/clevero-import.db").path)
        let tables = try await db.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        #expect(tables.count >= 5, "\(tables)")
        for table in tables {
            let rows = try await db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0 }
            if table.contains("account") || table.contains("tax") { #expect(rows > 0, "\(table)") }
        }
    }

    /// A small pipeline of three invoices, one in a locked period, pushed under a policy.
    static func lockPipeline(_ policy: String) -> String {
        """
        version: 1
        name: locks_\(policy)
        xero: { connection: sandbox, tenant: "Demo Company (UK)", lock_dates: \(policy) }
        sources:
          sales: { jsonl: data/sales.jsonl, key: id }
        steps:
          invoices:
            from: sales
            map:
              InvoiceNumber: '$pipeline & "-" & id'
              Contact: '{ "Name": "Lock Date Testers Ltd" }'
              Date: date
              DueDate: date
              LineItems: '[{ "Description": "Work", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200" }]'
            set: { Type: ACCREC, Status: AUTHORISED }
        targets:
          push_invoices: { from: invoices, xero: Invoices, match: InvoiceNumber }
        """
    }

    @Test("lock dates: a document in a locked period is set apart, skipped, moved to the first open day, or pushed by an adviser, as the pipeline says")
    func lockDates() async throws {
        let h = try await Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        let data = h.dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try """
            {"id": "1", "date": "2026-09-15", "amount": 100.00}
            {"id": "2", "date": "2026-10-15", "amount": 200.00}
            {"id": "3", "date": "2026-11-15", "amount": 300.00}

            """.write(to: data.appendingPathComponent("sales.jsonl"), atomically: true, encoding: .utf8)
        let tenant = "Demo%20Company%20(UK)"
        let (status, body) = try await SandboxCommandTests.request("POST", h.sandbox.url + "/_sandbox/tenants/\(tenant)/lock-dates",
                                                                   body: #"{"PeriodLockDate": "2026-09-30", "EndOfYearLockDate": "2026-03-31"}"#)
        #expect(status == 200, "\(body)")
        for policy in ["quarantine", "skip", "next_open_day", "adviser"] {
            try Self.lockPipeline(policy).write(to: h.dir.appendingPathComponent("\(policy).yaml"), atomically: true, encoding: .utf8)
        }
        func invoice(_ number: String) async throws -> [String: Any]? {
            try await h.records("Invoices").first { $0["InvoiceNumber"] as? String == number }
        }

        let quarantined = try await h.xeroflow(["run", "quarantine.yaml"])
        #expect(quarantined.status == 1)
        #expect(Self.line(quarantined.stdout, "push_invoices").contains("2 created, 0 updated, 0 unchanged, 1 set apart"), "\(quarantined.stdout)")
        #expect(quarantined.stdout.contains("dated 2026-09-15, on or before Demo Company (UK)'s lock date 2026-09-30"), "\(quarantined.stdout)")
        #expect(try await invoice("locks_quarantine-1") == nil)

        let skipped = try await h.xeroflow(["run", "skip.yaml"])
        #expect(skipped.status == 0)
        #expect(Self.line(skipped.stdout, "push_invoices").contains("2 created, 0 updated, 0 unchanged, 1 skipped"), "\(skipped.stdout)")
        #expect(try await invoice("locks_skip-1") == nil)

        let moved = try await h.xeroflow(["run", "next_open_day.yaml"])
        #expect(moved.status == 0, "\(moved.stdout)")
        #expect(Self.line(moved.stdout, "push_invoices").contains("3 created"), "\(moved.stdout)")
        let first = try #require(try await invoice("locks_next_open_day-1"))
        let oct1 = ISO8601DateFormatter().date(from: "2026-10-01T00:00:00Z")!.timeIntervalSince1970 * 1000
        #expect((first["Date"] as? String)?.hasPrefix("/Date(\(Int(oct1))") == true, "\(first["Date"] ?? "")")

        // Without the adviser role Xero itself refuses; with it, the period lock does not apply.
        let refused = try await h.xeroflow(["run", "adviser.yaml"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("lock date"), "\(refused.stdout)")
        let (advised, _) = try await SandboxCommandTests.request("POST", h.sandbox.url + "/_sandbox/tenants/\(tenant)/adviser", body: #"{"adviser": true}"#)
        #expect(advised == 200)
        let retried = try await h.xeroflow(["retry", "adviser.yaml"])
        #expect(retried.status == 0, "\(retried.stdout) \(retried.stderr)")
        #expect(try await invoice("locks_adviser-1") != nil)
    }

    @Test("the README tour: with no Xero account and no connection, `run` pushes a seed pipeline into the embedded sandbox, says what landed, and a re-run changes nothing; an organisation the demo lacks is created")
    func embeddedSandboxTour() async throws {
        let dir = try Xeroflow.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Xeroflow.packageRoot.appendingPathComponent("pipelines"), to: dir.appendingPathComponent("pipelines"))
        let env = ConnectCommandTests.environment(dir)
        let first = try await Xeroflow.run(["run", "pipelines/generic.yaml"], in: dir, environment: env)
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        #expect(first.stderr.contains("running against the embedded sandbox"))
        #expect(first.stdout.contains("Invoices: 3 in Demo Company (UK)"), "\(first.stdout)")
        #expect(Self.line(first.stdout, "push_bank_transactions").contains("5 created"))
        let shown = try await Xeroflow.run(["sandbox", "show", "Invoices", "--tenant", "Demo Company (UK)", "--data", ".xeroflow/sandbox.sqlite"], in: dir, environment: env)
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("DB-2026-0418"))
        let again = try await Xeroflow.run(["run", "--full-refresh", "pipelines/generic.yaml"], in: dir, environment: env)
        #expect(Self.line(again.stdout, "push_invoices").contains("0 created, 0 updated, 3 unchanged"), "\(again.stdout)")
        let qonto = try await Xeroflow.run(["run", "pipelines/qonto.yaml"], in: dir, environment: env)
        #expect(qonto.status == 0, "\(qonto.stdout) \(qonto.stderr)")
        #expect(qonto.stdout.contains("BankTransactions: 5 in Demo Company (Global)"), "\(qonto.stdout)")
    }

    @Test("Clevero tailored killed right after each target's first accepted batch, before the state store heard of it, then re-run: every record is in Xero exactly once")
    func killedAfterEachTarget() async throws {
        let targets = ["push_tracking", "push_contacts", "push_order_invoices", "push_session_invoices", "push_payments", "push_credit_notes", "push_purchase_orders"]
        for target in targets {
            let h = try await Harness.start(tenant: "Demo Company (AU)")
            defer { h.stop() }
            let killed = try await h.xeroflow(["run", "pipelines/clevero-tailored.yaml"], environment: ["XEROFLOW_FAULT_KILL_AFTER_PUSH": target])
            #expect(killed.status != 0, "\(target): the run was not killed")
            let rerun = try await h.xeroflow(["run", "pipelines/clevero-tailored.yaml"])
            #expect(rerun.status == 0, "\(target): \(rerun.stdout) \(rerun.stderr)")
            let contacts = try await h.records("Contacts").filter { ($0["ContactNumber"] as? String)?.hasPrefix("CL-") == true }
            let invoices = try await h.records("Invoices")
            let payments = try await h.records("Payments")
            let creditNotes = try await h.records("CreditNotes")
            let orders = try await h.records("PurchaseOrders")
            let numbers = invoices.compactMap { $0["InvoiceNumber"] as? String }
            #expect(Set(numbers).count == numbers.count, "\(target): duplicate invoices \(numbers)")
            #expect(invoices.count == 6, "\(target)")
            #expect(payments.count == 3, "\(target)")
            #expect(creditNotes.count == 1, "\(target)")
            #expect(orders.count == 3, "\(target)")
            #expect(contacts.count == Set(contacts.compactMap { $0["ContactNumber"] as? String }).count, "\(target)")
            let again = try await h.xeroflow(["run", "--full-refresh", "pipelines/clevero-tailored.yaml"])
            for line in again.stdout.split(separator: "\n") where line.contains("push_") {
                #expect(line.contains(" 0 created, 0 updated"), "\(target): \(line)")
            }
        }
    }

    @Test("items, manual journals and bank transfers as targets: created once, updated in place, transfers never updated")
    func otherEndpoints() async throws {
        let h = try await Harness.start(tenant: "Demo Company (UK)")
        defer { h.stop() }
        let data = h.dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "code,name,price\nWIDGET,Widget,12.50\nGADGET,Gadget,99.99\n".write(to: data.appendingPathComponent("items.csv"), atomically: true, encoding: .utf8)
        try "id,date,amount,memo\nJ1,2026-11-20,150.00,Accrued rent\n".write(to: data.appendingPathComponent("journals.csv"), atomically: true, encoding: .utf8)
        try "id,date,amount\nT1,2026-11-21,500.00\n".write(to: data.appendingPathComponent("transfers.csv"), atomically: true, encoding: .utf8)
        try """
            version: 1
            name: others
            xero: { connection: sandbox, tenant: "Demo Company (UK)" }
            sources:
              items: { csv: data/items.csv, key: code }
              journals: { csv: data/journals.csv, key: id }
              transfers: { csv: data/transfers.csv, key: id }
            steps:
              xero_items:
                from: items
                map:
                  Code: code
                  Name: name
                  SalesDetails: '{ "UnitPrice": $number(price), "AccountCode": "200", "TaxType": "OUTPUT2" }'
              xero_journals:
                from: journals
                map:
                  Narration: '"Journal " & id & ": " & memo'
                  Date: date
                  JournalLines: >-
                    [{ "LineAmount": $number(amount), "AccountCode": "453", "Description": memo },
                     { "LineAmount": -$number(amount), "AccountCode": "800", "Description": memo }]
              xero_transfers:
                from: transfers
                map:
                  FromBankAccount: '{ "Code": "090" }'
                  ToBankAccount: '{ "Code": "091" }'
                  Date: date
                  Amount: $number(amount)
            targets:
              push_items: { from: xero_items, xero: Items, match: Code }
              push_journals: { from: xero_journals, xero: ManualJournals }
              push_transfers: { from: xero_transfers, xero: BankTransfers }
            """.write(to: h.dir.appendingPathComponent("others.yaml"), atomically: true, encoding: .utf8)
        let first = try await h.xeroflow(["run", "others.yaml"])
        #expect(first.status == 0, "\(first.stdout) \(first.stderr)")
        #expect(Self.line(first.stdout, "push_items").contains("2 created"))
        #expect(Self.line(first.stdout, "push_journals").contains("1 created"))
        #expect(Self.line(first.stdout, "push_transfers").contains("1 created"))
        // A price changes at the source: the item is updated in place; the transfer's amount
        // changes too, but a transfer cannot be updated in Xero.
        try "code,name,price\nWIDGET,Widget,13.00\nGADGET,Gadget,99.99\n".write(to: data.appendingPathComponent("items.csv"), atomically: true, encoding: .utf8)
        try "id,date,amount\nT1,2026-11-21,550.00\n".write(to: data.appendingPathComponent("transfers.csv"), atomically: true, encoding: .utf8)
        let second = try await h.xeroflow(["run", "others.yaml"])
        #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
        #expect(Self.line(second.stdout, "push_items").contains("0 created, 1 updated, 1 unchanged"), "\(second.stdout)")
        #expect(Self.line(second.stdout, "push_transfers").contains("0 created, 0 updated, 1 unchanged"), "\(second.stdout)")
        #expect(second.stdout.contains("cannot be updated in Xero"), "\(second.stdout)")
        let items = try await h.records("Items")
        #expect(items.count == 2)
        #expect(((items.first { $0["Code"] as? String == "WIDGET" }?["SalesDetails"] as? [String: Any])?["UnitPrice"] as? NSNumber)?.doubleValue == 13.0)
        let journals = try await h.records("ManualJournals")
        let transfers = try await h.records("BankTransfers")
        #expect(journals.count == 1)
        #expect(transfers.count == 1)
    }
}
