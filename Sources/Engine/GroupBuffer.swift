import Foundation
import JSONModel

/// The open groups of a streamed grouping step.
///
/// Sorted input (`group.sorted: true`): a group closes when the key changes, so one group is
/// held at a time; a key seen again after its group closed is an error (the input was not
/// sorted, and passing the group on twice would make one record of two halves).
///
/// Unsorted input: groups are held in first-seen order; past `spillAfter` records they are
/// written, in that order, to a temporary run file, and memory starts again. At the end the
/// run files are merged by first-seen position, so the groups come out as an in-memory group
/// would make them: in the order their keys were first seen, members in input order. Only the
/// keys stay in memory throughout.
final class GroupBuffer {
    typealias Emit = (_ key: JSONValue, _ members: [JSONValue]) throws -> Void

    let sorted: Bool
    let spillAfter: Int
    let step: String
    // Sorted input.
    private var current: (key: JSONValue, members: [JSONValue])?
    /// Every key met so far, the open group's included.
    private var met = KeysMet()
    // Unsorted input.
    /// Each group's first-seen position, and its key by position (run files hold positions,
    /// not keys).
    private var positions = KeyPositions()
    /// The groups held since the last spill, in the order this spill met them (not always
    /// first-seen order: a group seen before the last spill may come again after newer ones),
    /// each found by its first-seen position in `slots`.
    private var open: [OpenGroup] = []
    private var slots: [Int: Int] = [:]
    /// The key of the record added last and where its group is in `open`: the next record is
    /// usually of the same group (an export by order, interleaved or not), which then costs
    /// no look-up (neither `positions` nor `slots`).
    private var last: (key: JSONValue, slot: Int)?
    typealias OpenGroup = (ordinal: Int, members: [JSONValue])
    private var held = 0
    private var runs: [String] = []
    private(set) var directory: String?
    /// Whether groups were spilled to run files (the merge at the end reads them back).
    var hasSpilled: Bool { !runs.isEmpty }

    init(sorted: Bool, spillAfter: Int, step: String) {
        self.sorted = sorted
        self.spillAfter = spillAfter
        self.step = step
    }

    deinit { removeRuns() }

    func add(key: JSONValue, record: JSONValue, emit: Emit) throws {
        if sorted {
            if current?.key == key {
                current!.members.append(record)
                return
            }
            // A new key: every key met so far is remembered (the open group's too), so a key
            // met before comes again after its group closed. (One hash per group.)
            guard met.insert(key) else {
                throw ConnectorError("step '\(step)': group.sorted is set but the key \(JSONWriter.write(key)) comes again after its group closed: sort the input by the group key, or remove `sorted`")
            }
            if let c = current {
                current = nil
                try emit(c.key, c.members)
            }
            var members: [JSONValue] = []
            members.reserveCapacity(8)  // (a few members without growing the array as they come)
            members.append(record)
            current = (key, members)
            return
        }
        if let last, last.key == key {
            open[last.slot].members.append(record)
        } else {
            let ordinal = try positions.position(of: key)
            let slot: Int
            if let known = slots[ordinal] { slot = known } else {
                slot = open.count
                slots[ordinal] = slot
                open.append((ordinal, []))
            }
            open[slot].members.append(record)
            last = (key, slot)
        }
        held += 1
        if held >= spillAfter { try spill() }
    }

    /// Hands the open groups to the spilling thread (after the spill before it is done, so
    /// that at most two sets of groups are held) and starts again with none.
    private func spill() throws {
        try waitForSpill()
        if directory == nil {
            let dir = NSTemporaryDirectory() + "xeroflow-group-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            directory = dir
        }
        let path = "\(directory!)/run\(runs.count).bin"
        runs.append(path)
        let groups = Spilled(open)
        let buffer = UncheckedSendable(self)
        open = []
        slots = [:]
        last = nil
        held = 0
        spilling.enter()
        DispatchQueue.global().async {
            do {
                try buffer.value.write(groups.groups, to: path)
            } catch {
                buffer.value.spillFailure = error
            }
            // The groups are let go here, on the spilling thread, which has time to spare while
            // the adding thread reads and groups (measured on a million rows: the spilling
            // thread idle a third of the time, letting go an eighth of the adding thread's). The
            // targets' records go back to the thread that made them instead (see Graveyard):
            // there the other core is the busy one.
            groups.groups = []
            buffer.value.spilling.leave()
        }
    }

    /// Waits for the spill under way and reports its failure.
    private func waitForSpill() throws {
        spilling.wait()
        if let spillFailure { throw spillFailure }
    }

    /// The groups of a spill, let go by the spilling thread once written.
    private final class Spilled: @unchecked Sendable {
        var groups: [OpenGroup]
        init(_ groups: [OpenGroup]) { self.groups = groups }
    }

