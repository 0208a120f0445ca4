/// A problem with an expression: a syntax error found while compiling, or an error raised while
/// evaluating.
///
/// `code` is JSONata's error code (`S0202`, `T2001`, `D3030`, `U1001`…), so errors can be
/// matched against JSONata's documentation; `message` says what went wrong in plain English.
public struct ExpressionError: Error, Sendable, CustomStringConvertible {
    /// JSONata's error code.
    public let code: String
    /// Offset (in characters, from 0) of the first character of the offending token in the
    /// expression text, when known.
    public let position: Int?
    /// The offending token (an operator, a function name…), when known.
    public let token: String?
    /// What went wrong, in plain English.
    public let message: String

    private let details: Details

    struct Details: Sendable {
        var value: String? = nil
        var value2: String? = nil
        var index: Int? = nil
        var expected: String? = nil
        var detail: String? = nil
        var custom: String? = nil
    }

    init(code: String, position: Int?, token: String?, details: Details) {
        self.code = code
        self.position = position
        self.token = token
        self.details = details
        self.message = ExpressionError.render(code: code, token: token, details: details)
    }

    /// Creates an error with a message of the host's own (for host functions).
    public init(code: String, message: String) {
        self.init(code: code, position: nil, token: nil, details: Details(custom: message))
    }

    public var description: String {
        if let position { return "\(code) at \(position): \(message)" }
        return "\(code): \(message)"
    }

    static func make(
        _ code: String, position: Int? = nil, token: String? = nil, value: Value? = nil, value2: Value? = nil,
        index: Int? = nil, expected: String? = nil, detail: String? = nil, message: String? = nil
    ) -> ExpressionError {
        var d = Details()
        if let value { d.value = ExpressionError.describe(value) }
        if let value2 { d.value2 = ExpressionError.describe(value2) }
        d.index = index
        d.expected = expected
        d.detail = detail
        d.custom = message
        return ExpressionError(code: code, position: position, token: token, details: d)
    }

    /// An error raised when the evaluation stack is about to run out.
    static func stackExhausted(position: Int) -> ExpressionError {
        make("U1001", position: position, detail: "stack")
    }

    var isStackExhaustion: Bool { code == "U1001" && details.detail == "stack" }

    /// Fills in a position and token when the error does not have them yet.
    func located(_ position: Int, token: String?) -> ExpressionError {
        if self.position != nil && (self.token != nil || token == nil) { return self }
        return ExpressionError(code: code, position: self.position ?? position, token: self.token ?? token, details: details)
    }

    /// Re-positions an error (for `$eval` and similar nested evaluations).
    func wrapped(_ code: String, position: Int?) -> ExpressionError {
        var d = Details()
        d.custom = message
        return ExpressionError(code: code, position: position, token: token, details: d)
    }

    static func describe(_ v: Value?) -> String {
        guard let v else { return "nothing (undefined)" }
        switch v {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .number(let n): return "the number \(Functions.formatNumber(n))"
        case .string(let s):
            let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
            return "the string \"\(shown)\""
        case .array, .jarray, .tuples: return "an array"
        case .object, .jobject: return "an object"
        case .function: return "a function"
        }
    }

