import Expressions
import Foundation
import JSONModel

/// The JSONata reference implementation's language-neutral suite
/// (`jsonata-test-suite/groups/GROUP/caseNNN.json`; a file may hold a list of cases).
///
/// A case passes when the result equals `result` (numbers compared by value; arrays in any
/// order when `unordered`), is undefined for `undefinedResult`, or when evaluation fails with
/// the expected error `code`. Cases are named `group/caseNNN` (`group/name[i]` inside lists),
/// which is also how the known-failures files list them.
///
/// Every case runs in both number modes (compiled once, evaluated twice):
/// - `jsonata (exact decimals)`: the product's behaviour (``NumberMode/exact``); known failures
///   in `jsonata.txt`; counted in the runner's total.
/// - `jsonata (ieee)`: IEEE doubles like jsonata-js (``NumberMode/ieee``); known failures in
///   `jsonata-ieee.txt`; reported on its own line, not counted in the total.
struct JSONataSuite: ConformanceSuite {
    let name = "jsonata"

    /// The exact-decimals run alone.
    func run(conformanceDir: String, verbose: Bool) -> SuiteResult {
        run(conformanceDir: conformanceDir, verbose: verbose, modes: [.exact])[0]
    }

    func runs(conformanceDir: String, verbose: Bool) -> [SuiteRun] {
        let results = run(conformanceDir: conformanceDir, verbose: verbose, modes: [.exact, .ieee])
        return [
            SuiteRun(label: "jsonata (exact decimals)", knownFailures: "jsonata", inTotal: true, result: results[0]),
            SuiteRun(label: "jsonata (ieee)", knownFailures: "jsonata-ieee", inTotal: false, result: results[1]),
        ]
    }

    /// One case, read and compiled once for every mode.
    private struct Case: Sendable {
        let group: String
        let key: CaseKey
        let testCase: JSONValue
        /// What evaluation needs, or why the case cannot run (the same reason in every mode).
        let prepared: Result<Prepared, Problem>
    }

    /// One result per mode, in the order of `modes`.
    ///
    /// Cases are read and compiled once; then each mode evaluates every case. The modes after the
    /// first run at the same time on threads of their own (with the main thread's 8 MB stack), so
    /// with a spare core the suite takes no longer in both modes than in one.
    private func run(conformanceDir: String, verbose: Bool, modes: [NumberMode]) -> [SuiteResult] {
        let suiteDir = (conformanceDir as NSString).appendingPathComponent("jsonata-test-suite")
        let groupsDir = (suiteDir as NSString).appendingPathComponent("groups")
        let datasetsDir = (suiteDir as NSString).appendingPathComponent("datasets")
        guard let groups = try? FileManager.default.contentsOfDirectory(atPath: groupsDir) else {
            var result = SuiteResult()
            result.notes.append("jsonata: no tests at '\(groupsDir)'")
            result.skipped = true
            // One note is enough: the other modes are skipped silently.
            var silent = SuiteResult()
            silent.skipped = true
            return [result] + Array(repeating: silent, count: modes.count - 1)
        }

        var unreadable: [CaseKey] = []
        var cases: [Case] = []
        var datasets: [String: JSONValue] = [:]
        let filter = ProcessInfo.processInfo.environment["JSONATA_CASE"]
        var readGroups: [String] = []
        for group in groups.sorted() {
            let groupDir = (groupsDir as NSString).appendingPathComponent(group)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: groupDir) else { continue }
            readGroups.append(group)
            for file in files.filter({ $0.hasSuffix(".json") }).sorted() {
                let base = String(file.dropLast(5))
                let path = (groupDir as NSString).appendingPathComponent(file)
                guard let data = FileManager.default.contents(atPath: path), let doc = try? JSONParser.parse(bytes: [UInt8](data)) else {
                    unreadable.append(CaseKey(file: "\(group)/\(base)", group: "", test: ""))
                    continue
                }
                let named: [(String, JSONValue)]
                if case .array(let list) = doc {
                    named = list.enumerated().map { ("\(group)/\(base)[\($0.offset)]", $0.element) }
                } else {
                    named = [("\(group)/\(base)", doc)]
                }
                for (caseName, testCase) in named {
                    if let filter, !caseName.hasPrefix(filter) { continue }
                    let prepared = prepare(testCase, groupDir: groupDir, datasetsDir: datasetsDir, datasets: &datasets)
                    cases.append(Case(group: group, key: CaseKey(file: caseName, group: "", test: ""), testCase: testCase, prepared: prepared))
                }
            }
        }

