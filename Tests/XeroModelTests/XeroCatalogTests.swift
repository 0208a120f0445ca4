import JSONModel
import Testing

@testable import XeroModel

@Suite("Xero objects")
struct XeroObjectTests {
    @Test func contactHasItsIdentityFieldsAndTheSpecRequiresNone() throws {
        let contact = try #require(XeroCatalog.object(named: "Contact"))
        #expect(contact.fileName == "Contact.schema.json")
        #expect(contact.fields["EmailAddress"] != nil)
        let number = try #require(contact.fields["ContactNumber"])
        #expect(number.types == ["string"])
        #expect(contact.document.value(at: JSONPointer("/properties/ContactNumber/maxLength")!) == 50)
        // Xero refuses a new contact without a Name, but the spec lists no required fields.
        #expect(contact.fields["Name"]?.isRequired == false)
        #expect(contact.required.isEmpty)
        #expect(contact.fieldOrder.prefix(3) == ["ContactID", "MergedToContactID", "ContactNumber"])
    }

    @Test func invoiceTypeIsAnEnumWithReceivablesAndPayables() throws {
        let invoice = try #require(XeroCatalog.object(named: "Invoice"))
        let values = try #require(invoice.fields["Type"]?.enumValues)
        #expect(values.contains("ACCREC"))
        #expect(values.contains("ACCPAY"))
    }

    @Test func invoiceFieldsPointAtTheirObjects() throws {
        let invoice = try #require(XeroCatalog.object(named: "Invoice"))
        let lines = try #require(invoice.fields["LineItems"])
        #expect(lines.isArray)
        #expect(lines.types == ["array"])
        #expect(lines.objectRef == "LineItem")
        let contact = try #require(invoice.fields["Contact"])
        #expect(!contact.isArray)
        #expect(contact.objectRef == "Contact")
        #expect(contact.types == ["object"])
    }

    @Test func sharedEnumerationsAreResolved() throws {
        let invoice = try #require(XeroCatalog.object(named: "Invoice"))
        let currency = try #require(invoice.fields["CurrencyCode"])
        #expect(currency.types == ["string"])
        #expect(currency.objectRef == nil)
        #expect(currency.enumValues?.contains("EUR") == true)
        #expect(currency.description != nil)
        let lineAmountTypes = try #require(invoice.fields["LineAmountTypes"]?.enumValues)
        #expect(lineAmountTypes == ["Exclusive", "Inclusive", "NoTax"])
    }

    @Test func lineItemAmountsAreMoney() throws {
        let line = try #require(XeroCatalog.object(named: "LineItem"))
        #expect(line.fields["UnitAmount"]?.isMoney == true)
        #expect(line.fields["LineAmount"]?.isMoney == true)
        #expect(line.fields["Description"]?.isMoney == false)
        #expect(line.fields["Tracking"]?.objectRef == "LineItemTracking")
    }

    @Test func updatedDateIsReadOnly() throws {
        let invoice = try #require(XeroCatalog.object(named: "Invoice"))
        #expect(invoice.fields["UpdatedDateUTC"]?.isReadOnly == true)
        #expect(invoice.fields["InvoiceNumber"]?.isReadOnly == false)
        #expect(invoice.document.value(at: JSONPointer("/properties/Date/x-xero-date")!) == true)
    }

    @Test func specRequiredFieldsAreKept() throws {
        let bankTransaction = try #require(XeroCatalog.object(named: "BankTransaction"))
        #expect(bankTransaction.required == ["Type", "LineItems", "BankAccount"])
        #expect(bankTransaction.fields["BankAccount"]?.isRequired == true)
        #expect(bankTransaction.fields["BankAccount"]?.objectRef == "Account")
        #expect(XeroCatalog.object(named: "Item")?.required == ["Code"])
    }

