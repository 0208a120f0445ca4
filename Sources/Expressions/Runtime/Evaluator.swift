import Foundation
import JSONModel

/// One binding tuple of a path that binds focus (`@`), index (`#`) or ancestor (`%`) variables.
struct Tuple {
    var context: Value?
    var binds: [(Sym, Value?)] = []

    @inline(__always) mutating func set(_ s: Sym, _ v: Value?) {
        for i in 0..<binds.count where binds[i].0 == s {
            binds[i].1 = v
            return
        }
        binds.append((s, v))
    }

    func get(_ s: Sym) -> Value?? {
        for b in binds where b.0 == s { return .some(b.1) }
        return nil
    }
}

final class TupleStream: @unchecked Sendable {
    var tuples: [Tuple]
    init(_ tuples: [Tuple]) { self.tuples = tuples }
}

/// Evaluates a compiled tree. One evaluator per `evaluate` call (it holds the depth counter,
/// the deadline and the stack guard).
final class Evaluator {
    let functions: FunctionTable
    let maxDepth: Int
    /// The evaluation's time budget, and the instant it runs out. The clock is first read at the
    /// first deadline check (every 256 steps), not when the evaluation starts: most evaluations
    /// of a pipeline's mapping end before that, and never read it.
    var budget: Duration?
    var deadline: ContinuousClock.Instant?
    var stackFloor: UInt
    /// The evaluation's `$now()`, in milliseconds: read from the clock at the first call, then
    /// the same for every call of that evaluation.
    var timestamp: Double {
        if let stamp { return stamp }
        let now = (Date().timeIntervalSince1970 * 1000).rounded(.down)
        stamp = now
        return now
    }
    var stamp: Double?
    /// ``NumberMode/ieee``: arithmetic, aggregates, comparisons and equality on doubles only.
    let ieee: Bool
    /// Depth and tick counters behind a pointer: no exclusivity checks on the hot path.
    let counters: UnsafeMutablePointer<(depth: Int, ticks: Int)>
    var depth: Int {
        get { counters.pointee.depth }
        set { counters.pointee.depth = newValue }
    }

    /// Member-lookup hints, one per name a path of the expression reads (``Node/hintSlot``): the
    /// position in its object where the name was last found. Objects of one shape (the records
    /// of a document) keep a name at one position, so a lookup mostly compares one name instead
    /// of searching. Per evaluation, so never shared between threads; a tree parsed later by
    /// `$eval` numbers its slots from 0 again, and a slot past `hintCount` uses no hint. A hint
    /// only ever saves time: every lookup checks the name at the hinted position.
    let hints: UnsafeMutablePointer<Int32>
    let hintCount: Int
    /// The direct forms of object constructors' values (see ``directForms(_:_:)``), by
    /// constructor; the node is kept so that its identity is not reused. A handful at most.
    var constructorForms: [ObjectIdentifier: (node: Node, forms: [DirectForm?])] = [:]

    deinit {
        counters.deallocate()
        hints.deallocate()
    }

    init(
        functions: FunctionTable, maxDepth: Int, stackFloor: UInt, ieee: Bool, hintSlots: Int = 0
    ) {
        hintCount = hintSlots
        hints = UnsafeMutablePointer<Int32>.allocate(capacity: Swift.max(hintSlots, 1))
        hints.initialize(repeating: 0, count: Swift.max(hintSlots, 1))
        self.ieee = ieee
        self.functions = functions
        self.maxDepth = maxDepth
        self.stackFloor = stackFloor
        counters = UnsafeMutablePointer<(depth: Int, ticks: Int)>.allocate(capacity: 1)
        counters.initialize(to: (0, 0))
    }

    // MARK: - Dispatch

    @inline(__always) func enter(_ node: Node) throws(ExpressionError) {
        let c = counters
        c.pointee.depth += 1
        if c.pointee.depth > maxDepth {
            throw ExpressionError.make("U1001", position: node.position, detail: "depth")
        }
        // Each level uses at most a few kilobytes of stack: checking every eighth level is enough
        // with the guard's margin.
        if c.pointee.depth & 7 == 0 && StackGuard.currentAddress() < stackFloor {
            throw ExpressionError.stackExhausted(position: node.position)
        }
        c.pointee.ticks &+= 1
        if c.pointee.ticks & 255 == 0 { try checkDeadline(node) }
    }

    @inline(never) func checkDeadline(_ node: Node) throws(ExpressionError) {
        guard let budget else { return }
        let now = ContinuousClock.now
        guard let deadline else {
            deadline = now.advanced(by: budget)
            return
        }
        if now > deadline {
            throw ExpressionError.make("U1001", position: node.position, detail: "timeout")
        }
    }

    /// Evaluates a node; literals and single names on an input object (most leaves of a tree)
    /// are read here, without the full step (depth and deadline accounting included: a leaf
    /// never recurses).
    @inline(__always)
    func eval(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        switch node.leaf {
        case .name:
            if case .jobject(let o)? = input { return member(o, node.leafName, hintSlot: node.hintSlot) }
        case .literal:
            return node.literal
        case .none:
            break
        default:
            return try evalShortcut(node, input, frame)
        }
        return try evalNode(node, input, frame)
    }

