import ArgumentParser
import Diagnostics
import Engine
import Foundation
import Spec

/// `xeroflow test [PATH…]`: run the `tests:` blocks of pipeline files.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run the tests: blocks of pipeline files (each test runs one step on its input).",
        discussion: "Exit 0 when every test passes, 1 when any fails, 78 when a file is invalid, 64 on a usage error."
    )

    @Argument(help: "Pipeline files or folders (default: pipelines/).")
    var paths: [String] = []

    @Flag(help: "Fail on undefined ${VAR} environment variables (by default tests need no secrets).")
    var strictEnv = false

    func run() throws {
        let files: [String]
        do {
            files = try Files.pipelineFiles(in: paths.isEmpty ? ["pipelines"] : paths)
        } catch let e as Files.Missing {
            Console.err("xeroflow: no such file or folder '\(e.path)'\n")
            throw ExitCode.usage
        }
        var options = PipelineValidator.Options(environment: ProcessInfo.processInfo.environment)
        options.allowMissingEnvironment = !strictEnv
        let validator = PipelineValidator(options: options)
        var passed = 0, failed = 0, invalid = false
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: file) else {
                Console.err("xeroflow: cannot read \(file)\n")
                throw ExitCode.usage
            }
            let result = validator.validate(bytes: Array(bytes), file: file)
            guard result.isValid, let spec = result.spec, let document = result.document else {
                let renderer = DiagnosticRenderer(sources: [file: result.text ?? ""])
                Console.err(renderer.render(result.diagnostics.filter { $0.severity == .error }, format: .text, fileCount: 1))
                invalid = true
                continue
            }
            for r in PipelineTester.run(spec) {
                let location = document.location(of: r.pointer)
                if r.passed {
                    passed += 1
                    Console.out("✓ \(location.file):\(location.line): \(r.name)\n")
                } else {
                    failed += 1
                    Console.out("✗ \(location.file):\(location.line): \(r.name)\n    \(r.message ?? "")\n")
                }
            }
        }
        Console.out("\(passed) passed, \(failed) failed\n")
        if invalid { throw ExitCode.invalidConfiguration }
        if failed > 0 { throw ExitCode.failure }
    }
}
