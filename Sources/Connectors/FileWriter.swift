import Engine
import Spec
import Foundation
import JSONModel
import FileSync

/// A file target: JSON Lines (`.jsonl`, `.ndjson`), CSV (`.csv`) or a JSON array (`.json`).
/// Records are kept by key: a record whose key is already in the file replaces it in place,
/// others are appended. The new file is written beside the old one and renamed over it, so a
/// crash leaves either the old file or the new one, never half of one, and writing the same
/// records again changes nothing.
public struct FileWriter: TargetWriter {
    public enum Format: Sendable { case jsonLines, csv, jsonArray }
    public let path: String
    public let format: Format

    public init(path: String) {
        self.path = path
        let ext = (path as NSString).pathExtension.lowercased()
        format = ext == "csv" ? .csv : (ext == "json" ? .jsonArray : .jsonLines)
    }

    public func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport {
        var keys: [String] = []
        var byKey: [String: JSONValue] = [:]
        for r in try existing() {
            let k = keyOf(r)
            if byKey.updateValue(r, forKey: k) == nil { keys.append(k) }
        }
        var report = TargetReport()
        for (key, record) in records {
            if let old = byKey[key] {
                if old == record { report.unchanged += 1; continue }
                report.updated += 1
            } else {
                keys.append(key)
                report.created += 1
            }
            byKey[key] = record
        }
        if report.created + report.updated == 0 && FileManager.default.fileExists(atPath: path) { return report }
        let ordered = keys.map { byKey[$0]! }
        let text: String
        switch format {
        case .jsonLines: text = ordered.map { JSONWriter.write($0) + "\n" }.joined()
        case .jsonArray: text = JSONWriter.write(.array(ordered), options: [.pretty]) + "\n"
        case .csv: text = Self.csv(ordered)
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        let handle = try FileHandle(forWritingTo: { _ = FileManager.default.createFile(atPath: temp.path, contents: nil); return temp }())
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        try handle.close()
        if rename(temp.path, url.path) != 0 {
            throw ConnectorError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        return report
    }

    private func existing() throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        switch format {
        case .jsonLines: return try JSONRecordsReader(path: path, format: .lines, cursorField: nil).read(after: nil)
        case .jsonArray: return try JSONRecordsReader(path: path, format: .document(recordsPath: nil), cursorField: nil).read(after: nil)
        case .csv:
            // Values written as JSON (objects, arrays, numbers) are read back as text; keys of
            // CSV records are computed from text fields, as written.
            return try CSVReader(path: path, delimiter: ",", cursorField: nil).read(after: nil)
        }
    }

    /// A value as CSV shows it: text as is, numbers exactly, objects and arrays as JSON.
    static func cellText(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .number(let n)?: return n.jsonText
        case .bool(let b)?: return b ? "true" : "false"
        case let other?: return JSONWriter.write(other)
        }
    }

    /// A value as a CSV cell, quoted when it must be.
    static func cell(_ v: JSONValue?) -> String {
        let text = cellText(v)
        return text.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func csv(_ records: [JSONValue]) -> String {
        var header: [String] = []
        var seen = Set<String>()
        for r in records { for k in r.objectValue?.keys ?? [] where seen.insert(k).inserted { header.append(k) } }
        var out = header.map { cell(.string($0)) }.joined(separator: ",") + "\n"
        for r in records { out += header.map { cell(r[$0]) }.joined(separator: ",") + "\n" }
        return out
    }
}

/// The file and database connectors `xeroflow run` uses.
public struct StandardConnectors: ConnectorFactory {
    /// The organisation the pipeline's Xero sources and targets talk to (nil: the pipeline has
    /// none, or no connection could be made; Xero parts then fail with `xeroUnavailable`).
    public let xero: XeroSession?
    public let xeroSettings: XeroSettingsSpec?
    /// Why there is no session, for the message of a Xero part.
    public let xeroUnavailable: String?

    /// What this pipeline's Xero targets wrote to an endpoint: Xero id → `UpdatedDateUTC` as the
    /// write left it. A Xero source skips those records (a two-way sync does not echo).
    public let ownWrites: @Sendable (_ endpoint: String) -> [String: String]

