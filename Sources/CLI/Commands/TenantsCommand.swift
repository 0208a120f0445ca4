import ArgumentParser
import Foundation
import Logging
import State
import XeroClient

/// `xeroflow tenants`: the organisations each saved connection reaches.
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "List the organisations of saved Xero connections (refreshing tokens as needed)."
    )

    @Option(help: "Only this connection.")
    var name: String?

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    func run() async throws {
        do {
            let store = try XeroConnections.store(state)
            let box = try SecretBox.load()
            let all = try name.map { [try store.connection($0)] } ?? store.connections()
            if all.isEmpty {
                Console.err("xeroflow tenants: no saved connections; run `xeroflow connect`\n")
                throw ExitCode.failure
            }
            for c in all {
                let transport = URLSessionTransport()
                let tokens = try XeroConnections.tokenSource(for: c, store: store, box: box, transport: transport)
                let oauth = XeroConnections.oauth(for: c, secrets: try store.secrets(c.name, box: box), transport: transport)
                var list: [XeroTenant]
                do {
                    list = try await oauth.tenants(accessToken: try await tokens.accessToken())
                } catch XeroError.http(status: 401, _) {
                    // Refused although our clock says the token is valid: refresh once and retry.
                    await tokens.invalidate()
                    list = try await oauth.tenants(accessToken: try await tokens.accessToken())
                }
                Console.out("\(c.name)\(c.baseURL.map { " (\($0))" } ?? "")\n")
                for t in list {
                    let mark = t.tenantID == c.tenantID ? "*" : " "
                    Console.out("  \(mark) \(t.name)  \(t.tenantID)  \(t.type)\n")
                }
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            Console.err("xeroflow tenants: \(error)\n")
            throw ExitCode.failure
        }
    }
}

/// `xeroflow disconnect`: revoke and delete a connection at Xero, and wipe it locally.
struct DisconnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disconnect",
        abstract: "Remove a saved connection: disconnect it at Xero, revoke its refresh token, delete it here."
    )

    @Option(help: "The connection.")
    var name = "default"

    @Option(help: "The state store (default \(XeroConnections.defaultStatePath)).")
    var state: String?

    func run() async throws {
        do {
            let store = try XeroConnections.store(state)
            let box = try SecretBox.load()
            let c = try store.connection(name)
            var remote = "nothing to revoke at Xero for a custom connection"
            if c.kind == .oauth {
                do {
                    let transport = URLSessionTransport()
                    let secrets = try store.secrets(name, box: box)
                    let oauth = XeroConnections.oauth(for: c, secrets: secrets, transport: transport)
                    let tokens = try XeroConnections.tokenSource(for: c, store: store, box: box, transport: transport)
                    let access = try await tokens.accessToken()
                    if let t = try await oauth.tenants(accessToken: access).first(where: { $0.tenantID == c.tenantID }) {
                        try await oauth.deleteConnection(t.connectionID, accessToken: access)
                    }
                    if let refresh = try store.secrets(name, box: box).tokens.refreshToken { try await oauth.revoke(refresh) }
                    remote = "disconnected at Xero and revoked"
                } catch {
                    remote = "could not be revoked at Xero (\(error)); it was deleted here all the same"
                }
            }
            try store.deleteConnection(name)
            Console.out("removed '\(name)': \(remote)\n")
        } catch {
            Console.err("xeroflow disconnect: \(error)\n")
            throw ExitCode.failure
        }
    }
}
