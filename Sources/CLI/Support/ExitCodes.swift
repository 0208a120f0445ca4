import ArgumentParser

/// The exit codes of every `xeroflow` command (documented in the README).
public enum ExitCodes {
    /// Everything went well.
    public static let ok: Int32 = 0
    /// A run failed, or (for `schema validate`) an instance is invalid.
    public static let failure: Int32 = 1
    /// The command line was wrong (sysexits EX_USAGE).
    public static let usage: Int32 = 64
    /// A configuration (pipeline file, schema) is invalid (sysexits EX_CONFIG).
    public static let invalidConfiguration: Int32 = 78
}

extension ExitCode {
    static let invalidConfiguration = ExitCode(ExitCodes.invalidConfiguration)
    static let usage = ExitCode(ExitCodes.usage)
}
