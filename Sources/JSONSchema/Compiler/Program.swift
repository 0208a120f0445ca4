import Foundation
import JSONModel

/// A compiled schema: every subschema reachable from the root as a node, references resolved
/// to node indices, regular expressions compiled. Immutable, so one program serves any number
/// of validations on any number of threads.
final class Program: Sendable {
    let nodes: [SchemaNode]
    let resources: [SchemaResource]
    let root: Int

    init(nodes: [SchemaNode], resources: [SchemaResource], root: Int) {
        self.nodes = nodes
        self.resources = resources
        self.root = root
    }
}

/// A schema resource (a document root or a subschema with `$id`): the unit of dynamic scope.
struct SchemaResource: Sendable {
    let uri: String
    /// `$dynamicAnchor` names declared in this resource → node index.
    var dynamicAnchors: [String: Int]
}

/// One subschema. A boolean schema has `boolean` set and no keywords.
final class SchemaNode: Sendable {
    let boolean: Bool?
    let keywords: [Keyword]
    /// Index into `Program.resources`.
    let resource: Int
    /// True when this node has `unevaluatedItems`/`unevaluatedProperties`, so its in-place
    /// subschemas must report annotations.
    let hasUnevaluated: Bool
    /// Names from this schema's `properties`.
    let declaredProperties: [String]
    /// Subschemas applied to the same instance (`$ref`, `allOf`, `if`, ...), for did-you-mean lists.
    let inPlace: [Int]

    init(boolean: Bool?, keywords: [Keyword], resource: Int, declaredProperties: [String], inPlace: [Int]) {
        self.boolean = boolean
        self.keywords = keywords
        self.resource = resource
        self.hasUnevaluated = keywords.contains {
            if case .unevaluatedItems = $0.kind { return true }
            if case .unevaluatedProperties = $0.kind { return true }
            return false
        }
        self.declaredProperties = declaredProperties
        self.inPlace = inPlace
    }
}

/// The JSON types a `type` keyword allows.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let number = TypeSet(rawValue: 4)
    static let integer = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init?(name: String) {
        switch name {
        case "null": self = .null
        case "boolean": self = .boolean
        case "number": self = .number
        case "integer": self = .integer
        case "string": self = .string
        case "array": self = .array
        case "object": self = .object
        default: return nil
        }
    }

    /// `JSONNumber.isInteger`, with a fast answer for decimals without a fraction digit.
    static func isInteger(_ n: JSONNumber) -> Bool {
        if let d = n.decimal, d.exponent >= 0 { return true }
        return n.isInteger
    }

    func matches(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .number(let n): return contains(.number) || (contains(.integer) && TypeSet.isInteger(n))
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }
}

/// A compiled keyword. `name` is its schema-path token (empty for `if`, which adds `then`/`else`).
struct Keyword: Sendable {
    let name: String
    let kind: Kind

    enum Kind: Sendable {
        case ref(Int)
        case dynamicRef(target: Int, anchor: String?)
        case type(TypeSet, names: [String])
        case enumeration([JSONValue], Set<ExactJSON>)
        case constant(JSONValue)
        case multipleOf(JSONNumber)
        case maximum(JSONNumber)
        case exclusiveMaximum(JSONNumber)
        case minimum(JSONNumber)
        case exclusiveMinimum(JSONNumber)
        case maxLength(Int)
        case minLength(Int)
        case pattern(ECMARegex)
        case format(String, @Sendable (String) -> Bool)
        case maxItems(Int)
        case minItems(Int)
        case uniqueItems
        case contains(Int, min: Int, max: Int?, explicitMin: Bool)
        case maxProperties(Int)
        case minProperties(Int)
        case required([String])
        case dependentRequired([(String, [String])])
        case allOf([Int])
        case anyOf([Int])
        case oneOf([Int])
        case not(Int)
        case conditional(if: Int, then: Int?, else: Int?)
        case dependentSchemas([(String, Int)])
        case prefixItems([Int])
        case items(Int, from: Int)
        case properties([(String, Int)], [String: Int])
        case patternProperties([(ECMARegex, Int)])
        case additionalProperties(Int, known: Set<String>, patterns: [ECMARegex], knownList: [String])
        case propertyNames(Int)
        case unevaluatedItems(Int)
        case unevaluatedProperties(Int)
    }
}
