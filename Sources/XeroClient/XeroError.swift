import Foundation

/// What can go wrong talking to Xero, with messages that say what to do. Never carries a token.
public enum XeroError: Error, CustomStringConvertible, Sendable {
    /// The refresh token is no longer accepted: the user must connect again.
    case reconnectNeeded(connection: String, reason: String)
    /// Xero's day limit for this organisation is spent; calls resume after `retryAfterSeconds`.
    case dayLimitReached(tenant: String, retryAfterSeconds: Int)
    /// Xero answered with an error status that retrying will not fix.
    case http(status: Int, message: String)
    /// Retries were exhausted on server errors, timeouts or dropped connections.
    case unavailable(attempts: Int, lastProblem: String)
    /// An OAuth step failed (`invalid_client`, a bad redirect, …).
    case oauth(String)
    /// Something the client was given is wrong (an unknown endpoint, a record too large for a batch).
    case invalidRequest(String)

    public var description: String {
        switch self {
        case .reconnectNeeded(let connection, let reason):
            return "the Xero connection '\(connection)' needs to be authorised again (\(reason)): run `xeroflow connect --name \(connection)`"
        case .dayLimitReached(let tenant, let seconds):
            let hours = Double(seconds) / 3_600
            return "Xero's daily call limit for organisation \(tenant) is spent; calls resume in about \(String(format: "%.1f", hours)) h. The organisation is parked until then."
        case .http(let status, let message):
            return "Xero answered \(status): \(message)"
        case .unavailable(let attempts, let last):
            return "Xero did not answer after \(attempts) attempts (last: \(last))"
        case .oauth(let message):
            return "sign-in failed: \(message)"
        case .invalidRequest(let message):
            return message
        }
    }
}
