import Engine

/// The body of a row of `written_batches`: what one chunk of a streamed run wrote, as one blob.
/// Each entry is the key's length in UTF-8 bytes (LEB128: seven bits a byte, low bits first,
/// the high bit set on every byte but the last), the key's bytes, then the content hash's
/// 32 bytes (hex text, as `written_keys.content_hash` holds it).
enum WrittenBatch {
    static let hashLength = ContentHashes.width

    /// The body of `keys[i]` with `hashes[i]`.
    static func encode(keys: [String], hashes: ContentHashes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(keys.count * (hashLength + 24))
        for i in keys.indices {
            var key = keys[i]
            key.withUTF8 { k in
                var n = k.count
                while n >= 0x80 {
                    out.append(UInt8(truncatingIfNeeded: n) | 0x80)
                    n >>= 7
                }
                out.append(UInt8(n))
                out.append(contentsOf: k)
            }
            hashes.withDigits(i) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Calls `entry` with each key and hash of `body`, in order (the buffers live for the call
    /// only); false when the body is cut short or malformed.
    static func decode(_ body: UnsafeBufferPointer<UInt8>,
                       _ entry: (_ key: UnsafeBufferPointer<UInt8>, _ hash: UnsafeBufferPointer<UInt8>) throws -> Void) rethrows -> Bool {
        var i = 0
        while i < body.count {
            var length = 0, shift = 0
            while true {
                guard i < body.count, shift < 35 else { return false }
                let byte = body[i]
                i += 1
                length |= Int(byte & 0x7f) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            guard length <= body.count - i, hashLength <= body.count - i - length else { return false }
            try entry(UnsafeBufferPointer(rebasing: body[i..<(i + length)]),
                      UnsafeBufferPointer(rebasing: body[(i + length)..<(i + length + hashLength)]))
            i += length + hashLength
        }
        return true
    }
}
