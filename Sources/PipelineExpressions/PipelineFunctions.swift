import ExpressionFormatting
import Expressions
import Foundation
import JSONModel

/// What pipelines add to JSONata: lookup tables and run context as variables, and functions for
/// Xero's dates and Xero's money arithmetic.
///
/// | name | what it does |
/// | --- | --- |
/// | `$<table>` | each table under `lookups:` is a variable: `$lookup($accounts, category)` |
/// | `$pipeline` | the pipeline's name |
/// | `$run` | `{ "id": …, "started_at": "2026-11-23T13:00:00.000Z" }` for the current run |
/// | `$toXeroDate(date)` | `"2026-01-31"`, an ISO date-time or epoch milliseconds → `"/Date(1769817600000+0000)/"` |
/// | `$fromXeroDate(xeroDate [, picture [, timezone]])` | `"/Date(1439434356790)/"` → ISO 8601 text, or formatted with a `$fromMillis` picture |
/// | `$money(amount [, places])` | rounds half away from zero to 2 (or `places`) decimals, exactly, as Xero rounds amounts |
/// | `$lineAmount(quantity, unitAmount [, discountRate])` | Xero's LineAmount: quantity × unit amount × (1 − discount/100), rounded to 2 decimals |
/// | `$lineTax(lineAmount, ratePercent)` | the tax of one line, rounded to 2 decimals per line as Xero does before summing |
public enum PipelineFunctions {
    /// Variables every pipeline expression may use besides its lookup tables.
    public static let contextVariables = ["pipeline", "run"]

    /// Functions added to JSONata's standard library, by name (without `$`).
    public static let functionNames = ["toXeroDate", "fromXeroDate", "money", "lineAmount", "lineTax"]

    /// The environment pipeline expressions are evaluated in.
    public static let environment: ExpressionEnvironment = ExpressionEnvironment.standard
        .adding("toXeroDate", signature: nil, toXeroDate)
        .adding("fromXeroDate", signature: nil, fromXeroDate)
        .adding("money", signature: nil, money)
        .adding("lineAmount", signature: nil, lineAmount)
        .adding("lineTax", signature: nil, lineTax)

    /// Variable bindings for one run: lookup tables, the pipeline name and the run context.
    public static func bindings(lookups: [String: JSONValue], pipeline: String, runID: String, startedAt: Date) -> [String: JSONValue] {
        var b = lookups
        b["pipeline"] = .string(pipeline)
        let millis = (startedAt.timeIntervalSince1970 * 1000).rounded(.down)
        let iso = (try? DateTimeFormatting.format(millis: millis, picture: nil, timezone: nil)) ?? ""
        b["run"] = .object(JSONObject([("id", .string(runID)), ("started_at", .string(iso))]))
        return b
    }

    // MARK: Dates

    static func toXeroDate(_ args: [JSONValue?]) throws(ExpressionError) -> JSONValue? {
        guard let arg = args.first ?? nil else { return nil }
        let millis: Double
        switch arg {
        case .number(let n):
            millis = n.double
        case .string(let s):
            if let m = parseXeroDate(s) {
                millis = m
            } else {
                do {
                    guard let m = try DateTimeFormatting.parse(s, picture: nil) else {
                        throw ExpressionError(code: "D3110", message: "$toXeroDate: '\(s)' is not a date")
                    }
                    millis = m
                } catch let e as FormattingError {
                    throw ExpressionError(code: e.code, message: "$toXeroDate: \(e.message)")
                } catch {
                    throw ExpressionError(code: "D3110", message: "$toXeroDate: '\(s)' is not a date")
                }
            }
        default:
            throw ExpressionError(code: "T0410", message: "$toXeroDate needs a date string or epoch milliseconds")
        }
        guard millis.isFinite else { throw ExpressionError(code: "D3110", message: "$toXeroDate: not a finite date") }
        return .string("/Date(\(Int64(millis))+0000)/")
    }

    static func fromXeroDate(_ args: [JSONValue?]) throws(ExpressionError) -> JSONValue? {
        guard let arg = args.first ?? nil else { return nil }
        guard case .string(let s) = arg, let millis = parseXeroDate(s) else {
            throw ExpressionError(code: "D3110", message: "$fromXeroDate needs a Xero date such as '/Date(1439434356790+0000)/'")
        }
        let picture = args.count > 1 ? args[1]?.stringValue : nil
        let zone = args.count > 2 ? args[2]?.stringValue : nil
        do {
            return .string(try DateTimeFormatting.format(millis: millis, picture: picture, timezone: zone))
        } catch {
            throw ExpressionError(code: error.code, message: "$fromXeroDate: \(error.message)")
        }
    }

    /// `/Date(1439434356790)/` or `/Date(1419937200000+0000)/` → milliseconds (the offset
    /// only says which zone the value was shown in; the number is UTC milliseconds).
    public static func parseXeroDate(_ s: String) -> Double? {
        guard s.hasPrefix("/Date("), s.hasSuffix(")/") else { return nil }
        var body = s.dropFirst(6).dropLast(2)
        if body.count > 5, let sign = body.dropFirst(body.count - 5).first, sign == "+" || sign == "-",
           body.suffix(4).allSatisfy(\.isNumber), body.dropLast(5).contains(where: \.isNumber) {
            body = body.dropLast(5)
        }
        guard let ms = Int64(body) else { return nil }
        return Double(ms)
    }

