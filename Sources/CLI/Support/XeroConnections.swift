import Foundation
import Logging
import State
import XeroClient

/// Opening the state store and building Xero clients from saved connections.
enum XeroConnections {
    static let defaultStatePath = ".xeroflow/state.sqlite"

    static func store(_ path: String?) throws -> StateStore {
        try StateStore(path: path ?? defaultStatePath)
    }

    static func oauth(for c: StoredConnection, secrets: ConnectionSecrets, transport: any HTTPTransport) -> OAuthClient {
        OAuthClient(endpoints: c.endpoints, clientID: c.clientID, clientSecret: secrets.clientSecret, transport: transport,
                    clock: PacingClock(scale: c.timeScale))
    }

    /// A token source for a saved connection. `XEROFLOW_FAULT_KILL_AFTER_REFRESH=1` kills the
    /// process between a successful refresh and its save: the crash-safety tests use it.
    static func tokenSource(for c: StoredConnection, store: StateStore, box: SecretBox, transport: any HTTPTransport) throws -> RefreshingTokenSource {
        let secrets = try store.secrets(c.name, box: box)
        let hook: (@Sendable () -> Void)? = ProcessInfo.processInfo.environment["XEROFLOW_FAULT_KILL_AFTER_REFRESH"] == "1"
            ? { @Sendable in _ = kill(getpid(), SIGKILL) } : nil
        return RefreshingTokenSource(connection: c.name, oauth: oauth(for: c, secrets: secrets, transport: transport),
                                     vault: StoredTokenVault(store: store, name: c.name, box: box),
                                     clientCredentials: c.kind == .clientCredentials, afterRefreshBeforeSave: hook)
    }

    /// The Accounting client of a saved connection, paced by the process-wide pacer of its tenant.
    static func client(for c: StoredConnection, store: StateStore, box: SecretBox, logger: Logger) async throws -> XeroClient {
        let transport = URLSessionTransport()
        let tokens = try tokenSource(for: c, store: store, box: box, transport: transport)
        let pacer = await PacerRegistry.shared.pacer(for: c.tenantID ?? c.name, clock: PacingClock(scale: c.timeScale))
        return XeroClient(endpoints: c.endpoints, tenantID: c.kind == .clientCredentials ? nil : c.tenantID, tokens: tokens,
                          transport: transport, pacer: pacer, logger: logger)
    }
}
