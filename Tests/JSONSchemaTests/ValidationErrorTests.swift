import JSONModel
import Testing
@testable import JSONSchema

/// Each `ValidationError.Detail` case, with its message, paths and keyword.
@Suite struct ValidationErrorTests {
    @Test func typeMismatchSaysWhatWasExpectedAndFound() throws {
        let v = try validator(##"{"properties": {"name": {"type": "string"}, "n": {"type": ["integer", "null"]}}}"##)
        let errors = v.validate(json(##"{"name": 5, "n": 1.5}"##))
        #expect(errors.count == 2)
        let name = try #require(errors.first { $0.instancePath == JSONPointer("/name") })
        #expect(name.keyword == "type")
        #expect(name.message == "expected a string, found a number")
        #expect(name.detail == .type(expected: ["string"], found: "number"))
        #expect(name.schemaPath == JSONPointer("/properties/name/type"))
        let n = try #require(errors.first { $0.instancePath == JSONPointer("/n") })
        #expect(n.message == "expected an integer or null, found a number")
    }

    @Test func integerAcceptsZeroFraction() throws {
        let v = try validator(##"{"type": "integer"}"##)
        #expect(v.isValid(json("1.0")))
        #expect(!v.isValid(json("1.5")))
    }

    @Test func everyMissingRequiredPropertyIsReported() throws {
        let v = try validator(##"{"required": ["name", "email", "age"]}"##)
        let errors = v.validate(json(##"{"email": "a@b.c"}"##))
        #expect(errors.map(\.detail) == [.required(missing: "name"), .required(missing: "age")])
        #expect(errors.map(\.message) == ["missing required property 'name'", "missing required property 'age'"])
        #expect(errors.allSatisfy { $0.instancePath == .root && $0.keyword == "required" })
    }

    @Test func unknownPropertiesPointAtEachProperty() throws {
        let v = try validator(##"""
            {"properties": {"sources": {"additionalProperties": false, "properties": {"csv": {}, "xero": {}}}}}
            """##)
        let errors = v.validate(json(##"{"sources": {"cvs": 1, "csv": 2, "xeor": 3}}"##))
        #expect(errors.count == 2)
        #expect(errors.map(\.instancePath) == [JSONPointer("/sources/cvs"), JSONPointer("/sources/xeor")])
        #expect(errors[0].keyword == "additionalProperties")
        #expect(errors[0].message == "unknown property 'cvs'")
        #expect(errors[0].detail == .unknownProperty(name: "cvs", known: ["csv", "xero"]))
        #expect(errors[0].schemaPath == JSONPointer("/properties/sources/additionalProperties"))
    }

    @Test func unevaluatedPropertiesListsNamesFromAllOfAndRef() throws {
        let v = try validator(##"""
            {"$defs": {"base": {"properties": {"id": {}}}},
             "allOf": [{"$ref": "#/$defs/base"}], "properties": {"name": {}}, "unevaluatedProperties": false}
            """##)
        let errors = v.validate(json(##"{"id": 1, "name": "x", "nmae": "y"}"##))
        #expect(errors.count == 1)
        let error = try #require(errors.first)
        #expect(error.keyword == "unevaluatedProperties")
        #expect(error.instancePath == JSONPointer("/nmae"))
        guard case .unknownProperty(let name, let known) = error.detail else {
            Issue.record("expected unknownProperty, got \(error.detail)")
            return
        }
        #expect(name == "nmae")
        #expect(Set(known) == ["id", "name"])
    }

    @Test func enumListsAllowedValues() throws {
        let v = try validator(##"{"enum": ["csv", "xero", 3]}"##)
        let errors = v.validate(json(##""cvs""##))
        #expect(errors.count == 1)
        #expect(errors[0].detail == .enumeration(allowed: ["csv", "xero", 3]))
        #expect(errors[0].message == ##"expected one of "csv", "xero" or 3, found "cvs""##)
    }

    @Test func constComparesNumbersByValueAndObjectsWithoutOrder() throws {
        let v = try validator(##"{"const": {"a": 1, "b": [1.0, "x"]}}"##)
        #expect(v.isValid(json(##"{"b": [1, "x"], "a": 1.0}"##)))
        let errors = v.validate(json(##"{"a": 2, "b": [1, "x"]}"##))
        #expect(errors.count == 1)
        #expect(errors[0].keyword == "const")
        #expect(errors[0].detail == .constant(json(##"{"a": 1, "b": [1.0, "x"]}"##)))
    }

    @Test func anyOfKeepsTheErrorsOfEachBranch() throws {
        let v = try validator(##"{"anyOf": [{"type": "string"}, {"required": ["id"]}]}"##)
        let errors = v.validate(json("{}"))
        #expect(errors.count == 1)
        guard case .alternatives(let branches) = errors[0].detail else {
            Issue.record("expected alternatives, got \(errors[0].detail)")
            return
        }
        #expect(branches.count == 2)
        #expect(branches[0].map(\.keyword) == ["type"])
        #expect(branches[1].map(\.detail) == [.required(missing: "id")])
        #expect(branches[1][0].schemaPath == JSONPointer("/anyOf/1/required"))
        #expect(errors[0].message == "expected the value to match at least one of the 2 alternatives, but it matches none")
    }

    @Test func anyOfOfTypesReadsAsOneTypeError() throws {
        let v = try validator(##"{"anyOf": [{"type": "string"}, {"type": "object"}]}"##)
        #expect(v.validate(json("5")).map(\.message) == ["expected a string or an object, found a number"])
    }

    @Test func oneOfMatchingTwiceSaysHowMany() throws {
        let v = try validator(##"{"oneOf": [{"type": "number"}, {"minimum": 0}, {"maximum": 100}]}"##)
        let errors = v.validate(json("5"))
        #expect(errors.count == 1)
        #expect(errors[0].keyword == "oneOf")
        #expect(errors[0].detail == .alternatives(branches: []))
        #expect(errors[0].message.contains("matches 3"))
    }

    @Test func otherKeywordsHavePlainMessages() throws {
        let v = try validator(##"""
            {"properties": {
                "s": {"minLength": 3, "pattern": "^[a-z]+$"},
                "n": {"minimum": 10, "multipleOf": 4},
                "a": {"maxItems": 1, "uniqueItems": true}
            }}
            """##)
        let errors = v.validate(json(##"{"s": "A", "n": 6, "a": [1, 1.0]}"##))
        let messages = Dictionary(errors.map { ($0.keyword, $0.message) }, uniquingKeysWith: { a, _ in a })
        #expect(messages["minLength"] == "expected at least 3 characters, found 1")
        #expect(messages["pattern"] == ##"expected a string matching the pattern '^[a-z]+$', found "A""##)
        #expect(messages["minimum"] == "expected a number greater than or equal to 10, found 6")
        #expect(messages["multipleOf"] == "expected a multiple of 4, found 6")
        #expect(messages["maxItems"] == "expected at most 1 item, found 2")
        #expect(messages["uniqueItems"] == "expected unique items, but the items at index 0 and 1 are equal")
        #expect(errors.allSatisfy { $0.detail == .other })
    }

    @Test func errorsFollowReferencesInTheSchemaPath() throws {
        let v = try validator(##"""
            {"properties": {"sources": {"additionalProperties": {"$ref": "#/$defs/source"}}},
             "$defs": {"source": {"properties": {"csv": {"type": "string"}}}}}
            """##)
        let errors = v.validate(json(##"{"sources": {"main": {"csv": 1}}}"##))
        #expect(errors.count == 1)
        #expect(errors[0].schemaPath == JSONPointer("/properties/sources/additionalProperties/$ref/properties/csv/type"))
        #expect(errors[0].instancePath == JSONPointer("/sources/main/csv"))
    }

    @Test func lengthCountsCodePointsNotGraphemes() throws {
        let v = try validator(##"{"maxLength": 2}"##)
        #expect(v.isValid(json(##""\ud83d\udca9\ud83d\udca9""##)))  // two astral code points
        #expect(!v.isValid(.string("e\u{301}e\u{301}")))  // two graphemes, four code points
    }

    @Test func isValidAgreesWithValidate() throws {
        let v = try validator(##"{"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}"##)
        for text in ["{}", ##"{"a": 1}"##, ##"{"a": "x"}"##, "[]"] {
            let instance = json(text)
            #expect(v.isValid(instance) == v.validate(instance).isEmpty, "\(text)")
        }
    }

    @Test func formatIsAnAnnotationUnlessAsserted() throws {
        let schema = ##"{"format": "date"}"##
        #expect(try validator(schema).isValid(json(##""2024-02-30""##)))
        let asserting = try validator(schema, formatAssertion: true)
        #expect(!asserting.isValid(json(##""2024-02-30""##)))
        #expect(asserting.isValid(json(##""2024-02-29""##)))
        #expect(asserting.validate(json(##""tomorrow""##)).map(\.keyword) == ["format"])
    }
}
