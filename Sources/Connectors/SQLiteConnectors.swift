import Engine
import Foundation
import GRDB
import JSONModel

/// Rows of a SQLite query. A `:cursor` parameter in the query receives the stored cursor (NULL on
/// a first run or a full refresh), so the database does the filtering.
public struct SQLiteReader: StreamingSourceReader {
    public let path: String
    public let query: String
    public let cursorField: String?

    public init(path: String, query: String, cursorField: String?) {
        self.path = path
        self.query = query
        self.cursorField = cursorField
    }

    /// Rows as the query steps through them (a database cursor), a chunk at a time.
    public func stream(after cursor: String?, chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw ConnectorError("no SQLite database at \(path)") }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        do {
            let db = try DatabaseQueue(path: path, configuration: config)
            try db.read { db in
                let arguments: StatementArguments = query.contains(":cursor") ? ["cursor": cursor] : [:]
                let rows = try Row.fetchCursor(db, sql: query, arguments: arguments)
                var chunk: [JSONValue] = []
                var count: Int64 = 0
                while let row = try rows.next() {
                    var o = JSONObject()
                    for (column, dbValue) in row { o[column] = Self.json(dbValue) }
                    if !query.contains(":cursor"), let field = cursorField, let cursor, let v = o[field], !CursorOrder.isAfter(CursorOrder.text(v), cursor) {
                        continue
                    }
                    chunk.append(.object(o))
                    count += 1
                    if chunk.count >= chunkSize {
                        try body(chunk, ReadProgress(done: count, total: nil))
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                if !chunk.isEmpty { try body(chunk, ReadProgress(done: count, total: nil)) }
            }
        } catch let e as DatabaseError {
            throw ConnectorError("\(path): \(e.message ?? "SQLite error \(e.resultCode)") in the query")
        }
    }

    /// SQLite values as JSON: integers and text exactly; reals by their shortest decimal form.
    static func json(_ v: DatabaseValue) -> JSONValue {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return .number(JSONNumber(literal: String(i))!)
        case .double(let d): return .number(JSONNumber(literal: JSONNumber.shortest(d)) ?? JSONNumber(d))
        case .string(let s): return .string(s)
        case .blob(let data): return .string(data.base64EncodedString())
        }
    }
}

/// A SQLite table written by key: `_key` is the primary key, each top-level field a column
/// (numbers and text as written, objects and arrays as JSON text). Columns are added as new
/// fields appear. Every batch is one transaction.
public struct SQLiteWriter: TargetWriter {
    public let path: String
    public let table: String

    public init(path: String, table: String) throws {
        guard table.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw ConnectorError("'\(table)' is not a table name")
        }
        self.path = path
        self.table = table
    }

    public func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        // Targets of one run (each source's branch on its own thread) and other processes may
        // write the same database: wait for the lock rather than fail.
        var config = Configuration()
        config.busyMode = .timeout(30)
        let db = try DatabaseQueue(path: path, configuration: config)
        var report = TargetReport()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS \"\(table)\" (_key TEXT PRIMARY KEY)")
            var columns = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map { $0["name"] as String })
            for (key, record) in records {
                let o = record.objectValue ?? ["value": record]
                for name in o.keys where !columns.contains(name) {
                    try db.execute(sql: "ALTER TABLE \"\(table)\" ADD COLUMN \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
                    columns.insert(name)
                }
                var values: [DatabaseValueConvertible?] = [key]
                for (_, v) in o { values.append(Self.sqlValue(v)) }
                let names = ["_key"] + o.keys
                let quoted = names.map { "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" }
                let existing = try Row.fetchOne(db, sql: "SELECT * FROM \"\(table)\" WHERE _key = ?", arguments: [key])
                if let existing, zip(names.dropFirst(), values.dropFirst()).allSatisfy({ name, v in
                    (existing[name] as DatabaseValue) == (v?.databaseValue ?? .null)
                }) {
                    report.unchanged += 1
                    continue
                }
                let updates = quoted.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                try db.execute(sql: """
                    INSERT INTO "\(table)" (\(quoted.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))
                    ON CONFLICT(_key) DO UPDATE SET \(updates.isEmpty ? "_key = excluded._key" : updates)
                    """, arguments: StatementArguments(values))
                if existing == nil { report.created += 1 } else { report.updated += 1 }
            }
        }
        return report
    }

    static func sqlValue(_ v: JSONValue) -> DatabaseValueConvertible? {
        switch v {
        case .null: return nil
        case .bool(let b): return b ? 1 : 0
        case .number(let n): return n.isInteger ? (n.intValue.map { $0 as DatabaseValueConvertible } ?? n.jsonText) : n.jsonText
        case .string(let s): return s
        default: return JSONWriter.write(v)
        }
    }
}

extension SQLiteWriter: StreamingTargetWriter {
    /// Each chunk is one transaction of upserts by key: a run stopped half way leaves the rows
    /// it wrote, and the re-run writes them again in place.
    public func begin(keyOf: @escaping (JSONValue) -> String, partialKey: PartialKey?) throws -> (any TargetSession)? {
        SQLiteSession(writer: self, keyOf: keyOf)
    }
}

final class SQLiteSession: TargetSession {
    let writer: SQLiteWriter
    let keyOf: (JSONValue) -> String
    init(writer: SQLiteWriter, keyOf: @escaping (JSONValue) -> String) {
        self.writer = writer
        self.keyOf = keyOf
    }
    func write(keys: [String], records: [JSONValue]) throws -> TargetReport {
        try writer.write(zip(keys, records).map { (key: $0, record: $1) }, keyOf: keyOf)
    }
    func commit() throws {}
    func abandon() {}
}
