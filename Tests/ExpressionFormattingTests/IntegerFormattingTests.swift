import ExpressionFormatting
import Testing

@Suite struct IntegerFormattingTests {
    @Test(arguments: [
        (21.0, "w;o", "twenty-first"), (0, "w", "zero"), (-5, "w", "-five"), (40, "Ww;o", "Fortieth"),
        (11, "0;o", "11th"), (112, "0;o", "112th"), (101, "0;o", "101st"), (22, "0;o", "22nd"), (13, "0;o", "13th"),
        (1234567, "#,##0", "1,234,567"), (5, "00", "05"), (-12.5, "0", "-13"), (12.9, "0", "12"),
        (0, "a", ""), (702, "a", "zz"), (703, "A", "AAA"), (3999, "I", "MMMCMXCIX"), (4, "i", "iv"),
        (1234, "0 000", "1 234"), (1234567, "#'##0", "1'234'567"), (7, "０", "７"),
        (1e21, "0", "1000000000000000000000"),
    ])
    func formatInteger(value: Double, picture: String, expected: String) throws {
        #expect(try IntegerFormatting.formatInteger(value, picture: picture) == expected)
    }

    @Test(arguments: [("α", "D3130"), ("##0０", "D3131"), ("#", "D3130"), ("", "D3130")])
    func formatIntegerErrors(picture: String, code: String) {
        do {
            _ = try IntegerFormatting.formatInteger(12, picture: picture)
            Issue.record("expected \(code)")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test(arguments: [
        ("-0003", "0000", -3.0), ("1 234", "0 000", 1234), ("Forty-Second", "Ww;o", 42), ("mmxxiv", "I", 2024),
        ("ZZ", "a", 702), ("seventeen", "W", 17), ("١٢", "#٠", 12),
    ])
    func parseInteger(text: String, picture: String, expected: Double) throws {
        #expect(try IntegerFormatting.parseInteger(text, picture: picture) == expected)
    }

    @Test(arguments: [
        ("12x", "0"), ("", "0"), ("12th", "0"), ("12", "0;o"), ("eleventy", "w"), ("MXQ", "I"), ("a1", "a"),
    ])
    func parseIntegerMismatch(text: String, picture: String) throws {
        #expect(try IntegerFormatting.parseInteger(text, picture: picture) == nil)
    }

    @Test func parseIntegerUnsupportedSequence() {
        #expect(throws: FormattingError.self) { try IntegerFormatting.parseInteger("50", picture: "#") }
    }

    /// Whatever formatInteger writes, parseInteger reads back.
    @Test(arguments: ["0", "#,##0", "000;o", "w", "W;o", "Ww", "a", "A", "i", "I", "#'##0", "١"])
    func roundTrip(picture: String) throws {
        var values: [Double] = Array(1...1200).map(Double.init)
        values += [4_327_732, 1_000_000_000_001, 1_234_567_890_123]
        for value in values where !(picture.lowercased() == "i" && value > 4000) {
            let text = try IntegerFormatting.formatInteger(value, picture: picture)
            #expect(try IntegerFormatting.parseInteger(text, picture: picture) == value, "\(value) → \(text)")
        }
    }
}

@Test(arguments: ["0", "w", "I", "a"])
func formatIntegerNonFinite(picture: String) throws {
    #expect(try IntegerFormatting.formatInteger(.infinity, picture: picture) == "Infinity")
    #expect(try IntegerFormatting.formatInteger(-.infinity, picture: picture) == "-Infinity")
    #expect(try IntegerFormatting.formatInteger(.nan, picture: picture) == "NaN")
}
