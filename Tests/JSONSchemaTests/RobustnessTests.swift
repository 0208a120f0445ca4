import JSONModel
import Testing
@testable import JSONSchema

@Suite struct RobustnessTests {
    private func nestedArrays(_ depth: Int, innermost: String = "") -> JSONValue {
        let text = String(repeating: "[", count: depth) + innermost + String(repeating: "]", count: depth)
        do {
            return try JSONParser(maxDepth: depth + 1).parse(Array(text.utf8))
        } catch {
            preconditionFailure("\(error)")
        }
    }

    @Test func tenThousandLevelsDoNotCrash() throws {
        let deep = nestedArrays(10_000)
        let recursive = try validator(##"{"type": "array", "items": {"$ref": "#"}}"##)
        let errors = recursive.validate(deep)
        // Either it validates all the way down, or it stops with a depth error: never a crash.
        #expect(errors.isEmpty || errors.map(\.keyword) == ["depth"])
        #expect(recursive.isValid(deep) == errors.isEmpty)

        let withAnnotations = try validator(##"{"anyOf": [{"items": {"$ref": "#"}}], "unevaluatedItems": false}"##)
        _ = withAnnotations.validate(deep)
        _ = withAnnotations.isValid(deep)

        let flat = try validator(##"{"type": "array", "maxItems": 1}"##)
        #expect(flat.isValid(deep))
    }

    @Test func moderateDepthValidatesCompletely() throws {
        let recursive = try validator(##"{"type": "array", "items": {"$ref": "#"}}"##)
        #expect(recursive.validate(nestedArrays(500)).isEmpty)
        let bad = recursive.validate(nestedArrays(500, innermost: "1"))
        #expect(bad.count == 1)
        #expect(bad.first?.instancePath.tokens.count == 500)
    }

    @Test func deeplyNestedSchemaCompiles() throws {
        let depth = 5_000
        let text = String(repeating: ##"{"items": "##, count: depth) + "{}" + String(repeating: "}", count: depth)
        let schema = try JSONParser(maxDepth: depth + 10).parse(Array(text.utf8))
        let v = try JSONSchemaValidator(schema: schema)
        #expect(v.isValid(json("[[1]]")))
    }

    @Test func validatorIsUsableFromManyTasks() async throws {
        let v = try validator(##"{"properties": {"n": {"type": "integer", "pattern": "x"}}, "required": ["n"]}"##)
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask { v.isValid(json(##"{"n": \##(i)}"##)) && !v.isValid(json("{}")) }
            }
            var all: [Bool] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }
}
