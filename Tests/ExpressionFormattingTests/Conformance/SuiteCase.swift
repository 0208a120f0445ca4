import ExpressionFormatting
import Foundation
import Testing

let packageRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let jsonataSuiteDir = packageRoot.appendingPathComponent("../shared/conformance/jsonata-test-suite").standardizedFileURL
let jsonataSuitePresent = FileManager.default.fileExists(atPath: jsonataSuiteDir.path)

/// One case of the JSONata test suite whose expression calls a formatting function.
struct SuiteCase: Sendable, CustomTestStringConvertible {
    enum Expected: Sendable, Equatable {
        case value(Value)
        case undefined
        case error(code: String)
    }

    let name: String
    let expression: String
    let input: Value
    let expected: Expected

    var testDescription: String { "\(name): \(expression)" }

    static let functions = ["$formatNumber", "$formatInteger", "$parseInteger", "$formatBase", "$fromMillis", "$toMillis"]

    /// Every such case in the suite, in group and file order.
    static let all: [SuiteCase] = {
        guard jsonataSuitePresent else { return [] }
        let fm = FileManager.default
        let groupsDir = jsonataSuiteDir.appendingPathComponent("groups")
        var result: [SuiteCase] = []
        let groups = ((try? fm.contentsOfDirectory(atPath: groupsDir.path)) ?? []).sorted()
        for group in groups {
            let dir = groupsDir.appendingPathComponent(group)
            let files = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            for file in files {
                guard let data = try? Data(contentsOf: dir.appendingPathComponent(file)),
                      let json = try? JSONDecoder().decode(Value.self, from: data) else { continue }
                let entries: [Value]
                if case .array(let list) = json { entries = list } else { entries = [json] }
                for (index, entry) in entries.enumerated() {
                    guard case .object(let o) = entry, case .string(let expr)? = o["expr"],
                          functions.contains(where: expr.contains) else { continue }
                    let name = entries.count > 1 ? "\(group)/\(file)[\(index)]" : "\(group)/\(file)"
                    var input = o["data"] ?? .undefined
                    if case .string(let dataset)? = o["dataset"] {
                        let url = jsonataSuiteDir.appendingPathComponent("datasets/\(dataset).json")
                        input = (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Value.self, from: $0) } ?? .undefined
                    }
                    let expected: Expected
                    if case .string(let code)? = o["code"] {
                        expected = .error(code: code)
                    } else if let value = o["result"] {
                        expected = .value(value)
                    } else {
                        expected = .undefined
                    }
                    result.append(SuiteCase(name: name, expression: expr, input: input, expected: expected))
                }
            }
        }
        return result
    }()

    enum Outcome: Equatable {
        case passed
        case failed(String)
        /// The expression needs more of the language than the harness evaluates.
        case skipped(String)
    }

    /// The fixed `$now()` of the harness: 2023-11-14T22:13:20Z.
    static let now: Double = 1_700_000_000_000

    func run() -> Outcome {
        let actual: Expected
        do {
            let value = try MiniJSONata(input: input, now: Self.now).evaluate(expression)
            actual = value.isUndefined ? .undefined : .value(value)
        } catch let error as FormattingError {
            actual = .error(code: error.code)
        } catch let error as Unsupported {
            return .skipped(error.description)
        } catch {
            return .failed("unexpected error \(error)")
        }
        return actual == expected ? .passed : .failed("expected \(expected), got \(actual)")
    }
}

extension Value: Decodable {
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([Value].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: Value].self))
        }
    }
}
