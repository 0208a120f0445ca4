import Foundation
import RuntimeSupport

/// An ECMA-262 regular expression (the dialect JSON Schema's `pattern` uses), compiled once
/// into an `NSRegularExpression` after translating the constructs where ICU differs:
/// `\d` and `\w` are ASCII-only in ECMA-262, `$` never matches before a final newline,
/// `[^]` matches any character, and `[` inside a class is a literal.
struct ECMARegex: @unchecked Sendable {
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let source: String
    private let regex: NSRegularExpression

    init?(_ source: String) {
        guard let translated = ECMARegex.translate(source),
            let regex = try? NSRegularExpression(pattern: translated, options: [])
        else { return nil }
        self.source = source
        self.regex = regex
    }

    /// True when the pattern matches somewhere in `string` (patterns are not anchored).
    func matches(_ string: String) -> Bool {
        let ns = string as NSString
        return regex.rangeOfFirstMatch(in: string, options: [], range: NSRange(location: 0, length: ns.length)).location != NSNotFound
    }

    static func translate(_ source: String) -> String? { ECMARegexSyntax.translate(source) }
}
