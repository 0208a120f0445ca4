import ArgumentParser

/// The `xeroflow` command: a declarative pipeline runner for Xero integrations.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct Xeroflow: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "xeroflow",
        abstract: "A declarative pipeline runner for Xero integrations.",
        discussion: """
            Exit codes: 0 ok, 1 run failed or instance invalid, 64 usage error, 78 invalid configuration.
            """,
        version: version,
        subcommands: [ValidateCommand.self, EvalCommand.self, SchemaCommand.self, SandboxCommand.self, ConnectCommand.self, TenantsCommand.self, DisconnectCommand.self, TestCommand.self, RunCommand.self, PlanCommand.self, GraphCommand.self, RunsCommand.self, FailuresCommand.self, RetryCommand.self, ScheduleCommand.self]
    )

    public init() {}
}
