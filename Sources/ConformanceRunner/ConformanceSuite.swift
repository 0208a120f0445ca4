import Foundation

/// One conformance suite the runner knows (a file per suite).
protocol ConformanceSuite: Sendable {
    /// The `--suite` name, also the known-failures file name.
    var name: String { get }
    func run(conformanceDir: String, verbose: Bool) -> SuiteResult
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
