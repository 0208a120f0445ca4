import JSONModel

/// The JSON Schema 2020-12 meta-schemas, built in so schemas can be checked offline.
///
/// The data comes from the JSON-Schema-Test-Suite copy of the meta-schemas (BSD-3-Clause),
/// embedded by `scripts/embed-metaschemas.py` into `Generated/MetaSchemas.swift`.
public enum MetaSchemas {
    /// `$id` of the 2020-12 meta-schema.
    public static let draft202012 = "https://json-schema.org/draft/2020-12/schema"

    /// Every built-in meta-schema, keyed by its `$id`.
    public static let all: [String: JSONValue] = {
        var out: [String: JSONValue] = [:]
        for (id, text) in GeneratedMetaSchemas.texts {
            // The texts are generated from valid JSON; a parse failure leaves that one out.
            if let value = try? JSONParser.parse(text) { out[id] = value }
        }
        return out
    }()

    /// The meta-schema with this `$id`, if built in.
    public static func schema(for id: String) -> JSONValue? {
        all[SchemaRegistry.normalize(id)]
    }
}
