import Foundation
import JSONModel
@testable import JSONSchema

/// Parses JSON text written in a test (a malformed literal is a test bug, so it traps).
func json(_ text: String) -> JSONValue {
    do {
        return try JSONParser.parse(text)
    } catch {
        preconditionFailure("bad JSON in test: \(error)")
    }
}

func validator(_ schema: String, formatAssertion: Bool = false) throws -> JSONSchemaValidator {
    try JSONSchemaValidator(schema: json(schema), formatAssertion: formatAssertion)
}
