import JSONModel

/// Turns schema documents into a ``Program``: one node per reachable subschema, `$ref`s
/// resolved to node indices, regular expressions compiled once. Works from a worklist, so
/// deeply nested or cyclic schemas neither recurse deeply nor loop.
struct SchemaCompiler {
    private var registry: SchemaRegistry
    private let formatAssertion: Bool
    private var nodeIndex: [Location: Int] = [:]
    private var nodes: [SchemaNode?] = []
    private var worklist: [(Int, Location)] = []
    private var resourceIndex: [String: Int] = [:]
    private var resources: [SchemaResource] = []
    private var regexCache: [String: ECMARegex] = [:]

    init(registry: SchemaRegistry, formatAssertion: Bool) {
        self.registry = registry
        self.formatAssertion = formatAssertion
    }

    /// Compiles the document at `root` and everything it reaches.
    mutating func compile(root: Location) throws(SchemaError) -> Program {
        let rootIndex = node(for: root)
        while let (index, location) = worklist.popLast() {
            nodes[index] = try build(location)
        }
        var finished: [SchemaNode] = []
        finished.reserveCapacity(nodes.count)
        for node in nodes {
            guard let node else { throw SchemaError(message: "internal error: a subschema was not compiled") }
            finished.append(node)
        }
        return Program(nodes: finished, resources: resources, root: rootIndex)
    }

    /// The node index for a location, queueing it for compilation the first time.
    private mutating func node(for location: Location) -> Int {
        if let index = nodeIndex[location] { return index }
        let index = nodes.count
        nodes.append(nil)
        nodeIndex[location] = index
        worklist.append((index, location))
        return index
    }

    private mutating func resource(for base: String) -> Int {
        if let index = resourceIndex[base] { return index }
        let index = resources.count
        resourceIndex[base] = index
        resources.append(SchemaResource(uri: base, dynamicAnchors: [:]))
        for (name, location) in registry.dynamicAnchors[base] ?? [:] {
            resources[index].dynamicAnchors[name] = node(for: location)
        }
        return index
    }

    private func error(_ message: String, at location: Location) -> SchemaError {
        let document = registry.documents[location.doc]
        if location.doc == 0 {
            return SchemaError(message: message, schemaPath: JSONPointer(tokens: location.pointer))
        }
        return SchemaError(message: "in '\(document.uri)': \(message)", schemaPath: JSONPointer(tokens: location.pointer))
    }

    // MARK: - Nodes

    private mutating func build(_ location: Location) throws(SchemaError) -> SchemaNode {
        guard let value = registry.value(at: location) else {
            throw error("internal error: no value at this location", at: location)
        }
        let info = registry.locationInfo(location)
        let resourceIndex = resource(for: info.base)
        switch value {
        case .bool(let b):
            return SchemaNode(boolean: b, keywords: [], resource: resourceIndex, declaredProperties: [], inPlace: [])
        case .object(let object):
            var builder = NodeBuilder(location: location, object: object, base: info.base, dialect: info.dialect)
            try compileKeywords(&builder)
            let ordered = builder.keywords.filter { !$0.isUnevaluated } + builder.keywords.filter { $0.isUnevaluated }
            return SchemaNode(boolean: nil, keywords: ordered, resource: resourceIndex,
                              declaredProperties: builder.declaredProperties, inPlace: builder.inPlace)
        default:
            throw error("a schema must be an object or a boolean, found \(value.typeName.withArticle)", at: location)
        }
    }

    private struct NodeBuilder {
        let location: Location
        let object: JSONObject
        let base: String
        let dialect: Dialect
        var keywords: [Keyword] = []
        var declaredProperties: [String] = []
        var inPlace: [Int] = []

        mutating func add(_ name: String, _ kind: Keyword.Kind) {
            keywords.append(Keyword(name: name, kind: kind))
        }
    }

    private mutating func subschema(_ b: NodeBuilder, _ tokens: String...) throws(SchemaError) -> Int {
        let location = Location(doc: b.location.doc, pointer: b.location.pointer + tokens)
        guard let value = registry.value(at: location), value.isSchemaShaped else {
            let found = registry.value(at: location)?.typeName.withArticle ?? "nothing"
            throw error("'\(tokens.joined(separator: "/"))' must be a schema (an object or a boolean), found \(found)", at: b.location)
        }
        return node(for: location)
    }

