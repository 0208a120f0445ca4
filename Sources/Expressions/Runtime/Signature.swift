/// A function signature (`<s-nn?:s>`): validates arguments, substitutes the context value for
/// a missing `-` argument, and wraps single values where an array is expected.
final class Signature: @unchecked Sendable {
    enum Quantifier { case one, optional, plus }

    struct Param {
        var chars: [Character] = []
        var quantifier = Quantifier.one
        var type: String = ""
        var isArray = false
        var context = false
        var contextChars: [Character] = []
        var subtype: String? = nil
    }

    let definition: String
    @exclusivity(unchecked) private(set) var params: [Param] = []

    /// Parses a signature; errors carry the offset within the signature as `position`.
    init(_ signature: String) throws(ExpressionError) {
        definition = signature
        let s = Array(signature)
        var position = 1
        var param = Param()
        var prev: Int? = nil
        func next() {
            params.append(param)
            prev = params.count - 1
            param = Param()
        }
        func findClosing(_ start: Int, _ open: Character, _ close: Character) -> Int {
            var depth = 1
            var p = start
            while p < s.count {
                p += 1
                if p >= s.count { break }
                if s[p] == close {
                    depth -= 1
                    if depth == 0 { break }
                } else if s[p] == open {
                    depth += 1
                }
            }
            return p
        }
        while position < s.count {
            let symbol = s[position]
            if symbol == ":" { break }
            switch symbol {
            case "s", "n", "b", "l", "o":
                param.chars = [symbol, "m"]
                param.type = String(symbol)
                next()
            case "a":
                param.chars = Array("asnblfom")
                param.type = "a"
                param.isArray = true
                next()
            case "f":
                param.chars = ["f"]
                param.type = "f"
                next()
            case "j":
                param.chars = Array("asnblom")
                param.type = "j"
                next()
            case "x":
                param.chars = Array("asnblfom")
                param.type = "x"
                next()
            case "-":
                if let p = prev {
                    params[p].context = true
                    params[p].contextChars = params[p].chars
                    params[p].quantifier = .optional
                }
            case "?", "+":
                if let p = prev {
                    params[p].quantifier = symbol == "?" ? .optional : .plus
                }
            case "(":
                let end = findClosing(position, "(", ")")
                let choice = String(s[(position + 1)..<min(end, s.count)])
                if choice.contains("<") {
                    throw ExpressionError.make("S0402", position: position, token: choice)
                }
                param.chars = Array(choice) + ["m"]
                param.type = "(" + choice + ")"
                position = end
                next()
            case "<":
                if let p = prev, params[p].type == "a" || params[p].type == "f" {
                    let end = findClosing(position, "<", ">")
                    params[p].subtype = String(s[(position + 1)..<min(end, s.count)])
                    position = end
                } else {
                    throw ExpressionError.make("S0401", position: position, token: prev.map { params[$0].type } ?? "")
                }
            default:
                break
            }
            position += 1
        }
        fast = makeFast()
    }

    @inline(__always) static func symbol(_ v: Value?) -> Character {
        guard let v else { return "m" }
        switch v {
        case .null: return "l"
        case .bool: return "b"
        case .number: return "n"
        case .string: return "s"
        case .array, .jarray, .tuples: return "a"
        case .object, .jobject: return "o"
        case .function: return "f"
        }
    }

    /// Greedy backtracking match of params[pi...] against sig[si...]; fills `lens`.
    private func match(_ sig: [Character], _ pi: Int, _ si: Int, _ lens: inout [Int], upTo: Int, anchored: Bool) -> Bool {
        if pi == upTo { return anchored ? si == sig.count : true }
        let p = params[pi]
        switch p.quantifier {
        case .one:
            if si < sig.count && p.chars.contains(sig[si]) {
                lens[pi] = 1
                return match(sig, pi + 1, si + 1, &lens, upTo: upTo, anchored: anchored)
            }
            return false
        case .optional:
            if si < sig.count && p.chars.contains(sig[si]) {
                lens[pi] = 1
                if match(sig, pi + 1, si + 1, &lens, upTo: upTo, anchored: anchored) { return true }
            }
            lens[pi] = 0
            return match(sig, pi + 1, si, &lens, upTo: upTo, anchored: anchored)
        case .plus:
            var k = 0
            while si + k < sig.count && p.chars.contains(sig[si + k]) { k += 1 }
            while k >= 1 {
                lens[pi] = k
                if match(sig, pi + 1, si + k, &lens, upTo: upTo, anchored: anchored) { return true }
                k -= 1
            }
            return false
        }
    }

    /// Symbol bits: a s n b l o f m.
    @inline(__always) static func bit(_ v: Value?) -> UInt8 {
        guard let v else { return 128 }
        switch v {
        case .array, .jarray, .tuples: return 1
        case .string: return 2
        case .number: return 4
        case .bool: return 8
        case .null: return 16
        case .object, .jobject: return 32
        case .function: return 64
        }
    }