    public init(xero: XeroSession? = nil, settings: XeroSettingsSpec? = nil, unavailable: String? = nil,
                ownWrites: @escaping @Sendable (_ endpoint: String) -> [String: String] = { _ in [:] }) {
        self.xero = xero
        self.xeroSettings = settings
        self.xeroUnavailable = unavailable
        self.ownWrites = ownWrites
    }

    public func reader(for source: SourceSpec, baseDirectory: URL) throws -> any SourceReader {
        guard let kind = source.kind, let location = source.location else { throw ConnectorError("source '\(source.name)' has no kind") }
        let path = location.hasPrefix("/") ? location : baseDirectory.appendingPathComponent(location).path
        switch kind {
        case .csv: return try CSVReader(path: path, delimiter: source.delimiter, cursorField: source.cursor)
        case .jsonl: return JSONRecordsReader(path: path, format: .lines, cursorField: source.cursor)
        case .json: return JSONRecordsReader(path: path, format: .document(recordsPath: source.records), cursorField: source.cursor)
        case .sqlite:
            guard let query = source.query else { throw ConnectorError("source '\(source.name)': an sqlite source needs a query") }
            return SQLiteReader(path: path, query: query, cursorField: source.cursor)
        case .http:
            var params: [String: String] = [:]
            for (k, v) in source.params { params[k] = v }
            return HTTPReader(url: location, headers: source.headers, params: params, recordsPath: source.records, cursorField: source.cursor)
        case .postgres:
            guard let query = source.query else { throw ConnectorError("source '\(source.name)': a postgres source needs a query") }
            return PostgresReader(url: location, query: query, cursorField: source.cursor)
        case .xero:
            guard let xero else { throw ConnectorError("source '\(source.name)': \(xeroUnavailable ?? "no Xero connection")") }
            return XeroSourceReader(source: source, session: xero, ownWrites: ownWrites)
        }
    }

    public func writer(for target: TargetSpec, baseDirectory: URL) throws -> any TargetWriter {
        guard let kind = target.kind, let location = target.location else { throw ConnectorError("target '\(target.name)' has no kind") }
        let path = baseDirectory.appendingPathComponent(location).path
        switch kind {
        case .file: return FileWriter(path: path)
        case .sqlite:
            guard let table = target.table else { throw ConnectorError("target '\(target.name)': an sqlite target needs a table") }
            return try SQLiteWriter(path: path, table: table)
        case .xero:
            guard let xero, let xeroSettings else { throw ConnectorError("target '\(target.name)': \(xeroUnavailable ?? "no Xero connection")") }
            return try XeroTargetWriter(target: target, settings: xeroSettings, session: xero)
        }
    }
}

extension FileWriter: StreamingTargetWriter {
    /// JSON Lines and CSV files take their records chunk by chunk; a JSON array is written whole.
    public func begin(keyOf: @escaping (JSONValue) -> String, partialKey: PartialKey?) throws -> (any TargetSession)? {
        guard format != .jsonArray else { return nil }
        return try FileSession(path: path, format: format, keyOf: keyOf, partialKey: partialKey)
    }
}

/// A streamed write to a JSON Lines or CSV file. The run's records go to a temporary file
/// beside the target as they come; `commit` adds the records of the old file that this run did
/// not write, and renames the new file over the old one (a crash leaves the old file whole).
/// What stays in memory is the keys, not the records: the old file's keys with a fingerprint of
/// each record (to count unchanged ones and to know which this run replaced), read at the first
/// record written, and a 64-bit hash of each key this run wrote (to find keys written twice; a
/// key whose hash was seen before is checked exactly against the written file at the end).
/// Records of an old JSON Lines file are compared by the hash of their text, and those this run
/// did not write are carried over as they are.
final class FileSession: TargetSession {
    let path: String
    let format: FileWriter.Format
    let keyOf: (JSONValue) -> String
    let partialKey: PartialKey?
    /// The old file's keys: for each, its record's fingerprint (JSON Lines: the first 8 bytes of
    /// the hash of its line; CSV: a hash of its cells' text) and whether this run wrote it again.
    private var old: [String: OldRecord] = [:]
    private let oldExists: Bool
    private var seen = HashSet64()
    /// Keys whose hash was seen before in this run: perhaps written twice (checked at the end).
    private var suspects = Set<String>()
    private var report = TargetReport()
    private let temp: String
    private var out: BufferedFile?
    private var header: [String] = []
    private var headerSet = Set<String>()
    /// The member names of the shapes of record written, as JSON text.
    private let shapes = JSONWriter.Shapes()
    /// The content hashes of the records of the last `write`, taken from their text.
    private var hashes = ContentHashes()

