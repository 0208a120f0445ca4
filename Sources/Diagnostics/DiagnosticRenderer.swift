import Foundation
import JSONModel

/// Turns diagnostics into text for people, JSON for tools, or GitHub workflow annotations.
///
/// Rendering is kept apart from the values, as swift-argument-parser keeps `ParserError` apart
/// from its usage generator: checks produce ``Diagnostic``s, the CLI picks a renderer.
public struct DiagnosticRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, json, github
    }

    /// The text of each file by its display path, for quoting source lines under a diagnostic.
    public var sources: [String: String]

    public init(sources: [String: String] = [:]) {
        self.sources = sources
    }

    public func render(_ diagnostics: [Diagnostic], format: Format, fileCount: Int) -> String {
        switch format {
        case .text: return text(diagnostics, fileCount: fileCount)
        case .json: return json(diagnostics, fileCount: fileCount)
        case .github: return github(diagnostics)
        }
    }

    // MARK: Text

    /// Compiler style:
    /// ```
    /// pipelines/clinic.yaml:14:5: error: 'EmailAdress' is not a field of Xero Contact (unknown_xero_field)
    ///    14 |     EmailAdress: email
    ///       |     ^~~~~~~~~~~
    ///    hint: did you mean 'EmailAddress'?
    /// 1 error, 0 warnings in 1 file
    /// ```
    public func text(_ diagnostics: [Diagnostic], fileCount: Int) -> String {
        var out = ""
        var lineCache: [String: [Substring]] = [:]
        for d in diagnostics {
            out += headline(d) + "\n"
            if let loc = d.location {
                if lineCache[loc.file] == nil, let text = sources[loc.file] {
                    lineCache[loc.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
                }
                if let lines = lineCache[loc.file], loc.line >= 1, loc.line <= lines.count {
                    out += Self.excerpt(line: String(lines[loc.line - 1]), number: loc.line, column: loc.column, length: loc.length)
                }
            }
            if let hint = d.hint { out += "   hint: \(hint)\n" }
            for r in d.related {
                out += "   note: \(r.message) at \(r.location)\n"
            }
        }
        out += Self.summary(diagnostics, fileCount: fileCount) + "\n"
        return out
    }

    func headline(_ d: Diagnostic) -> String {
        let place = d.location.map { "\($0): " } ?? ""
        return "\(place)\(d.severity.rawValue): \(d.message) (\(d.id))"
    }

    /// The quoted source line with a gutter and a caret underline.
    static func excerpt(line rawLine: String, number: Int, column: Int, length: Int) -> String {
        var line = rawLine
        if line.hasSuffix("\r") { line.removeLast() }
        // Tabs would misalign the caret: show them as single spaces.
        line = line.replacingOccurrences(of: "\t", with: " ")
        // Very long lines (minified JSON) are clipped around the column.
        var col = column
        let chars = Array(line)
        if chars.count > 200 {
            let start = max(0, min(column - 60, chars.count - 120))
            let end = min(chars.count, start + 160)
            line = (start > 0 ? "…" : "") + String(chars[start..<end]) + (end < chars.count ? "…" : "")
            col = column - start + (start > 0 ? 1 : 0)
        }
        let gutter = String(number)
        let pad = String(repeating: " ", count: gutter.count)
        let visible = line.count
        let caretStart = max(1, min(col, visible + 1))
        let underline = max(1, min(length, max(1, visible - caretStart + 1)))
        var out = "   \(gutter) | \(line)\n"
        out += "   \(pad) | " + String(repeating: " ", count: caretStart - 1) + "^"
            + String(repeating: "~", count: underline - 1) + "\n"
        return out
    }

    /// `2 errors, 1 warning in 3 files`.
    public static func summary(_ diagnostics: [Diagnostic], fileCount: Int) -> String {
        let e = diagnostics.errorCount, w = diagnostics.warningCount
        return "\(e) \(e == 1 ? "error" : "errors"), \(w) \(w == 1 ? "warning" : "warnings") in \(fileCount) \(fileCount == 1 ? "file" : "files")"
    }

    // MARK: JSON

    /// One JSON object: `{"diagnostics":[…],"summary":{"errors":N,"warnings":N,"files":N}}`.
    public func json(_ diagnostics: [Diagnostic], fileCount: Int) -> String {
        var out = "{\"diagnostics\":["
        for (i, d) in diagnostics.enumerated() {
            if i > 0 { out += "," }
            out += "{\"id\":\(Self.quote(d.id)),\"severity\":\(Self.quote(d.severity.rawValue)),\"message\":\(Self.quote(d.message))"
            if let l = d.location {
                out += ",\"file\":\(Self.quote(l.file)),\"line\":\(l.line),\"column\":\(l.column),\"endColumn\":\(l.column + l.length)"
            }
            if let h = d.hint { out += ",\"hint\":\(Self.quote(h))" }
            if !d.related.isEmpty {
                out += ",\"related\":["
                out += d.related.map {
                    "{\"message\":\(Self.quote($0.message)),\"file\":\(Self.quote($0.location.file)),\"line\":\($0.location.line),\"column\":\($0.location.column)}"
                }.joined(separator: ",")
                out += "]"
            }
            out += "}"
        }
        out += "],\"summary\":{\"errors\":\(diagnostics.errorCount),\"warnings\":\(diagnostics.warningCount),\"files\":\(fileCount)}}\n"
        return out
    }

    static func quote(_ s: String) -> String { JSONWriter.quoted(s) }

    // MARK: GitHub

    /// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=ID::message`.
    public func github(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for d in diagnostics {
            let command: String
            switch d.severity {
            case .error: command = "error"
            case .warning: command = "warning"
            case .note: command = "notice"
            }
            var props: [String] = []
            if let l = d.location {
                props.append("file=\(Self.escapeProperty(l.file))")
                props.append("line=\(l.line)")
                props.append("col=\(l.column)")
                props.append("endColumn=\(l.column + l.length)")
            }
            props.append("title=\(Self.escapeProperty(d.id))")
            var message = d.message
            if let h = d.hint { message += "\nhint: \(h)" }
            out += "::\(command) \(props.joined(separator: ","))::\(Self.escapeData(message))\n"
        }
        return out
    }

    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