    private mutating func schemaArray(_ b: NodeBuilder, _ key: String) throws(SchemaError) -> [Int]? {
        guard let value = b.object[key] else { return nil }
        guard case .array(let items) = value, !items.isEmpty else {
            throw error("'\(key)' must be a non-empty array of schemas", at: b.location)
        }
        var out: [Int] = []
        for i in items.indices { out.append(try subschema(b, key, String(i))) }
        return out
    }

    private mutating func schemaMap(_ b: NodeBuilder, _ key: String) throws(SchemaError) -> [(String, Int)]? {
        guard let value = b.object[key] else { return nil }
        guard case .object(let members) = value else {
            throw error("'\(key)' must be an object whose values are schemas", at: b.location)
        }
        var out: [(String, Int)] = []
        for name in members.keys { out.append((name, try subschema(b, key, name))) }
        return out
    }

    private func count(_ b: NodeBuilder, _ key: String) throws(SchemaError) -> Int? {
        guard let value = b.object[key] else { return nil }
        guard case .number(let n) = value, let i = n.intValue, i >= 0 else {
            throw error("'\(key)' must be a non-negative integer", at: b.location)
        }
        return i
    }

    private func number(_ b: NodeBuilder, _ key: String) throws(SchemaError) -> JSONNumber? {
        guard let value = b.object[key] else { return nil }
        guard case .number(let n) = value else {
            if b.dialect.draft == .draft4, case .bool = value { return nil }  // draft-04 boolean form
            throw error("'\(key)' must be a number", at: b.location)
        }
        return n
    }

