import Crypto
import SystemDigest

/// The content hashes of a chunk's records in one buffer: each the first 16 bytes of a SHA-256
/// digest, kept as bytes and read as the 32 lowercase hex digits `written_keys.content_hash`
/// holds. A chunk's hashes go from the target's thread to the state store's without a string
/// (an allocation) per record, and into a batch of written keys as they are (see
/// `WrittenBatch` in the State module).
public struct ContentHashes: Sendable, Equatable {
    /// Hex digits per hash.
    public static let width = 32
    /// Bytes per hash.
    public static let size = width / 2
    /// The hashes' bytes one after the other.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// Hashes given as text, each 32 hex digits (as ``PipelineRunner/hash(_:shapes:)`` makes
    /// them; upper-case digits are read as lower-case ones).
    public init(_ hashes: [String]) {
        bytes.reserveCapacity(hashes.count * Self.size)
        for var h in hashes {
            let read = h.withUTF8 { digits -> Bool in
                guard digits.count == Self.width else { return false }
                for j in 0..<Self.size {
                    guard let high = Self.value(digits[2 * j]), let low = Self.value(digits[2 * j + 1]) else { return false }
                    bytes.append(high << 4 | low)
                }
                return true
            }
            precondition(read, "a content hash is \(Self.width) hex digits")
        }
    }

    public var count: Int { bytes.count / Self.size }

    public mutating func reserveCapacity(_ n: Int) { bytes.reserveCapacity(n * Self.size) }

    /// Appends the hash of `bytes`; returns its first 8 bytes (see ``prefix(of:)``).
    @discardableResult
    public mutating func append(digestOf text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        Self.sha256(text) { digest in
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: digest[0..<Self.size]))
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

    /// The `i`th hash's 16 bytes (valid for the call only).
    public func withBytes<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[(i * Self.size)..<((i + 1) * Self.size)])) }
    }

    /// The `i`th hash's 32 hex digits (valid for the call only).
    public func withDigits<T>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try withBytes(i) { hash in
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.width) { digits in
                Self.digits(of: hash, into: digits)
                return try body(UnsafeBufferPointer(digits))
            }
        }
    }

    /// The hashes' hex digits one after the other.
    public var hex: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count * 2) { out, n in
            bytes.withUnsafeBufferPointer { Self.digits(of: $0, into: out) }
            n = bytes.count * 2
        }
    }

    public subscript(i: Int) -> String { withDigits(i) { String(decoding: $0, as: UTF8.self) } }

    /// The hex digits of `bytes`, two per byte, into `out`.
    public static func digits(of bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) {
        for j in 0..<bytes.count {
            out[2 * j] = digit(bytes[j] >> 4)
            out[2 * j + 1] = digit(bytes[j] & 15)
        }
    }

    @inline(__always)
    private static func digit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    @inline(__always)
    private static func value(_ digit: UInt8) -> UInt8? {
        let d = digit &- UInt8(ascii: "0")
        if d < 10 { return d }
        let l = (digit | 0x20) &- UInt8(ascii: "a")  // either case
        return l < 6 ? l + 10 : nil
    }
}
