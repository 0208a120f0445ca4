import Foundation

/// Faults to inject into Accounting API calls (`--faults`), decided by a seeded generator so a
/// run can be reproduced with `--seed`.
///
/// The spec is a comma-separated list of `KIND=RATE[:PARAM]`, RATE a probability in 0…1:
/// - `500=0.05`, `503=0.02`: the call fails with that status **before** anything is applied;
/// - `drop=0.02`: the call **is applied**, then the connection closes without an answer — the
///   case where a retry must not create a second record;
/// - `slow=0.1:2s`: the answer is held back that long (real time; `ms` or `s`);
/// - `429=0.01:3`: a burst: this call and the next PARAM−1 calls for the tenant get a 429
///   (`X-Rate-Limit-Problem: minute`);
/// - `latency=20ms`: every call takes at least that long (RATE omitted), so that the concurrency
///   limit can be reached by ordinary clients.
public struct FaultPlan: Sendable, Equatable {
    public var error500 = 0.0
    public var error503 = 0.0
    public var drop = 0.0
    public var slow = 0.0
    public var slowSeconds = 2.0
    public var burst429 = 0.0
    public var burstLength = 3
    public var latencySeconds = 0.0

    public init() {}

    public var isEmpty: Bool { self == FaultPlan() }

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(parsing spec: String) throws {
        for raw in spec.split(separator: ",") {
            let item = raw.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            let kv = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else {
                throw ParseError(description: "fault '\(item)': expected KIND=RATE[:PARAM], e.g. 500=0.05 or slow=0.1:2s")
            }
            let kind = kv[0].lowercased()
            let parts = kv[1].split(separator: ":", maxSplits: 1).map(String.init)
            func rate() throws -> Double {
                guard let first = parts.first, let r = Double(first), r >= 0, r <= 1 else {
                    throw ParseError(description: "fault '\(item)': the rate '\(parts.first ?? "")' is not a probability between 0 and 1")
                }
                return r
            }
            switch kind {
            case "500": error500 = try rate()
            case "503": error503 = try rate()
            case "drop": drop = try rate()
            case "slow":
                slow = try rate()
                if parts.count > 1 { slowSeconds = try FaultPlan.duration(parts[1], item: item) }
            case "429":
                burst429 = try rate()
                if parts.count > 1 {
                    guard let n = Int(parts[1]), n >= 1 else {
                        throw ParseError(description: "fault '\(item)': the burst length '\(parts[1])' is not a whole number ≥ 1")
                    }
                    burstLength = n
                }
            case "latency":
                latencySeconds = try FaultPlan.duration(kv[1], item: item)
            default:
                throw ParseError(description: "fault '\(item)': unknown kind '\(kv[0])' (expected 500, 503, drop, slow, 429 or latency)")
            }
        }
    }

    static func duration(_ text: String, item: String) throws -> Double {
        let t = text.lowercased()
        var seconds: Double?
        if t.hasSuffix("ms"), let v = Double(t.dropLast(2)) { seconds = v / 1000 }
        else if t.hasSuffix("s"), let v = Double(t.dropLast()) { seconds = v }
        else if let v = Double(t) { seconds = v }
        if let s = seconds, s.isFinite, s >= 0, s <= 600 { return s }
        throw ParseError(description: "fault '\(item)': '\(text)' is not a duration like 250ms or 2s (at most 600s)")
    }
}

/// SplitMix64: small, fast and reproducible from a seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double(next() >> 11) / Double(1 << 53) < p
    }
}
