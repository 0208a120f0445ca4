import Expressions
import Foundation
import JSONModel
import PipelineExpressions
import Testing

@Suite("Pipeline functions")
struct PipelineFunctionsTests {
    private func eval(_ text: String, _ input: JSONValue? = nil, bindings: [String: JSONValue] = [:]) throws -> JSONValue? {
        try Expression(text).evaluate(input, bindings: bindings, environment: PipelineFunctions.environment)
    }

    private func number(_ s: String) -> JSONValue { .number(JSONNumber(literal: s)!) }

    @Test("Xero dates out", arguments: [
        ("$toXeroDate('2026-01-31')", "/Date(1769817600000+0000)/"),
        ("$toXeroDate('2015-08-13T02:52:36.790Z')", "/Date(1439434356790+0000)/"),
        ("$toXeroDate(1439434356790)", "/Date(1439434356790+0000)/"),
        ("$toXeroDate('/Date(1419937200000+1300)/')", "/Date(1419937200000+0000)/"),
    ])
    func toXeroDate(_ expr: String, _ expected: String) throws {
        #expect(try eval(expr) == .string(expected))
    }

    @Test func xeroDatesIn() throws {
        #expect(try eval("$fromXeroDate('/Date(1439434356790)/')") == "2015-08-13T02:52:36.790Z")
        #expect(try eval("$fromXeroDate('/Date(1419937200000+0000)/', '[Y0001]-[M01]-[D01]')") == "2014-12-30")
        #expect(throws: ExpressionError.self) { try eval("$fromXeroDate('2014-12-30')") }
        #expect(throws: ExpressionError.self) { try eval("$toXeroDate('not a date')") }
        #expect(try eval("$toXeroDate(nothing)") == nil)
    }

    @Test("money rounds half away from zero, exactly", arguments: [
        ("$money(2.675)", "2.68"), ("$money(-2.675)", "-2.68"), ("$money(1.005)", "1.01"), ("$money(0.125, 2)", "0.13"),
        ("$money('12.345')", "12.35"), ("$money(10)", "10"), ("$money(2.5, 0)", "3"),
    ])
    func money(_ expr: String, _ expected: String) throws {
        #expect(try eval(expr) == number(expected))
    }

    @Test func xeroLineArithmetic() throws {
        // Xero's own example: lines 25.06, 25.61, 25.63 at 15 % give tax 11.44, not 11.45.
        let lines: JSONValue = ["lines": [number("25.06"), number("25.61"), number("25.63")]]
        #expect(try eval("$sum(lines.$lineTax($, 15))", lines) == number("11.44"))
        #expect(try eval("$money($sum(lines) * 0.15)", lines) == number("11.45"))
        #expect(try eval("$lineAmount(3, 19.99, 10)") == number("53.97"))
        #expect(try eval("$lineAmount('2', '10.005')") == number("20.01"))
        #expect(throws: ExpressionError.self) { try eval("$lineAmount('two', 1)") }
    }

    @Test func bindingsCarryLookupsAndRunContext() throws {
        let b = PipelineFunctions.bindings(
            lookups: ["accounts": ["Consultation": "200"]], pipeline: "clinic", runID: "r-1",
            startedAt: Date(timeIntervalSince1970: 1_763_900_000))
        #expect(try eval("$lookup($accounts, category)", ["category": "Consultation"], bindings: b) == "200")
        #expect(try eval("$pipeline & '/' & $run.id", bindings: b) == "clinic/r-1")
        #expect(try eval("$run.started_at", bindings: b) == "2025-11-23T12:13:20.000Z")
    }

    @Test func locallyBoundNames() {
        let names = PipelineFunctions.locallyBoundNames(in: "($x := 1; $f := function($a, $b) { $a + $b }; items@$i#$pos.($f($x, $i)))")
        #expect(names == ["x", "f", "a", "b", "i", "pos"])
    }
}
