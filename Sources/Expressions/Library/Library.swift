import ExpressionFormatting
import Foundation
import JSONModel

@inline(__always) func arg(_ args: [Value?], _ i: Int) -> Value? {
    i < args.count ? args[i] : nil
}

@inline(__always) func strArg(_ args: [Value?], _ i: Int) -> String? {
    if case .string(let s)? = arg(args, i) { return s }
    return nil
}

@inline(__always) func numArg(_ args: [Value?], _ i: Int) -> Num? {
    if case .number(let n)? = arg(args, i) { return n }
    return nil
}

func fnArg(_ args: [Value?], _ i: Int) -> Callable? {
    if case .function(let f)? = arg(args, i) { return f }
    return nil
}

func formatting<T>(_ body: () throws(FormattingError) -> T) throws(ExpressionError) -> T {
    do throws(FormattingError) {
        return try body()
    } catch {
        throw ExpressionError.make(error.code, message: error.message)
    }
}

extension Functions {
    /// JSONata's standard library.
    static let library: [Builtin] = aggregationFunctions + stringFunctions + formattingFunctions + numberFunctions + booleanFunctions
        + higherOrderFunctions + arraysAndObjectsFunctions + encodingFunctions + evaluationFunctions

    static func spread(_ v: Value) -> Value? {
        if v.isArray {
            var result: Value? = .array(JArray.sequence())
            for i in 0..<v.count {
                result = Functions.append(result, spread(v.element(i)))
            }
            return result
        }
        if v.isObject {
            var result: [Value] = []
            v.forEachMember { (k: String, e: Value) in
                let o = JObject(capacity: 1)
                o.appendNew(k, e)
                result.append(.object(o))
            }
            return .array(JArray(result, sequence: true))
        }
        return v
    }
}

// MARK: - String helpers

/// JavaScript `indexOf` (UTF-16 offsets).
func indexOf(_ s: String, _ needle: String, from: Int) -> Int? {
    let hay = Array(s.utf16)
    let pat = Array(needle.utf16)
    if pat.isEmpty { return min(from, hay.count) }
    if pat.count > hay.count { return nil }
    var i = from
    while i + pat.count <= hay.count {
        if hay[i] == pat[0] {
            var k = 1
            while k < pat.count && hay[i + k] == pat[k] { k += 1 }
            if k == pat.count { return i }
        }
        i += 1
    }
    return nil
}

func utf16Slice(_ s: String, _ from: Int, _ to: Int) -> String {
    let u = s.utf16
    let a = u.index(u.startIndex, offsetBy: max(0, min(from, u.count)))
    let b = u.index(u.startIndex, offsetBy: max(0, min(to, u.count)))
    if a >= b { return "" }
    return String(u[a..<b]) ?? String(decoding: Array(u[a..<b]), as: UTF16.self)
}

/// Replacement text with `$0`, `$1`… and `$$` substituted (JSONata's rules).
func substitute(_ replacement: String, _ m: MatchResult) -> String {
    let r = Array(replacement.unicodeScalars)
    var out = String.UnicodeScalarView()
    var position = 0
    while position < r.count {
        let c = r[position]
        if c != "$" {
            out.append(c)
            position += 1
            continue
        }
        position += 1
        guard position < r.count else {
            out.append("$")
            break
        }
        let d = r[position]
        if d == "$" {
            out.append("$")
            position += 1
        } else if d == "0" {
            out.append(contentsOf: m.match.unicodeScalars)
            position += 1
        } else {
            let groupCount = m.groups.count
            let maxDigits = groupCount == 0 ? 1 : Int(floor(log10(Double(groupCount)))) + 1
            func parse(_ n: Int) -> Int? {
                var v = 0
                var any = false
                var k = 0
                while k < n && position + k < r.count, let dv = r[position + k].properties.numericType != nil ? Int(String(r[position + k])) : nil {
                    v = v * 10 + dv
                    any = true
                    k += 1
                }
                return any ? v : nil
            }
            var index = parse(maxDigits)
            if maxDigits > 1, let i = index, i > groupCount {
                index = parse(maxDigits - 1)
            }
            if let index {
                if groupCount > 0, index >= 1, index - 1 < m.groups.count, case .string(let g) = m.groups[index - 1] {
                    out.append(contentsOf: g.unicodeScalars)
                }
                position += String(index).count
            } else {
                out.append("$")
            }
        }
    }
    return String(out)
}

let unreservedComponent: Set<UInt8> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".utf8)
let unreservedURI: Set<UInt8> = unreservedComponent.union(Set(";,/?:@&=+$#".utf8))

func percentEncode(_ s: String, keep: Set<UInt8>) -> String {
    var out = ""
    let hex = Array("0123456789ABCDEF")
    for b in s.utf8 {
        if keep.contains(b) {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            out.append("%")
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 15)])
        }
    }
    return out
}

func percentDecode(_ s: String, reserved: Set<UInt8>) -> String? {
    let bytes = Array(s.utf8)
    var out: [UInt8] = []
    var i = 0
    func hexv(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%") {
            guard i + 2 < bytes.count, let h = hexv(bytes[i + 1]), let l = hexv(bytes[i + 2]) else { return nil }
            let b = h << 4 | l
            if b < 0x80 && reserved.contains(b) {
                out.append(contentsOf: bytes[i...(i + 2)])
            } else {
                out.append(b)
            }
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(validating: out, as: UTF8.self)
}

func isDecimalLiteral(_ s: String) -> Bool {
    // -?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?, read in place (no copy of the text)
    func matches(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        func digits() -> Bool {
            let start = i
            while i < u.count && u[i] >= 48 && u[i] <= 57 { i += 1 }
            return i > start
        }
        if i < u.count && u[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() else { return false }
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() else { return false }
        }
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
            guard digits() else { return false }
        }
        return i == u.count
    }
    if let r = s.utf8.withContiguousStorageIfAvailable(matches) { return r }
    return Array(s.utf8).withUnsafeBufferPointer(matches)
}

func parsePrefixedInteger(_ s: String) -> Double? {
    guard s.count > 2, s.first == "0" else { return nil }
    let kind = s[s.index(after: s.startIndex)]
    let body = s.dropFirst(2)
    let radix: Int
    switch kind {
    case "x", "X": radix = 16
    case "o", "O": radix = 8
    case "b", "B": radix = 2
    default: return nil
    }
    guard let v = UInt64(body, radix: radix) else { return nil }
    return Double(v)
}

extension Double {
    /// Clamped into a range safe for integer conversion.
    func clamped() -> Double {
        if isNaN { return 0 }
        return Swift.min(Swift.max(self, -9e15), 9e15)
    }
}
