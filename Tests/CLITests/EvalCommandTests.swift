import Foundation
import Testing

@Suite("xeroflow eval (process)", .serialized)
struct EvalCommandTests {
    private func json(_ s: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }

    @Test func resultFromAFile() throws {
        let dir = try Xeroflow.temporaryDirectory()
        try #"{"items": [{"qty": 3, "price": 0.1}, {"qty": 1, "price": 0.2}], "name": "Ada"}"#
            .write(to: dir.appendingPathComponent("in.json"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["eval", "$sum(items.(qty * price))", "--input", "in.json"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "0.5\n")   // exact: 3 × 0.1 + 0.2, not 0.5000000000000001
        let o = try Xeroflow.run(["eval", "{ \"Name\": name, \"Lines\": $count(items) }", "--input", "in.json"], in: dir)
        #expect(o.stdout == "{\n  \"Name\": \"Ada\",\n  \"Lines\": 2\n}\n")
    }

    @Test func resultFromStandardInputAndYAML() throws {
        let r = try Xeroflow.run(["eval", "$money(amount * 1.15)", "--input", "-"], stdin: "amount: 25.06\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "28.82\n")
    }

    @Test func jsonFormatShapes() throws {
        let ok = try Xeroflow.run(["eval", "1 + 2", "--format", "json"])
        #expect(ok.status == 0)
        #expect(try json(ok.stdout)["result"] as? Int == 3)
        let undefined = try Xeroflow.run(["eval", "missing.field", "--format", "json"])
        #expect(undefined.status == 0)
        #expect(undefined.stdout == "{\"undefined\":true}\n")
        let bad = try Xeroflow.run(["eval", "items[", "--format", "json"])
        #expect(bad.status == 1)
        let error = try #require(try json(bad.stdout)["error"] as? [String: Any])
        #expect((error["code"] as? String)?.hasPrefix("S0") == true)
        #expect(error["position"] is Int)
        #expect((error["message"] as? String)?.isEmpty == false)
        let runtime = try Xeroflow.run(["eval", "\"a\" + 1", "--format", "json"])
        #expect(runtime.status == 1)
        #expect((try json(runtime.stdout)["error"] as? [String: Any])?["code"] as? String == "T2001")
    }

    @Test func undefinedPrintsNothing() throws {
        let r = try Xeroflow.run(["eval", "nothing.here"])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }

    @Test func bindingsAndPipelineFunctions() throws {
        let dir = try Xeroflow.temporaryDirectory()
        try #"{"accounts": {"Consultation": "200"}}"#.write(to: dir.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        try #"{"category": "Consultation", "date": "2026-01-31"}"#.write(to: dir.appendingPathComponent("in.json"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["eval", "[$lookup($accounts, category), $toXeroDate(date)]", "--input", "in.json", "--bindings", "b.json"], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"200\""))
        #expect(r.stdout.contains("/Date(1769817600000+0000)/"))
    }

    @Test func limitsStopRunawayExpressions() throws {
        let deep = "($f := function($n) { 1 + $f($n + 1) }; $f(0))"
        let depth = try Xeroflow.run(["eval", deep, "--max-depth", "50", "--format", "json"])
        #expect(depth.status == 1)
        #expect(depth.stdout.contains("\"error\""))
        // A tail call never deepens the stack: only the time budget stops it.
        let forever = "($f := function($n) { $f($n + 1) }; $f(0))"
        let timeout = try Xeroflow.run(["eval", forever, "--timeout-ms", "200", "--format", "json"])
        #expect(timeout.status == 1)
        #expect(timeout.stdout.contains("\"error\""))
        // Without --timeout-ms a default budget still ends it.
        let defaulted = try Xeroflow.run(["eval", forever, "--format", "json"], environment: ["XEROFLOW_EVAL_TIMEOUT_MS": "300"])
        #expect(defaulted.status == 1)
    }

    @Test func textErrorShowsACaret() throws {
        let r = try Xeroflow.run(["eval", "1 +* 2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("(S0201)"))
        #expect(r.stderr.contains("   1 +* 2\n        ^"))
    }

    @Test func usage() throws {
        #expect(try Xeroflow.run(["eval"]).status == 64)
        #expect(try Xeroflow.run(["eval", "1", "--input", "/no/such/file.json"]).status == 64)
        #expect(try Xeroflow.run(["eval", "1", "--timeout-ms", "0"]).status == 64)
        let dir = try Xeroflow.temporaryDirectory()
        try "{ broken".write(to: dir.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        #expect(try Xeroflow.run(["eval", "1", "--input", "bad.json"], in: dir).status == 64)
    }
}
