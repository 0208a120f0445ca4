// Pushes N invoices through XeroClient into a running `xeroflow sandbox --time-scale X`, and
// reports the calls used and the wall time against the floor: ⌈N/50⌉ calls at 60 a minute.
//
// Usage: ClientBench SANDBOX_URL TIME_SCALE [N]
import Foundation
import JSONModel
import XeroClient

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let args = CommandLine.arguments
guard args.count >= 3, let base = URL(string: args[1]), let scale = Double(args[2]) else {
    FileHandle.standardError.write(Data("usage: ClientBench SANDBOX_URL TIME_SCALE [N]\n".utf8))
    exit(64)
}
let n = args.count > 3 ? Int(args[3]) ?? 10_000 : 10_000

/// A token source for a custom connection (client credentials), kept in memory.
actor MemoryVault: TokenVault {
    var tokens: TokenSet
    init(_ t: TokenSet) { tokens = t }
    func load() async throws -> TokenSet { tokens }
    func save(_ t: TokenSet) async throws { tokens = t }
    func withRefreshLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T { try await body() }
}

let clock = PacingClock(scale: scale)
let transport = URLSessionTransport(timeout: 120)
let oauth = OAuthClient(endpoints: .base(base), clientID: "sandbox", clientSecret: "sandbox", transport: transport, clock: clock)
let first = try await oauth.clientCredentials(scopes: nil)
let tokens = RefreshingTokenSource(connection: "bench", oauth: oauth, vault: MemoryVault(first), clientCredentials: true)
let pacer = TenantPacer(tenant: "bench", clock: clock)
let client = XeroClient(endpoints: .base(base), tenantID: nil, tokens: tokens, transport: transport, pacer: pacer)

var invoices: [JSONObject] = []
for i in 0..<n {
    let lines: [JSONValue] = (0..<(1 + i % 3)).map { j in
        ["Description": .string("Service \(j)"), "Quantity": .number(JSONNumber(literal: "\(1 + j)")!),
         "UnitAmount": .number(JSONNumber(literal: "\(20 + (i * 7 + j) % 180).\(String(format: "%02d", (i * 13 + j) % 100))")!), "AccountCode": "200"]
    }
    invoices.append(["Type": "ACCREC", "InvoiceNumber": .string("BENCH-\(i)"), "Contact": ["Name": .string("Customer \(i % 250)")],
                     "Date": "2026-11-02", "DueDate": "2026-12-02", "Status": "AUTHORISED", "LineItems": .array(lines)])
}

let startReal = Date()
let startServer = clock.now
let results = try await client.write("Invoices", method: .create, records: invoices)
let realSeconds = Date().timeIntervalSince(startReal)
let serverSeconds = clock.now - startServer
let accepted = results.filter { if case .accepted = $0.outcome { return true } else { return false } }.count
let calls = await pacer.calls
let throttled = await pacer.tooManyRequests
let floorCalls = (n + 49) / 50
let floorSeconds = Double(floorCalls) / 60 * 60

// What the sandbox holds and whether it ever answered 429.
let stats = try JSONParser.parse(bytes: Array(try await transport.send(HTTPRequestSpec(method: "GET", url: base.appendingPathComponent("_sandbox/stats"))).body))
let sandbox429 = (stats.objectValue ?? [:]).filter { $0.key.hasPrefix("429") }.reduce(0) { $0 + ($1.value.numberValue?.intValue ?? 0) }

print("""
    invoices: \(n), accepted: \(accepted)
    calls: \(calls) (floor \(floorCalls)), 429 received: \(throttled), 429 answered by the sandbox: \(sandbox429)
    wall time: \(String(format: "%.1f", serverSeconds)) s of server time (\(String(format: "%.2f", realSeconds)) s real at time scale \(scale))
    floor: \(floorCalls) calls at 60 a minute = \(String(format: "%.1f", floorSeconds)) s; ratio \(String(format: "%.3f", serverSeconds / floorSeconds))×
    """)
