import Foundation
import JSONModel
import Logging

/// swift-log lines as JSON, one object a line on standard error, for log collectors:
/// `{"ts":"2026-11-23T23:00:00.012Z","level":"info","msg":"run finished","pipeline":"qonto",…}`.
/// Metadata values are written as text; nothing else (no tokens, no records) is ever logged.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    private static let lock = NSLock()
    nonisolated(unsafe) private static let stamp: ISO8601DateFormatter = {  // used under `lock`
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let (level, message, extra) = (event.level, event.message, event.metadata)
        var o = JSONObject()
        Self.lock.lock()
        let ts = Self.stamp.string(from: Date())
        Self.lock.unlock()
        o["ts"] = .string(ts)
        o["level"] = .string(level.rawValue)
        o["logger"] = .string(label)
        o["msg"] = .string(message.description)
        for (k, v) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            o[k] = .string("\(v)")
        }
        let text = JSONWriter.write(.object(o)) + "\n"
        Self.lock.lock()
        FileHandle.standardError.write(Data(text.utf8))
        Self.lock.unlock()
    }
}
