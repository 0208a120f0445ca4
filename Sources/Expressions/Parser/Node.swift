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

    @exclusivity(unchecked) var kind: Kind
    /// Operator symbol, name, variable name, or string literal contents.
    @exclusivity(unchecked) var value: String
    /// Offset of the token's first character (Unicode scalars).
    @exclusivity(unchecked) var position: Int
    @exclusivity(unchecked) var endPosition: Int

    @exclusivity(unchecked) var literal: Value? = nil
    @exclusivity(unchecked) var regex: RegexLiteral? = nil
    @exclusivity(unchecked) var compiledRegex: CompiledRegex? = nil
    /// Interned variable name (variables, focus/index names).
    @exclusivity(unchecked) var sym: Sym = 0

    @exclusivity(unchecked) var lhs: Node? = nil
    @exclusivity(unchecked) var rhs: Node? = nil
    @exclusivity(unchecked) var expression: Node? = nil
    @exclusivity(unchecked) var expressions: [Node] = []
    /// Object constructor name/value pairs.
    @exclusivity(unchecked) var pairs: [(Node, Node)] = []
    @exclusivity(unchecked) var procedure: Node? = nil
    @exclusivity(unchecked) var arguments: [Node] = []
    @exclusivity(unchecked) var body: Node? = nil
    @exclusivity(unchecked) var signature: Signature? = nil
    @exclusivity(unchecked) var thunk = false
    @exclusivity(unchecked) var condition: Node? = nil
    @exclusivity(unchecked) var then: Node? = nil
    @exclusivity(unchecked) var otherwise: Node? = nil
    @exclusivity(unchecked) var pattern: Node? = nil
    @exclusivity(unchecked) var update: Node? = nil
    @exclusivity(unchecked) var delete: Node? = nil
    @exclusivity(unchecked) var steps: [Node] = []
    @exclusivity(unchecked) var stages: [Stage]? = nil
    @exclusivity(unchecked) var predicate: [Stage]? = nil
    @exclusivity(unchecked) var group: Group? = nil
    @exclusivity(unchecked) var terms: [SortTerm] = []
    @exclusivity(unchecked) var rawTerms: [(descending: Bool, expression: Node)] = []

    @exclusivity(unchecked) var keepArray = false
    @exclusivity(unchecked) var consarray = false
    @exclusivity(unchecked) var keepSingletonArray = false
    @exclusivity(unchecked) var tuple = false
    @exclusivity(unchecked) var focus: Sym? = nil
    @exclusivity(unchecked) var index: Sym? = nil
    @exclusivity(unchecked) var ancestor: Slot? = nil
    @exclusivity(unchecked) var seekingParent: [Slot]? = nil
    @exclusivity(unchecked) var slot: Slot? = nil
    /// Operator code for binary nodes.
    @exclusivity(unchecked) var binop: BinaryOp = .none

    // Evaluation shortcuts, set once the tree is complete (``Processor/optimize(_:)``).
    /// A path of plain names (`a.b.c`), looked up directly while the values are objects.
    /// With `variableHead`, the names follow a variable (`$x.b.c`).
    @exclusivity(unchecked) var variableHead: Node? = nil
    @exclusivity(unchecked) var simpleNames: [String]? = nil
    /// A block that binds variables and so needs its own scope.
    @exclusivity(unchecked) var needsFrame = true
    /// An object constructor whose keys are distinct string literals.
    @exclusivity(unchecked) var literalKeys: [String]? = nil

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
    @exclusivity(unchecked) var label: String
    @exclusivity(unchecked) var level: Int
    @exclusivity(unchecked) var index: Int
    @exclusivity(unchecked) var sym: Sym = 0
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
