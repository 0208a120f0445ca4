/// A node of the expression tree: first the parse tree (mirroring JSONata's own), then, after
/// ``Processor`` has run, the evaluation tree (paths flattened into steps, predicates into
/// stages, ancestors resolved). Built once per expression; read-only during evaluation.
final class Node: @unchecked Sendable {
    enum Kind {
        // parse-only kinds
        case op          // an operator token used as a prefix/led symbol
        case end
        case unary       // '-' (expression), '[' array constructor, '{' object constructor
        case binary
        // literals and names
        case name, variable, string, number, value, regex
        // structure
        case path, function, partial, lambda, condition, coalesce, elvis, block, transform
        case wildcard, descendant, parent, bind, apply, sort, placeholder
    }

    var kind: Kind
    /// Operator symbol, name, variable name, or string literal contents.
    var value: String
    /// Offset of the token's first character (Unicode scalars).
    var position: Int
    var endPosition: Int

    var literal: Value? = nil
    var regex: RegexLiteral? = nil
    var compiledRegex: CompiledRegex? = nil
    /// Interned variable name (variables, focus/index names).
    var sym: Sym = 0

    var lhs: Node? = nil
    var rhs: Node? = nil
    var expression: Node? = nil
    var expressions: [Node] = []
    /// Object constructor name/value pairs.
    var pairs: [(Node, Node)] = []
    var procedure: Node? = nil
    var arguments: [Node] = []
    var body: Node? = nil
    var signature: Signature? = nil
    var thunk = false
    var condition: Node? = nil
    var then: Node? = nil
    var otherwise: Node? = nil
    var pattern: Node? = nil
    var update: Node? = nil
    var delete: Node? = nil
    var steps: [Node] = []
    var stages: [Stage]? = nil
    var predicate: [Stage]? = nil
    var group: Group? = nil
    var terms: [SortTerm] = []
    var rawTerms: [(descending: Bool, expression: Node)] = []

    var keepArray = false
    var consarray = false
    var keepSingletonArray = false
    var tuple = false
    var focus: Sym? = nil
    var index: Sym? = nil
    var ancestor: Slot? = nil
    var seekingParent: [Slot]? = nil
    var slot: Slot? = nil
    /// Operator code for binary nodes.
    var binop: BinaryOp = .none

    init(_ kind: Kind, _ value: String, position: Int, end: Int) {
        self.kind = kind
        self.value = value
        self.position = position
        self.endPosition = end
    }

    var hasSeekingParent: Bool { seekingParent != nil }
}

enum BinaryOp {
    case none, add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, concat, and, or, range, inOp
}

/// An ancestor reference (`%`) waiting for the step that binds it.
final class Slot: @unchecked Sendable {
    var label: String
    var level: Int
    var index: Int
    var sym: Sym = 0
    init(label: String, level: Int, index: Int) {
        self.label = label
        self.level = level
        self.index = index
    }
}

struct Stage {
    enum Kind { case filter, index }
    var kind: Kind
    var expr: Node?
    var indexSym: Sym = 0
    var position: Int
}

struct Group {
    var pairs: [(Node, Node)]
    var position: Int
}

struct SortTerm {
    var descending: Bool
    var expression: Node
}
