import JSONModel
import Testing
@testable import JSONSchema

@Suite struct NumberTests {
    @Test(arguments: [
        ("0.3", "0.1", true), ("0.0075", "0.0001", true), ("19.99", "0.01", true), ("10", "0.01", true),
        ("4.5", "1.5", true), ("4.6", "1.5", false), ("0.00751", "0.0001", false), ("-7", "3.5", true),
        ("1e308", "0.5", true), ("1e308", "0.123456789", false), ("123456789012345678901234567890", "10", true),
        ("12345678901234567890.5", "0.5", true), ("12345678901234567890.5", "2", false),
    ])
    func multipleOfIsExact(value: String, divisor: String, expected: Bool) throws {
        let v = try validator(##"{"multipleOf": \##(divisor)}"##)
        #expect(v.isValid(json(value)) == expected, "\(value) multipleOf \(divisor)")
    }

    @Test func comparisonsAreExactBeyondDoublePrecision() throws {
        let v = try validator(##"{"maximum": 9007199254740993}"##)
        #expect(v.isValid(json("9007199254740993")))
        #expect(!v.isValid(json("9007199254740994")))
        #expect(try validator(##"{"exclusiveMinimum": 0.1}"##).isValid(json("0.10000000000000001")))
    }

    @Test func integerTypeUsesTheExactValue() throws {
        let v = try validator(##"{"type": "integer"}"##)
        #expect(v.isValid(json("1e3")))
        #expect(v.isValid(json("-0.0")))
        #expect(!v.isValid(json("12345678901234567890.5")))
    }
}
