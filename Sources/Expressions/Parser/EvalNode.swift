/// A node of the evaluation tree: the processed parse tree, frozen. Every field is a `let`, so
/// walking the tree costs no reference counting; built once per expression and shared by all
/// evaluations (on any thread).
final class Node: @unchecked Sendable {
    typealias Kind = PNode.Kind

    let kind: Kind
    let value: String
    /// The first byte of `value`: for unary nodes, which one (`-`, `[` or `{`) without comparing strings.
    let firstByte: UInt8
    let position: Int
    let literal: Value?
    let compiledRegex: CompiledRegex?
    let sym: Sym
    let binop: BinaryOp

    let lhs: Node?
    let rhs: Node?
    let expression: Node?
    let expressions: [Node]
    let pairs: [(Node, Node)]
    let procedure: Node?
    let arguments: [Node]
    let body: Node?
    let signature: Signature?
    let thunk: Bool
    let condition: Node?
    let then: Node?
    let otherwise: Node?
    let pattern: Node?
    let update: Node?
    let delete: Node?
    let steps: [Node]
    let stages: [Stage]?
    let predicate: [Stage]?
    let group: Group?
    let terms: [SortTerm]

    let keepArray: Bool
    let consarray: Bool
    let keepSingletonArray: Bool
    let tuple: Bool
    let focus: Sym?
    let index: Sym?
    /// The ancestor label this step binds (`%` resolved to this step), if any.
    let ancestorSym: Sym?
    /// For `%`: the label of the ancestor it reads.
    let slotSym: Sym

    let simpleNames: [String]?
    /// For name steps and paths of plain names: the first of the evaluator's lookup hints this
    /// node uses (one per name), numbered per expression; -1 for none. See ``Evaluator/hints``.
    let hintSlot: Int32
    let variableHead: Node?
    /// Set for nodes the evaluator reads without a full step (see ``Evaluator/eval(_:_:_:)``):
    /// a literal, or a single name (`qty`, as a path or a name) with no predicate or grouping.
    let leaf: Leaf
    /// For ``Leaf/name``: the name.
    let leafName: String
    let needsFrame: Bool
    let literalKeys: [String]?
    /// For `[lines.{"A": a, …}]` (an array constructor of one path: a plain name, then an
    /// object constructor with literal keys): the name step and the constructor, so that the
    /// array can be built straight from the input's objects (``Evaluator/mapObjects(_:_:_:)``).
    let objectMap: (name: Node, constructor: Node)?
    /// For `qty * unit_price * (1 + tax_rate)`: the operator tree of names and exact number
    /// literals (`+ - *`, four levels at most) in postfix order, so that
    /// ``Evaluator/exactTerm(_:_:)`` computes it in a loop. Nil for anything else.
    let exactProgram: [ExactStep]?
    /// The program reads `$number(name)`: usable only where `$number` is the library's
    /// (``Evaluator/exactProgram(_:_:)`` checks).
    let exactReadsNumber: Bool

    /// Freezes a processed parse tree; also gives the number of lookup hint slots it uses.
    static func build(_ root: PNode) -> (node: Node, hintSlots: Int) {
        var slots: Int32 = 0
        let node = build(root, &slots)
        return (node, Int(slots))
    }

    /// A parse node reached twice (the tree can share nodes) gives the same frozen node: each
    /// remembers its frozen form in `PNode.built`.
    private static func build(_ p: PNode, _ slots: inout Int32) -> Node {
        if let done = p.built { return done }
        let n = Node(p, &slots)
        p.built = n
        return n
    }

    private init(_ p: PNode, _ slots: inout Int32) {
        func b(_ x: PNode?) -> Node? { x.map { Node.build($0, &slots) } }
        func stages(_ s: [PStage]?) -> [Stage]? {
            s?.map { Stage(kind: $0.kind, expr: $0.expr.map { Node.build($0, &slots) }, indexSym: $0.indexSym, position: $0.position) }
        }
        kind = p.kind
        value = p.value
        firstByte = p.value.utf8.first ?? 0
        position = p.position
        literal = p.literal
        compiledRegex = p.compiledRegex
        sym = p.sym
        binop = p.binop
        lhs = b(p.lhs)
        rhs = b(p.rhs)
        expression = b(p.expression)
        expressions = p.expressions.map { Node.build($0, &slots) }
        pairs = p.pairs.map { (Node.build($0.0, &slots), Node.build($0.1, &slots)) }
        procedure = b(p.procedure)
        arguments = p.arguments.map { Node.build($0, &slots) }
        body = b(p.body)
        signature = p.signature
        thunk = p.thunk
        condition = b(p.condition)
        then = b(p.then)
        otherwise = b(p.otherwise)
        pattern = b(p.pattern)
        update = b(p.update)
        delete = b(p.delete)
        steps = p.steps.map { Node.build($0, &slots) }
        self.stages = stages(p.stages)
        predicate = stages(p.predicate)
        group = p.group.map { g in Group(pairs: g.pairs.map { (Node.build($0.0, &slots), Node.build($0.1, &slots)) }, position: g.position) }
        terms = p.terms.map { SortTerm(descending: $0.descending, expression: Node.build($0.expression, &slots)) }
        keepArray = p.keepArray
        consarray = p.consarray
        keepSingletonArray = p.keepSingletonArray
        tuple = p.tuple
        focus = p.focus
        index = p.index
        ancestorSym = p.ancestor?.sym
        slotSym = p.slot?.sym ?? -1
        simpleNames = p.simpleNames
        if let names = p.simpleNames {
            hintSlot = slots
            slots += Int32(names.count)
        } else if p.kind == .name {
            hintSlot = slots
            slots += 1
        } else {
            hintSlot = -1
        }
        variableHead = b(p.variableHead)
        let plain = p.predicate == nil && p.group == nil && p.stages == nil && !p.keepArray && p.focus == nil && p.index == nil
            && p.ancestor == nil && !p.tuple
        switch p.kind {
        case .path where plain && p.variableHead == nil && p.simpleNames?.count == 1:
            leaf = .name
            leafName = p.simpleNames![0]
        case .name where plain:
            leaf = .name
            leafName = p.value
        case .string where plain, .number where plain, .value where plain:
            leaf = .literal
            leafName = ""
        case .path where plain && p.variableHead != nil && p.simpleNames != nil:
            leaf = .variablePath
            leafName = ""
        case .block where plain && !p.needsFrame && p.expressions.count == 1:
            leaf = .inner
            leafName = ""
        case .binary where plain && p.binop != .range && p.binop != .none:
            leaf = .binary
            leafName = ""
        default:
            leaf = .none
            leafName = ""
        }
        needsFrame = p.needsFrame
        literalKeys = p.literalKeys
        objectMap = kind == .unary && firstByte == UInt8(ascii: "[") && expressions.count == 1
            ? Node.objectMap(expressions[0]) : nil
        var program: [ExactStep] = []
        if leaf == .binary, let l = lhs, let r = rhs, let op = ExactStep(binop), Node.compileExact(l, level: 1, into: &program),
            Node.compileExact(r, level: 1, into: &program)
        {
            program.append(op)
            exactProgram = program
            exactReadsNumber = program.contains { if case .numberOf = $0 { return true } else { return false } }
        } else {
            exactProgram = nil
            exactReadsNumber = false
        }
    }

