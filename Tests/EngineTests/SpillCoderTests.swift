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
}
