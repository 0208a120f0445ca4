import Expressions
import Foundation
import JSONModel
import Testing

/// The evaluator reads some common forms straight from the input's JSON (`$sum(lines.(a * b))`,
/// `$count(lines)`, `[lines.{…}]`, `name = "literal"`, `$round(x, 2)`). Each is checked here
/// against the same expression written so that the general evaluation runs, on inputs made to
/// leave the shortcut half-way: missing members, strings, nulls, nested arrays, a single object
/// instead of an array, huge and tiny numbers, trailing zeros. The shapes a prepared expression
/// reads straight from an input object (a member, `$number(member)`, text joined with `&`,
/// arithmetic of `$number`s) are checked the same way on records holding every kind of value.
@Suite struct ShortcutTests {
    static let inputs: [String] = [
        #"{"lines": [{"qty": 2, "price": 1.50, "rate": 0.15}, {"qty": 3, "price": 0.1, "rate": 0}]}"#,
        #"{"lines": [{"qty": 2, "price": 1.5}, {"price": 4}]}"#,
        #"{"lines": [{"qty": "2", "price": 1.5}]}"#,
        #"{"lines": [{"qty": "2", "price": "1.50"}, {"qty": "0.5", "price": "1e3"}, {"qty": "-3", "price": "7"}]}"#,
        #"{"lines": [{"qty": "1e400", "price": "1"}, {"qty": "abc", "price": "2"}]}"#,
        #"{"lines": [{"qty": "92233720368547758.07", "price": "10"}]}"#,
        #"{"lines": [{"qty": null, "price": 1.5}]}"#,
        #"{"lines": {"qty": 7, "price": 0.25, "rate": 0.125}}"#,
        #"{"lines": [{"qty": "007.50", "price": "1e22"}, {"qty": "-0", "price": "9007199254740993"}, {"qty": "1E+2", "price": "-0.00"}]}"#,
        #"{"lines": []}"#,
        #"{"lines": [[{"qty": 1, "price": 1}], {"qty": 2, "price": 2}]}"#,
        #"{"lines": [{"qty": 1e30, "price": 3}, {"qty": 1, "price": 0.000000000000000000000001}]}"#,
        #"{"lines": [{"qty": 9007199254740993, "price": 1}, {"qty": 123456789012, "price": 987654321.5}]}"#,
        #"{"lines": [{"qty": 1.10, "price": 2.20, "rate": 1e-22}, {"qty": -0.5, "price": 40, "rate": 1e22}]}"#,
        #"{"lines": [{"qty": 922337203685477, "price": 92233720368.5477}, {"qty": 2, "price": 3}]}"#,
        #"{"lines": [true, {"qty": 1, "price": 1}]}"#,
        #"{"status": "paid", "lines": [{"qty": 1, "price": 1, "status": "open"}]}"#,
        #"{"status": 0, "lines": [{"status": [1], "qty": 1, "price": 1}, {"status": {"a": 1}, "qty": 1, "price": 1}]}"#,
        #"{"status": null}"#,
        #"{}"#,
        #"[{"lines": [{"qty": 1, "price": 2}]}, {"lines": {"qty": 3, "price": 4}}, {"other": 1}]"#,
        #"[{"lines": [{"qty": 1, "price": 2}]}, 5, {"lines": [{"qty": 3, "price": 4}]}]"#,
    ]

