import RuntimeSupport
import Foundation
import JSONModel

/// Applies a ``Program`` to one instance.
///
/// Two modes: `collecting` gathers every error with its paths; otherwise it stops at the first
/// failure and builds no error values (``JSONSchemaValidator/isValid(_:)``). Subevaluations
/// whose errors are never reported (`not`, `if`, `contains`, the first pass of `anyOf`/`oneOf`)
/// always run in the fast mode.
struct Evaluator {
    let program: Program
    private(set) var collecting: Bool
    private(set) var errors: [ValidationError] = []
    private var instancePath: [String] = []
    private var schemaPath: [String] = []
    /// Resources entered, outermost first: the dynamic scope `$dynamicRef` searches.
    private var scope: [Int] = []
    private var depth = 0
    private var stackFloor: UInt = 0
    private var aborted = false
    /// Why evaluation stopped early (recorded in both modes, so `validate` never returns no
    /// errors for an instance it could not finish).
    private var abortError: ValidationError? = nil

    /// `$ref` hops allowed without moving into the instance before assuming a cycle.
    static let maxReferenceHops = 512
    /// Stack kept free below the deepest evaluation frame.
    static let stackReserve: UInt = 128 * 1024
    /// Depth limit when the stack bounds cannot be read.
    static let fallbackMaxDepth = 3_000

    init(program: Program, collecting: Bool) {
        self.program = program
        self.collecting = collecting
    }

    mutating func run(_ instance: JSONValue) -> Bool {
        var annotations = Annotations()
        let valid = evaluate(program.root, instance, need: false, into: &annotations, hops: 0)
        if let abortError { errors.append(abortError) }
        return valid && !aborted
    }

    /// Stops the evaluation with `message`; the error is reported even in the fast mode.
    private mutating func abort(_ keyword: String, _ message: String) {
        guard !aborted else { return }
        aborted = true
        abortError = ValidationError(instancePath: JSONPointer(tokens: instancePath), keyword: keyword,
                                     schemaPath: JSONPointer(tokens: schemaPath), message: message)
    }

    // MARK: - Reporting

    private mutating func report(_ keyword: String, _ message: String, _ detail: ValidationError.Detail = .other,
                                 instanceToken: String? = nil, replacingKeyword: String? = nil)
    {
        guard collecting else { return }
        var instance = instancePath
        if let instanceToken { instance.append(instanceToken) }
        var schema = schemaPath
        if let replacingKeyword, !schema.isEmpty { schema[schema.count - 1] = replacingKeyword }
        errors.append(ValidationError(instancePath: JSONPointer(tokens: instance), keyword: keyword,
                                      schemaPath: JSONPointer(tokens: schema), message: message, detail: detail))
    }

    /// Runs `body` with errors switched off, restoring the mode afterwards.
    private mutating func quietly<T>(_ body: (inout Evaluator) -> T) -> T {
        let saved = collecting
        collecting = false
        defer { collecting = saved }
        return body(&self)
    }

    // MARK: - Nodes

    /// Evaluates node `index` against `value`. `need` asks for annotations, merged into
    /// `annotations` even when the node fails: a failing node fails its parent too, unless the
    /// parent is an applicator that tolerates failure (`anyOf`, `oneOf`, `not`, `if`,
    /// `contains`), and those keep a failing branch's annotations apart. So validity is as the
    /// specification says, while `unevaluatedProperties` does not also report a property that
    /// `properties` evaluated but found invalid.
    mutating func evaluate(_ index: Int, _ value: JSONValue, need: Bool, into annotations: inout Annotations, hops: Int) -> Bool {
        if aborted { return false }
        let node = program.nodes[index]
        if let boolean = node.boolean {
            if !boolean { report("false", "no value is allowed here (the schema is 'false')") }
            return boolean
        }
        depth += 1
        defer { depth -= 1 }
        if depth > 48, !hasStackRoom() {
            abort("depth", "the instance is nested too deeply to validate (the stack is nearly exhausted)")
            return false
        }
        let entered = scope.last != node.resource
        if entered { scope.append(node.resource) }
        defer { if entered { scope.removeLast() } }

        let collect = need || node.hasUnevaluated
        var local = Annotations()
        var valid = true
        for keyword in node.keywords {
            let tracksPath = collecting && !keyword.name.isEmpty
            if tracksPath { schemaPath.append(keyword.name) }
            let ok = apply(keyword.kind, node, value, collect: collect, &local, hops: hops)
            if tracksPath { schemaPath.removeLast() }
            if !ok {
                valid = false
                if !collecting || aborted { return false }
            }
        }
        if need { annotations.merge(local) }
        return valid
    }

