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