    init(path: String, format: FileWriter.Format, keyOf: @escaping (JSONValue) -> String, partialKey: PartialKey?) throws {
        self.path = path
        self.format = format
        self.keyOf = keyOf
        self.partialKey = partialKey
        oldExists = FileManager.default.fileExists(atPath: path)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let directory = url.deletingLastPathComponent()
        temp = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).stream").path
        // What a killed run left behind: its process is gone.
        let prefix = ".\(url.lastPathComponent)."
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let pid = Int32(rest[..<dot]), pid != getpid(),
                  rest[dot...].hasPrefix(".stream"), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(directory.appendingPathComponent(name).path)
        }
        out = try BufferedFile(path: temp)
    }

    /// Whether the old file's keys were read: at the first record written, so that a run that
    /// brings nothing new (an incremental run with no new source records) never reads the file.
    private var oldLoaded = false

    private func loadOld() throws {
        oldLoaded = true
        guard oldExists else { return }
        if format == .jsonLines {
            // room for every key at once, from the file's size and its first lines' length (a
            // million keys would otherwise be moved to a twice larger table several times); at
            // most a million, since short first lines may stand before long ones
            var info = stat()
            let size = stat(path, &info) == 0 ? Int(info.st_size) : 0
            var lines = 0, bytes = 0
            try oldLines { line, key in
                lines += 1
                bytes += line.count + 1
                if lines == 1_024 { old.reserveCapacity(min(size * 1_024 / bytes * 21 / 20, 1 << 20)) }
                old[key] = OldRecord(fingerprint: ContentHashes.prefix(of: line))
            }
            return
        }
        try oldRecords { chunk in
            for r in chunk { old[keyOf(r)] = OldRecord(fingerprint: self.fingerprint(r)) }
        }
    }

    /// The old JSON Lines file's records, each as the text of its line and its key, read from
    /// the members the key needs when it can be (a record read whole costs several times more).
    private func oldLines(_ body: (UnsafeBufferPointer<UInt8>, String) throws -> Void) throws {
        let parser = JSONParser()
        try BlockFile.lines(path, what: "the target file") { raw, number, _ in
            let line = raw.last == 13 ? UnsafeBufferPointer(rebasing: raw.dropLast()) : raw
            guard line.contains(where: { $0 != 32 && $0 != 9 }) else { return }
            let bytes = Array(line)
            var key: String?
            if let partialKey, let members = try? parser.parseMembers(bytes, named: partialKey.memberNames) {
                key = partialKey.key(.object(members))
            }
            if key == nil {
                let record: JSONValue
                do { record = try parser.parse(bytes) } catch { throw ConnectorError("\(path):\(number): not JSON: \(error)") }
                key = keyOf(record)
            }
            try body(line, key!)
        }
    }

    /// The old CSV file's records, in chunks.
    private func oldRecords(_ body: ([JSONValue]) throws -> Void) throws {
        try CSVReader(path: path, delimiter: ",", cursorField: nil).stream(after: nil, chunkSize: 4_096) { chunk, _ in try body(chunk) }
    }

    /// What a record of a CSV file shows: the text of each non-empty cell (a CSV file reads
    /// numbers back as text).
    private func fingerprint(_ r: JSONValue) -> UInt64 {
        var h = Hasher()
        for (k, v) in (r.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let text = FileWriter.cellText(v)
            if !text.isEmpty { h.combine(k); h.combine(text) }
        }
        return UInt64(bitPattern: Int64(h.finalize()))
    }

    /// Writes a record's line; when `hashed`, takes its content hash from the bytes written and
    /// returns their fingerprint (see ``ContentHashes/prefix(of:)``).
    @discardableResult
    private func append(_ r: JSONValue, hashed: Bool = false) throws -> UInt64 {
        if format == .csv, let o = r.objectValue {
            for k in o.keys where headerSet.insert(k).inserted { header.append(k) }
        }
        var print: UInt64 = 0
        try out?.append { buffer in
            let start = buffer.count
            JSONWriter.write(r, shapes: shapes, into: &buffer)
            // the content hash from the bytes just written (the line without its newline)
            if hashed { print = buffer.withUnsafeBufferPointer { hashes.append(digestOf: UnsafeBufferPointer(rebasing: $0[start...])) } }
            buffer.append(10)
        }
        return print
    }

    func takeContentHashes() -> ContentHashes? {
        defer { hashes = ContentHashes() }
        return hashes
    }

    func write(keys: [String], records: [JSONValue]) throws -> TargetReport {
        if !oldLoaded { try loadOld() }
        var r = TargetReport()
        hashes = ContentHashes()
        hashes.reserveCapacity(records.count)
        // the keys' hashes first, then into the set all at once (see HashSet64.insert(all:))
        let keyHashes = keys.map { key in
            var h = Hasher()
            h.combine(key)
            return UInt64(bitPattern: Int64(h.finalize()))
        }
        for i in seen.insert(all: keyHashes) { suspects.insert(keys[i]) }
        for (key, record) in zip(keys, records) {
            let textPrint = try append(record, hashed: true)
            if let before = old[key] {
                if before.writtenAgain {
                    r.updated += 1  // written twice this run
                } else {
                    old[key]?.writtenAgain = true
                    let now = OldRecord(fingerprint: format == .csv ? fingerprint(record) : textPrint)
                    if before == now { r.unchanged += 1 } else { r.updated += 1 }
                }
            } else {
                r.created += 1
            }
        }
        report.created += r.created
        report.updated += r.updated
        report.unchanged += r.unchanged
        return r
    }

    private(set) var replacedAll = false

    func commit() throws {
        guard let file = out else { return }
        // (the old file's records were all written again, or there was none)
        let everyOldWritten = oldLoaded && old.values.allSatisfy(\.writtenAgain)
        if report.created + report.updated == 0 && oldExists {
            abandon()  // every record is in the old file as it is
            replacedAll = everyOldWritten
            return
        }
        if oldExists && !everyOldWritten {
            if format == .jsonLines {
                // the old lines this run did not write again, as they are
                try oldLines { line, key in
                    if old[key]?.writtenAgain != true { try out?.append { $0.append(contentsOf: line); $0.append(10) } }
                }
            } else {
                try oldRecords { chunk in
                    for r in chunk where self.old[self.keyOf(r)]?.writtenAgain != true { try self.append(r) }
                }
            }
        }
        replacedAll = !oldExists || everyOldWritten
        try file.close()
        out = nil
        var final = temp
        // How often each suspect key was written, exactly (a hash collision is no repeat).
        var repeated: [String: Int] = [:]
        if !suspects.isEmpty {
            try JSONRecordsReader(path: temp, format: .lines, cursorField: nil).stream(after: nil, chunkSize: 4_096) { chunk, _ in
                for r in chunk {
                    let k = keyOf(r)
                    if suspects.contains(k) { repeated[k, default: 0] += 1 }
                }
            }
            repeated = repeated.filter { $0.value > 1 }
        }
        if !repeated.isEmpty {
            // A key written more than once keeps its last record.
            var seen: [String: Int] = [:]
            let filtered = temp + ".last"
            let to = try BufferedFile(path: filtered)
            try JSONRecordsReader(path: temp, format: .lines, cursorField: nil).stream(after: nil, chunkSize: 4_096) { chunk, _ in
                for r in chunk {
                    let k = keyOf(r)
                    if let n = repeated[k] {
                        seen[k, default: 0] += 1
                        if seen[k]! < n { continue }
                    }
                    try to.write(JSONWriter.write(r))
                    try to.write("\n")
                }
            }
            try to.close()
            unlink(temp)
            final = filtered
        }
        if format == .csv {
            let csv = final + ".csv"
            let to = try BufferedFile(path: csv)
            try to.write(header.map { FileWriter.cell(.string($0)) }.joined(separator: ",") + "\n")
            try JSONRecordsReader(path: final, format: .lines, cursorField: nil).stream(after: nil, chunkSize: 4_096) { chunk, _ in
                for r in chunk { try to.write(header.map { FileWriter.cell(r[$0]) }.joined(separator: ",") + "\n") }
            }
            try to.close()
            unlink(final)
            final = csv
        }
        if rename(final, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(final)
            throw ConnectorError("cannot replace \(path): \(reason)")
        }
    }

    func abandon() {
        out?.discard()
        out = nil
        unlink(temp)
    }
}