    private func strings(_ b: NodeBuilder, _ value: JSONValue, _ key: String) throws(SchemaError) -> [String] {
        guard case .array(let items) = value else {
            throw error("'\(key)' must be an array of strings", at: b.location)
        }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw error("'\(key)' must be an array of strings", at: b.location) }
            out.append(s)
        }
        return out
    }

    private mutating func regex(_ pattern: String, _ b: NodeBuilder, _ key: String) throws(SchemaError) -> ECMARegex {
        if let cached = regexCache[pattern] { return cached }
        guard let compiled = ECMARegex(pattern) else {
            throw error("'\(key)' holds an invalid regular expression '\(pattern)'", at: b.location)
        }
        regexCache[pattern] = compiled
        return compiled
    }

    private mutating func reference(_ b: NodeBuilder, _ key: String) throws(SchemaError) -> (Int, Location)? {
        guard let value = b.object[key] else { return nil }
        guard case .string(let ref) = value else {
            throw error("'\(key)' must be a string (a URI reference)", at: b.location)
        }
        let target: Location
        do {
            target = try registry.resolve(ref, base: b.base)
        } catch {
            throw self.error(error.message, at: b.location.appending(key))
        }
        return (node(for: target), target)
    }

    // MARK: - Keywords

    private mutating func compileKeywords(_ b: inout NodeBuilder) throws(SchemaError) {
        let o = b.object
        let draft = b.dialect.draft

        if let (target, _) = try reference(b, "$ref") {
            b.add("$ref", .ref(target))
            b.inPlace.append(target)
            if draft <= .draft7 { return }  // siblings of $ref are ignored before 2019-09
        }
        if draft >= .draft2020, let (target, targetLocation) = try reference(b, "$dynamicRef") {
            var anchor: String? = nil
            if let ref = o["$dynamicRef"]?.stringValue, let fragment = URIReference(ref).fragment,
                !fragment.isEmpty, !fragment.hasPrefix("/"),
                registry.value(at: targetLocation)?["$dynamicAnchor"]?.stringValue == URIReference.percentDecoded(fragment)
            {
                anchor = URIReference.percentDecoded(fragment)
            }
            b.add("$dynamicRef", .dynamicRef(target: target, anchor: anchor))
            b.inPlace.append(target)
        }
        if draft == .draft2019, o["$recursiveRef"] != nil {
            let target = node(for: try registry.resolve("#", base: b.base))
            b.add("$recursiveRef", .ref(target))
        }
        if b.dialect.validation { try compileValidation(&b) }
        if let format = o["format"]?.stringValue, formatAssertion || b.dialect.formatAssertion,
            let check = FormatChecker.checker(for: format)
        {
            b.add("format", .format(format, check))
        }
        if b.dialect.applicator { try compileApplicators(&b) }
        if b.dialect.unevaluated && draft >= .draft2019 {
            if o["unevaluatedItems"] != nil { b.add("unevaluatedItems", .unevaluatedItems(try subschema(b, "unevaluatedItems"))) }
            if o["unevaluatedProperties"] != nil {
                b.add("unevaluatedProperties", .unevaluatedProperties(try subschema(b, "unevaluatedProperties")))
            }
        }
    }

    private mutating func compileValidation(_ b: inout NodeBuilder) throws(SchemaError) {
        let o = b.object
        if let value = o["type"] {
            let names: [String]
            if case .string(let s) = value { names = [s] } else { names = try strings(b, value, "type") }
            var set: TypeSet = []
            for name in names {
                guard let t = TypeSet(name: name) else {
                    throw error("'type' names an unknown type '\(name)'; expected null, boolean, number, integer, string, array or object", at: b.location)
                }
                set.insert(t)
            }
            b.add("type", .type(set, names: names))
        }
        if let value = o["enum"] {
            guard case .array(let values) = value else { throw error("'enum' must be an array", at: b.location) }
            b.add("enum", .enumeration(values, Set(values.map(ExactJSON.init))))
        }
        if let value = o["const"] { b.add("const", .constant(value)) }
        if let n = try number(b, "multipleOf") {
            guard n.double > 0 || (n.decimal.map { $0 > 0 } ?? false) else {
                throw error("'multipleOf' must be greater than 0", at: b.location)
            }
            b.add("multipleOf", .multipleOf(n))
        }
        if let n = try number(b, "maximum") { b.add("maximum", .maximum(n)) }
        if let n = try number(b, "exclusiveMaximum") { b.add("exclusiveMaximum", .exclusiveMaximum(n)) }
        if let n = try number(b, "minimum") { b.add("minimum", .minimum(n)) }
        if let n = try number(b, "exclusiveMinimum") { b.add("exclusiveMinimum", .exclusiveMinimum(n)) }
        if let n = try count(b, "maxLength") { b.add("maxLength", .maxLength(n)) }
        if let n = try count(b, "minLength") { b.add("minLength", .minLength(n)) }
        if let value = o["pattern"] {
            guard case .string(let p) = value else { throw error("'pattern' must be a string", at: b.location) }
            b.add("pattern", .pattern(try regex(p, b, "pattern")))
        }
        if let n = try count(b, "maxItems") { b.add("maxItems", .maxItems(n)) }
        if let n = try count(b, "minItems") { b.add("minItems", .minItems(n)) }
        if let value = o["uniqueItems"] {
            guard case .bool(let unique) = value else { throw error("'uniqueItems' must be a boolean", at: b.location) }
            if unique { b.add("uniqueItems", .uniqueItems) }
        }
        if let n = try count(b, "maxProperties") { b.add("maxProperties", .maxProperties(n)) }
        if let n = try count(b, "minProperties") { b.add("minProperties", .minProperties(n)) }
        if let value = o["required"] {
            if b.dialect.draft == .draft4 || value.arrayValue != nil {
                let names = try strings(b, value, "required")
                if !names.isEmpty { b.add("required", .required(names)) }
            }
        }
        if let value = o["dependentRequired"], b.dialect.draft >= .draft2019 {
            guard case .object(let members) = value else {
                throw error("'dependentRequired' must be an object whose values are arrays of strings", at: b.location)
            }
            var list: [(String, [String])] = []
            for (name, required) in members { list.append((name, try strings(b, required, "dependentRequired/\(name)"))) }
            b.add("dependentRequired", .dependentRequired(list))
        }
    }

    private mutating func compileApplicators(_ b: inout NodeBuilder) throws(SchemaError) {
        let o = b.object
        let draft = b.dialect.draft
        if let list = try schemaArray(b, "allOf") { b.add("allOf", .allOf(list)); b.inPlace += list }
        if let list = try schemaArray(b, "anyOf") { b.add("anyOf", .anyOf(list)); b.inPlace += list }
        if let list = try schemaArray(b, "oneOf") { b.add("oneOf", .oneOf(list)); b.inPlace += list }
        if o["not"] != nil { b.add("not", .not(try subschema(b, "not"))) }
        if o["if"] != nil, draft >= .draft7 {
            let condition = try subschema(b, "if")
            let then = o["then"] != nil ? try subschema(b, "then") : nil
            let otherwise = o["else"] != nil ? try subschema(b, "else") : nil
            if then != nil || otherwise != nil {
                b.add("", .conditional(if: condition, then: then, else: otherwise))
                b.inPlace += [condition] + [then, otherwise].compactMap { $0 }
            } else {
                // `if` alone still yields annotations (for unevaluated*), never errors.
                b.add("", .conditional(if: condition, then: nil, else: nil))
                b.inPlace.append(condition)
            }
        }
        if draft >= .draft2019, let map = try schemaMap(b, "dependentSchemas") {
            b.add("dependentSchemas", .dependentSchemas(map))
            b.inPlace += map.map(\.1)
        }
        if case .object(let members)? = o["dependencies"] {  // also accepted after draft-07, for compatibility
            var schemas: [(String, Int)] = []
            var required: [(String, [String])] = []
            for (name, value) in members {
                if case .array = value {
                    required.append((name, try strings(b, value, "dependencies/\(name)")))
                } else {
                    schemas.append((name, try subschema(b, "dependencies", name)))
                }
            }
            if !schemas.isEmpty { b.add("dependencies", .dependentSchemas(schemas)) }
            if !required.isEmpty { b.add("dependencies", .dependentRequired(required)) }
        }

        // Arrays.
        if draft >= .draft2020 {
            var prefixCount = 0
            if let list = try schemaArray(b, "prefixItems") {
                b.add("prefixItems", .prefixItems(list))
                prefixCount = list.count
            }
            if o["items"] != nil { b.add("items", .items(try subschema(b, "items"), from: prefixCount)) }
        } else if let items = o["items"] {
            if case .array(let list) = items {
                var indices: [Int] = []
                for i in list.indices { indices.append(try subschema(b, "items", String(i))) }
                b.add("items", .prefixItems(indices))
                if o["additionalItems"] != nil {
                    b.add("additionalItems", .items(try subschema(b, "additionalItems"), from: indices.count))
                }
            } else {
                b.add("items", .items(try subschema(b, "items"), from: 0))
            }
        }
        if o["contains"] != nil, draft >= .draft6 {
            let sub = try subschema(b, "contains")
            var minimum = 1
            var maximum: Int? = nil
            var explicitMin = false
            if b.dialect.validation && draft >= .draft2019 {
                if let n = try count(b, "minContains") { minimum = n; explicitMin = true }
                maximum = try count(b, "maxContains")
            }
            b.add("contains", .contains(sub, min: minimum, max: maximum, explicitMin: explicitMin))
        }

        // Objects.
        var known: [String] = []
        if let map = try schemaMap(b, "properties") {
            known = map.map(\.0)
            var dict: [String: Int] = [:]
            for (name, index) in map { dict[name] = index }
            b.add("properties", .properties(map, dict))
            b.declaredProperties = known
        }
        var patterns: [ECMARegex] = []
        if case .object(let members)? = o["patternProperties"] {
            var list: [(ECMARegex, Int)] = []
            for name in members.keys {
                let re = try regex(name, b, "patternProperties")
                patterns.append(re)
                list.append((re, try subschema(b, "patternProperties", name)))
            }
            b.add("patternProperties", .patternProperties(list))
        } else if o["patternProperties"] != nil {
            throw error("'patternProperties' must be an object whose values are schemas", at: b.location)
        }
        if o["additionalProperties"] != nil {
            let sub = try subschema(b, "additionalProperties")
            b.add("additionalProperties", .additionalProperties(sub, known: Set(known), patterns: patterns, knownList: known))
        }
        if o["propertyNames"] != nil, draft >= .draft6 {
            b.add("propertyNames", .propertyNames(try subschema(b, "propertyNames")))
        }
    }
}

extension Keyword {
    var isUnevaluated: Bool {
        switch kind {
        case .unevaluatedItems, .unevaluatedProperties: return true
        default: return false
        }
    }
}

extension String {
    /// "an object", "a string", "an integer".
    var withArticle: String {
        guard let first = first else { return self }
        return ("aeiou".contains(first) ? "an " : "a ") + self
    }
}