    static func mask(_ chars: [Character]) -> UInt8 {
        var m: UInt8 = 0
        for c in chars {
            switch c {
            case "a": m |= 1
            case "s": m |= 2
            case "n": m |= 4
            case "b": m |= 8
            case "l": m |= 16
            case "o": m |= 32
            case "f": m |= 64
            case "m": m |= 128
            default: break
            }
        }
        return m
    }

    private struct Fast {
        var mask: UInt8
        var optional: Bool
        var context: Bool
        var isArray: Bool
        var subtype: UInt8  // bit of the element type, 0 for none
    }

    private var fast: [Fast]? = nil

    private func makeFast() -> [Fast]? {
        if params.contains(where: { $0.quantifier == .plus }) { return nil }
        return params.map { p in
            var sub: UInt8 = 0
            if let s = p.subtype {
                guard s.count == 1 else { return Fast(mask: 0, optional: false, context: false, isArray: true, subtype: 255) }
                sub = Signature.mask(Array(s))
            }
            return Fast(mask: Signature.mask(p.chars), optional: p.quantifier == .optional, context: p.context, isArray: p.type == "a", subtype: sub)
        }
    }

    /// The common case: every argument fits its parameter in order and nothing needs
    /// substituting. Returns the arguments (single values wrapped where an array is expected),
    /// or nil when the full check is needed.
    @inline(__always) private func fastValidated(_ args: [Value?]) -> [Value?]? {
        guard let fast else { return nil }
        var ai = 0
        var wrap: UInt64 = 0
        for p in fast {
            if p.subtype == 255 { return nil }
            let sym: UInt8 = ai < args.count ? Signature.bit(args[ai]) : 0
            if sym != 0 && p.mask & sym != 0 {
                if p.isArray && sym != 128 {
                    if sym == 1 {
                        if p.subtype != 0, let a = args[ai] {
                            let n = a.count
                            if n > 0 {
                                for i in 0..<n where Signature.bit(a.element(i)) != p.subtype { return nil }
                            }
                        }
                    } else {
                        if p.subtype != 0 && sym != p.subtype { return nil }
                        if ai >= 64 { return nil }
                        wrap |= 1 << UInt64(ai)
                    }
                }
                ai += 1
            } else if !p.optional || p.context || ai < args.count {
                return nil
            }
        }
        guard ai == args.count else { return nil }
        if wrap == 0 { return args }
        var out = args
        for i in 0..<args.count where wrap & (1 << UInt64(i)) != 0 {
            if let a = args[i] { out[i] = .array(JArray([a])) }
        }
        return out
    }

    func validate(_ args: [Value?], context: Value?) throws(ExpressionError) -> [Value?] {
        if let fast = fastValidated(args) { return fast }
        let sig = args.map(Signature.symbol)
        var lens = [Int](repeating: 0, count: params.count)
        guard match(sig, 0, 0, &lens, upTo: params.count, anchored: true) else {
            // find the first argument that does not fit
            var goodTo = 0
            for index in 0..<params.count {
                var partial = [Int](repeating: 0, count: params.count)
                if !match(sig, 0, 0, &partial, upTo: index + 1, anchored: false) {
                    throw ExpressionError.make("T0410", value: goodTo < args.count ? args[goodTo] : nil, index: goodTo + 1)
                }
                goodTo = partial[0...index].reduce(0, +)
            }
            throw ExpressionError.make("T0410", value: goodTo < args.count ? args[goodTo] : nil, index: goodTo + 1)
        }
        var validated: [Value?] = []
        validated.reserveCapacity(params.count)
        var argIndex = 0
        var sigPos = 0
        for (index, param) in params.enumerated() {
            let len = lens[index]
            let groupStart = sigPos
            sigPos += len
            if len == 0 {
                if param.context {
                    let ct = Signature.symbol(context)
                    if param.contextChars.contains(ct) {
                        validated.append(context)
                    } else {
                        throw ExpressionError.make("T0411", value: context, index: argIndex + 1)
                    }
                } else {
                    validated.append(argIndex < args.count ? args[argIndex] : nil)
                    argIndex += 1
                }
                continue
            }
            let matched = String(sig[groupStart..<(groupStart + len)])
            for single in sig[groupStart..<(groupStart + len)] {
                var arg = argIndex < args.count ? args[argIndex] : nil
                if param.type == "a" {
                    if single == "m" {
                        arg = nil
                    } else {
                        var ok = true
                        if let sub = param.subtype {
                            if single != "a" && matched != sub {
                                ok = false
                            } else if single == "a", let a = arg, a.count > 0 {
                                let itemType = Signature.symbol(a.element(0))
                                if String(itemType) != String(sub.prefix(1)) {
                                    ok = false
                                } else {
                                    for i in 0..<a.count where Signature.symbol(a.element(i)) != itemType {
                                        ok = false
                                        break
                                    }
                                }
                            }
                        }
                        if !ok {
                            throw ExpressionError.make("T0412", value: arg, index: argIndex + 1, detail: param.subtype)
                        }
                        if single != "a", let a = arg {
                            arg = .array(JArray([a]))
                        }
                    }
                }
                validated.append(arg)
                argIndex += 1
            }
        }
        return validated
    }
}
