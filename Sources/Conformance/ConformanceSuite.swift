import Foundation

/// One conformance suite the runner knows (a file per suite).
protocol ConformanceSuite: Sendable {
    /// The `--suite` name, also the known-failures file name.
    var name: String { get }
    func run(conformanceDir: String, verbose: Bool) -> SuiteResult
    /// Every run of the suite: one by default; a suite may run its cases in several modes,
    /// each with its own known failures and summary line.
    func runs(conformanceDir: String, verbose: Bool) -> [SuiteRun]
}

extension ConformanceSuite {
    func runs(conformanceDir: String, verbose: Bool) -> [SuiteRun] {
        [SuiteRun(label: name, knownFailures: name, inTotal: true, result: run(conformanceDir: conformanceDir, verbose: verbose))]
    }
}

/// One run of a suite's cases.
struct SuiteRun {
    /// How the summary line names the run (`NAME: N passed, M failed`).
    let label: String
    /// The known-failures file, without `.txt`.
    let knownFailures: String
    /// True when the run counts in the runner's final total (the product's behaviour); other
    /// runs are checks of an alternative mode, reported on their own line only.
    let inTotal: Bool
    var result: SuiteResult
}

/// Identifies a case: file, group description, case description.
struct CaseKey: Hashable {
    let file: String
    let group: String
    let test: String

    /// How the case is named in reports: `file: group / test`, or just the name for suites
    /// with single-name cases.
    var display: String {
        group.isEmpty && test.isEmpty ? file : "\(file): \(group) / \(test)"
    }

    /// How the case is listed in a known-failures file.
    var listing: String {
        group.isEmpty && test.isEmpty ? file : "\(file) | \(group) | \(test)"
    }
}

struct SuiteResult {
    var passed = 0
    var failures: [(key: CaseKey, reason: String)] = []
    /// Every case that ran (to tell stale known failures from cases that did not run).
    var ran: Set<CaseKey> = []
    /// Lines to print before the summary.
    var notes: [String] = []
    /// True when the suite did not run at all (no summary line is printed for it).
    var skipped = false
}

/// `conformance/known-failures/SUITE.txt`: `file.json | group | case | reason` per line, or
/// `case | reason` for suites whose cases have a single name (JSONata's `group/caseNNN`);
/// `#` comments.
struct KnownFailures {
    let entries: [CaseKey]
    private let set: Set<CaseKey>

    init(entries: [CaseKey]) {
        self.entries = entries
        self.set = Set(entries)
    }

    func contains(_ key: CaseKey) -> Bool { set.contains(key) }

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    /// A missing file means no known failures.
    static func load(path: String) throws -> KnownFailures {
        guard let data = FileManager.default.contents(atPath: path) else { return KnownFailures(entries: []) }
        var entries: [CaseKey] = []
        for (number, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.components(separatedBy: " | ").map { $0.trimmingCharacters(in: .whitespaces) }
            if fields.count == 2 && !fields[0].hasSuffix(".json") {
                entries.append(CaseKey(file: fields[0], group: "", test: ""))
                continue
            }
            guard fields.count >= 3 else {
                throw FormatError(description: "\(path):\(number + 1): expected 'file.json | group | case | reason'")
            }
            entries.append(CaseKey(file: fields[0], group: fields[1], test: fields[2]))
        }
        return KnownFailures(entries: entries)
    }
}
