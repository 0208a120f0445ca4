import Engine
import Foundation
import JSONModel

/// CSV as RFC 4180 writes it: a header row naming the fields, quoted fields with doubled quotes
/// and embedded newlines, any one-character delimiter, UTF-8 with or without a byte-order mark.
/// Values stay text, exactly as written (`"0154"` keeps its zero, `12.50` its cents).
public struct CSVReader: SourceReader {
    public let path: String
    public let delimiter: UInt8
    public let cursorField: String?

    public init(path: String, delimiter: String?, cursorField: String?) throws {
        self.path = path
        guard let d = (delimiter ?? ",").utf8.first, (delimiter ?? ",").utf8.count == 1 else {
            throw ConnectorError("the CSV delimiter must be one character, got '\(delimiter ?? "")'")
        }
        self.delimiter = d
        self.cursorField = cursorField
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConnectorError("cannot read the CSV file \(path)") }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ConnectorError("\(path) is not UTF-8 text")
        }
        let rows = try Self.rows(bytes, delimiter: delimiter, path: path)
        guard let header = rows.first else { return [] }
        var out: [JSONValue] = []
        for (n, row) in rows.dropFirst().enumerated() {
            if row.count == 1 && row[0].isEmpty { continue }  // blank line
            guard row.count == header.count else {
                throw ConnectorError("\(path): row \(n + 2) has \(row.count) fields, the header has \(header.count)")
            }
            var o = JSONObject()
            for (k, v) in zip(header, row) { o[k] = .string(v) }
            if let field = cursorField, let cursor, let v = o[field]?.stringValue, !CursorOrder.isAfter(v, cursor) { continue }
            out.append(.object(o))
        }
        return out
    }

    static func rows(_ b: [UInt8], delimiter: UInt8, path: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var i = 0
        var quoted = false
        var line = 1
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == 34 {
                    if i + 1 < b.count && b[i + 1] == 34 { field.append(34); i += 2; continue }
                    quoted = false
                } else {
                    if c == 10 { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case 34 where field.isEmpty:
                quoted = true
            case delimiter:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
            case 13:
                break
            case 10:
                row.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                rows.append(row)
                row = []
                line += 1
            default:
                field.append(c)
            }
            i += 1
        }
        if quoted { throw ConnectorError("\(path): a quoted field opened before line \(line) is never closed") }
        if !field.isEmpty || !row.isEmpty {
            row.append(String(decoding: field, as: UTF8.self))
            rows.append(row)
        }
        return rows
    }
}

/// JSON Lines (one object per line) or a JSON document (an array, or the array at `records`).
/// Numbers keep their exact decimal value.
public struct JSONRecordsReader: SourceReader {
    public enum Format: Sendable { case lines, document(recordsPath: String?) }
    public let path: String
    public let format: Format
    public let cursorField: String?

    public init(path: String, format: Format, cursorField: String?) {
        self.path = path
        self.format = format
        self.cursorField = cursorField
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConnectorError("cannot read \(path)") }
        var records: [JSONValue] = []
        switch format {
        case .lines:
            var lineNumber = 0
            for line in data.split(separator: 10, omittingEmptySubsequences: false) {
                lineNumber += 1
                let trimmed = line.drop { $0 == 32 || $0 == 9 || $0 == 13 }
                if trimmed.isEmpty || trimmed.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
                do {
                    records.append(try JSONParser.parse(bytes: Array(line)))
                } catch {
                    throw ConnectorError("\(path):\(lineNumber): not JSON: \(error)")
                }
            }
        case .document(let recordsPath):
            let doc: JSONValue
            do { doc = try JSONParser.parse(bytes: Array(data)) } catch { throw ConnectorError("\(path): not JSON: \(error)") }
            var node: JSONValue? = doc
            for part in (recordsPath ?? "").split(separator: ".") { node = node?[String(part)] }
            guard case .array(let items)? = node else {
                throw ConnectorError("\(path): no array of records at '\(recordsPath ?? "(the top)")'")
            }
            records = items
        }
        guard let field = cursorField, let cursor else { return records }
        return records.filter { r in
            guard let v = r[field] else { return true }
            return CursorOrder.isAfter(CursorOrder.text(v), cursor)
        }
    }
}
