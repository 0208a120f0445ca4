import Diagnostics
import JSONModel

/// `${VAR}` and `${VAR:-default}` environment interpolation, applied only where the pipeline
/// schema marks a string with `"x-interpolate": true` (connection settings, paths, URLs).
///
/// `$${` writes a literal `${`. Values never appear in diagnostics: they may be secrets.
public enum Interpolation {
    public struct Reference: Sendable, Hashable {
        public var name: String
        public var defaultValue: String?
        /// Character offset of `${` in the string, and the length up to and including `}`.
        public var offset: Int
        public var length: Int

        public init(name: String, defaultValue: String?, offset: Int, length: Int) {
            self.name = name
            self.defaultValue = defaultValue
            self.offset = offset
            self.length = length
        }
    }

    public enum Piece: Sendable, Hashable {
        case literal(String)
        case variable(Reference)
    }

    public struct SyntaxError: Error, Sendable {
        public var message: String
        public var offset: Int
        public var length: Int
    }

    /// Splits a string into literal text and variable references.
    public static func parse(_ s: String) throws(SyntaxError) -> [Piece] {
        let chars = Array(s)
        var pieces: [Piece] = []
        var literal = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "$", chars[i + 2] == "{" {
                literal += "${"
                i += 3
                continue
            }
            if chars[i] == "$", i + 1 < chars.count, chars[i + 1] == "{" {
                guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                    throw SyntaxError(message: "'${' is not closed by '}'", offset: i, length: chars.count - i)
                }
                let body = String(chars[(i + 2)..<close])
                var name = body
                var def: String? = nil
                if let r = body.range(of: ":-") {
                    name = String(body[..<r.lowerBound])
                    def = String(body[r.upperBound...])
                }
                guard isName(name) else {
                    throw SyntaxError(
                        message: "'\(name)' is not a valid environment variable name (letters, digits and '_', not starting with a digit)",
                        offset: i, length: close - i + 1)
                }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
                pieces.append(.variable(Reference(name: name, defaultValue: def, offset: i, length: close - i + 1)))
                i = close + 1
                continue
            }
            literal.append(chars[i])
            i += 1
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.isASCII && f.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }

    /// True when the string holds something that looks like `${…}` (and is not `$${`).
    public static func mentionsVariable(_ s: String) -> Bool {
        guard s.contains("${") else { return false }
        return s.replacingOccurrences(of: "$${", with: "").contains("${")
    }
}

import Foundation
