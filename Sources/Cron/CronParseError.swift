/// Why a cron expression could not be read, and where in its text the problem is.
///
/// `offset` and `length` count `Character`s (what a user sees as columns), so a renderer can
/// underline the offending token: `offset` is 0-based, `length` is at least 1.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was expected and what was found, e.g. "minute value 61 is out of range 0-59".
    public let message: String
    /// The 0-based `Character` offset of the offending token in the expression's text.
    public let offset: Int
    /// The number of `Character`s in the offending token (at least 1).
    public let length: Int

    public init(message: String, offset: Int, length: Int) {
        self.message = message
        self.offset = max(0, offset)
        self.length = max(1, length)
    }

    /// "column 7: minute value 61 is out of range 0-59" (1-based column).
    public var description: String { "column \(offset + 1): \(message)" }
}
