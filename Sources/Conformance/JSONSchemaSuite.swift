import Foundation
import JSONModel
import JSONSchema

/// JSON-Schema-Test-Suite, draft 2020-12, required cases (`tests/draft2020-12/*.json`, not
/// `optional/`). Remote references `http://localhost:1234/…` map to the suite's `remotes/`.
struct JSONSchemaSuite: ConformanceSuite {
    let name = "json-schema"
    /// Assert `format` (for trying the suite's `optional/format` folder by hand).
    var formatAssertion = ProcessInfo.processInfo.environment["CONFORMANCE_FORMAT_ASSERTION"] == "1"

    func run(conformanceDir: String, verbose: Bool) -> SuiteResult {
        var result = SuiteResult()
        let suiteDir = (conformanceDir as NSString).appendingPathComponent("json-schema-test-suite")
        let testsDir = (suiteDir as NSString).appendingPathComponent("tests/draft2020-12")
        let remotes = ["http://localhost:1234/": (suiteDir as NSString).appendingPathComponent("remotes")]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: testsDir) else {
            result.notes.append("json-schema: no tests at '\(testsDir)'")
            return result
        }
        for file in names.filter({ $0.hasSuffix(".json") }).sorted() {
            let path = (testsDir as NSString).appendingPathComponent(file)
            guard let data = FileManager.default.contents(atPath: path),
                let groups = (try? JSONParser.parse(bytes: [UInt8](data)))?.arrayValue
            else {
                result.failures.append((CaseKey(file: file, group: "-", test: "-"), "cannot read or parse the file"))
                continue
            }
            var filePassed = 0
            for group in groups {
                let groupName = group["description"]?.stringValue ?? "?"
                let schema = group["schema"] ?? .bool(true)
                let compiled = Result { () throws(SchemaError) in
                    try JSONSchemaValidator(schema: schema, remotes: remotes, formatAssertion: formatAssertion)
                }
                for test in group["tests"]?.arrayValue ?? [] {
                    let key = CaseKey(file: file, group: groupName, test: test["description"]?.stringValue ?? "?")
                    result.ran.insert(key)
                    let expected = test["valid"]?.boolValue ?? true
                    let reason = check(compiled, test["data"] ?? .null, expected: expected)
                    if let reason {
                        result.failures.append((key, reason))
                    } else {
                        result.passed += 1
                        filePassed += 1
                    }
                }
            }
            if verbose { print("\(file): \(filePassed) passed") }
        }
        return result
    }

    /// Nil when the case passes, else why not.
    private func check(_ compiled: Result<JSONSchemaValidator, SchemaError>, _ instance: JSONValue, expected: Bool) -> String? {
        let validator: JSONSchemaValidator
        switch compiled {
        case .success(let v): validator = v
        case .failure(let error): return "schema did not compile: \(error)"
        }
        let fast = validator.isValid(instance)
        let errors = validator.validate(instance)
        if fast != errors.isEmpty {
            return "isValid says \(fast) but validate returned \(errors.count) error(s)"
        }
        if fast == expected { return nil }
        if expected {
            return "expected valid, got invalid: \(errors.first.map(\.description) ?? "?")"
        }
        return "expected invalid, got valid"
    }
}
