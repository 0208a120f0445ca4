/// The post-parse pass: flattens location paths into steps, attaches predicates and grouping to
/// their steps, resolves ancestor (`%`) references, marks tail calls, interns variable names and
/// compiles regular expressions.
struct Processor {
    private var ancestorLabel = 0
    private var ancestorIndex = 0
    private var ancestry: [PNode] = []
    private let stackFloor = StackGuard.floor()

    mutating func process(_ expr: PNode) throws(ExpressionError) -> PNode {
        if StackGuard.currentAddress() < stackFloor {
            throw ExpressionError.stackExhausted(position: expr.position)
        }
        var result: PNode
        switch expr.kind {
        case .binary:
            switch expr.value {
            case ".":
                let lstep = try process(expr.lhs!)
                if lstep.kind == .path {
                    result = lstep
                } else {
                    result = PNode(.path, ".", position: lstep.position, end: lstep.endPosition)
                    result.steps = [lstep]
                }
                if lstep.kind == .parent {
                    result.seekingParent = [lstep.slot!]
                }
                let rest = try process(expr.rhs!)
                if rest.kind == .path {
                    result.steps.append(contentsOf: rest.steps)
                } else {
                    if rest.predicate != nil {
                        rest.stages = rest.predicate
                        rest.predicate = nil
                    }
                    result.steps.append(rest)
                }
                for step in result.steps {
                    if step.kind == .number || step.kind == .value {
                        throw ExpressionError.make("S0213", position: step.position, token: step.value)
                    }
                    if step.kind == .string { step.kind = .name }
                }
                if result.steps.contains(where: { $0.keepArray }) {
                    result.keepSingletonArray = true
                }
                if let first = result.steps.first, first.kind == .unary && first.value == "[" {
                    first.consarray = true
                }
                if let last = result.steps.last, last.kind == .unary && last.value == "[" {
                    last.consarray = true
                }
                try resolveAncestry(result)
            case "[":
                result = try process(expr.lhs!)
                var step = result
                var isStages = false
                if result.kind == .path {
                    step = result.steps[result.steps.count - 1]
                    isStages = true
                }
                if step.group != nil {
                    throw ExpressionError.make("S0209", position: expr.position, token: "[")
                }
                let predicate = try process(expr.rhs!)
                if let seeking = predicate.seekingParent {
                    for slot in seeking {
                        if slot.level == 1 {
                            _ = try seekParent(step, slot)
                        } else {
                            slot.level -= 1
                        }
                    }
                    pushAncestry(step, predicate)
                }
                let stage = PStage(kind: .filter, expr: predicate, position: expr.position)
                if isStages {
                    step.stages = (step.stages ?? []) + [stage]
                } else {
                    step.predicate = (step.predicate ?? []) + [stage]
                }
            case "{":
                result = try process(expr.lhs!)
                if result.group != nil {
                    throw ExpressionError.make("S0210", position: expr.position, token: "{")
                }
                var pairs: [(PNode, PNode)] = []
                for (k, v) in expr.pairs {
                    pairs.append((try process(k), try process(v)))
                }
                result.group = PGroup(pairs: pairs, position: expr.position)
            case "^":
                result = try process(expr.lhs!)
                if result.kind != .path {
                    let p = PNode(.path, ".", position: result.position, end: result.endPosition)
                    p.steps = [result]
                    result = p
                }
                let sortStep = PNode(.sort, "^", position: expr.position, end: expr.endPosition)
                for term in expr.rawTerms {
                    let e = try process(term.expression)
                    pushAncestry(sortStep, e)
                    sortStep.terms.append(PSortTerm(descending: term.descending, expression: e))
                }
                result.steps.append(sortStep)
                try resolveAncestry(result)
            case ":=":
                result = PNode(.bind, ":=", position: expr.position, end: expr.endPosition)
                let lhs = try process(expr.lhs!)
                lhs.sym = Symbols.intern(lhs.value)
                result.lhs = lhs
                result.rhs = try process(expr.rhs!)
                pushAncestry(result, result.rhs!)
            case "@":
                result = try process(expr.lhs!)
                var step = result
                if result.kind == .path {
                    step = result.steps[result.steps.count - 1]
                }
                if step.stages != nil || step.predicate != nil {
                    throw ExpressionError.make("S0215", position: expr.position, token: "@")
                }
                if step.kind == .sort {
                    throw ExpressionError.make("S0216", position: expr.position, token: "@")
                }
                if expr.keepArray { step.keepArray = true }
                step.focus = Symbols.intern(expr.rhs!.value)
                step.tuple = true
            case "#":
                result = try process(expr.lhs!)
                var step = result
                if result.kind == .path {
                    step = result.steps[result.steps.count - 1]
                } else {
                    let p = PNode(.path, ".", position: result.position, end: result.endPosition)
                    p.steps = [result]
                    result = p
                    if step.predicate != nil {
                        step.stages = step.predicate
                        step.predicate = nil
                    }
                }
                let sym = Symbols.intern(expr.rhs!.value)
                if step.stages == nil {
                    step.index = sym
                } else {
                    step.stages!.append(PStage(kind: .index, expr: nil, indexSym: sym, position: expr.position))
                }
                step.tuple = true
            case "~>":
                result = PNode(.apply, "~>", position: expr.position, end: expr.endPosition)
                result.lhs = try process(expr.lhs!)
                result.rhs = try process(expr.rhs!)
                result.keepArray = result.lhs!.keepArray || result.rhs!.keepArray
                pushAncestry(result, result.lhs!)
                pushAncestry(result, result.rhs!)
            default:
                result = PNode(.binary, expr.value, position: expr.position, end: expr.endPosition)
                result.binop = Processor.binop(expr.value)
                result.lhs = try process(expr.lhs!)
                result.rhs = try process(expr.rhs!)
                pushAncestry(result, result.lhs!)
                pushAncestry(result, result.rhs!)
            }
        case .unary:
            result = PNode(.unary, expr.value, position: expr.position, end: expr.endPosition)
            if expr.value == "[" {
                for item in expr.expressions {
                    let v = try process(item)
                    pushAncestry(result, v)
                    result.expressions.append(v)
                }
            } else if expr.value == "{" {
                for (k, v) in expr.pairs {
                    let key = try process(k)
                    pushAncestry(result, key)
                    let value = try process(v)
                    pushAncestry(result, value)
                    result.pairs.append((key, value))
                }
            } else {
                let operand = try process(expr.expression!)
                result.expression = operand
                if expr.value == "-" && operand.kind == .number, case .number(let n)? = operand.literal {
                    result = operand
                    result.literal = .number(-n)
                } else {
                    pushAncestry(result, operand)
                }
            }
        case .function, .partial:
            result = PNode(expr.kind, expr.value, position: expr.position, end: expr.endPosition)
            for arg in expr.arguments {
                let a = try process(arg)
                pushAncestry(result, a)
                result.arguments.append(a)
            }
            result.procedure = try process(expr.procedure!)
        case .lambda:
            result = PNode(.lambda, expr.value, position: expr.position, end: expr.endPosition)
            result.arguments = expr.arguments
            for a in result.arguments { a.sym = Symbols.intern(a.value) }
            result.signature = expr.signature
            let body = try process(expr.body!)
            result.body = tailCallOptimize(body)
        case .condition:
            result = PNode(.condition, expr.value, position: expr.position, end: expr.endPosition)
            result.condition = try process(expr.condition!)
            pushAncestry(result, result.condition!)
            result.then = try process(expr.then!)
            pushAncestry(result, result.then!)
            if let e = expr.otherwise {
                result.otherwise = try process(e)
                pushAncestry(result, result.otherwise!)
            }
        case .coalesce, .elvis:
            result = PNode(expr.kind, expr.value, position: expr.position, end: expr.endPosition)
            result.condition = try process(expr.condition!)
            pushAncestry(result, result.condition!)
            result.otherwise = try process(expr.otherwise!)
            pushAncestry(result, result.otherwise!)
        case .transform:
            result = PNode(.transform, expr.value, position: expr.position, end: expr.endPosition)
            result.pattern = try process(expr.pattern!)
            result.update = try process(expr.update!)
            if let d = expr.delete { result.delete = try process(d) }
        case .block:
            result = PNode(.block, expr.value, position: expr.position, end: expr.endPosition)
            for item in expr.expressions {
                let part = try process(item)
                pushAncestry(result, part)
                if part.consarray || (part.kind == .path && part.steps[0].consarray) {
                    result.consarray = true
                }
                result.expressions.append(part)
            }
        case .name:
            result = PNode(.path, ".", position: expr.position, end: expr.endPosition)
            result.steps = [expr]
            if expr.keepArray { result.keepSingletonArray = true }
        case .parent:
            result = PNode(.parent, "%", position: expr.position, end: expr.endPosition)
            let slot = Slot(label: "!\(ancestorLabel)", level: 1, index: ancestorIndex)
            ancestorLabel += 1
            ancestorIndex += 1
            result.slot = slot
            ancestry.append(result)
        case .variable:
            expr.sym = Symbols.intern(expr.value)
            result = expr
        case .regex:
            if expr.compiledRegex == nil, let literal = expr.regex {
                guard let compiled = CompiledRegex(literal) else {
                    throw ExpressionError.make("S0303", position: expr.position, token: expr.value)
                }
                expr.compiledRegex = compiled
            }
            result = expr
        case .string, .number, .value, .wildcard, .descendant, .placeholder:
            result = expr
        case .op:
            if expr.value == "and" || expr.value == "or" || expr.value == "in" {
                expr.kind = .name
                result = try process(expr)
            } else if expr.value == "?" {
                expr.kind = .placeholder
                result = expr
            } else {
                throw ExpressionError.make("S0201", position: expr.position, token: expr.value)
            }
        case .end:
            throw ExpressionError.make("S0207", position: expr.position)
        default:
            throw ExpressionError.make("S0206", position: expr.position, token: expr.value)
        }
        if expr.keepArray { result.keepArray = true }
        return result
    }

