import Foundation
import JSONModel

extension Evaluator {
    // MARK: - Truth and equality

    /// JSONata's effective boolean value (nil for undefined).
    static func boolean(_ v: Value?) -> Bool? {
        guard let v else { return nil }
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n.d != 0
        case .string(let s): return !s.isEmpty
        case .array, .jarray:
            let c = v.count
            if c == 0 { return false }
            if c == 1 { return boolean(v.element(0)) ?? false }
            for i in 0..<c where boolean(v.element(i)) == true { return true }
            return false
        case .object(let o): return o.count > 0
        case .jobject(let o): return o.count > 0
        case .function: return false
        case .tuples(let t): return !t.tuples.isEmpty
        }
    }

    static func isArrayOfNumbers(_ v: Value) -> Bool {
        for i in 0..<v.count {
            if case .number = v.element(i) { continue }
            return false
        }
        return true
    }

    static func isArrayOfStrings(_ v: Value) -> Bool {
        for i in 0..<v.count {
            if case .string = v.element(i) { continue }
            return false
        }
        return true
    }

    /// Code-unit equality of two strings (JavaScript's, not Swift's canonical equivalence):
    /// byte equality of their UTF-8, compared in one `memcmp` after the lengths.
    @inline(__always) static func sameText(_ x: String, _ y: String) -> Bool {
        guard x.utf8.count == y.utf8.count else { return false }
        var x = x
        var y = y
        return x.withUTF8 { a in
            y.withUTF8 { b in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
        }
    }

    /// JavaScript `===` on values (objects by identity).
    static func strictEqual(_ a: Value, _ b: Value, ieee: Bool) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return Num.equal(x, y, ieee: ieee)
        case (.string(let x), .string(let y)): return sameText(x, y)
        case (.array(let x), .array(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        case (.function(let x), .function(let y)): return x === y
        default: return false
        }
    }

    /// Deep equality (`=`): arrays element-wise, objects by members in any order.
    static func deepEqual(_ a: Value, _ b: Value, ieee: Bool) throws(ExpressionError) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return Num.equal(x, y, ieee: ieee)
        case (.string(let x), .string(let y)): return sameText(x, y)
        case (.function(let x), .function(let y)): return x === y
        default: break
        }
        if a.isArray && b.isArray {
            try StackGuard.check()
            let n = a.count
            if n != b.count { return false }
            for i in 0..<n where !(try deepEqual(a.element(i), b.element(i), ieee: ieee)) { return false }
            return true
        }
        if a.isObject && b.isObject {
            try StackGuard.check()
            if a.objectCount != b.objectCount { return false }
            for k in a.objectKeys {
                guard let bv = b.member(k), let av = a.member(k) else { return false }
                if !(try deepEqual(av, bv, ieee: ieee)) { return false }
            }
            return true
        }
        return false
    }
}
