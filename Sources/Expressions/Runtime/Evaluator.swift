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
    let deadline: ContinuousClock.Instant?
    let stackFloor: UInt
    let timestamp: Double
    /// ``NumberMode/ieee``: arithmetic, aggregates, comparisons and equality on doubles only.
    let ieee: Bool
    /// Depth and tick counters behind a pointer: no exclusivity checks on the hot path.
    private let counters: UnsafeMutablePointer<(depth: Int, ticks: Int)>
    var depth: Int {
        get { counters.pointee.depth }
        set { counters.pointee.depth = newValue }
    }

    deinit {
        counters.deallocate()
    }

    init(
        functions: FunctionTable, maxDepth: Int, deadline: ContinuousClock.Instant?, stackFloor: UInt, timestamp: Double,
        ieee: Bool
    ) {
        self.ieee = ieee
        self.functions = functions
        self.maxDepth = maxDepth
        self.deadline = deadline
        self.stackFloor = stackFloor
        self.timestamp = timestamp
        counters = UnsafeMutablePointer<(depth: Int, ticks: Int)>.allocate(capacity: 1)
        counters.initialize(to: (0, 0))
    }

    // MARK: - Dispatch

    @inline(__always) private func enter(_ node: Node) throws(ExpressionError) {
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
        if c.pointee.ticks & 255 == 0, let deadline, ContinuousClock.now > deadline {
            throw ExpressionError.make("U1001", position: node.position, detail: "timeout")
        }
    }

    func eval(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        try enter(node)
        defer { counters.pointee.depth -= 1 }
        var result: Value?
        switch node.kind {
        case .path:
            if let names = node.simpleNames,
                let fast = Evaluator.directLookup(names, node.variableHead.map { evalVariable($0, input, frame) } ?? input)
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
            result = Evaluator.lookup(input, node.value)
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

    // MARK: - Paths

    struct Found {
        let value: Value?
    }

    /// `a.b.c` while every value on the way is an object: nil when the general path evaluation
    /// is needed (an array on the way).
    @inline(__always)
    static func directLookup(_ names: [String], _ input: Value?) -> Found? {
        guard var cur = input else { return Found(value: nil) }
        for name in names {
            switch cur {
            case .jobject(let o):
                guard let v = o[name] else { return Found(value: nil) }
                cur = Value(v)
            case .object(let o):
                guard let v = o[name] else { return Found(value: nil) }
                cur = v
            case .array, .jarray, .tuples:
                return nil
            default:
                return Found(value: nil)
            }
        }
        if case .array(let a) = cur, a.isSequence { return nil }
        return Found(value: cur)
    }

    static func lookup(_ input: Value?, _ key: String) -> Value? {
        guard let input else { return nil }
        switch input {
        case .jobject(let o):
            if let v = o[key] { return Value(v) }
            return nil
        case .object(let o):
            return o[key]
        case .array(let a):
            var r: [Value] = []
            for item in a.items {
                if let res = lookup(item, key) {
                    Evaluator.appendFlat(&r, res)
                }
            }
            return .array(JArray(r, sequence: true))
        case .jarray(let a):
            var r: [Value] = []
            for j in a {
                if let res = lookup(Value(j), key) {
                    Evaluator.appendFlat(&r, res)
                }
            }
            return .array(JArray(r, sequence: true))
        default:
            return nil
        }
    }

    /// Appends a value, or the elements of an array value.
    @inline(__always) static func appendFlat(_ r: inout [Value], _ v: Value) {
        switch v {
        case .array(let a): r.append(contentsOf: a.items)
        case .jarray(let a):
            r.reserveCapacity(r.count + a.count)
            for j in a { r.append(Value(j)) }
        default: r.append(v)
        }
    }

    private func evalPath(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        var inputSeq: [Value] = []
        // The first step reads the input itself (one item, maybe undefined) unless it is an array.
        var single: Value?? = nil
        if let input, input.isArray, node.steps[0].kind != .variable {
            inputSeq = input.elements
        } else {
            single = .some(input)
        }
        var resultSeq: Value? = nil
        var isTupleStream = false
        var tuples: [Tuple]? = nil
        let steps = node.steps
        for ii in 0..<steps.count {
            let step = steps[ii]
            if step.tuple { isTupleStream = true }
            if ii == 0 && step.consarray {
                let items: [Value] = single.map { $0.map { [$0] } ?? [] } ?? inputSeq
                resultSeq = try eval(step, .array(JArray.sequence(items)), frame)
            } else if isTupleStream {
                if let s = single {
                    tuples = try evalTupleStep(step, s.map { [$0] } ?? [], tuples, frame, undefinedInput: s == nil)
                } else {
                    tuples = try evalTupleStep(step, inputSeq, tuples, frame, undefinedInput: false)
                }
            } else {
                resultSeq = try evalStep(step, inputSeq, single, frame, lastStep: ii == steps.count - 1)
            }
            single = nil
            if !isTupleStream {
                guard let r = resultSeq, r.isArray, r.count > 0 else {
                    if resultSeq == nil || resultSeq!.isArray { break }
                    // a non-array result from a constructor step (cannot normally happen)
                    inputSeq = [resultSeq!]
                    continue
                }
                if step.focus == nil {
                    inputSeq = r.elements
                }
            }
        }
        if isTupleStream {
            let t = tuples ?? []
            if node.tuple {
                resultSeq = .tuples(TupleStream(t))
            } else {
                var r: [Value] = []
                r.reserveCapacity(t.count)
                for tuple in t {
                    if let c = tuple.context { r.append(c) }
                }
                resultSeq = .array(JArray(r, sequence: true))
            }
        }
        if node.keepSingletonArray {
            switch resultSeq {
            case .array(let a)?:
                if a.cons && !a.isSequence {
                    let s = JArray.sequence([resultSeq!])
                    s.keepSingleton = true
                    resultSeq = .array(s)
                } else {
                    a.keepSingleton = true
                }
            case .jarray(let a)?:
                let s = JArray(a.map(Value.init))
                s.keepSingleton = true
                resultSeq = .array(s)
            case nil:
                let s = JArray.sequence()
                s.keepSingleton = true
                resultSeq = .array(s)
            default:
                break
            }
        }
        if let g = node.group {
            if isTupleStream {
                resultSeq = try evalGroup(g, .tuples(TupleStream(tuples ?? [])), frame)
            } else {
                resultSeq = try evalGroup(g, resultSeq, frame)
            }
        }
        return resultSeq
    }

    private func evalStep(_ step: Node, _ input: [Value], _ single: Value??, _ frame: Frame, lastStep: Bool) throws(ExpressionError) -> Value? {
        if step.kind == .sort {
            let sorted = try evalSortValues(step, single.map { $0.map { [$0] } ?? [] } ?? input, frame)
            if let stages = step.stages {
                var r: Value? = sorted
                for stage in stages where stage.kind == .filter {
                    r = try filter(stage.expr!, r, frame)
                }
                return r
            }
            return sorted
        }
        var out: [Value] = []
        out.reserveCapacity(single == nil ? input.count : 1)
        var rawCount = 0
        var firstRaw: Value? = nil
        let stages = step.stages
        let plainName = step.kind == .name && stages == nil && step.predicate == nil && step.group == nil && !step.keepArray
        var index = single == nil ? 0 : -1
        let end = single == nil ? input.count : 0
        while index < end {
            let item: Value? = index < 0 ? single! : input[index]
            index += 1
            let found: Value?
            if plainName {
                switch item {
                case .jobject(let o)?:
                    found = o[step.value].map(Value.init)
                case .object(let o)?:
                    found = o[step.value]
                default:
                    found = try eval(step, item, frame)
                }
            } else {
                found = try eval(step, item, frame)
            }
            guard var res = found else { continue }
            if let stages {
                var keep = true
                for stage in stages where stage.kind == .filter {
                    guard let r = try filter(stage.expr!, res, frame) else {
                        keep = false
                        break
                    }
                    res = r
                }
                if !keep { continue }
            }
            rawCount += 1
            if rawCount == 1 { firstRaw = res }
            switch res {
            case .array(let a):
                if a.cons {
                    out.append(res)
                } else {
                    out.append(contentsOf: a.items)
                }
            case .jarray(let a):
                if out.capacity < out.count + a.count {
                    out.reserveCapacity(Swift.max(out.count + a.count, out.capacity * 2))
                }
                for j in a { out.append(Value(j)) }
            default:
                out.append(res)
            }
        }
        if lastStep && rawCount == 1, let first = firstRaw, first.isArray && !first.isSequence {
            return first
        }
        return .array(JArray(out, sequence: true))
    }

    @inline(__always) private func frameFromTuple(_ frame: Frame, _ tuple: Tuple) -> Frame {
        let f = Frame(parent: frame)
        for (s, v) in tuple.binds { f.bind(s, v) }
        return f
    }

    private func evalTupleStep(_ step: Node, _ input: [Value], _ tupleBindings: [Tuple]?, _ frame: Frame, undefinedInput: Bool) throws(ExpressionError) -> [Tuple] {
        if step.kind == .sort {
            var result: [Tuple]
            if let tb = tupleBindings {
                result = try evalSortTuples(step, tb, frame)
            } else {
                let sorted = try evalSortValues(step, input, frame)
                result = []
                for (i, v) in sorted.elements.enumerated() {
                    var t = Tuple(context: v)
                    if let idx = step.index { t.set(idx, .int(i)) }
                    result.append(t)
                }
            }
            if let stages = step.stages {
                result = try evalStages(stages, result, frame)
            }
            return result
        }
        let tb: [Tuple]
        if let tupleBindings {
            tb = tupleBindings
        } else if undefinedInput && input.isEmpty {
            tb = [Tuple(context: nil)]
        } else {
            tb = input.map { Tuple(context: $0) }
        }
        var result: [Tuple] = []
        for t in tb {
            let stepFrame = t.binds.isEmpty ? frame : frameFromTuple(frame, t)
            guard let res = try eval(step, t.context, stepFrame) else { continue }
            if case .tuples(let ts) = res {
                for r in ts.tuples {
                    var tuple = t
                    tuple.context = r.context
                    for (s, v) in r.binds { tuple.set(s, v) }
                    result.append(tuple)
                }
                continue
            }
            let items: [Value] = res.isArray ? res.elements : [res]
            for (bb, item) in items.enumerated() {
                var tuple = t
                if let focus = step.focus {
                    tuple.set(focus, item)
                    tuple.context = t.context
                } else {
                    tuple.context = item
                }
                if let idx = step.index { tuple.set(idx, .int(bb)) }
                if let anc = step.ancestorSym { tuple.set(anc, t.context) }
                result.append(tuple)
            }
        }
        if let stages = step.stages {
            result = try evalStages(stages, result, frame)
        }
        return result
    }

    private func evalStages(_ stages: [Stage], _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
        var result = input
        for stage in stages {
            switch stage.kind {
            case .filter:
                result = try filterTuples(stage.expr!, result, frame)
            case .index:
                for i in 0..<result.count { result[i].set(stage.indexSym, .int(i)) }
            }
        }
        return result
    }

    // MARK: - Predicates

    /// Applies a predicate (`[expr]`) to a value or sequence.
    func filter(_ predicate: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        if case .tuples(let ts)? = input {
            return .tuples(TupleStream(try filterTuples(predicate, ts.tuples, frame)))
        }
        let items: [Value]
        if let input {
            items = input.isArray ? input.elements : [input]
        } else {
            items = []
        }
        var results: [Value] = []
        if predicate.kind == .number, case .number(let n)? = predicate.literal {
            var index = Int(n.d.rounded(.down))
            if index < 0 { index = items.count + index }
            if index >= 0 && index < items.count {
                let item = items[index]
                if item.isArray {
                    return item
                }
                results.append(item)
            }
            return .array(JArray(results, sequence: true))
        }
        for (index, item) in items.enumerated() {
            let res = try eval(predicate, item, frame)
            if try matchesPredicate(res, index: index, count: items.count) {
                results.append(item)
            }
        }
        return .array(JArray(results, sequence: true))
    }

    @inline(__always)
    private func matchesPredicate(_ res: Value?, index: Int, count: Int) throws(ExpressionError) -> Bool {
        switch res {
        case .number(let n)?:
            var ii = Int(n.d.rounded(.down))
            if ii < 0 { ii = count + ii }
            return ii == index
        case .bool(let b)?:
            return b
        case .array, .jarray:
            let r = res!
            if r.count > 0 && Evaluator.isArrayOfNumbers(r) {
                for k in 0..<r.count {
                    if case .number(let n) = r.element(k) {
                        var ii = Int(n.d.rounded(.down))
                        if ii < 0 { ii = count + ii }
                        if ii == index { return true }
                    }
                }
                return false
            }
            return Evaluator.boolean(r) == true
        default:
            return Evaluator.boolean(res) == true
        }
    }

    private func filterTuples(_ predicate: Node, _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
        if predicate.kind == .number, case .number(let n)? = predicate.literal {
            var index = Int(n.d.rounded(.down))
            if index < 0 { index = input.count + index }
            if index >= 0 && index < input.count { return [input[index]] }
            return []
        }
        var results: [Tuple] = []
        for (index, item) in input.enumerated() {
            let env = frameFromTuple(frame, item)
            let res = try eval(predicate, item.context, env)
            if try matchesPredicate(res, index: index, count: input.count) {
                results.append(item)
            }
        }
        return results
    }

    // MARK: - Wildcards

    private func evalWildcard(_ inputIn: Value?) throws(ExpressionError) -> Value? {
        var input = inputIn
        if case .array(let a)? = input, a.outerWrapper, !a.items.isEmpty {
            input = a.items[0]
        }
        guard let input, input.isObject || input.isArray else { return .array(JArray.sequence()) }
        var items: [Value] = []
        var isSeq = true
        let members: [Value]
        if input.isArray {
            members = input.elements
        } else {
            var m: [Value] = []
            input.forEachMember { (_: String, v: Value) in m.append(v) }
            members = m
        }
        for v in members {
            if v.isArray {
                try Evaluator.flattenInto(v, &items)
                isSeq = false
            } else {
                items.append(v)
            }
        }
        return .array(JArray(items, sequence: isSeq))
    }

    static func flattenInto(_ v: Value, _ out: inout [Value]) throws(ExpressionError) {
        if v.isArray {
            try StackGuard.check()
            for i in 0..<v.count { try flattenInto(v.element(i), &out) }
        } else {
            out.append(v)
        }
    }

    private func evalDescendants(_ input: Value?) throws(ExpressionError) -> Value? {
        guard let input else { return nil }
        var out: [Value] = []
        try Evaluator.recurseDescendants(input, &out)
        if out.count == 1 { return out[0] }
        return .array(JArray.sequence(out))
    }

    private static func recurseDescendants(_ input: Value, _ out: inout [Value]) throws(ExpressionError) {
        try StackGuard.check()
        if input.isArray {
            for i in 0..<input.count { try recurseDescendants(input.element(i), &out) }
            return
        }
        out.append(input)
        if input.isObject {
            var members: [Value] = []
            input.forEachMember { (_: String, v: Value) in members.append(v) }
            for v in members { try recurseDescendants(v, &out) }
        }
    }

    // MARK: - Operators

    private func evalBinary(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        let lhs = try eval(node.lhs!, input, frame)
        switch node.binop {
        case .and:
            if !(Evaluator.boolean(lhs) ?? false) { return .bool(false) }
            let rhs = try eval(node.rhs!, input, frame)
            return .bool(Evaluator.boolean(rhs) ?? false)
        case .or:
            if Evaluator.boolean(lhs) ?? false { return .bool(true) }
            let rhs = try eval(node.rhs!, input, frame)
            return .bool(Evaluator.boolean(rhs) ?? false)
        default:
            break
        }
        let rhs = try eval(node.rhs!, input, frame)
        do throws(ExpressionError) {
            switch node.binop {
            case .add, .sub, .mul, .div, .mod:
                return try Evaluator.arithmetic(node.binop, lhs, rhs, ieee: ieee)
            case .eq:
                guard let lhs, let rhs else { return .bool(false) }
                return .bool(try Evaluator.deepEqual(lhs, rhs, ieee: ieee))
            case .ne:
                guard let lhs, let rhs else { return .bool(false) }
                return .bool(!(try Evaluator.deepEqual(lhs, rhs, ieee: ieee)))
            case .lt, .le, .gt, .ge:
                return try Evaluator.compare(node.binop, lhs, rhs, ieee: ieee)
            case .concat:
                let ieee = self.ieee
                let l = try lhs.map { v throws(ExpressionError) in try Functions.string(v, ieee: ieee) } ?? ""
                let r = try rhs.map { v throws(ExpressionError) in try Functions.string(v, ieee: ieee) } ?? ""
                return .string(l + r)
            case .range:
                return try Evaluator.range(lhs, rhs, ieee: ieee)
            case .inOp:
                guard let lhs, let rhs else { return .bool(false) }
                if rhs.isArray {
                    for i in 0..<rhs.count where Evaluator.strictEqual(rhs.element(i), lhs, ieee: ieee) { return .bool(true) }
                    return .bool(false)
                }
                return .bool(Evaluator.strictEqual(rhs, lhs, ieee: ieee))
            default:
                return nil
            }
        } catch {
            throw error.located(node.position, token: node.value)
        }
    }

    static func arithmetic(_ op: BinaryOp, _ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        var l: Num? = nil
        var r: Num? = nil
        if let lhs {
            guard case .number(let n) = lhs else { throw ExpressionError.make("T2001", value: lhs) }
            if !n.d.isFinite { throw ExpressionError.make("D1001", value: lhs) }
            l = n
        }
        if let rhs {
            guard case .number(let n) = rhs else { throw ExpressionError.make("T2002", value: rhs) }
            if !n.d.isFinite { throw ExpressionError.make("D1001", value: rhs) }
            r = n
        }
        guard let a = l, let b = r else { return nil }
        let result: Num
        if ieee {
            switch op {
            case .add: result = Num(double: a.d + b.d)
            case .sub: result = Num(double: a.d - b.d)
            case .mul: result = Num(double: a.d * b.d)
            case .div: result = Num(double: a.d / b.d)
            default: result = Num(double: a.d.truncatingRemainder(dividingBy: b.d))
            }
            return .number(result)
        }
        switch op {
        case .add: result = a + b
        case .sub: result = a - b
        case .mul: result = a * b
        case .div: result = Num(double: a.d / b.d)
        default:
            result = Num(double: a.d.truncatingRemainder(dividingBy: b.d))
        }
        return .number(result)
    }

    static func compare(_ op: BinaryOp, _ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        func comparable(_ v: Value?) -> Bool {
            switch v {
            case nil, .string?, .number?: return true
            default: return false
            }
        }
        if !comparable(lhs) || !comparable(rhs) {
            let bad = comparable(lhs) ? rhs : lhs
            throw ExpressionError.make("T2010", value: bad)
        }
        guard let lhs, let rhs else { return nil }
        let c: Int
        switch (lhs, rhs) {
        case (.number(let a), .number(let b)):
            c = Num.compare(a, b, ieee: ieee)
        case (.string(let a), .string(let b)):
            c = Evaluator.compareStrings(a, b)
        default:
            throw ExpressionError.make("T2009", value: lhs, value2: rhs)
        }
        switch op {
        case .lt: return .bool(c < 0)
        case .le: return .bool(c <= 0)
        case .gt: return .bool(c > 0)
        default: return .bool(c >= 0)
        }
    }

    /// Compares strings by UTF-16 code units, as JavaScript does.
    static func compareStrings(_ a: String, _ b: String) -> Int {
        if a == b && a.utf8.elementsEqual(b.utf8) { return 0 }
        var ia = a.utf16.makeIterator()
        var ib = b.utf16.makeIterator()
        while true {
            let ca = ia.next()
            let cb = ib.next()
            switch (ca, cb) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?):
                if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func range(_ lhs: Value?, _ rhs: Value?, ieee: Bool) throws(ExpressionError) -> Value? {
        var lo: Int? = nil
        var hi: Int? = nil
        if let lhs {
            guard case .number(let n) = lhs, n.isInteger(ieee: ieee), n.d.magnitude < 9e15 else { throw ExpressionError.make("T2003", value: lhs) }
            lo = Int(n.d)
        }
        if let rhs {
            guard case .number(let n) = rhs, n.isInteger(ieee: ieee), n.d.magnitude < 9e15 else { throw ExpressionError.make("T2004", value: rhs) }
            hi = Int(n.d)
        }
        guard let lo, let hi else { return nil }
        if lo > hi { return nil }
        let size = hi - lo + 1
        if size > 10_000_000 {
            throw ExpressionError.make("D2014", value: .int(size))
        }
        var items: [Value] = []
        items.reserveCapacity(size)
        for i in lo...hi { items.append(.number(Num(int: i))) }
        return .array(JArray.sequence(items))
    }

    // MARK: - Unary, constructors

    private func evalUnary(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        switch node.value {
        case "-":
            let v = try eval(node.expression!, input, frame)
            guard let v else { return nil }
            guard case .number(let n) = v else {
                throw ExpressionError.make("D1002", position: node.position, token: "-", value: v)
            }
            return .number(-n)
        case "[":
            var items: [Value] = []
            for item in node.expressions {
                guard let value = try eval(item, input, frame) else { continue }
                if item.kind == .unary && item.value == "[" {
                    items.append(value)
                } else {
                    Evaluator.appendFlat(&items, value)
                }
            }
            let result = JArray(items)
            if node.consarray { result.cons = true }
            return .array(result)
        case "{":
            if let keys = node.literalKeys {
                switch input {
                case .array, .jarray, .tuples:
                    break
                default:
                    var values: [Value] = []
                    values.reserveCapacity(keys.count)
                    var i = 0
                    while i < keys.count {
                        guard let v = try eval(node.pairs[i].1, input, frame) else { break }
                        values.append(v)
                        i += 1
                    }
                    if i == keys.count {
                        return .object(JObject(uniqueKeys: keys, values: values))
                    }
                    // some value is undefined: build member by member
                    let result = JObject(capacity: keys.count)
                    for k in 0..<i { result.appendNew(keys[k], values[k]) }
                    i += 1
                    while i < keys.count {
                        if let v = try eval(node.pairs[i].1, input, frame) {
                            result.appendNew(keys[i], v)
                        }
                        i += 1
                    }
                    return .object(result)
                }
            }
            return try evalGroup(Group(pairs: node.pairs, position: node.position), input, frame)
        default:
            return nil
        }
    }

    private func evalGroup(_ group: Group, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        let pairs = group.pairs
        var keys: [String] = []
        var index: [String: Int] = [:]
        var entries: [(items: [Value?], tuples: [Tuple], exprIndex: Int)] = []

        @inline(__always) func add(_ key: String, _ pairIndex: Int, item: Value?, tuple: Tuple?) throws(ExpressionError) {
            if let i = index[key] {
                if entries[i].exprIndex != pairIndex {
                    throw ExpressionError.make("D1009", position: group.position, value: .string(key))
                }
                if let tuple { entries[i].tuples.append(tuple) } else { entries[i].items.append(item) }
            } else {
                index[key] = keys.count
                keys.append(key)
                if let tuple {
                    entries.append(([], [tuple], pairIndex))
                } else {
                    entries.append(([item], [], pairIndex))
                }
            }
        }

        if case .tuples(let ts)? = input {
            let tuples = ts.tuples.isEmpty ? [Tuple(context: nil)] : ts.tuples
            for t in tuples {
                let env = frameFromTuple(frame, t)
                for (pairIndex, pair) in pairs.enumerated() {
                    let key = try eval(pair.0, t.context, env)
                    guard let key else { continue }
                    guard case .string(let k) = key else {
                        throw ExpressionError.make("T1003", position: group.position, value: key)
                    }
                    try add(k, pairIndex, item: nil, tuple: t)
                }
            }
        } else {
            var items: [Value?]
            if let input, input.isArray {
                items = input.elements.map { Optional($0) }
            } else {
                items = [input]
            }
            if items.isEmpty { items = [nil] }
            for item in items {
                for (pairIndex, pair) in pairs.enumerated() {
                    let key = try eval(pair.0, item, frame)
                    guard let key else { continue }
                    guard case .string(let k) = key else {
                        throw ExpressionError.make("T1003", position: group.position, value: key)
                    }
                    try add(k, pairIndex, item: item, tuple: nil)
                }
            }
        }
        let result = JObject(capacity: keys.count)
        for (i, key) in keys.enumerated() {
            let entry = entries[i]
            let value: Value?
            if !entry.tuples.isEmpty {
                var merged = entry.tuples[0]
                if entry.tuples.count > 1 {
                    for t in entry.tuples.dropFirst() {
                        merged.context = Functions.append(merged.context, t.context)
                        for (s, v) in t.binds {
                            let existing = merged.get(s) ?? nil
                            merged.set(s, Functions.append(existing, v))
                        }
                    }
                }
                let env = frameFromTuple(frame, merged)
                value = try eval(pairs[entry.exprIndex].1, merged.context, env)
            } else {
                var context: Value? = entry.items[0]
                if entry.items.count > 1 {
                    // the same as appending the items one by one: arrays contribute their elements
                    var all: [Value] = []
                    all.reserveCapacity(entry.items.count)
                    for item in entry.items {
                        guard let item else { continue }
                        if item.isArray { all.append(contentsOf: item.elements) } else { all.append(item) }
                    }
                    context = .array(JArray(all))
                }
                value = try eval(pairs[entry.exprIndex].1, context, frame)
            }
            if let value {
                result[key] = value
            }
        }
        return .object(result)
    }

    // MARK: - Variables, functions

    @inline(__always) private func evalVariable(_ node: Node, _ input: Value?, _ frame: Frame) -> Value? {
        if node.value.isEmpty {
            if case .array(let a)? = input, a.outerWrapper, !a.items.isEmpty { return a.items[0] }
            return input
        }
        if let v = frame.lookup(node.sym) { return v }
        if let f = functions.lookup(node.sym) { return .function(f) }
        return nil
    }

    private func procedureName(_ node: Node) -> String {
        guard let p = node.procedure else { return "" }
        if p.kind == .path, let first = p.steps.first { return first.value }
        return p.value
    }

    func evalFunction(_ node: Node, _ input: Value?, _ frame: Frame, applyTo: Value??) throws(ExpressionError) -> Value? {
        let procNode = node.procedure!
        let proc = try eval(procNode, input, frame)
        if proc == nil && procNode.kind == .path, let first = procNode.steps.first {
            let sym = Symbols.intern(first.value)
            if frame.lookup(sym) != nil || functions.lookup(sym) != nil {
                throw ExpressionError.make("T1005", position: node.position, token: first.value)
            }
        }
        var args: [Value?] = []
        args.reserveCapacity(node.arguments.count + 1)
        if let applyTo { args.append(applyTo) }
        for a in node.arguments {
            args.append(try eval(a, input, frame))
        }
        do throws(ExpressionError) {
            return try apply(proc, args, input, frame)
        } catch {
            throw error.located(procNode.position, token: procedureName(node))
        }
    }

    /// Applies a function value, running tail calls in a loop.
    func apply(_ proc: Value?, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        var result = try applyInner(proc, args, input, frame)
        while case .function(let f)? = result, f.kind == .lambda, case let thunk = unsafeDowncast(f, to: Lambda.self), thunk.isThunk {
            let call = thunk.body
            let next = try eval(call.procedure!, thunk.input, thunk.frame)
            var nextArgs: [Value?] = []
            nextArgs.reserveCapacity(call.arguments.count)
            for a in call.arguments {
                nextArgs.append(try eval(a, thunk.input, thunk.frame))
            }
            do throws(ExpressionError) {
                result = try applyInner(next, nextArgs, input, frame)
            } catch {
                throw error.located(call.procedure!.position, token: procedureName(call))
            }
        }
        return result
    }

    private func applyInner(_ proc: Value?, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        guard case .function(let f)? = proc else {
            throw ExpressionError.make("T1006", value: proc)
        }
        var validated = args
        if let sig = f.signature {
            validated = try sig.validate(args, context: input)
        }
        return try invoke(f, validated, input, frame)
    }

    /// Calls a function with already validated arguments.
    private func invoke(_ f: Callable, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        switch f.kind {
        case .lambda:
            let lambda = unsafeDowncast(f, to: Lambda.self)
            let env = Frame(parent: lambda.frame)
            for (i, p) in lambda.params.enumerated() {
                env.bind(p, i < args.count ? args[i] : nil)
            }
            return try eval(lambda.body, lambda.input, env)
        case .builtin:
            let b = unsafeDowncast(f, to: Builtin.self)
            return try b.body(args, CallSite(ev: self, input: input, frame: frame))
        case .partial:
            let p = unsafeDowncast(f, to: PartialBuiltin.self)
            var full = p.args
            var k = 0
            for h in p.holes {
                full[h] = k < args.count ? args[k] : nil
                k += 1
            }
            return try applyInner(.function(p.target), full, input, frame)
        case .regex:
            let r = unsafeDowncast(f, to: RegexFunction.self)
            guard case .string(let s)? = args.first ?? nil else { return nil }
            return r.regex.matchObject(s, from: 0, function: r)
        case .transform:
            return try transform(unsafeDowncast(f, to: TransformFunction.self), args.first ?? nil)
        }
    }

    /// Calls a function value from a higher-order function with `arity`-limited arguments.
    func callFunction(_ f: Callable, _ args: [Value?], _ site: CallSite) throws(ExpressionError) -> Value? {
        try apply(.function(f), args, site.input, site.frame)
    }

    private func evalPartial(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        var args: [Value?] = []
        var holes: [Int] = []
        for (i, a) in node.arguments.enumerated() {
            if a.kind == .placeholder {
                holes.append(i)
                args.append(nil)
            } else {
                args.append(try eval(a, input, frame))
            }
        }
        let procNode = node.procedure!
        let proc = try eval(procNode, input, frame)
        if proc == nil && procNode.kind == .path, let first = procNode.steps.first {
            let sym = Symbols.intern(first.value)
            if frame.lookup(sym) != nil || functions.lookup(sym) != nil {
                throw ExpressionError.make("T1007", position: node.position, token: first.value)
            }
        }
        guard case .function(let f)? = proc else {
            throw ExpressionError.make("T1008", position: procNode.position, token: procedureName(node))
        }
        if f.kind == .lambda {
            let lambda = unsafeDowncast(f, to: Lambda.self)
            let env = Frame(parent: lambda.frame)
            var unbound: [Sym] = []
            for (i, p) in lambda.params.enumerated() {
                if i < node.arguments.count && node.arguments[i].kind == .placeholder {
                    unbound.append(p)
                } else {
                    env.bind(p, i < args.count ? args[i] : nil)
                }
            }
            return .function(Lambda(params: unbound, body: lambda.body, input: lambda.input, frame: env, signature: nil, isThunk: false))
        }
        // native function: pad the argument list to the function's arity
        var full = args
        var allHoles = holes
        while full.count < f.arity {
            full.append(nil)
        }
        if full.count > args.count {
            // missing trailing arguments stay undefined
            allHoles = holes
        }
        return .function(PartialBuiltin(target: f, args: full, holes: allHoles))
    }

    private func evalApply(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        let lhs = try eval(node.lhs!, input, frame)
        let rhsNode = node.rhs!
        if rhsNode.kind == .function {
            return try evalFunction(rhsNode, input, frame, applyTo: .some(lhs))
        }
        let fn = try eval(rhsNode, input, frame)
        guard case .function(let g)? = fn else {
            throw ExpressionError.make("T2006", position: node.position, token: "~>", value: fn)
        }
        if case .function(let f)? = lhs {
            let composed = Builtin(name: "chain", signature: nil, arity: 1) { args, site throws(ExpressionError) in
                let inner = try site.ev.apply(.function(f), [args.first ?? nil], nil, site.frame)
                return try site.ev.apply(.function(g), [inner], nil, site.frame)
            }
            return .function(composed)
        }
        return try apply(fn, [lhs], input, frame)
    }

    // MARK: - Sorting

    private func sortKeys(_ node: Node, _ contexts: [(Value?, Frame)]) throws(ExpressionError) -> [Value?] {
        var keys: [Value?] = []
        keys.reserveCapacity(contexts.count * node.terms.count)
        for (c, f) in contexts {
            for term in node.terms {
                keys.append(try eval(term.expression, c, f))
            }
        }
        return keys
    }

    /// True when the item with keys at `a` must come after the one at `b`.
    private func sortSwap(_ node: Node, _ keys: [Value?], _ a: Int, _ b: Int) throws(ExpressionError) -> Bool {
        var comp = 0
        var index = 0
        let n = node.terms.count
        while comp == 0 && index < n {
            defer { index += 1 }
            let aa = keys[a * n + index]
            let bb = keys[b * n + index]
            guard let aa else {
                comp = bb == nil ? 0 : 1
                continue
            }
            guard let bb else {
                comp = -1
                continue
            }
            switch (aa, bb) {
            case (.number(let x), .number(let y)):
                comp = Num.compare(x, y, ieee: ieee)
            case (.string(let x), .string(let y)):
                comp = Evaluator.compareStrings(x, y)
            default:
                let aOK = aa.isString || aa.isNumber
                let bOK = bb.isString || bb.isNumber
                if !aOK || !bOK {
                    throw ExpressionError.make("T2008", position: node.position, value: aOK ? bb : aa)
                }
                throw ExpressionError.make("T2007", position: node.position, value: aa, value2: bb)
            }
            if node.terms[index].descending { comp = -comp }
        }
        return comp == 1
    }

    func evalSortValues(_ node: Node, _ input: [Value], _ frame: Frame) throws(ExpressionError) -> Value {
        if input.count <= 1 { return .array(JArray.sequence(input)) }
        let keys = try sortKeys(node, input.map { ($0, frame) })
        if node.terms.count == 1, let order = Evaluator.sortSingleKey(keys, descending: node.terms[0].descending, ieee: ieee) {
            return .array(JArray.sequence(order.map { input[$0] }))
        }
        let order = try Functions.mergeSortIndices(input.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
            try sortSwap(node, keys, i, j)
        }
        return .array(JArray.sequence(order.map { input[$0] }))
    }

    /// Order-by on one term whose keys are all numbers or all strings (no undefined): the same
    /// stable order as the general comparison, without its per-comparison checks.
    static func sortSingleKey(_ keys: [Value?], descending: Bool, ieee: Bool) -> [Int]? {
        var nums: [Num] = []
        var strs: [String] = []
        nums.reserveCapacity(keys.count)
        for k in keys {
            switch k {
            case .number(let n)?:
                guard strs.isEmpty else { return nil }
                nums.append(n)
            case .string(let s)?:
                guard nums.isEmpty else { return nil }
                strs.append(s)
            default:
                return nil
            }
        }
        let order: [Int]
        if !nums.isEmpty {
            let allDouble = ieee || nums.allSatisfy { !$0.isExact }
            order = try! Functions.mergeSortIndices(keys.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
                let c = allDouble ? (nums[i].d < nums[j].d ? -1 : (nums[i].d > nums[j].d ? 1 : 0)) : Num.compare(nums[i], nums[j])
                return descending ? c < 0 : c > 0
            }
        } else {
            order = try! Functions.mergeSortIndices(keys.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
                let c = Evaluator.compareStrings(strs[i], strs[j])
                return descending ? c < 0 : c > 0
            }
        }
        return order
    }

    private func evalSortTuples(_ node: Node, _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
        if input.count <= 1 { return input }
        let keys = try sortKeys(node, input.map { ($0.context, frameFromTuple(frame, $0)) })
        let order = try Functions.mergeSortIndices(input.count) { (i: Int, j: Int) throws(ExpressionError) -> Bool in
            try sortSwap(node, keys, i, j)
        }
        return order.map { input[$0] }
    }

    // MARK: - Transforms

    private func transform(_ t: TransformFunction, _ obj: Value?) throws(ExpressionError) -> Value? {
        guard let obj else { return nil }
        let node = t.node
        let result = try Functions.deepClone(obj)
        let matches = try eval(node.pattern!, result, t.frame)
        if let matches {
            let list: [Value] = matches.isArray ? matches.elements : [matches]
            for match in list {
                let update = try eval(node.update!, match, t.frame)
                if let update {
                    guard update.isObject else {
                        throw ExpressionError.make("T2011", position: node.update!.position, value: update)
                    }
                    if case .object(let target) = match {
                        update.forEachMember { (k: String, v: Value) in target[k] = v }
                    }
                }
                if let del = node.delete {
                    let deletions = try eval(del, match, t.frame)
                    if let deletions {
                        let names: [Value] = deletions.isArray ? deletions.elements : [deletions]
                        var strings: [String] = []
                        for n in names {
                            guard case .string(let s) = n else {
                                throw ExpressionError.make("T2012", position: del.position, value: deletions)
                            }
                            strings.append(s)
                        }
                        if case .object(let target) = match {
                            for s in strings { target[s] = nil }
                        }
                    }
                }
            }
        }
        return result
    }

    // MARK: - Truth and equality

    /// JSONata's effective boolean value (nil for undefined).
    static func boolean(_ v: Value?) -> Bool? {
        guard let v else { return nil }
        switch v {
        case .null: return false
        case .bool(let b): return b
        case .number(let n): return n.d != 0
        case .string(let s): return !s.isEmpty
        case .array, .jarray:
            let c = v.count
            if c == 0 { return false }
            if c == 1 { return boolean(v.element(0)) ?? false }
            for i in 0..<c where boolean(v.element(i)) == true { return true }
            return false
        case .object(let o): return o.count > 0
        case .jobject(let o): return o.count > 0
        case .function: return false
        case .tuples(let t): return !t.tuples.isEmpty
        }
    }

    static func isArrayOfNumbers(_ v: Value) -> Bool {
        for i in 0..<v.count {
            if case .number = v.element(i) { continue }
            return false
        }
        return true
    }

    static func isArrayOfStrings(_ v: Value) -> Bool {
        for i in 0..<v.count {
            if case .string = v.element(i) { continue }
            return false
        }
        return true
    }

    /// JavaScript `===` on values (objects by identity).
    static func strictEqual(_ a: Value, _ b: Value, ieee: Bool) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return Num.equal(x, y, ieee: ieee)
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x === y
        case (.object(let x), .object(let y)): return x === y
        case (.function(let x), .function(let y)): return x === y
        default: return false
        }
    }

    /// Deep equality (`=`): arrays element-wise, objects by members in any order.
    static func deepEqual(_ a: Value, _ b: Value, ieee: Bool) throws(ExpressionError) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return Num.equal(x, y, ieee: ieee)
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.function(let x), .function(let y)): return x === y
        default: break
        }
        if a.isArray && b.isArray {
            try StackGuard.check()
            let n = a.count
            if n != b.count { return false }
            for i in 0..<n where !(try deepEqual(a.element(i), b.element(i), ieee: ieee)) { return false }
            return true
        }
        if a.isObject && b.isObject {
            try StackGuard.check()
            if a.objectCount != b.objectCount { return false }
            for k in a.objectKeys {
                guard let bv = b.member(k), let av = a.member(k) else { return false }
                if !(try deepEqual(av, bv, ieee: ieee)) { return false }
            }
            return true
        }
        return false
    }
}

/// The function value of a transform expression (`| pattern | update, delete |`).
final class TransformFunction: Callable, @unchecked Sendable {
    static let signature = try? Signature("<(oa):o>")
    let node: Node
    let frame: Frame
    init(node: Node, frame: Frame) {
        self.node = node
        self.frame = frame
        super.init(kind: .transform, signature: TransformFunction.signature, arity: 1)
    }
}
