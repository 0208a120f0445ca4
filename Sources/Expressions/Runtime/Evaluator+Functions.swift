import Foundation
import JSONModel

extension Evaluator {
    // MARK: - Variables, functions

    @inline(__always) func evalVariable(_ node: Node, _ input: Value?, _ frame: Frame) -> Value? {
        if node.value.isEmpty {
            if case .array(let a)? = input, a.outerWrapper, !a.items.isEmpty { return a.items[0] }
            return input
        }
        if let v = frame.lookup(node.sym) { return v }
        if let f = functions.lookup(node.sym) { return .function(f) }
        return nil
    }

    func procedureName(_ node: Node) -> String {
        guard let p = node.procedure else { return "" }
        if p.kind == .path, let first = p.steps.first { return first.value }
        return p.value
    }

    func evalFunction(_ node: Node, _ input: Value?, _ frame: Frame, applyTo: Value??) throws(ExpressionError) -> Value? {
        let procNode = node.procedure!
        // `$name(…)`: the variable read directly (the usual case, no predicate or grouping on it)
        var proc: Value?
        if procNode.kind == .variable && procNode.predicate == nil && procNode.group == nil && !procNode.keepArray {
            proc = evalVariable(procNode, input, frame)
            // a sequence needs eval's unwrapping
            if case .array? = proc { proc = try eval(procNode, input, frame) }
        } else {
            proc = try eval(procNode, input, frame)
        }
        if proc == nil && procNode.kind == .path, let first = procNode.steps.first {
            let sym = Symbols.intern(first.value)
            if frame.lookup(sym) != nil || functions.lookup(sym) != nil {
                throw ExpressionError.make("T1005", position: node.position, token: first.value)
            }
        }
        if applyTo == nil, node.arguments.count == 1, case .function(let f)? = proc, f === Functions.sumBuiltin,
            let total = try foldSum(node.arguments[0], input, frame)
        {
            return total
        }
        if applyTo == nil, node.arguments.count == 1, case .function(let f)? = proc, f === Functions.countBuiltin,
            let input, let n = foldCount(node.arguments[0], input)
        {
            return .int(n)
        }
        var args: [Value?] = []
        if applyTo == nil, node.arguments.count == 1, case .function(let f)? = proc, let direct = Functions.directUnary(f) {
            let x = try eval(node.arguments[0], input, frame)
            if let x, let r = direct(x) { return r }
            args = [x]
        } else if applyTo == nil, case .function(let f)? = proc, f === Functions.roundBuiltin, node.arguments.count <= 2,
            !node.arguments.isEmpty
        {
            // `$round(x, 2)`: numbers rounded without the argument array and signature check;
            // anything else goes on to the general call with the arguments already evaluated.
            let x = try eval(node.arguments[0], input, frame)
            let p = node.arguments.count == 2 ? try eval(node.arguments[1], input, frame) : nil
            if case .number(let n)? = x {
                switch p {
                case nil:
                    return .number(ieee ? n.roundIEEE(0) : n.roundHalfEven(0))
                case .number(let digits)?:
                    let precision = Int(digits.d.clamped())
                    return .number(ieee ? n.roundIEEE(precision) : n.roundHalfEven(precision))
                default:
                    break
                }
            }
            args = node.arguments.count == 2 ? [x, p] : [x]
        } else {
            args.reserveCapacity(node.arguments.count + 1)
            if let applyTo { args.append(applyTo) }
            for a in node.arguments {
                args.append(try eval(a, input, frame))
            }
        }
        do throws(ExpressionError) {
            return try apply(proc, args, input, frame)
        } catch {
            throw error.located(procNode.position, token: procedureName(node))
        }
    }

