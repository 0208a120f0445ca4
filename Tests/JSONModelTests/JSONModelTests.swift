import Foundation
@testable import JSONModel
import Testing

@Suite("JSON model")
struct JSONModelTests {
    @Test("numbers keep their exact decimal value", arguments: ["25.06", "0.1", "76.30", "-0.005", "12345678901234567890.12"])
    func exactDecimals(_ literal: String) throws {
        let n = try #require(JSONNumber(literal: literal))
        #expect(n.decimal == Decimal(string: literal))
    }

    @Test func decimalEqualityIgnoresTrailingZeros() throws {
        #expect(JSONNumber(literal: "76.30") == JSONNumber(literal: "76.3"))
        #expect(JSONNumber(literal: "1.0") == JSONNumber(1))
        #expect(JSONNumber(literal: "1.0")!.isInteger)
        #expect(!JSONNumber(literal: "1.5")!.isInteger)
        #expect(JSONNumber(literal: "0.1")!.hashValue == JSONNumber(literal: "0.10")!.hashValue)
    }

    @Test func hugeLiteralsFallBackToDouble() throws {
        let n = try #require(JSONNumber(literal: "1e308"))
        #expect(n.decimal == nil)
        #expect(n.double == 1e308)
        let tiny = try #require(JSONNumber(literal: "1e-400"))
        #expect(tiny.decimal == nil)
    }

