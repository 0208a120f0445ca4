import Engine
import Foundation
import JSONModel

/// CSV as RFC 4180 writes it: a header row naming the fields, quoted fields with doubled quotes
/// and embedded newlines, any one-character delimiter, UTF-8 with or without a byte-order mark.
/// Values stay text, exactly as written (`"0154"` keeps its zero, `12.50` its cents).
public struct CSVReader: StreamingSourceReader {
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

    public func stream(after cursor: String?, chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) throws {
        var parser = CSVParser(delimiter: delimiter)
        var header: [String]?
        // (the names and their index shared by every row, when the names are distinct)
        var layout: JSONObject.Layout?
        var chunk: [JSONValue] = []
        chunk.reserveCapacity(chunkSize)
        var progress = ReadProgress(done: 0, total: nil)
        let path = self.path, cursorField = self.cursorField
        func record(_ row: [JSONValue], line: Int) throws {
            guard let names = header else {
                let row = row.map { $0.stringValue ?? "" }
                header = row
                if Set(row).count == row.count { layout = JSONObject.Layout(uniqueKeys: row) }
                return
            }
            if row.count == 1 && row[0] == .string("") { return }  // blank line
            guard row.count == names.count else {
                throw ConnectorError("\(path): row \(line) has \(row.count) fields, the header has \(names.count)")
            }
            let o: JSONObject
            if let layout {
                o = JSONObject(layout: layout, values: row)
            } else {
                var d = JSONObject()
                for (k, v) in zip(names, row) { d[k] = v }
                o = d
            }
            if let field = cursorField, let cursor, let v = o[field]?.stringValue, !CursorOrder.isAfter(v, cursor) { return }
            chunk.append(.object(o))
            if chunk.count >= chunkSize {
                try body(chunk, progress)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try BlockFile.read(path, what: "the CSV file") { block, done, total in
            progress = ReadProgress(done: done, total: total)
            try parser.feed(block, path: path, emit: record)
        }
        try parser.finish(path: path, emit: record)
        if !chunk.isEmpty { try body(chunk, progress) }
    }
}

/// RFC 4180 CSV, fed in blocks of any size: a row is emitted once its line ends, with the
/// line it started on. Quotes open only at a field's start; `""` inside quotes is one quote; a
/// carriage return outside quotes is dropped; a UTF-8 byte-order mark at the start is skipped.
/// A row's fields come as JSON strings, the values of the record it becomes.
struct CSVParser {
    let delimiter: UInt8
    private var field: [UInt8] = []
    private var row: [JSONValue] = []
    private var quoted = false
    /// Inside quotes, a quote was just seen: a second one is a literal quote, anything else closes.
    private var quoteSeen = false
    private var line = 1
    private var rowLine = 1
    private var started = false
    private var bom = 0
    /// The current field is in `row` already (read whole from one block; see `feed`).
    private var taken = false

    init(delimiter: UInt8) {
        self.delimiter = delimiter
        field.reserveCapacity(64)
    }

    private mutating func endField(_ path: String) throws {
        if taken {
            // the field went into the row straight from the block
            taken = false
            return
        }
        try field.withUnsafeBufferPointer { try appendText($0, path) }
        field.removeAll(keepingCapacity: true)
    }

    private mutating func appendText(_ bytes: UnsafeBufferPointer<UInt8>, _ path: String) throws {
        // ASCII (the usual field) needs no validation; anything else must be UTF-8.
        if bytes.allSatisfy({ $0 < 0x80 }) {
            row.append(.string(String(decoding: bytes, as: UTF8.self)))
        } else {
            // Decoded as UTF-8 (what is not UTF-8 becomes U+FFFD) and compared with the bytes: a
            // field that is UTF-8 decodes to its own bytes. (`String(validating:)` takes its
            // generic path here, a few times slower on every accented name of a file.)
            var s = String(decoding: bytes, as: UTF8.self)
            let same = s.withUTF8 { $0.count == bytes.count && memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
            guard same else {
                throw ConnectorError("\(path): line \(line) is not UTF-8 text")
            }
            row.append(.string(s))
        }
    }

    mutating func feed(_ b: UnsafeBufferPointer<UInt8>, path: String, emit: ([JSONValue], Int) throws -> Void) throws {
        var i = 0
        if !started {
            // A byte-order mark may be split across blocks: skip its bytes as they come.
            let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
            while bom < 3 && i < b.count && b[i] == mark[bom] { bom += 1; i += 1 }
            if bom < 3 && i == b.count && bom > 0 { return }
            if bom > 0 && bom < 3 { field.append(contentsOf: mark[0..<bom]) }  // not a mark after all
            started = true
        }
        let delimiter = self.delimiter
        while i < b.count {
            let c = b[i]
            i += 1
            if quoted {
                if quoteSeen {
                    quoteSeen = false
                    if c == 34 { field.append(34); continue }
                    quoted = false
                    // fall through: `c` is read as outside quotes
                } else if c == 34 {
                    quoteSeen = true
                    continue
                } else {
                    if c == 10 { line += 1 }
                    field.append(c)
                    // the rest of a run of bytes with no quote or line feed, at once
                    var j = i
                    while j < b.count && b[j] != 34 && b[j] != 10 { j += 1 }
                    if j > i { field.append(contentsOf: UnsafeBufferPointer(rebasing: b[i..<j])) }
                    i = j
                    continue
                }
            }
            switch c {
            case 34 where field.isEmpty:
                quoted = true
            case delimiter:
                try endField(path)
            case 13:
                break
            case 10:
                try endField(path)
                // emitted as it stands: the record made of it keeps its storage (no copy of the
                // values), and emptying it here starts the next row's with the same capacity
                try emit(row, rowLine)
                row.removeAll(keepingCapacity: true)
                line += 1
                rowLine = line
            default:
                // the rest of a run of ordinary bytes, at once
                var j = i
                while j < b.count {
                    let d = b[j]
                    if d == delimiter || d == 10 || d == 13 || d == 34 { break }
                    j += 1
                }
                if field.isEmpty && j < b.count && (b[j] == delimiter || b[j] == 10) {
                    // The whole field, in this block, ending at a delimiter or the line's end:
                    // its text straight from the block (the ending byte closes it as usual).
                    try appendText(UnsafeBufferPointer(rebasing: b[(i - 1)..<j]), path)
                    taken = true
                } else {
                    field.append(contentsOf: UnsafeBufferPointer(rebasing: b[(i - 1)..<j]))
                }
                i = j
            }
        }
    }

    mutating func finish(path: String, emit: ([JSONValue], Int) throws -> Void) throws {
        if quoted && !quoteSeen { throw ConnectorError("\(path): a quoted field opened before line \(line) is never closed") }
        if !field.isEmpty || !row.isEmpty {
            try endField(path)
            try emit(row, rowLine)
            row = []
        }
    }
}

/// Reads a file in blocks of 1 MiB, with how far the read has come.
enum BlockFile {
    static func read(_ path: String, what: String, _ body: (UnsafeBufferPointer<UInt8>, Int64, Int64?) throws -> Void) throws {
        guard let file = fopen(path, "rb") else { throw ConnectorError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var info = stat()
        let total: Int64? = fstat(fileno(file), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var done: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if n == 0 {
                if ferror(file) != 0 { throw ConnectorError("cannot read \(what) \(path): \(String(cString: strerror(errno)))") }
                return
            }
            done += Int64(n)
            try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[0..<n]), done, total) }
        }
    }

    /// Each line of a file (without its newline; the last even without one), numbered from 1,
    /// with how far the reading has come.
    static func lines(_ path: String, what: String, _ body: (UnsafeBufferPointer<UInt8>, Int, ReadProgress) throws -> Void) throws {
        var pending: [UInt8] = []
        var number = 0
        var progress = ReadProgress(done: 0, total: nil)
        try read(path, what: what) { block, done, total in
            progress = ReadProgress(done: done, total: total)
            var start = 0
            for i in 0..<block.count where block[i] == 10 {
                number += 1
                if pending.isEmpty {
                    try body(UnsafeBufferPointer(rebasing: block[start..<i]), number, progress)
                } else {
                    pending.append(contentsOf: block[start..<i])
                    try pending.withUnsafeBufferPointer { try body($0, number, progress) }
                    pending.removeAll(keepingCapacity: true)
                }
                start = i + 1
            }
            pending.append(contentsOf: block[start...])
        }
        if !pending.isEmpty {
            number += 1
            try pending.withUnsafeBufferPointer { try body($0, number, progress) }
        }
    }
}

/// JSON Lines (one object per line) or a JSON document (an array, or the array at `records`).
/// Numbers keep their exact decimal value.
public struct JSONRecordsReader: StreamingSourceReader {
    public enum Format: Sendable { case lines, document(recordsPath: String?) }
    public let path: String
    public let format: Format
    public let cursorField: String?