    private mutating func hasStackRoom() -> Bool {
        if stackFloor == 0 {
            stackFloor = StackBounds.lowestAddress().map { $0 + Evaluator.stackReserve } ?? 1
        }
        if stackFloor == 1 { return depth < Evaluator.fallbackMaxDepth }
        return StackBounds.currentAddress() > stackFloor
    }

    /// Evaluates a child instance (an item or a property value) with fresh annotations.
    private mutating func evaluateChild(_ index: Int, _ value: JSONValue, name: String, schemaToken: String? = nil) -> Bool {
        guard collecting else {
            var ignored = Annotations()
            return evaluate(index, value, need: false, into: &ignored, hops: 0)
        }
        instancePath.append(name)
        if let schemaToken { schemaPath.append(schemaToken) }
        var ignored = Annotations()
        let ok = evaluate(index, value, need: false, into: &ignored, hops: 0)
        instancePath.removeLast()
        if schemaToken != nil { schemaPath.removeLast() }
        return ok
    }

    /// As ``evaluateChild(_:_:name:schemaToken:)`` for an array item; the index strings are
    /// only made when errors are collected.
    private mutating func evaluateChild(_ index: Int, _ value: JSONValue, item: Int, indexInSchema: Bool = false) -> Bool {
        guard collecting else {
            var ignored = Annotations()
            return evaluate(index, value, need: false, into: &ignored, hops: 0)
        }
        let token = String(item)
        return evaluateChild(index, value, name: token, schemaToken: indexInSchema ? token : nil)
    }

    /// Evaluates a subschema in place (same instance), under extra schema-path tokens.
    private mutating func evaluateInPlace(_ index: Int, _ value: JSONValue, schemaToken: @autoclosure () -> String, need: Bool,
                                          into annotations: inout Annotations, hops: Int) -> Bool
    {
        guard collecting else { return evaluate(index, value, need: need, into: &annotations, hops: hops) }
        schemaPath.append(schemaToken())
        let ok = evaluate(index, value, need: need, into: &annotations, hops: hops)
        schemaPath.removeLast()
        return ok
    }

    // MARK: - Keywords

