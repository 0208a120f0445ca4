import Foundation
import JSONModel
import Testing
@testable import JSONSchema

@Suite struct SchemaErrorTests {
    private func compileError(_ schema: String) -> SchemaError? {
        do {
            _ = try JSONSchemaValidator(schema: json(schema))
            return nil
        } catch {
            return error
        }
    }

    @Test func unresolvableReference() throws {
        let error = try #require(compileError(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##))
        #expect(error.message.contains("'#/$defs/missing'"))
        #expect(error.schemaPath == JSONPointer("/properties/a/$ref"))
    }

    @Test func referenceToAnUnknownDocument() throws {
        let error = try #require(compileError(##"{"$ref": "https://example.com/nowhere.json"}"##))
        #expect(error.message.contains("no schema is known as 'https://example.com/nowhere.json'"))
    }

    @Test func invalidRegularExpression() throws {
        let error = try #require(compileError(##"{"properties": {"a": {"pattern": "([a-z"}}}"##))
        #expect(error.message.contains("invalid regular expression"))
        #expect(error.schemaPath == JSONPointer("/properties/a"))
        #expect(compileError(##"{"patternProperties": {"(": {}}}"##) != nil)
    }

    @Test func schemasMustBeObjectsOrBooleans() throws {
        #expect(compileError("42")?.message == "a schema must be an object or a boolean, found a number")
        let nested = try #require(compileError(##"{"items": "string"}"##))
        #expect(nested.message.contains("'items' must be a schema"))
        #expect(compileError(##"{"type": "strnig"}"##)?.message.contains("unknown type 'strnig'") == true)
        #expect(compileError(##"{"minLength": -1}"##) != nil)
    }

    @Test func booleanSchemasCompile() throws {
        #expect(try JSONSchemaValidator(schema: true).isValid(json(##"{"a": 1}"##)))
        #expect(try !JSONSchemaValidator(schema: false).isValid(json("null")))
    }

    @Test func metaSchemaCheckIsOnRequest() throws {
        // Compiles (the keyword value is not structural) but fails the meta-schema check.
        let schema = json(##"{"properties": {"a": {"maxItems": "3"}}}"##)
        let problems = JSONSchemaValidator.checkSchema(schema)
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.instancePath == JSONPointer("/properties/a/maxItems") })
        #expect(JSONSchemaValidator.checkSchema(json(##"{"type": "object", "properties": {"a": {"type": "string"}}}"##)).isEmpty)
        #expect(throws: SchemaError.self) {
            try JSONSchemaValidator(schema: json(##"{"minLength": "x"}"##), baseURI: nil, documents: [:], remotes: [:],
                                    formatAssertion: false, validateSchema: true)
        }
    }

    @Test func builtInMetaSchemasAreKeyedByID() {
        #expect(MetaSchemas.all.count == 9)
        #expect(MetaSchemas.all[MetaSchemas.draft202012]?["$id"]?.stringValue == MetaSchemas.draft202012)
        #expect(MetaSchemas.schema(for: "https://json-schema.org/draft/2020-12/meta/validation#") != nil)
    }
}
