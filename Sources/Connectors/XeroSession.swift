import Foundation
import JSONModel
import XeroClient
import XeroModel

/// Runs async work to completion from synchronous code (the engine's connectors are
/// synchronous; the Xero client is async). Never call it on a thread of Swift's cooperative
/// pool: the engine calls connectors from the main thread or Dispatch threads.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    return try box.result!.get()
}

final class BlockingBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

/// One organisation as a run sees it: the client, the organisation's name, when the connection
/// was made, and its reference data (organisation settings, accounts, tax rates, tracking
/// categories), each read at most once per run and only when a target needs it.
public final class XeroSession: @unchecked Sendable {
    public let client: XeroClient
    public let tenantName: String
    /// When the connection was made (`start_date: connected`).
    public let connectedAt: Date?
    /// The connection acts for an adviser (may post into periods locked "except advisers").
    public let adviser: Bool

    private let lock = NSLock()
    private var cache: [String: [JSONObject]] = [:]

    public init(client: XeroClient, tenantName: String, connectedAt: Date?, adviser: Bool = false) {
        self.client = client
        self.tenantName = tenantName
        self.connectedAt = connectedAt
        self.adviser = adviser
    }

    /// Every record of a reference endpoint (`Organisation`, `Accounts`, `TaxRates`,
    /// `TrackingCategories`), read once per run.
    public func reference(_ endpoint: String) throws -> [JSONObject] {
        lock.lock()
        if let cached = cache[endpoint] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let client = self.client
        let records = try blocking {
            var q = ListQuery()
            q.includeArchived = endpoint == "Accounts"
            return try await client.list(endpoint, q)
        }
        lock.lock()
        cache[endpoint] = records
        lock.unlock()
        return records
    }

    /// Forgets a reference endpoint after a target wrote to it (a bank account created by one
    /// target, used by the next).
    public func invalidate(_ endpoint: String) {
        lock.lock()
        cache[endpoint] = nil
        lock.unlock()
    }

    /// The organisation's lock dates: the period lock (advisers may post into it) and the
    /// end-of-year lock (nobody may), as `YYYY-MM-DD`.
    public func lockDates() throws -> (period: String?, endOfYear: String?) {
        let org = try reference("Organisation").first ?? [:]
        func day(_ field: String) -> String? {
            guard let text = org[field]?.stringValue, let d = XeroDate.parse(text) else { return nil }
            return String(XeroDate.iso(d).prefix(10))
        }
        return (day("PeriodLockDate"), day("EndOfYearLockDate"))
    }
}
