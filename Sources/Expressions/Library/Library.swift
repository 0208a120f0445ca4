import ExpressionFormatting
import Foundation
import JSONModel

@inline(__always) private func arg(_ args: [Value?], _ i: Int) -> Value? {
    i < args.count ? args[i] : nil
}

@inline(__always) private func strArg(_ args: [Value?], _ i: Int) -> String? {
    if case .string(let s)? = arg(args, i) { return s }
    return nil
}

@inline(__always) private func numArg(_ args: [Value?], _ i: Int) -> Num? {
    if case .number(let n)? = arg(args, i) { return n }
    return nil
}

private func fnArg(_ args: [Value?], _ i: Int) -> Callable? {
    if case .function(let f)? = arg(args, i) { return f }
    return nil
}

private func formatting<T>(_ body: () throws(FormattingError) -> T) throws(ExpressionError) -> T {
    do throws(FormattingError) {
        return try body()
    } catch {
        throw ExpressionError.make(error.code, message: error.message)
    }
}

extension Functions {
    /// JSONata's standard library.
    static let library: [Builtin] = [
        // MARK: aggregation
        Builtin("sum", "<a<n>:n>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if site.ev.ieee {
                var sum = 0.0
                for i in 0..<a.count {
                    if case .number(let n) = a.element(i) { sum += n.d }
                }
                return .double(sum)
            }
            var total = Num(int: 0)
            var exact = true
            var dsum = 0.0
            for i in 0..<a.count {
                guard case .number(let n) = a.element(i) else { continue }
                if exact && n.isExact {
                    let t = total + n
                    if t.isExact {
                        total = t
                    } else {
                        exact = false
                    }
                } else {
                    exact = false
                }
                dsum += n.d
            }
            return .number(exact ? total : Num(double: dsum))
        },
        Builtin("count", "<a:n>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return .int(0) }
            return .int(a.count)
        },
        Builtin("max", "<a<n>:n>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), a.count > 0 else { return nil }
            let ieee = site.ev.ieee
            var best: Num? = nil
            for i in 0..<a.count {
                guard case .number(let n) = a.element(i) else { continue }
                if let b = best, Num.compare(n, b, ieee: ieee) <= 0 { continue }
                best = n
            }
            return best.map { .number($0) }
        },
        Builtin("min", "<a<n>:n>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), a.count > 0 else { return nil }
            let ieee = site.ev.ieee
            var best: Num? = nil
            for i in 0..<a.count {
                guard case .number(let n) = a.element(i) else { continue }
                if let b = best, Num.compare(n, b, ieee: ieee) >= 0 { continue }
                best = n
            }
            return best.map { .number($0) }
        },
        Builtin("average", "<a<n>:n>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), a.count > 0 else { return nil }
            if site.ev.ieee {
                var sum = 0.0
                for i in 0..<a.count {
                    if case .number(let n) = a.element(i) { sum += n.d }
                }
                return .double(sum / Double(a.count))
            }
            var total = Num(int: 0)
            for i in 0..<a.count {
                if case .number(let n) = a.element(i) { total = total + n }
            }
            return .double(total.d / Double(a.count))
        },

        // MARK: strings
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