    /// Each pair: the form the evaluator reads directly, and the same thing through the general
    /// evaluation (an array constructor, a block, or a predicate that keeps everything).
    static let pairs: [(String, String)] = [
        ("$sum(lines.(qty * price))", "$sum((lines.(qty * price)))"),
        ("$sum(lines.(qty * price * rate))", "$sum((lines.(qty * price * rate)))"),
        ("$sum(lines.(qty * price * (1 + rate) - 1))", "$sum((lines.(qty * price * (1 + rate) - 1)))"),
        ("$sum($.lines.(qty * price))", "$sum(($.lines.(qty * price)))"),
        ("$sum(lines[qty > 1].(qty * price))", "$sum((lines[qty > 1].(qty * price)))"),
        ("lines.(qty * price)", "lines.(qty * $number(price))"),
        ("lines.(qty * price * (1 + rate) - 1)", "lines.(qty * $number(price) * (1 + $number(rate)) - 1)"),
        ("[lines.{\"T\": qty * price * rate}]", "[lines.{\"T\": qty * $number(price) * $number(rate)}]"),
        ("$count(lines)", "$count((lines))"),
        ("$count(status)", "$count((status))"),
        ("[lines.{\"Q\": qty, \"P\": price, \"A\": $round(qty * price, 2)}]",
         "[(lines.{\"Q\": qty, \"P\": price, \"A\": $round(qty * price, 2)})]"),
        ("{\"L\": [lines.{\"Q\": qty, \"S\": status}]}", "{\"L\": [(lines.{\"Q\": qty, \"S\": status})]}"),
        ("status = \"paid\"", "status = (\"paid\")"),
        ("status != \"paid\"", "status != (\"paid\")"),
        ("0 = status", "(0) = status"),
        ("lines[status = \"open\"].qty", "lines[status = (\"open\")].qty"),
        ("$round($sum(lines.(qty * price)), 1)", "$round(($sum((lines.(qty * price)))), (1))"),
        ("$round(lines[0].price)", "$round((lines[0].price))"),
        ("$round(status, 2)", "$round((status), (2))"),
        ("$sum(lines.($number(qty) * $number(price)))", "$sum((lines.($number(qty) * $number(price))))"),
        ("lines.($number(qty) * price - 1)", "lines.((qty ~> $number()) * price - 1)"),
        ("[lines.{\"A\": $number(qty) * $number(price)}]", "[lines.{\"A\": (qty ~> $number()) * (price ~> $number())}]"),
        ("lines.{\"A\": $number(qty) * $number(price), \"Q\": qty, \"S\": \"#\" & $string(qty)}",
         "(lines).{\"A\": (qty ~> $number()) * (price ~> $number()), \"Q\": qty, \"S\": \"#\" & (qty ~> $string())}"),
        ("lines.{\"T\": qty * price, \"R\": rate}", "(lines).{\"T\": qty * price, \"R\": rate}"),
        ("($number := function($v) { $v * 2 }; $sum(lines.($number(qty) * price)))",
         "($number := function($v) { $v * 2 }; $sum((lines.($number(qty) * price))))"),
        ("lines.(($number := function($v) { 10 }); $number(qty) * price)", "lines.(($number := function($v) { 10 }); (qty ~> $number()) * price)"),
    ]

    @Test("each shortcut gives what the general evaluation gives, result or error", arguments: 0..<ShortcutTests.pairs.count)
    func shortcutAgreesWithGeneralEvaluation(_ p: Int) throws {
        let (fast, general) = ShortcutTests.pairs[p]
        let a = try Expression(fast)
        let b = try Expression(general)
        for text in ShortcutTests.inputs {
            let input = try JSONParser.parse(text)
            #expect(outcome(a, input) == outcome(b, input), "\(fast) on \(text)")
        }
    }

    /// The result as JSON text, "undefined", or the error's code.
    private func outcome(_ e: Expressions.Expression, _ input: JSONValue) -> String {
        do {
            return try e.evaluate(input).map { JSONWriter.write($0) } ?? "undefined"
        } catch {
            return "error \(error.code)"
        }
    }

