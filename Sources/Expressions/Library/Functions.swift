import Foundation
import JSONModel

/// Helpers shared by the evaluator and the function library.
enum Functions {
    // MARK: - Strings of values

    /// `$string(value)`: strings unchanged, functions empty, everything else as JSON. `ieee`
    /// formats every number from its double (``NumberMode/ieee``).
    static func string(_ v: Value, prettify: Bool = false, ieee: Bool) throws(ExpressionError) -> String {
        switch v {
        case .string(let s): return s
        case .function: return ""
        case .number(let n):
            if !n.d.isFinite { throw ExpressionError.make("D3001", value: v) }
            return formatNumber(n, ieee: ieee)
        default:
            var value = v
            if case .array(let a) = v, a.outerWrapper, !a.items.isEmpty { value = a.items[0] }
            var out = ""
            try stringify(value, pretty: prettify, indent: 0, ieee: ieee, into: &out)
            return out
        }
    }

    /// JSONata's text for a number: 15 significant digits for doubles, exact digits for exact
    /// decimals (unless `ieee`), JavaScript's choice between plain and exponent notation.
    static func formatNumber(_ n: Num, ieee: Bool = false) -> String {
        if n.isExact && !ieee {
            if n.m == 0 { return "0" }
            // Whole numbers (the usual case: counts, ids, `$toMillis` results) need no layout.
            if n.e == 0 { return String(n.m) }
            let digits = String(n.m.magnitude)
            return jsFormat(negative: n.m < 0, digits: digits, pointPosition: digits.utf8.count + Int(n.e))
        }
        let d = n.d
        if d == 0 { return "0" }
        if d == d.rounded(.towardZero) && d.magnitude < 1e15 {
            return String(Int64(d))
        }
        // jsonata-js keeps an integer's digits (its replacer rounds only non-integers to 15
        // significant digits): JavaScript's text of the double.
        if ieee && d == d.rounded(.towardZero) { return jsString(d) }
        let rounded = Double(String(format: "%.14e", d)) ?? d
        return jsString(rounded)
    }

