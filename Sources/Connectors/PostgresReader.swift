import Engine
import Foundation
import JSONModel
import Logging
import NIOSSL
import PostgresNIO

/// Rows of a PostgreSQL query (postgres-nio). A `:cursor` parameter in the query is sent as `$1`
/// with the stored cursor (NULL on a first run). Values come out exact: integers and `numeric` as
/// exact decimals, text as text, timestamps in ISO 8601 (UTC), dates as `YYYY-MM-DD`, `json` and
/// `jsonb` as JSON. The URL is `postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=disable|require]`;
/// without `sslmode`, loopback hosts connect in clear and others require TLS.
public struct PostgresReader: SourceReader {
    public let url: String
    public let query: String
    public let cursorField: String?

    public init(url: String, query: String, cursorField: String?) {
        self.url = url
        self.query = query
        self.cursorField = cursorField
    }

    /// The URL without its password, for messages.
    var safeURL: String {
        guard var c = URLComponents(string: url) else { return "the database" }
        c.password = nil
        return c.string ?? "the database"
    }

    func configuration() throws -> PostgresClient.Configuration {
        guard let c = URLComponents(string: url), c.scheme == "postgres" || c.scheme == "postgresql", let host = c.host, !host.isEmpty else {
            throw ConnectorError("'\(safeURL)' is not a postgres:// URL")
        }
        let database = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        let mode = c.queryItems?.first { $0.name == "sslmode" }?.value
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(host)
        let tls: PostgresClient.Configuration.TLS
        switch mode ?? (loopback ? "disable" : "require") {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        default: tls = .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: c.port ?? 5432, username: c.user?.removingPercentEncoding ?? "postgres",
                                            password: c.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: tls)
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        let configuration = try configuration()
        let sql: String
        var binds = PostgresBindings()
        if query.contains(":cursor") {
            sql = query.replacingOccurrences(of: ":cursor", with: "$1")
            binds.append(cursor)
        } else {
            sql = query
        }
        final class Box: @unchecked Sendable { var result: Result<[JSONValue], any Error> = .success([]) }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let safe = safeURL
        let q = PostgresQuery(unsafeSQL: sql, binds: binds)
        Task {
            var logger = Logger(label: "xeroflow.postgres")
            logger.logLevel = .critical
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                do {
                    let rows = try await client.query(q, logger: logger)
                    var out: [JSONValue] = []
                    for try await row in rows {
                        var o = JSONObject()
                        for cell in row { o[cell.columnName] = Self.json(cell) }
                        out.append(.object(o))
                    }
                    box.result = .success(out)
                } catch let e as PSQLError {
                    box.result = .failure(ConnectorError("\(safe): \(e.serverInfo?[.message] ?? String(describing: e.code))"))
                } catch {
                    box.result = .failure(ConnectorError("\(safe): \(error)"))
                }
                group.cancelAll()
            }
            done.signal()
        }
        done.wait()
        var records = try box.result.get()
        if !query.contains(":cursor"), let field = cursorField, let cursor {
            records = records.filter { r in r[field].map { CursorOrder.isAfter(CursorOrder.text($0), cursor) } ?? true }
        }
        return records
    }

    static func json(_ cell: PostgresCell) -> JSONValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return (try? cell.decode(Int.self)).map { .number(JSONNumber($0)) } ?? .null
        case .numeric:
            if let d = try? cell.decode(Decimal.self) { return .number(JSONNumber(d)) }
            return (try? cell.decode(String.self)).map { JSONNumber(literal: $0).map(JSONValue.number) ?? .string($0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map { .number(JSONNumber(literal: JSONNumber.shortest($0)) ?? JSONNumber($0)) } ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map(JSONValue.bool) ?? .null
        case .timestamp, .timestamptz:
            guard let d = try? cell.decode(Date.self) else { return .null }
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return .string(f.string(from: d))
        case .date:
            guard let d = try? cell.decode(Date.self) else { return .null }
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd"
            return .string(f.string(from: d))
        case .uuid:
            return (try? cell.decode(UUID.self)).map { .string($0.uuidString.lowercased()) } ?? .null
        case .json, .jsonb:
            guard var bytes = cell.bytes else { return .null }
            if cell.dataType == .jsonb, bytes.readableBytes > 0 { bytes.moveReaderIndex(forwardBy: 1) }
            return (try? JSONParser.parse(bytes: Array(bytes.readableBytesView))) ?? .null
        default:
            return (try? cell.decode(String.self)).map(JSONValue.string) ?? .null
        }
    }
}
