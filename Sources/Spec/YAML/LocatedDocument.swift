import Diagnostics
import JSONModel

/// A YAML (or JSON) document read as JSON, with where every value and member name sits in the text.
///
/// Checks work on the ``JSONValue`` and ask for a pointer's ``location(of:preferKey:)`` only when
/// they report a problem.
public struct LocatedDocument: Sendable {
    public struct Span: Sendable, Hashable {
        public var start: YAMLMark
        public var end: YAMLMark
        /// Where the member name is, for values inside mappings.
        public var keyStart: YAMLMark?
        public var keyLength: Int
        /// How a scalar was written (nil for collections).
        public var style: YAMLScalarStyle?
    }

    public let file: String
    public let value: JSONValue
    public let spans: [JSONPointer: Span]

    public init(file: String, value: JSONValue, spans: [JSONPointer: Span]) {
        self.file = file
        self.value = value
        self.spans = spans
    }

    /// Where the value at `pointer` is; with `preferKey`, where its member name is (for "unknown
    /// field" and "missing field" reports). Falls back to the nearest ancestor that has a span.
    public func location(of pointer: JSONPointer, preferKey: Bool = false) -> SourceLocation {
        var p: JSONPointer? = pointer
        while let cur = p {
            if let s = spans[cur] {
                if preferKey, let k = s.keyStart {
                    return SourceLocation(file: file, line: k.line, column: k.column, length: s.keyLength)
                }
                return SourceLocation(file: file, line: s.start.line, column: s.start.column, length: length(of: s))
            }
            p = cur.parent
        }
        return SourceLocation(file: file, line: 1, column: 1)
    }

    /// The location of a character range inside a scalar string value (for a bad token inside
    /// an expression or a cron field). Exact for plain and quoted one-line scalars; for block
    /// scalars and multi-line strings it points at the value's start.
    public func location(of pointer: JSONPointer, characterOffset: Int, length: Int) -> SourceLocation {
        guard let s = spans[pointer], let style = s.style, s.start.line == s.end.line else {
            return location(of: pointer)
        }
        let quote = (style == .singleQuoted || style == .doubleQuoted) ? 1 : 0
        if style == .doubleQuoted || style == .singleQuoted {
            // Escapes shift columns; only trust the offset when the raw text has none.
            let raw = s.end.offset - s.start.offset - 2
            if let text = value.value(at: pointer)?.stringValue, raw != text.count {
                return location(of: pointer)
            }
        }
        if style == .literal || style == .folded { return location(of: pointer) }
        return SourceLocation(
            file: file, line: s.start.line, column: s.start.column + quote + characterOffset, length: length)
    }

    private func length(of s: Span) -> Int {
        if s.start.line == s.end.line { return max(1, s.end.offset - s.start.offset) }
        return 1
    }
}

/// Resolves a composed YAML tree into JSON the way JSON would read it.
///
/// Plain scalars become `null` (`null`, `~`, empty), booleans (`true`/`false` in any case form
/// YAML 1.2 allows), numbers only when they follow JSON's number grammar, and strings otherwise:
/// `NO`, `yes`, `off`, `2026-01-01`, `0200` and `1_000` stay strings. Quoted scalars are always
/// strings. Explicit core tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`) are honoured.
public enum YAMLJSONResolver {
    public static func resolve(_ root: YAMLNode, file: String) throws(YAMLComposer.Failure) -> LocatedDocument {
        var spans: [JSONPointer: LocatedDocument.Span] = [:]
        let value = try convert(root, pointer: .root, key: nil, file: file, spans: &spans)
        return LocatedDocument(file: file, value: value, spans: spans)
    }

    private static func convert(
        _ node: YAMLNode, pointer: JSONPointer, key: (YAMLMark, Int)?, file: String,
        spans: inout [JSONPointer: LocatedDocument.Span]
    ) throws(YAMLComposer.Failure) -> JSONValue {
        var span = LocatedDocument.Span(start: node.start, end: node.end, keyStart: key?.0, keyLength: key?.1 ?? 1, style: nil)
        let result: JSONValue
        switch node.kind {
        case .scalar(let text, let style, let tag):
            span.style = style
            result = try scalar(text, style: style, tag: tag, at: node.start, file: file)
        case .sequence(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                out.append(try convert(item, pointer: pointer.appending(i), key: nil, file: file, spans: &spans))
            }
            result = .array(out)
        case .mapping(let pairs):
            var o = JSONObject()
            for p in pairs {
                let v = try convert(
                    p.value, pointer: pointer.appending(p.name), key: (p.key.start, max(1, p.name.count)), file: file,
                    spans: &spans)
                o[p.name] = v
            }
            result = .object(o)
        }
        spans[pointer] = span
        return result
    }

    static let coreTag = "tag:yaml.org,2002:"

    static func scalar(_ text: String, style: YAMLScalarStyle, tag: String?, at mark: YAMLMark, file: String)
        throws(YAMLComposer.Failure) -> JSONValue
    {
        if let tag, tag != "!" {
            let loc = SourceLocation(file: file, line: mark.line, column: mark.column)
            switch tag {
            case coreTag + "str": return .string(text)
            case coreTag + "null": return .null
            case coreTag + "bool":
                if let b = bool(text) { return .bool(b) }
                throw YAMLComposer.Failure(diagnostic: .error("type_mismatch", "'\(text)' is tagged !!bool but is not true or false", at: loc))
            case coreTag + "int", coreTag + "float":
                if let n = JSONNumber(literal: text) { return .number(n) }
                throw YAMLComposer.Failure(diagnostic: .error("type_mismatch", "'\(text)' is tagged as a number but is not one", at: loc))
            default:
                throw YAMLComposer.Failure(diagnostic: .error(
                    "yaml_syntax", "unsupported YAML tag '\(tag)'", at: loc,
                    hint: "pipeline files use plain JSON-like values; remove the tag"))
            }
        }
        guard style == .plain, tag == nil else { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        if let b = bool(text) { return .bool(b) }
        if let first = text.utf8.first, first == UInt8(ascii: "-") || (first >= 48 && first <= 57),
            let n = JSONNumber(literal: text)
        {
            return .number(n)
        }
        return .string(text)
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }
}
