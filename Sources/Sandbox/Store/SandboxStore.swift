import Foundation
import GRDB
import JSONModel

/// Where the sandbox keeps what it holds: one SQLite table of JSON documents, scoped by tenant (or
/// `_identity` for tokens and connections) and kind (`Contacts`, `Invoices`, `tokens`, …).
///
/// Everything is loaded into memory at start and written through on change, one transaction per
/// request, so a sandbox restarted on the same `--data` file carries on where it stopped. With
/// `--in-memory` the database is SQLite's in-memory one and nothing outlives the process.
final class SandboxStore {
    struct Key: Hashable {
        var scope: String
        var kind: String
        var id: String
    }
    enum Change {
        case put(Key, JSONObject)
        case delete(Key)
    }

    private let db: DatabaseQueue

    /// - Parameter path: the SQLite file, or nil for an in-memory database.
    init(path: String?) throws {
        if let path {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            db = try DatabaseQueue(path: path, configuration: config)
        } else {
            db = try DatabaseQueue()
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-documents") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    scope TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    PRIMARY KEY (scope, kind, id)
                )
                """)
        }
        try migrator.migrate(db)
    }

    /// Every document, in the order first written.
    func loadAll() throws -> [(Key, JSONObject)] {
        try db.read { db in
            var out: [(Key, JSONObject)] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT scope, kind, id, body FROM documents ORDER BY seq")
            while let row = try rows.next() {
                let body: String = row["body"]
                guard case .object(let o)? = try? JSONParser.parse(body) else { continue }
                out.append((Key(scope: row["scope"], kind: row["kind"], id: row["id"]), o))
            }
            return out
        }
    }

    /// Applies changes in one transaction.
    func apply(_ changes: [Change]) throws {
        guard !changes.isEmpty else { return }
        try db.write { db in
            var seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM documents") ?? 0
            for change in changes {
                switch change {
                case .put(let key, let body):
                    seq += 1
                    try db.execute(
                        sql: """
                            INSERT INTO documents (scope, kind, id, seq, body) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT(scope, kind, id) DO UPDATE SET body = excluded.body
                            """,
                        arguments: [key.scope, key.kind, key.id, seq, JSONWriter.write(.object(body))])
                case .delete(let key):
                    try db.execute(
                        sql: "DELETE FROM documents WHERE scope = ? AND kind = ? AND id = ?",
                        arguments: [key.scope, key.kind, key.id])
                }
            }
        }
    }

    /// Deletes every document of a scope (a tenant reset).
    func deleteScope(_ scope: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM documents WHERE scope = ?", arguments: [scope])
        }
    }
}
