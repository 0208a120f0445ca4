import Foundation
import GRDB

/// The state store: one SQLite file (`.xeroflow/state.sqlite` by default) holding what xeroflow
/// must remember between runs. Migrations are append-only and named; a database written by a
/// newer xeroflow (with migrations this one does not know) is refused with a clear error.
public final class StateStore: Sendable {
    let db: DatabasePool
    public let path: String
    /// The numbers of pipelines' targets and of runs met so far (see `RunState.numbers`).
    let knownNumbers = KnownNumbers()

    public struct StoreError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The migrations in order. Never edit or reorder one; add new ones at the end.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-connections") { db in
            try db.execute(sql: """
                CREATE TABLE connections (
                    name TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,             -- 'oauth' or 'client_credentials'
                    base_url TEXT,                  -- NULL for Xero itself
                    client_id TEXT NOT NULL,
                    tenant_id TEXT,
                    tenant_name TEXT,
                    scopes TEXT NOT NULL,
                    time_scale REAL NOT NULL DEFAULT 1,
                    secrets BLOB NOT NULL,          -- AES-256-GCM: tokens and client secret
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE locks (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                """)
        }
        m.registerMigration("v2-runs") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    pipeline TEXT NOT NULL,
                    pipeline_hash TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    ended_at REAL,
                    outcome TEXT NOT NULL,         -- running, succeeded, succeeded with failures, failed
                    counts TEXT                    -- JSON: node → counts
                );
                CREATE INDEX runs_by_pipeline ON runs (pipeline, started_at);
                CREATE TABLE cursors (
                    pipeline TEXT NOT NULL,
                    source TEXT NOT NULL,
                    value TEXT NOT NULL,
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (pipeline, source)
                );
                CREATE TABLE written (
                    pipeline TEXT NOT NULL,
                    target TEXT NOT NULL,
                    key TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    target_id TEXT,                -- the Xero id, for Xero targets
                    run_id TEXT NOT NULL,
                    PRIMARY KEY (pipeline, target, key)
                );
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run_id TEXT NOT NULL,
                    pipeline TEXT NOT NULL,
                    node TEXT NOT NULL,
                    part TEXT NOT NULL,
                    message TEXT NOT NULL,
                    location TEXT NOT NULL,
                    record TEXT NOT NULL
                );
                CREATE INDEX quarantine_by_run ON quarantine (pipeline, run_id);
                """)
        }
        m.registerMigration("v3-xero") { db in
            // identity: the match values a Xero record is known by (JSON); state: ok or deleted;
            // xero_updated: Xero's UpdatedDateUTC of the record as this write left it;
            // source_hash: the source data it was made from (a mapping change alone is not resent).
            try db.execute(sql: """
                ALTER TABLE written ADD COLUMN identity TEXT;
                ALTER TABLE written ADD COLUMN state TEXT NOT NULL DEFAULT 'ok';
                ALTER TABLE written ADD COLUMN xero_updated TEXT;
                ALTER TABLE written ADD COLUMN source_hash TEXT;
                """)
        }
        m.registerMigration("v4-schedule") { db in
            // The fire time each pipeline was last run (or passed over) for by `xeroflow schedule`.
            try db.execute(sql: """
                CREATE TABLE schedule_fires (
                    pipeline TEXT PRIMARY KEY,
                    last_fire REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                """)
        }
        m.registerMigration("v5-written-compact") { db in
            // What each key last wrote, without repeating the pipeline, the target and the run's
            // id on every row (a run of a million records saved 150 MB and spent most of its
            // state-store time on those): targets are numbered once, a row names its run by the
            // run's row number, `state` is NULL for 'ok', and the table is its own key index.
            try db.execute(sql: """
                CREATE TABLE written_targets (
                    id INTEGER PRIMARY KEY,
                    pipeline TEXT NOT NULL,
                    target TEXT NOT NULL,
                    UNIQUE (pipeline, target)
                );
                CREATE TABLE written_keys (
                    target INTEGER NOT NULL,      -- written_targets.id
                    key TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    target_id TEXT,               -- the Xero id, for Xero targets
                    identity TEXT,
                    state TEXT,                   -- NULL: ok
                    xero_updated TEXT,
                    source_hash TEXT,
                    run INTEGER,                  -- runs.rowid of the run that wrote it
                    PRIMARY KEY (target, key)
                ) WITHOUT ROWID;
                INSERT INTO written_targets (pipeline, target) SELECT DISTINCT pipeline, target FROM written;
                INSERT INTO written_keys (target, key, content_hash, target_id, identity, state, xero_updated, source_hash, run)
                    SELECT t.id, w.key, w.content_hash, w.target_id, w.identity, NULLIF(w.state, 'ok'), w.xero_updated, w.source_hash,
                           (SELECT rowid FROM runs WHERE runs.id = w.run_id)
                    FROM written w JOIN written_targets t ON t.pipeline = w.pipeline AND t.target = w.target;
                DROP TABLE written;
                """)
        }
        m.registerMigration("v6-written-batches") { db in
            // What a streamed run's chunks wrote, a row per chunk instead of a row per key: the
            // keys with their content hashes in one blob (see `WrittenBatch`). A target's batches
            // are newer than its rows in `written_keys` and are folded into them when rows are
            // written for it, or when a later run saves its first batch.
            try db.execute(sql: """
                CREATE TABLE written_batches (
                    id INTEGER PRIMARY KEY,       -- the order of writing: a later entry wins
                    target INTEGER NOT NULL,      -- written_targets.id
                    run INTEGER,                  -- runs.rowid of the run that wrote it
                    count INTEGER NOT NULL,       -- entries in body
                    body BLOB NOT NULL
                );
                CREATE INDEX written_batches_by_target ON written_batches (target, id);
                """)
        }
        m.registerMigration("v7-written-batch-format") { db in
            // The layout of each batch's body (see `WrittenBatch`): 1 as v6 wrote them, 2 the
            // compact layout new batches are written in.
            try db.execute(sql: "ALTER TABLE written_batches ADD COLUMN format INTEGER NOT NULL DEFAULT 1")
        }
        return m
    }

    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        do {
            db = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError(description: "cannot open the state store \(path): \(error)")
        }
        let migrator = Self.migrator
        let known = Set(migrator.migrations)
        let applied = try db.read { try migrator.appliedIdentifiers($0) }
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw StoreError(description: "the state store \(path) was written by a newer xeroflow (it has migrations \(unknown.sorted().joined(separator: ", ")) this version does not know); upgrade xeroflow")
        }
        try migrator.migrate(db)
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T { try db.write(body) }
    func read<T>(_ body: (Database) throws -> T) throws -> T { try db.read(body) }

    // MARK: locks

    /// Takes a named lock for `ttl` seconds unless someone else holds a live one; true when taken.
    public func tryLock(_ name: String, holder: String, ttl: Double) throws -> Bool {
        let now = Date().timeIntervalSince1970
        return try db.write { db in
            // A holder that died (killed mid-refresh) does not keep the lock until it expires:
            // holders are "PID-UUID", and a PID that no longer runs on this machine frees it.
            if let current = try String.fetchOne(db, sql: "SELECT holder FROM locks WHERE name = ?", arguments: [name]),
               let pid = Int32(current.prefix { $0 != "-" }), pid > 0, pid != getpid(), kill(pid, 0) == -1, errno == ESRCH {
                try db.execute(sql: "DELETE FROM locks WHERE name = ?", arguments: [name])
            }
            try db.execute(sql: """
                INSERT INTO locks (name, holder, expires_at) VALUES (?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE locks.expires_at < ? OR locks.holder = excluded.holder
                """, arguments: [name, holder, now + ttl, now])
            return db.changesCount > 0
        }
    }

    public func unlock(_ name: String, holder: String) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM locks WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    /// Runs `body` holding a named lock, waiting (polling) up to `wait` seconds for it. The lock
    /// expires after `ttl` seconds, so a holder that crashed does not block others for ever.
    public func withLock<T: Sendable>(_ name: String, ttl: Double = 60, wait: Double = 90, _ body: @Sendable () async throws -> T) async throws -> T {
        let holder = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        let deadline = Date().addingTimeInterval(wait)
        while try !tryLock(name, holder: holder, ttl: ttl) {
            guard Date() < deadline else { throw StoreError(description: "timed out waiting for the lock '\(name)' (another xeroflow process holds it)") }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        do {
            let result = try await body()
            try unlock(name, holder: holder)
            return result
        } catch {
            try? unlock(name, holder: holder)
            throw error
        }
    }
}
