import Foundation

/// Where a connection's tokens are kept: the state store, encrypted (see the `State` target).
public protocol TokenVault: Sendable {
    func load() async throws -> TokenSet
    /// Saves durably (the rotated refresh token must survive a crash right after).
    func save(_ tokens: TokenSet) async throws
    /// Runs `body` holding the connection's refresh lock, across processes.
    func withRefreshLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
}

/// Gives the client a valid access token, refreshing before expiry.
public protocol AccessTokenSource: Sendable {
    func accessToken() async throws -> String
    /// The server refused the current token although our clock says it is valid.
    func invalidate() async
}

/// Refreshes a connection's tokens one at a time, in this process (an actor) and across
/// processes (the vault's lock), and saves the rotated refresh token *before* the new access
/// token is used. A connection made with client credentials (no refresh token) asks for a new
/// token instead.
public actor RefreshingTokenSource: AccessTokenSource {
    let connection: String
    let oauth: OAuthClient
    let vault: any TokenVault
    /// Refresh this long (server seconds) before expiry.
    let leeway: Double
    let usesClientCredentials: Bool
    private var cached: TokenSet?
    /// For tests of crash safety: called after a refresh succeeded and before it is saved.
    private let afterRefreshBeforeSave: (@Sendable () -> Void)?

    public init(connection: String, oauth: OAuthClient, vault: any TokenVault, clientCredentials: Bool = false, leeway: Double = 120,
                afterRefreshBeforeSave: (@Sendable () -> Void)? = nil) {
        self.connection = connection
        self.oauth = oauth
        self.vault = vault
        self.usesClientCredentials = clientCredentials
        self.leeway = leeway
        self.afterRefreshBeforeSave = afterRefreshBeforeSave
    }

    public func accessToken() async throws -> String {
        if !forceNext {
            if let t = cached, t.expiresAt - oauth.clock.now > leeway { return t.accessToken }
            let stored = try await vault.load()
            // Another process may have refreshed since we cached: take its token.
            if stored.expiresAt - oauth.clock.now > leeway, stored.accessToken != refusedToken {
                cached = stored
                return stored.accessToken
            }
        }
        let fresh = try await refreshNow()
        cached = fresh
        return fresh.accessToken
    }

    public func invalidate() async {
        refusedToken = cached?.accessToken
        cached = nil
        forceNext = true
    }

    private var forceNext = false
    /// The access token the server refused: never handed out again.
    private var refusedToken: String?

    private func refreshNow() async throws -> TokenSet {
        let oauth = self.oauth, vault = self.vault, connection = self.connection, leeway = self.leeway
        let clientCredentials = usesClientCredentials, force = forceNext, hook = afterRefreshBeforeSave, refused = refusedToken
        forceNext = false
        return try await vault.withRefreshLock {
            // Another process may have refreshed while we waited for the lock.
            let current = try await vault.load()
            // Unless forced, or the stored token is the one refused, a valid stored token was
            // refreshed by someone else while we waited: use it.
            if current.expiresAt - oauth.clock.now > leeway, !force || current.accessToken != refused { return current }
            let next: TokenSet
            if clientCredentials {
                next = try await oauth.clientCredentials(scopes: nil)
            } else {
                guard let refresh = current.refreshToken else {
                    throw XeroError.reconnectNeeded(connection: connection, reason: "no refresh token is stored")
                }
                var rotated = try await oauth.refresh(refresh, connection: connection)
                if rotated.refreshToken == nil { rotated.refreshToken = refresh }
                next = rotated
            }
            hook?()
            try await vault.save(next)
            return next
        }
    }
}
