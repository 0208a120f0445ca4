import ExpressionFormatting
import Foundation

/// A JSON or JSONata value, with `undefined` for "no value".
indirect enum Value: Equatable, Sendable {
    case undefined
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([Value])
    case object([String: Value])

    var isUndefined: Bool { self == .undefined }
}

/// Why the mini evaluator could not run an expression: it needs more of the language than this
/// harness knows (that is the core's job), not a formatting failure.
struct Unsupported: Error, CustomStringConvertible {
    let description: String
}

/// Just enough JSONata to run the suite's formatting cases: literals, `$name` variables and
/// `:=` in blocks, field names looked up in the input, `*`, `/`, `+`, `-`, `=`, `~>`,
/// `expr.[…]`, and calls of the six formatting functions plus `$now`, `$substringBefore` and
/// `$substringAfter`. Anything else is `Unsupported`.
struct MiniJSONata {
    let input: Value
    let now: Double

    func evaluate(_ expression: String) throws -> Value {
        var parser = Parser(tokens: try Lexer.tokens(expression))
        let node = try parser.parseBlockBody(until: nil)
        var scope = Scope(context: input)
        return try eval(node, &scope)
    }

    // MARK: syntax

    indirect enum Node {
        case literal(Value)
        case field(String)
        case variable(String)  // "" is the context `$`
        case call(String, [Node])
        case binary(String, Node, Node)
        case negate(Node)
        case block([Node])
        case assign(String, Node)
        case array([Node])
        case object([(Node, Node)])
        case map(Node, Node)
    }

    enum Token: Equatable {
        case number(Double)
        case string(String)
        case name(String)
        case variable(String)
        case symbol(String)
    }

