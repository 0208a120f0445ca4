import Foundation
import JSONModel
import Testing

@Suite("Sandbox fidelity checker")
struct FidelityTests {
    @Test("the checker knows every object the sandbox answers with, and catches a body Xero would not send")
    func checkerCatchesBadBodies() {
        for object in Fidelity.listObjects.values {
            #expect(Fidelity.validators[object] != nil, "no validator for \(object)")
        }
        let good: JSONValue = ["Id": "x", "Status": "OK", "ProviderName": "p", "DateTimeUTC": "/Date(1)/",
                               "Invoices": [["Type": "ACCREC", "Status": "DRAFT", "Total": 1]]]
        #expect(Fidelity.problems(in: good, path: "/api.xro/2.0/Invoices", status: 200).isEmpty)
        let badEnum: JSONValue = ["Invoices": [["Type": "ACCREC", "Status": "BOGUS"]]]
        #expect(!Fidelity.problems(in: badEnum, path: "/api.xro/2.0/Invoices", status: 200).isEmpty)
        let unknownMember: JSONValue = ["Invoices": [["Type": "ACCREC", "Colour": "red"]]]
        #expect(!Fidelity.problems(in: unknownMember, path: "/api.xro/2.0/Invoices", status: 200).isEmpty)
        let wrongType: JSONValue = ["Contacts": [["Name": 5]]]
        #expect(!Fidelity.problems(in: wrongType, path: "/api.xro/2.0/Contacts", status: 200).isEmpty)
        let strayEnvelope: JSONValue = ["Things": []]
        #expect(!Fidelity.problems(in: strayEnvelope, path: "/api.xro/2.0/Contacts", status: 200).isEmpty)
    }
}
