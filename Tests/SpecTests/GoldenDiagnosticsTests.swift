import Diagnostics
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
