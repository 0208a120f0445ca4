@testable import Engine
import Foundation
import JSONModel
import Testing

/// The unsorted group's buffer: groups spilled to run files on a thread of their own come back
/// merged in first-seen order; a spill that fails is reported, never skipped.
@Suite("Group buffer")
struct GroupBufferTests {
    static func records(_ n: Int) -> [(key: JSONValue, record: JSONValue)] {
        (0..<n).map { i in
            let key = JSONValue.string("G\(i % 7)")
            return (key, .object(JSONObject(uniqueKeys: ["g", "i", "note"], values: [key, .number(JSONNumber(i)), .string("line \(i)")])))
        }
    }

    @Test("spilled every three records, the groups come back whole, in first-seen order, members in input order")
    func spilledGroupsComeBackInOrder() throws {
        let buffer = GroupBuffer(sorted: false, spillAfter: 3, step: "invoices")
        let input = Self.records(50)
        for (k, r) in input { try buffer.add(key: k, record: r) { _, _ in Issue.record("an unsorted group closes only at the end") } }
        var out: [(JSONValue, [JSONValue])] = []
        try buffer.finish { key, members in out.append((key, members)) }
        #expect(out.map(\.0) == (0..<7).map { JSONValue.string("G\($0)") })
        for (key, members) in out {
            #expect(members == input.filter { $0.key == key }.map(\.record))
        }
        #expect(buffer.directory == nil)  // the run files are gone
    }

    @Test("sorted: each group passes on when its key changes, once, in order; a key met before fails, even written another way (K and the Kelvin sign are one name); keys of the same hash (numbers of one nearest double) are told apart")
    func sortedKeysMetOnce() throws {
        let buffer = GroupBuffer(sorted: true, spillAfter: 3, step: "invoices")
        var out: [(JSONValue, Int)] = []
        let keys = (0..<5_000).map { JSONValue.string("K\($0)") } + [.string("K")]
        for k in keys {
            for i in 0..<3 { try buffer.add(key: k, record: .number(JSONNumber(i))) { key, members in out.append((key, members.count)) } }
        }
        try buffer.finish { key, members in out.append((key, members.count)) }
        #expect(out.map(\.0) == keys)
        #expect(out.allSatisfy { $0.1 == 3 })

        // 2^53 and 2^53 + 1 are one double, so their hashes are one: two groups, then the
        // second key again fails (the keys met are a set from the first shared hash on).
        let near = ["9007199254740992", "9007199254740993", "9007199254740994"].map { JSONValue.number(JSONNumber(literal: $0)!) }
        #expect(near[0].hashValue == near[1].hashValue && near[0] != near[1])
        let shared = GroupBuffer(sorted: true, spillAfter: 3, step: "invoices")
        var groups: [JSONValue] = []
        for k in keys.prefix(100) + near { try shared.add(key: k, record: .null) { key, _ in groups.append(key) } }
        try shared.finish { key, _ in groups.append(key) }
        #expect(groups == Array(keys.prefix(100)) + near)
        var repeated: String?
        do {
            let again = GroupBuffer(sorted: true, spillAfter: 3, step: "invoices")
            for k in near + [.string("x"), near[1]] { try again.add(key: k, record: .null) { _, _ in } }
        } catch {
            repeated = "\(error)"
        }
        #expect(repeated?.contains("the key 9007199254740993 comes again after its group closed") == true, "\(repeated ?? "no failure")")

        for (again, name) in [(JSONValue.string("K17"), "\"K17\""), (.string("\u{212A}4999"), "\"\u{212A}4999\"")] {
            let sorted = GroupBuffer(sorted: true, spillAfter: 3, step: "invoices")
            var failure: String?
            do {
                for k in keys.prefix(5_000) + [.string("L"), again] { try sorted.add(key: k, record: .null) { _, _ in } }
            } catch {
                failure = "\(error)"
            }
            #expect(failure?.contains("the key \(name) comes again after its group closed") == true, "\(failure ?? "no failure")")
        }
    }

    @Test("records of one group in runs, groups coming back after others within a spill and across spills: the same groups as one pass over all the records makes, whatever the spill size", arguments: [1, 3, 7, 50, 10_000])
    func runsOfOneKey(spillAfter: Int) throws {
        // Keys in runs of 1 to 4 records; a key comes back later now and then.
        var input: [(key: JSONValue, record: JSONValue)] = []
        var state: UInt64 = 20_261_208
        func next(_ n: UInt64) -> Int { state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407; return Int((state >> 33) % n) }
        var fresh = 0
        while input.count < 600 {
            let key: JSONValue
            if fresh > 0 && next(4) == 0 { key = .string("K\(next(UInt64(fresh)))") } else { key = .string("K\(fresh)"); fresh += 1 }
            for _ in 0...next(4) { input.append((key, .number(JSONNumber(input.count)))) }
        }
        var expected: [(JSONValue, [JSONValue])] = []
        for (k, r) in input {
            if let i = expected.firstIndex(where: { $0.0 == k }) { expected[i].1.append(r) } else { expected.append((k, [r])) }
        }
        let buffer = GroupBuffer(sorted: false, spillAfter: spillAfter, step: "invoices")
        for (k, r) in input { try buffer.add(key: k, record: r) { _, _ in Issue.record("an unsorted group closes only at the end") } }
        var out: [(JSONValue, [JSONValue])] = []
        try buffer.finish { key, members in out.append((key, members)) }
        #expect(out.map(\.0) == expected.map(\.0))
        #expect(out.map(\.1) == expected.map(\.1))
        #expect(buffer.directory == nil)
    }

