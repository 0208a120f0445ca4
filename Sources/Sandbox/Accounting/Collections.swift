import Foundation

/// The Accounting endpoints the sandbox serves, and how each identifies its records.
struct Collection: Sendable {
    /// As in the URL (`Invoices`).
    let name: String
    /// The Xero object (`Invoice`).
    let object: String
    /// The field holding the record's id (`InvoiceID`; `Code` for currencies).
    let idField: String
    /// A second identifier usable in `GET /{name}/{value}` and for POST updates
    /// (`InvoiceNumber`, `ContactNumber`, an Item's `Code`).
    let numberField: String?
    let statusField: String?
    let canCreate: Bool
    let canUpdate: Bool
    /// Accepts `pageSize` (the nine endpoints Xero's spec gives it).
    let pageSize: Bool
    /// Carries line items, which a list without `page` leaves out.
    let hasLines: Bool
    /// The record's date field, for lock dates.
    let dateField: String?

    static let all: [Collection] = [
        Collection(name: "Accounts", object: "Account", idField: "AccountID", numberField: "Code", statusField: "Status", canCreate: true, canUpdate: true, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "TaxRates", object: "TaxRate", idField: "TaxType", numberField: nil, statusField: "Status", canCreate: true, canUpdate: false, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "Currencies", object: "Currency", idField: "Code", numberField: nil, statusField: nil, canCreate: false, canUpdate: false, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "BrandingThemes", object: "BrandingTheme", idField: "BrandingThemeID", numberField: nil, statusField: nil, canCreate: false, canUpdate: false, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "TrackingCategories", object: "TrackingCategory", idField: "TrackingCategoryID", numberField: nil, statusField: "Status", canCreate: true, canUpdate: true, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "Contacts", object: "Contact", idField: "ContactID", numberField: "ContactNumber", statusField: "ContactStatus", canCreate: true, canUpdate: true, pageSize: true, hasLines: false, dateField: nil),
        Collection(name: "Items", object: "Item", idField: "ItemID", numberField: "Code", statusField: nil, canCreate: true, canUpdate: true, pageSize: false, hasLines: false, dateField: nil),
        Collection(name: "Invoices", object: "Invoice", idField: "InvoiceID", numberField: "InvoiceNumber", statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: true, dateField: "Date"),
        Collection(name: "CreditNotes", object: "CreditNote", idField: "CreditNoteID", numberField: "CreditNoteNumber", statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: true, dateField: "Date"),
        Collection(name: "Payments", object: "Payment", idField: "PaymentID", numberField: nil, statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: false, dateField: "Date"),
        Collection(name: "BankTransactions", object: "BankTransaction", idField: "BankTransactionID", numberField: nil, statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: true, dateField: "Date"),
        Collection(name: "BankTransfers", object: "BankTransfer", idField: "BankTransferID", numberField: nil, statusField: nil, canCreate: true, canUpdate: false, pageSize: false, hasLines: false, dateField: "Date"),
        Collection(name: "ManualJournals", object: "ManualJournal", idField: "ManualJournalID", numberField: nil, statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: false, dateField: "Date"),
        Collection(name: "PurchaseOrders", object: "PurchaseOrder", idField: "PurchaseOrderID", numberField: "PurchaseOrderNumber", statusField: "Status", canCreate: true, canUpdate: true, pageSize: true, hasLines: true, dateField: "Date"),
    ]

    static func named(_ name: String) -> Collection? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }
}