    @Test func everyRequestedObjectIsThere() {
        let expected = [
            "Contact", "ContactPerson", "Address", "Phone", "Invoice", "LineItem", "LineItemTracking",
            "CreditNote", "Payment", "BankTransaction", "BankTransfer", "Item", "Purchase", "Account",
            "ManualJournal", "ManualJournalLine", "PurchaseOrder", "TrackingCategory", "TrackingOption",
            "TaxRate", "TaxComponent", "Currency", "BrandingTheme", "Organisation", "Quote", "Allocation",
            "Overpayment", "Prepayment", "Receipt", "ContactGroup", "Employee", "Attachment",
            "ValidationError", "Journal",
        ]
        for name in expected {
            #expect(XeroCatalog.object(named: name) != nil, "missing \(name)")
        }
        #expect(XeroCatalog.objectNames == XeroCatalog.objectNames.sorted())
        #expect(!XeroCatalog.objectNames.contains("enums"))
    }

    @Test func everyObjectIsAClosedDraft2020Schema() throws {
        for name in XeroCatalog.objectNames {
            let object = try #require(XeroCatalog.object(named: name))
            let document = object.document
            #expect(document["$schema"] == "https://json-schema.org/draft/2020-12/schema")
            #expect(document["$id"]?.stringValue == XeroSchemas.baseURI + "\(name).schema.json")
            #expect(document["title"]?.stringValue == name)
            #expect(document["type"] == "object")
            #expect(document["additionalProperties"] == false, "\(name) accepts unknown fields")
            #expect(document["x-source"]?.stringValue?.contains("xero_accounting.yaml") == true)
            #expect(object.fieldOrder.count == object.fields.count)
            for field in object.required {
                #expect(object.fields[field] != nil, "\(name).\(field) is required but not a field")
            }
            for field in object.fields.values where field.objectRef != nil {
                #expect(XeroCatalog.object(named: field.objectRef!) != nil, "\(name).\(field.name)")
            }
        }
    }

    @Test func everyRefResolvesOfflineByFileName() throws {
        let documents = XeroCatalog.documents
        #expect(documents.count == XeroSchemas.files.count - 1)  // all but endpoints.json
        var refs = 0
        func walk(_ value: JSONValue, in id: String) {
            switch value {
            case .object(let members):
                if let ref = members["$ref"]?.stringValue {
                    refs += 1
                    let parts = ref.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                    let target = documents[XeroSchemas.baseURI + parts[0]]
                    let pointer = JSONPointer(parts.count > 1 ? String(parts[1]) : "")
                    #expect(target != nil && pointer != nil && target!.value(at: pointer!) != nil,
                            "\(id): $ref \(ref) does not resolve")
                }
                for (_, member) in members { walk(member, in: id) }
            case .array(let elements):
                for element in elements { walk(element, in: id) }
            default:
                break
            }
        }
        for (id, document) in documents { walk(document, in: id) }
        #expect(refs > 100)
    }
}

@Suite("Xero endpoints")
struct XeroEndpointTests {
    @Test func invoicesMatchOnInvoiceNumber() throws {
        let invoices = try #require(XeroCatalog.endpoint(named: "Invoices"))
        #expect(invoices.objectName == "Invoice")
        #expect(invoices.matchFields == ["InvoiceID", "InvoiceNumber"])
        #expect(invoices.idField == "InvoiceID")
        #expect(invoices.canRead && invoices.canCreate && invoices.canUpdate)
        #expect(invoices.listKey == "Invoices")
    }

    @Test func contactsMatchOnIdNumberOrName() throws {
        let contacts = try #require(XeroCatalog.endpoint(named: "Contacts"))
        #expect(contacts.matchFields == ["ContactID", "ContactNumber", "Name"])
    }

    @Test func readOnlyEndpoints() throws {
        for name in ["BrandingThemes", "Organisation", "Overpayments", "Prepayments", "Journals"] {
            let endpoint = try #require(XeroCatalog.endpoint(named: name))
            #expect(endpoint.canRead, "\(name)")
            #expect(endpoint.isReadOnly, "\(name)")
        }
        #expect(XeroCatalog.endpoint(named: "Organisation")?.listKey == "Organisations")
    }