    /// Interns the final ancestor labels (labels can change while slots are resolved).
    func finish() {
        for parent in ancestry {
            if let slot = parent.slot { slot.sym = Symbols.intern(slot.label) }
        }
    }

    /// Sets the evaluation shortcuts of every node of a finished tree.
    static func optimize(_ node: PNode) {
        optimize(node, floor: StackGuard.floor())
    }

    /// True when `test` holds for some child of `n` (visited in order, stopping at the first;
    /// no array of children is built).
    private static func anyChild(_ n: PNode, _ test: (PNode) -> Bool) -> Bool {
        func one(_ x: PNode?) -> Bool { x.map(test) ?? false }
        if one(n.lhs) || one(n.rhs) || one(n.expression) || one(n.procedure) || one(n.body) || one(n.condition)
            || one(n.then) || one(n.otherwise) || one(n.pattern) || one(n.update) || one(n.delete)
        {
            return true
        }
        for x in n.expressions where test(x) { return true }
        for x in n.arguments where test(x) { return true }
        for x in n.steps where test(x) { return true }
        for (k, v) in n.pairs where test(k) || test(v) { return true }
        if let g = n.group { for (k, v) in g.pairs where test(k) || test(v) { return true } }
        if let stages = n.stages { for s in stages { if let e = s.expr, test(e) { return true } } }
        if let predicate = n.predicate { for s in predicate { if let e = s.expr, test(e) { return true } } }
        for t in n.terms where test(t.expression) { return true }
        return false
    }

