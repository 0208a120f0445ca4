import Crypto
import SystemDigest

/// The content hashes of a chunk's records in one buffer: each the first 16 bytes of a SHA-256
/// digest as 32 hex digits, the text `written_keys.content_hash` holds. A chunk's hashes go from
/// the target's thread to the state store's without a string (an allocation) per record.
public struct ContentHashes: Sendable, Equatable {
    /// Hex digits per hash.
    public static let width = 32
    /// The hashes one after the other.
    public private(set) var hex: [UInt8] = []

    public init() {}

    /// Hashes given as text (each 32 hex digits, as ``PipelineRunner/hash(_:shapes:)`` makes them).
    public init(_ hashes: [String]) {
        hex.reserveCapacity(hashes.count * Self.width)
        for var h in hashes {
            precondition(h.utf8.count == Self.width, "a content hash is \(Self.width) hex digits")
            h.withUTF8 { hex.append(contentsOf: $0) }
        }
    }

    public var count: Int { hex.count / Self.width }

    public mutating func reserveCapacity(_ n: Int) { hex.reserveCapacity(n * Self.width) }

    /// Appends the hash of `bytes`; returns its first 8 bytes (see ``prefix(of:)``).
    @discardableResult
    public mutating func append(digestOf bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        Self.sha256(bytes) { digest in
            // the digits made in place, 16 bytes as 32 (one append, no table behind a once-only check)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.width) { out in
                for i in 0..<(Self.width / 2) {
                    out[2 * i] = Self.digit(digest[i] >> 4)
                    out[2 * i + 1] = Self.digit(digest[i] & 15)
                }
                hex.append(contentsOf: UnsafeBufferPointer(out))
            }
            return Self.first8(digest)
        }
    }

    /// `body` of the SHA-256 digest of `bytes` (32 bytes, valid for the call only): the system's
    /// libcrypto with a context reused per thread when the build has it, swift-crypto otherwise.
    @inline(__always)
    static func sha256<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            if xeroflow_sha256(bytes.baseAddress, bytes.count, digest.baseAddress) == 1 {
                return body(UnsafeRawBufferPointer(digest))
            }
            var sha = SHA256()
            sha.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return sha.finalize().withUnsafeBytes { body($0) }
        }
    }

    @inline(__always)
    private static func digit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    /// The first 8 bytes of the SHA-256 digest of `bytes` (big-endian): what a file target
    /// compares the text of an old record with a new one by.
    public static func prefix(of bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        sha256(bytes) { first8($0) }
    }

    private static func first8(_ digest: UnsafeRawBufferPointer) -> UInt64 {
        var prefix: UInt64 = 0
        for i in 0..<8 { prefix = prefix << 8 | UInt64(digest[i]) }
        return prefix
    }

    /// The `i`th hash's digits (valid for the call only).
    public func withDigits<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try hex.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[(i * Self.width)..<((i + 1) * Self.width)])) }
    }

    public subscript(i: Int) -> String { withDigits(i) { String(decoding: $0, as: UTF8.self) } }
}