    @Test func writesFollowTheSpecsOperations() throws {
        // POST /Payments/{PaymentID} and POST /BankTransfers only change a status to DELETED.
        let payments = try #require(XeroCatalog.endpoint(named: "Payments"))
        #expect(payments.canCreate && !payments.canUpdate)
        let transfers = try #require(XeroCatalog.endpoint(named: "BankTransfers"))
        #expect(transfers.canCreate && !transfers.canUpdate)
        let currencies = try #require(XeroCatalog.endpoint(named: "Currencies"))
        #expect(currencies.canCreate && !currencies.canUpdate)
        #expect(currencies.idField == "Code")
        #expect(XeroCatalog.endpoint(named: "TaxRates")?.idField == "TaxType")
        // Xero's 16.1.0 spec describes Employee but has no /Employees operations.
        let employees = try #require(XeroCatalog.endpoint(named: "Employees"))
        #expect(!employees.canRead && employees.isReadOnly)
    }

    @Test func everyEndpointNamesRealFields() throws {
        #expect(XeroCatalog.endpoints.count >= 21)
        for (name, endpoint) in XeroCatalog.endpoints {
            #expect(endpoint.name == name)
            let object = try #require(XeroCatalog.object(named: endpoint.objectName), "\(name)")
            #expect(!endpoint.matchFields.isEmpty, "\(name)")
            for field in endpoint.matchFields + [endpoint.idField].compactMap({ $0 }) {
                #expect(object.fields[field] != nil, "\(name): \(field) is not a field of \(object.name)")
            }
        }
    }

    @Test func lookupIsExact() {
        #expect(XeroCatalog.endpoint(named: "invoices") == nil)
        #expect(XeroCatalog.object(named: "invoice") == nil)
    }
}

@Suite("Did you mean")
struct XeroSuggestionTests {
    @Test func misspeltContactField() throws {
        let contact = try #require(XeroCatalog.object(named: "Contact"))
        #expect(XeroCatalog.suggestion(for: "EmailAdress", among: contact.fieldOrder) == "EmailAddress")
        #expect(XeroCatalog.suggestion(for: "emailaddress", among: contact.fieldOrder) == "EmailAddress")
        #expect(XeroCatalog.suggestion(for: "ContactNubmer", among: contact.fieldOrder) == "ContactNumber")
        #expect(XeroCatalog.suggestion(for: "Colour", among: contact.fieldOrder) == nil)
    }

    @Test func caseInsensitiveMatchWinsOverACloserSpelling() {
        #expect(XeroCatalog.suggestion(for: "NAME", among: ["Names", "Name"]) == "Name")
        #expect(XeroCatalog.suggestion(for: "Name", among: ["NAME", "Name"]) == "Name")
    }

    @Test func threshold() {
        // max(2, count / 3): two edits are always allowed, longer names allow more.
        #expect(XeroCatalog.suggestion(for: "Tpye", among: ["Type"]) == "Type")
        #expect(XeroCatalog.suggestion(for: "Tye", among: ["Type"]) == "Type")
        #expect(XeroCatalog.suggestion(for: "Tx", among: ["Type"]) == nil)
        #expect(XeroCatalog.suggestion(for: "T", among: ["Type"]) == nil)
        #expect(XeroCatalog.suggestion(for: "Reffference", among: ["Reference"]) == "Reference")
        #expect(XeroCatalog.suggestion(for: "Anything", among: []) == nil)
    }

    @Test func tiesGoToTheFirstInSortOrder() {
        #expect(XeroCatalog.suggestion(for: "Cod", among: ["Coe", "Cad"]) == "Cad")
    }

    @Test(arguments: [
        ("", "", 0), ("abc", "", 3), ("", "ab", 2), ("kitten", "sitting", 3),
        ("ab", "ba", 1), ("ca", "abc", 2), ("EmailAdress", "EmailAddress", 1),
        ("Contcat", "Contact", 1), ("abcdef", "abcdef", 0),
    ])
    func damerauLevenshtein(a: String, b: String, expected: Int) {
        #expect(EditDistance.damerauLevenshtein(Array(a), Array(b)) == expected)
        #expect(EditDistance.damerauLevenshtein(Array(b), Array(a)) == expected)
    }
}
