import Expressions
import JSONModel
import Testing

/// Syntax errors carry JSONata's code, the offending token and the 0-based character offset of
/// the token's first character (so a pipeline's diagnostic can point at the YAML column).
@Suite struct ParserTests {
    struct SyntaxCase: Sendable, CustomStringConvertible {
        let text: String
        let code: String
        let position: Int
        let token: String?
        var description: String { text }
    }

    static let syntaxCases: [SyntaxCase] = [
        SyntaxCase(text: "foo bar", code: "S0201", position: 4, token: "bar"),
        SyntaxCase(text: "a ! b", code: "S0204", position: 2, token: "!"),
        SyntaxCase(text: "1 + ", code: "S0207", position: 4, token: nil),
        SyntaxCase(text: "[1, 2", code: "S0203", position: 5, token: nil),
        SyntaxCase(text: "(a; b]", code: "S0202", position: 5, token: "]"),
        SyntaxCase(text: "\"unterminated", code: "S0101", position: 0, token: nil),
        SyntaxCase(text: "`name", code: "S0105", position: 0, token: nil),
        SyntaxCase(text: "a /* comment", code: "S0106", position: 2, token: nil),
        SyntaxCase(text: "x := 1", code: "S0212", position: 0, token: "x"),
        SyntaxCase(text: "Account.Order@o", code: "S0214", position: 14, token: "@"),
        SyntaxCase(text: "function(a){a}", code: "S0208", position: 9, token: "a"),
        SyntaxCase(text: "%.x", code: "S0217", position: 0, token: nil),
        SyntaxCase(text: "'\\q'", code: "S0103", position: 2, token: "q"),
        SyntaxCase(text: "a.1", code: "S0213", position: 2, token: "1"),
    ]

    @Test(arguments: syntaxCases)
    func syntaxErrorPositions(_ c: SyntaxCase) {
        do {
            _ = try Expression(c.text)
            Issue.record("expected \(c.code) for \(c.text)")
        } catch {
            #expect(error.code == c.code)
            #expect(error.position == c.position)
            if let token = c.token { #expect(error.token == token) }
            #expect(!error.message.isEmpty)
        }
    }

    @Test func positionsCountCharactersNotBytes() {
        // "é" and "€" are one character each (several UTF-8 bytes).
        do {
            _ = try Expression("\"é€\" ! 1")
            Issue.record("expected S0204")
        } catch {
            #expect(error.code == "S0204")
            #expect(error.position == 5)
        }
    }

    @Test func evaluationErrorsPointAtTheOperator() {
        do {
            _ = try Expression("1 + \"a\"").evaluate(nil)
            Issue.record("expected T2002")
        } catch {
            #expect(error.code == "T2002")
            #expect(error.position == 2)
            #expect(error.token == "+")
            #expect(error.message.contains("+"))
        }
    }

    @Test func functionErrorsNameTheFunction() {
        do {
            _ = try Expression("  $uppercase(123)").evaluate(nil)
            Issue.record("expected T0410")
        } catch {
            #expect(error.code == "T0410")
            #expect(error.token == "uppercase")
            #expect(error.position == 2)
        }
    }

    @Test func references() throws {
        let e = try Expression("$lookup($accounts, category) & $x.y & $uppercase(name)")
        #expect(
            e.references == [
                ExpressionReference(name: "lookup", isCall: true, offset: 0, length: 7),
                ExpressionReference(name: "accounts", isCall: false, offset: 8, length: 9),
                ExpressionReference(name: "x", isCall: false, offset: 31, length: 2),
                ExpressionReference(name: "uppercase", isCall: true, offset: 38, length: 10),
            ])
    }

    @Test func environmentKnowsFunctions() {
        let env = ExpressionEnvironment.standard
        #expect(env.isKnownFunction("sum"))
        #expect(env.isKnownFunction("formatNumber"))
        #expect(!env.isKnownFunction("lookupTable"))
        #expect(env.adding("lookupTable", signature: "<ss:s>") { _ in nil }.isKnownFunction("lookupTable"))
    }
}
