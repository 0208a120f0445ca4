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
    typealias Emit = (_ key: JSONValue, _ members: [JSONValue], _ hashes: [String]) throws -> Void

    let sorted: Bool
    let spillAfter: Int
    let step: String
    // Sorted input.
    private var current: (key: JSONValue, members: [JSONValue], hashes: [String])?
    private var closed = Set<JSONValue>()
    // Unsorted input.
    private var ordinals: [JSONValue: Int] = [:]
    private var open: [Int: (key: JSONValue, members: [JSONValue], hashes: [String])] = [:]
    private var held = 0
    private var runs: [String] = []
    private var directory: String?

    init(sorted: Bool, spillAfter: Int, step: String) {
        self.sorted = sorted
        self.spillAfter = spillAfter
        self.step = step
    }

    deinit { removeRuns() }

    func add(key: JSONValue, record: JSONValue, hash: String, emit: Emit) throws {
        if sorted {
            if let c = current, c.key == key {
                current!.members.append(record)
                current!.hashes.append(hash)
                return
            }
            if closed.contains(key) {
                throw ConnectorError("step '\(step)': group.sorted is set but the key \(JSONWriter.write(key)) comes again after its group closed: sort the input by the group key, or remove `sorted`")
            }
            if let c = current {
                closed.insert(c.key)
                current = nil
                try emit(c.key, c.members, c.hashes)
            }
            current = (key, [record], [hash])
            return
        }
        let ordinal: Int
        if let o = ordinals[key] { ordinal = o } else {
            ordinal = ordinals.count
            ordinals[key] = ordinal
        }
        if open[ordinal] == nil { open[ordinal] = (key, [], []) }
        open[ordinal]!.members.append(record)
        open[ordinal]!.hashes.append(hash)
        held += 1
        if held >= spillAfter { try spill() }
    }

    /// Writes the open groups to a run file, by first-seen position.
    private func spill() throws {
        if directory == nil {
            let dir = NSTemporaryDirectory() + "xeroflow-group-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            directory = dir
        }
        let path = "\(directory!)/run\(runs.count).jsonl"
        guard let file = fopen(path, "wb") else { throw ConnectorError("step '\(step)': cannot spill groups to \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        for ordinal in open.keys.sorted() {
            let g = open[ordinal]!
            let line = JSONWriter.write(.object(JSONObject(uniqueKeys: ["o", "k", "m", "h"], values: [
                .number(JSONNumber(literal: String(ordinal))!), g.key, .array(g.members), .array(g.hashes.map { .string($0) }),
            ]))) + "\n"
            let ok = line.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress!, file) >= 0 }
            if !ok { throw ConnectorError("step '\(step)': cannot spill groups to \(path): \(String(cString: strerror(errno)))") }
        }
        runs.append(path)
        open = [:]
        held = 0
    }

    /// Every group not passed on yet, in first-seen order.
    func finish(_ emit: Emit) throws {
        if sorted {
            if let c = current { try emit(c.key, c.members, c.hashes) }
            current = nil
            return
        }
        if runs.isEmpty {
            for ordinal in open.keys.sorted() {
                let g = open[ordinal]!
                try emit(g.key, g.members, g.hashes)
            }
            open = [:]
            return
        }
        try spill()
        defer { removeRuns() }
        let readers = try runs.map { try RunReader(path: $0, step: step) }
        var heads = try readers.map { try $0.next() }
        while true {
            // The smallest first-seen position among the runs' next groups; its members are
            // spread over runs in input order.
            var smallest: Int?
            for h in heads { if let h, smallest.map({ h.ordinal < $0 }) ?? true { smallest = h.ordinal } }
            guard let ordinal = smallest else { break }
            var key: JSONValue = .null
            var members: [JSONValue] = []
            var hashes: [String] = []
            for i in heads.indices {
                guard let h = heads[i], h.ordinal == ordinal else { continue }
                key = h.key
                members += h.members
                hashes += h.hashes
                heads[i] = try readers[i].next()
            }
            try emit(key, members, hashes)
        }
    }

    private func removeRuns() {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
        directory = nil
        runs = []
    }
}

/// Reads a spilled run file a group at a time.
private final class RunReader {
    struct Group {
        var ordinal: Int
        var key: JSONValue
        var members: [JSONValue]
        var hashes: [String]
    }
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private let step: String
    private var line: UnsafeMutablePointer<CChar>?
    private var capacity = 0

    init(path: String, step: String) throws {
        guard let f = fopen(path, "rb") else { throw ConnectorError("step '\(step)': cannot read spilled groups \(path)") }
        file = f
        self.path = path
        self.step = step
    }

    deinit {
        fclose(file)
        free(line)
    }

    func next() throws -> Group? {
        let n = getline(&line, &capacity, file)
        guard n > 0, let line else { return nil }
        let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: n))
        guard let v = try? JSONParser.parse(bytes: bytes), let o = v.objectValue,
              let ordinal = o["o"].flatMap({ $0.numberValue?.intValue }), let key = o["k"], let members = o["m"]?.arrayValue,
              let hashes = o["h"]?.arrayValue
        else { throw ConnectorError("step '\(step)': spilled groups in \(path) cannot be read back") }
        return Group(ordinal: ordinal, key: key, members: members, hashes: hashes.compactMap(\.stringValue))
    }
}
