import Foundation
import Testing
@testable import Conformance

/// Runs the official suites in ../shared/conformance (when present) through the same code as
/// `ConformanceRunner`, and expects every failure to be listed, with its reason, in
/// `conformance/known-failures/`. The runner prints each failure by case and reason.
@Suite("Conformance suites", .serialized)
struct ConformanceSuitesTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let conformanceDir = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance").path
    static var present: Bool { FileManager.default.fileExists(atPath: conformanceDir) }

    private func check(_ suite: some ConformanceSuite, cases expected: Int) throws {
        for run in suite.runs(conformanceDir: Self.conformanceDir, verbose: false) {
            let known = try KnownFailures.load(
                path: Self.packageRoot.appendingPathComponent("conformance/known-failures/\(run.knownFailures).txt").path)
            let unlisted = run.result.failures.filter { !known.contains($0.key) }
            #expect(unlisted.isEmpty, "\(run.label): unlisted failures: \(unlisted.map { "\($0.key.display): \($0.reason)" })")
            #expect(run.result.passed + run.result.failures.count == expected, "\(run.label)")
        }
    }

    @Test(.enabled(if: present)) func jsonSchemaDraft2020_12() throws {
        try check(JSONSchemaSuite(), cases: 1_299)
    }

    @Test(.enabled(if: present)) func jsonata() throws {
        try check(JSONataSuite(), cases: 1_686)
    }
}
