/// A position in YAML text: 1-based line and column (characters), 0-based character offset.
public struct YAMLMark: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (lhs: YAMLMark, rhs: YAMLMark) -> Bool { lhs.offset < rhs.offset }
}

/// How a scalar was written; quoted scalars are always strings.
public enum YAMLScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

/// A node of a composed YAML document, with where it starts and ends in the text.
///
/// Aliases are resolved: an alias becomes the anchored node (sharing its storage and its
/// location, which is where the text actually is).
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        case scalar(String, YAMLScalarStyle, tag: String?)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var kind: Kind
    public var start: YAMLMark
    public var end: YAMLMark

    public init(kind: Kind, start: YAMLMark, end: YAMLMark) {
        self.kind = kind
        self.start = start
        self.end = end
    }
}

public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
    /// The key as text (keys are strings, as in JSON).
    public var name: String
}
