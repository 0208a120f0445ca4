import Foundation
import JSONModel
import Spec
import Testing

@Suite("YAML loader")
struct LoaderTests {
    private func load(_ text: String) throws -> LocatedDocument {
        switch DocumentReader().read(text: text, file: "t.yaml") {
        case .document(let d, _): return d
        case .empty: throw Failure("empty")
        case .failure(let d, _): throw Failure(d.message)
        }
    }

    struct Failure: Error { let message: String; init(_ m: String) { message = m } }

    @Test("plain scalars resolve by JSON's grammar", arguments: [
        ("null", JSONValue.null), ("~", .null), ("", .null), ("true", .bool(true)), ("False", .bool(false)),
        ("yes", .string("yes")), ("NO", .string("NO")), ("off", .string("off")), ("on", .string("on")),
        ("2026-01-01", .string("2026-01-01")), ("0200", .string("0200")), ("1_000", .string("1_000")),
        ("+1", .string("+1")), (".5", .string(".5")), (".inf", .string(".inf")), ("0x1F", .string("0x1F")),
        ("12", .number(JSONNumber(12))), ("-3.25", .number(JSONNumber(literal: "-3.25")!)), ("1e3", .number(JSONNumber(1000))),
        ("'12'", .string("12")), ("\"true\"", .string("true")), ("!!str 12", .string("12")), ("!!int \"7\"", .number(JSONNumber(7))),
    ])
    func scalar(_ text: String, _ expected: JSONValue) throws {
        let doc = try load("v: \(text)\n")
        #expect(doc.value["v"] == expected)
    }

    @Test func moneyStaysExact() throws {
        let doc = try load("a: 25.06\nb: 0.1\n")
        #expect(doc.value["a"]?.numberValue?.decimal == Decimal(string: "25.06"))
        #expect(doc.value["b"]?.numberValue?.jsonText == "0.1")
    }

    @Test func locationsOfKeysAndValues() throws {
        let doc = try load("sources:\n  patients:\n    csv: data/p.csv\n")
        let p = JSONPointer("/sources/patients/csv")!
        let value = doc.location(of: p)
        #expect(value.line == 3)
        #expect(value.column == 10)
        #expect(value.length == 10)
        let key = doc.location(of: p, preferKey: true)
        #expect(key.line == 3)
        #expect(key.column == 5)
        #expect(key.length == 3)
        // A pointer below a scalar falls back to the nearest ancestor.
        #expect(doc.location(of: p.appending("nope")).line == 3)
    }

    @Test func characterOffsetsInsideScalars() throws {
        let doc = try load("a: plain text here\nb: \"quoted text\"\nc: |\n  block\n")
        #expect(doc.location(of: JSONPointer("/a")!, characterOffset: 6, length: 4).column == 10)
        #expect(doc.location(of: JSONPointer("/b")!, characterOffset: 7, length: 4).column == 12)
        // Block scalars point at their start.
        #expect(doc.location(of: JSONPointer("/c")!, characterOffset: 3, length: 1).line == 3)
    }

    @Test func flowAndBlockStylesAgree() throws {
        let a = try load("x: { a: 1, b: [1, 2, {c: d}] }\n")
        let b = try load("x:\n  a: 1\n  b:\n    - 1\n    - 2\n    - c: d\n")
        #expect(a.value == b.value)
    }

    @Test func unicodeColumnsCountCharacters() throws {
        let doc = try load("café: { naïve: x }\n")
        let loc = doc.location(of: JSONPointer("/café/naïve")!, preferKey: true)
        #expect(loc.column == 9)
    }
}