    @Test("invalid number literals are rejected", arguments: ["01", "+1", ".5", "1.", "1e", "--1", "0x10", "NaN", "Infinity", ""])
    func invalidLiterals(_ literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test func canonicalText() {
        #expect(JSONNumber(literal: "76.30")!.jsonText == "76.3")
        #expect(JSONNumber(literal: "1e3")!.jsonText == "1000")
        #expect(JSONNumber(literal: "-0")!.jsonText == "0")
        #expect(JSONNumber(0.1 + 0.2).jsonText == "0.30000000000000004")
        #expect(JSONNumber(3.0).jsonText == "3")
    }

    @Test func parseAndWriteRoundTrip() throws {
        let text = #"{"b":[1,2.50,{"c":null}],"a":"x\n\"y\" \u00e9 \ud83d\ude00","t":true}"#
        let v = try JSONParser.parse(text)
        #expect(v["b"]?[1]?.numberValue?.jsonText == "2.5")
        #expect(v["a"]?.stringValue == "x\n\"y\" é 😀")
        let written = JSONWriter.write(v)
        #expect(written == #"{"b":[1,2.5,{"c":null}],"a":"x\n\"y\" é 😀","t":true}"#)
        #expect(try JSONParser.parse(written) == v)
    }

    @Test func objectsKeepInsertionOrderButCompareUnordered() throws {
        let a = try JSONParser.parse(#"{"z":1,"a":2}"#)
        let b = try JSONParser.parse(#"{"a":2,"z":1}"#)
        #expect(a == b)
        #expect(a.objectValue?.keys == ["z", "a"])
        #expect(JSONWriter.write(a, options: .sortedKeys) == #"{"a":2,"z":1}"#)
    }

    @Test("parse errors carry line and column", arguments: [
        ("{\"a\": 1,}", 1, 9), ("[1, 2", 1, 6), ("{\n  \"a\": tru\n}", 2, 8), ("\"\u{01}\"", 1, 2), ("[1] x", 1, 5), ("", 1, 1),
    ])
    func parseErrors(_ text: String, _ line: Int, _ column: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("expected a parse error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test func deepNestingIsBoundedNotFatal() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test func pointers() throws {
        let p = try #require(JSONPointer("/a~1b/0/c~0d"))
        #expect(p.tokens == ["a/b", "0", "c~d"])
        #expect(p.description == "/a~1b/0/c~0d")
        let doc: JSONValue = ["a/b": [["c~d": 5]]]
        #expect(doc.value(at: p) == 5)
        #expect(JSONPointer(tokens: ["steps", "invoices", "map", "Line Items"]).dotted == #"steps.invoices.map["Line Items"]"#)
        #expect(JSONPointer("no-slash") == nil)
        #expect(JSONPointer.arrayIndex("01") == nil)
    }
}

@Suite("JSON writer")
struct JSONWriterTests {
    @Test func prettyAndCompact() throws {
        let v = try JSONParser.parse(#"{"a":[1,{"b":[]},{}],"c":"x"}"#)
        #expect(JSONWriter.write(v) == #"{"a":[1,{"b":[]},{}],"c":"x"}"#)
        #expect(JSONWriter.write(v, options: .pretty) == """
            {
              "a": [
                1,
                {
                  "b": []
                },
                {}
              ],
              "c": "x"
            }
            """)
    }

    @Test func stringsEscapeControlCharactersQuotesAndBackslashesOnly() {
        #expect(JSONWriter.quoted("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}é€😀") == #""a\"b\\c\n\r\t\b\f\u0001\u001fé€😀""#)
        #expect(JSONWriter.quoted("") == #""""#)
        var s = ""
        JSONWriter.writeString("x\u{7F}", into: &s)
        #expect(s == "\"x\u{7F}\"")
    }

    @Test("numbers: the fast decimal formatter agrees with Decimal's own text on every kind of value")
    func decimalsFormatExactly() throws {
        #expect(JSONNumber.rawLayoutKnown, "Decimal's storage is not laid out as expected: every number takes the slow path")
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "0.10", "76.30", "1e-28", "-1e20", "18446744073709551615", "18446744073709551616", "0.000000000000000000000000000000000001",
                     "99999999999999999999999999999999999999", "-12345.6700"]
        for _ in 0..<5_000 {
            let digits = String(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator))
            let exponent = Int.random(in: -30...25, using: &generator)
            texts.append((Bool.random(using: &generator) ? "-" : "") + digits + "e" + String(exponent))
        }
        for text in texts {
            let d = try #require(Decimal(string: text))
            #expect(JSONNumber.format(d) == JSONNumber.describedFormat(d), "\(text)")
        }
        #expect(JSONNumber.format(Decimal(string: "0.3")! * 3) == "0.9")
        #expect(JSONNumber.format(Decimal(string: "-0.5")! + Decimal(string: "0.5")!) == "0")
    }

    @Test("numbers: the inline form gives the same value, double, text, order and hash as the boxed one")
    func inlineNumbersAgreeWithBoxed() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "1", "-1", "0.5", "76.30", "25.06", "1e22", "1e-22", "1e23", "1e-23", "9007199254740992", "9007199254740993",
                     "-9007199254740992", "123456789012345678", "0.000001", "100", "1.10", "2e3", "-0.0", "4.35", "1234.5678e-2"]
        for _ in 0..<5_000 {
            let digits = String(UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 8...63, using: &generator))
            let exponent = Int.random(in: -26...26, using: &generator)
            texts.append((Bool.random(using: &generator) ? "-" : "") + digits + (Bool.random(using: &generator) ? "e" + String(exponent) : ""))
        }
        var numbers: [(JSONNumber, Decimal, Double)] = []
        for text in texts {
            let n = try #require(JSONNumber(literal: text), "\(text)")
            let decimal = try #require(Decimal(string: text))
            let double = try #require(Double(text))
            #expect(n.decimal == decimal, "\(text)")
            #expect(n.double == double, "\(text): \(n.double) against \(double)")
            #expect(n.jsonText == JSONNumber.describedFormat(decimal), "\(text)")
            var bytes: [UInt8] = []
            n.write(into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == n.jsonText)
            // the same number built from its Decimal (boxed when it does not fit inline)
            let viaDecimal = JSONNumber(decimal: decimal, double: double)
            #expect(viaDecimal == n && viaDecimal.hashValue == n.hashValue, "\(text)")
            numbers.append((n, decimal, double))
        }
        for _ in 0..<5_000 {
            let (a, da, _) = numbers.randomElement(using: &generator)!
            let (b, db, _) = numbers.randomElement(using: &generator)!
            #expect((a < b) == (da < db) && (a == b) == (da == db), "\(a) and \(b)")
        }
        #expect(JSONNumber(literal: "76.30")!.smallParts! == (763, -1))
        #expect(JSONNumber(literal: "1e30")!.smallParts == nil)
        #expect(JSONNumber(literal: "-0")!.double.sign == .minus)
        #expect(JSONNumber(literal: "2e3")!.intValue == 2000 && JSONNumber(literal: "2.5")!.intValue == nil)
        #expect(MemoryLayout<JSONValue>.stride <= 24, "a JSON value should stay small: \(MemoryLayout<JSONValue>.stride) bytes")
    }

