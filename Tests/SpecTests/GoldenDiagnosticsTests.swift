import Diagnostics
import JSONModel
import JSONSchema
import Foundation
import Spec
import Testing

/// Each invalid fixture has a golden rendering of its diagnostics. Re-record with
/// `RECORD_GOLDEN=1 swift test --filter GoldenDiagnostics`; a recording run fails on purpose.
@Suite("Golden diagnostics")
struct GoldenDiagnosticsTests {
    static let invalid = Paths.files(in: Paths.fixtures.appendingPathComponent("invalid")).map(\.lastPathComponent)

    @Test("there are at least 30 invalid fixtures")
    func enoughFixtures() {
        #expect(Self.invalid.count >= 30)
    }

    @Test("invalid fixture renders its golden diagnostics", arguments: invalid)
    func golden(_ name: String) throws {
        let url = Paths.fixtures.appendingPathComponent("invalid").appendingPathComponent(name)
        let display = "invalid/\(name)"
        let result = PipelineValidator(options: .init(environment: fixtureEnvironment))
            .validate(bytes: Paths.bytes(url), file: display)
        #expect(result.diagnostics.hasErrors || result.diagnostics.warningCount > 0, "\(name) should produce diagnostics")
        let rendered = DiagnosticRenderer(sources: result.text.map { [display: $0] } ?? [:])
            .text(result.diagnostics, fileCount: 1)
        let goldenURL = url.deletingPathExtension().appendingPathExtension("diagnostics.txt")
        if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
            try rendered.write(to: goldenURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(goldenURL.lastPathComponent); run again without RECORD_GOLDEN")
            return
        }
        let golden = try String(contentsOf: goldenURL, encoding: .utf8)
        #expect(rendered == golden)
    }

    /// Every diagnostic id in docs/diagnostics.md is produced by some fixture or test, and every
    /// id a fixture produces is documented.
    @Test("every produced diagnostic id is documented")
    func idsDocumented() throws {
        let doc = try String(contentsOf: Paths.packageRoot.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        var produced = Set<String>()
        for name in Self.invalid {
            let url = Paths.fixtures.appendingPathComponent("invalid").appendingPathComponent(name)
            let r = PipelineValidator(options: .init(environment: fixtureEnvironment)).validate(bytes: Paths.bytes(url), file: name)
            produced.formUnion(r.diagnostics.map(\.id))
        }
        for id in produced.sorted() {
            #expect(doc.contains("`\(id)`"), "diagnostic id \(id) is not documented in docs/diagnostics.md")
        }
    }
}

@Suite("Diagnostic ids")
struct DiagnosticIdTests {
    /// Ids exercised by dedicated tests instead of fixtures (generated or environment-dependent input).
    static let testedElsewhere: Set<String> = ["file_too_large", "unreadable_file", "document_too_large", "internal_error"]

    @Test("every documented id is produced by a fixture or a dedicated test")
    func everyDocumentedIdIsExercised() throws {
        let doc = try String(contentsOf: Paths.packageRoot.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        let documented = doc.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `"), let end = line.dropFirst(3).firstIndex(of: "`") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 3)..<end])
        }
        #expect(documented.count >= 30)
        var produced = Set<String>()
        for name in GoldenDiagnosticsTests.invalid {
            let url = Paths.fixtures.appendingPathComponent("invalid").appendingPathComponent(name)
            let r = PipelineValidator(options: .init(environment: fixtureEnvironment)).validate(bytes: Paths.bytes(url), file: name)
            produced.formUnion(r.diagnostics.map(\.id))
        }
        for id in documented where !Self.testedElsewhere.contains(id) {
            #expect(produced.contains(id), "no invalid fixture produces '\(id)'")
        }
    }

    @Test func documentTooLargeWithoutAliases() throws {
        let text = "x: [" + Array(repeating: "1", count: 2_000).joined(separator: ", ") + "]\n"
        let reader = DocumentReader(limits: YAMLLimits(maxDepth: 256, maxNodes: 1_000))
        guard case .failure(let d, _) = reader.read(text: text, file: "big.yaml") else {
            Issue.record("expected a failure")
            return
        }
        #expect(d.id == "document_too_large")
    }
}

@Suite("Pipeline schema quality")
struct PipelineSchemaQualityTests {
    /// Editors show `description` on hover and offer `examples`: every property must have both.
    @Test func everyPropertyHasDescriptionAndExample() throws {
        let schema = PipelineValidator.schema
        var missing: [String] = []
        func walk(_ v: JSONValue, _ path: String) {
            guard let o = v.objectValue else {
                if let a = v.arrayValue { for (i, e) in a.enumerated() { walk(e, "\(path)/\(i)") } }
                return
            }
            if let props = o["properties"]?.objectValue {
                for (name, sub) in props {
                    let s = sub.objectValue
                    let isRefOnly = s?["$ref"] != nil && s?.count == 1
                    if !isRefOnly {
                        if s?["description"]?.stringValue?.isEmpty ?? true { missing.append("\(path)/properties/\(name): description") }
                        if (s?["examples"]?.arrayValue?.isEmpty ?? true) && s?["const"] == nil { missing.append("\(path)/properties/\(name): examples") }
                    }
                }
            }
            for (k, sub) in o { walk(sub, "\(path)/\(k)") }
        }
        walk(schema, "")
        #expect(missing.isEmpty, "\(missing)")
    }

    @Test func schemaConformsToTheMetaSchema() {
        #expect(JSONSchemaValidator.checkSchema(PipelineValidator.schema).isEmpty)
    }
}
