import Foundation

/// `ConformanceRunner [--suite json-schema|jsonata|all] [--conformance-dir DIR] [--verbose]`
///
/// Runs each selected suite, prints every failure and a `NAME: N passed, M failed` line per
/// suite run, then the total `N passed, M failed`. The jsonata suite runs twice, in exact
/// decimals (`jsonata (exact decimals)`, known failures `jsonata.txt`, counted in the total) and
/// in IEEE doubles (`jsonata (ieee)`, known failures `jsonata-ieee.txt`, failures tagged
/// `[jsonata (ieee)]`, not counted in the total). Exit status 0 when every failure is listed in
/// its `conformance/known-failures/*.txt` (relative to the current directory), 1 when a new
/// failure appears in any run, 2 on a usage error. A missing conformance folder is a note and
/// exit 0. See conformance/README.md.
public enum RunnerCommand {
    static let suites: [any ConformanceSuite] = [JSONSchemaSuite(), JSONataSuite()]

    static let usage = "usage: ConformanceRunner [--suite json-schema|jsonata|all] [--conformance-dir DIR] [--known-failures-dir DIR] [--verbose]"

    public static func main(arguments: [String]) -> Int32 {
        var selected = "all"
        var conformanceDir = "../shared/conformance"
        var knownFailuresDir = "conformance/known-failures"
        var verbose = false
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            func value() -> String? {
                i += 1
                return i < arguments.count ? arguments[i] : nil
            }
            switch argument {
            case "--suite":
                guard let v = value() else { return usageError("--suite needs a value") }
                selected = v
            case "--conformance-dir":
                guard let v = value() else { return usageError("--conformance-dir needs a value") }
                conformanceDir = v
            case "--known-failures-dir":
                guard let v = value() else { return usageError("--known-failures-dir needs a value") }
                knownFailuresDir = v
            case "--verbose", "-v":
                verbose = true
            case "--help", "-h":
                print(usage)
                return 0
            default:
                return usageError("unknown argument '\(argument)'")
            }
            i += 1
        }
        let chosen = selected == "all" ? suites : suites.filter { $0.name == selected }
        guard !chosen.isEmpty else {
            return usageError("unknown suite '\(selected)'; expected \(suites.map(\.name).joined(separator: ", ")) or all")
        }

        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: conformanceDir, isDirectory: &isDirectory), isDirectory.boolValue else {
            print("note: no conformance suites at '\(conformanceDir)'; nothing to run")
            return 0
        }

        var passed = 0
        var failed = 0
        var unexpected = 0
        for suite in chosen {
            for run in suite.runs(conformanceDir: conformanceDir, verbose: verbose) {
                let known: KnownFailures
                do {
                    known = try KnownFailures.load(path: (knownFailuresDir as NSString).appendingPathComponent("\(run.knownFailures).txt"))
                } catch {
                    printError("error: \(error)")
                    return 2
                }
                let result = run.result
                // Failures of a run outside the total (an alternative mode) are tagged with the run.
                let tag = run.inTotal ? "" : "[\(run.label)] "
                for failure in result.failures {
                    let listed = known.contains(failure.key)
                    print("FAIL \(tag)\(failure.key.display): \(failure.reason)\(listed ? " (known)" : "")")
                    if !listed { unexpected += 1 }
                }
                let failedKeys = Set(result.failures.map(\.key))
                for stale in known.entries where !failedKeys.contains(stale) && result.ran.contains(stale) {
                    print("warning: \(tag)known failure now passes, remove it from \(run.knownFailures).txt: \(stale.listing)")
                }
                for note in result.notes { print(note) }
                if result.skipped { continue }
                print("\(run.label): \(result.passed) passed, \(result.failures.count) failed")
                if run.inTotal {
                    passed += result.passed
                    failed += result.failures.count
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        if unexpected > 0 {
            printError("error: \(unexpected) failure(s) not listed in \(knownFailuresDir)")
            return 1
        }
        return 0
    }

    private static func usageError(_ message: String) -> Int32 {
        printError("error: \(message)\n\(usage)")
        return 2
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