    /// A spill under way (entered when handed over, left when its file is closed).
    private let spilling = DispatchGroup()
    /// Why the last spill failed.
    private var spillFailure: (any Error)?

    /// Writes groups to a run file, by first-seen position.
    private func write(_ open: [OpenGroup], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw ConnectorError("step '\(step)': cannot spill groups to \(path): \(String(cString: strerror(errno)))") }
        setvbuf(file, nil, _IOFBF, 1 << 18)
        var fileOpen = true
        defer { if fileOpen { fclose(file) } }
        var frame = SpillCoder.Writer()
        for g in Self.byFirstSeen(open) {
            frame.bytes.removeAll(keepingCapacity: true)
            frame.int(g.ordinal)
            frame.int(g.members.count)
            for m in g.members { frame.value(m) }
            var length = UInt32(frame.bytes.count).littleEndian
            let ok = fwrite(&length, 4, 1, file) == 1 && frame.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) } == frame.bytes.count
            if !ok { throw ConnectorError("step '\(step)': cannot spill groups to \(path): \(String(cString: strerror(errno)))") }
        }
        // What is still buffered is written at the close: a full disk shows here.
        fileOpen = false
        if fclose(file) != 0 { throw ConnectorError("step '\(step)': cannot spill groups to \(path): \(String(cString: strerror(errno)))") }
    }

    /// `groups` in first-seen order.
    private static func byFirstSeen(_ groups: [OpenGroup]) -> [OpenGroup] {
        // (usually in that order already: then no sort)
        var ordered = true
        for i in groups.indices.dropFirst() where groups[i - 1].ordinal > groups[i].ordinal {
            ordered = false
            break
        }
        return ordered ? groups : groups.sorted { $0.ordinal < $1.ordinal }
    }

    /// Every group not passed on yet, in first-seen order.
    func finish(_ emit: Emit) throws {
        if sorted {
            if let c = current { try emit(c.key, c.members) }
            current = nil
            return
        }
        // (the keys are let go at the end: no group is added after `finish`)
        defer { positions = KeyPositions() }
        if runs.isEmpty {
            let groups = Self.byFirstSeen(open)
            (open, slots, last) = ([], [:], nil)
            for g in groups { try emit(positions.keys[g.ordinal], g.members) }
            return
        }
        try spill()
        defer { removeRuns() }
        try waitForSpill()
        positions.forgetHashes()  // (the keys by position stay)
        let met = positions.keys.count
        let readers = try runs.map { try RunReader(path: $0, step: step, groups: met) }
        var heads = try readers.map { try $0.next() }
        // (the heads' first-seen positions, Int.max for a run read to its end: the scan for the
        // smallest reads these, not the groups, which would be retained and released)
        var next = heads.map { $0?.ordinal ?? Int.max }
        while true {
            // The smallest first-seen position among the runs' next groups; its members are
            // spread over runs in input order.
            let ordinal = next.min() ?? Int.max
            guard ordinal != Int.max else { break }
            var members: [JSONValue] = []
            for i in next.indices where next[i] == ordinal {
                let h = heads[i].take()!
                if members.isEmpty { members = h.members } else { members += h.members }
                heads[i] = try readers[i].next()
                next[i] = heads[i]?.ordinal ?? Int.max
                // (a run holds each group once, in first-seen order: anything else would pass a
                // group on twice, each time with part of its members)
                guard next[i] > ordinal else { throw readers[i].damaged("its groups are out of order") }
            }
            try emit(positions.keys[ordinal], members)
        }
    }

    private func removeRuns() {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        directory = nil
        runs = []
    }
}

/// The first-seen positions of group keys: the keys in a list, by position, and a table of
/// 64-bit words (its position + 1 in the high 32 bits, the low 32 bits of the key's hash in the
/// low ones, where its probe starts, as in `HashSet64`; 0 is an empty slot) that finds a key's
/// position. A quarter of a million keys take 4 MB of table beside the list,
/// where a dictionary from key to position held a second copy of each key in 16 MB.
struct KeyPositions {
    private var table = [UInt64](repeating: 0, count: 1_024)
    private(set) var keys: [JSONValue] = []

    /// The position of `key`, the next one if it is new.
    mutating func position(of key: JSONValue) throws -> Int {
        if (keys.count + 1) * 4 > table.count * 3 { grow() }
        let hash = UInt32(truncatingIfNeeded: key.hashValue)
        // (the key's position, or the empty slot it goes in as a negative number)
        let found = keys.withUnsafeBufferPointer { known in table.withUnsafeBufferPointer { slots -> Int in
            let mask = slots.count - 1
            var i = Int(hash) & mask
            while true {
                let word = slots[i]
                if word == 0 { return -1 - i }
                if UInt32(truncatingIfNeeded: word) == hash {
                    let p = Int(word >> 32) - 1
                    if known[p] == key { return p }
                }
                i = (i + 1) & mask
            }
        } }
        if found >= 0 { return found }
        guard keys.count < Int(UInt32.max) else { throw ConnectorError("more than 2^32 - 1 groups") }
        keys.append(key)
        table[-1 - found] = UInt64(keys.count) << 32 | UInt64(hash)
        return keys.count - 1
    }