    private mutating func apply(_ kind: Keyword.Kind, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
                                _ ann: inout Annotations, hops: Int) -> Bool
    {
        switch kind {
        case .ref(let target):
            return follow(target, value, collect: collect, &ann, hops: hops)
        case .dynamicRef(let target, let anchor):
            var destination = target
            if let anchor {
                for resource in scope {
                    if let found = program.resources[resource].dynamicAnchors[anchor] {
                        destination = found
                        break
                    }
                }
            }
            return follow(destination, value, collect: collect, &ann, hops: hops)
        case .contains(let sub, let minimum, let maximum, let explicitMin):
            return applyContains(sub, minimum, maximum, explicitMin, node, value, collect: collect, &ann, hops: hops)
        case .allOf(let list):
            return applyAllOf(list, node, value, collect: collect, &ann, hops: hops)
        case .anyOf(let list):
            return applyAnyOf(list, node, value, collect: collect, &ann, hops: hops)
        case .oneOf(let list):
            return applyOneOf(list, node, value, collect: collect, &ann, hops: hops)
        case .not(let sub):
            return applyNot(sub, node, value, collect: collect, &ann, hops: hops)
        case .conditional(let condition, let then, let otherwise):
            return applyConditional(condition, then, otherwise, node, value, collect: collect, &ann, hops: hops)
        case .dependentSchemas(let list):
            return applyDependentSchemas(list, node, value, collect: collect, &ann, hops: hops)
        case .prefixItems(let list):
            return applyPrefixItems(list, node, value, collect: collect, &ann, hops: hops)
        case .items(let sub, let start):
            return applyItems(sub, start, node, value, collect: collect, &ann, hops: hops)
        case .properties(let list, let dict):
            return applyProperties(list, dict, node, value, collect: collect, &ann, hops: hops)
        case .patternProperties(let list):
            return applyPatternProperties(list, node, value, collect: collect, &ann, hops: hops)
        case .additionalProperties(let sub, let known, let patterns, let knownList):
            return applyAdditionalProperties(sub, known, patterns, knownList, node, value, collect: collect, &ann, hops: hops)
        case .propertyNames(let sub):
            return applyPropertyNames(sub, node, value, collect: collect, &ann, hops: hops)
        case .unevaluatedItems(let sub):
            return applyUnevaluatedItems(sub, node, value, collect: collect, &ann, hops: hops)
        case .unevaluatedProperties(let sub):
            return applyUnevaluatedProperties(sub, node, value, collect: collect, &ann, hops: hops)
        default:
            return applyAssertion(kind, value)
        }
    }

