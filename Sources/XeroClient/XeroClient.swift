import Crypto
import Foundation
import JSONModel
import Logging

/// What happened to one element of a write.
public struct ElementResult: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Xero accepted it; `id` is its Xero identifier (`InvoiceID`, …).
        case accepted(id: String?)
        /// Xero refused it, with its messages.
        case rejected
    }
    /// The element's position in what was given to ``XeroClient/write(_:method:records:)``.
    public var index: Int
    public var outcome: Outcome
    /// Xero's record as answered (accepted), or the element echoed with its errors (rejected).
    public var record: JSONObject
    public var errors: [String]
    public var warnings: [String]
    /// For an accepted element: updated when a POST named the record by its Xero id, else
    /// created. (A POST matched by number cannot tell; the runner knows from its own state.)
    public var action: Action = .created

    public enum Action: Sendable, Equatable { case created, updated }

    public init(index: Int, outcome: Outcome, record: JSONObject, errors: [String], warnings: [String], action: Action = .created) {
        self.index = index
        self.outcome = outcome
        self.record = record
        self.errors = errors
        self.warnings = warnings
        self.action = action
    }
}

/// Tuning of the client; the defaults are Xero's published limits.
public struct XeroClientOptions: Sendable {
    /// Elements per PUT/POST (Xero: about 50 is the practical ceiling).
    public var batchSize = 50
    /// Bytes per request body (Xero: 3.5 MB).
    public var maxBatchBytes = 3_500_000
    /// Attempts of one request on 5xx, timeouts and dropped connections.
    public var maxAttempts = 6
    /// First backoff (real seconds), doubled per attempt, with ±50 % jitter, at most `maxBackoff`.
    public var baseBackoff = 0.5
    public var maxBackoff = 30.0
    /// 429s tolerated for one request before giving up (each waits `Retry-After`).
    public var max429 = 20
    public var pacerLimits = TenantPacer.Limits()
    public init() {}
}

/// The one way xeroflow talks to Xero's Accounting API for one organisation: paced within
/// Xero's limits, batched, idempotent, retried, with per-element results.
///
/// Lessons built in (xero-facts.md, "What integrations get wrong most often"): every write is sent
/// with `summarizeErrors=false` (a 400 would hide which elements were created) and an
/// `Idempotency-Key` derived from its content, so a retried request after a lost response is
/// replayed by Xero instead of applied twice; 429s pause the tenant for `Retry-After` and a `day`
/// problem parks it; `IDs` filters are chunked under Xero's URL limit.
public struct XeroClient: Sendable {
    public let endpoints: XeroEndpoints
    public let tenantID: String?
    public let tokens: any AccessTokenSource
    public let transport: any HTTPTransport
    public let pacer: TenantPacer
    public let options: XeroClientOptions
    let logger: Logger

    public init(endpoints: XeroEndpoints, tenantID: String?, tokens: any AccessTokenSource, transport: any HTTPTransport,
                pacer: TenantPacer, options: XeroClientOptions = XeroClientOptions(), logger: Logger = Logger(label: "xeroflow.xero")) {
        self.endpoints = endpoints
        self.tenantID = tenantID
        self.tokens = tokens
        self.transport = transport
        self.pacer = pacer
        self.options = options
        self.logger = logger
    }

    // MARK: requests

