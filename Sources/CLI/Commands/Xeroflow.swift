import ArgumentParser

/// The `xeroflow` command: a declarative pipeline runner for Xero integrations.
public struct Xeroflow: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "xeroflow",
        abstract: "A declarative pipeline runner for Xero integrations.",
        discussion: """
            Exit codes: 0 ok, 1 run failed or instance invalid, 64 usage error, 78 invalid configuration.
            """,
        version: version,
        subcommands: [ValidateCommand.self, EvalCommand.self, SchemaCommand.self]
    )

    public init() {}
}
