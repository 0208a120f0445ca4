import Expressions
import Foundation
import JSONModel
import Testing

private func eval(_ text: String, _ input: JSONValue? = nil, bindings: [String: JSONValue] = [:]) throws -> JSONValue? {
    try Expression(text).evaluate(input, bindings: bindings)
}

private func json(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

/// Exact money: numbers keep their decimal value through + - *, $sum, $round and comparisons.
@Suite struct ExactMoneyTests {
    @Test func additionIsExact() throws {
        let r = try eval("0.1 + 0.2")
        #expect(r?.numberValue?.decimal == Decimal(string: "0.3"))
        #expect(r?.description == "0.3")
        #expect(try eval("0.1 + 0.2 = 0.3") == .bool(true))
    }

    @Test func sumIsExact() throws {
        let r = try eval("$sum([25.06, 25.61, 25.63])")
        #expect(r?.numberValue?.decimal == Decimal(string: "76.30"))
        #expect(r?.description == "76.3")
    }

    @Test func sourceAmountsStayExact() throws {
        let order = try json(#"{"items": [{"price": 19.99, "qty": 3}, {"price": 0.1, "qty": 7}, {"price": 1.15, "qty": 1}]}"#)
        let r = try eval("$sum(items.(price * qty))", order)
        #expect(r?.numberValue?.decimal == Decimal(string: "61.82"))
        #expect(try eval("items[0].price * 3 = 59.97", order) == .bool(true))
        #expect(try eval("$max(items.price) - $min(items.price)", order)?.numberValue?.decimal == Decimal(string: "19.89"))
    }

    @Test(arguments: [
        ("$round(2.675, 2)", "2.68"),
        ("$round(2.665, 2)", "2.66"),
        ("$round(2.5)", "2"),
        ("$round(3.5)", "4"),
        ("$round(-2.5)", "-2"),
        ("$round(1234.5678, -2)", "1200"),
        ("$round(0.125, 2)", "0.12"),
    ])
    func roundIsHalfEvenOnTheDecimal(_ text: String, _ expected: String) throws {
        #expect(try eval(text)?.numberValue?.decimal == Decimal(string: expected))
    }

    @Test func divisionUsesDoubles() throws {
        #expect(try eval("1 / 3")?.numberValue?.double == 1.0 / 3.0)
        #expect(try eval("$string(22/7)") == .string("3.14285714285714"))
    }

    @Test func stringOfExactNumbers() throws {
        #expect(try eval("$string(0.1 + 0.2)") == .string("0.3"))
        #expect(try eval("$string(1e21)") == .string("1e+21"))
        #expect(try eval("$string(0.0000001)") == .string("1e-7"))
    }
}

@Suite struct LanguageTests {
    @Test(arguments: [
        ("Account.Order[0].OrderID", #""order103""#),
        ("Account.Order.Product[Price > 30].SKU", #"["0406654608","0406654608","040657863"]"#),
        ("$count(Account.Order.Product)", "4"),
        ("Account.Order.Product{`Product Name`: Price}", #"{"Bowler Hat":[34.45,34.45],"Trilby hat":21.67,"Cloak":107.99}"#),
        ("Account.Order^(>OrderID).OrderID", #"["order104","order103"]"#),
        ("Account.Order#$i[$i = 1].OrderID", #""order104""#),
        ("Account.Order@$o.$o.Product.{'o': $o.OrderID, 'p': SKU}[0]", #"{"o":"order103","p":"0406654608"}"#),
        ("Account.Order.Product.{'name': `Product Name`, 'order': %.OrderID}[3]", #"{"name":"Cloak","order":"order104"}"#),
        ("(Account.Order.Product.Price ~> $map(function($p){$p * 2}))[0]", "68.9"),
        ("$join(['a','b','c'], '-')", #""a-b-c""#),
        ("Account.Order.Product.Description.Colour ~> $distinct() ~> $sort()", #"["Black","Orange","Purple"]"#),
        ("$match('ab12cd345', /[0-9]+/).match", #"["12","345"]"#),
        ("$replace('hello world', /o/, '0')", #""hell0 w0rld""#),
        ("(Account ~> |Order|{'Total': $sum(Product.(Price*Quantity))}, ['Product']|).Order.Total", "[90.57,245.79]"),
        ("bar ?? 42", "42"),
        ("'' ?: 'default'", #""default""#),
        ("$substring('Hello €uro', 6, 4)", #""€uro""#),
    ])
    func expressions(_ text: String, _ expected: String) throws {
        let data = try json(
            #"""
            {"Account": {"Order": [
              {"OrderID": "order103", "Product": [
                {"Product Name": "Bowler Hat", "SKU": "0406654608", "Description": {"Colour": "Purple"}, "Price": 34.45, "Quantity": 2},
                {"Product Name": "Trilby hat", "SKU": "0406634348", "Description": {"Colour": "Orange"}, "Price": 21.67, "Quantity": 1}]},
              {"OrderID": "order104", "Product": [
                {"Product Name": "Bowler Hat", "SKU": "0406654608", "Description": {"Colour": "Purple"}, "Price": 34.45, "Quantity": 4},
                {"Product Name": "Cloak", "SKU": "040657863", "Description": {"Colour": "Black"}, "Price": 107.99, "Quantity": 1}]}
            ]}}
            """#)
        let result = try eval(text, data)
        #expect(result == (try json(expected)))
    }

    /// `$sort`'s comparator reuses one scope across calls: nothing of one call may leak into
    /// the next (a variable bound in the body, an extra parameter, a tail call, a nested sort).
    @Test(arguments: [
        ("$sort([3,1,2], function($a, $b) { $a > $b })", "[1,2,3]"),
        ("$sort([3,1,2], function($a, $b, $c) { $c ? false : $a < $b })", "[3,2,1]"),
        ("$sort([3,1,2,5,4], function($a, $b) { $a > $b ? ($seen := $a; true) : $seen = 99 })", "[1,2,3,4,5]"),
        ("($gt := function($x, $y) { $x > $y }; $sort([2,3,1], function($a, $b) { $gt($a, $b) }))", "[1,2,3]"),
        ("$sort([[3,2],[1,4]], function($a, $b) { $sort($a)[0] > $sort($b)[0] })", "[[1,4],[3,2]]"),
        ("$sort([{'n':2},{'n':1}], function($a, $b) { $a.n > $b.n }).n", "[1,2]"),
        ("$sort(['b','a','c'], function($a, $b) { ($f := function() { $a }; $f() > $b) })", #"["a","b","c"]"#),
        ("$sort(['b','a','c'], function($a, $b) { $r := $a > $b })", #"["a","b","c"]"#),
    ])
    func sortComparators(_ text: String, _ expected: String) throws {
        #expect(try eval(text) == (try json(expected)))
    }

    @Test func sortComparatorErrorsStillPointAtTheirToken() throws {
        #expect(throws: ExpressionError.self) { try eval("$sort([1,2], function($a, $b) { $a() })") }
        let typed = try? eval("$sort([1,2], function($a, $b)<nn:b> { $a > $b })")
        #expect(typed == (try json("[1,2]")))
    }

    @Test func oneCompiledExpressionOnManyThreads() throws {
        let e = try Expression("$sum(items.(price * qty)) & ' ' & $join(items.name ~> $sort(), ',')")
        let doc = try json(#"{"items": [{"name": "b", "price": 1.10, "qty": 2}, {"name": "a", "price": 0.05, "qty": 3}]}"#)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var ok = 0
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            if (try? e.evaluate(doc)) == .string("2.35 a,b") {
                results.lock.lock()
                results.ok += 1
                results.lock.unlock()
            }
        }
        #expect(results.ok == 64)
    }

    @Test func undefinedIsNil() throws {
        #expect(try eval("nothing.here", try json("{}")) == nil)
    }

    @Test func bindingsAndHostFunctions() throws {
        let env = ExpressionEnvironment.standard.adding("lookup2", signature: "<os:s>") { args in
            guard case .object(let table)? = args[0], case .string(let key)? = args[1] else { return nil }
            return table[key]
        }
        let e = try Expression("$lookup2($accounts, category)")
        let r = try e.evaluate(
            try json(#"{"category": "Pharmacy"}"#), bindings: ["accounts": try json(#"{"Pharmacy": "210"}"#)], environment: env)
        #expect(r == .string("210"))
    }

    @Test func hostFunctionErrorsPropagate() throws {
        let env = ExpressionEnvironment.standard.adding("fail", signature: nil) { _ throws(ExpressionError) in
            throw ExpressionError(code: "X0001", message: "no such table")
        }
        #expect(throws: ExpressionError.self) { try Expression("$fail()").evaluate(nil, environment: env) }
    }
}

/// Runaway expressions end with U1001, never a hang or a stack overflow.
@Suite struct LimitTests {
    @Test func depthLimit() {
        let text = "($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))"
        do {
            _ = try Expression(text).evaluate(nil, limits: EvaluationLimits(maxDepth: 200))
            Issue.record("expected U1001")
        } catch {
            #expect(error.code == "U1001")
        }
    }

    @Test func timeoutStopsAnEndlessLoop() {
        // Tail calls do not grow the stack, so only the time limit can stop this one.
        let start = ContinuousClock.now
        do {
            _ = try Expression("($f := function(){ $f() }; $f())").evaluate(nil, limits: EvaluationLimits(timeout: .milliseconds(100)))
            Issue.record("expected U1001")
        } catch {
            #expect(error.code == "U1001")
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func deepRecursionWithDefaultLimitsIsAnError() {
        // Deeper than the default depth limit: an error, not a crash, even on a test thread's small stack.
        do {
            _ = try Expression("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))").evaluate(nil)
            Issue.record("expected U1001")
        } catch {
            #expect(error.code == "U1001")
        }
    }

    @Test func moderateRecursionWorksOnSmallStacks() throws {
        // 1,500 nested calls need more than a secondary thread's 512 KB: evaluation moves to a big stack.
        let r = try Expression("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1500))").evaluate(nil)
        #expect(r == .number(JSONNumber(1500)))
    }

    /// A 5,000-level document, kept for the whole run (freeing it recurses too).
    static let deepDocument: JSONValue = try! JSONParser.parse(String(repeating: #"{"a":"#, count: 5000) + "1" + String(repeating: "}", count: 5000))

    @Test func deepDocumentsAreWalkedWithoutCrashing() throws {
        #expect(try Expression("$count(**)").evaluate(Self.deepDocument) == .number(JSONNumber(5001)))
        #expect(try Expression("$ = $").evaluate(Self.deepDocument) == .bool(true))
        let text = try Expression("$string($)").evaluate(Self.deepDocument)
        #expect(text?.stringValue?.count == 5000 * 6 + 1)
    }

    @Test func deeplyNestedExpressionTextIsAnError() {
        let text = String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000)
        #expect(throws: ExpressionError.self) { try Expression(text).evaluate(nil) }
    }
}

/// An expression prepared once and evaluated on many inputs, as a pipeline step does.
@Suite struct PreparedExpressionTests {
    @Test func preparedGivesWhatEvaluateGivesOnEveryInput() throws {
        let e = try Expression(#"($x := qty * price; {"total": $x, "who": $who, "first": items[0], "n": $count(items)})"#)
        let prepared = e.prepared(bindings: ["who": "shop"], limits: EvaluationLimits(numbers: .exact))
        let inputs: [JSONValue] = [
            try JSONParser.parse(#"{"qty": 3, "price": 0.1, "items": [1, 2]}"#),
            try JSONParser.parse(#"{"price": 2, "qty": 1.5, "items": []}"#),  // another shape: a hint that misses
            try JSONParser.parse(#"[{"qty": 1, "price": 1}]"#),
        ]
        for input in inputs {
            let once = try e.evaluate(input, bindings: ["who": "shop"], limits: EvaluationLimits(numbers: .exact))
            #expect(try prepared.evaluate(input) == once)
        }
        #expect(try prepared.evaluate(inputs[0])?["total"] == .number(JSONNumber(literal: "0.3")!))
        #expect(try prepared.evaluate(nil)?["who"] == "shop")
    }

    @Test func aBindingMadeByOneEvaluationIsGoneForTheNext() throws {
        let prepared = try Expression("($seen := $exists($seen) ? $seen + 1 : 1; $seen)").prepared()
        #expect(try prepared.evaluate(nil) == 1)
        #expect(try prepared.evaluate(nil) == 1)
    }

    @Test func eachEvaluationHasItsOwnTimeBudget() throws {
        let prepared = try Expression("n > 10 ? ($f := function(){ $f() }; $f()) : n").prepared(limits: EvaluationLimits(timeout: .milliseconds(200)))
        do {
            _ = try prepared.evaluate(["n": 11])
            Issue.record("expected U1001")
        } catch {
            #expect(error.code == "U1001")
        }
        // The next evaluation starts a new budget.
        #expect(try prepared.evaluate(["n": 3]) == 3)
    }
}