        // MARK: formatting (ExpressionFormatting)
        Builtin("formatNumber", "<n-so?:s>", arity: 3) { args, _ throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            let picture = strArg(args, 1) ?? ""
            var options: [String: String] = [:]
            if let o = arg(args, 2) {
                o.forEachMember { (k: String, v: Value) in
                    if case .string(let s) = v { options[k] = s }
                }
            }
            return .string(try formatting { () throws(FormattingError) in try NumberFormatting.formatNumber(n.d, picture: picture, options: options) })
        },
        Builtin("formatBase", "<n-n?:s>", arity: 2) { args, _ throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            var radix = 10
            if let r = numArg(args, 1) {
                radix = Int(r.roundHalfEven(0).d.clamped())
            }
            return .string(try formatting { () throws(FormattingError) in try NumberFormatting.formatBase(n.d, radix: radix) })
        },
        Builtin("formatInteger", "<n-s:s>", arity: 2) { args, _ throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            let picture = strArg(args, 1) ?? ""
            return .string(try formatting { () throws(FormattingError) in try IntegerFormatting.formatInteger(n.d, picture: picture) })
        },
        Builtin("parseInteger", "<s-s:n>", arity: 2) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let picture = strArg(args, 1) ?? ""
            let r = try formatting { () throws(FormattingError) in try IntegerFormatting.parseInteger(s, picture: picture) }
            return r.map { d in d == d.rounded() && abs(d) < 9e15 ? .int(Int(d)) : .double(d) }
        },
        Builtin("fromMillis", "<n-s?s?:s>", arity: 3) { args, _ throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            let picture = strArg(args, 1)
            let tz = strArg(args, 2)
            return .string(try formatting { () throws(FormattingError) in try DateTimeFormatting.format(millis: n.d, picture: picture, timezone: tz) })
        },
        Builtin("toMillis", "<s-s?:n>", arity: 2) { args, site throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let picture = strArg(args, 1)
            let now = site.ev.timestamp
            let r = try formatting { () throws(FormattingError) in try DateTimeFormatting.parse(s, picture: picture, now: now) }
            return r.map { d in d == d.rounded() && abs(d) < 9e15 ? .int(Int(d)) : .double(d) }
        },
        Builtin("now", "<s?s?:s>", arity: 2) { args, site throws(ExpressionError) in
            let picture = strArg(args, 0)
            let tz = strArg(args, 1)
            let ms = site.ev.timestamp
            return .string(try formatting { () throws(FormattingError) in try DateTimeFormatting.format(millis: ms, picture: picture, timezone: tz) })
        },
        Builtin("millis", "<:n>", arity: 0) { _, site throws(ExpressionError) in
            .int(Int(site.ev.timestamp))
        },

        // MARK: numbers
        Builtin("number", "<(nsb)-:n>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            switch v {
            case .number: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .string(let s):
                if isDecimalLiteral(s), let n = Num.parse(s), n.d.isFinite { return .number(n) }
                if let n = parsePrefixedInteger(s) { return .double(n) }
                throw ExpressionError.make("D3030", value: v, index: 1)
            default:
                throw ExpressionError.make("D3030", value: v, index: 1)
            }
        },
        Builtin("floor", "<n-:n>", arity: 1) { args, _ throws(ExpressionError) in
            numArg(args, 0).map { .number($0.floor()) }
        },
        Builtin("ceil", "<n-:n>", arity: 1) { args, _ throws(ExpressionError) in
            numArg(args, 0).map { .number($0.ceil()) }
        },
        Builtin("round", "<n-n?:n>", arity: 2) { args, site throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            let precision = Int((numArg(args, 1)?.d ?? 0).clamped())
            return .number(site.ev.ieee ? n.roundIEEE(precision) : n.roundHalfEven(precision))
        },
        Builtin("abs", "<n-:n>", arity: 1) { args, _ throws(ExpressionError) in
            numArg(args, 0).map { .number($0.abs()) }
        },
        Builtin("sqrt", "<n-:n>", arity: 1) { args, _ throws(ExpressionError) in
            guard let n = numArg(args, 0) else { return nil }
            if n.d < 0 { throw ExpressionError.make("D3060", value: .number(n), index: 1) }
            return .double(n.d.squareRoot())
        },
        Builtin("power", "<n-n:n>", arity: 2) { args, site throws(ExpressionError) in
            guard let base = numArg(args, 0) else { return nil }
            let exp = numArg(args, 1)?.d ?? .nan
            let r = pow(base.d, exp)
            if !r.isFinite { throw ExpressionError.make("D3061", value: .number(base), index: 1) }
            if !site.ev.ieee, base.isExact, exp >= 0, exp == exp.rounded(), exp < 64 {
                var acc = Num(int: 1)
                var ok = true
                for _ in 0..<Int(exp) {
                    acc = acc * base
                    if !acc.isExact { ok = false; break }
                }
                if ok { return .number(acc) }
            }
            return .double(r)
        },
        Builtin("random", "<:n>", arity: 0) { _, _ throws(ExpressionError) in
            .double(Double.random(in: 0..<1))
        },

        // MARK: booleans
        Builtin("boolean", "<x-:b>", arity: 1) { args, _ throws(ExpressionError) in
            Evaluator.boolean(arg(args, 0)).map { .bool($0) }
        },
        Builtin("not", "<x-:b>", arity: 1) { args, _ throws(ExpressionError) in
            Evaluator.boolean(arg(args, 0)).map { .bool(!$0) }
        },
        Builtin("exists", "<x:b>", arity: 1) { args, _ throws(ExpressionError) in
            .bool(arg(args, 0) != nil)
        },

        // MARK: higher-order
        Builtin("map", "<af>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            result.reserveCapacity(a.count)
            for i in 0..<a.count {
                let r = try site.ev.callFunction(f, Functions.hofArgs(f, a.element(i), .int(i), a), site)
                if let r { result.append(r) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("filter", "<af>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            for i in 0..<a.count {
                let e = a.element(i)
                let r = try site.ev.callFunction(f, Functions.hofArgs(f, e, .int(i), a), site)
                if Evaluator.boolean(r) == true { result.append(e) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("single", "<af?>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            let f = fnArg(args, 1)
            var found: Value? = nil
            var hasFound = false
            for i in 0..<a.count {
                let e = a.element(i)
                var positive = true
                if let f {
                    let r = try site.ev.callFunction(f, Functions.hofArgs(f, e, .int(i), a), site)
                    positive = Evaluator.boolean(r) == true
                }
                if positive {
                    if hasFound { throw ExpressionError.make("D3138", index: i) }
                    found = e
                    hasFound = true
                }
            }
            if !hasFound { throw ExpressionError.make("D3139") }
            return found
        },
        Builtin("reduce", "<afj?:j>", arity: 3) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            let arity = f.arity
            if arity < 2 { throw ExpressionError.make("D3050", index: 1) }
            var index = 0
            var result: Value?
            if args.count < 3 || arg(args, 2) == nil, a.count > 0 {
                result = a.element(0)
                index = 1
            } else {
                result = arg(args, 2)
            }
            while index < a.count {
                var callArgs: [Value?] = [result, a.element(index)]
                if arity >= 3 { callArgs.append(.int(index)) }
                if arity >= 4 { callArgs.append(a) }
                result = try site.ev.callFunction(f, callArgs, site)
                index += 1
            }
            return result
        },
        Builtin("sift", "<o-f?:o>", arity: 2) { args, site throws(ExpressionError) in
            guard let o = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            let result = JObject()
            var failure: ExpressionError? = nil
            o.forEachMember { (k: String, v: Value) in
                if failure != nil { return }
                do throws(ExpressionError) {
                    let r = try site.ev.callFunction(f, Functions.hofArgs(f, v, .string(k), o), site)
                    if Evaluator.boolean(r) == true { result.appendNew(k, v) }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return result.count == 0 ? nil : .object(result)
        },
        Builtin("each", "<o-f:a>", arity: 2) { args, site throws(ExpressionError) in
            guard let o = arg(args, 0), let f = fnArg(args, 1) else { return nil }
            var result: [Value] = []
            var failure: ExpressionError? = nil
            o.forEachMember { (k: String, v: Value) in
                if failure != nil { return }
                do throws(ExpressionError) {
                    if let r = try site.ev.callFunction(f, Functions.hofArgs(f, v, .string(k), o), site) {
                        result.append(r)
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return .array(JArray(result, sequence: true))
        },
        Builtin("zip", "<a+>", arity: 0) { args, _ throws(ExpressionError) in
            var length = Int.max
            for a in args {
                if let a, a.isArray { length = min(length, a.count) } else { length = 0 }
            }
            if args.isEmpty { length = 0 }
            var result: [Value] = []
            if length > 0 && length != Int.max {
                for i in 0..<length {
                    result.append(.array(JArray(args.map { $0!.element(i) })))
                }
            }
            return .array(JArray(result))
        },
        Builtin("sort", "<af?:a>", arity: 2) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            let items = a.elements
            if let f = fnArg(args, 1) {
                let sorted = try Functions.mergeSort(items) { (x: Value, y: Value) throws(ExpressionError) -> Bool in
                    Functions.jsTruthy(try site.ev.callFunction(f, [x, y], site))
                }
                return .array(JArray(sorted))
            }
            if Evaluator.isArrayOfNumbers(a) {
                let ieee = site.ev.ieee
                let sorted = try Functions.mergeSort(items) { (x: Value, y: Value) throws(ExpressionError) -> Bool in
                    Num.compare(x.num!, y.num!, ieee: ieee) > 0
                }
                return .array(JArray(sorted))
            }
            if Evaluator.isArrayOfStrings(a) {
                let sorted = try Functions.mergeSort(items) { (x: Value, y: Value) throws(ExpressionError) -> Bool in
                    Evaluator.compareStrings(x.str!, y.str!) > 0
                }
                return .array(JArray(sorted))
            }
            throw ExpressionError.make("D3070", index: 1)
        },

        // MARK: arrays and objects
        Builtin("keys", "<x-:a<s>>", arity: 1) { args, _ throws(ExpressionError) in
            var result: [Value] = []
            guard let v = arg(args, 0) else { return .array(JArray(result, sequence: true)) }
            if v.isArray {
                var seen = Set<String>()
                for i in 0..<v.count {
                    for k in v.element(i).objectKeys where !seen.contains(k) {
                        seen.insert(k)
                        result.append(.string(k))
                    }
                }
            } else {
                for k in v.objectKeys { result.append(.string(k)) }
            }
            return .array(JArray(result, sequence: true))
        },
        Builtin("lookup", "<x-s:x>", arity: 2) { args, _ throws(ExpressionError) in
            guard let key = strArg(args, 1) else { return nil }
            return Evaluator.lookup(arg(args, 0), key)
        },
        Builtin("append", "<xx:a>", arity: 2) { args, _ throws(ExpressionError) in
            Functions.append(arg(args, 0), arg(args, 1))
        },
        Builtin("spread", "<x-:a<o>>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return .array(JArray.sequence()) }
            return spread(v)
        },
        Builtin("merge", "<a<o>:o>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            let result = JObject()
            for i in 0..<a.count {
                a.element(i).forEachMember { (k: String, v: Value) in result[k] = v }
            }
            return .object(result)
        },
        Builtin("reverse", "<a:a>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            return .array(JArray(a.elements.reversed()))
        },
        Builtin("shuffle", "<a:a>", arity: 1) { args, _ throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if a.count <= 1 { return a }
            return .array(JArray(a.elements.shuffled()))
        },
        Builtin("distinct", "<x:x>", arity: 1) { args, site throws(ExpressionError) in
            guard let a = arg(args, 0) else { return nil }
            if !a.isArray || a.count <= 1 { return a }
            var results: [Value] = []
            var seenStrings = Set<String>()
            for i in 0..<a.count {
                let v = a.element(i)
                if case .string(let s) = v {
                    if seenStrings.insert(s).inserted { results.append(v) }
                    continue
                }
                var seen = false
                for r in results where try Evaluator.deepEqual(r, v, ieee: site.ev.ieee) {
                    seen = true
                    break
                }
                if !seen { results.append(v) }
            }
            return .array(JArray(results, sequence: a.isSequence))
        },
        Builtin("error", "<s?:x>", arity: 1) { args, _ throws(ExpressionError) in
            throw ExpressionError.make("D3137", message: strArg(args, 0) ?? "$error() function evaluated")
        },
        Builtin("assert", "<bs?:x>", arity: 2) { args, _ throws(ExpressionError) in
            if case .bool(true)? = arg(args, 0) { return nil }
            throw ExpressionError.make("D3141", message: strArg(args, 1) ?? "$assert() statement failed")
        },
        Builtin("type", "<x:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            switch v {
            case .null: return .string("null")
            case .number: return .string("number")
            case .string: return .string("string")
            case .bool: return .string("boolean")
            case .array, .jarray, .tuples: return .string("array")
            case .function: return .string("function")
            case .object, .jobject: return .string("object")
            }
        },
        Builtin("clone", "<(oa)-:o>", arity: 1) { args, _ throws(ExpressionError) in
            guard let v = arg(args, 0) else { return nil }
            return try Functions.deepClone(v)
        },

        // MARK: encoding
        Builtin("base64encode", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            let bytes = s.utf16.map { UInt8(truncatingIfNeeded: $0) }
            return .string(Data(bytes).base64EncodedString())
        },
        Builtin("base64decode", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            var cleaned = s.filter { !$0.isWhitespace }
            while cleaned.count % 4 != 0 { cleaned += "=" }
            guard let data = Data(base64Encoded: cleaned) else { return .string("") }
            var out = String.UnicodeScalarView()
            for b in data { out.append(Unicode.Scalar(b)) }
            return .string(String(out))
        },
        Builtin("encodeUrlComponent", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string(percentEncode($0, keep: unreservedComponent)) }
        },
        Builtin("encodeUrl", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            strArg(args, 0).map { .string(percentEncode($0, keep: unreservedURI)) }
        },
        Builtin("decodeUrlComponent", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let r = percentDecode(s, reserved: []) else { throw ExpressionError.make("D3140", value: .string(s)) }
            return .string(r)
        },
        Builtin("decodeUrl", "<s-:s>", arity: 1) { args, _ throws(ExpressionError) in
            guard let s = strArg(args, 0) else { return nil }
            guard let r = percentDecode(s, reserved: Set(";/?:@&=+$,#".utf8)) else { throw ExpressionError.make("D3140", value: .string(s)) }
            return .string(r)
        },

        // MARK: evaluation
        Builtin("eval", "<sx?:x>", arity: 2) { args, site throws(ExpressionError) in
            guard let text = strArg(args, 0) else { return nil }
            var input = site.input
            if let focus = arg(args, 1) {
                input = focus
                if case .jarray(let a)? = input {
                    let w = JArray.sequence([.jarray(a)])
                    w.outerWrapper = true
                    input = .array(w)
                } else if case .array(let a)? = input, !a.isSequence {
                    let w = JArray.sequence([input!])
                    w.outerWrapper = true
                    input = .array(w)
                }
            }
            let ast: Node
            do throws(ExpressionError) {
                ast = try Parser.parse(text).0
            } catch {
                throw ExpressionError.make("D3120", message: "the expression given to $eval has a syntax error: \(error.message)")
            }
            do throws(ExpressionError) {
                return try site.ev.eval(ast, input, site.frame)
            } catch {
                if error.isStackExhaustion { throw error }
                throw ExpressionError.make("D3121", message: "the expression given to $eval failed: \(error.message)")
            }
        },
    ]

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
private func indexOf(_ s: String, _ needle: String, from: Int) -> Int? {
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

private func utf16Slice(_ s: String, _ from: Int, _ to: Int) -> String {
    let u = s.utf16
    let a = u.index(u.startIndex, offsetBy: max(0, min(from, u.count)))
    let b = u.index(u.startIndex, offsetBy: max(0, min(to, u.count)))
    if a >= b { return "" }
    return String(u[a..<b]) ?? String(decoding: Array(u[a..<b]), as: UTF16.self)
}

/// Replacement text with `$0`, `$1`… and `$$` substituted (JSONata's rules).
private func substitute(_ replacement: String, _ m: MatchResult) -> String {
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

private let unreservedComponent: Set<UInt8> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".utf8)
private let unreservedURI: Set<UInt8> = unreservedComponent.union(Set(";,/?:@&=+$#".utf8))

private func percentEncode(_ s: String, keep: Set<UInt8>) -> String {
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

private func percentDecode(_ s: String, reserved: Set<UInt8>) -> String? {
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

private func isDecimalLiteral(_ s: String) -> Bool {
    // -?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?
    let u = Array(s.utf8)
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

private func parsePrefixedInteger(_ s: String) -> Double? {
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
