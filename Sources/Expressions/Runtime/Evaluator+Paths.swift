import Foundation
import JSONModel

extension Evaluator {
    // MARK: - Paths

    struct Found {
        let value: Value?
    }

    /// `a.b.c` while every value on the way is an object: nil when the general path evaluation
    /// is needed (an array on the way).
    @inline(__always)
    func directLookup(_ names: [String], hintSlot: Int32, _ input: Value?) -> Found? {
        guard var cur = input else { return Found(value: nil) }
        for k in 0..<names.count {
            let name = names[k]
            switch cur {
            case .jobject(let o):
                guard let v = member(o, name, hintSlot: hintSlot + Int32(k)) else { return Found(value: nil) }
                cur = v
            case .object(let o):
                let slot = hintSlot < 0 ? -1 : Int(hintSlot) + k
                let found = slot >= 0 && slot < hintCount ? o.value(forKey: name, hint: &hints[slot]) : o[name]
                guard let v = found else { return Found(value: nil) }
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

    /// Member `key` of an input object, using lookup hint `hintSlot` (see ``hints``).
    @inline(__always)
    func member(_ o: JSONObject, _ key: String, hintSlot: Int32) -> Value? {
        let slot = Int(hintSlot)
        if slot >= 0 && slot < hintCount {
            return o.value(forKey: key, hint: &hints[slot]).map(Value.init)
        }
        return o[key].map(Value.init)
    }

    /// Member `key` of an input object as it stands in the input, using lookup hint `hintSlot`.
    @inline(__always)
    func memberJSON(_ o: JSONObject, _ key: String, hintSlot: Int32) -> JSONValue? {
        let slot = Int(hintSlot)
        if slot >= 0 && slot < hintCount {
            return o.value(forKey: key, hint: &hints[slot])
        }
        return o[key]
    }

    /// A path of plain names (``Node/simpleNames``, after a variable or not) read straight from
    /// the input's objects, for a constructor's member: the value as the input holds it, with
    /// no conversion to a ``Value`` and back. `.some(nil)` when the path gives nothing; nil
    /// when the general evaluation is needed (a value on the way is not an input object, an
    /// array on the way, or a number whose evaluated form would differ from its JSON form).
    @inline(__always)
    func directJSON(_ node: Node, _ names: [String], _ input: Value?, _ frame: Frame) -> JSONValue?? {
        var base = input
        if let head = node.variableHead { base = evalVariable(head, input, frame) }
        guard case .jobject(var o)? = base else { return nil }
        let last = names.count - 1
        var k = 0
        while true {
            guard let v = memberJSON(o, names[k], hintSlot: node.hintSlot + Int32(k)) else { return .some(nil) }
            if k == last {
                if case .number(let n) = v {
                    let num = Num(n)
                    guard num.isExact, num.d.isFinite else { return nil }
                }
                return .some(v)
            }
            switch v {
            case .object(let next): o = next
            case .array: return nil
            default: return .some(nil)
            }
            k += 1
        }
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

    func evalPath(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
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

    func evalStep(_ step: Node, _ input: [Value], _ single: Value??, _ frame: Frame, lastStep: Bool) throws(ExpressionError) -> Value? {
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
                    found = member(o, step.value, hintSlot: step.hintSlot)
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

    @inline(__always) func frameFromTuple(_ frame: Frame, _ tuple: Tuple) -> Frame {
        let f = Frame(parent: frame)
        for (s, v) in tuple.binds { f.bind(s, v) }
        return f
    }

    func evalTupleStep(_ step: Node, _ input: [Value], _ tupleBindings: [Tuple]?, _ frame: Frame, undefinedInput: Bool) throws(ExpressionError) -> [Tuple] {
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

    func evalStages(_ stages: [Stage], _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
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
    func matchesPredicate(_ res: Value?, index: Int, count: Int) throws(ExpressionError) -> Bool {
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

    func filterTuples(_ predicate: Node, _ input: [Tuple], _ frame: Frame) throws(ExpressionError) -> [Tuple] {
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

    func evalWildcard(_ inputIn: Value?) throws(ExpressionError) -> Value? {
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

    func evalDescendants(_ input: Value?) throws(ExpressionError) -> Value? {
        guard let input else { return nil }
        var out: [Value] = []
        try Evaluator.recurseDescendants(input, &out)
        if out.count == 1 { return out[0] }
        return .array(JArray.sequence(out))
    }

    static func recurseDescendants(_ input: Value, _ out: inout [Value]) throws(ExpressionError) {
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
}
