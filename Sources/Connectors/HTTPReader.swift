import Engine
import Foundation
import JSONModel

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP JSON API: GET the URL with the source's headers and params, take the records at
/// `records`, and follow the pages, whichever way the API says there is a next one:
/// a `Link: <…>; rel="next"` header; `next`, `next_url` or `links.next` holding a URL;
/// `meta.next_page` or `next_page` holding a page number; `pagination: {page, pageCount}`
/// (Xero's shape); `next_cursor` or `meta.next_cursor` (sent back as `cursor`). A 429 waits for
/// `Retry-After`; server errors and dropped connections are retried with backoff.
public struct HTTPReader: SourceReader {
    public let url: String
    public let headers: [String: String]
    public let params: [String: String]
    public let recordsPath: String?
    public let cursorField: String?
    public var maxPages = 10_000
    public var maxAttempts = 5

    public init(url: String, headers: [String: String], params: [String: String], recordsPath: String?, cursorField: String?) {
        self.url = url
        self.headers = headers
        self.params = params
        self.recordsPath = recordsPath
        self.cursorField = cursorField
    }

    public func read(after cursor: String?) throws -> [JSONValue] {
        var out: [JSONValue] = []
        var next: URL? = try firstURL()
        var pages = 0
        while let current = next, pages < maxPages {
            pages += 1
            let (doc, responseHeaders) = try fetch(current)
            var node: JSONValue? = doc
            for part in (recordsPath ?? "").split(separator: ".") { node = node?[String(part)] }
            guard case .array(let items)? = node else {
                throw ConnectorError("\(Self.redacted(current)): no array of records at '\(recordsPath ?? "(the top)")'")
            }
            out += items
            next = nextURL(after: current, doc: doc, headers: responseHeaders, count: items.count)
        }
        guard let field = cursorField, let cursor else { return out }
        return out.filter { r in r[field].map { CursorOrder.isAfter(CursorOrder.text($0), cursor) } ?? true }
    }

    func firstURL() throws -> URL {
        guard var c = URLComponents(string: url), c.scheme == "http" || c.scheme == "https" else {
            throw ConnectorError("'\(url)' is not an http(s) URL")
        }
        var items = c.queryItems ?? []
        for (k, v) in params.sorted(by: { $0.key < $1.key }) { items.append(URLQueryItem(name: k, value: v)) }
        if !items.isEmpty { c.queryItems = items }
        return c.url!
    }

    func nextURL(after current: URL, doc: JSONValue, headers: [String: String], count: Int) -> URL? {
        if let link = headers["link"] {
            for part in link.split(separator: ",") where part.contains("rel=\"next\"") {
                if let start = part.firstIndex(of: "<"), let end = part.firstIndex(of: ">") {
                    return URL(string: String(part[part.index(after: start)..<end]), relativeTo: current)?.absoluteURL
                }
            }
        }
        for path in [["next"], ["next_url"], ["links", "next"]] {
            if let s = value(doc, path)?.stringValue, let u = URL(string: s, relativeTo: current) { return u.absoluteURL }
        }
        for path in [["meta", "next_page"], ["next_page"]] {
            if let n = value(doc, path)?.numberValue?.intValue { return with(current, "page", String(n)) }
        }
        if let p = value(doc, ["pagination", "page"])?.numberValue?.intValue, let total = value(doc, ["pagination", "pageCount"])?.numberValue?.intValue {
            return p < total ? with(current, "page", String(p + 1)) : nil
        }
        for path in [["next_cursor"], ["meta", "next_cursor"]] {
            if let s = value(doc, path)?.stringValue, !s.isEmpty { return with(current, "cursor", s) }
        }
        return nil
    }

    func value(_ doc: JSONValue, _ path: [String]) -> JSONValue? {
        var v: JSONValue? = doc
        for p in path { v = v?[p] }
        if v == .null { return nil }
        return v
    }

    func with(_ url: URL, _ name: String, _ value: String) -> URL? {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return nil }
        var items = (c.queryItems ?? []).filter { $0.name != name }
        items.append(URLQueryItem(name: name, value: value))
        c.queryItems = items
        return c.url
    }

    /// The URL without its query (which may hold tokens), for messages.
    static func redacted(_ url: URL) -> String {
        var c = URLComponents(url: url, resolvingAgainstBaseURL: true)
        c?.query = nil
        return c?.string ?? "the URL"
    }

    func fetch(_ url: URL) throws -> (JSONValue, [String: String]) {
        var attempt = 0
        while true {
            attempt += 1
            var request = URLRequest(url: url, timeoutInterval: 60)
            request.setValue("application/json", forHTTPHeaderField: "Accept")
            for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
            let result = Self.send(request)
            switch result {
            case .failure(let error):
                guard attempt < maxAttempts else {
                    throw ConnectorError("\(Self.redacted(url)): no answer after \(attempt) attempts (\(error.localizedDescription))")
                }
                Thread.sleep(forTimeInterval: min(0.5 * pow(2, Double(attempt - 1)), 10))
            case .success(let (status, responseHeaders, data)):
                if status == 429 || status >= 500 {
                    guard attempt < maxAttempts else { throw ConnectorError("\(Self.redacted(url)) answered \(status) \(attempt) times") }
                    let wait = responseHeaders["retry-after"].flatMap(Double.init) ?? min(0.5 * pow(2, Double(attempt - 1)), 10)
                    Thread.sleep(forTimeInterval: min(wait, 300))
                    continue
                }
                guard (200..<300).contains(status) else { throw ConnectorError("\(Self.redacted(url)) answered \(status)") }
                do {
                    return (try JSONParser.parse(bytes: Array(data)), responseHeaders)
                } catch {
                    throw ConnectorError("\(Self.redacted(url)) did not answer JSON: \(error)")
                }
            }
        }
    }

    static func send(_ request: URLRequest) -> Result<(Int, [String: String], Data), any Error> {
        final class Box: @unchecked Sendable { var result: Result<(Int, [String: String], Data), any Error>? }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                box.result = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                var hs: [String: String] = [:]
                for (k, v) in http.allHeaderFields { hs["\(k)".lowercased()] = "\(v)" }
                box.result = .success((http.statusCode, hs, data ?? Data()))
            } else {
                box.result = .failure(URLError(.badServerResponse))
            }
            done.signal()
        }.resume()
        done.wait()
        return box.result!
    }
}