    /// One Accounting API call with pacing, authentication and retries. Answers with Xero's
    /// response whatever its status, except: 429 and transient failures are retried, a `day`
    /// 429 throws ``XeroError/dayLimitReached``.
    public func send(method: String, path: String, query: [String: String] = [:], headers extra: [String: String] = [:],
                     body: Data? = nil, idempotencyKey: String? = nil) async throws -> HTTPResponseData {
        var url = endpoints.accounting.appendingPathComponent(path)
        if !query.isEmpty {
            var c = URLComponents(url: url, resolvingAgainstBaseURL: false)!
            c.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            c.percentEncodedQuery = c.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            url = c.url!
        }
        var attempts = 0, throttled = 0, unauthorised = 0
        var lastProblem = ""
        while true {
            try Task.checkCancellation()
            let ticket = try await pacer.acquire()
            let token: String
            do {
                token = try await tokens.accessToken()
            } catch {
                await pacer.release(ticket, status: nil, headers: [:])
                throw error
            }
            var headers = extra
            headers["Authorization"] = "Bearer \(token)"
            headers["Accept"] = "application/json"
            if body != nil { headers["Content-Type"] = "application/json" }
            if let tenantID { headers["xero-tenant-id"] = tenantID }
            if let idempotencyKey { headers["Idempotency-Key"] = idempotencyKey }
            let response: HTTPResponseData
            do {
                response = try await transport.send(HTTPRequestSpec(method: method, url: url, headers: headers, body: body))
            } catch {
                await pacer.release(ticket, status: nil, headers: [:])
                attempts += 1
                lastProblem = "no answer (\(Self.describe(error)))"
                guard attempts < options.maxAttempts else { throw XeroError.unavailable(attempts: attempts, lastProblem: lastProblem) }
                logger.warning("Xero call failed, retrying", metadata: ["http.method": "\(method)", "http.path": "\(path)", "attempt": "\(attempts)", "problem": "\(lastProblem)"])
                try await backoff(attempts)
                continue
            }
            await pacer.release(ticket, status: response.status, headers: response.headers)
            XeroCallStats.shared.record(tenant: tenantID ?? "custom", status: response.status)
            switch response.status {
            case 429:
                if response.header("x-rate-limit-problem")?.lowercased() == "day" {
                    throw XeroError.dayLimitReached(tenant: tenantID ?? "", retryAfterSeconds: Int(response.header("retry-after") ?? "") ?? 86_400)
                }
                throttled += 1
                guard throttled <= options.max429 else { throw XeroError.http(status: 429, message: "still rate limited after \(throttled) waits") }
                continue  // the pacer now waits for Retry-After before the next acquire
            case 401 where unauthorised == 0:
                unauthorised += 1
                await tokens.invalidate()
                continue
            case 500, 502, 503, 504:
                attempts += 1
                lastProblem = "HTTP \(response.status)"
                guard attempts < options.maxAttempts else { throw XeroError.unavailable(attempts: attempts, lastProblem: lastProblem) }
                logger.warning("Xero answered a server error, retrying", metadata: ["http.status": "\(response.status)", "http.path": "\(path)", "attempt": "\(attempts)"])
                try await backoff(attempts)
                continue
            default:
                return response
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let u = error as? URLError { return "URLError \(u.code.rawValue)" }
        return String(describing: type(of: error))
    }

    private func backoff(_ attempt: Int) async throws {
        let base = min(options.baseBackoff * pow(2, Double(attempt - 1)), options.maxBackoff)
        let jittered = base * Double.random(in: 0.5...1.5)
        try await Task.sleep(nanoseconds: UInt64(jittered * 1_000_000_000))
    }

    /// The key Xero replays a write by: the same tenant, method, path and body give the same key.
    public static func idempotencyKey(tenant: String?, method: String, path: String, body: Data) -> String {
        var h = SHA256()
        h.update(data: Data("xeroflow/1\n\(tenant ?? "")\n\(method)\n\(path)\n".utf8))
        h.update(data: body)
        return h.finalize().map { String(format: "%02x", $0) }.joined()
    }

    // MARK: writes

    public enum WriteMethod: String, Sendable { case create = "PUT", createOrUpdate = "POST" }

    /// Writes records to an endpoint (`Contacts`, `Invoices`, …) in batches, and answers one
    /// result per record, in order. Batches run concurrently within the tenant's limits.
    public func write(_ endpoint: String, method: WriteMethod, records: [JSONObject]) async throws -> [ElementResult] {
        var results = [ElementResult?](repeating: nil, count: records.count)
        var batches: [[Int]] = []
        var current: [Int] = []
        var bytes = 0
        for (i, record) in records.enumerated() {
            let size = JSONWriter.write(.object(record)).utf8.count + 1
            if size + 64 > options.maxBatchBytes {
                results[i] = ElementResult(index: i, outcome: .rejected, record: record,
                                           errors: ["the record is \(size) bytes, more than Xero accepts in one request (\(options.maxBatchBytes))"], warnings: [])
                continue
            }
            if current.count == options.batchSize || bytes + size + 64 > options.maxBatchBytes {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(i)
            bytes += size
        }
        if !current.isEmpty { batches.append(current) }
        // At most `concurrent` batches in flight: a new one starts as each finishes.
        let done = try await withThrowingTaskGroup(of: [ElementResult].self) { group in
            var pendingBatches = batches.makeIterator()
            for _ in 0..<max(1, options.pacerLimits.concurrent) {
                guard let batch = pendingBatches.next() else { break }
                group.addTask { try await self.writeBatch(endpoint, method: method, indices: batch, records: batch.map { records[$0] }) }
            }
            var collected: [ElementResult] = []
            while let finished = try await group.next() {
                collected += finished
                if let batch = pendingBatches.next() {
                    group.addTask { try await self.writeBatch(endpoint, method: method, indices: batch, records: batch.map { records[$0] }) }
                }
            }
            return collected
        }
        for r in done { results[r.index] = r }
        return results.map { $0! }
    }

    func writeBatch(_ endpoint: String, method: WriteMethod, indices: [Int], records: [JSONObject]) async throws -> [ElementResult] {
        let body = Data(JSONWriter.write([endpoint: .array(records.map { .object($0) })]).utf8)
        let key = Self.idempotencyKey(tenant: tenantID, method: method.rawValue, path: endpoint, body: body)
        let r = try await send(method: method.rawValue, path: endpoint, query: ["summarizeErrors": "false"], body: body, idempotencyKey: key)
        let json = try? JSONParser.parse(bytes: Array(r.body))
        if r.status == 200, let answered = json?[endpoint]?.arrayValue, answered.count == records.count {
            return zip(indices, answered).map { index, value in
                let o = value.objectValue ?? [:]
                let errors = (o["ValidationErrors"]?.arrayValue ?? []).compactMap { $0["Message"]?.stringValue }
                let warnings = (o["Warnings"]?.arrayValue ?? []).compactMap { $0["Message"]?.stringValue }
                let failed = o["StatusAttributeString"]?.stringValue == "ERROR" || !errors.isEmpty
                let idField = Self.idField(endpoint)
                let sent = records[indices.firstIndex(of: index)!]
                let updated = method == .createOrUpdate && sent[idField] != nil
                return ElementResult(index: index, outcome: failed ? .rejected : .accepted(id: o[idField]?.stringValue),
                                     record: o, errors: errors, warnings: warnings, action: updated ? .updated : .created)
            }
        }
        if r.status == 400 || r.status == 413 {
            // The whole request was refused (an unreadable body, a bad idempotency key reuse…).
            let message = json?["Message"]?.stringValue ?? json?["Detail"]?.stringValue ?? String(decoding: r.body.prefix(300), as: UTF8.self)
            return zip(indices, records).map { ElementResult(index: $0, outcome: .rejected, record: $1, errors: [message], warnings: []) }
        }
        throw XeroError.http(status: r.status, message: json?["Message"]?.stringValue ?? json?["Detail"]?.stringValue ?? "unexpected answer to \(method.rawValue) \(endpoint)")
    }

    /// The id field of an endpoint's records (`Contacts` → `ContactID`).
    public static func idFieldName(_ endpoint: String) -> String { idField(endpoint) }

    static func idField(_ endpoint: String) -> String {
        switch endpoint {
        case "Currencies": return "Code"
        case "TaxRates": return "TaxType"
        default:
            let singular = endpoint.hasSuffix("ies") ? String(endpoint.dropLast(3)) + "y" : String(endpoint.dropLast())
            return singular + "ID"
        }
    }
}

/// Calls to Xero and 429s, per tenant, for the whole process (`xeroflow schedule`'s metrics).
public final class XeroCallStats: @unchecked Sendable {
    public static let shared = XeroCallStats()
    private let lock = NSLock()
    private var calls: [String: Int] = [:]
    private var throttled: [String: Int] = [:]

    func record(tenant: String, status: Int) {
        lock.lock()
        defer { lock.unlock() }
        calls[tenant, default: 0] += 1
        if status == 429 { throttled[tenant, default: 0] += 1 }
    }

    /// Tenant → (calls, 429s).
    public func snapshot() -> [String: (calls: Int, throttled: Int)] {
        lock.lock()
        defer { lock.unlock() }
        var out: [String: (calls: Int, throttled: Int)] = [:]
        for (t, c) in calls { out[t] = (c, throttled[t] ?? 0) }
        return out
    }
}
