import Foundation
import JSONModel
import Spec

/// Where records come from. `read(after:)` answers the records whose cursor field is past
/// `cursor` (all when nil), in the source's order.
public protocol SourceReader: Sendable {
    func read(after cursor: String?) throws -> [JSONValue]
}

/// What a target did with a batch of records.
public struct TargetReport: Sendable, Equatable {
    public var created = 0
    public var updated = 0
    public var unchanged = 0
    public init() {}
}

/// Where records go. Writes are upserts by key, so writing the same records again (a re-run
/// after a crash) never duplicates them. `commit` makes the writes durable and visible at once.
public protocol TargetWriter: Sendable {
    /// - Parameters:
    ///   - records: the records with their keys.
    ///   - keyOf: the key of a record already in the target (files re-key what they hold).
    func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport
}

/// Chooses the readers and writers for a pipeline's sources and targets (the CLI gives the
/// file and database connectors; tests may give others).
public protocol ConnectorFactory: Sendable {
    func reader(for source: SourceSpec, baseDirectory: URL) throws -> any SourceReader
    func writer(for target: TargetSpec, baseDirectory: URL) throws -> any TargetWriter
}

/// A connector could not do its work: a missing file, a bad query. Says which and why.
public struct ConnectorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How cursor values compare: as numbers when both are numbers, else as text (ISO timestamps
/// compare correctly as text).
public enum CursorOrder {
    public static func text(_ v: JSONValue) -> String {
        if case .number(let n) = v { return n.jsonText }
        return v.stringValue ?? JSONWriter.write(v)
    }

    public static func isAfter(_ value: String, _ cursor: String) -> Bool {
        if let a = Decimal(string: value), let b = Decimal(string: cursor), JSONNumber(literal: value) != nil, JSONNumber(literal: cursor) != nil {
            return a > b
        }
        return value > cursor
    }
}
