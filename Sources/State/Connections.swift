import Foundation
import GRDB
import XeroClient

/// A saved connection to Xero (or a sandbox): what it reaches and how to sign in again. Its
/// secrets are kept apart, encrypted (``ConnectionSecrets``).
public struct StoredConnection: Sendable, Equatable {
    public enum Kind: String, Sendable { case oauth, clientCredentials = "client_credentials" }
    public var name: String
    public var kind: Kind
    /// A sandbox's base URL; nil for Xero itself.
    public var baseURL: String?
    public var clientID: String
    public var tenantID: String?
    public var tenantName: String?
    public var scopes: [String]
    /// Sandbox seconds per real second of the server (1 for Xero).
    public var timeScale: Double
    /// When the connection was first made (`start_date: connected` pushes nothing older).
    public var createdAt: Date?

    public init(name: String, kind: Kind, baseURL: String?, clientID: String, tenantID: String?, tenantName: String?, scopes: [String], timeScale: Double = 1) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.clientID = clientID
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.scopes = scopes
        self.timeScale = timeScale
    }

    func with(createdAt: Date?) -> StoredConnection {
        var c = self
        c.createdAt = createdAt
        return c
    }

    public var endpoints: XeroEndpoints {
        baseURL.flatMap(URL.init(string:)).map(XeroEndpoints.base) ?? .production
    }
}

/// What is stored encrypted: the token set and, for a custom connection, the client secret.
public struct ConnectionSecrets: Sendable, Codable, Equatable {
    public var tokens: TokenSet
    public var clientSecret: String?
    public init(tokens: TokenSet, clientSecret: String?) {
        self.tokens = tokens
        self.clientSecret = clientSecret
    }
}

extension StateStore {
    public struct UnknownConnection: Error, CustomStringConvertible {
        public let name: String
        public let known: [String]
        public var description: String {
            known.isEmpty
                ? "there is no Xero connection '\(name)'; run `xeroflow connect --name \(name)`"
                : "there is no Xero connection '\(name)' (known: \(known.joined(separator: ", "))); run `xeroflow connect --name \(name)`"
        }
    }

    public func saveConnection(_ c: StoredConnection, secrets: ConnectionSecrets, box: SecretBox) throws {
        let sealed = try box.seal(JSONEncoder().encode(secrets))
        let now = Date().timeIntervalSince1970
        try write { db in
            try db.execute(sql: """
                INSERT INTO connections (name, kind, base_url, client_id, tenant_id, tenant_name, scopes, time_scale, secrets, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url, client_id = excluded.client_id,
                    tenant_id = excluded.tenant_id, tenant_name = excluded.tenant_name, scopes = excluded.scopes,
                    time_scale = excluded.time_scale, secrets = excluded.secrets, updated_at = excluded.updated_at
                """, arguments: [c.name, c.kind.rawValue, c.baseURL, c.clientID, c.tenantID, c.tenantName, c.scopes.joined(separator: " "),
                                 c.timeScale, sealed, now, now])
        }
    }

    /// Replaces only the secrets (a refreshed token set), in one durable transaction.
    public func saveSecrets(_ name: String, _ secrets: ConnectionSecrets, box: SecretBox) throws {
        let sealed = try box.seal(JSONEncoder().encode(secrets))
        try write { db in
            try db.execute(sql: "UPDATE connections SET secrets = ?, updated_at = ? WHERE name = ?",
                           arguments: [sealed, Date().timeIntervalSince1970, name])
            if db.changesCount == 0 { throw UnknownConnection(name: name, known: []) }
        }
    }

    public func connection(_ name: String) throws -> StoredConnection {
        guard let c = try connections().first(where: { $0.name == name }) else {
            throw UnknownConnection(name: name, known: try connections().map(\.name))
        }
        return c
    }

    public func connections() throws -> [StoredConnection] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM connections ORDER BY name").map { row in
                StoredConnection(name: row["name"], kind: StoredConnection.Kind(rawValue: row["kind"]) ?? .oauth, baseURL: row["base_url"],
                                 clientID: row["client_id"], tenantID: row["tenant_id"], tenantName: row["tenant_name"],
                                 scopes: (row["scopes"] as String).split(separator: " ").map(String.init), timeScale: row["time_scale"])
                    .with(createdAt: (row["created_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    public func secrets(_ name: String, box: SecretBox) throws -> ConnectionSecrets {
        let sealed: Data? = try read { db in try Data.fetchOne(db, sql: "SELECT secrets FROM connections WHERE name = ?", arguments: [name]) }
        guard let sealed else { throw UnknownConnection(name: name, known: try connections().map(\.name)) }
        return try JSONDecoder().decode(ConnectionSecrets.self, from: box.open(sealed))
    }

    public func deleteConnection(_ name: String) throws {
        try write { db in try db.execute(sql: "DELETE FROM connections WHERE name = ?", arguments: [name]) }
    }
}

/// A connection's tokens in the state store, for ``RefreshingTokenSource``: encrypted, saved in
/// one transaction, refreshed under a lock shared by every process using the store.
public struct StoredTokenVault: TokenVault {
    public let store: StateStore
    public let name: String
    public let box: SecretBox

    public init(store: StateStore, name: String, box: SecretBox) {
        self.store = store
        self.name = name
        self.box = box
    }

    public func load() async throws -> TokenSet { try store.secrets(name, box: box).tokens }

    public func save(_ tokens: TokenSet) async throws {
        var s = try store.secrets(name, box: box)
        s.tokens = tokens
        try store.saveSecrets(name, s, box: box)
    }

    public func withRefreshLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await store.withLock("refresh:" + name, ttl: 60, wait: 90, body)
    }
}
