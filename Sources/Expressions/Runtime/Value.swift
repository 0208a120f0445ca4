import Foundation
import JSONModel

/// A value during evaluation. `nil` (as `Value?`) is JSONata's `undefined`.
///
/// Input documents are not copied: `.jarray`/`.jobject` wrap the caller's arrays and objects and
/// their members are converted only when they are reached. Arrays built by the evaluator are
/// `JArray` references carrying JSONata's sequence flags.
enum Value {
    case null
    case bool(Bool)
    case number(Num)
    case string(String)
    case array(JArray)
    case object(JObject)
    case function(Callable)
    case jarray([JSONValue])
    case jobject(JSONObject)
    /// A tuple stream (internal to paths that bind variables; never a final result).
    case tuples(TupleStream)

    @inline(__always) init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(Num(n))
        case .string(let s): self = .string(s)
        case .array(let a): self = .jarray(a)
        case .object(let o): self = .jobject(o)
        }
    }

    static func int(_ i: Int) -> Value { .number(Num(int: i)) }
    static func double(_ d: Double) -> Value { .number(Num(double: d)) }

    @inline(__always) var isArray: Bool {
        switch self {
        case .array, .jarray: return true
        default: return false
        }
    }

    @inline(__always) var isObject: Bool {
        switch self {
        case .object, .jobject: return true
        default: return false
        }
    }

    @inline(__always) var isFunction: Bool {
        if case .function = self { return true }
        return false
    }

    @inline(__always) var isString: Bool {
        if case .string = self { return true }
        return false
    }

    @inline(__always) var isNumber: Bool {
        if case .number = self { return true }
        return false
    }

    var num: Num? {
        if case .number(let n) = self { return n }
        return nil
    }

    var str: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// True for a sequence (an array the evaluator built to hold several results).
    @inline(__always) var isSequence: Bool {
        if case .array(let a) = self { return a.isSequence }
        return false
    }

    /// Element count of an array value.
    @inline(__always) var count: Int {
        switch self {
        case .array(let a): return a.items.count
        case .jarray(let a): return a.count
        default: return 0
        }
    }

    @inline(__always) func element(_ i: Int) -> Value {
        switch self {
        case .array(let a): return a.items[i]
        case .jarray(let a): return Value(a[i])
        default: return self
        }
    }

    /// The elements of an array value (a copy-on-write view; converts input arrays).
    var elements: [Value] {
        switch self {
        case .array(let a): return a.items
        case .jarray(let a): return a.map(Value.init)
        default: return [self]
        }
    }

    /// The member `key` of an object value.
    @inline(__always) func member(_ key: String) -> Value? {
        switch self {
        case .object(let o): return o[key]
        case .jobject(let o):
            if let v = o[key] { return Value(v) }
            return nil
        default: return nil
        }
    }

    var objectKeys: [String] {
        switch self {
        case .object(let o): return o.keys
        case .jobject(let o): return o.keys
        default: return []
        }
    }

    var objectCount: Int {
        switch self {
        case .object(let o): return o.keys.count
        case .jobject(let o): return o.count
        default: return 0
        }
    }

    /// Calls `body` for each member of an object value, in order.
    @inline(__always)
    func forEachMember<E: Error>(_ body: (String, Value) throws(E) -> Void) throws(E) {
        switch self {
        case .object(let o):
            for i in 0..<o.keys.count { try body(o.keys[i], o.values[i]) }
        case .jobject(let o):
            try o.forEachMember { (k: String, v: JSONValue) throws(E) in try body(k, Value(v)) }
        default: break
        }
    }

    /// A mutable copy of an object value.
    var objectCopy: JObject {
        switch self {
        case .object(let o): return o.copy()
        case .jobject(let o):
            let r = JObject(capacity: o.count)
            for i in 0..<o.count { r.appendNew(o.keys[i], Value(o.value(at: i))) }
            return r
        default: return JObject()
        }
    }

    /// Converts to the JSON model; functions are left out of objects and become `null` in
    /// arrays (as `JSON.stringify` does). With `ieee`, every number becomes its double, those
    /// of the input too (see ``Value/ieeeJSON(_:)``).
    func toJSON(ieee: Bool) throws(ExpressionError) -> JSONValue? {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(ieee ? JSONNumber(n.d) : n.jsonNumber)
        case .string(let s): return .string(s)
        case .jarray(let a):
            if ieee, let changed = try Value.ieeeJSON(.array(a)) { return changed }
            return .array(a)
        case .jobject(let o):
            if ieee, let changed = try Value.ieeeJSON(.object(o)) { return changed }
            return .object(o)
        case .function, .tuples: return nil
        case .array(let a):
            try StackGuard.check()
            var out: [JSONValue] = []
            out.reserveCapacity(a.items.count)
            for v in a.items { out.append(try v.toJSON(ieee: ieee) ?? .null) }
            return .array(out)
        case .object(let o):
            try StackGuard.check()
            var values: [JSONValue] = []
            values.reserveCapacity(o.count)
            let ov = o.values
            var dropped = false
            for v in ov {
                if let j = try v.toJSON(ieee: ieee) { values.append(j) } else { dropped = true }
            }
            if !dropped { return .object(JSONObject(uniqueKeys: o.keys, values: values)) }
            var keys: [String] = []
            values = []
            for i in 0..<ov.count {
                if let j = try ov[i].toJSON(ieee: ieee) {
                    keys.append(o.keys[i])
                    values.append(j)
                }
            }
            return .object(JSONObject(uniqueKeys: keys, values: values))
        }
    }

    /// A part of the input as IEEE mode returns it: each number as its double, written as the
    /// shortest text that reads back as that double (what JavaScript prints), so `1.10` leaves as
    /// `1.1` and `0.1000000000000000055` as `0.1`. Nil when nothing changes: a number with at
    /// most 15 significant digits already is that text (trailing zeros aside, which
    /// `JSONNumber` drops when it writes).
    static func ieeeJSON(_ j: JSONValue) throws(ExpressionError) -> JSONValue? {
        switch j {
        case .number(let n):
            let x = Num(n)
            if x.isExact && x.m.magnitude < 1_000_000_000_000_000 { return nil }
            return .number(JSONNumber(n.double))
        case .array(let a):
            try StackGuard.check()
            var out: [JSONValue]? = nil
            for i in 0..<a.count {
                guard let changed = try ieeeJSON(a[i]) else { continue }
                if out == nil { out = a }
                out![i] = changed
            }
            return out.map { .array($0) }
        case .object(let o):
            try StackGuard.check()
            var values: [JSONValue]? = nil
            for i in 0..<o.count {
                guard let changed = try ieeeJSON(o.value(at: i)) else { continue }
                if values == nil { values = o.values }
                values![i] = changed
            }
            return values.map { .object(JSONObject(sameKeysAs: o, values: $0)) }
        case .null, .bool, .string:
            return nil
        }
    }
}