    @Test("a spill whose run file cannot be written fails the group with the reason")
    func aFailedSpillIsReported() throws {
        let buffer = GroupBuffer(sorted: false, spillAfter: 2, step: "invoices")
        let input = Self.records(20)
        var failure: String?
        do {
            for (i, (k, r)) in input.enumerated() {
                try buffer.add(key: k, record: r) { _, _ in }
                // After the first spill, the run files' folder is taken away: the next spill
                // (written on the spilling thread) cannot create its file.
                if i == 2, let directory = buffer.directory { try FileManager.default.removeItem(atPath: directory) }
            }
            try buffer.finish { _, _ in }
        } catch {
            failure = "\(error)"
        }
        let message = try #require(failure)
        #expect(message.contains("step 'invoices': cannot spill groups to"), "\(message)")
    }

    @Test("a run file changed on disk before the merge fails the group with the reason: a frame cut short or longer than the file, a length cut short, a group never met (the largest position too, which marks a run's end inside the merge), groups out of order")
    func damagedRunFiles() throws {
        // A frame: its length (4 bytes, little-endian), then the group's first-seen position
        // and its count of members (LEB128); these have none.
        let neverMet: [UInt8] = [3, 0, 0, 0, 0xE8, 0x07, 0]  // position 1000 of 7 groups
        let largest: [UInt8] = [10, 0, 0, 0] + [UInt8](repeating: 0xFF, count: 8) + [0x7F, 0]  // Int.max
        let cut: [UInt8] = [9, 0, 0, 0, 1]
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 1]
        let cutLength: [UInt8] = [3, 0]
        let outOfOrder: [UInt8] = [2, 0, 0, 0, 3, 0, 2, 0, 0, 0, 1, 0]
        let cases: [([UInt8], String)] = [
            (neverMet, "a group that was never met"), (largest, "a group that was never met"),
            (cut, "a frame is longer than what is left of the file"), (huge, "a frame is longer than what is left of the file"),
            (cutLength, "the file ends inside a frame's length"), (outOfOrder, "its groups are out of order"),
        ]
        for (bytes, reason) in cases {
            let buffer = GroupBuffer(sorted: false, spillAfter: 2, step: "invoices")
            var failure: String?
            do {
                for (i, (k, r)) in Self.records(20).enumerated() {
                    try buffer.add(key: k, record: r) { _, _ in }
                    // the first run file is whole by the third spill (spills wait for the one before)
                    if i == 5, let directory = buffer.directory {
                        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/run0.bin"))
                    }
                }
                try buffer.finish { _, _ in }
            } catch {
                failure = "\(error)"
            }
            let message = try #require(failure)
            #expect(message.contains("step 'invoices': spilled groups in ") && message.contains("run0.bin cannot be read back (\(reason))"), "\(message)")
            #expect(buffer.directory == nil)  // the run files are gone all the same
        }
    }

    @Test("key positions: each key its first-seen position, the same one when it comes again, past the table's growth; keys of one hash (2^53 and 2^53 + 1 are one double) told apart; 1 and 1.0 one key")
    func keyPositions() throws {
        var positions = KeyPositions()
        let keys = (0..<5_000).map { JSONValue.string("K\($0)") }
        for (i, k) in keys.enumerated() { #expect(try positions.position(of: k) == i) }
        for (i, k) in keys.enumerated().reversed() { #expect(try positions.position(of: k) == i) }
        let near = ["9007199254740992", "9007199254740993"].map { JSONValue.number(JSONNumber(literal: $0)!) }
        #expect(near[0].hashValue == near[1].hashValue)
        #expect(try positions.position(of: near[0]) == 5_000)
        #expect(try positions.position(of: near[1]) == 5_001)
        #expect(try positions.position(of: near[0]) == 5_000)
        #expect(try positions.position(of: .number(JSONNumber(literal: "1")!)) == 5_002)
        #expect(try positions.position(of: .number(JSONNumber(literal: "1.0")!)) == 5_002)
        #expect(positions.keys == keys + near + [.number(JSONNumber(literal: "1")!)])
    }

    @Test("a group's record made with the shared layouts is the record made alone, whether `into` is a new member or one the members have")
    func mergedRecords() throws {
        let layouts = MergedLayouts()
        let names = (0..<14).map { "c\($0)" }
        let layout = JSONObject.Layout(uniqueKeys: names)
        let members: [JSONValue] = (0..<3).map { i in .object(JSONObject(layout: layout, values: names.map { .string("\($0)-\(i)") })) }
        for into in ["lines", "c3"] {
            let alone = CompiledStep.merged(members, key: "K", into: into, hashes: nil, layouts: nil)
            let shared = CompiledStep.merged(members, key: "K", into: into, hashes: nil, layouts: layouts)
            #expect(shared.0 == alone.0)
            #expect(shared.1 == alone.1)
            #expect(shared.0.objectValue?.keys == alone.0.objectValue?.keys)
            #expect(shared.0.objectValue?[into] == .array(members))
        }
        // two groups of one shape: one array of names for both records
        let a = CompiledStep.merged(members, key: "A", into: "lines", hashes: nil, layouts: layouts).0.objectValue!
        let b = CompiledStep.merged(Array(members.prefix(1)), key: "B", into: "lines", hashes: nil, layouts: layouts).0.objectValue!
        #expect(a.keys.withUnsafeBufferPointer { $0.baseAddress } == b.keys.withUnsafeBufferPointer { $0.baseAddress })
        #expect(a.keys == names + ["lines"])
    }
}
