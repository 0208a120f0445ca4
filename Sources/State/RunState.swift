import Engine
import Foundation
import GRDB
import GRDBSQLite
import JSONModel

/// Runs, cursors, what each key last wrote, and quarantined records, for ``PipelineRunner``.
extension StateStore: RunStateStore {
    public struct PipelineBusy: Error, CustomStringConvertible {
        public let pipeline: String
        public var description: String { "the pipeline '\(pipeline)' is already running (another xeroflow process holds its lock)" }
    }

    private var holder: String { "\(ProcessInfo.processInfo.processIdentifier)-run" }

    public func beginRun(pipeline: String, pipelineHash: String) throws -> String {
        guard try tryLock("pipeline:" + pipeline, holder: holder, ttl: 24 * 3_600) else { throw PipelineBusy(pipeline: pipeline) }
        let id = UUID().uuidString.lowercased()
        try write { db in
            // A run left "running" by a process that died is marked as such.
            try db.execute(sql: "UPDATE runs SET outcome = 'interrupted' WHERE pipeline = ? AND outcome = 'running'", arguments: [pipeline])
            try db.execute(sql: "INSERT INTO runs (id, pipeline, pipeline_hash, started_at, outcome) VALUES (?, ?, ?, ?, 'running')",
                           arguments: [id, pipeline, pipelineHash, Date().timeIntervalSince1970])
        }
        return id
    }

    public func cursor(pipeline: String, source: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM cursors WHERE pipeline = ? AND source = ?", arguments: [pipeline, source]) }
    }

    public func written(pipeline: String, target: String) throws -> [String: WrittenEntry] {
        try read { db in
            var out: [String: WrittenEntry] = [:]
            guard let targetNumber = try Self.targetNumber(db, pipeline: pipeline, target: target) else { return out }
            let rows = try Row.fetchCursor(db, sql: """
                SELECT key, content_hash, target_id, identity, state, xero_updated, source_hash FROM written_keys WHERE target = ?
                """, arguments: [targetNumber])
            while let row = try rows.next() {
                var identity: [String: String] = [:]
                if let text: String = row["identity"], let o = (try? JSONParser.parse(text))?.objectValue {
                    for (k, v) in o { if let s = v.stringValue { identity[k] = s } }
                }
                out[row["key"]] = WrittenEntry(contentHash: row["content_hash"], targetID: row["target_id"], identity: identity,
                                               state: WrittenEntry.State(rawValue: row["state"] ?? "ok") ?? .ok, xeroUpdated: row["xero_updated"],
                                               sourceHash: row["source_hash"])
            }
            // Batches are newer than rows, and a later batch newer than an earlier one.
            try Self.eachBatchEntry(db, target: targetNumber) { key, hash, _ in
                out[String(decoding: key, as: UTF8.self)] = WrittenEntry(contentHash: String(decoding: hash, as: UTF8.self))
            }
            return out
        }
    }

    public func saveWritten(pipeline: String, target: String, runID: String, entries: [String: WrittenEntry]) throws {
        try write { db in try Self.insert(db, pipeline: pipeline, target: target, runID: runID, entries: entries) }
    }

    /// Saves what a streamed run's chunk wrote as one batch (a row for the chunk, not one per
    /// key), newer than everything saved before it.
    public func saveWritten(pipeline: String, target: String, runID: String, keys: [String], contentHashes: ContentHashes) throws {
        precondition(keys.count == contentHashes.count)
        guard !keys.isEmpty else { return }
        let body = WrittenBatch.encode(keys: keys, hashes: contentHashes)
        let remembered = knownNumbers.numbers(pipeline: pipeline, target: target, runID: runID)
        let found = try write { db -> (target: Int64, run: Int64?) in
            let (targetNumber, run) = try remembered ?? Self.numbers(db, pipeline: pipeline, target: target, runID: runID)
            try db.execute(sql: "INSERT INTO written_batches (target, run, count, format, body) VALUES (?, ?, ?, ?, ?)",
                           arguments: [targetNumber, run, keys.count, WrittenBatch.compact, Data(body)])
            return (targetNumber, run)
        }
        // (only once the transaction that may have numbered the target is committed)
        if remembered == nil, let run = found.run {
            knownNumbers.remember(pipeline: pipeline, target: target, runID: runID, numbers: (found.target, run))
        }
    }

