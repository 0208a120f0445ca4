import Crypto
import Engine
import Foundation
import GRDB
@testable import State
import SystemDigest
import Testing

/// What each key of a target last wrote: rows of `written_keys`, and the batches a streamed
/// run saves a chunk at a time (`written_batches`), newer than the rows.
@Suite("State store: written keys and batches")
struct WrittenKeysTests {
    static func store() throws -> (StateStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xeroflow-state-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (try StateStore(path: dir.appendingPathComponent("state.sqlite").path), dir)
    }

    static func hash(_ n: Int) -> String { String(repeating: String(n % 10), count: 32) }

    /// A run of pipeline `p`, its lock let go at once so that the next one may begin.
    static func run(_ store: StateStore) throws -> String {
        let id = try store.beginRun(pipeline: "p", pipelineHash: "h")
        try store.unlock("pipeline:p", holder: "\(ProcessInfo.processInfo.processIdentifier)-run")
        return id
    }

    /// Saves a streamed chunk of `keys` with the hashes numbered `hashes` (see ``hash(_:)``).
    static func save(_ store: StateStore, pipeline: String = "p", target: String = "t", run: String, _ keys: [String], hashes: [Int]) throws {
        try store.saveWritten(pipeline: pipeline, target: target, runID: run, keys: keys, contentHashes: ContentHashes(hashes.map(hash)))
    }

