import Expressions
import Foundation
import JSONModel
import Testing

/// Runs the whole JSONata suite (../shared/conformance/jsonata-test-suite) when it is present
/// and checks that no more cases fail than `conformance/known-failures/jsonata.txt` lists.
/// The conformance runner (`ConformanceRunner --suite jsonata`) names each failure.
@Suite struct ConformanceTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let suiteDir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance/jsonata-test-suite")

    @Test func jsonataSuite() throws {
        let groupsDir = Self.suiteDir.appendingPathComponent("groups")
        guard FileManager.default.fileExists(atPath: groupsDir.path) else { return }
        let knownText = (try? String(contentsOf: Self.packageRoot.appendingPathComponent("conformance/known-failures/jsonata.txt"), encoding: .utf8)) ?? ""
        let known = Set(
            knownText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
                .map { String($0.split(separator: "|")[0]).trimmingCharacters(in: .whitespaces) })
        var passed = 0
        var failed: [String] = []
        var datasets: [String: JSONValue] = [:]
        for group in try FileManager.default.contentsOfDirectory(atPath: groupsDir.path).sorted() {
            let dir = groupsDir.appendingPathComponent(group)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".json") {
                let doc = try JSONParser.parse(bytes: [UInt8](Data(contentsOf: dir.appendingPathComponent(file))))
                let cases: [(String, JSONValue)]
                if case .array(let list) = doc {
                    cases = list.enumerated().map { ("\(group)/\(file.dropLast(5))[\($0.offset)]", $0.element) }
                } else {
                    cases = [("\(group)/\(file.dropLast(5))", doc)]
                }
                for (name, c) in cases {
                    if try run(c, dir: dir, datasets: &datasets) { passed += 1 } else { failed.append(name) }
                }
            }
        }
        let unexpected = failed.filter { !known.contains($0) }
        #expect(unexpected.isEmpty, "unlisted failures: \(unexpected)")
        #expect(failed.count <= known.count)
        #expect(passed + failed.count == 1686)
    }

    private func run(_ c: JSONValue, dir: URL, datasets: inout [String: JSONValue]) throws -> Bool {
        var text = c["expr"]?.stringValue
        if text == nil, let file = c["expr-file"]?.stringValue {
            text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        }
        guard let text else { return false }
        var input: JSONValue? = nil
        if c.objectValue?.contains("data") == true {
            input = c["data"]
        } else if let name = c["dataset"]?.stringValue {
            if datasets[name] == nil {
                let url = Self.suiteDir.appendingPathComponent("datasets/\(name).json")
                datasets[name] = try JSONParser.parse(bytes: [UInt8](Data(contentsOf: url)))
            }
            input = datasets[name]
        }
        var bindings: [String: JSONValue] = [:]
        if let b = c["bindings"]?.objectValue { for k in b.keys { bindings[k] = b[k] } }
        var limits = EvaluationLimits()
        if let ms = c["timelimit"]?.numberValue?.intValue { limits.timeout = .milliseconds(ms) }
        if let depth = c["depth"]?.numberValue?.intValue { limits.maxDepth = depth }
        let code = c["code"]?.stringValue ?? c["error"]?["code"]?.stringValue
        do {
            let value = try Expression(text).evaluate(input, bindings: bindings, limits: limits)
            if code != nil { return false }
            if c["undefinedResult"]?.boolValue == true { return value == nil }
            guard let expected = c["result"] else { return value == nil }
            guard let value else { return false }
            return same(value, expected, unordered: c["unordered"]?.boolValue == true)
        } catch {
            return error.code == code
        }
    }

    private func same(_ a: JSONValue, _ b: JSONValue, unordered: Bool) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)):
            return x == y || x.double == y.double
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            if unordered {
                var rest = y
                for e in x {
                    guard let i = rest.firstIndex(where: { same(e, $0, unordered: true) }) else { return false }
                    rest.remove(at: i)
                }
                return true
            }
            return zip(x, y).allSatisfy { same($0, $1, unordered: false) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for k in x.keys {
                guard let v = y[k], same(x[k]!, v, unordered: unordered) else { return false }
            }
            return true
        default:
            return a == b
        }
    }
}
