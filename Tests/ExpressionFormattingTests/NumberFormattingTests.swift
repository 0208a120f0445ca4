import ExpressionFormatting
import Testing

@Suite struct NumberFormattingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let value: Double
        let picture: String
        var options: [String: String] = [:]
        let expected: String
        var testDescription: String { "\(value) '\(picture)' \(options) → \(expected)" }
    }

    @Test(arguments: [
        Case(value: 1234.5, picture: "#,##0.00", expected: "1,234.50"),
        Case(value: -1234.5, picture: "#,##0.00", expected: "-1,234.50"),
        Case(value: 0.5, picture: "#", expected: "0"),
        Case(value: 1.5, picture: "0", expected: "2"),
        Case(value: 2.5, picture: "0", expected: "2"),
        Case(value: 0.125, picture: "0.00", expected: "0.12"),
        Case(value: 1234, picture: "$#,##0", expected: "$1,234"),
        Case(value: 5, picture: "#0.0#", expected: "5.0"),
        Case(value: 5.126, picture: "#0.0#", expected: "5.13"),
        Case(value: 0.25, picture: "#0%", expected: "25%"),
        Case(value: -3, picture: "0;(0)", expected: "(3)"),
        Case(value: 1234567.891, picture: "#.##0,00", options: ["decimal-separator": ",", "grouping-separator": "."], expected: "1.234.567,89"),
        Case(value: 42, picture: "0", options: ["minus-sign": "−"], expected: "42"),
        Case(value: -42, picture: "0", options: ["minus-sign": "−"], expected: "−42"),
        Case(value: 1234.5678, picture: "0.00E0", options: ["exponent-separator": "E"], expected: "1.23E3"),
        Case(value: 1.1234567891, picture: "0.000,000,000", expected: "1.123,456,789"),
        Case(value: 12345.5, picture: "€#0.0e0", expected: "€1.2e4"),
        Case(value: 0.5, picture: "# pence", expected: "0 pence"),
        Case(value: .infinity, picture: "#,##0", expected: "Infinity"),
        Case(value: -.infinity, picture: "#,##0", expected: "-Infinity"),
        Case(value: .nan, picture: "#,##0", expected: "NaN"),
        Case(value: 12, picture: "##", options: ["zero-digit": "٠"], expected: "١٢"),
    ])
    func formatNumber(_ c: Case) throws {
        #expect(try NumberFormatting.formatNumber(c.value, picture: c.picture, options: c.options) == c.expected)
    }

    @Test(arguments: [
        ("#;#;#", "D3080"), ("#.0.0", "D3081"), ("#0%%", "D3082"), ("#0‰‰", "D3083"), ("#0%‰", "D3084"),
        (".e0", "D3085"), ("0+.e0", "D3086"), ("%%", "D3086"), ("0,.e0", "D3087"), ("0,", "D3088"),
        ("0,,0", "D3089"), ("0#.e0", "D3090"), ("#0.#0e0", "D3091"), ("#0.0e0%", "D3092"), ("#0.0e0,0", "D3093"),
    ])
    func pictureErrors(picture: String, code: String) {
        #expect(throws: FormattingError.self) {
            try NumberFormatting.formatNumber(20, picture: picture, options: [:])
        }
        do {
            _ = try NumberFormatting.formatNumber(20, picture: picture, options: [:])
        } catch {
            #expect(error.code == code)
            #expect(!error.message.isEmpty)
        }
    }

    @Test(arguments: [
        (255.0, 16.0, "ff"), (-255, 16, "-ff"), (100, 2, "1100100"), (99.5, 2.5, "1100100"),
        (1e20, 16, "56bc75e2d63100000"), (1152921504606846976, 2, "1" + String(repeating: "0", count: 60)),
        (1e21, 10, "1e+21"), (35, 36, "z"), (0, 7, "0"),
    ])
    func formatBase(value: Double, radix: Double, expected: String) throws {
        #expect(try NumberFormatting.formatBase(value, radix: radix) == expected)
    }

    @Test func formatBaseIntRadix() throws {
        #expect(try NumberFormatting.formatBase(100, radix: 10) == "100")
        #expect(try NumberFormatting.formatBase(5890840712243076, radix: 10) == "5890840712243076")
    }

    @Test(arguments: [1.0, 37.0, 0.0, -2.0, 36.6])
    func formatBaseRadixOutOfRange(radix: Double) {
        let rounded = Int(radix.rounded(.toNearestOrEven))
        #expect(throws: FormattingError(code: "D3100", message: "The radix of the formatBase function must be between 2 and 36.  It was given \(rounded)")) {
            try NumberFormatting.formatBase(100, radix: radix)
        }
    }
}