    /// Keywords that look at the instance only (no subschemas), kept out of the recursive path
    /// so its stack frames stay small.
    @inline(never)
    private mutating func applyAssertion(_ kind: Keyword.Kind, _ value: JSONValue) -> Bool {
        switch kind {
        case .type(let set, let names):
            if set.matches(value) { return true }
            let found = value.typeName
            report("type", "expected \(Messages.list(names.map(Messages.typeName))), found \(Messages.typeName(found))",
                   .type(expected: names, found: found))
            return false

        case .enumeration(let values, let set):
            if values.count <= 8 ? values.contains(where: { JSONEquality.equal($0, value) }) : set.contains(ExactJSON(value: value)) {
                return true
            }
            if collecting {
                let allowed = values.count <= 12
                    ? Messages.list(values.map { Messages.value($0) })
                    : values.prefix(10).map { Messages.value($0) }.joined(separator: ", ") + " or one of \(values.count - 10) more"
                report("enum", "expected one of \(allowed), found \(Messages.value(value))", .enumeration(allowed: values))
            }
            return false

        case .constant(let expected):
            if JSONEquality.equal(value, expected) { return true }
            report("const", "expected \(Messages.value(expected)), found \(Messages.value(value))", .constant(expected))
            return false

        case .multipleOf(let divisor):
            guard case .number(let n) = value else { return true }
            if Evaluator.isMultiple(n, of: divisor) { return true }
            report("multipleOf", "expected a multiple of \(divisor), found \(n)")
            return false

        case .maximum(let limit):
            guard case .number(let n) = value else { return true }
            if !Evaluator.less(limit, n) { return true }
            report("maximum", "expected a number less than or equal to \(limit), found \(n)")
            return false

        case .exclusiveMaximum(let limit):
            guard case .number(let n) = value else { return true }
            if Evaluator.less(n, limit) { return true }
            report("exclusiveMaximum", "expected a number less than \(limit), found \(n)")
            return false

        case .minimum(let limit):
            guard case .number(let n) = value else { return true }
            if !Evaluator.less(n, limit) { return true }
            report("minimum", "expected a number greater than or equal to \(limit), found \(n)")
            return false

        case .exclusiveMinimum(let limit):
            guard case .number(let n) = value else { return true }
            if Evaluator.less(limit, n) { return true }
            report("exclusiveMinimum", "expected a number greater than \(limit), found \(n)")
            return false

        case .maxLength(let limit):
            guard case .string(let s) = value, s.utf8.count > limit else { return true }
            let length = s.unicodeScalars.count
            if length <= limit { return true }
            report("maxLength", "expected at most \(Messages.plural(limit, "character")), found \(length)")
            return false

        case .minLength(let limit):
            guard case .string(let s) = value else { return true }
            let length = s.unicodeScalars.count
            if length >= limit { return true }
            report("minLength", "expected at least \(Messages.plural(limit, "character")), found \(length)")
            return false

        case .pattern(let regex):
            guard case .string(let s) = value else { return true }
            if regex.matches(s) { return true }
            report("pattern", "expected a string matching the pattern '\(regex.source)', found \(Messages.value(value))")
            return false

        case .format(let name, let check):
            guard case .string(let s) = value else { return true }
            if check(s) { return true }
            report("format", "expected a valid \(name), found \(Messages.value(value))")
            return false

        case .maxItems(let limit):
            guard case .array(let a) = value, a.count > limit else { return true }
            report("maxItems", "expected at most \(Messages.plural(limit, "item")), found \(a.count)")
            return false

        case .minItems(let limit):
            guard case .array(let a) = value, a.count < limit else { return true }
            report("minItems", "expected at least \(Messages.plural(limit, "item")), found \(a.count)")
            return false

        case .uniqueItems:
            guard case .array(let a) = value, a.count > 1 else { return true }
            var seen: [ExactJSON: Int] = [:]
            for (i, item) in a.enumerated() {
                if let first = seen[ExactJSON(value: item)] {
                    report("uniqueItems", "expected unique items, but the items at index \(first) and \(i) are equal")
                    return false
                }
                seen[ExactJSON(value: item)] = i
            }
            return true

        case .maxProperties(let limit):
            guard case .object(let o) = value, o.count > limit else { return true }
            report("maxProperties", "expected at most \(Messages.plural(limit, "property", "properties")), found \(o.count)")
            return false

        case .minProperties(let limit):
            guard case .object(let o) = value, o.count < limit else { return true }
            report("minProperties", "expected at least \(Messages.plural(limit, "property", "properties")), found \(o.count)")
            return false

        case .required(let names):
            guard case .object(let o) = value else { return true }
            var valid = true
            for name in names where !o.contains(name) {
                valid = false
                if !collecting { return false }
                report("required", "missing required property '\(name)'", .required(missing: name))
            }
            return valid

        case .dependentRequired(let list):
            guard case .object(let o) = value else { return true }
            var valid = true
            for (trigger, names) in list where o.contains(trigger) {
                for name in names where !o.contains(name) {
                    valid = false
                    if !collecting { return false }
                    schemaPath.append(trigger)
                    report("dependentRequired", "missing property '\(name)', which is required when '\(trigger)' is present",
                           .required(missing: name))
                    schemaPath.removeLast()
                }
            }
            return valid

        default:
            return true
        }
    }

