import Diagnostics
import Foundation
import Spec
import Testing

/// Hostile or broken input gets one clear diagnostic, in bounded time and memory, never a crash.
@Suite("Bad input")
struct BadInputTests {
    let validator = PipelineValidator()

    private func only(_ r: PipelineValidator.Result) -> Diagnostic? {
        r.diagnostics.count == 1 ? r.diagnostics[0] : nil
    }

    @Test func emptyFile() throws {
        let d = try #require(only(validator.validate(bytes: [], file: "e.yaml")))
        #expect(d.id == "empty_file")
        #expect(d.location == SourceLocation(file: "e.yaml", line: 1, column: 1))
    }

    @Test func whitespaceAndCommentsOnly() throws {
        let d = try #require(only(validator.validate(text: "\n  \n# nothing here\n", file: "e.yaml")))
        #expect(d.id == "empty_file")
    }

    @Test func binaryFile() throws {
        var bytes = Array("version: 1\nname: x\n".utf8)
        bytes += [0x00, 0xFF, 0x10, 0x00]
        let d = try #require(only(validator.validate(bytes: bytes, file: "b.yaml")))
        #expect(d.id == "binary_file")
        #expect(d.location?.line == 3)
    }

    @Test func invalidUTF8() throws {
        let bytes = Array("version: 1\nname: caf".utf8) + [0xE9, 0x20, 0x0A]
        let d = try #require(only(validator.validate(bytes: bytes, file: "u.yaml")))
        #expect(d.id == "invalid_utf8")
        #expect(d.location?.line == 2)
        #expect(d.location?.column == 10)
        #expect(d.message.contains("0xE9"))
    }

    @Test func tenMegabyteFile() throws {
        var text = "version: 1\nname: big\ndescription: |\n"
        let line = "  " + String(repeating: "x", count: 98) + "\n"
        text.reserveCapacity(10_500_000)
        while text.utf8.count < 10 * 1024 * 1024 { text += line }
        let d = try #require(only(validator.validate(bytes: Array(text.utf8), file: "big.yaml")))
        #expect(d.id == "file_too_large")
        #expect(d.message.contains("10.0 MiB"))
        #expect(d.message.contains("4.0 MiB"))
    }

    @Test func tenThousandLevelsOfFlowNesting() throws {
        let text = "version: 1\nname: deep\nx-deep: " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n"
        let d = try #require(only(validator.validate(text: text, file: "deep.yaml")))
        #expect(d.id == "nesting_too_deep")
        #expect(d.location?.line == 3)
    }

    @Test func tenThousandLevelsOfBlockNesting() throws {
        var text = "version: 1\nname: deep\nx-deep:\n"
        for i in 0..<10_000 { text += String(repeating: " ", count: i + 1) + "k:\n" }
        let d = try #require(only(validator.validate(text: text, file: "deep.yaml")))
        #expect(d.id == "nesting_too_deep")
    }

    @Test func aliasBomb() throws {
        var lines = ["version: 1", "name: bomb", "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        var prev = "a"
        for n in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            lines.append("x-\(n): &\(n) [" + Array(repeating: "*\(prev)", count: 10).joined(separator: ", ") + "]")
            prev = n
        }
        let d = try #require(only(validator.validate(text: lines.joined(separator: "\n"), file: "bomb.yaml")))
        #expect(d.id == "alias_expansion")
        #expect(d.hint?.contains("billion laughs") == true)
    }

    @Test func quadraticBlowupOfMergeKeys() throws {
        // Each level merges the previous mapping twice: bounded by the node budget too.
        var lines = ["version: 1", "name: merge", "x-0: &m0 { a: 1, b: 2 }"]
        for i in 1...40 {
            lines.append("x-\(i): &m\(i) { <<: [*m\(i - 1), *m\(i - 1)], k\(i): \(i), l\(i): [*m\(i - 1), *m\(i - 1)] }")
        }
        let r = validator.validate(text: lines.joined(separator: "\n"), file: "m.yaml")
        #expect(r.diagnostics.contains { $0.id == "alias_expansion" })
    }

    @Test func undefinedAlias() throws {
        let d = try #require(only(validator.validate(text: "version: 1\nname: x\nsources: *nothing\n", file: "a.yaml")))
        #expect(d.id == "yaml_syntax")
        #expect(d.location?.line == 3)
    }

    @Test func duplicateKeyNamesBothLines() throws {
        let d = try #require(only(validator.validate(text: "version: 1\nname: a\nname: b\n", file: "d.yaml")))
        #expect(d.id == "duplicate_key")
        #expect(d.location?.line == 3)
        #expect(d.related.first?.location.line == 2)
    }

    @Test func tabIndentationIsASyntaxError() throws {
        let d = try #require(only(validator.validate(text: "version: 1\nsources:\n\tx: 1\n", file: "t.yaml")))
        #expect(d.id == "yaml_syntax")
        #expect(d.location?.line == 3)
    }

    @Test func unsupportedTag() throws {
        let d = try #require(only(validator.validate(text: "version: 1\nname: !!python/object x\n", file: "t.yaml")))
        #expect(d.id == "yaml_syntax")
        #expect(d.message.contains("unsupported YAML tag"))
    }

    @Test func byteOrderMarkIsAccepted() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("version: 1\nname: bom\nsources: { s: { csv: a.csv } }\ntargets: { t: { from: s, file: o.jsonl } }\n".utf8)
        let r = validator.validate(bytes: bytes, file: "bom.yaml")
        #expect(!r.diagnostics.hasErrors)
    }

    @Test func crlfLineEndings() {
        let text = "version: 1\r\nname: crlf\r\nsources:\r\n  s: { csv: a.csv }\r\ntargets:\r\n  t: { from: x, file: o.jsonl }\r\n"
        let r = validator.validate(text: text, file: "c.yaml")
        let d = r.diagnostics.first { $0.id == "unknown_reference" }
        #expect(d?.location?.line == 6)
        #expect(d?.location?.column == 14)
    }
}
