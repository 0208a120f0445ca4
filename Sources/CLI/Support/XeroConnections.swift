import Connectors
import Foundation
import Logging
import Spec
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

    struct Unusable: Error, CustomStringConvertible { let description: String }

    /// The connectors of a pipeline: files and databases, and its Xero organisation when it has
    /// Xero sources or targets. A connection that cannot be used (not made, a different
    /// organisation, no key to open its tokens) does not stop the rest: the Xero parts fail
    /// with the reason.
    static func connectors(for spec: PipelineSpec, store: StateStore?) -> StandardConnectors {
        connectorsAndSandbox(for: spec, store: store).connectors
    }

    /// The same, and the embedded sandbox when the pipeline runs against one (`connection:
    /// sandbox` with no connection of that name made): the caller stops it after the run.
    static func connectorsAndSandbox(for spec: PipelineSpec, store: StateStore?) -> (connectors: StandardConnectors, sandbox: EmbeddedSandbox.Started?) {
        let usesXero = spec.sources.contains { $0.kind == .xero } || spec.targets.contains { $0.kind == .xero }
        guard usesXero else { return (StandardConnectors(), nil) }
        if spec.xero.connection == "sandbox", let store, (try? store.connection("sandbox")) == nil {
            do {
                let (connectors, started) = try EmbeddedSandbox.connectors(for: spec)
                return (connectors, started)
            } catch {
                return (StandardConnectors(settings: spec.xero, unavailable: "the embedded sandbox could not start: \(error)"), nil)
            }
        }
        return (connectorsForStoredConnection(spec, store: store), nil)
    }

    static func connectorsForStoredConnection(_ spec: PipelineSpec, store: StateStore?) -> StandardConnectors {
        do {
            guard let store else { throw Unusable(description: "no state store to find the connection '\(spec.xero.connection)' in") }
            let c = try store.connection(spec.xero.connection)
            if let wanted = spec.xero.tenant, let name = c.tenantName, wanted != name, wanted != c.tenantID {
                throw Unusable(description: "the connection '\(c.name)' reaches '\(name)', but the pipeline's xero.tenant is '\(wanted)'")
            }
            let box = try SecretBox.load()
            var quiet = Logger(label: "xeroflow.xero")
            quiet.logLevel = .warning
            let logger = quiet
            let client = try blocking { try await Self.client(for: c, store: store, box: box, logger: logger) }
            let session = XeroSession(client: client, tenantName: c.tenantName ?? spec.xero.tenant ?? c.name, connectedAt: c.createdAt)
            let pipeline = spec.name ?? "pipeline"
            let targets = spec.targets.filter { $0.kind == .xero }
            return StandardConnectors(xero: session, settings: spec.xero, ownWrites: { endpoint in
                var out: [String: String] = [:]
                for t in targets where t.location == endpoint {
                    for e in ((try? store.written(pipeline: pipeline, target: t.name)) ?? [:]).values {
                        if let id = e.targetID, let updated = e.xeroUpdated { out[id] = updated }
                    }
                }
                return out
            })
        } catch {
            return StandardConnectors(settings: spec.xero, unavailable: "\(error)")
        }
    }
}
