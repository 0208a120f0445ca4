import Engine
import Spec
import Foundation
import JSONModel

/// A file target: JSON Lines (`.jsonl`, `.ndjson`), CSV (`.csv`) or a JSON array (`.json`).
/// Records are kept by key: a record whose key is already in the file replaces it in place,
/// others are appended. The new file is written beside the old one and renamed over it, so a
/// crash leaves either the old file or the new one, never half of one, and writing the same
/// records again changes nothing.
public struct FileWriter: TargetWriter {
    public enum Format: Sendable { case jsonLines, csv, jsonArray }
    public let path: String
    public let format: Format

    public init(path: String) {
        self.path = path
        let ext = (path as NSString).pathExtension.lowercased()
        format = ext == "csv" ? .csv : (ext == "json" ? .jsonArray : .jsonLines)
    }

    public func write(_ records: [(key: String, record: JSONValue)], keyOf: (JSONValue) -> String) throws -> TargetReport {
        var keys: [String] = []
        var byKey: [String: JSONValue] = [:]
        for r in try existing() {
            let k = keyOf(r)
            if byKey.updateValue(r, forKey: k) == nil { keys.append(k) }
        }
        var report = TargetReport()
        for (key, record) in records {
            if let old = byKey[key] {
                if old == record { report.unchanged += 1; continue }
                report.updated += 1
            } else {
                keys.append(key)
                report.created += 1
            }
            byKey[key] = record
        }
        if report.created + report.updated == 0 && FileManager.default.fileExists(atPath: path) { return report }
        let ordered = keys.map { byKey[$0]! }
        let text: String
        switch format {
        case .jsonLines: text = ordered.map { JSONWriter.write($0) + "\n" }.joined()
        case .jsonArray: text = JSONWriter.write(.array(ordered), options: [.pretty]) + "\n"
        case .csv: text = Self.csv(ordered)
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        let handle = try FileHandle(forWritingTo: { _ = FileManager.default.createFile(atPath: temp.path, contents: nil); return temp }())
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
        try handle.close()
        if rename(temp.path, url.path) != 0 {
            throw ConnectorError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        return report
    }

    private func existing() throws -> [JSONValue] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        switch format {
        case .jsonLines: return try JSONRecordsReader(path: path, format: .lines, cursorField: nil).read(after: nil)
        case .jsonArray: return try JSONRecordsReader(path: path, format: .document(recordsPath: nil), cursorField: nil).read(after: nil)
        case .csv:
            // Values written as JSON (objects, arrays, numbers) are read back as text; keys of
            // CSV records are computed from text fields, as written.
            return try CSVReader(path: path, delimiter: ",", cursorField: nil).read(after: nil)
        }
    }

    static func csv(_ records: [JSONValue]) -> String {
        var header: [String] = []
        var seen = Set<String>()
        for r in records { for k in r.objectValue?.keys ?? [] where seen.insert(k).inserted { header.append(k) } }
        func cell(_ v: JSONValue?) -> String {
            let text: String
            switch v {
            case nil, .null?: text = ""
            case .string(let s)?: text = s
            case .number(let n)?: text = n.jsonText
            case .bool(let b)?: text = b ? "true" : "false"
            case let other?: text = JSONWriter.write(other)
            }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var out = header.map { cell(.string($0)) }.joined(separator: ",") + "\n"
        for r in records { out += header.map { cell(r[$0]) }.joined(separator: ",") + "\n" }
        return out
    }
}

/// The file and database connectors `xeroflow run` uses.
public struct StandardConnectors: ConnectorFactory {
    /// The organisation the pipeline's Xero sources and targets talk to (nil: the pipeline has
    /// none, or no connection could be made; Xero parts then fail with `xeroUnavailable`).
    public let xero: XeroSession?
    public let xeroSettings: XeroSettingsSpec?
    /// Why there is no session, for the message of a Xero part.
    public let xeroUnavailable: String?

    /// What this pipeline's Xero targets wrote to an endpoint: Xero id → `UpdatedDateUTC` as the
    /// write left it. A Xero source skips those records (a two-way sync does not echo).
    public let ownWrites: @Sendable (_ endpoint: String) -> [String: String]

    public init(xero: XeroSession? = nil, settings: XeroSettingsSpec? = nil, unavailable: String? = nil,
                ownWrites: @escaping @Sendable (_ endpoint: String) -> [String: String] = { _ in [:] }) {
        self.xero = xero
        self.xeroSettings = settings
        self.xeroUnavailable = unavailable
        self.ownWrites = ownWrites
    }

    public func reader(for source: SourceSpec, baseDirectory: URL) throws -> any SourceReader {
        guard let kind = source.kind, let location = source.location else { throw ConnectorError("source '\(source.name)' has no kind") }
        let path = location.hasPrefix("/") ? location : baseDirectory.appendingPathComponent(location).path
        switch kind {
        case .csv: return try CSVReader(path: path, delimiter: source.delimiter, cursorField: source.cursor)
        case .jsonl: return JSONRecordsReader(path: path, format: .lines, cursorField: source.cursor)
        case .json: return JSONRecordsReader(path: path, format: .document(recordsPath: source.records), cursorField: source.cursor)
        case .sqlite:
            guard let query = source.query else { throw ConnectorError("source '\(source.name)': an sqlite source needs a query") }
            return SQLiteReader(path: path, query: query, cursorField: source.cursor)
        case .http:
            var params: [String: String] = [:]
            for (k, v) in source.params { params[k] = v }
            return HTTPReader(url: location, headers: source.headers, params: params, recordsPath: source.records, cursorField: source.cursor)
        case .postgres:
            guard let query = source.query else { throw ConnectorError("source '\(source.name)': a postgres source needs a query") }
            return PostgresReader(url: location, query: query, cursorField: source.cursor)
        case .xero:
            guard let xero else { throw ConnectorError("source '\(source.name)': \(xeroUnavailable ?? "no Xero connection")") }
            return XeroSourceReader(source: source, session: xero, ownWrites: ownWrites)
        }
    }

    public func writer(for target: TargetSpec, baseDirectory: URL) throws -> any TargetWriter {
        guard let kind = target.kind, let location = target.location else { throw ConnectorError("target '\(target.name)' has no kind") }
        let path = baseDirectory.appendingPathComponent(location).path
        switch kind {
        case .file: return FileWriter(path: path)
        case .sqlite:
            guard let table = target.table else { throw ConnectorError("target '\(target.name)': an sqlite target needs a table") }
            return try SQLiteWriter(path: path, table: table)
        case .xero:
            guard let xero, let xeroSettings else { throw ConnectorError("target '\(target.name)': \(xeroUnavailable ?? "no Xero connection")") }
            return try XeroTargetWriter(target: target, settings: xeroSettings, session: xero)
        }
    }
}
