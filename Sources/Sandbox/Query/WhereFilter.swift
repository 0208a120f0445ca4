import Foundation
import JSONModel

/// Xero's `where` parameter, in the forms integrations use: comparisons of a (dotted) field with a
/// string, number, boolean, `null`, `Guid("…")` or `DateTime(y, m, d[, h, m, s])`; the string
/// methods `Contains`, `StartsWith` and `EndsWith`; `AND`/`&&`, `OR`/`||`, `NOT`/`!` and
/// parentheses. Text compares case-insensitively, as Xero does.
indirect enum WhereFilter {
    case compare(path: [String], op: String, value: Literal)
    case method(path: [String], name: String, argument: String)
    case and(WhereFilter, WhereFilter)
    case or(WhereFilter, WhereFilter)
    case not(WhereFilter)

    enum Literal {
        case string(String)
        case number(Decimal)
        case bool(Bool)
        case null
        case date(Int64)
    }

    struct ParseError: Error {
        let message: String
    }

    static func parse(_ text: String) throws -> WhereFilter {
        var p = Parser(Array(text))
        let f = try p.orExpr()
        p.skip()
        guard p.i == p.c.count else { throw ParseError(message: "unexpected '\(String(p.c[p.i...]))'") }
        return f
    }

    private struct Parser {
        let c: [Character]
        var i = 0
        var depth = 0
        init(_ c: [Character]) { self.c = c }

        mutating func skip() { while i < c.count, c[i].isWhitespace { i += 1 } }

        mutating func word(_ w: String) -> Bool {
            skip()
            let chars = Array(w)
            guard i + chars.count <= c.count else { return false }
            for (k, ch) in chars.enumerated() where c[i + k].lowercased() != ch.lowercased() { return false }
            if chars.last!.isLetter, i + chars.count < c.count, c[i + chars.count].isLetter || c[i + chars.count].isNumber { return false }
            i += chars.count
            return true
        }

        mutating func orExpr() throws -> WhereFilter {
            var l = try andExpr()
            while word("||") || word("OR") { l = .or(l, try andExpr()) }
            return l
        }

        mutating func andExpr() throws -> WhereFilter {
            var l = try unary()
            while word("&&") || word("AND") { l = .and(l, try unary()) }
            return l
        }

        mutating func unary() throws -> WhereFilter {
            depth += 1
            defer { depth -= 1 }
            guard depth < 64 else { throw ParseError(message: "the clause nests too deeply") }
            if word("NOT") { return .not(try unary()) }
            skip()
            if i < c.count, c[i] == "!", i + 1 < c.count, c[i + 1] != "=" { i += 1; return .not(try unary()) }
            if i < c.count, c[i] == "(" {
                i += 1
                let f = try orExpr()
                guard word(")") else { throw ParseError(message: "missing ')'") }
                return f
            }
            return try comparison()
        }

        mutating func identifier() throws -> String {
            skip()
            let start = i
            while i < c.count, c[i].isLetter || c[i].isNumber || c[i] == "_" { i += 1 }
            guard i > start else { throw ParseError(message: "expected a field name at position \(start + 1)") }
            return String(c[start..<i])
        }

        mutating func comparison() throws -> WhereFilter {
            var path = [try identifier()]
            while i < c.count, c[i] == "." {
                i += 1
                let name = try identifier()
                skip()
                if i < c.count, c[i] == "(" {
                    i += 1
                    let arg = try stringLiteral()
                    guard word(")") else { throw ParseError(message: "missing ')' after \(name)(") }
                    let m = name.lowercased()
                    guard ["contains", "startswith", "endswith"].contains(m) else {
                        throw ParseError(message: "unknown method '\(name)'")
                    }
                    return .method(path: path, name: m, argument: arg)
                }
                path.append(name)
            }
            skip()
            var op = ""
            for candidate in ["==", "!=", ">=", "<=", "=", ">", "<"] where String(c[i..<min(c.count, i + candidate.count)]) == candidate {
                op = candidate == "=" ? "==" : candidate
                i += candidate.count
                break
            }
            guard !op.isEmpty else { throw ParseError(message: "expected ==, !=, >, >=, < or <= after '\(path.joined(separator: "."))'") }
            return .compare(path: path, op: op, value: try literal())
        }

        mutating func stringLiteral() throws -> String {
            skip()
            guard i < c.count, c[i] == "\"" || c[i] == "'" else { throw ParseError(message: "expected a quoted string") }
            let q = c[i]
            i += 1
            var s = ""
            while i < c.count, c[i] != q {
                if c[i] == "\\", i + 1 < c.count { i += 1 }
                s.append(c[i])
                i += 1
            }
            guard i < c.count else { throw ParseError(message: "unterminated string") }
            i += 1
            return s
        }

        mutating func literal() throws -> Literal {
            skip()
            guard i < c.count else { throw ParseError(message: "expected a value") }
            if c[i] == "\"" || c[i] == "'" { return .string(try stringLiteral()) }
            if c[i].isNumber || c[i] == "-" {
                let start = i
                i += 1
                while i < c.count, c[i].isNumber || c[i] == "." { i += 1 }
                guard let d = Decimal(string: String(c[start..<i])) else { throw ParseError(message: "bad number") }
                return .number(d)
            }
            let name = try identifier().lowercased()
            switch name {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "guid":
                guard word("(") else { throw ParseError(message: "expected ( after Guid") }
                let s = try stringLiteral()
                guard word(")") else { throw ParseError(message: "missing ')'") }
                return .string(s)
            case "datetime":
                if i < c.count, c[i] == "." {
                    i += 1
                    _ = try identifier()
                    guard word("(") else { throw ParseError(message: "expected (") }
                    let s = try stringLiteral()
                    guard word(")"), let ms = XeroWire.millis(s) else { throw ParseError(message: "bad DateTime.Parse") }
                    return .date(ms)
                }
                guard word("(") else { throw ParseError(message: "expected ( after DateTime") }
                var parts: [Int] = []
                repeat {
                    skip()
                    let start = i
                    while i < c.count, c[i].isNumber { i += 1 }
                    guard i - start <= 4, let n = Int(String(c[start..<i])) else { throw ParseError(message: "DateTime takes numbers of at most 4 digits") }
                    parts.append(n)
                } while word(",") && parts.count < 6
                let time = parts.count > 3 ? Array(parts[3...]) + [0, 0] : [0, 0, 0]
                guard word(")"), parts.count >= 3,
                      let ms = XeroWire.utcMillis(parts[0], parts[1], parts[2], time[0], time[1], time[2]) else {
                    throw ParseError(message: "DateTime needs a valid year, month and day (and optionally hour, minute, second)")
                }
                return .date(ms)
            default:
                throw ParseError(message: "unexpected '\(name)'")
            }
        }
    }

    func matches(_ record: JSONObject) -> Bool {
        switch self {
        case .and(let a, let b): return a.matches(record) && b.matches(record)
        case .or(let a, let b): return a.matches(record) || b.matches(record)
        case .not(let a): return !a.matches(record)
        case .method(let path, let name, let argument):
            guard let s = Self.value(record, path)?.stringValue?.lowercased() else { return false }
            let a = argument.lowercased()
            switch name {
            case "contains": return s.contains(a)
            case "startswith": return s.hasPrefix(a)
            default: return s.hasSuffix(a)
            }
        case .compare(let path, let op, let literal):
            let v = Self.value(record, path)
            let order: Int?
            switch literal {
            case .null:
                let isNull = v == nil || v == .null
                return op == "==" ? isNull : (op == "!=" ? !isNull : false)
            case .string(let s):
                guard let t = v?.stringValue else { return op == "!=" }
                if let ms = XeroWire.millis(t), t.hasPrefix("/Date("), let ls = XeroWire.millis(s) {
                    order = ms < ls ? -1 : (ms == ls ? 0 : 1)
                } else {
                    let a = t.lowercased(), b = s.lowercased()
                    order = a < b ? -1 : (a == b ? 0 : 1)
                }
            case .number(let d):
                guard let n = Money.decimal(v) else { return op == "!=" }
                order = n < d ? -1 : (n == d ? 0 : 1)
            case .bool(let b):
                guard let x = v?.boolValue else { return op == "!=" }
                order = x == b ? 0 : 1
                if op != "==" && op != "!=" { return false }
            case .date(let ms):
                guard let t = v?.stringValue, let x = XeroWire.millis(t) else { return op == "!=" }
                order = x < ms ? -1 : (x == ms ? 0 : 1)
            }
            guard let o = order else { return false }
            switch op {
            case "==": return o == 0
            case "!=": return o != 0
            case ">": return o > 0
            case ">=": return o >= 0
            case "<": return o < 0
            default: return o <= 0
            }
        }
    }

    static func value(_ record: JSONObject, _ path: [String]) -> JSONValue? {
        var current: JSONValue = .object(record)
        for name in path {
            guard case .object(let o) = current else { return nil }
            guard let next = o[name] ?? o.first(where: { $0.key.lowercased() == name.lowercased() })?.value else { return nil }
            current = next
        }
        return current
    }
}