    private static func render(code: String, token: String?, details d: Details) -> String {
        if let custom = d.custom { return custom }
        let t = token ?? "?"
        let v = d.value ?? "a value"
        let v2 = d.value2 ?? "a value"
        let arg = d.index.map { "argument \($0)" } ?? "an argument"
        let fn = token.map { "$\($0)" } ?? "the function"
        switch code {
        case "S0101": return "a string literal is not closed: a quote is missing"
        case "S0102": return "the number \(t) is too large"
        case "S0103": return "'\\\(t)' is not an escape sequence JSONata knows"
        case "S0104": return "\\u must be followed by four hexadecimal digits"
        case "S0105": return "a quoted name is not closed: a backtick (`) is missing"
        case "S0106": return "a comment is not closed: */ is missing"
        case "S0201": return "syntax error: '\(t)' was not expected here"
        case "S0202": return "expected '\(d.expected ?? "?")' but found '\(t)'"
        case "S0203": return "expected '\(d.expected ?? "?")' before the end of the expression"
        case "S0204": return "'\(t)' is not an operator"
        case "S0205", "S0206": return "unexpected '\(t)'"
        case "S0207": return "the expression ends too early"
        case "S0208": return "function parameters must be variables such as $x; found '\(t)'"
        case "S0209": return "a predicate [...] cannot follow a grouping {...} in the same step"
        case "S0210": return "a step can only have one grouping {...}"
        case "S0211": return "'\(t)' cannot start an expression"
        case "S0212": return "only a variable (such as $x) can be assigned with :="
        case "S0213": return "a number, true, false or null cannot be a step of a path"
        case "S0214": return "'\(t)' must be followed by a variable such as $x"
        case "S0215": return "a focus variable (@$x) cannot follow a predicate"
        case "S0216": return "a focus variable (@$x) cannot follow an order-by"
        case "S0217": return "the parent operator % has no parent to refer to here"
        case "S0301": return "a regular expression cannot be empty"
        case "S0302": return "a regular expression is not closed: the final / is missing"
        case "S0303": return "the regular expression /\(t)/ is not valid"
        case "S0401": return "a type parameter <...> can only follow 'a' or 'f' in a function signature"
        case "S0402": return "a choice of types cannot contain type parameters in a function signature"
        case "T0410": return "\(arg) of \(fn) has the wrong type: found \(v)"
        case "T0411": return "the context value cannot stand in for \(arg) of \(fn): found \(v)"
        case "T0412": return "\(arg) of \(fn) must be an array of \(typeName(d.detail))"
        case "T1003": return "object keys must be strings; a key expression gave \(v)"
        case "T1005": return "'\(t)' is not a function; did you mean '$\(t)'?"
        case "T1006": return "attempted to call \(v), which is not a function"
        case "T1007": return "'\(t)' cannot be partially applied; did you mean '$\(t)'?"
        case "T1008": return "'\(t)' is not a function, so it cannot be partially applied"
        case "T1010": return "the matcher function must return a match object (match, start, end, groups, next)"
        case "T2001": return "the '\(t)' operator needs numbers on both sides, found \(v) on the left"
        case "T2002": return "the '\(t)' operator needs numbers on both sides, found \(v) on the right"
        case "T2003": return "the start of a range must be an integer, found \(v)"
        case "T2004": return "the end of a range must be an integer, found \(v)"
        case "T2006": return "the right side of ~> must be a function, found \(v)"
        case "T2007": return "cannot order values of different types: \(v) and \(v2)"
        case "T2008": return "order-by values must be strings or numbers, found \(v)"
        case "T2009": return "the '\(t)' operator compares values of the same type only, found \(v) and \(v2)"
        case "T2010": return "the '\(t)' operator compares strings or numbers only, found \(v)"
        case "T2011": return "the update part of a transform must give an object, found \(v)"
        case "T2012": return "the delete part of a transform must give a string or an array of strings, found \(v)"
        case "T2013": return "the transform cannot copy its input"
        case "D1001": return "the result is too large to be a number (infinite or not a number)"
        case "D1002": return "cannot negate \(v): it is not a number"
        case "D1004": return "the regular expression matches an empty string"
        case "D1009": return "several key expressions give the same key \(v)"
        case "D2014": return "the range would have \(v) items, more than the limit of 10,000,000"
        case "D3001": return "an infinite number cannot be turned into a string"
        case "D3010": return "the pattern to replace cannot be an empty string"
        case "D3011": return "the number of replacements cannot be negative"
        case "D3012": return "the replacement function must return a string, it returned \(v)"
        case "D3020": return "the number of parts to split into cannot be negative"
        case "D3030": return "cannot turn \(v) into a number"
        case "D3040": return "the number of matches cannot be negative"
        case "D3050": return "the function given to $reduce must take at least two parameters"
        case "D3060": return "cannot take the square root of a negative number (\(v))"
        case "D3061": return "the power of \(v) is out of range"
        case "D3070": return "$sort without a comparison function needs only numbers or only strings"
        case "D3100": return "the radix must be between 2 and 36, found \(v)"
        case "D3120": return "the expression given to $eval has a syntax error"
        case "D3121": return "the expression given to $eval failed"
        case "D3137": return "$error() was called"
        case "D3138": return "$single found more than one matching value"
        case "D3139": return "$single found no matching value"
        case "D3140": return "\(v) is not a valid URL component"
        case "D3141": return "$assert() failed"
        case "U1001":
            switch d.detail {
            case "timeout": return "the evaluation took longer than its time limit (is there an endless loop?)"
            case "stack": return "the evaluation nested too deeply for the available stack (is there endless recursion?)"
            default: return "the evaluation nested deeper than its depth limit (is there endless recursion?)"
            }
        default:
            if let detail = d.detail { return detail }
            return "error \(code)"
        }
    }

    private static func typeName(_ subtype: String?) -> String {
        switch subtype {
        case "a": return "arrays"
        case "b": return "booleans"
        case "f": return "functions"
        case "n": return "numbers"
        case "o": return "objects"
        case "s": return "strings"
        default: return "values of one type"
        }
    }
}