/// A record of a target's old file as ``FileSession`` remembers it, in one 64-bit word: its
/// fingerprint's high 63 bits (plenty to tell a changed record from an unchanged one) and, in
/// the lowest, whether this run wrote its key again. A million keys' table takes 48 MB instead
/// of the 64 a fingerprint and a flag side by side take.
struct OldRecord: Equatable {
    private var bits: UInt64

    /// A record of this fingerprint, not written again yet.
    init(fingerprint: UInt64) { bits = fingerprint & ~1 }

    var writtenAgain: Bool {
        get { bits & 1 == 1 }
        set { bits = newValue ? bits | 1 : bits & ~1 }
    }
}

/// Writes through a buffer of 64 KiB; `close` makes the file durable.
///
/// (Writes of 512 KiB or more cost several times the kernel's time of smaller ones on the
/// benchmark's machine: 210 MB written by `dd` in 1 MiB writes took 0.34–0.50 s of system time,
/// in writes of 32 to 384 KiB 0.05–0.07 s.)
final class BufferedFile {
    private static let flushAt = 1 << 16
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private var buffer: [UInt8] = []
    private var closed = false

    init(path: String) throws {
        guard let f = fopen(path, "wb") else { throw ConnectorError("cannot write \(path): \(String(cString: strerror(errno)))") }
        // (this buffer is the only one: each flush is one write, and nothing waits in the FILE)
        setvbuf(f, nil, _IONBF, 0)
        file = f
        self.path = path
        buffer.reserveCapacity(Self.flushAt + (1 << 14))
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushAt { try flush() }
    }