/// An array built during evaluation, with JSONata's flags.
final class JArray: @unchecked Sendable {
    let items: [Value]
    /// A sequence: results collected by a path, flattened into the enclosing result and
    /// unwrapped when it holds a single value.
    @exclusivity(unchecked) var isSequence = false
    /// A singleton sequence that must stay an array (`[]` after a step).
    @exclusivity(unchecked) var keepSingleton = false
    /// Built by an array constructor (`[...]`): never flattened by a path.
    @exclusivity(unchecked) var cons = false
    /// The input document was an array, wrapped as a singleton sequence.
    @exclusivity(unchecked) var outerWrapper = false

    init(_ items: [Value] = [], sequence: Bool = false) {
        self.items = items
        self.isSequence = sequence
    }

    static func sequence(_ items: [Value] = []) -> JArray {
        JArray(items, sequence: true)
    }

    static func sequence(capacity: Int) -> JArray {
        var a: [Value] = []
        a.reserveCapacity(capacity)
        return JArray(a, sequence: true)
    }

}

/// An object built during evaluation: members in insertion order.
final class JObject: @unchecked Sendable {
    @exclusivity(unchecked) private(set) var keys: [String]
    @exclusivity(unchecked) private(set) var values: [Value]
    @exclusivity(unchecked) private var index: [String: Int]? = nil

    init() {
        keys = []
        values = []
    }

