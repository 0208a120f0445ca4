import ExpressionFormatting
import Foundation
import JSONModel

extension Functions {
    /// The strings functions.
    static let stringFunctions: [Builtin] = [
        Builtin("string", "<x-b?:s>", arity: 1) { args, site throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            let pretty = arg(args, 1).flatMap { if case .bool(let b) = $0 { return b } else { return nil } } ?? false
            return .string(try Functions.string(v, prettify: pretty, ieee: site.ev.ieee))
        },
        Builtin("substring", "<s-nn?:s>", arity: 3) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let scalars = Array(s.unicodeScalars)
            let len = scalars.count
            var start = Int(clamping: Int64((numArg(args, 1)?.d ?? 0).rounded(.towardZero).clamped()))
            if len + start < 0 { start = 0 }
            func slice(_ from: Int, _ to: Int) -> String {
                var a = from < 0 ? max(len + from, 0) : min(from, len)
                let b = to < 0 ? max(len + to, 0) : min(to, len)
                if a > b { a = b }
                var out = String.UnicodeScalarView()
                out.append(contentsOf: scalars[a..<b])
                return String(out)
            }
            if let lengthNum = numArg(args, 2) {
                let length = lengthNum.d
                if length <= 0 { return .string("") }
                let l = Int(clamping: Int64(length.rounded(.towardZero).clamped()))
                let end = start >= 0 ? start + l : len + start + l
                return .string(slice(start, end))
            }
            return .string(slice(start, len))
        },
        Builtin("substringBefore", "<s-s:s>", arity: 2) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let chars = strArg(args, 1) else { return .string(s) }
            guard let pos = indexOf(s, chars, from: 0) else { return .string(s) }
            return .string(utf16Slice(s, 0, pos))
        },
        Builtin("substringAfter", "<s-s:s>", arity: 2) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let chars = strArg(args, 1) else { return .string(s) }
            guard let pos = indexOf(s, chars, from: 0) else { return .string(s) }
            return .string(utf16Slice(s, pos + chars.utf16.count, s.utf16.count))
        },
        Builtin("lowercase", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string($0.lowercased()) }
        },
        Builtin("uppercase", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string($0.uppercased()) }
        },
        Builtin("length", "<s-:n>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .int($0.unicodeScalars.count) }
        },
        Builtin("trim", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            var out = String.UnicodeScalarView()
            var inSpace = false
            for c in s.unicodeScalars {
                if c == " " || c == "\t" || c == "\n" || c == "\r" {
                    if !inSpace { out.append(" ") }
                    inSpace = true
                } else {
                    out.append(c)
                    inSpace = false
                }
            }
            var r = String(out)
            if r.hasPrefix(" ") { r.removeFirst() }
            if r.hasSuffix(" ") { r.removeLast() }
            return .string(r)
        },
        Builtin("pad", "<s-ns?:s>", arity: 3) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let width = Int((numArg(args, 1)?.d ?? 0).clamped())
            var ch = strArg(args, 2) ?? " "
            if ch.isEmpty { ch = " " }
            let padLength = abs(width) - s.unicodeScalars.count
            if padLength <= 0 { return .string(s) }
            var padding = String.UnicodeScalarView()
            let chScalars = Array(ch.unicodeScalars)
            var i = 0
            while padding.count < padLength {
                padding.append(chScalars[i % chScalars.count])
                i += 1
            }
            return .string(width > 0 ? s + String(padding) : String(padding) + s)
        },
        Builtin("contains", "<s-(sf):b>", arity: 2) { args, site throws(ExpressionError) in
            guard let s = strArg(args, 0), arg(args, 1) != nil else { return nil }
            if case .string(let token)? = arg(args, 1) {
                return .bool(indexOf(s, token, from: 0) != nil)
            }
            return .bool(try MatchCursor.first(arg(args, 1), s, site: site) != nil)
        },
        Builtin("match", "<s-f<s:o>n?:a<o>>", arity: 3) { args, site throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let limit = numArg(args, 2)?.d
            if let limit, limit < 0 {
                throw ExpressionError.make("D3040", value: .double(limit), index: 3)
            }
            var result: [Value] = []
            if limit == nil || limit! > 0 {
                guard var (m, cursor) = try MatchCursor.first(arg(args, 1), s, site: site) else { return .array(JArray(result, sequence: true)) }
                var count = 0.0
                while true {
                    let o = JObject(capacity: 3)
                    o.appendNew("match", .string(m.match))
                    o.appendNew("index", .int(m.start))
                    o.appendNew("groups", .array(JArray(m.groups)))
                    result.append(.object(o))
                    count += 1
                    if let limit, count >= limit { break }
                    guard let n = try cursor.next() else { break }
                    m = n
                }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("replace", "<s-(sf)(sf)n?:s>", arity: 4) { args, site throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let pattern = arg(args, 1)
            if case .string(let p)? = pattern, p.isEmpty {
                throw ExpressionError.make("D3010", value: pattern, index: 2)
            }
            let limit = numArg(args, 3)?.d
            if let limit, limit < 0 {
                throw ExpressionError.make("D3011", value: .double(limit), index: 4)
            }
            let replacement = arg(args, 2)
            if limit == 0 { return .string(s) }
            if case .string(let p)? = pattern {
                guard case .string(let rep)? = replacement else { return .string(s) }
                var result = ""
                var position = 0
                var count = 0.0
                var index = indexOf(s, p, from: 0)
                let plen = p.utf16.count
                while let i = index, limit == nil || count < limit! {
                    result += utf16Slice(s, position, i)
                    result += rep
                    position = i + plen
                    count += 1
                    index = indexOf(s, p, from: position)
                }
                result += utf16Slice(s, position, s.utf16.count)
                return .string(result)
            }
            guard var (m, cursor) = try MatchCursor.first(pattern, s, site: site) else { return .string(s) }
            var result = ""
            var position = 0
            var count = 0.0
            let ns = s as NSString
            while true {
                if limit != nil && count >= limit! { break }
                result += ns.substring(with: NSRange(location: position, length: max(m.start - position, 0)))
                switch replacement {
                case .string(let rep)?:
                    result += substitute(rep, m)
                case .function?:
                    let mo = JObject(capacity: 5)
                    mo.appendNew("match", .string(m.match))
                    mo.appendNew("index", .int(m.start))
                    mo.appendNew("start", .int(m.start))
                    mo.appendNew("end", .int(m.end))
                    mo.appendNew("groups", .array(JArray(m.groups)))
                    let r = try site.ev.apply(replacement, [.object(mo)], site.input, site.frame)
                    guard case .string(let rs)? = r else {
                        throw ExpressionError.make("D3012", value: r)
                    }
                    result += rs
                default:
                    break
                }
                position = m.start + (m.match as NSString).length
                count += 1
                if limit != nil && count >= limit! { break }
                guard let n = try cursor.next() else { break }
                m = n
            }
            result += ns.substring(from: min(position, ns.length))
            return .string(result)
        },
        Builtin("split", "<s-(sf)n?:a<s>>", arity: 3) { args, site throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let limit = numArg(args, 2)?.d
            if let limit, limit < 0 {
                throw ExpressionError.make("D3020", value: .double(limit), index: 3)
            }
            var result: [Value] = []
            if limit == 0 { return .array(JArray(result)) }
            if case .string(let sep)? = arg(args, 1) {
                if sep.isEmpty {
                    for c in s.unicodeScalars { result.append(.string(String(Character(c)))) }
                } else {
                    var position = 0
                    while let i = indexOf(s, sep, from: position) {
                        result.append(.string(utf16Slice(s, position, i)))
                        position = i + sep.utf16.count
                    }
                    result.append(.string(utf16Slice(s, position, s.utf16.count)))
                }
                if let limit, Double(result.count) > limit {
                    result = Array(result.prefix(Int(limit)))
                }
                return .array(JArray(result))
            }
            let ns = s as NSString
            guard var (m, cursor) = try MatchCursor.first(arg(args, 1), s, site: site) else {
                return .array(JArray([.string(s)]))
            }
            var start = 0
            var count = 0.0
            while true {
                result.append(.string(ns.substring(with: NSRange(location: start, length: max(m.start - start, 0)))))
                start = m.end
                count += 1
                if let limit, count >= limit { break }
                guard let n = try cursor.next() else { break }
                m = n
            }
            if limit == nil || count < limit! {
                result.append(.string(ns.substring(from: min(start, ns.length))))
            }
            return .array(JArray(result))
        },
        Builtin("join", "<a<s>s?:s>", arity: 2) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            let sep = strArg(args, 1) ?? ""
            var parts: [String] = []
            for i in 0..<a.count {
                if case .string(let s) = a.element(i) { parts.append(s) }
            }
            return .string(parts.joined(separator: sep))
        },

    ]
}
