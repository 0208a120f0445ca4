import Foundation
import Testing

@Suite("xeroflow schema validate (process)", .serialized)
struct SchemaValidateCommandTests {
    let schema = """
        {"$schema": "https://json-schema.org/draft/2020-12/schema",
         "type": "object", "required": ["id", "amount"],
         "properties": {"id": {"type": "string"}, "amount": {"type": "number", "multipleOf": 0.01},
                        "contact": {"$ref": "http://example.test/schemas/contact.json"}},
         "additionalProperties": false}
        """

    private func setUp() throws -> URL {
        let dir = try Xeroflow.temporaryDirectory()
        try schema.write(to: dir.appendingPathComponent("record.schema.json"), atomically: true, encoding: .utf8)
        let remote = dir.appendingPathComponent("remote")
        try FileManager.default.createDirectory(at: remote, withIntermediateDirectories: true)
        try #"{"type": "object", "required": ["Name"], "properties": {"Name": {"type": "string"}}}"#
            .write(to: remote.appendingPathComponent("contact.json"), atomically: true, encoding: .utf8)
        try #"{"id": "a1", "amount": 12.34, "contact": {"Name": "Ada"}}"#.write(to: dir.appendingPathComponent("good.json"), atomically: true, encoding: .utf8)
        try "id: a2\namount: 0.1\n".write(to: dir.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
        try "id: 7\namount: 1.005\nextra: true\ncontact: {}\n".write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func validInstancesExitZero() throws {
        let dir = try setUp()
        let r = try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json",
                                  "--remote", "http://example.test/schemas/=remote", "good.json", "good.yaml"], in: dir)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout == "good.json: valid\ngood.yaml: valid\n")
    }

    @Test func invalidInstanceExitOneWithLocations() throws {
        let dir = try setUp()
        let r = try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json",
                                  "--remote", "http://example.test/schemas/=remote", "good.json", "bad.yaml"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("good.json: valid"))
        #expect(r.stdout.contains("bad.yaml:1:5: error:"))   // id: 7 is not a string
        #expect(r.stdout.contains("bad.yaml:2:9: error:"))   // 1.005 is not a multiple of 0.01 (exact decimals)
        #expect(r.stdout.contains("bad.yaml:3:1: error:"))   // unknown property 'extra'
        #expect(r.stdout.contains("bad.yaml:4:10: error:"))  // contact needs Name (remote $ref)
    }

    @Test func jsonFormatOneObjectPerInstance() throws {
        let dir = try setUp()
        let r = try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json", "--format", "json",
                                  "--remote", "http://example.test/schemas/=remote", "good.yaml", "bad.yaml"], in: dir)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let good = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(good["instance"] as? String == "good.yaml")
        #expect(good["valid"] as? Bool == true)
        #expect((good["errors"] as? [Any])?.isEmpty == true)
        let bad = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        #expect(bad["valid"] as? Bool == false)
        let errors = try #require(bad["errors"] as? [[String: Any]])
        let keywords = Set(errors.compactMap { $0["keyword"] as? String })
        #expect(keywords.isSuperset(of: ["type", "multipleOf", "additionalProperties", "required"]))
        #expect(errors.contains { $0["instancePath"] as? String == "/id" })
        #expect(errors.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
    }

    @Test func invalidSchemaExits78() throws {
        let dir = try setUp()
        try #"{"type": "strnig"}"#.write(to: dir.appendingPathComponent("broken.schema.json"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["schema", "validate", "--schema", "broken.schema.json", "good.json"], in: dir)
        #expect(r.status == 78)
        try ##"{"$ref": "#/$defs/nowhere"}"##.write(to: dir.appendingPathComponent("dangling.schema.json"), atomically: true, encoding: .utf8)
        let d = try Xeroflow.run(["schema", "validate", "--schema", "dangling.schema.json", "good.json"], in: dir)
        #expect(d.status == 78)
        try "{ not json".write(to: dir.appendingPathComponent("syntax.schema.json"), atomically: true, encoding: .utf8)
        let s = try Xeroflow.run(["schema", "validate", "--schema", "syntax.schema.json", "good.json"], in: dir)
        #expect(s.status == 78)
    }

    @Test func remoteRefsAreNeverFetched() throws {
        let dir = try setUp()
        // Without the mapping the remote schema cannot be found: the schema is unusable (78), no network.
        let r = try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json", "good.json"], in: dir)
        #expect(r.status == 78)
        #expect(r.stderr.contains("http://example.test/schemas/contact.json"))
    }

    @Test func usage() throws {
        let dir = try setUp()
        #expect(try Xeroflow.run(["schema", "validate", "good.json"], in: dir).status == 64)
        #expect(try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json"], in: dir).status == 64)
        #expect(try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json", "--remote", "nomapping", "good.json"], in: dir).status == 64)
        #expect(try Xeroflow.run(["schema", "validate", "--schema", "missing.json", "good.json"], in: dir).status == 64)
    }

    @Test func unreadableOrBrokenInstanceIsInvalid() throws {
        let dir = try setUp()
        try "{ \"id\": ".write(to: dir.appendingPathComponent("cut.json"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["schema", "validate", "--schema", "record.schema.json",
                                  "--remote", "http://example.test/schemas/=remote", "cut.json", "nothere.json"], in: dir)
        #expect(r.status == 1)
        #expect(r.stdout.contains("cut.json"))
        #expect(r.stdout.contains("nothere.json"))
    }
}