    init(capacity: Int) {
        keys = []
        values = []
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// An object from distinct keys and their values.
    init(uniqueKeys: [String], values: [Value]) {
        self.keys = uniqueKeys
        self.values = values
        if uniqueKeys.count > 12 { rebuildIndex() }
    }

    var count: Int { keys.count }

    func copy() -> JObject {
        let o = JObject()
        o.keys = keys
        o.values = values
        o.index = index
        return o
    }

    @inline(__always) private func find(_ key: String) -> Int? {
        if let index { return index[key] }
        let n = key.utf8.count
        for i in 0..<keys.count where keys[i].utf8.count == n && keys[i] == key { return i }
        return nil
    }

    /// Member `key`, trying position `hint` first (as ``JSONModel/JSONObject/value(forKey:hint:)``).
    @inline(__always) func value(forKey key: String, hint: inout Int32) -> Value? {
        let h = Int(hint)
        if h < keys.count && keys[h] == key { return values[h] }
        guard let i = find(key) else { return nil }
        hint = Int32(truncatingIfNeeded: i)
        return values[i]
    }

    subscript(key: String) -> Value? {
        get {
            if let i = find(key) { return values[i] }
            return nil
        }
        set {
            if let i = find(key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                appendNew(key, newValue)
            }
        }
    }

    /// Appends a member known not to exist yet.
    @inline(__always) func appendNew(_ key: String, _ value: Value) {
        keys.append(key)
        values.append(value)
        if index != nil {
            index![key] = keys.count - 1
        } else if keys.count > 12 {
            rebuildIndex()
        }
    }

    private func rebuildIndex() {
        if keys.count > 12 {
            var d: [String: Int] = [:]
            d.reserveCapacity(keys.count)
            for (i, k) in keys.enumerated() { d[k] = i }
            index = d
        } else {
            index = nil
        }
    }
}

/// Interned variable names: compiled nodes refer to variables by number.
typealias Sym = Int32

enum Symbols {
    private final class Table: @unchecked Sendable {
        let lock = NSLock()
        var ids: [String: Sym] = [:]
        var names: [String] = []
    }
    private static let table = Table()

    static func intern(_ name: String) -> Sym {
        table.lock.lock()
        defer { table.lock.unlock() }
        if let id = table.ids[name] { return id }
        let id = Sym(table.names.count)
        table.names.append(name)
        table.ids[name] = id
        return id
    }

    static func name(_ sym: Sym) -> String {
        table.lock.lock()
        defer { table.lock.unlock() }
        return table.names[Int(sym)]
    }
}

/// A scope of variable bindings (the first two inline: most scopes bind one or two variables,
/// a lambda's parameters, a block's `$x :=`; more go to the arrays).
final class Frame: @unchecked Sendable {
    let parent: Frame?
    @exclusivity(unchecked) private var sym0: Sym = -1
    @exclusivity(unchecked) private var val0: Value? = nil
    @exclusivity(unchecked) private var sym1: Sym = -1
    @exclusivity(unchecked) private var val1: Value? = nil
    @exclusivity(unchecked) private var syms: [Sym] = []
    @exclusivity(unchecked) private var vals: [Value?] = []

    init(parent: Frame?) {
        self.parent = parent
    }

    @inline(__always) func bind(_ sym: Sym, _ value: Value?) {
        if sym0 == sym || sym0 == -1 {
            sym0 = sym
            val0 = value
            return
        }
        if sym1 == sym || sym1 == -1 {
            sym1 = sym
            val1 = value
            return
        }
        for i in 0..<syms.count where syms[i] == sym {
            vals[i] = value
            return
        }
        syms.append(sym)
        vals.append(value)
    }

    /// Forgets every binding, so that one frame can serve call after call of the same lambda
    /// (`$sort`'s comparator) instead of a new frame per call.
    @inline(__always) func reset() {
        sym0 = -1
        val0 = nil
        sym1 = -1
        val1 = nil
        if !syms.isEmpty {
            syms.removeAll(keepingCapacity: true)
            vals.removeAll(keepingCapacity: true)
        }
    }

    /// The binding of `sym` in this frame or an enclosing one: `.some(value)` when bound
    /// (possibly to undefined), nil when not bound anywhere.
    @inline(__always) func lookup(_ sym: Sym) -> Value?? {
        var f: Frame? = self
        while let frame = f {
            if frame.sym0 == sym { return .some(frame.val0) }
            if frame.sym1 == sym { return .some(frame.val1) }
            if !frame.syms.isEmpty {
                let s = frame.syms
                for i in 0..<s.count where s[i] == sym { return .some(frame.vals[i]) }
            }
            f = frame.parent
        }
        return nil
    }
}
