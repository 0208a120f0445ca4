import RuntimeSupport
import Foundation
import JSONModel

/// The keywords that apply subschemas (allOf, anyOf, oneOf, not, if, items, properties, unevaluated…).
extension Evaluator {
    @inline(never)
    mutating func applyContains(_ sub: Int, _ minimum: Int, _ maximum: Int?, _ explicitMin: Bool, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .array(let a) = value else { return true }
        var matched = 0
        var matchedIndices: [Int] = []
        quietly { me in
            for (i, item) in a.enumerated() {
                var ignored = Annotations()
                if me.evaluate(sub, item, need: false, into: &ignored, hops: 0) {
                    matched += 1
                    if collect { matchedIndices.append(i) }
                    if !collect && maximum == nil && matched >= minimum { break }
                } else if me.aborted {
                    break
                }
            }
        }
        if collect { ann.items.formUnion(matchedIndices) }
        if matched < minimum {
            if explicitMin {
                report("minContains", "expected at least \(Messages.plural(minimum, "item")) matching the 'contains' schema, found \(matched)",
                       replacingKeyword: "minContains")
            } else {
                report("contains", "expected at least one item matching the 'contains' schema, found none")
            }
            return false
        }
        if let maximum, matched > maximum {
            report("maxContains", "expected at most \(Messages.plural(maximum, "item")) matching the 'contains' schema, found \(matched)",
                   replacingKeyword: "maxContains")
            return false
        }
        return true
    }

    @inline(never)
    mutating func applyAllOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        var valid = true
        for (i, sub) in list.enumerated() {
            if !evaluateInPlace(sub, value, schemaToken: String(i), need: collect, into: &ann, hops: hops) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyAnyOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        var anyValid = false
        quietly { me in
            for sub in list {
                var branch = Annotations()
                if me.evaluate(sub, value, need: collect, into: &branch, hops: hops) {
                    if collect { ann.merge(branch) }
                    anyValid = true
                    if !collect { break }
                }
                if me.aborted { break }
            }
        }
        if anyValid { return true }
        if collecting && !aborted {
            let branches = branchErrors(list, value, hops: hops)
            report("anyOf", Evaluator.alternativesMessage(branches, value: value, exactlyOne: false),
                   .alternatives(branches: branches))
        }
        return false
    }

