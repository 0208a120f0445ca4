import Foundation

/// Compiled pictures by their text, so a mapping that formats every record with the same
/// picture parses it (and compiles its regular expression) once, not once per record.
///
/// Bounded: when it holds `capacity` entries it starts again empty, so expressions built from
/// data (a different picture per record) cannot grow it without end.
final class PictureCache<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: Value] = [:]
    /// The entry found last: a mapping mostly asks for one picture again and again, and comparing
    /// the same string is cheaper than hashing it.
    private var last: (key: String, value: Value)? = nil
    private let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    func value<E: Error>(for key: String, make: () throws(E) -> Value) throws(E) -> Value {
        lock.lock()
        if let last, last.key == key {
            lock.unlock()
            return last.value
        }
        if let v = entries[key] {
            last = (key, v)
            lock.unlock()
            return v
        }
        lock.unlock()
        let v = try make()
        lock.lock()
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = v
        last = (key, v)
        lock.unlock()
        return v
    }
}

/// A compiled parser shared between threads: NSRegularExpression is safe to match concurrently.
final class SharedParser: @unchecked Sendable {
    let parser: DateTimeParser
    init(_ parser: DateTimeParser) { self.parser = parser }
}
