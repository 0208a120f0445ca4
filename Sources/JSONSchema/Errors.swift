import JSONModel

/// A schema that cannot be compiled: not an object or boolean, an unresolvable `$ref`, an
/// invalid regular expression, a malformed keyword value, or (when asked) a failed meta-schema check.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in a sentence.
    public let message: String
    /// Where in the schema document the problem is, when known.
    public let schemaPath: JSONPointer?

    public init(message: String, schemaPath: JSONPointer? = nil) {
        self.message = message
        self.schemaPath = schemaPath
    }

    public var description: String {
        if let schemaPath, !schemaPath.tokens.isEmpty {
            return "invalid schema at '\(schemaPath)': \(message)"
        }
        return "invalid schema: \(message)"
    }
}

/// One reason an instance does not match a schema.
public struct ValidationError: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance the problem is.
    public let instancePath: JSONPointer
    /// The keyword that failed: `type`, `required`, `additionalProperties`, `enum`, ...
    public let keyword: String
    /// The keyword's location, following `$ref`s: `/properties/sources/$ref/properties/csv/type`.
    public let schemaPath: JSONPointer
    /// A sentence a person understands: "expected a string, found a number".
    public let message: String
    /// Structured facts behind the message, for tools (did-you-mean, alternatives).
    public let detail: Detail

    public enum Detail: Sendable, Hashable {
        /// `type`: the allowed type names and the instance's type name.
        case type(expected: [String], found: String)
        /// `required` / `dependentRequired`: one error per missing property; `instancePath` is the object.
        case required(missing: String)
        /// `additionalProperties: false` / `unevaluatedProperties: false`: one error per offending
        /// property, `instancePath` is the property; `known` lists the names the schema declares.
        case unknownProperty(name: String, known: [String])
        /// `enum`: the allowed values.
        case enumeration(allowed: [JSONValue])
        /// `const`: the required value.
        case constant(JSONValue)
        /// `anyOf` / `oneOf`: the errors of each branch (empty when `oneOf` matched more than one).
        case alternatives(branches: [[ValidationError]])
        case other
    }

    public init(instancePath: JSONPointer, keyword: String, schemaPath: JSONPointer, message: String, detail: Detail = .other) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.schemaPath = schemaPath
        self.message = message
        self.detail = detail
    }

    /// `at '/a/0': message` (or `at the root: message`).
    public var description: String {
        let place = instancePath.tokens.isEmpty ? "the root" : "'\(instancePath)'"
        return "at \(place): \(message)"
    }
}