    // MARK: Money

    static func decimal(_ v: JSONValue?, _ what: String, _ fn: String) throws(ExpressionError) -> Decimal? {
        guard let v else { return nil }
        switch v {
        case .number(let n):
            if let d = n.decimal { return d }
            return JSONNumber(literal: JSONNumber.shortest(n.double))?.decimal
        case .string(let s):
            // Amounts read from CSV arrive as text: accept exact decimal text.
            if let n = JSONNumber(literal: s.trimmingCharacters(in: .whitespaces)), let d = n.decimal { return d }
            throw ExpressionError(code: "T0410", message: "\(fn): \(what) '\(s)' is not a number")
        default:
            throw ExpressionError(code: "T0410", message: "\(fn): \(what) must be a number")
        }
    }

    /// Rounds half away from zero, as Xero rounds amounts.
    public static func round(_ value: Decimal, places: Int) -> Decimal {
        var v = value
        var r = Decimal()
        NSDecimalRound(&r, &v, places, .plain)
        return r
    }

    static func money(_ args: [JSONValue?]) throws(ExpressionError) -> JSONValue? {
        guard let amount = try decimal(args.first ?? nil, "amount", "$money") else { return nil }
        var places = 2
        if args.count > 1, let p = args[1]?.numberValue?.intValue {
            guard (0...10).contains(p) else { throw ExpressionError(code: "D3001", message: "$money: places must be 0 to 10") }
            places = p
        }
        return .number(JSONNumber(round(amount, places: places)))
    }

    static func lineAmount(_ args: [JSONValue?]) throws(ExpressionError) -> JSONValue? {
        guard let q = try decimal(args.first ?? nil, "quantity", "$lineAmount"),
              let u = try decimal(args.count > 1 ? args[1] : nil, "unit amount", "$lineAmount") else { return nil }
        let discount = try decimal(args.count > 2 ? args[2] : nil, "discount rate", "$lineAmount") ?? 0
        let amount = q * u * (1 - discount / 100)
        return .number(JSONNumber(round(amount, places: 2)))
    }

    static func lineTax(_ args: [JSONValue?]) throws(ExpressionError) -> JSONValue? {
        guard let line = try decimal(args.first ?? nil, "line amount", "$lineTax"),
              let rate = try decimal(args.count > 1 ? args[1] : nil, "rate", "$lineTax") else { return nil }
        return .number(JSONNumber(round(line * rate / 100, places: 2)))
    }
}

extension PipelineFunctions {
    /// JSONata's standard function names (for did-you-mean; `isKnownFunction` is the authority).
    public static let standardFunctionNames = [
        "abs", "append", "assert", "average", "base64decode", "base64encode", "boolean", "ceil", "clone", "contains",
        "count", "decodeUrl", "decodeUrlComponent", "distinct", "each", "encodeUrl", "encodeUrlComponent", "error",
        "eval", "exists", "filter", "floor", "formatBase", "formatInteger", "formatNumber", "fromMillis", "join",
        "keys", "length", "lookup", "lowercase", "map", "match", "max", "merge", "millis", "min", "not", "now",
        "number", "pad", "parseInteger", "power", "random", "reduce", "replace", "reverse", "round", "shuffle",
        "sift", "single", "sort", "split", "spread", "sqrt", "string", "substring", "substringAfter",
        "substringBefore", "sum", "toMillis", "trim", "type", "uppercase", "zip",
    ]

    /// Every function a pipeline expression may call.
    public static var allFunctionNames: [String] { standardFunctionNames + functionNames }

    /// Names an expression binds itself: `$x := …`, lambda parameters, `@$x` and `#$i` bindings.
    public static func locallyBoundNames(in text: String) -> Set<String> {
        var names = Set<String>()
        // Most mapping expressions bind nothing: skip the regexes unless a binding form appears.
        var previous: UInt8 = 0
        var mayBind = false
        for b in text.utf8 {
            if b == UInt8(ascii: "@") || b == UInt8(ascii: "#") || b == 0xCE || (previous == UInt8(ascii: ":") && b == UInt8(ascii: "=")) {
                mayBind = true
                break
            }
            previous = b
        }
        if !mayBind && !text.contains("function") { return names }
        for m in text.matches(of: #/\$([A-Za-z_][A-Za-z0-9_]*)\s*:=/#) { names.insert(String(m.output.1)) }
        for m in text.matches(of: #/[@#]\s*\$([A-Za-z_][A-Za-z0-9_]*)/#) { names.insert(String(m.output.1)) }
        for m in text.matches(of: #/(?:function|λ)\s*\(([^)]*)\)/#) {
            for p in m.output.1.matches(of: #/\$([A-Za-z_][A-Za-z0-9_]*)/#) { names.insert(String(p.output.1)) }
        }
        return names
    }
}
