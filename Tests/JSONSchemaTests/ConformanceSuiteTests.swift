import Foundation
import JSONModel
import Testing
@testable import JSONSchema

/// Runs the JSON-Schema-Test-Suite draft 2020-12 required cases when ../shared/conformance is
/// present, and expects no more failures than conformance/known-failures/json-schema.txt lists.
@Suite struct ConformanceSuiteTests {
    private var suiteDir: URL { conformanceDir.appendingPathComponent("json-schema-test-suite") }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: conformanceDir.path)))
    func draft2020_12RequiredCases() throws {
        let testsDir = suiteDir.appendingPathComponent("tests/draft2020-12")
        let remotes = ["http://localhost:1234/": suiteDir.appendingPathComponent("remotes").path]
        var passed = 0
        var failures: [String] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: testsDir.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let data = try Data(contentsOf: testsDir.appendingPathComponent(file))
            let groups = try #require(try JSONParser.parse(bytes: [UInt8](data)).arrayValue)
            for group in groups {
                let compiled = Result { () throws(SchemaError) in
                    try JSONSchemaValidator(schema: group["schema"] ?? true, remotes: remotes)
                }
                for test in group["tests"]?.arrayValue ?? [] {
                    let expected = test["valid"]?.boolValue
                    let instance = test["data"] ?? .null
                    let name = "\(file): \(group["description"]?.stringValue ?? "") / \(test["description"]?.stringValue ?? "")"
                    guard case .success(let v) = compiled else {
                        failures.append(name + ": did not compile")
                        continue
                    }
                    let valid = v.isValid(instance)
                    if valid == expected && v.validate(instance).isEmpty == valid {
                        passed += 1
                    } else {
                        failures.append(name)
                    }
                }
            }
        }
        let knownFile = packageRoot.appendingPathComponent("conformance/known-failures/json-schema.txt")
        let known = (try? String(contentsOf: knownFile, encoding: .utf8))?
            .split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.hasPrefix("#") }
            .count ?? 0
        #expect(passed + failures.count == 1_299)
        #expect(failures.count <= known, "unexpected failures:\n\(failures.joined(separator: "\n"))")
    }
}