    /// After a streamed target's run: the batches of earlier runs are dropped with the target's
    /// rows when this run replaced all the target held, else folded into rows (so that a
    /// target's batches are only ever its latest run's, and never pile up).
    public func settleWritten(pipeline: String, target: String, runID: String, replacedAll: Bool) throws {
        try write { db in
            guard let targetNumber = try Self.targetNumber(db, pipeline: pipeline, target: target) else { return }
            let run = try Self.runNumber(db, runID)
            if replacedAll {
                try db.execute(sql: "DELETE FROM written_keys WHERE target = ?", arguments: [targetNumber])
                try db.execute(sql: "DELETE FROM written_batches WHERE target = ? AND run IS NOT ?", arguments: [targetNumber, run])
            } else {
                try Self.fold(db, target: targetNumber, notOf: run)
            }
        }
    }

    /// A key and its content hash, the other columns set to nothing.
    static let upsertKeyAndHash = """
        INSERT INTO written_keys (target, key, content_hash, run) VALUES (?, ?, ?, ?)
        ON CONFLICT (target, key) DO UPDATE SET content_hash = excluded.content_hash, target_id = NULL,
            identity = NULL, state = NULL, xero_updated = NULL, source_hash = NULL, run = excluded.run
        """

    /// Calls `body` with each entry of a target's batches (those of every run but `excluded`
    /// when it is given), oldest first.
    static func eachBatchEntry(_ db: Database, target: Int64, excluding excluded: Int64? = nil,
                               _ body: (_ key: UnsafeBufferPointer<UInt8>, _ hash: UnsafeBufferPointer<UInt8>, _ run: Int64?) throws -> Void) throws {
        let batches = try Row.fetchAll(db, sql: "SELECT id, run, format FROM written_batches WHERE target = ? AND (? IS NULL OR run IS NOT ?) ORDER BY id",
                                       arguments: [target, excluded, excluded])
        for batch in batches {
            let id: Int64 = batch["id"]
            guard let data = try Data.fetchOne(db, sql: "SELECT body FROM written_batches WHERE id = ?", arguments: [id]) else { continue }
            let run: Int64? = batch["run"]
            // (a format that is not a whole number is a damaged batch like any other)
            let format = Int.fromDatabaseValue(batch["format"]) ?? 0
            try [UInt8](data).withUnsafeBufferPointer { bytes in
                guard try WrittenBatch.decode(bytes, format: format, { key, hash in try body(key, hash, run) }) else {
                    throw StoreError(description: "the state store holds a damaged batch of written keys (written_batches.id \(id))")
                }
            }
        }
    }

    /// Turns a target's batches (but those of run `excluded`, when given: they are newer) into
    /// rows of `written_keys`, in order: a later entry wins.
    static func fold(_ db: Database, target: Int64, notOf excluded: Int64? = nil) throws {
        let rows = try RowStatement(db, sql: upsertKeyAndHash)
        defer { rows.done() }
        try rows.bind(1, target)
        try eachBatchEntry(db, target: target, excluding: excluded) { key, hash, run in
            try rows.bind(4, run)
            try rows.lend(2, key)
            try rows.lend(3, hash)
            try rows.step()
        }
        try db.execute(sql: "DELETE FROM written_batches WHERE target = ? AND (? IS NULL OR run IS NOT ?)", arguments: [target, excluded, excluded])
    }

