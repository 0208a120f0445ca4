/// An Accounting API endpoint a pipeline may read from or push to (`Contacts`, `Invoices`, …).
///
/// What it allows comes from the operations in Xero's spec: `canRead` from a GET, `canCreate`
/// from a PUT (or a POST named create…), `canUpdate` from a POST named update….
public struct XeroEndpoint: Sendable, Hashable {
    /// The endpoint's name, as in the URL path (`Invoices`, `Organisation`).
    public let name: String
    /// The object it carries (`Invoice`): see ``XeroCatalog/object(named:)``.
    public let objectName: String
    public let canRead: Bool
    public let canCreate: Bool
    public let canUpdate: Bool
    /// The fields that identify one record, in order of preference (`InvoiceID`, `InvoiceNumber`).
    public let matchFields: [String]
    /// The field holding Xero's identifier of a record (`InvoiceID`; `Code` for currencies).
    public let idField: String?
    /// The member of a response that holds the records (`Invoices`; `Organisations`).
    public let listKey: String

    public init(
        name: String, objectName: String, canRead: Bool, canCreate: Bool, canUpdate: Bool,
        matchFields: [String], idField: String?, listKey: String
    ) {
        self.name = name
        self.objectName = objectName
        self.canRead = canRead
        self.canCreate = canCreate
        self.canUpdate = canUpdate
        self.matchFields = matchFields
        self.idField = idField
        self.listKey = listKey
    }

    /// True when the endpoint accepts no writes at all (`BrandingThemes`, `Organisation`).
    public var isReadOnly: Bool { !canCreate && !canUpdate }
}
