import Expressions
import Foundation
import JSONModel
import Testing

/// The two number modes: exact decimals (the default, for money) and IEEE doubles (jsonata-js).
@Suite struct NumberModeTests {
    private func eval(_ text: String, _ input: JSONValue? = nil, _ mode: NumberMode) throws -> JSONValue? {
        try Expression(text).evaluate(input, limits: EvaluationLimits(numbers: mode))
    }

    /// The result as JSON text (what a caller writes out).
    private func text(_ expression: String, _ input: JSONValue? = nil, _ mode: NumberMode) throws -> String? {
        try eval(expression, input, mode).map { JSONWriter.write($0) }
    }

    private static let orders = try! JSONParser.parse(
        #"""
        {"Order": [
          {"OrderID": "order103", "Product": [{"Price": 34.45, "Quantity": 2}, {"Price": 21.67, "Quantity": 1}]},
          {"OrderID": "order104", "Product": [{"Price": 34.45, "Quantity": 4}, {"Price": 107.99, "Quantity": 1}]}
        ]}
        """#)

    @Test func exactIsTheDefault() throws {
        #expect(EvaluationLimits().numbers == .exact)
        #expect(try Expression("0.1 + 0.2").evaluate(nil) == (try eval("0.1 + 0.2", nil, .exact)))
    }

    @Test func additionAndEquality() throws {
        #expect(try text("0.1 + 0.2", nil, .exact) == "0.3")
        #expect(try text("0.1 + 0.2", nil, .ieee) == "0.30000000000000004")
        #expect(try eval("0.1 + 0.2", nil, .ieee)?.numberValue?.double == 0.1 + 0.2)
        #expect(try eval("0.1 + 0.2 = 0.3", nil, .exact) == .bool(true))
        #expect(try eval("0.1 + 0.2 = 0.3", nil, .ieee) == .bool(false))
        #expect(try eval("0.3 - 0.1", nil, .ieee)?.numberValue?.double == 0.3 - 0.1)
        #expect(try eval("1.1 * 3", nil, .ieee)?.numberValue?.double == 1.1 * 3)
    }

    @Test func sumAndAverageOfPriceTimesQuantity() throws {
        let sum = "Order.$sum(Product.(Price * Quantity))"
        #expect(try text(sum, Self.orders, .exact) == "[90.57,245.79]")
        #expect(try text(sum, Self.orders, .ieee) == "[90.57000000000001,245.79000000000002]")
        let average = "Order.$average(Product.(Price * Quantity))"
        #expect(try text(average, Self.orders, .exact) == "[45.285,122.895]")
        #expect(try text(average, Self.orders, .ieee) == "[45.285000000000004,122.89500000000001]")
        #expect(try text("$sum([0.1, 0.2, 0.3])", nil, .exact) == "0.6")
        #expect(try text("$sum([0.1, 0.2, 0.3])", nil, .ieee) == "0.6000000000000001")
    }

    @Test func comparisonsAndSorting() throws {
        // 18 significant digits: distinct as decimals, the same double.
        #expect(try eval("1.00000000000000001 > 1", nil, .exact) == .bool(true))
        #expect(try eval("1.00000000000000001 > 1", nil, .ieee) == .bool(false))
        #expect(try eval("1.00000000000000001 = 1", nil, .ieee) == .bool(true))
        #expect(try eval("$max([0.1 + 0.2, 0.3]) = 0.3", nil, .exact) == .bool(true))
        #expect(try text("$max([0.1 + 0.2, 0.3])", nil, .ieee) == "0.30000000000000004")
        #expect(try eval("[0.3, 0.1 + 0.2] ~> $distinct() ~> $count()", nil, .exact) == .number(JSONNumber(1)))
        #expect(try eval("[0.3, 0.1 + 0.2] ~> $distinct() ~> $count()", nil, .ieee) == .number(JSONNumber(2)))
    }

    @Test func roundAndString() throws {
        // $round: half to even on the decimal in both modes (jsonata-js shifts the decimal point
        // in the number's text); the IEEE result is a double again.
        for mode in [NumberMode.exact, .ieee] {
            #expect(try text("$round(2.675, 2)", nil, mode) == "2.68")
            #expect(try text("$round(2.665, 2)", nil, mode) == "2.66")
            #expect(try text("$round(-2.5)", nil, mode) == "-2")
            #expect(try text("$round(1234.5678, -2)", nil, mode) == "1200")
        }
        #expect(try text("$round(0.1 + 0.2, 2) + 0.01", nil, .exact) == "0.31")
        #expect(try text("$round(0.1 + 0.2, 1) + 0.6", nil, .ieee) == "0.8999999999999999")
        // $string: 15 significant digits for doubles, integers whole, in both modes.
        for mode in [NumberMode.exact, .ieee] {
            #expect(try eval("$string(0.1 + 0.2)", nil, mode) == .string("0.3"))
            #expect(try eval("$string(5890840712243076)", nil, mode) == .string("5890840712243076"))
            #expect(try eval("'total ' & (0.1 + 0.2)", nil, mode) == .string("total 0.3"))
        }
        // Exact decimals keep their digits beyond 15; doubles do not.
        #expect(try eval("$string(1.2345678901234567)", nil, .exact) == .string("1.2345678901234567"))
        #expect(try eval("$string(1.2345678901234567)", nil, .ieee) == .string("1.23456789012346"))
    }

    @Test func inputNumbersLeaveAsDoublesInIEEEMode() throws {
        let doc = try JSONParser.parse(#"{"a": 1.10, "b": 0.1000000000000000055511151231257827, "c": [2.50, 7]}"#)
        #expect(try text("$", doc, .exact) == #"{"a":1.1,"b":0.1000000000000000055511151231257827,"c":[2.5,7]}"#)
        #expect(try text("$", doc, .ieee) == #"{"a":1.1,"b":0.1,"c":[2.5,7]}"#)
        #expect(try text("c", doc, .ieee) == "[2.5,7]")
    }

    @Test func hostFunctionsSeeTheModesNumbers() throws {
        let env = ExpressionEnvironment.standard.adding("echo", signature: "<n:n>") { args in args[0] }
        let e = try Expression("$echo(0.1 + 0.2)")
        #expect(try e.evaluate(nil, environment: env, limits: EvaluationLimits(numbers: .exact)).map { JSONWriter.write($0) } == "0.3")
        #expect(
            try e.evaluate(nil, environment: env, limits: EvaluationLimits(numbers: .ieee)).map { JSONWriter.write($0) }
                == "0.30000000000000004")
    }
}
