import Testing

/// The JSONata test suite's cases that call `$formatNumber`, `$formatInteger`, `$parseInteger`,
/// `$formatBase`, `$fromMillis` or `$toMillis`, run through `MiniJSONata` against this target.
@Suite(.enabled(if: jsonataSuitePresent))
struct ConformanceTests {
    @Test(arguments: SuiteCase.all)
    func suiteCase(_ suiteCase: SuiteCase) {
        switch suiteCase.run() {
        case .passed, .skipped: break
        case .failed(let reason): Issue.record("\(reason)")
        }
    }

    /// Every applicable case passes, and the harness can evaluate all of them.
    @Test func summary() {
        let cases = SuiteCase.all
        var failed: [String] = []
        var skipped: [String] = []
        for c in cases {
            switch c.run() {
            case .passed: break
            case .failed(let reason): failed.append("\(c.testDescription) — \(reason)")
            case .skipped(let reason): skipped.append("\(c.testDescription) — \(reason)")
            }
        }
        let passed = cases.count - failed.count - skipped.count
        print("JSONata formatting cases: \(passed) of \(cases.count - skipped.count) evaluable passed; \(skipped.count) skipped")
        #expect(cases.count > 300)
        #expect(failed.isEmpty, "failures:\n\(failed.joined(separator: "\n"))")
        #expect(skipped.isEmpty, "skipped:\n\(skipped.joined(separator: "\n"))")
    }
}
