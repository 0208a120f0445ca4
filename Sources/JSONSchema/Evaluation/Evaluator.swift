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
    var errors: [ValidationError] = []
    var instancePath: [String] = []
    var schemaPath: [String] = []
    /// Resources entered, outermost first: the dynamic scope `$dynamicRef` searches.
    var scope: [Int] = []
    var depth = 0
    var stackFloor: UInt = 0
    var aborted = false
    /// Why evaluation stopped early (recorded in both modes, so `validate` never returns no
    /// errors for an instance it could not finish).
    var abortError: ValidationError? = nil

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
    mutating func abort(_ keyword: String, _ message: String) {
        guard !aborted else { return }
        aborted = true
        abortError = ValidationError(instancePath: JSONPointer(tokens: instancePath), keyword: keyword,
                                     schemaPath: JSONPointer(tokens: schemaPath), message: message)
    }

    // MARK: - Reporting

    mutating func report(_ keyword: String, _ message: String, _ detail: ValidationError.Detail = .other,
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
    mutating func quietly<T>(_ body: (inout Evaluator) -> T) -> T {
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

    mutating func hasStackRoom() -> Bool {
        if stackFloor == 0 {
            stackFloor = StackBounds.lowestAddress().map { $0 + Evaluator.stackReserve } ?? 1
        }
        if stackFloor == 1 { return depth < Evaluator.fallbackMaxDepth }
        return StackBounds.currentAddress() > stackFloor
    }

    /// Evaluates a child instance (an item or a property value) with fresh annotations.
    mutating func evaluateChild(_ index: Int, _ value: JSONValue, name: String, schemaToken: String? = nil) -> Bool {
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
    mutating func evaluateChild(_ index: Int, _ value: JSONValue, item: Int, indexInSchema: Bool = false) -> Bool {
        guard collecting else {
            var ignored = Annotations()
            return evaluate(index, value, need: false, into: &ignored, hops: 0)
        }
        let token = String(item)
        return evaluateChild(index, value, name: token, schemaToken: indexInSchema ? token : nil)
    }

    /// Evaluates a subschema in place (same instance), under extra schema-path tokens.
    mutating func evaluateInPlace(_ index: Int, _ value: JSONValue, schemaToken: @autoclosure () -> String, need: Bool,
                                          into annotations: inout Annotations, hops: Int) -> Bool
    {
        guard collecting else { return evaluate(index, value, need: need, into: &annotations, hops: hops) }
        schemaPath.append(schemaToken())
        let ok = evaluate(index, value, need: need, into: &annotations, hops: hops)
        schemaPath.removeLast()
        return ok
    }

    // MARK: - Keywords

    mutating func apply(_ kind: Keyword.Kind, _ node: SchemaNode, _ value: JSONValue, collect: Bool,
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
}