    enum Lexer {
        static func tokens(_ text: String) throws -> [Token] {
            let chars = Array(text)
            var tokens: [Token] = []
            var i = 0
            while i < chars.count {
                let c = chars[i]
                if c.isWhitespace { i += 1; continue }
                if c == "\"" || c == "'" {
                    var s = ""
                    i += 1
                    while i < chars.count && chars[i] != c {
                        if chars[i] == "\\" && i + 1 < chars.count {
                            i += 1
                            switch chars[i] {
                            case "n": s.append("\n")
                            case "t": s.append("\t")
                            case "u":
                                let hex = String(chars[(i + 1)..<min(i + 5, chars.count)])
                                if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) { s.unicodeScalars.append(scalar) }
                                i += 4
                            default: s.append(chars[i])
                            }
                        } else {
                            s.append(chars[i])
                        }
                        i += 1
                    }
                    guard i < chars.count else { throw Unsupported(description: "unterminated string") }
                    i += 1
                    tokens.append(.string(s))
                    continue
                }
                if c.isASCII && c.isNumber {
                    var j = i
                    while j < chars.count && (chars[j].isNumber || chars[j] == ".") && chars[j].isASCII { j += 1 }
                    if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
                        j += 1
                        if j < chars.count && (chars[j] == "+" || chars[j] == "-") { j += 1 }
                        while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
                    }
                    guard let d = Double(String(chars[i..<j])) else { throw Unsupported(description: "number") }
                    tokens.append(.number(d))
                    i = j
                    continue
                }
                if c == "$" || c.isLetter || c == "_" {
                    var j = i + 1
                    while j < chars.count && (chars[j].isLetter || chars[j].isNumber || chars[j] == "_") { j += 1 }
                    let name = String(chars[i..<j])
                    tokens.append(c == "$" ? .variable(String(name.dropFirst())) : .name(name))
                    i = j
                    continue
                }
                let two = i + 1 < chars.count ? String(chars[i...(i + 1)]) : ""
                if ["~>", ":=", "!="].contains(two) {
                    tokens.append(.symbol(two))
                    i += 2
                    continue
                }
                guard "()[]{},:;.=*/+-".contains(c) else { throw Unsupported(description: "symbol \(c)") }
                tokens.append(.symbol(String(c)))
                i += 1
            }
            return tokens
        }
    }

    struct Parser {
        var tokens: [Token]
        var position = 0

        var peek: Token? { position < tokens.count ? tokens[position] : nil }

        mutating func expect(_ symbol: String) throws {
            guard peek == .symbol(symbol) else { throw Unsupported(description: "expected \(symbol)") }
            position += 1
        }

        mutating func accept(_ symbol: String) -> Bool {
            if peek == .symbol(symbol) { position += 1; return true }
            return false
        }

        /// Expressions separated by `;` up to `closer` (or the end).
        mutating func parseBlockBody(until closer: String?) throws -> Node {
            var items: [Node] = []
            while true {
                if let closer, peek == .symbol(closer) { break }
                if peek == nil { break }
                items.append(try parseExpression())
                if !accept(";") { break }
            }
            if let closer { try expect(closer) } else if peek != nil { throw Unsupported(description: "trailing tokens") }
            return items.count == 1 && closer == nil ? items[0] : .block(items)
        }

        mutating func parseExpression() throws -> Node {
            if case .variable(let name)? = peek, position + 1 < tokens.count, tokens[position + 1] == .symbol(":=") {
                position += 2
                return .assign(name, try parseExpression())
            }
            var left = try parseAdditive()
            while true {
                if accept("=") {
                    left = .binary("=", left, try parseAdditive())
                } else if accept("~>") {
                    guard case .call(let name, let args) = try parseAdditive() else {
                        throw Unsupported(description: "~> to a non-call")
                    }
                    left = .call(name, [left] + args)
                } else {
                    return left
                }
            }
        }

        mutating func parseAdditive() throws -> Node {
            var left = try parseTerm()
            while let op = ["+", "-"].first(where: { peek == .symbol($0) }) {
                position += 1
                left = .binary(op, left, try parseTerm())
            }
            return left
        }

        mutating func parseTerm() throws -> Node {
            var left = try parseUnary()
            while let op = ["*", "/"].first(where: { peek == .symbol($0) }) {
                position += 1
                left = .binary(op, left, try parseUnary())
            }
            return left
        }

        mutating func parseUnary() throws -> Node {
            if accept("-") { return .negate(try parseUnary()) }
            var node = try parsePrimary()
            while accept(".") { node = .map(node, try parsePrimary()) }
            return node
        }

        mutating func parsePrimary() throws -> Node {
            guard let token = peek else { throw Unsupported(description: "unexpected end") }
            position += 1
            switch token {
            case .number(let d): return .literal(.number(d))
            case .string(let s): return .literal(.string(s))
            case .name(let n):
                switch n {
                case "true": return .literal(.bool(true))
                case "false": return .literal(.bool(false))
                case "null": return .literal(.null)
                default: return .field(n)
                }
            case .variable(let name):
                if accept("(") {
                    var args: [Node] = []
                    if !accept(")") {
                        repeat { args.append(try parseExpression()) } while accept(",")
                        try expect(")")
                    }
                    return .call(name, args)
                }
                return .variable(name)
            case .symbol("("): return try parseBlockBody(until: ")")
            case .symbol("["):
                var items: [Node] = []
                if !accept("]") {
                    repeat { items.append(try parseExpression()) } while accept(",")
                    try expect("]")
                }
                return .array(items)
            case .symbol("{"):
                var pairs: [(Node, Node)] = []
                if !accept("}") {
                    repeat {
                        let key = try parseExpression()
                        try expect(":")
                        pairs.append((key, try parseExpression()))
                    } while accept(",")
                    try expect("}")
                }
                return .object(pairs)
            default:
                throw Unsupported(description: "unexpected \(token)")
            }
        }
    }

    // MARK: evaluation

    struct Scope {
        var context: Value
        var variables: [String: Value] = [:]
    }

    private func eval(_ node: Node, _ scope: inout Scope) throws -> Value {
        switch node {
        case .literal(let v): return v
        case .field(let name):
            if case .object(let o) = scope.context { return o[name] ?? .undefined }
            return .undefined
        case .variable(let name):
            return name.isEmpty ? scope.context : scope.variables[name] ?? .undefined
        case .assign(let name, let valueNode):
            let v = try eval(valueNode, &scope)
            scope.variables[name] = v
            return v
        case .block(let items):
            var inner = scope
            var last = Value.undefined
            for item in items { last = try eval(item, &inner) }
            return last
        case .array(let items):
            return .array(try items.map { try eval($0, &scope) }.filter { !$0.isUndefined })
        case .object(let pairs):
            var o: [String: Value] = [:]
            for (k, v) in pairs {
                guard case .string(let key) = try eval(k, &scope) else { throw Unsupported(description: "object key") }
                o[key] = try eval(v, &scope)
            }
            return .object(o)
        case .map(let lhs, let rhs):
            let base = try eval(lhs, &scope)
            if base.isUndefined { return .undefined }
            var inner = scope
            inner.context = base
            return try eval(rhs, &inner)
        case .negate(let operand):
            guard case .number(let d) = try eval(operand, &scope) else { throw Unsupported(description: "negate") }
            return .number(-d)
        case .binary(let op, let l, let r):
            let a = try eval(l, &scope)
            let b = try eval(r, &scope)
            if op == "=" {
                if a.isUndefined || b.isUndefined { return .bool(false) }
                return .bool(a == b)
            }
            guard case .number(let x) = a, case .number(let y) = b else { throw Unsupported(description: "arithmetic") }
            switch op {
            case "*": return .number(x * y)
            case "/": return .number(x / y)
            case "+": return .number(x + y)
            default: return .number(x - y)
            }
        case .call(let name, let argNodes):
            var args = try argNodes.map { try eval($0, &scope) }
            if args.isEmpty && !scope.context.isUndefined && name != "now" { args = [scope.context] }
            return try call(name, args)
        }
    }

    private func call(_ name: String, _ args: [Value]) throws -> Value {
        func arg(_ i: Int) -> Value { i < args.count ? args[i] : .undefined }
        func number(_ i: Int) throws -> Double {
            guard case .number(let d) = arg(i) else { throw Unsupported(description: "$\(name) argument \(i + 1) not a number") }
            return d
        }
        func string(_ i: Int) throws -> String {
            guard case .string(let s) = arg(i) else { throw Unsupported(description: "$\(name) argument \(i + 1) not a string") }
            return s
        }
        func optionalString(_ i: Int) throws -> String? { arg(i).isUndefined ? nil : try string(i) }
        func wrap(_ d: Double?) -> Value { d.map(Value.number) ?? .undefined }

        switch name {
        case "now":
            return .string(try DateTimeFormatting.format(millis: now, picture: try optionalString(0), timezone: try optionalString(1)))
        case "substringBefore", "substringAfter":
            if arg(0).isUndefined { return .undefined }
            let s = try string(0)
            let chars = try string(1)
            guard let r = s.range(of: chars) else { return .string(s) }  // both return the whole string
            return .string(name == "substringBefore" ? String(s[..<r.lowerBound]) : String(s[r.upperBound...]))
        default:
            break
        }
        if arg(0).isUndefined { return .undefined }
        switch name {
        case "formatNumber":
            var options: [String: String] = [:]
            if case .object(let o) = arg(2) {
                for (k, v) in o { if case .string(let s) = v { options[k] = s } }
            }
            return .string(try NumberFormatting.formatNumber(try number(0), picture: try string(1), options: options))
        case "formatBase":
            let radix = arg(1).isUndefined ? 10 : try number(1)
            return .string(try NumberFormatting.formatBase(try number(0), radix: radix))
        case "formatInteger":
            return .string(try IntegerFormatting.formatInteger(try number(0), picture: try string(1)))
        case "parseInteger":
            return wrap(try IntegerFormatting.parseInteger(try string(0), picture: try string(1)))
        case "fromMillis":
            return .string(try DateTimeFormatting.format(millis: try number(0), picture: try optionalString(1), timezone: try optionalString(2)))
        case "toMillis":
            return wrap(try DateTimeFormatting.parse(try string(0), picture: try optionalString(1), now: now))
        default:
            throw Unsupported(description: "function $\(name)")
        }
    }
}