    @inline(never)
    mutating func applyOneOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        var matches: [Int] = []
        var branchAnnotations = Annotations()
        let countAll = collecting
        quietly { me in
            for (i, sub) in list.enumerated() {
                var candidate = Annotations()
                if me.evaluate(sub, value, need: collect, into: &candidate, hops: hops) {
                    matches.append(i)
                    if matches.count == 1 { branchAnnotations = candidate }
                    if matches.count > 1 && !countAll { break }
                }
                if me.aborted { break }
            }
        }
        if matches.count == 1 {
            if collect { ann.merge(branchAnnotations) }
            return true
        }
        if collecting && !aborted {
            if matches.isEmpty {
                let branches = branchErrors(list, value, hops: hops)
                report("oneOf", Evaluator.alternativesMessage(branches, value: value, exactlyOne: true),
                       .alternatives(branches: branches))
            } else {
                report("oneOf", "expected the value to match exactly one of the \(list.count) alternatives, but it matches \(matches.count) (at index \(Messages.list(matches.map(String.init), conjunction: "and")))",
                       .alternatives(branches: []))
            }
        }
        return false
    }

    @inline(never)
    mutating func applyNot(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        let matched = quietly { me in
            var ignored = Annotations()
            return me.evaluate(sub, value, need: false, into: &ignored, hops: hops)
        }
        if aborted { return false }
        if !matched { return true }
        report("not", "expected the value not to match the 'not' schema")
        return false
    }

    @inline(never)
    mutating func applyConditional(_ condition: Int, _ then: Int?, _ otherwise: Int?, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        var conditionAnnotations = Annotations()
        let holds = quietly { me in
            me.evaluate(condition, value, need: collect, into: &conditionAnnotations, hops: hops)
        }
        if aborted { return false }
        if holds {
            if collect { ann.merge(conditionAnnotations) }
            guard let then else { return true }
            return evaluateInPlace(then, value, schemaToken: "then", need: collect, into: &ann, hops: hops)
        }
        guard let otherwise else { return true }
        return evaluateInPlace(otherwise, value, schemaToken: "else", need: collect, into: &ann, hops: hops)
    }

    @inline(never)
    mutating func applyDependentSchemas(_ list: [(String, Int)], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        var valid = true
        for (trigger, sub) in list where o.contains(trigger) {
            if !evaluateInPlace(sub, value, schemaToken: trigger, need: collect, into: &ann, hops: hops) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyPrefixItems(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .array(let a) = value else { return true }
        let n = min(list.count, a.count)
        var valid = true
        for i in 0..<n {
            if !evaluateChild(list[i], a[i], item: i, indexInSchema: true) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        if collect && n > ann.itemPrefix { ann.itemPrefix = n }
        return valid
    }

    @inline(never)
    mutating func applyItems(_ sub: Int, _ start: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .array(let a) = value, a.count > start else { return true }
        if collect { ann.allItems = true }
        if program.nodes[sub].boolean == false {
            report("items", start == 0
                   ? "expected an empty array, found \(Messages.plural(a.count, "item"))"
                   : "expected at most \(Messages.plural(start, "item")), found \(a.count)")
            return false
        }
        var valid = true
        for i in start..<a.count {
            if !evaluateChild(sub, a[i], item: i) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyProperties(_ list: [(String, Int)], _ dict: [String: Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        var valid = true
        if list.count <= o.count {
            for (name, sub) in list {
                guard let child = o[name] else { continue }
                if collect { ann.properties.insert(name) }
                if !evaluateChild(sub, child, name: name, schemaToken: name) {
                    valid = false
                    if !collecting || aborted { return false }
                }
            }
        } else {
            for (name, child) in o {
                guard let sub = dict[name] else { continue }
                if collect { ann.properties.insert(name) }
                if !evaluateChild(sub, child, name: name, schemaToken: name) {
                    valid = false
                    if !collecting || aborted { return false }
                }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyPatternProperties(_ list: [(ECMARegex, Int)], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        var valid = true
        for (name, child) in o {
            for (regex, sub) in list where regex.matches(name) {
                if collect { ann.properties.insert(name) }
                if !evaluateChild(sub, child, name: name, schemaToken: regex.source) {
                    valid = false
                    if !collecting || aborted { return false }
                }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyAdditionalProperties(_ sub: Int, _ known: Set<String>, _ patterns: [ECMARegex], _ knownList: [String], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        if collect { ann.allProperties = true }
        let forbidden = program.nodes[sub].boolean == false
        var valid = true
        for (name, child) in o {
            if known.contains(name) || patterns.contains(where: { $0.matches(name) }) { continue }
            if forbidden {
                valid = false
                if !collecting { return false }
                report("additionalProperties", "unknown property '\(name)'",
                       .unknownProperty(name: name, known: knownList), instanceToken: name)
            } else if !evaluateChild(sub, child, name: name) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyPropertyNames(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        var valid = true
        for name in o.keys {
            let start = errors.count
            var ignored = Annotations()
            if !evaluate(sub, .string(name), need: false, into: &ignored, hops: 0) {
                valid = false
                if !collecting || aborted { return false }
                let reason = errors.count > start ? ": " + errors[start].message : ""
                errors.removeSubrange(start...)
                report("propertyNames", "invalid property name '\(name)'\(reason)")
            }
        }
        return valid
    }

    @inline(never)
    mutating func applyUnevaluatedItems(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .array(let a) = value else { return true }
        let forbidden = program.nodes[sub].boolean == false
        var valid = true
        for i in a.indices where !ann.isEvaluated(item: i) {
            if forbidden {
                valid = false
                if !collecting { return false }
                report("unevaluatedItems", "unexpected item at index \(i)", instanceToken: String(i))
            } else if !evaluateChild(sub, a[i], item: i) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        if collect { ann.allItems = true }
        return valid
    }

    @inline(never)
    mutating func applyUnevaluatedProperties(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
        _ ann: inout Annotations, hops: Int) -> Bool
    {
        guard case .object(let o) = value else { return true }
        let forbidden = program.nodes[sub].boolean == false
        var valid = true
        var knownList: [String]? = nil
        for (name, child) in o where !ann.isEvaluated(property: name) {
            if forbidden {
                valid = false
                if !collecting { return false }
                if knownList == nil { knownList = knownProperties(of: node) }
                report("unevaluatedProperties", "unknown property '\(name)'",
                       .unknownProperty(name: name, known: knownList ?? []), instanceToken: name)
            } else if !evaluateChild(sub, child, name: name) {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        if collect { ann.allProperties = true }
        return valid
    }

    /// Follows a `$ref`/`$dynamicRef` to `target`, guarding against reference cycles.
    mutating func follow(_ target: Int, _ value: JSONValue, collect: Bool, _ ann: inout Annotations, hops: Int) -> Bool {
        if hops >= Evaluator.maxReferenceHops {
            abort("$ref", "the schema follows more than \(Evaluator.maxReferenceHops) references without moving into the instance; it is probably a reference cycle")
            return false
        }
        return evaluate(target, value, need: collect, into: &ann, hops: hops + 1)
    }

    /// The errors of each alternative, re-evaluated in collecting mode.
    mutating func branchErrors(_ list: [Int], _ value: JSONValue, hops: Int) -> [[ValidationError]] {
        var branches: [[ValidationError]] = []
        for (i, sub) in list.enumerated() {
            let start = errors.count
            var ignored = Annotations()
            schemaPath.append(String(i))
            _ = evaluate(sub, value, need: false, into: &ignored, hops: hops)
            schemaPath.removeLast()
            branches.append(Array(errors[start...]))
            errors.removeSubrange(start...)
        }
        return branches
    }

    /// "expected a string or an object, found a number" when every branch failed on its type
    /// alone; otherwise a count of alternatives.
    static func alternativesMessage(_ branches: [[ValidationError]], value: JSONValue, exactlyOne: Bool) -> String {
        var types: [String] = []
        var onlyTypes = !branches.isEmpty
        for branch in branches {
            guard branch.count == 1, case .type(let expected, _) = branch[0].detail else {
                onlyTypes = false
                break
            }
            for t in expected where !types.contains(t) { types.append(t) }
        }
        if onlyTypes, branches.allSatisfy({ $0[0].instancePath == branches[0][0].instancePath }) {
            return "expected \(Messages.list(types.map(Messages.typeName))), found \(Messages.typeName(value.typeName))"
        }
        let quantifier = exactlyOne ? "exactly one" : "at least one"
        return "expected the value to match \(quantifier) of the \(branches.count) alternatives, but it matches none"
    }

    /// Property names declared by `node` and the subschemas it applies in place.
    func knownProperties(of node: SchemaNode) -> [String] {
        var names: [String] = []
        var seenNames: Set<String> = []
        var visited: Set<ObjectIdentifier> = []
        var stack = [node]
        while let current = stack.popLast() {
            guard visited.insert(ObjectIdentifier(current)).inserted else { continue }
            for name in current.declaredProperties where seenNames.insert(name).inserted { names.append(name) }
            for index in current.inPlace.reversed() { stack.append(program.nodes[index]) }
        }
        return names
    }
}