    @Test("$number, $uppercase and $lowercase called directly give what the general call gives")
    func directUnaryFunctions() throws {
        let values = [#""12.50""#, #""-0.10""#, #""1e3""#, #""0x1F""#, #""0b101""#, #""abc""#, #""""#, #"" 12""#, #""1e400""#,
                      "12.5", "true", "false", "null", "[1,2]", #"{"a":1}"#, #""ÉTÉ straße""#, #""ǅ""#,
                      // numbers at the edges of the one-pass reading of plain decimals (Num.plainDecimal)
                      #""-0""#, #""-0.00""#, #""0e-500""#, #""1.""#, #""+1""#, #"".5""#, #""1.5e""#, #""1e+2""#, #""5E-23""#,
                      #""007.50""#, #""1e22""#, #""1e23""#, #""9007199254740992""#, #""9007199254740993""#,
                      #""123456789012345678""#, #""1234567890123456789""#, #""0.1000000000000000000001""#, #""12345678901234567.8""#]
        for f in ["$number", "$uppercase", "$lowercase"] {
            let direct = try Expression("\(f)(v)")
            let general = try Expression("v ~> \(f)()")
            for text in values {
                let input = try JSONParser.parse(#"{"v": "# + text + "}")
                #expect(outcome(direct, input) == outcome(general, input), "\(f) of \(text)")
            }
            #expect(outcome(direct, try JSONParser.parse("{}")) == outcome(general, try JSONParser.parse("{}")))
        }
        #expect(try Expression("$number(\"12.50\") * 2").evaluate(nil)?.description == "25")
    }

    /// Records a mapping reads field by field: every kind of member value, and none.
    static let records: [String] = [
        #"{"id": "SO1", "qty": "11", "price": "203.54", "sku": "sku-0293", "n": 7, "d": 1.50}"#,
        #"{"id": "", "qty": "-0.10", "price": "1e3", "sku": "ÉTÉ straße ǅ", "n": -0.5, "d": 1e-22}"#,
        #"{"id": 12.50, "qty": 3, "price": 0.1, "sku": 5, "n": 1e30, "d": 9007199254740993}"#,
        #"{"id": true, "qty": " 12", "price": "0x1F", "sku": true, "n": false, "d": null}"#,
        #"{"id": null, "qty": "1e400", "price": "abc", "sku": null, "n": null, "d": "7"}"#,
        #"{"id": [1, 2], "qty": [3], "price": ["4"], "sku": ["a"], "n": [], "d": [[1]]}"#,
        #"{"id": {"a": 1}, "qty": {"v": 1}, "price": {}, "sku": {"s": "x"}, "n": {}, "d": {}}"#,
        #"{"qty": "92233720368547758.07", "price": "92233720368547758.07", "n": 922337203685477, "d": 92233720368.5477}"#,
        #"{"qty": "1.10", "price": "2.20", "n": 0, "d": -0}"#,
        #"{"qty": "007.50", "price": "1e22", "n": 1, "d": 2}"#,
        #"{"qty": "-0", "price": "9007199254740993", "n": 1, "d": 2}"#,
        #"{"qty": "123456789012345678", "price": "0.000000000000000000001", "n": 1, "d": 2}"#,
        #"{"qty": "1E+2", "price": "-0.00", "n": 1, "d": 2}"#,
        #"{"qty": "1.", "price": "+1", "n": 1, "d": 2}"#,
        #"{}"#,
    ]

    /// Each pair: a shape a prepared expression reads straight from the input object
    /// (`DirectForm`), and the same thing in a block, which the general evaluation runs.
    static let directPairs: [(String, String)] = [
        ("id", "(id)"), ("n", "(n)"), ("d", "(d)"), ("missing", "(missing)"),
        ("$number(qty)", "qty ~> $number()"), ("$number(n)", "n ~> $number()"), ("$number(missing)", "missing ~> $number()"),
        ("$uppercase(sku)", "sku ~> $uppercase()"), ("$lowercase(sku)", "sku ~> $lowercase()"),
        ("\"INV-\" & id", "(\"INV-\" & id)"), ("id & \"/\" & $string(n) & \"/\" & $string(d)", "(id & \"/\" & $string(n) & \"/\" & $string(d))"),
        ("id & missing & $string(missing)", "(id & missing & $string(missing))"),
        ("$number(qty) * $number(price)", "($number(qty) * $number(price))"),
        ("$number(qty) * $number(price) - n + 0.5", "($number(qty) * $number(price) - n + 0.5)"),
        ("n * d", "(n * d)"), ("$number(d) * 100", "($number(d) * 100)"),
    ]

    @Test("each shape read straight from an input object gives what the general evaluation gives", arguments: 0..<ShortcutTests.directPairs.count)
    func directFormAgreesWithGeneralEvaluation(_ p: Int) throws {
        let (fast, general) = ShortcutTests.directPairs[p]
        let a = try Expression(fast)
        let b = try Expression(general)
        let preparedA = a.prepared()
        let preparedB = b.prepared()
        for text in ShortcutTests.records + ShortcutTests.inputs {
            let input = try JSONParser.parse(text)
            #expect(outcome(a, input) == outcome(b, input), "\(fast) on \(text)")
            // prepared once, evaluated on records one after another (member-lookup hints carry over)
            #expect(prepared(preparedA, input) == prepared(preparedB, input), "\(fast) prepared, on \(text)")
            // on an object a caller took apart once (`evaluate(object:)`): the same, or nil for the general way
            if case .object(let o) = input, let quick = preparedA.evaluate(object: o) {
                #expect((quick.map { JSONWriter.write($0) } ?? "undefined") == prepared(preparedB, input), "\(fast) on the object \(text)")
            }
            #expect(preparedB.evaluate(object: [:]) == nil, "\(general) has no shape read straight from an object")
        }
        #expect(preparedA.readsObjectsDirectly && !preparedB.readsObjectsDirectly, "\(fast)")
    }

    @Test("inside an object constructor mapped over records (`items.{…}`), each shape gives what the general evaluation gives", arguments: 0..<ShortcutTests.directPairs.count)
    func directFormInConstructorsAgrees(_ p: Int) throws {
        let (fast, general) = ShortcutTests.directPairs[p]
        let a = try Expression("items.{\"v\": \(fast), \"w\": qty, \"x\": $uppercase(sku)}")
        let b = try Expression("items.{\"v\": (\(general)), \"w\": qty, \"x\": (sku ~> $uppercase())}")
        let preparedA = a.prepared()
        let preparedB = b.prepared()
        let inputs = ["{\"items\": [\(ShortcutTests.records.joined(separator: ", "))]}"] + ShortcutTests.records.map { "{\"items\": \($0)}" }
        for text in inputs {
            let input = try JSONParser.parse(text)
            #expect(outcome(a, input) == outcome(b, input), "\(fast) on \(text)")
            #expect(prepared(preparedA, input) == prepared(preparedB, input), "\(fast) prepared, on \(text)")
        }
    }

    @Test("a function bound inside the expression hides the library's from the constructors' direct forms")
    func constructorFormsRespectInnerBindings() throws {
        let input = try JSONParser.parse(#"{"items": [{"qty": "2", "sku": "abc"}, {"qty": "3", "sku": "de"}]}"#)
        let e = try Expression(#"($number := function($x) { 42 }; $uppercase := function($s) { "U" }; items.{"q": $number(qty), "s": $uppercase(sku), "t": "x" & $string(qty)})"#)
        let expected = try JSONParser.parse(#"[{"q": 42, "s": "U", "t": "x2"}, {"q": 42, "s": "U", "t": "x3"}]"#)
        #expect(try e.evaluate(input) == expected)
        #expect(try e.prepared().evaluate(input) == expected)
        // and the same constructor, unbound, reads them the library's way
        let plain = try Expression(#"items.{"q": $number(qty), "s": $uppercase(sku), "t": "x" & $string(qty)}"#)
        #expect(try plain.prepared().evaluate(input) == JSONParser.parse(#"[{"q": 2, "s": "ABC", "t": "x2"}, {"q": 3, "s": "DE", "t": "x3"}]"#))
    }

    @Test("a binding named like a library function hides it from the direct forms too")
    func directFormRespectsBindings() throws {
        let record = try JSONParser.parse(#"{"qty": "2", "price": "3", "sku": "abc"}"#)
        for text in ["$number(qty) * $number(price)", "$uppercase(sku)", "\"x\" & $string(qty)"] {
            let e = try Expression(text)
            let bindings: [String: JSONValue] = ["number": 1, "uppercase": "u", "string": .null]
            #expect(throws: ExpressionError.self, "\(text)") { try e.prepared(bindings: bindings).evaluate(record) }
        }
        #expect(try Expression("$number(qty) * $number(price)").prepared().evaluate(record) == 6)
    }

    private func prepared(_ e: PreparedExpression, _ input: JSONValue) -> String {
        do {
            return try e.evaluate(input).map { JSONWriter.write($0) } ?? "undefined"
        } catch {
            return "error \(error.code)"
        }
    }

    @Test("the clock is read when first needed: $millis() is one instant for the whole evaluation, and a budget still stops it")
    func clockReadLazily() throws {
        let before = Date().timeIntervalSince1970 * 1000
        let r = try Expression("($a := $millis(); $count([1..200000].($ * 2)); [$a, $millis(), $a = $millis()])").evaluate(nil)
        guard case .array(let items)? = r, items.count == 3, let a = items[0].numberValue?.double else {
            Issue.record("unexpected result \(String(describing: r))")
            return
        }
        #expect(items[0] == items[1] && items[2] == .bool(true))
        #expect(a >= before.rounded(.down) && a <= Date().timeIntervalSince1970 * 1000)
        // a tail call runs in constant stack: only the time budget can stop it
        let endless = try Expression("($f := function($n) { $f($n + 1) }; $f(0))")
        let started = ContinuousClock.now
        do {
            _ = try endless.evaluate(nil, limits: EvaluationLimits(timeout: .milliseconds(50)))
            Issue.record("an endless evaluation ended")
        } catch {
            #expect(error.code == "U1001" && error.message.contains("time limit"), "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test func shortcutsKeepExactMoney() throws {
        let order = try JSONParser.parse(#"{"lines": [{"qty": 3, "price": 25.06}, {"qty": 1, "price": 25.61}, {"qty": 1.5, "price": 0.1}]}"#)
        #expect(try Expression("$sum(lines.(qty * price))").evaluate(order)?.description == "100.94")
        #expect(try Expression("$count(lines)").evaluate(order) == 3)
        #expect(try Expression("[lines.{\"A\": qty * price}]").evaluate(order).map { JSONWriter.write($0) } == #"[{"A":75.18},{"A":25.61},{"A":0.15}]"#)
    }
}