    /// A batch's body in layout 1, as v6 wrote it: each key's length (LEB128), the key, its hash's 32 hex digits.
    static func plainBody(keys: [String], hashes: ContentHashes) -> [UInt8] {
        var out: [UInt8] = []
        for (i, key) in keys.enumerated() {
            var n = key.utf8.count
            while n >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: n) | 0x80)
                n >>= 7
            }
            out.append(UInt8(n))
            out += Array(key.utf8) + Array(hashes[i].utf8)
        }
        return out
    }

    static func count(_ store: StateStore, _ table: String) throws -> Int {
        try store.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    @Test("a content hash is the first 16 bytes of SHA-256 as 32 lowercase hex digits; its prefix the first 8 as a number")
    func contentHashDigits() {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad (FIPS 180-2, B.1)
        var hashes = ContentHashes()
        let (first, second) = (Array("abc".utf8), Array("".utf8))
        let prefix = first.withUnsafeBufferPointer { hashes.append(digestOf: $0) }
        second.withUnsafeBufferPointer { _ = hashes.append(digestOf: $0) }
        #expect(hashes.count == 2)
        #expect(hashes[0] == "ba7816bf8f01cfea414140de5dae2223")
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 …
        #expect(hashes[1] == "e3b0c44298fc1c149afbf4c8996fb924")
        #expect(prefix == 0xba78_16bf_8f01_cfea)
        #expect(first.withUnsafeBufferPointer { ContentHashes.prefix(of: $0) } == prefix)
        #expect(ContentHashes(["ba7816bf8f01cfea414140de5dae2223"]).hex == Array(hashes.hex[0..<32]))
    }

    @Test("content hashes are SHA-256 at every length around the block boundaries, on many threads at once")
    func contentHashesAreSHA256() {
        // The hashes come from the system's libcrypto when the build has it, with a context
        // per thread, and from swift-crypto otherwise: both must give SHA-256 itself.
        @Sendable func expected(_ bytes: [UInt8]) -> String {
            SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined()
        }
        var generator = SystemRandomNumberGenerator()
        let inputs: [[UInt8]] = (0...300).map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &generator) } }
            + [[UInt8](repeating: 0x61, count: 1 << 20)]
        final class Count: @unchecked Sendable {
            private let lock = NSLock()
            private var n = 0
            func add() { lock.withLock { n += 1 } }
            var value: Int { lock.withLock { n } }
        }
        let mismatches = Count()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var hashes = ContentHashes()
            for (i, input) in inputs.enumerated() where i % 8 == worker || worker == 0 {
                let prefix = input.withUnsafeBufferPointer { hashes.append(digestOf: $0) }
                let want = expected(input)
                if hashes[hashes.count - 1] != want || prefix != UInt64(want.prefix(16), radix: 16) { mismatches.add() }
                // the C function itself, when this build hashes through libcrypto
                var digest = [UInt8](repeating: 0, count: 32)
                if input.withUnsafeBytes({ xeroflow_sha256($0.baseAddress, $0.count, &digest) }) == 1,
                   digest != Array(SHA256.hash(data: input)) { mismatches.add() }
            }
        }
        #expect(mismatches.value == 0)
        // CI installs libssl-dev and says so: there the hashes must come from libcrypto
        if ProcessInfo.processInfo.environment["XEROFLOW_EXPECT_LIBCRYPTO"] != nil {
            var digest = [UInt8](repeating: 0, count: 32)
            #expect(xeroflow_sha256(Array("abc".utf8), 3, &digest) == 1, "this build hashes without libcrypto")
            #expect(digest.prefix(4) == [0xba, 0x78, 0x16, 0xbf])
        }
    }

    @Test("a streamed run's chunks are saved as one batch each; a key met twice keeps its later hash")
    func batches() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(store)
        try Self.save(store, run: run, ["a", "b"], hashes: [1, 2])
        try Self.save(store, run: run, ["b", "c"], hashes: [3, 4])
        try Self.save(store, target: "other", run: run, ["a"], hashes: [9])
        #expect(try Self.count(store, "written_batches") == 3)
        #expect(try Self.count(store, "written_keys") == 0)
        let written = try store.written(pipeline: "p", target: "t")
        #expect(written.mapValues(\.contentHash) == ["a": Self.hash(1), "b": Self.hash(3), "c": Self.hash(4)])
        #expect(written["a"]?.targetID == nil && written["a"]?.state == .ok)
        #expect(try store.written(pipeline: "p", target: "other").mapValues(\.contentHash) == ["a": Self.hash(9)])
        #expect(try store.written(pipeline: "q", target: "t").isEmpty)
    }

    @Test("after a later run, the earlier run's batches are folded into rows under its own; the later entries win throughout")
    func laterRunFolds() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.run(store)
        try Self.save(store, run: first, ["a", "b"], hashes: [1, 2])
        try Self.save(store, run: first, ["a"], hashes: [5])
        let second = try Self.run(store)
        try Self.save(store, run: second, ["b", "c"], hashes: [6, 7])
        let expected = ["a": Self.hash(5), "b": Self.hash(6), "c": Self.hash(7)]
        // (killed here: both runs' batches, in order)
        #expect(try Self.count(store, "written_batches") == 3)
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == expected)
        try store.settleWritten(pipeline: "p", target: "t", runID: second, replacedAll: false)
        #expect(try Self.count(store, "written_batches") == 1)
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT k.key, k.content_hash, r.id AS run FROM written_keys k JOIN runs r ON r.rowid = k.run ORDER BY k.key")
                .map { "\($0["key"] as String)=\($0["content_hash"] as String)@\($0["run"] as String)" }
        }
        #expect(rows == ["a=\(Self.hash(5))@\(first)", "b=\(Self.hash(2))@\(first)"])
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == expected)
        // Settling again changes nothing.
        try store.settleWritten(pipeline: "p", target: "t", runID: second, replacedAll: false)
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == expected)
    }

    @Test("a run that replaced all its target held drops what earlier runs saved for it, rows and batches, and keeps its own")
    func replacedAllDrops() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.run(store)
        try store.saveWritten(pipeline: "p", target: "t", runID: first, entries: ["gone": WrittenEntry(contentHash: Self.hash(0))])
        try Self.save(store, run: first, ["a", "b"], hashes: [1, 2])
        try Self.save(store, target: "other", run: first, ["a"], hashes: [9])
        let second = try Self.run(store)
        try Self.save(store, run: second, ["a", "b"], hashes: [3, 4])
        try store.settleWritten(pipeline: "p", target: "t", runID: second, replacedAll: true)
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == ["a": Self.hash(3), "b": Self.hash(4)])
        #expect(try Self.count(store, "written_keys") == 0)
        #expect(try store.written(pipeline: "p", target: "other").mapValues(\.contentHash) == ["a": Self.hash(9)])
    }

    @Test("rows written for a target (a Xero target, a run that was not streamed) fold its batches first and win over them")
    func rowsFoldBatches() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.run(store)
        try Self.save(store, run: first, ["a", "b"], hashes: [1, 2])
        let second = try Self.run(store)
        try store.saveWritten(pipeline: "p", target: "t", runID: second, entries: ["b": WrittenEntry(contentHash: Self.hash(8), targetID: "id-b")])
        #expect(try Self.count(store, "written_batches") == 0)
        let written = try store.written(pipeline: "p", target: "t")
        #expect(written.mapValues(\.contentHash) == ["a": Self.hash(1), "b": Self.hash(8)])
        #expect(written["b"]?.targetID == "id-b")
    }

    @Test("a batch body round-trips keys of every length (a length of two LEB128 bytes, empty, non-ASCII, sharing a beginning or not); a cut body is refused")
    func bodies() throws {
        let keys = ["", "INV-1/2", "INV-1/3", "INV-10/1", "INV-1", String(repeating: "k", count: 127), String(repeating: "k", count: 300),
                    String(repeating: "é", count: 200), "Zoë's 🧾", "Zoë's 🧾 2", "Zoë", ""]
        let hashes = keys.indices.map { ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210", Self.hash($0)][$0 % 3] }
        let body = WrittenBatch.encode(keys: keys, hashes: ContentHashes(hashes))
        // the first (empty) key: nothing shared, nothing more, its 16 bytes; then the second's numbers
        let second = 2 + 16, third = second + 2 + 7 + 16
        #expect(Array(body[0..<3]) == [0, 0, 0x01])
        #expect(Array(body[second..<(second + 2)]) == [0, 7])
        // the third shares "INV-1/" with the second and adds "3": 6, 1, "3"
        let three: [UInt8] = [6, 1, UInt8(ascii: "3")]
        #expect(Array(body[third..<(third + 3)]) == three)
        let plain = Self.plainBody(keys: keys, hashes: ContentHashes(hashes))
        #expect(plain.count - body.count >= keys.count * 15)  // 16 bytes less for each hash, at most one more for its numbers
        for (format, body) in [(2, body), (1, plain)] {
            var decoded: [(String, String)] = []
            let whole = body.withUnsafeBufferPointer { b in
                WrittenBatch.decode(b, format: format) { k, h in decoded.append((String(decoding: k, as: UTF8.self), String(decoding: h, as: UTF8.self))) }
            }
            #expect(whole)
            #expect(decoded.map(\.0) == keys, "layout \(format)")
            #expect(decoded.map(\.1) == hashes, "layout \(format)")
            for cut in [body.count - 1, body.count - 17, 40] {
                let short = Array(body.prefix(cut))
                #expect(short.withUnsafeBufferPointer { WrittenBatch.decode($0, format: format) { _, _ in } } == false, "layout \(format) cut at \(cut)")
            }
        }
        #expect(body.withUnsafeBufferPointer { WrittenBatch.decode($0, format: 3) { _, _ in } } == false)
        // a key said to share more than the key before holds is refused
        #expect([UInt8]([0, 1, 65] + [UInt8](repeating: 0, count: 16) + [2, 0] + [UInt8](repeating: 0, count: 16))
            .withUnsafeBufferPointer { WrittenBatch.decode($0, format: 2) { _, _ in } } == false)
    }

    @Test("each batch names its own target and run, with the numbers looked up once per target and run")
    func batchNumbers() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.run(store)
        let second = try Self.run(store)
        let saves = [("p", "t", first), ("p", "t", second), ("p", "u", second), ("q", "t", first), ("p", "t", first), ("p", "u", second)]
        for (pipeline, target, run) in saves {
            try Self.save(store, pipeline: pipeline, target: target, run: run, ["k"], hashes: [1])
        }
        let rows = try store.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.pipeline, t.target, r.id AS run FROM written_batches b
                JOIN written_targets t ON t.id = b.target JOIN runs r ON r.rowid = b.run ORDER BY b.id
                """).map { "\($0["pipeline"] as String)/\($0["target"] as String)/\($0["run"] as String)" }
        }
        #expect(rows == saves.map { "\($0.0)/\($0.1)/\($0.2)" })
    }

    @Test("batches of both layouts in one store: those an earlier version left and new ones, read and folded in order")
    func bothLayouts() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(store)
        try Self.save(store, run: run, ["a", "b"], hashes: [1, 2])
        // a batch as v6 wrote it, after the first (it wins where they share a key)
        let old = Self.plainBody(keys: ["b", "c"], hashes: ContentHashes([Self.hash(3), Self.hash(4)]))
        try store.write { db in
            try db.execute(sql: "INSERT INTO written_batches (target, run, count, body) SELECT target, run, 2, ? FROM written_batches", arguments: [Data(old)])
        }
        #expect(try store.read { try Int.fetchAll($0, sql: "SELECT format FROM written_batches ORDER BY id") } == [2, 1])
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == ["a": Self.hash(1), "b": Self.hash(3), "c": Self.hash(4)])
        let next = try Self.run(store)
        try store.settleWritten(pipeline: "p", target: "t", runID: next, replacedAll: false)
        #expect(try Self.count(store, "written_batches") == 0)
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == ["a": Self.hash(1), "b": Self.hash(3), "c": Self.hash(4)])
    }

    @Test("content hashes: SHA-256's first 16 bytes in hex, kept one after the other")
    func contentHashes() {
        var hashes = ContentHashes()
        for text in ["abc", ""] { Array(text.utf8).withUnsafeBufferPointer { hashes.append(digestOf: $0) } }
        #expect(hashes.count == 2)
        #expect(hashes[0] == "ba7816bf8f01cfea414140de5dae2223")  // FIPS 180-2's "abc"
        #expect(hashes[1] == "e3b0c44298fc1c149afbf4c8996fb924")  // the empty message
        #expect(ContentHashes([hashes[1], hashes[0]]).hex == Array((hashes[1] + hashes[0]).utf8))
        // kept as 16 bytes each; digits given in upper case read the same
        #expect(hashes.bytes.count == 32 && hashes.bytes.prefix(4) == [0xba, 0x78, 0x16, 0xbf])
        #expect(ContentHashes(["BA7816BF8F01CFEA414140DE5DAE2223"]) == ContentHashes([hashes[0]]))
    }

    @Test("a damaged batch in the store gives a clear error, not a crash")
    func damagedBatch() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(store)
        try Self.save(store, run: run, ["a"], hashes: [1])
        try store.write { db in try db.execute(sql: "UPDATE written_batches SET body = x'05616263'") }
        #expect {
            _ = try store.written(pipeline: "p", target: "t")
        } throws: { error in
            "\(error)".contains("damaged batch of written keys")
        }
        // a layout that is not a number the store knows (text, unknown numbers) is a damaged
        // batch too; a fraction is read as GRDB reads it, without a crash
        try Self.save(store, target: "u", run: run, ["a"], hashes: [1])
        for format in ["'2x'", "9", "-1", "2.5"] {
            try store.write { db in
                try db.execute(sql: "UPDATE written_batches SET format = \(format) WHERE id = (SELECT max(id) FROM written_batches)")
            }
            if format == "2.5" {
                _ = try? store.written(pipeline: "p", target: "u")
            } else {
                #expect(throws: (any Error).self, "format \(format)") { _ = try store.written(pipeline: "p", target: "u") }
            }
        }
    }

    @Test("a batch whose save failed leaves no number behind: the target is numbered again by the next save that commits")
    func failedSaveNumbersNothing() throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(store)
        try store.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON written_batches BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        #expect(throws: (any Error).self) {
            try Self.save(store, run: run, ["a"], hashes: [1])
        }
        try store.write { db in try db.execute(sql: "DROP TRIGGER refuse") }
        // another target takes the number the failed save had made, then "t" saves again
        try Self.save(store, target: "u", run: run, ["b"], hashes: [2])
        try Self.save(store, run: run, ["a"], hashes: [1])
        #expect(try store.written(pipeline: "p", target: "t").mapValues(\.contentHash) == ["a": Self.hash(1)])
        #expect(try store.written(pipeline: "p", target: "u").mapValues(\.contentHash) == ["b": Self.hash(2)])
    }
}