    private static func optimize(_ n: PNode, floor: UInt) {
        // The shortcuts are optional: on a stack too small for the tree, leave the rest as is.
        guard StackGuard.currentAddress() > floor, !n.optimized else { return }
        n.optimized = true
        _ = anyChild(n) { c in
            optimize(c, floor: floor)
            return false
        }
        switch n.kind {
        case .path:
            func plainStep(_ s: PNode, _ kind: PNode.Kind) -> Bool {
                s.kind == kind && s.stages == nil && s.predicate == nil && s.group == nil && !s.keepArray && !s.tuple
                    && s.focus == nil && s.index == nil && s.ancestor == nil && !s.consarray
            }
            let simplePath = n.group == nil && !n.keepSingletonArray && !n.tuple && n.predicate == nil && !n.keepArray
            if simplePath && n.steps.allSatisfy({ plainStep($0, .name) }) {
                n.simpleNames = n.steps.map(\.value)
            } else if simplePath && n.steps.count > 1 && plainStep(n.steps[0], .variable) && !n.steps[0].value.isEmpty
                && n.steps.dropFirst().allSatisfy({ plainStep($0, .name) })
            {
                n.variableHead = n.steps[0]
                n.simpleNames = n.steps.dropFirst().map(\.value)
            }
        case .block:
            n.needsFrame = n.expressions.contains(where: bindsInScope)
        case .unary where n.value == "{":
            var keys: [String] = []
            for (k, _) in n.pairs {
                guard k.kind == .string, k.predicate == nil, k.group == nil, case .string(let s)? = k.literal, !keys.contains(s) else {
                    keys = []
                    break
                }
                keys.append(s)
            }
            if keys.count == n.pairs.count && !keys.isEmpty { n.literalKeys = keys }
        default:
            break
        }
    }

