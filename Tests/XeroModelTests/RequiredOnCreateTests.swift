import JSONModel
import Testing

@testable import XeroModel

/// `x-required-on-create` and `x-required-one-of-on-create`: what Xero needs to create a record,
/// curated in scripts/generate-xero-schemas.py (REQUIRED_ON_CREATE) from Xero's documentation.
@Suite("Required on create")
struct RequiredOnCreateTests {
    @Test func contactNeedsANameThoughTheSpecRequiresNothing() throws {
        let contact = try #require(XeroCatalog.object(named: "Contact"))
        #expect(contact.requiredOnCreate == ["Name"])
        #expect(contact.requiredOneOfOnCreate.isEmpty)
        #expect(contact.required.isEmpty)
        #expect(contact.document["x-required-on-create"] == .array(["Name"]))
    }

    @Test func invoiceNeedsTypeContactAndLineItems() throws {
        let invoice = try #require(XeroCatalog.object(named: "Invoice"))
        for field in ["Type", "Contact", "LineItems"] {
            #expect(invoice.requiredOnCreate.contains(field), "\(field)")
        }
        #expect(invoice.required.isEmpty)  // the spec's list is kept as it is
    }

    @Test(arguments: [
        ("Contact", ["Name"]),
        ("Invoice", ["Type", "Contact", "LineItems"]),
        ("CreditNote", ["Type", "Contact"]),
        ("Payment", ["Account", "Date", "Amount"]),
        ("BankTransaction", ["Type", "Contact", "LineItems", "BankAccount"]),
        ("BankTransfer", ["FromBankAccount", "ToBankAccount", "Amount"]),
        ("Item", ["Code"]),
        ("Account", ["Code", "Name", "Type"]),
        ("ManualJournal", ["Narration", "JournalLines"]),
        ("PurchaseOrder", ["Contact", "LineItems"]),
        ("Quote", ["Contact", "Date", "LineItems"]),
        ("TrackingCategory", ["Name"]),
        ("TaxRate", ["Name", "TaxComponents"]),
        ("ContactGroup", ["Name"]),
        ("Receipt", ["Date", "Contact", "LineItems", "User"]),
        ("LineItem", []),
        ("Currency", ["Code"]),
    ])
    func curatedTable(object: String, fields: [String]) throws {
        let schema = try #require(XeroCatalog.object(named: object))
        #expect(schema.requiredOnCreate == fields)
    }

    @Test func paymentNeedsOneDocumentToPay() throws {
        let payment = try #require(XeroCatalog.object(named: "Payment"))
        #expect(payment.requiredOneOfOnCreate == [["Invoice", "CreditNote", "Prepayment", "Overpayment"]])
        #expect(payment.document["x-required-one-of-on-create"]
            == .array([.array(["Invoice", "CreditNote", "Prepayment", "Overpayment"])]))
    }

    @Test func lineItemNeedsADescriptionOrAnItemCode() throws {
        let line = try #require(XeroCatalog.object(named: "LineItem"))
        #expect(line.requiredOnCreate.isEmpty)
        #expect(line.requiredOneOfOnCreate == [["Description", "ItemCode"]])
        #expect(line.document["x-required-on-create"] == nil)
    }

    @Test func objectsWithoutACuratedEntryHaveNone() throws {
        for name in ["Address", "Phone", "Organisation", "Journal", "Allocation"] {
            let object = try #require(XeroCatalog.object(named: name))
            #expect(object.requiredOnCreate.isEmpty, "\(name)")
            #expect(object.requiredOneOfOnCreate.isEmpty, "\(name)")
            #expect(object.document["x-required-on-create"] == nil, "\(name)")
        }
        // The spec's own required list stays, with or without a curated entry.
        #expect(XeroCatalog.object(named: "Allocation")?.required == ["Amount", "Invoice", "Date"])
    }

    @Test func everyFieldRequiredOnCreateIsAWritableField() throws {
        var curated = 0
        for name in XeroCatalog.objectNames {
            let object = try #require(XeroCatalog.object(named: name))
            let groups = object.requiredOneOfOnCreate
            if !object.requiredOnCreate.isEmpty || !groups.isEmpty { curated += 1 }
            for field in object.requiredOnCreate + groups.flatMap({ $0 }) {
                let f = try #require(object.fields[field], "\(name).\(field) is not a field")
                #expect(!f.isReadOnly, "\(name).\(field) is read-only")
            }
            for group in groups {
                #expect(group.count >= 2, "\(name): a one-of group needs two or more fields")
            }
        }
        #expect(curated == 17)
    }

    @Test func malformedAnnotationsAreRejected() throws {
        let base = #"{"$id":"https://xeroflow.dev/schemas/xero/Thing.schema.json","type":"object","properties":{"A":{"type":"string"}},"#
        let endpoints = #"{}"#
        for annotation in [
            #""x-required-on-create":"A"}"#,
            #""x-required-on-create":[1]}"#,
            #""x-required-on-create":["B"]}"#,
            #""x-required-one-of-on-create":["A"]}"#,
            #""x-required-one-of-on-create":[["A","B"]]}"#,
        ] {
            #expect(throws: XeroCatalogError.self, "\(annotation)") {
                _ = try XeroCatalog.Contents(files: [
                    "Thing.schema.json": base + annotation, XeroSchemas.endpointsFileName: endpoints,
                ])
            }
        }
        let good = try XeroCatalog.Contents(files: [
            "Thing.schema.json": base + #""x-required-on-create":["A"],"x-required-one-of-on-create":[["A"]]}"#,
            XeroSchemas.endpointsFileName: endpoints,
        ])
        #expect(good.objects["Thing"]?.requiredOnCreate == ["A"])
        #expect(good.objects["Thing"]?.requiredOneOfOnCreate == [["A"]])
    }
}
