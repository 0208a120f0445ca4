@testable import Engine
import Foundation
import JSONModel
import Testing

/// The binary form unsorted groups spill in: every value comes back equal, numbers with their
/// exact text, deep values through their JSON text.
@Suite("Group spill format")
struct SpillCoderTests {
    @Test func valuesComeBackEqual() throws {
        var deep: JSONValue = ["leaf": 0.10]
        for i in 0..<200 { deep = i % 2 == 0 ? .array([deep, "x"]) : .object(JSONObject([("k", deep)])) }
        let values: [JSONValue] = [
            .null, true, false, 0, -12.50, .number(JSONNumber(literal: "123456789012345678901234567.89")!), .number(JSONNumber(literal: "1e-20")!),
            "", "é€😀\n\"", [], [:], ["a": [1, "two", ["three": nil]], "b": 76.30], deep,
        ]
        var w = SpillCoder.Writer()
        w.int(-5)
        w.int(1 << 40)
        for v in values { w.value(v) }
        w.string("hash")
        var r = SpillCoder.Reader(bytes: w.bytes)
        let first = r.int(), second = r.int()
        #expect(first == -5)
        #expect(second == 1 << 40)
        for v in values {
            let read = r.value()
            let back = try #require(read)
            #expect(back == v)
            #expect(JSONWriter.write(back) == JSONWriter.write(v))
        }
        let hash = r.string()
        #expect(hash == "hash")
        let rest = r.value()
        #expect(rest == nil)  // nothing left
    }

    @Test func aTruncatedFrameIsNotAValue() {
        var w = SpillCoder.Writer()
        w.value(["name": "a long enough string"])
        var r = SpillCoder.Reader(bytes: Array(w.bytes.dropLast(3)))
        let read = r.value()
        #expect(read == nil)
    }

    /// Objects of one shape (records of a CSV source share their names) carry their names once:
    /// later ones refer to the shape by number, even from a later frame, and come back sharing
    /// one array of names.
    @Test func objectsOfOneShapeCarryTheirNamesOnce() throws {
        let names = ["order_id", "customer", "qty"]
        let records: [JSONValue] = (0..<3).map { i in
            .object(JSONObject(uniqueKeys: names, values: [.string("A\(i)"), "Müller", .number(JSONNumber(literal: "1.50")!)]))
        }
        let reordered: JSONValue = .object(JSONObject(uniqueKeys: ["qty", "order_id", "customer"], values: ["2", "B", "C"]))
        var w = SpillCoder.Writer()
        w.value(records[0])
        let firstFrame = w.bytes
        w.bytes.removeAll()
        for v in records.dropFirst() + [reordered, records[0]] { w.value(v) }
        let secondFrame = w.bytes
        // The first shape's names are in the first frame only; the second frame names only
        // the reordered object's shape.
        func occurrences(_ bytes: [UInt8]) -> Int { String(decoding: bytes, as: UTF8.self).components(separatedBy: "customer").count - 1 }
        #expect(occurrences(firstFrame) == 1)
        #expect(occurrences(secondFrame) == 1)

        var r = SpillCoder.Reader(bytes: firstFrame)
        let first = r.value()
        let a = try #require(first)
        var r2 = SpillCoder.Reader(bytes: secondFrame)
        r2.shapes = r.shapes
        var back = [a]
        while let v = r2.value() { back.append(v) }
        #expect(back == records + [reordered, records[0]])
        #expect(back.map { JSONWriter.write($0) } == (records + [reordered, records[0]]).map { JSONWriter.write($0) })
        // one array of names for the records of one shape
        let storages = Set(back.compactMap { $0.objectValue?.keys.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } })
        #expect(storages.count == 2)
    }

    @Test func aShapeNeverDefinedIsNotAValue() {
        var w = SpillCoder.Writer()
        w.value(["a": 1, "b": 2])
        w.value(["a": 3, "b": 4])
        var afterTheDefinition = w.bytes
        afterTheDefinition.removeFirst(w.bytes.count - Self.lastValueLength(w.bytes))
        var r = SpillCoder.Reader(bytes: afterTheDefinition)
        let read = r.value()
        #expect(read == nil)
    }

    /// The length of the last value of two in `bytes` (the first read, the rest left).
    static func lastValueLength(_ bytes: [UInt8]) -> Int {
        var r = SpillCoder.Reader(bytes: bytes)
        _ = r.value()
        return bytes.count - r.at
    }
}
