import JSONModel

/// One field of a Xero object, as its generated JSON Schema describes it.
public struct XeroField: Sendable, Hashable {
    public let name: String
    /// JSON Schema type names (`string`, `number`, `boolean`, `array`, `object`, `integer`).
    public let types: [String]
    /// Xero sets it; a value sent for it is ignored.
    public let isReadOnly: Bool
    /// Listed in the object's `required` (as Xero's spec says, which is not always what Xero
    /// requires on create).
    public let isRequired: Bool
    /// An amount (`x-money`): keep it an exact decimal, never a `Double`.
    public let isMoney: Bool
    /// The allowed values, for the field or (for arrays) its elements; shared enumerations are
    /// resolved from `enums.schema.json`.
    public let enumValues: [String]?
    /// The object the field holds, or (for arrays) its elements hold: `"LineItem"`.
    public let objectRef: String?
    public let isArray: Bool
    public let description: String?

    public init(
        name: String, types: [String], isReadOnly: Bool, isRequired: Bool, isMoney: Bool,
        enumValues: [String]?, objectRef: String?, isArray: Bool, description: String?
    ) {
        self.name = name
        self.types = types
        self.isReadOnly = isReadOnly
        self.isRequired = isRequired
        self.isMoney = isMoney
        self.enumValues = enumValues
        self.objectRef = objectRef
        self.isArray = isArray
        self.description = description
    }
}

/// A Xero object's schema: the parsed document and its fields in the spec's order.
public struct XeroObjectSchema: Sendable {
    /// The object's name (`Invoice`).
    public let name: String
    /// The file it came from (`Invoice.schema.json`).
    public let fileName: String
    /// The whole JSON Schema document.
    public let document: JSONValue
    /// Fields by name.
    public let fields: [String: XeroField]
    /// Field names in the order of Xero's spec.
    public let fieldOrder: [String]
    /// Required field names, as in the document (Xero's spec, which is not always what Xero
    /// requires on create).
    public let required: [String]
    /// The fields Xero needs to create the record (`x-required-on-create`, curated from Xero's
    /// documentation): `["Name"]` for a Contact. Empty when none are listed.
    public let requiredOnCreate: [String]
    /// Groups of which at least one field is needed to create the record
    /// (`x-required-one-of-on-create`): a Payment names one of
    /// `["Invoice", "CreditNote", "Prepayment", "Overpayment"]`. Empty when none are listed.
    public let requiredOneOfOnCreate: [[String]]

    public init(
        name: String, fileName: String, document: JSONValue, fields: [String: XeroField],
        fieldOrder: [String], required: [String], requiredOnCreate: [String] = [],
        requiredOneOfOnCreate: [[String]] = []
    ) {
        self.name = name
        self.fileName = fileName
        self.document = document
        self.fields = fields
        self.fieldOrder = fieldOrder
        self.required = required
        self.requiredOnCreate = requiredOnCreate
        self.requiredOneOfOnCreate = requiredOneOfOnCreate
    }

    /// The document's `$id`.
    public var id: String? { document["$id"]?.stringValue }
}
