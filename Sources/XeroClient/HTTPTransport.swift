import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// An HTTP exchange, as the client needs it.
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String, url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponseData: Sendable {
    public var status: Int
    /// Header values by lower-cased name.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// Sends requests. Errors thrown are transport failures (refused, reset, timed out): the request
/// may or may not have reached the server.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestSpec) async throws -> HTTPResponseData
}

/// The transport over Foundation's URLSession (libcurl on Linux).
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession

    /// - Parameter timeout: seconds before a request is abandoned (then retried by the client).
    public init(timeout: TimeInterval = 60) {
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = timeout
        config.httpMaximumConnectionsPerHost = 8
        config.httpCookieStorage = nil
        config.urlCache = nil
        session = URLSession(configuration: config, delegate: NoRedirects(), delegateQueue: nil)
    }

    final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    public func send(_ spec: HTTPRequestSpec) async throws -> HTTPResponseData {
        var request = URLRequest(url: spec.url)
        request.httpMethod = spec.method
        for (k, v) in spec.headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = spec.body
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw URLError(.badServerResponse)
        }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        return HTTPResponseData(status: http.statusCode, headers: headers, body: data)
    }
}
