import Foundation
import JSONModel
import Testing
@testable import JSONSchema

@Suite struct ReferenceTests {
    @Test func remotesMapURIPrefixesToFolders() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jsonschema-remotes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("common"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try ##"{"$defs": {"id": {"type": "string", "minLength": 2}}}"##
            .write(to: folder.appendingPathComponent("common/types.json"), atomically: true, encoding: .utf8)

        let schema = json(##"{"properties": {"id": {"$ref": "https://schemas.example/common/types.json#/$defs/id"}}}"##)
        let v = try JSONSchemaValidator(schema: schema, remotes: ["https://schemas.example/": folder.path])
        #expect(v.isValid(json(##"{"id": "ab"}"##)))
        let errors = v.validate(json(##"{"id": "a"}"##))
        #expect(errors.map(\.keyword) == ["minLength"])
        #expect(errors.first?.schemaPath == JSONPointer("/properties/id/$ref/minLength"))

        // Without the mapping the reference cannot be resolved, and nothing is fetched.
        #expect(throws: SchemaError.self) { try JSONSchemaValidator(schema: schema) }
    }

    @Test func documentsAreKnownByURIAndByTheirID() throws {
        let documents: [String: JSONValue] = [
            "https://x.example/a.json": json(##"{"$ref": "b.json"}"##),
            "https://x.example/other-name.json": json(##"{"$id": "https://x.example/b.json", "type": "integer"}"##),
        ]
        let v = try JSONSchemaValidator(schema: json(##"{"$ref": "https://x.example/a.json"}"##), baseURI: nil,
                                        documents: documents, remotes: [:], formatAssertion: false)
        #expect(v.isValid(json("3")))
        #expect(!v.isValid(json(##""3""##)))
    }

    @Test func relativeReferencesResolveAgainstTheBaseURI() throws {
        let schema = json(##"{"$id": "https://x.example/root/main.json", "$ref": "../lib/n.json"}"##)
        let v = try JSONSchemaValidator(schema: schema, baseURI: nil,
                                        documents: ["https://x.example/lib/n.json": json(##"{"type": "number"}"##)],
                                        remotes: [:], formatAssertion: false)
        #expect(!v.isValid(json("null")))
    }

    @Test func dynamicReferencesUseTheOutermostAnchor() throws {
        let v = try validator(##"""
            {"$id": "https://x.example/strict", "$dynamicAnchor": "node", "$ref": "tree", "unevaluatedProperties": false,
             "$defs": {"tree": {"$id": "tree", "$dynamicAnchor": "node", "type": "object",
                                "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}}}}
            """##)
        #expect(v.isValid(json(##"{"children": [{"data": 1}]}"##)))
        let errors = v.validate(json(##"{"children": [{"daat": 1}]}"##))
        #expect(errors.map(\.instancePath) == [JSONPointer("/children/0/daat")])
    }

    @Test func referenceCyclesDoNotHang() throws {
        let direct = try validator(##"{"$ref": "#"}"##)
        let errors = direct.validate(json("1"))
        #expect(errors.count == 1)
        #expect(errors.first?.keyword == "$ref")
        #expect(!direct.isValid(json("1")))

        let mutual = try validator(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##)
        #expect(!mutual.isValid(json("{}")))
        #expect(!mutual.validate(json("{}")).isEmpty)
    }

    @Test func recursionThatConsumesTheInstanceIsFine() throws {
        let v = try validator(##"{"type": "array", "items": {"$ref": "#"}}"##)
        #expect(v.isValid(json("[[[[]]], []]")))
        #expect(!v.isValid(json("[[[[1]]], []]")))
        #expect(v.validate(json("[[[[1]]], []]")).first?.instancePath == JSONPointer("/0/0/0/0"))
    }
}