        // reasons[m][i]: nil when case i passes in modes[m], else why not.
        let reasons = Reasons(count: modes.count)
        let others = DispatchGroup()
        for m in modes.indices.dropFirst() {
            others.enter()
            let thread = Thread { [cases] in
                reasons.set(m, cases.map { check($0, mode: modes[m]) })
                others.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        if let first = modes.indices.first {
            reasons.set(first, cases.map { check($0, mode: modes[first]) })
        }
        others.wait()

        var results = [SuiteResult](repeating: SuiteResult(), count: modes.count)
        var groupPassed: [String: [Int]] = [:]
        for m in modes.indices {
            for key in unreadable { results[m].failures.append((key, "cannot read or parse the case file")) }
            for (i, c) in cases.enumerated() {
                results[m].ran.insert(c.key)
                if let reason = reasons.get(m)[i] {
                    results[m].failures.append((c.key, reason))
                } else {
                    results[m].passed += 1
                    groupPassed[c.group, default: [Int](repeating: 0, count: modes.count)][m] += 1
                }
            }
        }
        if verbose {
            for group in readGroups {
                let passed = groupPassed[group] ?? [Int](repeating: 0, count: modes.count)
                let counts = zip(modes, passed).map { "\($1) passed (\($0 == .exact ? "exact" : "ieee"))" }
                print("\(group): \(counts.joined(separator: ", "))")
            }
        }
        return results
    }

    /// Each mode's reasons, written by that mode's thread.
    private final class Reasons: @unchecked Sendable {
        private let lock = NSLock()
        private var byMode: [[String?]]
        init(count: Int) { byMode = Array(repeating: [], count: count) }
        func set(_ m: Int, _ reasons: [String?]) {
            lock.lock()
            byMode[m] = reasons
            lock.unlock()
        }
        func get(_ m: Int) -> [String?] {
            lock.lock()
            defer { lock.unlock() }
            return byMode[m]
        }
    }

    /// Nil when the case passes in `mode`, else why not.
    private func check(_ c: Case, mode: NumberMode) -> String? {
        switch c.prepared {
        case .failure(let problem): return problem.description
        case .success(let prepared): return check(c.testCase, prepared, mode: mode)
        }
    }

    struct Problem: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// What evaluating a case needs, read once for every mode.
    struct Prepared: Sendable {
        let expression: Result<Expressions.Expression, ExpressionError>
        let input: JSONValue?
        let bindings: [String: JSONValue]
        let limits: EvaluationLimits
    }

    private func prepare(
        _ testCase: JSONValue, groupDir: String, datasetsDir: String, datasets: inout [String: JSONValue]
    ) -> Result<Prepared, Problem> {
        var text = testCase["expr"]?.stringValue
        if text == nil, let file = testCase["expr-file"]?.stringValue {
            let path = (groupDir as NSString).appendingPathComponent(file)
            text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }
        guard let text else { return .failure(Problem(description: "the case has no expression")) }

        var input: JSONValue? = nil
        if let object = testCase.objectValue, object.contains("data") {
            input = testCase["data"]
        } else if let name = testCase["dataset"]?.stringValue {
            if let cached = datasets[name] {
                input = cached
            } else {
                let path = (datasetsDir as NSString).appendingPathComponent(name + ".json")
                guard let data = FileManager.default.contents(atPath: path), let value = try? JSONParser.parse(bytes: [UInt8](data)) else {
                    return .failure(Problem(description: "cannot read dataset '\(name)'"))
                }
                datasets[name] = value
                input = value
            }
        }
        var bindings: [String: JSONValue] = [:]
        if let b = testCase["bindings"]?.objectValue {
            for k in b.keys { bindings[k] = b[k] }
        }
        var limits = EvaluationLimits()
        if let ms = testCase["timelimit"]?.numberValue?.intValue { limits.timeout = .milliseconds(ms) }
        if let depth = testCase["depth"]?.numberValue?.intValue { limits.maxDepth = depth }
        let expression = Result { () throws(ExpressionError) in try Expression(text) }
        return .success(Prepared(expression: expression, input: input, bindings: bindings, limits: limits))
    }

    /// Nil when the case passes in `mode`, else why not.
    private func check(_ testCase: JSONValue, _ prepared: Prepared, mode: NumberMode) -> String? {
        var limits = prepared.limits
        limits.numbers = mode
        let expectedCode = testCase["code"]?.stringValue ?? testCase["error"]?["code"]?.stringValue
        let outcome: Result<JSONValue?, ExpressionError>
        do throws(ExpressionError) {
            let expression = try prepared.expression.get()
            outcome = .success(try expression.evaluate(prepared.input, bindings: prepared.bindings, limits: limits))
        } catch {
            outcome = .failure(error)
        }

        switch outcome {
        case .failure(let error):
            if let expectedCode {
                return error.code == expectedCode ? nil : "expected error \(expectedCode), got \(error.code): \(error.message)"
            }
            return "unexpected error \(error)"
        case .success(let value):
            if let expectedCode {
                return "expected error \(expectedCode), got \(value.map { JSONWriter.write($0) } ?? "undefined")"
            }
            if testCase["undefinedResult"]?.boolValue == true {
                return value == nil ? nil : "expected undefined, got \(JSONWriter.write(value!))"
            }
            guard let expected = testCase["result"] else {
                return value == nil ? nil : "the case expects nothing, got \(JSONWriter.write(value!))"
            }
            guard let value else { return "expected \(JSONWriter.write(expected)), got undefined" }
            let unordered = testCase["unordered"]?.boolValue == true
            if JSONataSuite.same(value, expected, unordered: unordered) { return nil }
            return "expected \(JSONWriter.write(expected)), got \(JSONWriter.write(value))"
        }
    }

    /// Deep equality with numbers compared by value.
    static func same(_ a: JSONValue, _ b: JSONValue, unordered: Bool) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x == y || x.double == y.double
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            if unordered {
                var remaining = y
                for e in x {
                    guard let i = remaining.firstIndex(where: { same(e, $0, unordered: true) }) else { return false }
                    remaining.remove(at: i)
                }
                return true
            }
            return zip(x, y).allSatisfy { same($0, $1, unordered: false) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for k in x.keys {
                guard let yv = y[k], same(x[k]!, yv, unordered: unordered) else { return false }
            }
            return true
        default:
            return a == b
        }
    }
}