    /// JavaScript's `Number.prototype.toString()` for a double.
    static func jsString(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return "0" }
        let text = "\(d.magnitude)"
        var mantissa = Substring(text)
        var exp = 0
        if let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<eIndex]
            exp = Int(text[text.index(after: eIndex)...]) ?? 0
        }
        var digits = ""
        var pointPos = 0
        if let dot = mantissa.firstIndex(of: ".") {
            let intPart = mantissa[..<dot]
            let frac = mantissa[mantissa.index(after: dot)...]
            digits = String(intPart) + String(frac)
            pointPos = intPart.count
        } else {
            digits = String(mantissa)
            pointPos = digits.count
        }
        // strip leading zeros
        while digits.count > 1 && digits.hasPrefix("0") {
            digits.removeFirst()
            pointPos -= 1
        }
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        return jsFormat(negative: d < 0, digits: digits, pointPosition: pointPos + exp)
    }

    /// Formats significant `digits` (ASCII) with the decimal point after `pointPosition` digits.
    static func jsFormat(negative: Bool, digits: String, pointPosition n: Int) -> String {
        var d = Array(digits.utf8)
        while d.count > 1 && d.last == UInt8(ascii: "0") { d.removeLast() }
        let k = d.count
        let zero = UInt8(ascii: "0")
        var s: [UInt8] = []
        s.reserveCapacity(k + 8 + Swift.max(0, Swift.min(n, 22)))
        if negative { s.append(UInt8(ascii: "-")) }
        if k <= n && n <= 21 {
            s += d
            s += repeatElement(zero, count: n - k)
        } else if 0 < n && n <= 21 {
            s += d[..<n]
            s.append(UInt8(ascii: "."))
            s += d[n...]
        } else if -6 < n && n <= 0 {
            s += [zero, UInt8(ascii: ".")]
            s += repeatElement(zero, count: -n)
            s += d
        } else {
            let e = n - 1
            s.append(d[0])
            if k > 1 {
                s.append(UInt8(ascii: "."))
                s += d[1...]
            }
            s.append(UInt8(ascii: "e"))
            s.append(e >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
            s += String(abs(e)).utf8
        }
        return String(decoding: s, as: UTF8.self)
    }

    static func stringify(_ v: Value, pretty: Bool, indent: Int, ieee: Bool, into out: inout String) throws(ExpressionError) {
        try StackGuard.check()
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            if !n.d.isFinite { throw ExpressionError.make("D1001", value: v) }
            out += formatNumber(n, ieee: ieee)
        case .string(let s): JSONWriter.writeString(s, into: &out)
        case .function: out += "\"\""
        case .array, .jarray, .tuples:
            let items = v.elements
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (i, e) in items.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                try stringify(e, pretty: pretty, indent: indent + 1, ieee: ieee, into: &out)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object, .jobject:
            if v.objectCount == 0 {
                out += "{}"
                return
            }
            out += "{"
            var first = true
            var failure: ExpressionError? = nil
            v.forEachMember { (k: String, e: Value) in
                if failure != nil { return }
                if !first { out += "," }
                first = false
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                JSONWriter.writeString(k, into: &out)
                out += pretty ? ": " : ":"
                do throws(ExpressionError) {
                    try stringify(e, pretty: pretty, indent: indent + 1, ieee: ieee, into: &out)
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    // MARK: - Arrays

    /// `$append`: concatenates, treating single values as one-element arrays.
    static func append(_ a: Value?, _ b: Value?) -> Value? {
        guard let a else { return b }
        guard let b else { return a }
        var items: [Value] = a.isArray ? a.elements : [a]
        if b.isArray {
            items.append(contentsOf: b.elements)
        } else {
            items.append(b)
        }
        return .array(JArray(items))
    }

    /// A stable merge sort; `swap(a, b)` is true when `b` must come before `a`. Sorts indices
    /// in one scratch buffer (see ``mergeSortIndices(_:_:)``) instead of allocating two halves at
    /// every level.
    static func mergeSort<T>(_ array: [T], _ swap: (T, T) throws(ExpressionError) -> Bool) throws(ExpressionError) -> [T] {
        if array.count <= 1 { return array }
        let order = try array.withUnsafeBufferPointer { (items) throws(ExpressionError) -> [Int] in
            try mergeSortIndices(items.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in try swap(items[i], items[j]) }
        }
        return order.map { array[$0] }
    }

    /// A stable top-down merge sort of the indices `0..<count` (left half first, merging by
    /// `swap(a, b)`: true when `b` must come before `a`), in two buffers allocated once (no
    /// captured variables, so no exclusivity checks on every access).
    static func mergeSortIndices(_ count: Int, _ swap: (Int, Int) throws(ExpressionError) -> Bool) throws(ExpressionError) -> [Int] {
        var order = Array(0..<count)
        if count <= 1 { return order }
        var scratch = [Int](repeating: 0, count: count)
        try order.withUnsafeMutableBufferPointer { (a: inout UnsafeMutableBufferPointer<Int>) throws(ExpressionError) in
            try scratch.withUnsafeMutableBufferPointer { (t: inout UnsafeMutableBufferPointer<Int>) throws(ExpressionError) in
                try mergeSortRange(a, t, 0, count, swap)
            }
        }
        return order
    }

    private static func mergeSortRange(
        _ a: UnsafeMutableBufferPointer<Int>, _ tmp: UnsafeMutableBufferPointer<Int>, _ lo: Int, _ hi: Int,
        _ swap: (Int, Int) throws(ExpressionError) -> Bool
    ) throws(ExpressionError) {
        let n = hi - lo
        if n <= 1 { return }
        let mid = lo + n / 2
        try mergeSortRange(a, tmp, lo, mid, swap)
        try mergeSortRange(a, tmp, mid, hi, swap)
        var i = lo
        var j = mid
        var k = lo
        while i < mid && j < hi {
            if try swap(a[i], a[j]) {
                tmp[k] = a[j]
                j += 1
            } else {
                tmp[k] = a[i]
                i += 1
            }
            k += 1
        }
        while i < mid { tmp[k] = a[i]; i += 1; k += 1 }
        while j < hi { tmp[k] = a[j]; j += 1; k += 1 }
        for x in lo..<hi { a[x] = tmp[x] }
    }

    /// A deep, mutable copy (objects and arrays become evaluator-owned; functions become "").
    static func deepClone(_ v: Value) throws(ExpressionError) -> Value {
        switch v {
        case .array, .jarray, .tuples:
            try StackGuard.check()
            var items: [Value] = []
            for e in v.elements { items.append(try deepClone(e)) }
            return .array(JArray(items))
        case .object, .jobject:
            try StackGuard.check()
            let o = JObject(capacity: v.objectCount)
            var members: [(String, Value)] = []
            v.forEachMember { (k: String, e: Value) in members.append((k, e)) }
            for (k, e) in members { o.appendNew(k, try deepClone(e)) }
            return .object(o)
        case .function:
            return .string("")
        default:
            return v
        }
    }

    /// JavaScript truthiness (for comparator functions of `$sort`).
    static func jsTruthy(_ v: Value?) -> Bool {
        guard let v else { return false }
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n.d != 0 && !n.d.isNaN
        case .string(let s): return !s.isEmpty
        default: return true
        }
    }

    /// The arguments a higher-order function passes to `f`: value, then index and array when
    /// `f` takes them.
    @inline(__always) static func hofArgs(_ f: Callable, _ value: Value?, _ index: Value, _ whole: Value?) -> [Value?] {
        let arity = f.arity
        if arity >= 3 { return [value, index, whole] }
        if arity >= 2 { return [value, index] }
        return [value]
    }
}