    @inline(never)
    private mutating func applyContains(_ sub: Int, _ minimum: Int, _ maximum: Int?, _ explicitMin: Bool, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyAllOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyAnyOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyOneOf(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyNot(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyConditional(_ condition: Int, _ then: Int?, _ otherwise: Int?, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyDependentSchemas(_ list: [(String, Int)], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyPrefixItems(_ list: [Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyItems(_ sub: Int, _ start: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyProperties(_ list: [(String, Int)], _ dict: [String: Int], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyPatternProperties(_ list: [(ECMARegex, Int)], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyAdditionalProperties(_ sub: Int, _ known: Set<String>, _ patterns: [ECMARegex], _ knownList: [String], _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyPropertyNames(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyUnevaluatedItems(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func applyUnevaluatedProperties(_ sub: Int, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
    private mutating func follow(_ target: Int, _ value: JSONValue, collect: Bool, _ ann: inout Annotations, hops: Int) -> Bool {
        if hops >= Evaluator.maxReferenceHops {
            abort("$ref", "the schema follows more than \(Evaluator.maxReferenceHops) references without moving into the instance; it is probably a reference cycle")
            return false
        }
        return evaluate(target, value, need: collect, into: &ann, hops: hops + 1)
    }

    /// The errors of each alternative, re-evaluated in collecting mode.
    private mutating func branchErrors(_ list: [Int], _ value: JSONValue, hops: Int) -> [[ValidationError]] {
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
    private func knownProperties(of node: SchemaNode) -> [String] {
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

    // MARK: - Numbers

    /// `a < b`, exactly. Doubles parsed from literals are correctly rounded, and rounding is
    /// monotonic, so different doubles already order the exact values; only equal doubles
    /// need the (slow) `Decimal` comparison.
    @inline(__always)
    static func less(_ a: JSONNumber, _ b: JSONNumber) -> Bool {
        if a.double != b.double { return a.double < b.double }
        return a < b
    }

    /// `|n|` as `significand × 10^exponent` with a significand below 2^40, read from the
    /// decimal's exponent and the correctly rounded double (the two roundings involved stay
    /// far below 0.5 at that size, so rounding recovers the exact significand).
    @inline(__always)
    static func scaled(_ n: JSONNumber) -> (significand: UInt64, exponent: Int)? {
        guard let d = n.decimal else { return nil }
        let exponent = d.exponent
        guard exponent > -23 && exponent < 23 else { return nil }
        let power = doublePowersOfTen[abs(exponent)]
        let s = exponent >= 0 ? abs(n.double) / power : abs(n.double) * power
        guard s < 1_099_511_627_776 else { return nil }
        return (UInt64(s.rounded()), exponent)
    }

    private static let doublePowersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { r, _ in r * 10 } }

    private static let powersOfTen: [UInt64] = (0...19).map { (0..<$0).reduce(UInt64(1)) { r, _ in r * 10 } }

    /// Exact for decimal values (integer arithmetic when the significands fit 64 bits, else
    /// `Decimal`); falls back to `Double` (an infinite or inexact quotient is never a multiple).
    static func isMultiple(_ value: JSONNumber, of divisor: JSONNumber) -> Bool {
        if let x = scaled(value), let y = scaled(divisor), y.significand != 0 {
            if x.significand == 0 { return true }
            let common = min(x.exponent, y.exponent)
            let shiftX = x.exponent - common
            let shiftY = y.exponent - common
            if shiftX < powersOfTen.count, shiftY < powersOfTen.count {
                let (numerator, overflowX) = x.significand.multipliedReportingOverflow(by: powersOfTen[shiftX])
                let (denominator, overflowY) = y.significand.multipliedReportingOverflow(by: powersOfTen[shiftY])
                if !overflowX && !overflowY { return numerator % denominator == 0 }
            }
        }
        if var a = value.decimal, var b = divisor.decimal {
            var quotient = Decimal()
            let status = NSDecimalDivide(&quotient, &a, &b, .plain)
            if status == .noError || status == .lossOfPrecision {
                var rounded = Decimal()
                NSDecimalRound(&rounded, &quotient, 0, .plain)
                guard rounded == quotient else { return false }
                var product = Decimal()
                guard NSDecimalMultiply(&product, &rounded, &b, .plain) == .noError else { return false }
                return product == a
            }
        }
        let quotient = value.double / divisor.double
        guard quotient.isFinite else {
            // The quotient overflows: an exact remainder still answers (1e308 is a multiple of 0.5).
            let remainder = value.double.truncatingRemainder(dividingBy: divisor.double)
            return value.double.isFinite && remainder == 0
        }
        return quotient.rounded(.towardZero) == quotient
    }
}
