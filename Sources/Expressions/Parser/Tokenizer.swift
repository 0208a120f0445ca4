import Foundation

/// A lexical token with the offset (in Unicode scalars) of its first character.
struct Token {
    enum Kind { case op, name, variable, string, number, value, regex }
    var kind: Kind
    /// Operator symbol, name, variable name (without `$`), or string literal contents.
    var text: String
    var number: Num? = nil
    /// For `value` tokens: true, false or null.
    var literal: Value? = nil
    var regex: RegexLiteral? = nil
    var start: Int
    var end: Int
}

/// A regular expression literal `/pattern/flags`.
struct RegexLiteral {
    var pattern: String
    var flags: String
}

/// Splits an expression into tokens, one at a time (the parser decides whether `/` starts a
/// regular expression or divides).
struct Tokenizer {
    let chars: [Unicode.Scalar]
    var position = 0

    init(_ text: String) {
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.utf8.count)  // at least one byte per scalar: no regrowth
        for c in text.unicodeScalars { scalars.append(c) }
        chars = scalars
    }

    /// The single-character operators `. [ ] { } ( ) , @ # ; : ? + - * / % | = < > ^ & ! ~`, as a
    /// bit set over ASCII (tested for every character of every name: no hashing).
    private static let operatorBits: (low: UInt64, high: UInt64) = {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for c in ".[]{}(),@#;:?+-*/%|=<>^&!~".unicodeScalars {
            if c.value < 64 { low |= 1 << c.value } else { high |= 1 << (c.value - 64) }
        }
        return (low, high)
    }()

    @inline(__always) static func isOperatorChar(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 64 { return operatorBits.low & (1 << v) != 0 }
        if v < 128 { return operatorBits.high & (1 << (v - 64)) != 0 }
        return false
    }

    /// The text of `chars[range]`; ASCII (the usual case) is copied byte by byte.
    func text(_ range: Range<Int>) -> String {
        var ascii = true
        for i in range where chars[i].value >= 0x80 {
            ascii = false
            break
        }
        if ascii {
            return String(unsafeUninitializedCapacity: range.count) { buffer in
                var k = 0
                for i in range {
                    buffer[k] = UInt8(truncatingIfNeeded: chars[i].value)
                    k += 1
                }
                return k
            }
        }
        var s = String.UnicodeScalarView()
        s.append(contentsOf: chars[range])
        return String(s)
    }

    @inline(__always) func char(_ i: Int) -> Unicode.Scalar? {
        i >= 0 && i < chars.count ? chars[i] : nil
    }

    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}"
    }

    mutating func next(infix: Bool) throws(ExpressionError) -> Token? {
        while let c = char(position), Tokenizer.isSpace(c) { position += 1 }
        guard let c = char(position) else { return nil }
        // comments
        if c == "/" && char(position + 1) == "*" {
            let commentStart = position
            position += 2
            while !(char(position) == "*" && char(position + 1) == "/") {
                position += 1
                if position >= chars.count {
                    throw ExpressionError.make("S0106", position: commentStart)
                }
            }
            position += 2
            return try next(infix: infix)
        }
        let start = position
        if !infix && c == "/" {
            position += 1
            return try scanRegex(start: start)
        }
        func op(_ s: String, _ n: Int) -> Token {
            position += n
            return Token(kind: .op, text: s, start: start, end: position)
        }
        let c1 = char(position + 1)
        switch (c, c1) {
        case (".", "."): return op("..", 2)
        case (":", "="): return op(":=", 2)
        case ("!", "="): return op("!=", 2)
        case (">", "="): return op(">=", 2)
        case ("<", "="): return op("<=", 2)
        case ("*", "*"): return op("**", 2)
        case ("~", ">"): return op("~>", 2)
        case ("?", ":"): return op("?:", 2)
        case ("?", "?"): return op("??", 2)
        default: break
        }
        if Tokenizer.isOperatorChar(c) {
            return op(String(Character(c)), 1)
        }
        if c == "\"" || c == "'" {
            return try scanString(quote: c, start: start)
        }
        if let t = try scanNumber(start: start) { return t }
        if c == "`" {
            position += 1
            var i = position
            while i < chars.count && chars[i] != "`" { i += 1 }
            if i < chars.count {
                let name = text(position..<i)
                position = i + 1
                return Token(kind: .name, text: name, start: start, end: position)
            }
            position = chars.count
            throw ExpressionError.make("S0105", position: start)
        }
        // names and variables
        var i = position
        while i < chars.count && !Tokenizer.isSpace(chars[i]) && !Tokenizer.isOperatorChar(chars[i]) { i += 1 }
        if c == "$" {
            let name = text((position + 1)..<i)
            position = i
            return Token(kind: .variable, text: name, start: start, end: position)
        }
        let name = text(position..<i)
        position = i
        switch name {
        case "or", "in", "and": return Token(kind: .op, text: name, start: start, end: position)
        case "true": return Token(kind: .value, text: name, literal: .bool(true), start: start, end: position)
        case "false": return Token(kind: .value, text: name, literal: .bool(false), start: start, end: position)
        case "null": return Token(kind: .value, text: name, literal: .null, start: start, end: position)
        default:
            if name.isEmpty { return nil }
            return Token(kind: .name, text: name, start: start, end: position)
        }
    }

    private mutating func scanString(quote: Unicode.Scalar, start: Int) throws(ExpressionError) -> Token {
        position += 1
        // No escape before the closing quote (the usual case): the text as it stands.
        var end = position
        while end < chars.count && chars[end] != quote && chars[end] != "\\" { end += 1 }
        if end < chars.count && chars[end] == quote {
            let literal = text(position..<end)
            position = end + 1
            return Token(kind: .string, text: literal, start: start, end: position)
        }
        var out = String.UnicodeScalarView()
        var pendingHigh: UInt32? = nil
        func flushHigh() {
            if pendingHigh != nil {
                out.append("\u{FFFD}")
                pendingHigh = nil
            }
        }
        while position < chars.count {
            let c = chars[position]
            if c == "\\" {
                position += 1
                guard let e = char(position) else { break }
                switch e {
                case "\"": flushHigh(); out.append("\"")
                case "\\": flushHigh(); out.append("\\")
                case "/": flushHigh(); out.append("/")
                case "b": flushHigh(); out.append("\u{08}")
                case "f": flushHigh(); out.append("\u{0C}")
                case "n": flushHigh(); out.append("\n")
                case "r": flushHigh(); out.append("\r")
                case "t": flushHigh(); out.append("\t")
                case "u":
                    var v: UInt32 = 0
                    var ok = position + 4 < chars.count
                    if ok {
                        for k in 1...4 {
                            guard let h = chars[position + k].hexValue else {
                                ok = false
                                break
                            }
                            v = v * 16 + h
                        }
                    }
                    guard ok else { throw ExpressionError.make("S0104", position: position) }
                    position += 4
                    if v >= 0xD800 && v <= 0xDBFF {
                        flushHigh()
                        pendingHigh = v
                    } else if v >= 0xDC00 && v <= 0xDFFF {
                        if let h = pendingHigh {
                            let scalar = 0x10000 + ((h - 0xD800) << 10) + (v - 0xDC00)
                            out.append(Unicode.Scalar(scalar)!)
                            pendingHigh = nil
                        } else {
                            out.append("\u{FFFD}")
                        }
                    } else {
                        flushHigh()
                        out.append(Unicode.Scalar(v)!)
                    }
                default:
                    throw ExpressionError.make("S0103", position: position, token: String(Character(e)))
                }
            } else if c == quote {
                flushHigh()
                position += 1
                return Token(kind: .string, text: String(out), start: start, end: position)
            } else {
                flushHigh()
                out.append(c)
            }
            position += 1
        }
        throw ExpressionError.make("S0101", position: start)
    }

    private mutating func scanNumber(start: Int) throws(ExpressionError) -> Token? {
        // -?(0|([1-9][0-9]*))(\.[0-9]+)?([Ee][-+]?[0-9]+)?
        var i = position
        func digit(_ k: Int) -> Bool { if let c = char(k) { return c.value >= 48 && c.value <= 57 } else { return false } }
        if char(i) == "-" { i += 1 }
        guard digit(i) else { return nil }
        if char(i) == "0" { i += 1 } else { while digit(i) { i += 1 } }
        if char(i) == ".", digit(i + 1) {
            i += 1
            while digit(i) { i += 1 }
        }
        if char(i) == "e" || char(i) == "E" {
            var j = i + 1
            if char(j) == "+" || char(j) == "-" { j += 1 }
            if digit(j) {
                while digit(j) { j += 1 }
                i = j
            }
        }
        let text = text(position..<i)
        guard let n = Num.parse(text), n.d.isFinite else {
            throw ExpressionError.make("S0102", position: start, token: text)
        }
        position = i
        return Token(kind: .number, text: text, number: n, start: start, end: position)
    }

    private mutating func scanRegex(start: Int) throws(ExpressionError) -> Token {
        let patternStart = position
        var depth = 0
        func isClosingSlash(_ p: Int) -> Bool {
            if chars[p] == "/" && depth == 0 {
                var backslashes = 0
                while char(p - (backslashes + 1)) == "\\" { backslashes += 1 }
                return backslashes % 2 == 0
            }
            return false
        }
        while position < chars.count {
            let c = chars[position]
            if isClosingSlash(position) {
                var s = String.UnicodeScalarView()
                s.append(contentsOf: chars[patternStart..<position])
                let pattern = String(s)
                if pattern.isEmpty { throw ExpressionError.make("S0301", position: position) }
                position += 1
                var flags = ""
                while let f = char(position), f == "i" || f == "m" {
                    flags.unicodeScalars.append(f)
                    position += 1
                }
                return Token(kind: .regex, text: pattern, regex: RegexLiteral(pattern: pattern, flags: flags), start: start, end: position)
            }
            let prev = char(position - 1)
            if (c == "(" || c == "[" || c == "{") && prev != "\\" { depth += 1 }
            if (c == ")" || c == "]" || c == "}") && prev != "\\" { depth -= 1 }
            position += 1
        }
        throw ExpressionError.make("S0302", position: start)
    }
}

extension Unicode.Scalar {
    var isASCIIHex: Bool {
        (value >= 48 && value <= 57) || (value >= 65 && value <= 70) || (value >= 97 && value <= 102)
    }
    var hexValue: UInt32? {
        switch value {
        case 48...57: return value - 48
        case 65...70: return value - 55
        case 97...102: return value - 87
        default: return nil
        }
    }
    var isASCIILetterOrDigit: Bool {
        (value >= 48 && value <= 57) || (value >= 65 && value <= 90) || (value >= 97 && value <= 122)
    }
}
