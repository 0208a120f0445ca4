/// Member-name lists shared by the objects of one document that have the same names in the
/// same order (the rows of an export, the lines of its invoices).
///
/// An object built through the cache keeps a reference to the shared list (and its name →
/// position index, for wide objects) instead of a copy of its own: fewer allocations while
/// reading, less memory, and a member look-up on many objects of one shape reads one list that
/// stays in the processor's cache. Copy-on-write keeps it safe: an object that gains or loses a
/// member gets a list of its own.
public struct JSONShapes {
    private static let slotCount = 64
    private var slots: [JSONObject.Layout?] = Array(repeating: nil, count: JSONShapes.slotCount)

    public init() {}

    /// An object of `keys` (in order, possibly repeated: the last value of a repeated name wins
    /// at the place the name first appeared, as assigning members one by one does) and `values`.
    public mutating func object(keys: [String], values: [JSONValue]) -> JSONObject {
        let n = keys.count
        if n == 0 { return JSONObject() }
        var mix = n &* 0x9E37_79B9
        mix = mix &+ keys[0].utf8.count &* 31 &+ keys[n - 1].utf8.count &* 131
        if let u = keys[n / 2].utf8.first { mix = mix &+ Int(u) &* 7 }
        let slot = (mix ^ (mix >> 7)) & (JSONShapes.slotCount - 1)
        if let cached = slots[slot], cached.keys == keys {
            return JSONObject(layout: cached, values: values)
        }
        guard JSONShapes.distinct(keys) else {
            var object = JSONObject()
            for i in 0..<n { object[keys[i]] = values[i] }
            return object
        }
        let layout = JSONObject.Layout(uniqueKeys: keys)
        slots[slot] = layout
        return JSONObject(layout: layout, values: values)
    }

    private static func distinct(_ keys: [String]) -> Bool {
        if keys.count <= 12 {
            for i in 1..<max(keys.count, 1) {
                for j in 0..<i where keys[j] == keys[i] { return false }
            }
            return true
        }
        return Set(keys).count == keys.count
    }
}
