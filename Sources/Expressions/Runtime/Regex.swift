import Foundation
import RuntimeSupport

/// A regular expression literal compiled once: JavaScript syntax translated to ICU's where they
/// differ (`\d`, `\w` are ASCII-only, `$` matches only at the very end without `m`, `[^]`).
final class CompiledRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and safe to share between threads.
    let source: String
    let regex: NSRegularExpression

    init?(_ literal: RegexLiteral) {
        source = literal.pattern
        guard let translated = CompiledRegex.translate(literal.pattern, multiline: literal.flags.contains("m")) else { return nil }
        var options: NSRegularExpression.Options = []
        if literal.flags.contains("i") { options.insert(.caseInsensitive) }
        if literal.flags.contains("m") { options.insert(.anchorsMatchLines) }
        guard let re = try? NSRegularExpression(pattern: translated, options: options) else { return nil }
        regex = re
    }

    static func translate(_ source: String, multiline: Bool) -> String? {
        ECMARegexSyntax.translate(source, multiline: multiline)
    }
}

/// One match of a matcher (a regex or a custom matcher function).
struct MatchResult {
    var match: String
    /// UTF-16 offsets, as JavaScript reports them.
    var start: Int
    var end: Int
    var groups: [Value]
}

/// Walks the matches of a matcher over a string the way JSONata does (`next()` after each
/// match; an empty match after the first is error D1004).
struct MatchCursor {
    private enum Source {
        case regex(CompiledRegex, NSString)
        case custom(next: Value?)
    }

    private var source: Source
    private var lastIndex = 0
    private let length: Int
    private unowned let ev: Evaluator
    private let site: CallSite

    /// The first match of `matcher` in `string`, or nil.
    static func first(_ matcher: Value?, _ string: String, site: CallSite) throws(ExpressionError) -> (MatchResult, MatchCursor)? {
        guard case .function(let f)? = matcher else { return nil }
        if f.kind == .regex {
            let r = unsafeDowncast(f, to: RegexFunction.self)
            let ns = string as NSString
            var cursor = MatchCursor(source: .regex(r.regex, ns), length: ns.length, ev: site.ev, site: site)
            guard let m = cursor.exec(r.regex, ns, from: 0) else { return nil }
            return (m, cursor)
        }
        let res = try site.ev.apply(matcher, [.string(string)], site.input, site.frame)
        guard let (m, next) = try MatchCursor.decode(res) else { return nil }
        let cursor = MatchCursor(source: .custom(next: next), length: (string as NSString).length, ev: site.ev, site: site)
        return (m, cursor)
    }

    private init(source: Source, length: Int, ev: Evaluator, site: CallSite) {
        self.source = source
        self.length = length
        self.ev = ev
        self.site = site
    }

    private mutating func exec(_ r: CompiledRegex, _ ns: NSString, from: Int) -> MatchResult? {
        guard from <= ns.length,
            let m = r.regex.firstMatch(in: ns as String, options: [], range: NSRange(location: from, length: ns.length - from))
        else { return nil }
        let range = m.range
        var groups: [Value] = []
        if m.numberOfRanges > 1 {
            for g in 1..<m.numberOfRanges {
                let gr = m.range(at: g)
                groups.append(gr.location == NSNotFound ? .string("") : .string(ns.substring(with: gr)))
            }
        }
        lastIndex = range.location + range.length
        return MatchResult(match: ns.substring(with: range), start: range.location, end: range.location + range.length, groups: groups)
    }

    /// The next match, or nil.
    mutating func next() throws(ExpressionError) -> MatchResult? {
        switch source {
        case .regex(let r, let ns):
            if lastIndex >= length { return nil }
            guard let m = exec(r, ns, from: lastIndex) else { return nil }
            if m.match.isEmpty {
                throw ExpressionError.make("D1004", value: .string(r.source))
            }
            return m
        case .custom(let next):
            guard let next, next.isFunction else { return nil }
            let res = try ev.apply(next, [], site.input, site.frame)
            guard let (m, n) = try MatchCursor.decode(res) else { return nil }
            source = .custom(next: n)
            return m
        }
    }

    /// Reads a match object returned by a custom matcher function.
    private static func decode(_ res: Value?) throws(ExpressionError) -> (MatchResult, Value?)? {
        guard let res else { return nil }
        let start = res.member("start")
        let end = res.member("end")
        let groups = res.member("groups")
        let next = res.member("next")
        let ok = start?.isNumber == true || end?.isNumber == true || groups?.isArray == true || next?.isFunction == true
        if !ok {
            throw ExpressionError.make("T1010")
        }
        let s = Int(start?.num?.d ?? 0)
        let e = Int(end?.num?.d ?? 0)
        let match: String
        if case .string(let m)? = res.member("match") { match = m } else { match = "" }
        return (MatchResult(match: match, start: s, end: e, groups: groups?.elements ?? []), next)
    }
}

extension CompiledRegex {
    /// The match object a regex returns when called as a function: `{match, start, end, groups, next}`.
    func matchObject(_ s: String, from: Int, function: RegexFunction) -> Value? {
        let ns = s as NSString
        guard from <= ns.length,
            let m = regex.firstMatch(in: s, options: [], range: NSRange(location: from, length: ns.length - from))
        else { return nil }
        let o = JObject()
        o["match"] = .string(ns.substring(with: m.range))
        o["start"] = .int(m.range.location)
        o["end"] = .int(m.range.location + m.range.length)
        var groups: [Value] = []
        if m.numberOfRanges > 1 {
            for g in 1..<m.numberOfRanges {
                let gr = m.range(at: g)
                groups.append(gr.location == NSNotFound ? .string("") : .string(ns.substring(with: gr)))
            }
        }
        o["groups"] = .array(JArray(groups))
        let nextIndex = m.range.location + m.range.length
        let source = self.source
        o["next"] = .function(
            Builtin(name: "next", signature: nil, arity: 0) { _, _ throws(ExpressionError) in
                if nextIndex >= (s as NSString).length { return nil }
                let r = function.regex.matchObject(s, from: nextIndex, function: function)
                if case .string(let m)? = r?.member("match"), m.isEmpty {
                    throw ExpressionError.make("D1004", value: .string(source))
                }
                return r
            })
        return .object(o)
    }
}
