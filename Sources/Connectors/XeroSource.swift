import Engine
import Foundation
import JSONModel
import Spec
import XeroClient
import XeroModel

/// A pipeline source that lists one kind of Xero object: every page, filtered by the source's
/// `where`, and incremental when it has a `cursor` (`UpdatedDateUTC`): only records changed
/// since the cursor are asked for (`If-Modified-Since`). Xero's `/Date(…)/` values come as ISO
/// 8601 text, so cursors compare as text.
public struct XeroSourceReader: SourceReader {
    public let source: SourceSpec
    public let session: XeroSession
    /// Xero id → `UpdatedDateUTC` of the records this pipeline's targets wrote to the endpoint.
    let ownWrites: @Sendable (_ endpoint: String) -> [String: String]

    public init(source: SourceSpec, session: XeroSession, ownWrites: @escaping @Sendable (_ endpoint: String) -> [String: String] = { _ in [:] }) {
        self.source = source
        self.session = session
        self.ownWrites = ownWrites
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        guard let endpoint = source.location else { throw ConnectorError("source '\(source.name)' names no Xero endpoint") }
        var query = ListQuery(where: source.whereFilter)
        query.includeArchived = endpoint == "Contacts" && source.whereFilter == nil
        if let cursor, source.cursor != nil {
            guard let since = Self.instant(cursor) else {
                throw ConnectorError("source '\(source.name)': the cursor '\(cursor)' is not a date or an ISO 8601 instant")
            }
            query.modifiedSince = since.timeIntervalSince1970
        }
        let client = session.client
        let q = query
        let records = try blocking { try await client.list(endpoint, q) }
        // Records as this pipeline's own targets left them are not changes made in Xero: a
        // two-way sync (Clio's contacts) must not send them back where they came from.
        let own = ownWrites(endpoint)
        let idField = XeroCatalog.endpoint(named: endpoint)?.idField
        var out: [JSONValue] = []
        out.reserveCapacity(records.count)
        for r in records {
            if let idField, let id = r[idField]?.stringValue, let written = own[id], written == r["UpdatedDateUTC"]?.stringValue {
                continue
            }
            let record = XeroClient.decodingDates(.object(r))
            // If-Modified-Since is inclusive to the second; keyed writes make the repeat harmless,
            // but a record exactly at the cursor was already read.
            if let cursor, let field = source.cursor, let v = record[field].map(CursorOrder.text), !CursorOrder.isAfter(v, cursor) {
                continue
            }
            out.append(record)
        }
        return out
    }

    /// `2026-11-20` or `2026-11-20T10:15:00Z` (a fraction of a second allowed).
    static func instant(_ text: String) -> Date? {
        if let d = XeroDate.parse(text) { return d }
        let iso = ISO8601DateFormatter()
        if let d = iso.date(from: text) { return d }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = iso.date(from: text) { return d }
        iso.formatOptions = [.withFullDate]
        return iso.date(from: text)
    }
}
