/// The JSON Schemas of Xero's Accounting objects, as generated from Xero's OpenAPI spec.
///
/// `files` (in `Generated/XeroSchemas+Generated.swift`) holds the text of every file in
/// `schemas/xero`, byte for byte: the object schemas (`Contact.schema.json`, …), the shared
/// enumerations (`enums.schema.json`) and the endpoint table (`endpoints.json`). Both are written
/// by `scripts/generate-xero-schemas.sh`; a test fails when the two copies differ.
///
/// Most code wants ``XeroCatalog``, which parses these texts once.
public enum XeroSchemas {
    /// The base URI of every schema's `$id`; refs between the files are relative to it.
    public static let baseURI = "https://xeroflow.dev/schemas/xero/"

    /// The file that lists the endpoints (not a schema).
    public static let endpointsFileName = "endpoints.json"

    /// The file that holds the enumerations shared by several objects, under `$defs`.
    public static let enumsFileName = "enums.schema.json"

    /// The suffix of every object schema's file name.
    public static let schemaSuffix = ".schema.json"
}
