import Foundation
import Synchronization

/// The sandbox's own time: real time sped up by `scale`, plus whatever an admin call advanced it.
///
/// With `--time-scale 60` a sandbox minute lasts one real second, so rate windows, token expiry
/// (30 minutes) and idempotency replay (6 minutes) can be tested in seconds. Every time-dependent
/// rule reads this clock, never `Date()`.
public final class SandboxClock: Sendable {
    private struct State {
        var originReal: Double
        var originSandbox: Double
        var scale: Double
    }
    private let state: Mutex<State>

    /// - Parameters:
    ///   - scale: sandbox seconds per real second (1 = real time).
    ///   - start: the sandbox's time now (default: the real time now).
    public init(scale: Double = 1, start: Date? = nil) {
        let now = Date().timeIntervalSince1970
        state = Mutex(State(originReal: now, originSandbox: start?.timeIntervalSince1970 ?? now, scale: scale.isFinite ? min(max(scale, 0.000_001), 1_000_000) : 1))
    }

    /// Seconds since 1970 in sandbox time.
    public var now: Double {
        state.withLock { s in
            s.originSandbox + (Date().timeIntervalSince1970 - s.originReal) * s.scale
        }
    }

    public var nowDate: Date { Date(timeIntervalSince1970: now) }
    public var nowMillis: Int64 { Int64((now * 1000).rounded(.down)) }
    public var scale: Double { state.withLock { $0.scale } }

    /// Moves sandbox time forward (never back) by `seconds` of sandbox time.
    public func advance(by seconds: Double) {
        state.withLock { s in
            s.originSandbox += max(0, seconds)
        }
    }

    /// Real seconds that `sandboxSeconds` of sandbox time take.
    public func realSeconds(_ sandboxSeconds: Double) -> Double {
        sandboxSeconds / scale
    }
}
