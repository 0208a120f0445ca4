import Diagnostics
import JSONModel

/// Reads the bytes of a pipeline (or any YAML/JSON document) into a ``LocatedDocument``,
/// turning every kind of bad input into one clear diagnostic: too large, binary, not UTF-8,
/// empty, a YAML syntax error, duplicate keys, too deep, an alias bomb.
///
/// Pure: it takes bytes and a display path; the caller reads the file.
public struct DocumentReader: Sendable {
    /// Largest file accepted, in bytes.
    public var maxBytes: Int
    public var limits: YAMLLimits

    public static let pipelineMaxBytes = 4 * 1024 * 1024

    public init(maxBytes: Int = DocumentReader.pipelineMaxBytes, limits: YAMLLimits = YAMLLimits()) {
        self.maxBytes = maxBytes
        self.limits = limits
    }

    public enum Outcome: Sendable {
        case document(LocatedDocument, text: String)
        case empty(text: String)
        case failure(Diagnostic, text: String?)
    }

    public func read(bytes: [UInt8], file: String) -> Outcome {
        if bytes.count > maxBytes {
            return .failure(.error(
                "file_too_large",
                "file is \(Self.size(bytes.count)); the limit is \(Self.size(maxBytes))",
                at: SourceLocation(file: file, line: 1, column: 1),
                hint: "pipeline files describe data, they do not hold it: read large data from a source"), text: nil)
        }
        if let nul = bytes.firstIndex(of: 0) {
            let (line, column) = Self.lineColumn(bytes, upTo: nul)
            return .failure(.error(
                "binary_file", "file looks binary (it contains a NUL byte); expected YAML text",
                at: SourceLocation(file: file, line: line, column: column)), text: nil)
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            let bad = Self.firstInvalidUTF8(Array(body))
            let (line, column) = Self.lineColumn(Array(body), upTo: bad)
            return .failure(.error(
                "invalid_utf8", "file is not valid UTF-8 (byte 0x\(String(body[body.startIndex + bad], radix: 16, uppercase: true)) at offset \(bad))",
                at: SourceLocation(file: file, line: line, column: column),
                hint: "save the file as UTF-8"), text: nil)
        }
        return read(text: text, file: file)
    }

    public func read(text: String, file: String) -> Outcome {
        do {
            guard let root = try YAMLComposer(limits: limits).compose(text, file: file) else {
                return .empty(text: text)
            }
            if case .scalar(let s, .plain, nil) = root.kind, s.isEmpty { return .empty(text: text) }
            let doc = try YAMLJSONResolver.resolve(root, file: file)
            return .document(doc, text: text)
        } catch {
            return .failure(error.diagnostic, text: text)
        }
    }

    static func size(_ n: Int) -> String {
        if n >= 1024 * 1024 {
            let tenths = (n * 10) / (1024 * 1024)
            return "\(tenths / 10).\(tenths % 10) MiB"
        }
        if n >= 1024 { return "\(n / 1024) KiB" }
        return "\(n) bytes"
    }

    static func lineColumn(_ bytes: [UInt8], upTo end: Int) -> (Int, Int) {
        var line = 1, column = 1
        var i = 0
        while i < end && i < bytes.count {
            if bytes[i] == 0x0A {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }

    /// Offset of the first byte that breaks UTF-8.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let n: Int
            if b < 0x80 { n = 1 } else if b & 0xE0 == 0xC0 { n = 2 } else if b & 0xF0 == 0xE0 { n = 3 } else if b & 0xF8 == 0xF0 { n = 4 } else { return i }
            if i + n > bytes.count { return i }
            if String(validating: bytes[i..<(i + n)], as: UTF8.self) == nil { return i }
            i += n
        }
        return max(0, bytes.count - 1)
    }
}