    public init(path: String, format: Format, cursorField: String?) {
        self.path = path
        self.format = format
        self.cursorField = cursorField
    }

    public func stream(after cursor: String?, chunkSize: Int, _ body: ([JSONValue], ReadProgress) throws -> Void) throws {
        guard case .lines = format else {
            try Self.handOver(try read(after: cursor), chunkSize: chunkSize, body)
            return
        }
        var chunk: [JSONValue] = []
        var progress = ReadProgress(done: 0, total: nil)
        let path = self.path, cursorField = self.cursorField
        try BlockFile.lines(path, what: "the JSON Lines file") { bytes, lineNumber, read in
            progress = read
            guard bytes.contains(where: { $0 != 32 && $0 != 9 && $0 != 13 }) else { return }
            let record: JSONValue
            do { record = try JSONParser.parse(bytes: Array(bytes)) } catch { throw ConnectorError("\(path):\(lineNumber): not JSON: \(error)") }
            if let field = cursorField, let cursor, let v = record[field], !CursorOrder.isAfter(CursorOrder.text(v), cursor) { return }
            chunk.append(record)
            if chunk.count >= chunkSize {
                try body(chunk, progress)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try body(chunk, progress) }
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        guard case .document(let recordsPath) = format else { return try gathered(after: cursor) }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConnectorError("cannot read \(path)") }
        let doc: JSONValue
        do { doc = try JSONParser.parse(bytes: Array(data)) } catch { throw ConnectorError("\(path): not JSON: \(error)") }
        var node: JSONValue? = doc
        for part in (recordsPath ?? "").split(separator: ".") { node = node?[String(part)] }
        guard case .array(let records)? = node else {
            throw ConnectorError("\(path): no array of records at '\(recordsPath ?? "(the top)")'")
        }
        guard let field = cursorField, let cursor else { return records }
        return records.filter { r in
            guard let v = r[field] else { return true }
            return CursorOrder.isAfter(CursorOrder.text(v), cursor)
        }
    }
}
