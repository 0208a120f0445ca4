import ArgumentParser
import Diagnostics
import Foundation
import Spec

/// `xeroflow validate [PATH…]`: check pipeline files as a compiler would, for editors and CI.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files: YAML syntax, the pipeline schema, references, cycles, Xero fields, schedules.",
        discussion: """
            PATHs are pipeline files or folders (searched for *.yaml and *.yml, hidden folders skipped); \
            the default is pipelines/. Exit 0 when every file is valid, 78 when any has an error \
            (or a warning, with --strict), 64 on a usage error.
            """
    )

    @Argument(help: "Pipeline files or folders (default: pipelines/).")
    var paths: [String] = []

    @Option(help: "Output format: text, json or github (workflow annotations).")
    var format: DiagnosticRenderer.Format = .text

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Flag(help: "Report undefined ${VAR} environment variables as warnings, not errors (CI without secrets).")
    var allowMissingEnv = false

    @Flag(name: .shortAndLong, help: "Print nothing when every file is valid.")
    var quiet = false

    func run() throws {
        let inputs = paths.isEmpty ? ["pipelines"] : paths
        let files: [String]
        do {
            files = try Files.pipelineFiles(in: inputs)
        } catch let e as Files.Missing {
            Console.err("xeroflow: no such file or folder '\(e.path)'\n")
            throw ExitCode.usage
        }
        if files.isEmpty {
            Console.err("xeroflow: no pipeline files (*.yaml, *.yml) in \(inputs.map { "'\($0)'" }.joined(separator: ", "))\n")
            throw ExitCode.usage
        }

        let validator = PipelineValidator(options: .init(
            environment: ProcessInfo.processInfo.environment, allowMissingEnvironment: allowMissingEnv))
        var all: [Diagnostic] = []
        var sources: [String: String] = [:]
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(file, limit: DocumentReader.pipelineMaxBytes)
            } catch {
                all.append(.error("unreadable_file", "cannot read the file: \(error.localizedDescription)",
                                  at: SourceLocation(file: file, line: 1, column: 1)))
                continue
            }
            let result = validator.validate(bytes: bytes, file: file)
            if let t = result.text { sources[file] = t }
            all += result.diagnostics
        }
        if strict { all = all.strict() }
        all = all.normalized()

        let renderer = DiagnosticRenderer(sources: sources)
        if !(quiet && all.isEmpty) {
            Console.out(renderer.render(all, format: format, fileCount: files.count))
        }
        if all.hasErrors { throw ExitCode.invalidConfiguration }
    }
}

extension DiagnosticRenderer.Format: ExpressibleByArgument {}
