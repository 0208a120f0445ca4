import Foundation

/// The time the client paces by. Xero's windows are in real seconds; a sandbox started with
/// `--time-scale X` runs X times faster, and a client pointed at it must count the same way.
public struct PacingClock: Sendable {
    /// Sandbox seconds per real second (1 for Xero).
    public var scale: Double

    public init(scale: Double = 1) { self.scale = max(scale, 0.000_001) }

    /// Seconds, in the server's time.
    public var now: Double { Date().timeIntervalSince1970 * scale }

    /// Waits `seconds` of the server's time.
    public func sleep(_ seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds / scale, 86_400 * 2) * 1_000_000_000))
    }
}
