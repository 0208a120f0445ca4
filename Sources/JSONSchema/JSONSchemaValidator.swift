import JSONModel

/// A JSON Schema (draft 2020-12) validator: compiles a schema once, then validates any number
/// of instances, from any thread.
///
/// ```swift
/// let validator = try JSONSchemaValidator(schema: schema)
/// for error in validator.validate(document) { print(error) }
/// ```
///
/// Older drafts (`$schema` of draft-04 … 2019-09) are accepted with their main differences
/// (`items` arrays, `additionalItems`, `dependencies`, `$ref` overriding its siblings).
public struct JSONSchemaValidator: Sendable {
    private let program: Program

    /// The URI a schema without `$id` is known by.
    public static let defaultBaseURI = "urn:xeroflow:schema"

    /// Compiles a schema.
    ///
    /// - Parameters:
    ///   - schema: the schema (an object or a boolean).
    ///   - baseURI: the URI the schema was retrieved from; relative `$id`s and `$ref`s resolve against it.
    ///   - remotes: URI prefixes (`http://localhost:1234/`) mapped to local folders, for `$ref`s to
    ///     other documents. The network is never used.
    ///   - formatAssertion: when true, `format` is asserted (date, date-time, time, email, ipv4,
    ///     ipv6, uri, uri-reference, uuid, regex, duration, hostname, json-pointer, …); otherwise
    ///     it is an annotation only.
    /// - Throws: ``SchemaError`` when the schema is not an object or boolean, a `$ref` cannot be
    ///   resolved, a regular expression is invalid, or a keyword has a malformed value.
    public init(schema: JSONValue, baseURI: String? = nil, remotes: [String: String] = [:], formatAssertion: Bool = false)
        throws(SchemaError)
    {
        try self.init(schema: schema, baseURI: baseURI, documents: [:], remotes: remotes, formatAssertion: formatAssertion)
    }

    /// Compiles a schema that may `$ref` other documents known by URI.
    ///
    /// - Parameters:
    ///   - documents: extra schema documents by URI (their `$id`s are known too), e.g. a set of
    ///     schemas that refer to each other.
    ///   - validateSchema: also check `schema` against the 2020-12 meta-schema (slower); a
    ///     failure throws a ``SchemaError`` listing the problems.
    /// - Throws: ``SchemaError``, as for ``init(schema:baseURI:remotes:formatAssertion:)``.
    public init(schema: JSONValue, baseURI: String?, documents: [String: JSONValue], remotes: [String: String],
                formatAssertion: Bool, validateSchema: Bool = false) throws(SchemaError)
    {
        guard schema.isSchemaShaped else {
            throw SchemaError(message: "a schema must be an object or a boolean, found \(schema.typeName.withArticle)",
                              schemaPath: .root)
        }
        if validateSchema {
            let problems = JSONSchemaValidator.checkSchema(schema)
            if !problems.isEmpty {
                let listed = problems.prefix(5).map(\.description).joined(separator: "; ")
                let more = problems.count > 5 ? " (and \(problems.count - 5) more)" : ""
                throw SchemaError(message: "the schema does not conform to the 2020-12 meta-schema: \(listed)\(more)",
                                  schemaPath: problems[0].instancePath)
            }
        }
        var registry = SchemaRegistry(documents: documents, remotes: remotes)
        let uri = SchemaRegistry.normalize(baseURI ?? JSONSchemaValidator.defaultBaseURI)
        let root = try registry.addDocument(schema, uri: uri)
        try registry.loadAllExtraDocuments()
        var compiler = SchemaCompiler(registry: registry, formatAssertion: formatAssertion)
        program = try compiler.compile(root: Location(doc: root, pointer: []))
    }

    /// Every reason `instance` does not match the schema; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [ValidationError] {
        var evaluator = Evaluator(program: program, collecting: true)
        _ = evaluator.run(instance)
        return evaluator.errors
    }

    /// Whether `instance` matches the schema; stops at the first failure.
    public func isValid(_ instance: JSONValue) -> Bool {
        var evaluator = Evaluator(program: program, collecting: false)
        return evaluator.run(instance)
    }

    /// Checks a schema against the 2020-12 meta-schema (offline) and returns the problems;
    /// `instancePath` of each points into the schema.
    public static func checkSchema(_ schema: JSONValue) -> [ValidationError] {
        guard let metaValidator = metaSchemaValidator else {
            return [ValidationError(instancePath: .root, keyword: "$schema", schemaPath: .root,
                                    message: "the built-in 2020-12 meta-schema could not be compiled")]
        }
        return metaValidator.validate(schema)
    }

    private static let metaSchemaValidator: JSONSchemaValidator? = {
        guard let meta = MetaSchemas.all[MetaSchemas.draft202012] else { return nil }
        return try? JSONSchemaValidator(schema: meta, baseURI: MetaSchemas.draft202012)
    }()
}
