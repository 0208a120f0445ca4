/// A node of the parse tree (mirroring JSONata's own), reshaped in place by ``Processor``
/// (paths flattened into steps, predicates into stages, ancestors resolved), then frozen into
/// the immutable evaluation tree (``Node``).
final class PNode {
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

    @exclusivity(unchecked) var lhs: PNode? = nil
    @exclusivity(unchecked) var rhs: PNode? = nil
    @exclusivity(unchecked) var expression: PNode? = nil
    @exclusivity(unchecked) var expressions: [PNode] = []
    /// Object constructor name/value pairs.
    @exclusivity(unchecked) var pairs: [(PNode, PNode)] = []
    @exclusivity(unchecked) var procedure: PNode? = nil
    @exclusivity(unchecked) var arguments: [PNode] = []
    @exclusivity(unchecked) var body: PNode? = nil
    @exclusivity(unchecked) var signature: Signature? = nil
    @exclusivity(unchecked) var thunk = false
    @exclusivity(unchecked) var condition: PNode? = nil
    @exclusivity(unchecked) var then: PNode? = nil
    @exclusivity(unchecked) var otherwise: PNode? = nil
    @exclusivity(unchecked) var pattern: PNode? = nil
    @exclusivity(unchecked) var update: PNode? = nil
    @exclusivity(unchecked) var delete: PNode? = nil
    @exclusivity(unchecked) var steps: [PNode] = []
    @exclusivity(unchecked) var stages: [PStage]? = nil
    @exclusivity(unchecked) var predicate: [PStage]? = nil
    @exclusivity(unchecked) var group: PGroup? = nil
    @exclusivity(unchecked) var terms: [PSortTerm] = []
    @exclusivity(unchecked) var rawTerms: [(descending: Bool, expression: PNode)] = []

    @exclusivity(unchecked) var keepArray = false
    @exclusivity(unchecked) var consarray = false
    @exclusivity(unchecked) var keepSingletonArray = false
    @exclusivity(unchecked) var tuple = false
    @exclusivity(unchecked) var focus: Sym? = nil
    @exclusivity(unchecked) var index: Sym? = nil
    @exclusivity(unchecked) var ancestor: Slot? = nil
    @exclusivity(unchecked) var seekingParent: [Slot]? = nil
    @exclusivity(unchecked) var slot: Slot? = nil
    /// Set once ``Processor/optimize(_:)`` has visited this node (a node can be reached twice).
    @exclusivity(unchecked) var optimized = false
    /// The frozen node built from this one (see ``Node/build(_:)``; a node can be reached twice).
    @exclusivity(unchecked) var built: Node? = nil
    /// For operator tokens: the left binding power (looked up once, read at every step of the
    /// Pratt loop).
    @exclusivity(unchecked) var bindingPower = 0
    /// Operator code for binary nodes.
    @exclusivity(unchecked) var binop: BinaryOp = .none

    // Evaluation shortcuts, set once the tree is complete (``Processor/optimize(_:)``).
    /// A path of plain names (`a.b.c`), looked up directly while the values are objects.
    /// With `variableHead`, the names follow a variable (`$x.b.c`).
    @exclusivity(unchecked) var variableHead: PNode? = nil
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

struct PStage {
    enum Kind { case filter, index }
    var kind: Kind
    var expr: PNode?
    var indexSym: Sym = 0
    var position: Int
}

struct PGroup {
    var pairs: [(PNode, PNode)]
    var position: Int
}

struct PSortTerm {
    var descending: Bool
    var expression: PNode
}
