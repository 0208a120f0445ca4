import Foundation

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

    /// Rewrites ECMA-262 syntax as ICU syntax; nil when the pattern is malformed in a way ICU
    /// would accept but ECMA-262 rejects.
    static func translate(_ source: String) -> String? {
        let chars = Array(source.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var inClass = false
        func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }
        while i < chars.count {
            let c = chars[i]
            if c == "\\" {
                guard i + 1 < chars.count else { return nil }
                let e = chars[i + 1]
                i += 2
                switch e {
                case "d": append(inClass ? "0-9" : "[0-9]")
                case "D": append(inClass ? "\\D" : "[^0-9]")
                case "w": append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]")
                case "W": append(inClass ? "\\W" : "[^a-zA-Z0-9_]")
                // ECMA-262 white space includes U+FEFF, which ICU's \s leaves out.
                case "s": append(inClass ? "\\s\\x{FEFF}" : "[\\s\\x{FEFF}]")
                case "S": append(inClass ? "\\S" : "[^\\s\\x{FEFF}]")
                case "u" where i < chars.count && chars[i] == "{":
                    append("\\x")
                case "c":
                    // \cX control escape; ICU spells it the same.
                    append("\\c")
                default:
                    // Letters other than the ECMA-262 escapes are errors (ICU gives \a, \e, \Z... meanings).
                    if e.isASCIILetter && !"bBnrtfvxkpP".unicodeScalars.contains(e) { return nil }
                    out.append("\\")
                    out.append(e)
                }
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
                if c == "[" { append("\\[") } else if c == "&" && i + 1 < chars.count && chars[i + 1] == "&" {
                    append("&\\&")
                    i += 2
                    continue
                } else { out.append(c) }
                i += 1
                continue
            }
            switch c {
            case "(" where i + 1 < chars.count && chars[i + 1] == "?":
                // Only (?:, (?=, (?!, (?<=, (?<! and (?<name> exist in ECMA-262; no inline flags or comments.
                guard i + 2 < chars.count, ":=!<".unicodeScalars.contains(chars[i + 2]) else { return nil }
                out.append(c)
            case "[":
                if i + 1 < chars.count, chars[i + 1] == "]" {
                    append("(?!)")  // [] matches nothing
                    i += 2
                    continue
                }
                if i + 2 < chars.count, chars[i + 1] == "^", chars[i + 2] == "]" {
                    append("[\\s\\S]")  // [^] matches anything
                    i += 3
                    continue
                }
                inClass = true
                out.append(c)
                if i + 1 < chars.count, chars[i + 1] == "^" {
                    out.append("^")
                    i += 1
                }
                // A ']' first in an ECMA class closes it (empty class); handled above.
            case "$":
                append("\\z")
            default:
                out.append(c)
            }
            i += 1
        }
        if inClass { return nil }
        return String(out)
    }
}