    private static func compileExact(_ node: Node, level: Int, into program: inout [ExactStep]) -> Bool {
        let node = node.leaf == .inner ? node.expressions[0] : node
        switch node.leaf {
        case .name:
            program.append(.name(node.leafName, node.hintSlot))
            return true
        case .literal:
            guard case .number(let n)? = node.literal, n.isExact else { return false }
            program.append(.literal(n.m, Int(n.e)))
            return true
        case .binary:
            guard level < 4, let lhs = node.lhs, let rhs = node.rhs, let op = ExactStep(node.binop) else { return false }
            guard compileExact(lhs, level: level + 1, into: &program), compileExact(rhs, level: level + 1, into: &program) else { return false }
            program.append(op)
            return true
        default:
            // `$number(qty)`: a plain call of `$number` on one plain name
            guard node.kind == .function, let p = node.procedure, p.kind == .variable, p.value == "number", p.predicate == nil,
                  p.group == nil, p.stages == nil, !p.keepArray, node.arguments.count == 1, node.arguments[0].leaf == .name,
                  node.predicate == nil, node.group == nil, node.stages == nil, !node.keepArray, node.focus == nil, node.index == nil,
                  node.ancestorSym == nil, !node.tuple
            else { return false }
            program.append(.numberOf(node.arguments[0].leafName, node.arguments[0].hintSlot))
            return true
        }
    }

    /// `name.{…}` with literal keys and nothing else on either step: an object built per item
    /// of an array of objects (see ``Evaluator/mapObjects(_:_:_:_:)``).
    static func objectMap(_ path: Node) -> (name: Node, constructor: Node)? {
        func plain(_ n: Node) -> Bool {
            n.predicate == nil && n.group == nil && n.stages == nil && !n.keepArray && n.focus == nil && n.index == nil
                && n.ancestorSym == nil && !n.tuple
        }
        guard path.kind == .path, plain(path), !path.keepSingletonArray, path.steps.count == 2 else { return nil }
        let name = path.steps[0]
        let constructor = path.steps[1]
        guard name.kind == .name, plain(name), !name.consarray, constructor.kind == .unary,
            constructor.firstByte == UInt8(ascii: "{"), constructor.literalKeys != nil, plain(constructor)
        else { return nil }
        return (name, constructor)
    }
}

/// One step of ``Node/exactProgram`` (and of a ``DirectForm``'s arithmetic).
enum ExactStep {
    case name(String, Int32)
    /// `$number(name)`, when `$number` is the library's (see ``Node/exactReadsNumber``).
    case numberOf(String, Int32)
    case literal(Int64, Int)
    case mul, add, sub
}

/// How ``Evaluator/eval(_:_:_:)`` reads a node without the full step (no predicate, grouping,
/// focus, index or ancestor binding on the node, so the step's own post-processing is a no-op).
enum Leaf: UInt8 {
    case none
    /// A single name (as a path or a name step).
    case name
    /// A literal.
    case literal
    /// `$x.a.b`: read directly while the values on the way are objects.
    case variablePath
    /// A block of one expression that binds nothing: that expression.
    case inner
    /// A binary operator whose result is never a sequence (all but `..`).
    case binary
}

struct Stage {
    typealias Kind = PStage.Kind
    let kind: Kind
    let expr: Node?
    let indexSym: Sym
    let position: Int
}

struct Group {
    let pairs: [(Node, Node)]
    let position: Int
}

struct SortTerm {
    let descending: Bool
    let expression: Node
}

extension ExactStep {
    init?(_ op: BinaryOp) {
        switch op {
        case .mul: self = .mul
        case .add: self = .add
        case .sub: self = .sub
        default: return nil
        }
    }

    var isAdd: Bool {
        if case .add = self { return true }
        return false
    }
}