    /// The other leaves (``Leaf/variablePath``, ``Leaf/inner``, ``Leaf/binary``): out of line,
    /// so that `eval`, inlined at every call, stays small. Blocks and operators are counted in
    /// the depth like any step.
    @inline(never)
    func evalShortcut(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        switch node.leaf {
        case .variablePath:
            if let found = directLookup(node.simpleNames!, hintSlot: node.hintSlot, evalVariable(node.variableHead!, input, frame)) {
                return found.value
            }
            return try evalNode(node, input, frame)
        case .inner:
            try enter(node)
            defer { counters.pointee.depth -= 1 }
            return try eval(node.expressions[0], input, frame)
        case .binary:
            if case .jobject(let o)? = input {
                // `qty * unit_price`: names and literals in exact numbers (anything else, and the
                // IEEE mode, take the general way below, which gives the same result or error)
                if let program = exactProgram(node, frame), let (m, e) = exactTerm(program, o) { return .number(Num(m: m, e: e)) }
                if let b = equality(node, o) { return .bool(b) }
            }
            try enter(node)
            defer { counters.pointee.depth -= 1 }
            return try evalBinary(node, input, frame)
        default:
            return try evalNode(node, input, frame)
        }
    }

    /// `tax_rate = 0`, `status != "voided"` on an input object: a name compared with a literal
    /// string or number straight from the input's JSON. Nil when the general evaluation is
    /// needed (another operator or operand, a member that is an object or an array); the
    /// general path gives the same answer (comparing scalars of different types is false, and
    /// an undefined side makes both `=` and `!=` false).
    @inline(__always)
    func equality(_ node: Node, _ o: JSONObject) -> Bool? {
        let op = node.binop
        guard op == .eq || op == .ne else { return nil }
        var name = node.lhs!
        var literal = node.rhs!
        if name.leaf != .name { swap(&name, &literal) }
        guard name.leaf == .name, literal.leaf == .literal, let lit = literal.literal else { return nil }
        guard let j = memberJSON(o, name.leafName, hintSlot: name.hintSlot) else { return false }
        let equal: Bool
        switch (j, lit) {
        case (.number(let a), .number(let b)): equal = Num.equal(Num(a), b, ieee: ieee)
        case (.string(let a), .string(let b)): equal = Evaluator.sameText(a, b)
        case (.object, _), (.array, _): return nil
        case (_, .number), (_, .string): equal = false
        default: return nil
        }
        return op == .eq ? equal : !equal
    }

    func evalNode(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        try enter(node)
        defer { counters.pointee.depth -= 1 }
        var result: Value?
        switch node.kind {
        case .path:
            if let names = node.simpleNames, node.variableHead == nil, names.count == 1, case .jobject(let o)? = input {
                // one name on an input object (`qty`): the commonest path of all
                result = member(o, names[0], hintSlot: node.hintSlot)
            } else if let names = node.simpleNames,
                let fast = directLookup(names, hintSlot: node.hintSlot, node.variableHead.map { evalVariable($0, input, frame) } ?? input)
            {
                result = fast.value
            } else {
                result = try evalPath(node, input, frame)
            }
        case .binary:
            result = try evalBinary(node, input, frame)
        case .unary:
            result = try evalUnary(node, input, frame)
        case .name:
            if case .jobject(let o)? = input {
                result = member(o, node.value, hintSlot: node.hintSlot)
            } else {
                result = Evaluator.lookup(input, node.value)
            }
        case .string, .number, .value:
            result = node.literal
        case .wildcard:
            result = try evalWildcard(input)
        case .descendant:
            result = try evalDescendants(input)
        case .parent:
            result = frame.lookup(node.slotSym) ?? nil
        case .condition:
            let c = try eval(node.condition!, input, frame)
            if Evaluator.boolean(c) == true {
                result = try eval(node.then!, input, frame)
            } else if let e = node.otherwise {
                result = try eval(e, input, frame)
            }
        case .coalesce:
            let c = try eval(node.condition!, input, frame)
            result = c != nil ? c : try eval(node.otherwise!, input, frame)
        case .elvis:
            let c = try eval(node.condition!, input, frame)
            result = Evaluator.boolean(c) == true ? c : try eval(node.otherwise!, input, frame)
        case .block:
            let inner = node.needsFrame ? Frame(parent: frame) : frame
            for e in node.expressions {
                result = try eval(e, input, inner)
            }
        case .bind:
            let v = try eval(node.rhs!, input, frame)
            frame.bind(node.lhs!.sym, v)
            result = v
        case .regex:
            result = .function(RegexFunction(node.compiledRegex!))
        case .function:
            result = try evalFunction(node, input, frame, applyTo: nil)
        case .variable:
            result = evalVariable(node, input, frame)
        case .lambda:
            result = .function(
                Lambda(
                    params: node.arguments.map(\.sym), body: node.thunk ? node.body! : node.body!, input: input, frame: frame,
                    signature: node.signature, isThunk: node.thunk))
        case .partial:
            result = try evalPartial(node, input, frame)
        case .apply:
            result = try evalApply(node, input, frame)
        case .transform:
            result = .function(TransformFunction(node: node, frame: frame))
        case .sort:
            // a sort step evaluated on its own (not inside a path)
            result = try evalSortValues(node, input.map { $0.isArray ? $0.elements : [$0] } ?? [], frame)
        default:
            result = nil
        }

        if let preds = node.predicate {
            for p in preds {
                result = try filter(p.expr!, result, frame)
            }
        }
        if node.kind != .path, let g = node.group {
            result = try evalGroup(g, result, frame)
        }
        if case .array(let a)? = result, a.isSequence {
            if node.keepArray { a.keepSingleton = true }
            if a.items.isEmpty {
                result = nil
            } else if a.items.count == 1 && !a.keepSingleton {
                result = a.items[0]
            }
        }
        return result
    }

}
