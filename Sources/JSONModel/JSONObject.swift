/// A JSON object that remembers the order its members were added in.
///
/// Equality and hashing ignore order, as JSON does; iteration, encoding and `keys` follow it.
/// Members live in one copy-on-write buffer of parallel arrays (copying an object is one
/// reference count); objects with more than a few members also keep a name → position index,
/// small ones are searched directly (faster than hashing).
public struct JSONObject: Sendable, Hashable, Sequence {
    @usableFromInline
    final class Storage: @unchecked Sendable {
        // Mutated only while uniquely referenced (copy-on-write).
        @usableFromInline @exclusivity(unchecked) var keys: [String]
        @usableFromInline @exclusivity(unchecked) var values: [JSONValue]
        @usableFromInline @exclusivity(unchecked) var index: [String: Int]?

        @usableFromInline
        init(keys: [String] = [], values: [JSONValue] = [], index: [String: Int]? = nil) {
            self.keys = keys
            self.values = values
            self.index = index
        }

        func copy() -> Storage { Storage(keys: keys, values: values, index: index) }

        @inlinable @inline(__always)
        func position(of key: String) -> Int? {
            if let index { return index[key] }
            let n = key.utf8.count
            return keys.withUnsafeBufferPointer { buffer -> Int? in
                for i in 0..<buffer.count where buffer[i].utf8.count == n && buffer[i] == key { return i }
                return nil
            }
        }
    }

    private static let empty = Storage()
    private static let indexThreshold = 12
    @usableFromInline var storage: Storage

    public init() {
        storage = JSONObject.empty
    }

    public init(_ pairs: [(String, JSONValue)]) {
        storage = Storage()
        for (k, v) in pairs { self[k] = v }
    }

    /// An object from member names (which must be distinct) and values, in order.
    public init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.init(layout: Layout(uniqueKeys: keys), values: values)
    }

    /// The member names of many objects made alike (the rows of a CSV file, the records of a
    /// map step), with the name → position index a wide object keeps: worked out once and
    /// shared by every object made with it, instead of an index built for each.
    public struct Layout: Sendable {
        public let keys: [String]
        let index: [String: Int]?

        /// `keys` must be distinct.
        public init(uniqueKeys keys: [String]) {
            var index: [String: Int]? = nil
            if keys.count > JSONObject.indexThreshold {
                var d: [String: Int] = [:]
                d.reserveCapacity(keys.count)
                for (i, k) in keys.enumerated() { d[k] = i }
                index = d
            }
            self.keys = keys
            self.index = index
        }
    }

    /// An object of `layout`'s names and `values`, in order.
    public init(layout: Layout, values: [JSONValue]) {
        precondition(layout.keys.count == values.count, "keys and values differ in number")
        storage = Storage(keys: layout.keys, values: values, index: layout.index)
    }

    /// An object with `other`'s names (and index) and `values`, in order.
    public init(sameKeysAs other: JSONObject, values: [JSONValue]) {
        precondition(other.count == values.count, "keys and values differ in number")
        storage = Storage(keys: other.storage.keys, values: values, index: other.storage.index)
    }

    /// Member names in insertion order.
    public var keys: [String] { storage.keys }
    public var count: Int { storage.keys.count }
    public var isEmpty: Bool { storage.keys.isEmpty }

    /// The position of member `key` (in insertion order), if present.
    public func position(of key: String) -> Int? {
        storage.position(of: key)
    }

    /// The member value at `position` (in insertion order).
    public func value(at position: Int) -> JSONValue {
        storage.values[position]
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    public subscript(key: String) -> JSONValue? {
        @inlinable get {
            let s = storage
            if let i = s.position(of: key) { return s.values[i] }
            return nil
        }
        set {
            if let i = storage.position(of: key) {
                makeUnique()
                if let newValue {
                    storage.values[i] = newValue
                } else {
                    storage.keys.remove(at: i)
                    storage.values.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                makeUnique()
                storage.keys.append(key)
                storage.values.append(newValue)
                if storage.index != nil {
                    storage.index![key] = storage.keys.count - 1
                } else if storage.keys.count > JSONObject.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    private mutating func rebuildIndex() {
        guard storage.keys.count > JSONObject.indexThreshold else {
            storage.index = nil
            return
        }
        var d: [String: Int] = [:]
        d.reserveCapacity(storage.keys.count)
        for (i, k) in storage.keys.enumerated() { d[k] = i }
        storage.index = d
    }

    /// Member `key`, trying position `hint` first (objects of one shape keep a member at the same
    /// position, and comparing one equal name is much cheaper than a search); on a miss,
    /// searches and sets `hint` to where the member was found. The hint never changes the result.
    @inlinable @inline(__always)
    public func value(forKey key: String, hint: inout Int32) -> JSONValue? {
        let s = storage
        let h = Int(hint)
        if h < s.keys.count && s.keys[h] == key { return s.values[h] }
        guard let i = s.position(of: key) else { return nil }
        hint = Int32(truncatingIfNeeded: i)
        return s.values[i]
    }

    public func contains(_ key: String) -> Bool { storage.position(of: key) != nil }

    public var values: [JSONValue] { storage.values }

    /// Calls `body` with each member in order (faster than iterating the sequence).
    public func forEachMember<E: Error>(_ body: (String, JSONValue) throws(E) -> Void) throws(E) {
        let s = storage
        for i in 0..<s.keys.count { try body(s.keys[i], s.values[i]) }
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var i = 0
        let keys = storage.keys
        let values = storage.values
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if lhs.storage === rhs.storage { return true }
        guard lhs.count == rhs.count else { return false }
        let l = lhs.storage
        for i in 0..<l.keys.count {
            guard let v = rhs[l.keys[i]], v == l.values[i] else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine the members' hashes commutatively.
        var combined = 0
        let s = storage
        for i in 0..<s.keys.count {
            var h = Hasher()
            h.combine(s.keys[i])
            h.combine(s.values[i])
            combined ^= h.finalize()
        }
        hasher.combine(s.keys.count)
        hasher.combine(combined)
    }
}