    /// True when evaluating `n` may bind a variable in the enclosing scope.
    private static func bindsInScope(_ n: PNode) -> Bool {
        if StackGuard.currentAddress() < StackGuard.floor() { return true }
        if n.kind == .bind { return true }
        if n.kind == .lambda { return false }
        if (n.kind == .function || n.kind == .partial), let p = n.procedure, p.kind == .variable, p.value == "eval" { return true }
        if n.kind == .block { return false }
        return anyChild(n, bindsInScope)
    }

    static func binop(_ s: String) -> BinaryOp {
        switch s {
        case "+": return .add
        case "-": return .sub
        case "*": return .mul
        case "/": return .div
        case "%": return .mod
        case "=": return .eq
        case "!=": return .ne
        case "<": return .lt
        case "<=": return .le
        case ">": return .gt
        case ">=": return .ge
        case "&": return .concat
        case "and": return .and
        case "or": return .or
        case "..": return .range
        case "in": return .inOp
        default: return .none
        }
    }

    private func tailCallOptimize(_ expr: PNode) -> PNode {
        if expr.kind == .function && expr.predicate == nil {
            let thunk = PNode(.lambda, "thunk", position: expr.position, end: expr.endPosition)
            thunk.thunk = true
            thunk.body = expr
            return thunk
        } else if expr.kind == .condition {
            expr.then = tailCallOptimize(expr.then!)
            if let e = expr.otherwise { expr.otherwise = tailCallOptimize(e) }
        } else if expr.kind == .block, let last = expr.expressions.last {
            expr.expressions[expr.expressions.count - 1] = tailCallOptimize(last)
        }
        return expr
    }

    private mutating func seekParent(_ node: PNode, _ slotIn: Slot) throws(ExpressionError) -> Slot {
        var slot = slotIn
        switch node.kind {
        case .name, .wildcard:
            slot.level -= 1
            if slot.level == 0 {
                if let existing = node.ancestor {
                    ancestry[slot.index].slot!.label = existing.label
                    node.ancestor = slot
                } else {
                    node.ancestor = slot
                }
                node.tuple = true
            }
        case .parent:
            slot.level += 1
        case .block:
            if let last = node.expressions.last {
                node.tuple = true
                slot = try seekParent(last, slot)
            }
        case .path:
            node.tuple = true
            var index = node.steps.count - 1
            slot = try seekParent(node.steps[index], slot)
            index -= 1
            while slot.level > 0 && index >= 0 {
                slot = try seekParent(node.steps[index], slot)
                index -= 1
            }
        default:
            throw ExpressionError.make("S0217", position: node.position, token: Processor.typeName(node))
        }
        return slot
    }

    static func typeName(_ node: PNode) -> String {
        switch node.kind {
        case .binary: return "binary"
        case .unary: return "unary"
        case .function: return "function"
        case .partial: return "partial"
        case .lambda: return "lambda"
        case .condition, .coalesce, .elvis: return "condition"
        case .variable: return "variable"
        case .string, .number, .value: return node.kind == .string ? "string" : (node.kind == .number ? "number" : "value")
        case .regex: return "regex"
        case .descendant: return "descendant"
        case .apply: return "apply"
        case .bind: return "bind"
        case .sort: return "sort"
        case .transform: return "transform"
        default: return "\(node.kind)"
        }
    }

    private func pushAncestry(_ result: PNode, _ value: PNode) {
        if value.seekingParent != nil || value.kind == .parent {
            var slots = value.seekingParent ?? []
            if value.kind == .parent { slots.append(value.slot!) }
            if result.seekingParent == nil {
                result.seekingParent = slots
            } else {
                result.seekingParent!.append(contentsOf: slots)
            }
        }
    }

    private mutating func resolveAncestry(_ path: PNode) throws(ExpressionError) {
        var index = path.steps.count - 1
        let laststep = path.steps[index]
        var slots = laststep.seekingParent ?? []
        if laststep.kind == .parent { slots.append(laststep.slot!) }
        for start in slots {
            var slot = start
            index = path.steps.count - 2
            while slot.level > 0 {
                if index < 0 {
                    if path.seekingParent == nil {
                        path.seekingParent = [slot]
                    } else {
                        path.seekingParent!.append(slot)
                    }
                    break
                }
                var step = path.steps[index]
                index -= 1
                while index >= 0 && step.focus != nil && path.steps[index].focus != nil {
                    step = path.steps[index]
                    index -= 1
                }
                slot = try seekParent(step, slot)
            }
        }
    }
}
