import Foundation
import JSONModel
import Spec

/// Where records come from. `read(after:)` answers the records whose cursor field is past
/// `cursor` (all when nil), in the source's order.
public protocol SourceReader: Sendable {
    func read(after cursor: String?) throws -> [JSONValue]
}

/// How far a source has read: bytes of a file, so a progress display can tell the time left.
public struct ReadProgress: Sendable, Equatable {
    public var done: Int64
    /// Unknown for sources whose size is not known in advance (queries, APIs).
    public var total: Int64?
    public init(done: Int64, total: Int64?) {
        self.done = done
        self.total = total
    }
}

/// A source that hands its records over in chunks, so a run holds one chunk at a time
/// however large the source (CSV, JSON Lines, SQLite). Other sources are read whole and then
/// handed over in chunks.
public protocol StreamingSourceReader: SourceReader {
    /// Calls `body` with successive chunks of at most `chunkSize` records past `cursor`, in the
    /// source's order, each with how far the read has come.
    func stream(after cursor: String?, chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) throws
}

extension StreamingSourceReader {
    public func read(after cursor: String?) throws -> [JSONValue] { try gathered(after: cursor) }

    /// Every record past `cursor`, gathered from the stream.
    public func gathered(after cursor: String?) throws -> [JSONValue] {
        var out: [JSONValue] = []
        try stream(after: cursor, chunkSize: 4_096) { chunk, _ in out += chunk }
        return out
    }
}

extension SourceReader {
    /// The records in chunks: streamed when the source can, else read whole.
    public func chunks(after cursor: String?, chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) throws {
        if let streaming = self as? any StreamingSourceReader {
            try streaming.stream(after: cursor, chunkSize: chunkSize, body)
            return
        }
        try Self.handOver(try read(after: cursor), chunkSize: chunkSize, body)
    }

    /// Records read whole, handed over in chunks (at least one call, maybe with no records),
    /// with progress counted in records.
    public static func handOver(_ all: [JSONValue], chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) rethrows {
        var start = 0
        repeat {
            let end = min(start + max(chunkSize, 1), all.count)
            try body(Array(all[start..<end]), ReadProgress(done: Int64(end), total: Int64(all.count)))
            start = end
        } while start < all.count
    }
}

/// A target that takes its records chunk by chunk (files and SQLite tables), so a streamed run
/// never holds them all.
public protocol StreamingTargetWriter: TargetWriter {
    /// Opens a session, or nil when this target must have all its records at once.
    /// `partialKey`, when given, reads the key of a record the target already holds from some
    /// of its members only.
    func begin(keyOf: @escaping (JSONValue) -> String, partialKey: PartialKey?) throws -> (any TargetSession)?
}

/// The key of a record read from some of its members: those the key expression reads
/// (``Expressions/Expression/inputFields``), and the key of an object holding just them; nil
/// when the expression gives nothing (the key is then the whole record's hash: read it whole).
public struct PartialKey {
    public let fields: Set<String>
    /// `fields` as ``JSONModel/JSONParser/parseMembers(_:named:)`` takes them.
    public let memberNames: JSONParser.MemberNames
    public let key: (JSONValue) -> String?

    public init(fields: Set<String>, key: @escaping (JSONValue) -> String?) {
        self.fields = fields
        memberNames = JSONParser.MemberNames(fields)
        self.key = key
    }
}

/// One streamed write to a target: chunks, then `commit` (the target shows them all at once
/// where it can) or `abandon` (nothing of the session is shown where it can).
public protocol TargetSession: AnyObject {
    /// Writes `records[i]` under `keys[i]` (the arrays are as long as each other).
    func write(keys: [String], records: [JSONValue]) throws -> TargetReport
    /// The content hash of each record of the last ``write(keys:records:)``, when the target
    /// takes them from the text it wrote (see ``PipelineRunner/textHash(_:)``); nil when the
    /// run is to hash the records itself.
    func takeContentHashes() -> ContentHashes?
    func commit() throws
    func abandon()
    /// After ``commit()``: whether the target holds this session's records and nothing it held
    /// before (every record it had was written again, or it had none).
    var replacedAll: Bool { get }
}

extension TargetSession {
    public func takeContentHashes() -> ContentHashes? { nil }
    public var replacedAll: Bool { false }
}

/// What a target did with a batch of records.
public struct TargetReport: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public init() {}
}

/// Where records go. Writes are upserts by key, so writing the same records again (a re-run
/// after a crash) never duplicates them. `commit` makes the writes durable and visible at once.
public protocol TargetWriter: Sendable {
    /// - Parameters:
    ///   - records: the records with their keys.
    ///   - keyOf: the key of a record already in the target (files re-key what they hold).
    func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport
}

/// Chooses the readers and writers for a pipeline's sources and targets (the CLI gives the
/// file and database connectors; tests may give others).
public protocol ConnectorFactory: Sendable {
    func reader(for source: SourceSpec, baseDirectory: URL) throws -> any SourceReader
    func writer(for target: TargetSpec, baseDirectory: URL) throws -> any TargetWriter
}

