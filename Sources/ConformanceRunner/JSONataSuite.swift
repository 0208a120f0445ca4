import Expressions
import Foundation
import JSONModel

/// The JSONata reference implementation's language-neutral suite
/// (`jsonata-test-suite/groups/GROUP/caseNNN.json`; a file may hold a list of cases).
///
/// A case passes when the result equals `result` (numbers compared by value; arrays in any
/// order when `unordered`), is undefined for `undefinedResult`, or when evaluation fails with
/// the expected error `code`. Cases are named `group/caseNNN` (`group/name[i]` inside lists),
/// which is also how `conformance/known-failures/jsonata.txt` lists them.
struct JSONataSuite: ConformanceSuite {
    let name = "jsonata"

    func run(conformanceDir: String, verbose: Bool) -> SuiteResult {
        var result = SuiteResult()
        let suiteDir = (conformanceDir as NSString).appendingPathComponent("jsonata-test-suite")
        let groupsDir = (suiteDir as NSString).appendingPathComponent("groups")
        let datasetsDir = (suiteDir as NSString).appendingPathComponent("datasets")
        guard let groups = try? FileManager.default.contentsOfDirectory(atPath: groupsDir) else {
            result.notes.append("jsonata: no tests at '\(groupsDir)'")
            result.skipped = true
            return result
        }
        var datasets: [String: JSONValue] = [:]
        let filter = ProcessInfo.processInfo.environment["JSONATA_CASE"]
        for group in groups.sorted() {
            let groupDir = (groupsDir as NSString).appendingPathComponent(group)
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: groupDir) else { continue }
            var groupPassed = 0
            for file in files.filter({ $0.hasSuffix(".json") }).sorted() {
                let base = String(file.dropLast(5))
                let path = (groupDir as NSString).appendingPathComponent(file)
                guard let data = FileManager.default.contents(atPath: path), let doc = try? JSONParser.parse(bytes: [UInt8](data)) else {
                    let key = CaseKey(file: "\(group)/\(base)", group: "", test: "")
                    result.failures.append((key, "cannot read or parse the case file"))
                    continue
                }
                let cases: [(String, JSONValue)]
                if case .array(let list) = doc {
                    cases = list.enumerated().map { ("\(group)/\(base)[\($0.offset)]", $0.element) }
                } else {
                    cases = [("\(group)/\(base)", doc)]
                }
                for (caseName, testCase) in cases {
                    if let filter, !caseName.hasPrefix(filter) { continue }
                    let key = CaseKey(file: caseName, group: "", test: "")
                    result.ran.insert(key)
                    let reason = check(testCase, groupDir: groupDir, datasetsDir: datasetsDir, datasets: &datasets)
                    if let reason {
                        result.failures.append((key, reason))
                    } else {
                        result.passed += 1
                        groupPassed += 1
                    }
                }
            }
            if verbose { print("\(group): \(groupPassed) passed") }
        }
        return result
    }

    /// Nil when the case passes, else why not.
    private func check(_ testCase: JSONValue, groupDir: String, datasetsDir: String, datasets: inout [String: JSONValue]) -> String? {
        var text = testCase["expr"]?.stringValue
        if text == nil, let file = testCase["expr-file"]?.stringValue {
            let path = (groupDir as NSString).appendingPathComponent(file)
            text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
        }
        guard let text else { return "the case has no expression" }

        var input: JSONValue? = nil
        if let object = testCase.objectValue, object.contains("data") {
            input = testCase["data"]
        } else if let name = testCase["dataset"]?.stringValue {
            if let cached = datasets[name] {
                input = cached
            } else {
                let path = (datasetsDir as NSString).appendingPathComponent(name + ".json")
                guard let data = FileManager.default.contents(atPath: path), let value = try? JSONParser.parse(bytes: [UInt8](data)) else {
                    return "cannot read dataset '\(name)'"
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

        let expectedCode = testCase["code"]?.stringValue ?? testCase["error"]?["code"]?.stringValue
        let outcome: Result<JSONValue?, ExpressionError>
        do {
            let expression = try Expression(text)
            outcome = .success(try expression.evaluate(input, bindings: bindings, limits: limits))
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
