import ArgumentParser
import Expressions
import Foundation
import JSONModel
import PipelineExpressions
import Spec

/// `xeroflow eval EXPR`: try a JSONata expression on a record, as integrators do while writing
/// mappings. Pipeline functions (`$money`, `$toXeroDate`, …) are available.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a JSONata expression on a record.",
        discussion: """
            Plain output prints the result as JSON, and nothing when it is undefined. --format json prints \
            exactly one object: {"result": VALUE}, {"undefined": true} or {"error": {"code", "position", \
            "message"}}. Without --input the input is undefined. Exit 0 for a result or undefined, 1 for an \
            expression error, 64 on a usage error (including an unreadable input or bindings file).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// The time budget when --timeout-ms is not given.
    static let defaultTimeoutMs = 10_000

    @Argument(help: "The JSONata expression.")
    var expression: String

    @Option(help: "The input document (JSON or YAML); '-' reads standard input.")
    var input: String?

    @Option(help: "A JSON or YAML object of variables: {\"accounts\": {…}} is $accounts.")
    var bindings: String?

    @Option(name: .customLong("timeout-ms"), help: "Stop an evaluation that runs longer than this (milliseconds; default 10000).")
    var timeoutMs: Int?

    @Option(name: .customLong("max-depth"), help: "Stop an evaluation that nests deeper than this.")
    var maxDepth: Int?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        if let t = timeoutMs, t <= 0 { throw ValidationError("--timeout-ms must be positive") }
        if let d = maxDepth, d <= 0 { throw ValidationError("--max-depth must be positive") }
    }

    func run() throws {
        let inputValue: JSONValue? = try input.map { try load($0, what: "input") }
        var vars: [String: JSONValue] = [:]
        if let bindings {
            guard case .object(let o) = try load(bindings, what: "bindings") else {
                Console.err("xeroflow: the bindings file must hold an object of variables\n")
                throw ExitCode.usage
            }
            for (k, v) in o { vars[k.hasPrefix("$") ? String(k.dropFirst()) : k] = v }
        }
        // A default budget keeps a runaway expression (an endless tail call) from hanging the shell.
        let defaultTimeout = ProcessInfo.processInfo.environment["XEROFLOW_EVAL_TIMEOUT_MS"].flatMap(Int.init) ?? Self.defaultTimeoutMs
        let limits = EvaluationLimits(timeout: .milliseconds(timeoutMs ?? defaultTimeout), maxDepth: maxDepth)
        do {
            let compiled = try Expression(expression)
            let result = try compiled.evaluate(inputValue, bindings: vars, environment: PipelineFunctions.environment, limits: limits)
            switch (format, result) {
            case (.json, let r?): Console.out(JSONWriter.write(.object(JSONObject([("result", r)]))) + "\n")
            case (.json, nil): Console.out("{\"undefined\":true}\n")
            case (.text, let r?): Console.out(JSONWriter.write(r, options: .pretty) + "\n")
            case (.text, nil): break
            }
        } catch {
            switch format {
            case .json:
                var e = JSONObject()
                e["code"] = .string(error.code)
                e["position"] = error.position.map { .number(JSONNumber($0)) } ?? .null
                e["message"] = .string(error.message)
                Console.out(JSONWriter.write(.object(JSONObject([("error", .object(e))]))) + "\n")
            case .text:
                var text = "error: \(error.message) (\(error.code))\n"
                if let p = error.position, !expression.contains("\n") {
                    text += "   \(expression)\n   " + String(repeating: " ", count: max(0, p)) + "^"
                        + String(repeating: "~", count: max(0, (error.token?.count ?? 1) - 1)) + "\n"
                }
                Console.err(text)
            }
            throw ExitCode(ExitCodes.failure)
        }
    }

    private func load(_ path: String, what: String) throws -> JSONValue {
        let bytes: [UInt8]
        if path == "-" {
            bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        } else {
            guard FileManager.default.fileExists(atPath: path) else {
                Console.err("xeroflow: no such \(what) file '\(path)'\n")
                throw ExitCode.usage
            }
            bytes = (try? Files.read(path, limit: SchemaValidateCommand.maxInstanceBytes)) ?? []
        }
        let reader = DocumentReader(maxBytes: SchemaValidateCommand.maxInstanceBytes, limits: YAMLLimits(maxDepth: 1_000, maxNodes: 20_000_000))
        switch reader.read(bytes: bytes, file: path == "-" ? "<stdin>" : path) {
        case .document(let doc, _): return doc.value
        case .empty: return .null
        case .failure(let d, _):
            Console.err("\(d.location.map { "\($0)" } ?? path): error: the \(what) is not valid JSON or YAML: \(d.message)\n")
            throw ExitCode.usage
        }
    }
}