    @Test func objectsOfOneShapeShareTheirNamesAndStayIndependent() throws {
        let v = try JSONParser.parse(#"[{"a":1,"b":2},{"a":3,"b":4},{"a":5,"b":6,"a":7}]"#)
        guard case .array(let items) = v, case .object(var first) = items[0], case .object(let second) = items[1],
            case .object(let third) = items[2]
        else {
            Issue.record("not an array of objects")
            return
        }
        first.storage.keys.withUnsafeBufferPointer { a in
            second.storage.keys.withUnsafeBufferPointer { b in #expect(a.baseAddress == b.baseAddress) }
        }
        // a repeated name keeps its first place and its last value
        #expect(third.keys == ["a", "b"] && third["a"] == 7)
        first["c"] = true
        #expect(first.keys == ["a", "b", "c"] && second.keys == ["a", "b"])
        #expect(JSONWriter.write(v) == #"[{"a":1,"b":2},{"a":3,"b":4},{"a":7,"b":6}]"#)
    }

    @Test func deepDocumentsDoNotRecurse() throws {
        var v: JSONValue = 1
        for i in 0..<8_000 { v = i % 2 == 0 ? .array([v]) : .object(JSONObject([("k", v)])) }
        let text = JSONWriter.write(v)
        #expect(text.hasPrefix("{\"k\":[{\"k\":["))
        #expect(text.count == 32_001)
        // around the depth where records stop being written by recursion
        for depth in 12...20 {
            var w: JSONValue = "x"
            var expected = "\"x\""
            for i in 0..<depth {
                w = i % 2 == 0 ? .array([w, 1]) : .object(JSONObject([("k", w), ("a", .null)]))
                expected = i % 2 == 0 ? "[" + expected + ",1]" : "{\"k\":" + expected + ",\"a\":null}"
            }
            #expect(JSONWriter.write(w) == expected, "depth \(depth)")
            #expect(try JSONParser.parse(JSONWriter.write(w, options: .sortedKeys)) == w)
        }
    }
    @Test("records written through one Shapes go through its scratch space: appended after what the bytes held, the same text as without it, however long or deep")
    func scratchSpaceKeepsTheText() throws {
        let shapes = JSONWriter.Shapes()
        let keys = ["Name", "Note", "Amount", "Lines"]
        var out = Array("head\n".utf8)
        var expected = "head\n"
        for round in 0..<40 {
            // from a few bytes to far past the scratch space's first 1,024 (it grows, then serves all)
            let note = String(repeating: "é\"\\\n\u{1}x", count: round * round * 20)
            var lines: JSONValue = .array((0..<round).map { .object(JSONObject(uniqueKeys: ["Q", "P"], values: [.number(JSONNumber(significand: Int64($0), exponent: -2)), .null])) })
            if round % 10 == 9 {
                // deeper than the writer's recursion goes: written by its loop, with nothing of the first try left behind
                for _ in 0..<20 { lines = .array([lines]) }
            }
            let record = JSONValue.object(JSONObject(uniqueKeys: keys, values: [.string("R\(round)"), .string(note), .number(JSONNumber(significand: Int64(round) * 1_001, exponent: -3)), lines]))
            JSONWriter.write(record, shapes: shapes, into: &out)
            out.append(10)
            expected += JSONWriter.write(record) + "\n"
        }
        #expect(String(decoding: out, as: UTF8.self) == expected)
        let records = expected.split(separator: "\n").dropFirst()
        #expect(records.count == 40)
        #expect(try JSONParser.parse(String(records.last!))["Name"] == .string("R39"))
    }

    @Test("records of one shape written with sorted keys: the remembered order is the names' own, flat or nested, whatever the shape")
    func sortedKeysWithRememberedOrder() throws {
        var generator = SystemRandomNumberGenerator()
        let names = ["Total", "a", "Z", "é", "q\"u\\o\nte", "e\u{301}x", "_", "Line Items", "ü", "10", "9", "aa", "A", "😀", "b"]
        let order = JSONWriter.Shapes()
        var shapes: [[String]] = []
        for _ in 0..<6 { shapes.append(Array(names.shuffled(using: &generator).prefix(Int.random(in: 1...names.count, using: &generator)))) }
        for round in 0..<300 {
            let keys = shapes[round % shapes.count]  // one array per shape, shared by its objects
            var values: [JSONValue] = keys.indices.map { i in
                switch (round + i) % 5 {
                case 0: return .string("v\(i)\"\n")
                case 1: return .number(JSONNumber(significand: Int64(round * 7 - i), exponent: -2))
                case 2: return .bool(i % 2 == 0)
                case 3: return .null
                default: return .string("ü\(round)")
                }
            }
            if round % 3 == 0 { values[0] = .array([.object(JSONObject(uniqueKeys: keys, values: values)), 1]) }
            let object = JSONValue.object(JSONObject(uniqueKeys: keys, values: values))
            var remembered: [UInt8] = []
            JSONWriter.write(object, options: .sortedKeys, shapes: order, into: &remembered)
            let text = String(decoding: remembered, as: UTF8.self)
            #expect(text == JSONWriter.write(object, options: .sortedKeys))
            // the reference: members one by one, names sorted as strings sort
            guard case .object(let parsed) = try JSONParser.parse(text) else { Issue.record("not an object"); return }
            #expect(parsed.keys == keys.sorted())
            #expect(JSONValue.object(parsed) == object)
            // insertion order, as before
            #expect(try JSONParser.parse(JSONWriter.write(object)).objectValue?.keys == keys)
            var inOrder: [UInt8] = []
            JSONWriter.write(object, shapes: order, into: &inOrder)
            #expect(String(decoding: inOrder, as: UTF8.self) == JSONWriter.write(object))
        }
    }
}

@Suite("JSONParser.parseMembers")
struct ParseMembersTests {
    @Test("takes the named members of an object, as the whole parse gives them, and skips the rest unbuilt")
    func picks() throws {
        let text = #" {"a": 1, "skip": {"x": [1, {"y": "}]\"\\"}], "z": null}, "b": "two\nlines é", "c": [true, false], "a": 7} "#
        let whole = try JSONParser.parse(text).objectValue!
        let picked = try JSONParser().parseMembers(Array(text.utf8), named: ["a", "b", "c", "absent"])
        #expect(picked.keys == ["a", "b", "c"])
        for k in ["a", "b", "c"] { #expect(picked[k] == whole[k], "\(k)") }
        #expect(picked["a"]?.numberValue?.jsonText == "7")  // the last of a member named twice
        #expect(try JSONParser().parseMembers(Array("{}".utf8), named: ["a"]).isEmpty)
        // names written with escapes or beyond ASCII are compared as the names they spell
        let spelled = try JSONParser().parseMembers(Array(#"{"\u0061": 5, "é": 1, "b" : 2}"#.utf8), named: ["a", "é", "b"])
        #expect(spelled.keys == ["a", "é", "b"])
        // strings and numbers are read in place: escapes, exponents and exact decimals as the whole parse reads them
        let scalars = #"{"s": "a\"b\u00e9\n", "n": -1.50e3, "m": 0.1000000000000000000001, "o": {"s": 1}}"#
        let all = try JSONParser.parse(scalars).objectValue!
        let some = try JSONParser().parseMembers(Array(scalars.utf8), named: JSONParser.MemberNames(["s", "n", "m"]))
        #expect(some.keys == ["s", "n", "m"])
        for k in ["s", "n", "m"] { #expect(some[k] == all[k] && some[k]?.numberValue?.jsonText == all[k]?.numberValue?.jsonText, "\(k)") }
        #expect(some["s"] == .string("a\"bé\n"))
    }

    @Test("anything but one whole object is refused with a position")
    func refuses() {
        for bad in ["[1]", "{\"a\": 1", "{\"a\": }", "{\"a\": [1, 2}", "{\"a\": 1} x", "{\"a\" 1}", "{\"a\": \"open}", "{\"a\": 1,}", "{\"b\": tru e}", "{\"a\": 01}", "{\"a\": -}", "{\"a\": 1.}", "{\"a\": \"bad \\q\"}"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONParser().parseMembers(Array(bad.utf8), named: ["a"]) }
        }
    }

    @Test("objects made with one layout share its names and index: look-ups, equality and changes work as for objects made alone", arguments: [3, 20])
    func layouts(width: Int) throws {
        let names = (0..<width).map { "field\($0)" }
        let layout = JSONObject.Layout(uniqueKeys: names)
        let a = JSONObject(layout: layout, values: names.indices.map { .number(JSONNumber($0)) })
        var b = JSONObject(layout: layout, values: names.indices.map { .string("v\($0)") })
        let alone = JSONObject(uniqueKeys: names, values: names.indices.map { .number(JSONNumber($0)) })
        #expect(a == alone)
        #expect(a.keys == names)
        #expect(a["field\(width - 1)"] == .number(JSONNumber(width - 1)))
        #expect(a["missing"] == nil)
        #expect((a.storage.index != nil) == (width > 12))
        // a change to one object leaves the others (and the layout) as they were
        b["field0"] = .null
        b["extra"] = .bool(true)
        #expect(b["field0"] == .null && b["extra"] == .bool(true) && b.count == width + 1)
        #expect(a["field0"] == .number(JSONNumber(0)) && a.count == width && a["extra"] == nil)
        #expect(layout.keys == names)
        let c = JSONObject(sameKeysAs: b, values: (0...width).map { .number(JSONNumber($0)) })
        #expect(c.keys == b.keys && c["extra"] == .number(JSONNumber(width)))
    }
}
