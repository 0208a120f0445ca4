import Foundation

/// ECMA-262 regular expressions (the dialect of JSON Schema's `pattern` and of JSONata's regex
/// literals) rewritten for ICU's `NSRegularExpression` where the two differ: `\\d` and `\\w` are
/// ASCII-only in ECMA-262, `\\s` includes U+FEFF, `$` never matches before a final newline
/// (without the `m` flag), `[^]` matches any character, `[]` matches nothing, `[` inside a class
/// is a literal, and escapes ECMA-262 does not define are errors. Shared by the JSONSchema and
/// Expressions targets.
public enum ECMARegexSyntax {
    /// Rewrites ECMA-262 syntax as ICU syntax; nil when the pattern is malformed in a way ICU
    /// would accept but ECMA-262 rejects.
    public static func translate(_ source: String, multiline: Bool = false) -> String? {
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
                    if (("a"..."z").contains(e) || ("A"..."Z").contains(e)) && !"bBnrtfvxkpP".unicodeScalars.contains(e) { return nil }
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
                // Without the m flag `$` is the very end (ICU's `$` also matches before a final
                // newline); with it, ICU's anchorsMatchLines option gives ECMA's meaning.
                if multiline { out.append(c) } else { append("\\z") }
            default:
                out.append(c)
            }
            i += 1
        }
        if inClass { return nil }
        return String(out)
    }
}