    /// Lets `body` append bytes to the buffer.
    func append(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= Self.flushAt { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        let n = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard n == buffer.count, ferror(file) == 0 else { throw failure() }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
        startWriteback()
    }

    private func failure() -> ConnectorError { ConnectorError("cannot write \(path): \(String(cString: strerror(errno)))") }

    /// Bytes written to the file so far, and how many of them the disk was asked to take.
    private var written = 0
    private var sent = 0
    private static let sendEvery = 8 << 20

    /// Asks the kernel to start writing the file's new bytes to disk, every 8 MiB, without
    /// waiting for them (unless the disk's queue is full): `close`'s `fsync` then waits for the
    /// last few megabytes only, not the whole file (210 MB of JSON Lines took 0.12–0.15 s to sync
    /// at the end of a run that wrote them in 2 s). Only a hint: should it fail, the `fsync`
    /// still writes everything, and reports what fails.
    private func startWriteback() {
        guard written - sent >= Self.sendEvery else { return }
        _ = xeroflow_start_writeback(fileno(file), Int64(sent), Int64(written - sent))  // (nothing off Linux)
        sent = written
    }

    /// Writes what is buffered and makes the file durable.
    func close() throws {
        guard !closed else { return }
        closed = true
        defer { fclose(file) }
        try flush()
        guard fflush(file) == 0, ferror(file) == 0, fsync(fileno(file)) == 0 else { throw failure() }
    }

    /// Closes the file without writing what is buffered (it is about to be deleted).
    func discard() {
        guard !closed else { return }
        closed = true
        fclose(file)
    }

    deinit { if !closed { fclose(file) } }
}