    /// The number of a pipeline's target in `written_targets` (numbered on first use) and the
    /// row number of a run.
    static func numbers(_ db: Database, pipeline: String, target: String, runID: String) throws -> (target: Int64, run: Int64?) {
        try db.execute(sql: "INSERT INTO written_targets (pipeline, target) VALUES (?, ?) ON CONFLICT (pipeline, target) DO NOTHING",
                       arguments: [pipeline, target])
        guard let targetNumber = try targetNumber(db, pipeline: pipeline, target: target)
        else { throw DatabaseError(message: "the state store has no number for target '\(target)'") }
        return (targetNumber, try runNumber(db, runID))
    }

    /// The number of a pipeline's target in `written_targets`, if it has one.
    static func targetNumber(_ db: Database, pipeline: String, target: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM written_targets WHERE pipeline = ? AND target = ?", arguments: [pipeline, target])
    }

    /// The row number of a run (what `written_keys.run` and `written_batches.run` hold).
    static func runNumber(_ db: Database, _ runID: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT rowid FROM runs WHERE id = ?", arguments: [runID])
    }

    static func insert(_ db: Database, pipeline: String, target: String, runID: String, entries: [String: WrittenEntry]) throws {
        guard !entries.isEmpty else { return }
        let (targetNumber, run) = try numbers(db, pipeline: pipeline, target: target, runID: runID)
        // The target's batches are older than these rows: they become rows first.
        try fold(db, target: targetNumber)
        let rows = try RowStatement(db, sql: """
            INSERT INTO written_keys (target, key, content_hash, target_id, identity, state, xero_updated, source_hash, run)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (target, key) DO UPDATE SET content_hash = excluded.content_hash, target_id = excluded.target_id,
                identity = excluded.identity, state = excluded.state, xero_updated = excluded.xero_updated,
                source_hash = excluded.source_hash, run = excluded.run
            """)
        defer { rows.done() }
        // What is the same for every row (target, run) is bound once: SQLite keeps bindings across resets.
        try rows.bind(1, targetNumber)
        try rows.bind(9, run)
        // In key order: each row lands next to the last one in the key's tree (the keys of a
        // run mostly come in order), instead of at a random place in a large tree.
        for key in entries.keys.sorted() {
            let e = entries[key]!
            let identity: String? = e.identity.isEmpty ? nil : JSONWriter.write(.object(JSONObject(e.identity.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
            try rows.bind(2, key)
            try rows.bind(3, e.contentHash)
            try rows.bind(4, e.targetID)
            try rows.bind(5, identity)
            try rows.bind(6, e.state == .ok ? nil : e.state.rawValue)
            try rows.bind(7, e.xeroUpdated)
            try rows.bind(8, e.sourceHash)
            try rows.step()
        }
    }

    public func finishRun(_ run: RunRecord) throws {
        let counts = String(decoding: try JSONEncoder().encode(run.counts), as: UTF8.self)
        try write { db in
            try db.execute(sql: "UPDATE runs SET ended_at = ?, outcome = ?, counts = ? WHERE id = ?",
                           arguments: [run.endedAt.timeIntervalSince1970, run.outcome, counts, run.id])
            for (source, value) in run.cursors {
                try db.execute(sql: """
                    INSERT INTO cursors (pipeline, source, value, run_id) VALUES (?, ?, ?, ?)
                    ON CONFLICT(pipeline, source) DO UPDATE SET value = excluded.value, run_id = excluded.run_id
                    """, arguments: [run.pipeline, source, value, run.id])
            }
            for (target, entries) in run.written {
                try Self.insert(db, pipeline: run.pipeline, target: target, runID: run.id, entries: entries)
            }
            for q in run.quarantined {
                try db.execute(sql: "INSERT INTO quarantine (run_id, pipeline, node, part, message, location, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [run.id, run.pipeline, q.node, q.part, q.message, q.location, JSONWriter.write(q.record)])
            }
        }
        try unlock("pipeline:" + run.pipeline, holder: holder)
    }

    /// Recent runs, newest first.
    public func runs(pipeline: String?, limit: Int = 20) throws -> [(id: String, pipeline: String, startedAt: Date, endedAt: Date?, outcome: String, counts: String?)] {
        try read { db in
            let sql = "SELECT * FROM runs \(pipeline == nil ? "" : "WHERE pipeline = ?") ORDER BY started_at DESC LIMIT \(limit)"
            return try Row.fetchAll(db, sql: sql, arguments: pipeline.map { [$0] } ?? []).map { row in
                (row["id"], row["pipeline"], Date(timeIntervalSince1970: row["started_at"]),
                 (row["ended_at"] as Double?).map(Date.init(timeIntervalSince1970:)), row["outcome"], row["counts"])
            }
        }
    }

    /// Quarantined records of a pipeline's latest run (or of one run).
    public func failures(pipeline: String, runID: String? = nil) throws -> [(node: String, part: String, message: String, location: String, record: String)] {
        try read { db in
            let run = try runID ?? String.fetchOne(db, sql: "SELECT id FROM runs WHERE pipeline = ? AND outcome != 'running' ORDER BY started_at DESC LIMIT 1", arguments: [pipeline])
            guard let run else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM quarantine WHERE pipeline = ? AND run_id = ? ORDER BY id", arguments: [pipeline, run]).map {
                ($0["node"], $0["part"], $0["message"], $0["location"], $0["record"])
            }
        }
    }
}

/// A cached statement bound and stepped with SQLite's own calls, a row at a time: a run saves
/// a row per record, and building GRDB's argument list for each was half the cost.
private struct RowStatement {
    let db: Database
    let statement: Statement
    var handle: OpaquePointer { statement.sqliteStatement }

    init(_ db: Database, sql: String) throws {
        self.db = db
        statement = try db.cachedStatement(sql: sql)
        sqlite3_reset(statement.sqliteStatement)
    }

    func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
    }

    func bind(_ index: Int32, _ value: Int64?) throws {
        try check(value.map { sqlite3_bind_int64(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
    }

    /// Text SQLite copies (the Swift string's bytes live only for the call); nil binds NULL.
    func bind(_ index: Int32, _ text: String?) throws {
        guard var text else { return try check(sqlite3_bind_null(handle, index)) }
        try text.withUTF8 { try bind(index, $0, keep: Self.transient) }
    }

    /// Text SQLite reads in place: `bytes` must stay put until the next ``step()``.
    func lend(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) throws {
        try bind(index, bytes, keep: nil)
    }

    private func bind(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>, keep: sqlite3_destructor_type?) throws {
        try bytes.withMemoryRebound(to: CChar.self) { c in
            // (a null pointer would bind NULL, not "")
            guard let base = c.baseAddress, !c.isEmpty else { return try check(sqlite3_bind_text(handle, index, "", 0, keep)) }
            try check(sqlite3_bind_text(handle, index, base, Int32(c.count), keep))
        }
    }

    /// Runs the statement with what is bound, then readies it for the next row.
    func step() throws {
        let code = sqlite3_step(handle)
        if code != SQLITE_DONE {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        sqlite3_reset(handle)
    }

    /// Leaves the cached statement with nothing bound.
    func done() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// SQLite copies the text it is given.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// The number of a pipeline's target and the row number of a run, kept once found: a target is
/// numbered once and keeps its number, and runs are never deleted, so a streamed run that saves
/// a batch per chunk looks them up (three statements) once instead of for each chunk. Only a
/// target's latest run is kept (a scheduler's store lives for many runs).
final class KnownNumbers: @unchecked Sendable {
    private let lock = NSLock()
    private var known: [[String]: (runID: String, target: Int64, run: Int64)] = [:]

    /// The numbers remembered for `pipeline`, `target` and `runID`, if any.
    func numbers(pipeline: String, target: String, runID: String) -> (target: Int64, run: Int64?)? {
        lock.withLock {
            guard let hit = known[[pipeline, target]], hit.runID == runID else { return nil }
            return (hit.target, hit.run)
        }
    }

    /// Remembers numbers read or made by a committed transaction.
    func remember(pipeline: String, target: String, runID: String, numbers: (target: Int64, run: Int64)) {
        lock.withLock { known[[pipeline, target]] = (runID, numbers.target, numbers.run) }
    }
}
