import Engine

/// The body of a row of `written_batches`: what one chunk of a streamed run wrote, as one blob,
/// in one of two layouts (the row's `format`).
///
/// - **2, compact** (written since the migration `v7-written-batch-format`): each entry is the
///   number of leading bytes its key shares with the key before it in the body, the number of
///   bytes that follow, those bytes, then the content hash's 16 bytes (as ``ContentHashes``
///   holds them). Both numbers are LEB128
///   (seven bits a byte, low bits first, the high bit set on every byte but the last). A chunk's
///   keys mostly share their beginning (`INV-0001234/1`, `INV-0001234/2`), so a million keys and
///   hashes take about 19.5 MB instead of 48: the state store writes each page twice (its WAL,
///   then the database), which cost a streamed run more than the file it wrote.
/// - **1** (as `v6-written-batches` wrote them): each entry is the key's length (LEB128), the
///   key's bytes, then the content hash's 32 hex digits.
///
/// Either way an entry is handed on as the key's bytes and the hash's 32 hex digits, the text
/// `written_keys.content_hash` holds.
enum WrittenBatch {
    static let hexLength = ContentHashes.width
    static let compactHashLength = ContentHashes.size
    /// The layout batches are written in.
    static let compact = 2

    /// The body of `keys[i]` with `hashes[i]`, in the compact layout (2).
    static func encode(keys: [String], hashes: ContentHashes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(keys.count * (compactHashLength + 8))
        var previous: [UInt8] = []
        previous.reserveCapacity(64)
        for i in keys.indices {
            var key = keys[i]
            key.withUTF8 { k in
                // the bytes shared with the key before
                var shared = 0
                let most = min(k.count, previous.count)
                while shared < most && k[shared] == previous[shared] { shared += 1 }
                putNumber(shared, into: &out)
                putNumber(k.count - shared, into: &out)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: k[shared...]))
                previous.removeAll(keepingCapacity: true)
                previous.append(contentsOf: k)
            }
            hashes.withBytes(i) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Calls `entry` with each key and hash (32 hex digits) of a body in layout `format`, in
    /// order (the buffers live for the call only); false when the body is cut short or
    /// malformed, or the layout is unknown.
    static func decode(_ body: UnsafeBufferPointer<UInt8>, format: Int,
                       _ entry: (_ key: UnsafeBufferPointer<UInt8>, _ hash: UnsafeBufferPointer<UInt8>) throws -> Void) rethrows -> Bool {
        var i = 0
        switch format {
        case 1:
            while i < body.count {
                guard let length = number(body, &i), length <= body.count - i, hexLength <= body.count - i - length else { return false }
                try entry(UnsafeBufferPointer(rebasing: body[i..<(i + length)]),
                          UnsafeBufferPointer(rebasing: body[(i + length)..<(i + length + hexLength)]))
                i += length + hexLength
            }
            return true
        case 2:
            var key: [UInt8] = []
            key.reserveCapacity(64)
            var digits = [UInt8](repeating: 0, count: hexLength)
            while i < body.count {
                guard let shared = number(body, &i), shared <= key.count, let rest = number(body, &i),
                      rest <= body.count - i, compactHashLength <= body.count - i - rest else { return false }
                key.removeSubrange(shared...)
                key.append(contentsOf: UnsafeBufferPointer(rebasing: body[i..<(i + rest)]))
                i += rest
                digits.withUnsafeMutableBufferPointer { ContentHashes.digits(of: UnsafeBufferPointer(rebasing: body[i..<(i + compactHashLength)]), into: $0) }
                i += compactHashLength
                try key.withUnsafeBufferPointer { k in try digits.withUnsafeBufferPointer { try entry(k, $0) } }
            }
            return true
        default:
            return false
        }
    }

    private static func putNumber(_ value: Int, into out: inout [UInt8]) {
        var n = value
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
    }

    /// A LEB128 number at `i` (moved past it); nil when cut short or longer than five bytes.
    private static func number(_ body: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int? {
        var value = 0, shift = 0
        while true {
            guard i < body.count, shift < 35 else { return nil }
            let byte = body[i]
            i += 1
            value |= Int(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }
}
