extension Expression {
    /// The members of the input record this expression can read, when that is certain: an
    /// object holding only these members of a record gives the same result as the record. Nil
    /// when the expression may read more or cannot be told: the input itself (`$`, `$$`), a
    /// path not made of plain names (wildcards, predicates, `%`), an object constructor, a call
    /// of a function that is not known here or could take the input as an argument.
    ///
    /// For a target's key: a file target reads only these members of its old records.
    public var inputFields: Set<String>? { InputFields.of(root) }
}

enum InputFields {
    /// Library functions that read nothing but their arguments when given at least this many
    /// (with fewer, some take the input in place of the first; see their signatures).
    static let pure: [String: Int] = [
        "string": 1, "number": 1, "uppercase": 1, "lowercase": 1, "trim": 1, "length": 1, "join": 1,
        "sum": 1, "count": 1, "exists": 1, "boolean": 1, "not": 1, "abs": 1, "floor": 1, "ceil": 1, "round": 1,
        "pad": 2, "substring": 2, "substringBefore": 2, "substringAfter": 2, "formatNumber": 2, "formatInteger": 2,
    ]

    static func of(_ n: Node) -> Set<String>? {
        switch n.kind {
        case .string, .number, .value:
            return []
        case .name:
            return isPlainName(n) ? [n.value] : nil
        case .path:
            // `a.b.c`: only `a` of the input is read
            guard !n.steps.isEmpty, n.steps.allSatisfy(isPlainName), n.group == nil,
                  (n.stages ?? []).isEmpty, (n.predicate ?? []).isEmpty
            else { return nil }
            return [n.steps[0].value]
        case .binary:
            guard let l = n.lhs.flatMap(of), let r = n.rhs.flatMap(of) else { return nil }
            return l.union(r)
        case .unary:
            switch n.firstByte {
            case UInt8(ascii: "-"): return n.expression.flatMap(of)
            case UInt8(ascii: "["): return union(n.expressions)
            default: return nil
            }
        case .condition:
            guard let c = n.condition.flatMap(of), let t = n.then.flatMap(of) else { return nil }
            guard let o = n.otherwise else { return c.union(t) }
            return of(o).map { c.union(t).union($0) }
        case .block:
            return n.expressions.count == 1 ? of(n.expressions[0]) : nil
        case .variable:
            // `$` and `$$` are the input; any other variable is a binding, not the input
            return n.value.isEmpty || n.value == "$" ? nil : []
        case .function:
            guard let name = functionName(n), let least = pure[name], n.arguments.count >= least else { return nil }
            return union(n.arguments)
        default:
            return nil
        }
    }

    private static func union(_ nodes: [Node]) -> Set<String>? {
        var all = Set<String>()
        for node in nodes {
            guard let fields = of(node) else { return nil }
            all.formUnion(fields)
        }
        return all
    }

    private static func isPlainName(_ n: Node) -> Bool {
        n.kind == .name && (n.stages ?? []).isEmpty && (n.predicate ?? []).isEmpty && n.group == nil && n.focus == nil && n.index == nil
    }

    private static func functionName(_ n: Node) -> String? {
        guard let p = n.procedure else { return nil }
        if p.kind == .variable { return p.value }
        if p.kind == .path, p.steps.count == 1, p.steps[0].kind == .variable { return p.steps[0].value }
        return nil
    }
}