    /// Lets go of the table (the keys by position stay): no key may be looked up from here on
    /// (it would be given a new position).
    mutating func forgetHashes() { table = [0] }

    private mutating func grow() { table = HashSet64.doubled(table) }
}

/// A set of keys that costs one hash and no comparison of keys per insert while no hash comes
/// twice: the keys' hashes in a `HashSet64`, the keys in a list. The first time a hash comes
/// again (a key met before, or another key of the same hash: numbers that share their nearest
/// double hash alike), the keys become a `Set`, which takes every key from then on.
struct KeysMet {
    private var hashes = HashSet64()
    private var keys: [JSONValue] = []
    private var set: Set<JSONValue>?

    /// Inserts `key`; false when it was met before.
    mutating func insert(_ key: JSONValue) -> Bool {
        if set == nil {
            if hashes.insert(UInt64(bitPattern: Int64(key.hashValue))) {
                keys.append(key)
                return true
            }
            set = Set(keys)
            keys = []
        }
        return set!.insert(key).inserted
    }
}

/// Reads a spilled run file a group at a time.
private final class RunReader {
    struct Group {
        var ordinal: Int
        var members: [JSONValue]
    }
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private let step: String
    /// The groups met (first-seen positions are below it).
    private let groups: Int
    /// The bytes of the file not read yet.
    private var left: Int
    private var buffer: [UInt8] = []
    /// The shapes of object the run file defined so far (see ``SpillCoder/Writer``).
    private var shapes: [JSONObject.Layout] = []

    init(path: String, step: String, groups: Int) throws {
        guard let f = fopen(path, "rb") else { throw ConnectorError("step '\(step)': cannot read spilled groups \(path)") }
        setvbuf(f, nil, _IOFBF, 1 << 18)
        file = f
        self.path = path
        self.step = step
        self.groups = groups
        var info = stat()
        left = fstat(fileno(f), &info) == 0 ? Int(info.st_size) : 0
    }

    deinit { fclose(file) }

    /// The error for a run file that does not read back as it was written.
    func damaged(_ why: String) -> ConnectorError {
        ConnectorError("step '\(step)': spilled groups in \(path) cannot be read back (\(why))")
    }

    func next() throws -> Group? {
        var length: UInt32 = 0
        let got = fread(&length, 1, 4, file)
        if got == 0 && left == 0 { return nil }
        guard got == 4 else { throw damaged(got == 0 ? "the file ends early" : "the file ends inside a frame's length") }
        let n = Int(UInt32(littleEndian: length))
        left -= 4
        // (a length past the file's end is not read into a buffer of that size)
        guard n <= left else { throw damaged("a frame is longer than what is left of the file") }
        left -= n
        // (one buffer for the file's frames, grown as needed: read into, never cleared)
        if buffer.count < n { buffer = [UInt8](repeating: 0, count: max(n, 2 * buffer.count)) }
        // (the message made only when it is needed, not for every group)
        var failed: ConnectorError { damaged("a frame is cut short or malformed") }
        guard buffer.withUnsafeMutableBytes({ fread($0.baseAddress, 1, n, file) }) == n else { throw failed }
        var r = SpillCoder.Reader(bytes: buffer, count: n)
        r.shapes = shapes
        defer { shapes = r.shapes }
        guard let ordinal = r.int() else { throw failed }
        guard ordinal >= 0 && ordinal < groups else { throw damaged("a group that was never met") }
        // (each member takes at least a byte: a count past the frame's end is not a count)
        guard let count = r.int(), count >= 0, count <= n - r.at else { throw failed }
        var members: [JSONValue] = []
        members.reserveCapacity(count)
        for _ in 0..<count {
            guard let m = r.value() else { throw failed }
            members.append(m)
        }
        guard r.at == n else { throw failed }  // nothing left over in the frame
        return Group(ordinal: ordinal, members: members)
    }
}

/// A compact binary form of JSON values for spilled groups (written and read back by the same
/// process): a tag byte, then lengths as LEB128 and text as UTF-8. Numbers travel as their
/// exact JSON text. Values nested deeper than 64 levels travel as JSON text, so neither side
/// recurses far.
enum SpillCoder {
    static let maxDepth = 64

    struct Writer {
        var bytes: [UInt8] = []
        /// The member names of the objects written so far, each array numbered once (tag 8
        /// defines one, tag 9 refers to one): records of one source share their names.
        private var shapes: [[String]: Int] = [:]
        private var lastShape: (keys: [String], id: Int)?