/// A connector could not do its work: a missing file, a bad query. Says which and why.
public struct ConnectorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How cursor values compare: as numbers when both are numbers, else as text (ISO timestamps
/// compare correctly as text).
public enum CursorOrder {
    public static func text(_ v: JSONValue) -> String {
        if case .number(let n) = v { return n.jsonText }
        return v.stringValue ?? JSONWriter.write(v)
    }

    public static func isAfter(_ value: String, _ cursor: String) -> Bool {
        if let a = Decimal(string: value), let b = Decimal(string: cursor), JSONNumber(literal: value) != nil, JSONNumber(literal: cursor) != nil {
            return a > b
        }
        return value > cursor
    }
}

/// What the state store remembers of one key written to a target: the content last sent, and
/// for Xero targets the record's Xero id and the values it is known by at Xero.
public struct WrittenEntry: Sendable, Equatable {
    public enum State: String, Sendable { case ok, deleted }
    public var contentHash: String
    /// The Xero id (`ContactID`, `InvoiceID`, …), for Xero targets.
    public var targetID: String?
    /// The match fields' values as sent (`ContactNumber`, `InvoiceNumber`…): how another
    /// target's reference to this record is resolved to its id.
    public var identity: [String: String]
    /// `deleted`: gone or deleted in Xero, and the target's `on_deleted` is `skip`.
    public var state: State
    /// Xero's `UpdatedDateUTC` of the record as this write left it: a Xero source of the same
    /// pipeline does not read it back as a change (two-way syncs do not echo).
    public var xeroUpdated: String?
    /// The hash of the source data the record was made from (``Origin/hash``).
    public var sourceHash: String?

    public init(contentHash: String, targetID: String? = nil, identity: [String: String] = [:], state: State = .ok, xeroUpdated: String? = nil,
                sourceHash: String? = nil) {
        self.sourceHash = sourceHash
        self.contentHash = contentHash
        self.targetID = targetID
        self.identity = identity
        self.state = state
        self.xeroUpdated = xeroUpdated
    }
}

/// What a target that keeps per-record outcomes (Xero) is given besides its records.
public struct TargetContext: Sendable {
    public var pipeline: String
    public var runID: String?
    /// What each key last wrote to this target (from earlier runs).
    public var previous: [String: WrittenEntry]
    /// Key → hash of the source data each record was made from.
    public var sourceHashes: [String: String]
    /// Send records again even when their content did not change (`run --resync`).
    public var resync: Bool
    /// Report what would be done, send nothing (`plan`, `run --dry-run`).
    public var dryRun: Bool
    /// `file:line:column` of the step that made the records (or the target), for set-apart records.
    public var location: String
    /// Makes entries durable at once (after each batch), so that a process killed in the middle
    /// of a target still knows what it pushed.
    public var save: @Sendable ([String: WrittenEntry]) throws -> Void
    /// The entries (earlier runs and this one) of this pipeline's targets that write a Xero
    /// endpoint (`Contacts`): references between targets (an invoice's contact) resolve
    /// through them.
    public var entries: @Sendable (_ endpoint: String) -> [String: WrittenEntry]

    public init(pipeline: String, runID: String?, previous: [String: WrittenEntry], sourceHashes: [String: String] = [:], resync: Bool, dryRun: Bool, location: String,
                save: @escaping @Sendable ([String: WrittenEntry]) throws -> Void,
                entries: @escaping @Sendable (String) -> [String: WrittenEntry]) {
        self.pipeline = pipeline
        self.runID = runID
        self.previous = previous
        self.sourceHashes = sourceHashes
        self.resync = resync
        self.dryRun = dryRun
        self.location = location
        self.save = save
        self.entries = entries
    }
}

/// What such a target did: counts, the entries to remember, the records it set apart.
public struct TargetOutcome: Sendable {
    public var report: TargetReport
    public var skipped: Int
    public var written: [String: WrittenEntry]
    /// Records refused (by Xero, or by a check before sending), with the reason.
    public var rejected: [(key: String, record: JSONValue, message: String)]
    /// Notes for the run's summary (reference data, lock dates).
    public var notes: [String]

    public init(report: TargetReport = TargetReport(), skipped: Int = 0, written: [String: WrittenEntry] = [:],
                rejected: [(key: String, record: JSONValue, message: String)] = [], notes: [String] = []) {
        self.report = report
        self.skipped = skipped
        self.written = written
        self.rejected = rejected
        self.notes = notes
    }
}

/// A target that decides per record (create, update, leave alone, set apart) with what the
/// state store remembers: Xero's targets.
public protocol RecordTargetWriter: TargetWriter {
    func push(_ records: [(key: String, record: JSONValue)], context: TargetContext) throws -> TargetOutcome
}
