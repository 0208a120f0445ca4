import Foundation
import JSONModel
import PipelineExpressions
import Spec

/// Runs a pipeline's `tests:` blocks: each test feeds its `input` to one step (in place of the
/// step's `from`), with `fixtures` standing in for joined sources and `lookups` replacing tables,
/// and compares the output with `expect` (exactly, in order) or `expect_count`.
public enum PipelineTester {
    public struct Result: Sendable {
        public var name: String
        /// Where the test is in the file.
        public var pointer: JSONPointer
        public var passed: Bool
        /// Why it failed.
        public var message: String?
    }

    /// The run time tests see for `$run.started_at`, so expectations are stable.
    public static let testTime = Date(timeIntervalSince1970: 1_790_000_000)

    public static func run(_ spec: PipelineSpec) -> [Result] {
        var results: [Result] = []
        let lookups = PipelineRunner.lookupTables(spec)
        for (i, test) in spec.tests.enumerated() {
            let name = test.name ?? "test \(i + 1)"
            func fail(_ message: String) { results.append(Result(name: name, pointer: test.pointer, passed: false, message: message)) }
            guard let stepName = test.step?.name, let step = spec.steps.first(where: { $0.name == stepName }) else {
                fail("no step '\(test.step?.name ?? "")' in this pipeline")
                continue
            }
            let compiled: CompiledStep
            do { compiled = try CompiledStep(step) } catch { fail("the step does not compile: \(error)"); continue }
            var tables = lookups
            if let overrides = test.lookups { for (k, v) in overrides { tables[k] = v } }
            let bindings = PipelineFunctions.bindings(lookups: tables, pipeline: spec.name ?? "", runID: "test", startedAt: testTime)
            // A joined source without fixtures has no records in the test.
            let joined = step.join?.with.flatMap { test.fixtures[$0.name] } ?? []
            let (records, failures) = compiled.run(test.input, bindings: bindings, joined: joined)
            if let first = failures.first {
                fail("input record \(JSONWriter.write(first.record)) failed in \(first.part): \(first.message)")
                continue
            }
            if let count = test.expectCount, records.count != count {
                fail("expected \(count) records, got \(records.count)")
                continue
            }
            if let expect = test.expect {
                if let problem = difference(expected: expect, actual: records) {
                    fail(problem)
                    continue
                }
            }
            results.append(Result(name: name, pointer: test.pointer, passed: true, message: nil))
        }
        return results
    }

    /// The first difference between the expected and the actual records, said plainly.
    static func difference(expected: [JSONValue], actual: [JSONValue]) -> String? {
        for i in 0..<max(expected.count, actual.count) {
            guard i < actual.count else { return "expected \(expected.count) records, got \(actual.count); missing: \(JSONWriter.write(expected[i]))" }
            guard i < expected.count else { return "expected \(expected.count) records, got \(actual.count); extra: \(JSONWriter.write(actual[i]))" }
            if let path = firstDifference(expected[i], actual[i], path: "") {
                return "record \(i + 1) differs at \(path.isEmpty ? "the top" : path): expected \(JSONWriter.write(value(expected[i], path))), got \(JSONWriter.write(value(actual[i], path)))"
            }
        }
        return nil
    }

    /// The path (`LineItems[0].UnitAmount`) of the first difference, or nil when equal. Numbers
    /// compare by value (`45` equals `45.00`).
    static func firstDifference(_ a: JSONValue, _ b: JSONValue, path: String) -> String? {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x == y ? nil : path
        case (.object(let x), .object(let y)):
            for k in x.keys where y[k] == nil { return path + (path.isEmpty ? "" : ".") + k }
            for k in y.keys where x[k] == nil { return path + (path.isEmpty ? "" : ".") + k }
            for k in x.keys {
                if let d = firstDifference(x[k]!, y[k]!, path: path + (path.isEmpty ? "" : ".") + k) { return d }
            }
            return nil
        case (.array(let x), .array(let y)):
            if x.count != y.count { return path }
            for (i, (p, q)) in zip(x, y).enumerated() {
                if let d = firstDifference(p, q, path: path + "[\(i)]") { return d }
            }
            return nil
        default:
            return a == b ? nil : path
        }
    }

    static func value(_ v: JSONValue, _ path: String) -> JSONValue {
        var current: JSONValue? = v
        var token = ""
        func step() {
            guard !token.isEmpty else { return }
            current = current?[token]
            token = ""
        }
        var i = path.startIndex
        while i < path.endIndex {
            let c = path[i]
            if c == "." { step() } else if c == "[" {
                step()
                let close = path[i...].firstIndex(of: "]")!
                current = Int(path[path.index(after: i)..<close]).flatMap { current?[$0] }
                i = close
            } else { token.append(c) }
            i = path.index(after: i)
        }
        step()
        return current ?? .null
    }
}