    /// `$sum(a.b.(expr))`: the library's `$sum` over a path, totalled as the path's last step
    /// gives its values, without building the sequence or the argument array. `.some(result)`
    /// when done; nil when the general evaluation is needed (a path with bindings, grouping or
    /// a sort; a value that is not a number; no number at all): it is then evaluated in full,
    /// so every error and edge case is the general one.
    func foldSum(_ arg: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value?? {
        guard arg.kind == .path, !arg.tuple, !arg.keepSingletonArray, !arg.keepArray, arg.group == nil, arg.predicate == nil,
            arg.steps.count >= 2, arg.stages == nil
        else { return nil }
        let steps = arg.steps
        let last = steps[steps.count - 1]
        guard !steps[0].consarray, last.kind != .sort, last.stages == nil else { return nil }
        for s in steps where s.tuple { return nil }
        try enter(arg)
        defer { counters.pointee.depth -= 1 }
        // `$sum(lines.(…))` on input objects (or an array of them) whose `lines` are input
        // arrays: their items read in place, no sequence built.
        let first = steps[0]
        if steps.count == 2, let input, first.kind == .name, first.stages == nil, first.predicate == nil, first.group == nil,
            !first.keepArray, first.focus == nil, first.index == nil, first.ancestorSym == nil
        {
            let lastInner = last.leaf == .inner ? last.expressions[0] : last
            let program = exactProgram(lastInner, frame)
            if let program, let total = exactSum(over: input, lines: first, program: program) {
                return .some(.number(total))
            }
            var acc = SumAccumulator(ieee: ieee)
            var ok = true
            @inline(__always) func item(_ v: Value) throws(ExpressionError) {
                guard case .jobject(let o) = v else {
                    ok = false
                    return
                }
                switch memberJSON(o, first.value, hintSlot: first.hintSlot) {
                case nil:
                    return
                case .array(let items)?:
                    for j in items {
                        // `(qty * unit_price)`: computed in exact numbers (see `exactTerm`)
                        if let program, case .object(let lo) = j, let (m, e) = exactTerm(program, lo) {
                            acc.addNumber(Num(m: m, e: e))
                            continue
                        }
                        guard let res = try eval(last, Value(j), frame) else { continue }
                        guard acc.add(res) else {
                            ok = false
                            return
                        }
                    }
                case let j?:
                    guard let res = try eval(last, Value(j), frame) else { return }
                    if !acc.add(res) { ok = false }
                }
            }
            switch input {
            case .array(let a):
                for v in a.items where ok { try item(v) }
            case .jobject:
                try item(input)
            default:
                ok = false
            }
            if !ok { return nil }
            return acc.result
        }
        // The steps before the last, as `evalPath` runs them.
        var inputSeq: [Value] = []
        var single: Value?? = nil
        if let input, input.isArray, steps[0].kind != .variable {
            inputSeq = input.elements
        } else {
            single = .some(input)
        }
        for ii in 0..<(steps.count - 1) {
            let step = steps[ii]
            let r = try evalStep(step, inputSeq, single, frame, lastStep: false)
            single = nil
            guard let r, r.isArray, r.count > 0 else {
                if r == nil || r!.isArray { return .some(nil) }
                inputSeq = [r!]
                continue
            }
            if step.focus == nil { inputSeq = r.elements }
        }
        // The last step, totalled as `$sum` does.
        let lastInner = last.leaf == .inner ? last.expressions[0] : last
        if lastInner.leaf == .binary, let program = exactProgram(lastInner, frame), let total = exactSum(items: inputSeq, program: program) {
            return .some(.number(total))
        }
        var acc = SumAccumulator(ieee: ieee)
        for item in inputSeq {
            guard let res = try eval(last, item, frame) else { continue }
            guard acc.add(res) else { return nil }
        }
        return acc.result
    }

    /// `$count(lines)` on input objects (or an array of them): the number of values the name
    /// gives, counted in place (an array member gives its elements, another value one, a missing
    /// member none), as the path would gather them. Nil when anything else is met.
    func foldCount(_ arg: Node, _ input: Value) -> Int? {
        guard arg.leaf == .name else { return nil }
        @inline(__always) func count(_ o: JSONObject) -> Int {
            switch memberJSON(o, arg.leafName, hintSlot: arg.hintSlot) {
            case nil: return 0
            case .array(let a)?: return a.count
            default: return 1
            }
        }
        switch input {
        case .jobject(let o):
            return count(o)
        case .array(let a):
            var total = 0
            for v in a.items {
                guard case .jobject(let o) = v else { return nil }
                total += count(o)
            }
            return total
        default:
            return nil
        }
    }

    /// `$sum(lines.(qty * unit_price))` over input objects whose numbers are all held inline
    /// (``JSONModel/JSONNumber/smallParts``): each term computed and added as a scaled integer,
    /// with no `Num`, double or `Value` on the way. The terms and the total are built exactly as
    /// `Num`'s `*`, `+` and `-` and `SumAccumulator` build them, so the result is the same
    /// number in the same form. Nil when anything else is met (a member that is missing or not
    /// such a number, an overflow, an item that is not an input object, no item at all): the
    /// caller then takes the general way from the start (the terms are pure).
    func exactSum(over input: Value, lines: Node, program: [ExactStep]) -> Num? {
        var total = ExactTotal()
        @inline(__always) func add(_ o: JSONObject) -> Bool {
            switch memberJSON(o, lines.value, hintSlot: lines.hintSlot) {
            case .array(let items)?:
                for j in items {
                    guard case .object(let lo) = j, let t = exactTerm(program, lo), total.add(t) else { return false }
                }
                return true
            default:
                return false
            }
        }
        switch input {
        case .array(let a):
            for v in a.items {
                guard case .jobject(let o) = v, add(o) else { return nil }
            }
        case .jobject(let o):
            guard add(o) else { return nil }
        default:
            return nil
        }
        return total.result
    }

    /// ``exactSum(over:lines:program:)`` over items already gathered (a path's last step).
    func exactSum(items: [Value], program: [ExactStep]) -> Num? {
        var total = ExactTotal()
        for v in items {
            guard case .jobject(let o) = v, let t = exactTerm(program, o), total.add(t) else { return nil }
        }
        return total.result
    }

    /// `+ - *` of names and number literals on an input object as `significand × 10^exponent`,
    /// as `Num` computes them (a product drops the trailing zeros of its fraction; a sum or a
    /// difference is taken at the smaller exponent), run from the node's ``Node/exactProgram``.
    /// Nil for anything else (a missing member, one that is not a number held inline) or an
    /// overflow.
    @inline(__always)
    func exactTerm(_ program: [ExactStep], _ o: JSONObject) -> (Int64, Int)? {
        var ms: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var es: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
        var top = 0
        return withUnsafeMutableBytes(of: &ms) { mraw -> (Int64, Int)? in
            withUnsafeMutableBytes(of: &es) { eraw -> (Int64, Int)? in
                let m = mraw.bindMemory(to: Int64.self)
                let e = eraw.bindMemory(to: Int.self)
                for step in program {
                    switch step {
                    case .name(let key, let slot):
                        guard top < 8, case .number(let j)? = memberJSON(o, key, hintSlot: slot), let p = j.smallParts else { return nil }
                        m[top] = p.significand
                        e[top] = p.exponent
                        top += 1
                    case .numberOf(let key, let slot):
                        guard top < 8 else { return nil }
                        let value = memberJSON(o, key, hintSlot: slot)
                        guard let parts = Evaluator.numberParts(value) else { return nil }
                        m[top] = parts.0
                        e[top] = parts.1
                        top += 1
                    case .literal(let lm, let le):
                        guard top < 8 else { return nil }
                        m[top] = lm
                        e[top] = le
                        top += 1
                    case .mul:
                        top -= 1
                        guard let (pm, pe) = Num.product((m[top - 1], e[top - 1]), (m[top], e[top])) else { return nil }
                        m[top - 1] = pm
                        e[top - 1] = pe
                    case .add, .sub:
                        top -= 1
                        guard let (x, y, ex) = Num.align((m[top - 1], e[top - 1]), (m[top], e[top])) else { return nil }
                        let (r, overflow) = step.isAdd ? x.addingReportingOverflow(y) : x.subtractingReportingOverflow(y)
                        if overflow { return nil }
                        m[top - 1] = r
                        e[top - 1] = ex
                    }
                }
                return top == 1 ? (m[0], e[0]) : nil
            }
        }
    }

    /// `node`'s ``Node/exactProgram`` where it can be used: in exact mode, and for a program
    /// reading `$number(name)`, where `$number` is the library's (not bound in `frame`).
    @inline(__always)
    func exactProgram(_ node: Node, _ frame: Frame) -> [ExactStep]? {
        guard !ieee, let program = node.exactProgram else { return nil }
        if node.exactReadsNumber && !numberIsLibrary(frame) { return nil }
        return program
    }

    private static let numberSym = Symbols.intern("number")

    /// `$number` names the library's function in `frame`.
    func numberIsLibrary(_ frame: Frame) -> Bool {
        frame.lookup(Evaluator.numberSym) == nil && functions.lookup(Evaluator.numberSym) === Functions.numberBuiltin
    }

    /// What `$number(v)` gives for a member value `v`, as an exact (significand, exponent)
    /// pair: a number held inline as it is, a plain decimal string as `$number` reads it. Nil
    /// for anything else (the general evaluation then decides).
    @inline(never)
    static func numberParts(_ v: JSONValue?) -> (Int64, Int)? {
        switch v {
        case .number(let j)?:
            guard let p = j.smallParts else { return nil }
            return (p.significand, p.exponent)
        case .string(let s)?:
            if let parts = Num.plainDecimalParts(s) { return parts }
            guard isDecimalLiteral(s), let n = Num.parse(s), n.isExact, n.d.isFinite else { return nil }
            return (n.m, Int(n.e))
        default:
            return nil
        }
    }

    /// A two-argument function called many times over (`$sort`'s comparator). A plain lambda
    /// (no signature) gets one scope, emptied and rebound for each call, and no argument array;
    /// anything else goes through `apply`. Nothing of a call outlives it: its result is only
    /// tested for truth, and tail calls are run to the end before the next call.
    func binaryCaller(_ f: Callable, _ site: CallSite) -> (Value, Value) throws(ExpressionError) -> Value? {
        if f.kind == .lambda, f.signature == nil, case let lambda = unsafeDowncast(f, to: Lambda.self), !lambda.isThunk {
            let env = Frame(parent: lambda.frame)
            let params = lambda.params
            let body = lambda.body
            let input = lambda.input
            return { (x: Value, y: Value) throws(ExpressionError) -> Value? in
                env.reset()
                if params.count > 0 { env.bind(params[0], x) }
                if params.count > 1 { env.bind(params[1], y) }
                for i in 2..<max(2, params.count) { env.bind(params[i], nil) }
                let result = try self.eval(body, input, env)
                return try self.runThunks(result, site.input, site.frame)
            }
        }
        return { (x: Value, y: Value) throws(ExpressionError) -> Value? in
            try self.apply(.function(f), [x, y], site.input, site.frame)
        }
    }

    /// Applies a function value, running tail calls in a loop.
    func apply(_ proc: Value?, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        try runThunks(try applyInner(proc, args, input, frame), input, frame)
    }

    /// Runs the tail calls (thunks) a function returned until a value comes out.
    func runThunks(_ first: Value?, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
        var result = first
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

    func applyInner(_ proc: Value?, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
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
    func invoke(_ f: Callable, _ args: [Value?], _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
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

    func evalPartial(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
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
        // `$name(…)`: the variable read directly (the usual case, no predicate or grouping on it)
        var proc: Value?
        if procNode.kind == .variable && procNode.predicate == nil && procNode.group == nil && !procNode.keepArray {
            proc = evalVariable(procNode, input, frame)
            // a sequence needs eval's unwrapping
            if case .array? = proc { proc = try eval(procNode, input, frame) }
        } else {
            proc = try eval(procNode, input, frame)
        }
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

    func evalApply(_ node: Node, _ input: Value?, _ frame: Frame) throws(ExpressionError) -> Value? {
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
}

/// `$sum`'s total, as the library's `$sum` computes it (exact while every term and partial sum
/// is exact, else the sum of the doubles).
struct SumAccumulator {
    let ieee: Bool
    var total = Num(int: 0)
    var exact: Bool
    var dsum = 0.0
    var numbers = 0

    init(ieee: Bool) {
        self.ieee = ieee
        exact = !ieee
    }

    @inline(__always) mutating func addNumber(_ n: Num) {
        numbers += 1
        if exact {
            if n.isExact {
                let t = total + n
                if t.isExact { total = t } else { exact = false }
            } else {
                exact = false
            }
        }
        dsum += n.d
    }

    /// Adds one result of the path's last step (a number, or the numbers of an array); false
    /// for anything else (the general evaluation decides).
    @inline(__always) mutating func add(_ res: Value) -> Bool {
        switch res {
        case .number(let n):
            addNumber(n)
        case .array(let a):
            if a.cons { return false }
            for v in a.items {
                guard case .number(let n) = v else { return false }
                addNumber(n)
            }
        case .jarray(let a):
            for j in a {
                guard case .number(let n) = j else { return false }
                addNumber(Num(n))
            }
        default:
            return false
        }
        return true
    }

    /// The total; nil (the general evaluation) when no number was met.
    var result: Value?? {
        if numbers == 0 { return nil }
        if ieee { return .some(.double(dsum)) }
        return .some(.number(exact ? total : Num(double: dsum)))
    }
}

/// The running total of ``Evaluator/exactSum(over:lines:program:)``: `Num(int: 0)` plus each
/// term, aligned as `Num.align` aligns them.
struct ExactTotal {
    var m: Int64 = 0
    var e = 0
    var terms = 0

    @inline(__always) mutating func add(_ t: (Int64, Int)) -> Bool {
        guard let (x, y, ex) = Num.align((m, e), t) else { return false }
        let (s, o) = x.addingReportingOverflow(y)
        if o { return false }
        m = s
        e = ex
        terms += 1
        return true
    }

    var result: Num? {
        terms == 0 ? nil : Num(m: m, e: e)
    }
}
