import ExpressionFormatting
import Foundation
import JSONModel

extension Functions {
    /// `$sum` of the library (the evaluator folds `$sum(path)` itself when it calls this one).
    static let sumBuiltin: Builtin = aggregationFunctions[0]

    /// `$count` of the library (the evaluator counts `$count(name)` over input objects itself).
    static let countBuiltin: Builtin = aggregationFunctions.first { $0.name == "count" }!

    /// `$round` of the library (the evaluator rounds numbers itself when it calls this one).
    static let roundBuiltin: Builtin = numberFunctions.first { $0.name == "round" }!
    static let numberBuiltin: Builtin = numberFunctions.first { $0.name == "number" }!
    static let uppercaseBuiltin: Builtin = stringFunctions.first { $0.name == "uppercase" }!
    static let lowercaseBuiltin: Builtin = stringFunctions.first { $0.name == "lowercase" }!
    static let stringBuiltin: Builtin = stringFunctions.first { $0.name == "string" }!

    /// For a few one-argument functions called with one argument: the result for the argument
    /// values they are mostly given (a decimal string or a number for `$number`, a string for
    /// `$uppercase` and `$lowercase`), computed as the function computes it, without the
    /// argument array or the signature check. Nil means "call the function": other values, and
    /// every error, are the function's own.
    static func directUnary(_ f: Callable) -> ((Value) -> Value?)? {
        if f === numberBuiltin {
            return { v in
                switch v {
                case .number: return v
                case .string(let s):
                    if let n = Num.plainDecimal(s) { return .number(n) }
                    if isDecimalLiteral(s), let n = Num.parse(s), n.d.isFinite { return .number(n) }
                    return nil
                default: return nil
                }
            }
        }
        if f === uppercaseBuiltin {
            return { v in if case .string(let s) = v { return .string(s.uppercased()) } else { return nil } }
        }
        if f === lowercaseBuiltin {
            return { v in if case .string(let s) = v { return .string(s.lowercased()) } else { return nil } }
        }
        return nil
    }

    /// The aggregation functions.
    static let aggregationFunctions: [Builtin] = [
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

    ]

    /// The formatting (ExpressionFormatting) functions.
    static let formattingFunctions: [Builtin] = [
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

    ]

    /// The numbers functions.
    static let numberFunctions: [Builtin] = [
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

    ]

    /// The booleans functions.
    static let booleanFunctions: [Builtin] = [
        Builtin("boolean", "<x-:b>", arity: 1) { args, _ throws(ExpressionError) in
            Evaluator.boolean(arg(args, 0)).map { .bool($0) }
        },
        Builtin("not", "<x-:b>", arity: 1) { args, _ throws(ExpressionError) in
            Evaluator.boolean(arg(args, 0)).map { .bool(!$0) }
        },
        Builtin("exists", "<x:b>", arity: 1) { args, _ throws(ExpressionError) in
            .bool(arg(args, 0) != nil)
        },

    ]
}
