/// Where the JSON writer puts bytes: an array of bytes, or a ``ByteSink``.
protocol ByteOutput {
    mutating func put(_ byte: UInt8)
    mutating func put(_ bytes: UnsafeRawBufferPointer)
}

extension ByteOutput {
    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) { put(UnsafeRawBufferPointer(bytes)) }

    @inline(__always)
    mutating func put(ascii text: StaticString) {
        put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func put(repeating byte: UInt8, count: Int) {
        for _ in 0..<count { put(byte) }
    }
}

extension Array: ByteOutput where Element == UInt8 {
    @inline(__always)
    mutating func put(_ byte: UInt8) { append(byte) }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) { append(contentsOf: bytes) }
}

/// A run of bytes that grows, checked for nothing but its capacity: an array checks that its
/// storage is not shared at every append, dozens of times per record written. The writer's
/// scratch space (see ``JSONWriter/Shapes``), emptied and reused from one record to the next;
/// its owner lets its memory go.
struct ByteSink: ByteOutput {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(byteCount: self.capacity, alignment: 1)
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        (base + count).copyMemory(from: from, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func removeAll() { count = 0 }

    /// The bytes put so far (valid until the next change).
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    private mutating func grow(to needed: Int) {
        let bigger = Swift.max(capacity * 2, needed)
        let moved = UnsafeMutableRawPointer.allocate(byteCount: bigger, alignment: 1)
        moved.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = moved
        capacity = bigger
    }

    func deallocate() { base.deallocate() }
}
