/// Placeholder for the JSONata suite (../shared/conformance/jsonata-test-suite); the expression
/// engine adds its runner here.
struct JSONataSuite: ConformanceSuite {
    let name = "jsonata"

    func run(conformanceDir: String, verbose: Bool) -> SuiteResult {
        var result = SuiteResult()
        result.notes.append("jsonata: suite not implemented yet")
        result.skipped = true
        return result
    }
}