        mutating func int(_ n: Int) {
            var v = UInt64(bitPattern: Int64(n))
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }

        mutating func string(_ s: String) {
            int(s.utf8.count)
            bytes.append(contentsOf: s.utf8)
        }

        mutating func value(_ v: JSONValue, depth: Int = 0) {
            switch v {
            case .null: bytes.append(0)
            case .bool(let b): bytes.append(b ? 2 : 1)
            case .number(let n):
                bytes.append(3)
                string(n.jsonText)
            case .string(let s):
                bytes.append(4)
                string(s)
            case .array(let a) where depth < SpillCoder.maxDepth:
                bytes.append(5)
                int(a.count)
                for e in a { value(e, depth: depth + 1) }
            case .object(let o) where depth < SpillCoder.maxDepth && o.count > 1:
                let keys = o.keys
                let id: Int
                if let last = lastShape, Self.same(last.keys, keys) {
                    id = last.id
                    bytes.append(9)
                    int(id)
                } else if let known = shapes[keys] {
                    id = known
                    bytes.append(9)
                    int(id)
                } else {
                    id = shapes.count
                    shapes[keys] = id
                    bytes.append(8)
                    int(keys.count)
                    for k in keys { string(k) }
                }
                lastShape = (keys, id)
                for e in o.values { value(e, depth: depth + 1) }
            case .object(let o) where depth < SpillCoder.maxDepth:
                bytes.append(6)
                int(o.count)
                for (k, e) in o {
                    string(k)
                    value(e, depth: depth + 1)
                }
            default:
                bytes.append(7)
                string(JSONWriter.write(v))
            }
        }

        /// The same array of names: one storage (the usual case), or equal names.
        private static func same(_ a: [String], _ b: [String]) -> Bool {
            let one = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress && x.count == y.count } }
            return one || a == b
        }
    }

    struct Reader {
        let bytes: [UInt8]
        /// Where the frame ends: the bytes after it are not read.
        let end: Int
        var at = 0
        /// The arrays of names defined so far (tag 8), by number; objects of one shape share one.
        var shapes: [JSONObject.Layout] = []

        /// A reader of the first `count` bytes (all when nil).
        init(bytes: [UInt8], count: Int? = nil) {
            self.bytes = bytes
            end = min(count ?? bytes.count, bytes.count)
        }

        mutating func int() -> Int? {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while at < end, shift < 64 {
                let b = bytes[at]
                at += 1
                v |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return Int(Int64(bitPattern: v)) }
                shift += 7
            }
            return nil
        }

        mutating func string() -> String? {
            guard let n = int(), n >= 0, n <= end - at else { return nil }
            defer { at += n }
            return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[at..<at + n]), as: UTF8.self) }
        }

        mutating func value(depth: Int = 0) -> JSONValue? {
            guard at < end, depth <= SpillCoder.maxDepth else { return nil }
            let tag = bytes[at]
            at += 1
            switch tag {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return string().flatMap { JSONNumber(literal: $0) }.map { .number($0) }
            case 4: return string().map { .string($0) }
            case 5:
                guard let n = int(), n >= 0 else { return nil }
                var a: [JSONValue] = []
                a.reserveCapacity(n)
                for _ in 0..<n {
                    guard let e = value(depth: depth + 1) else { return nil }
                    a.append(e)
                }
                return .array(a)
            case 6:
                guard let n = int(), n >= 0 else { return nil }
                var keys: [String] = []
                var values: [JSONValue] = []
                keys.reserveCapacity(n)
                values.reserveCapacity(n)
                for _ in 0..<n {
                    guard let k = string(), let e = value(depth: depth + 1) else { return nil }
                    keys.append(k)
                    values.append(e)
                }
                return .object(JSONObject(uniqueKeys: keys, values: values))
            case 7: return string().flatMap { try? JSONParser.parse($0) }
            case 8, 9:
                let layout: JSONObject.Layout
                if tag == 8 {
                    guard let n = int(), n >= 0 else { return nil }
                    var names: [String] = []
                    names.reserveCapacity(n)
                    for _ in 0..<n {
                        guard let k = string() else { return nil }
                        names.append(k)
                    }
                    // Distinct names, or the writer would not have written them as a shape.
                    guard Set(names).count == names.count else { return nil }
                    layout = JSONObject.Layout(uniqueKeys: names)
                    shapes.append(layout)
                } else {
                    guard let id = int(), shapes.indices.contains(id) else { return nil }
                    layout = shapes[id]
                }
                var values: [JSONValue] = []
                values.reserveCapacity(layout.keys.count)
                for _ in 0..<layout.keys.count {
                    guard let e = value(depth: depth + 1) else { return nil }
                    values.append(e)
                }
                return .object(JSONObject(layout: layout, values: values))
            default: return nil
            }
        }
    }
}
