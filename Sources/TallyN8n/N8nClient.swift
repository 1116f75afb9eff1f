import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TallyCore

/// Reads executions from one n8n instance's public REST API (`GET /api/v1/executions`, with the
/// `X-N8N-API-KEY` header).
public struct N8nClient: Sendable {
    /// Why a page could not be read; the text names the instance, the URL and what to fix.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public var instance: String
    public var baseURL: String
    public var apiKey: String
    public var pageSize: Int
    public var timeout: Duration
    let http: HTTPClient

    public init(instance: String, baseURL: String, apiKey: String, pageSize: Int = 250, timeout: Duration = .seconds(30), http: HTTPClient = .shared) {
        self.instance = instance
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.pageSize = pageSize
        self.timeout = timeout
        self.http = http
    }

    /// The page after `cursor` (nil: the newest executions).
    public func page(cursor: String?) async throws -> N8nExecutionPage {
        var components = URLComponents(string: baseURL + "/api/v1/executions")
        var query = [URLQueryItem(name: "limit", value: String(pageSize)), URLQueryItem(name: "includeData", value: "false")]
        if let cursor { query.append(URLQueryItem(name: "cursor", value: cursor)) }
        components?.queryItems = query
        guard let url = components?.string else { throw Failure(description: "n8n instance '\(instance)': base URL '\(baseURL)' is not a URL") }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-N8N-API-KEY", value: apiKey)
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
        } catch {
            throw Failure(description: "n8n instance '\(instance)': GET \(url) failed: \(error)")
        }
        let body = try await response.body.collect(upTo: 64 << 20)
        let bytes = Array(body.readableBytesView)
        switch response.status.code {
        case 200: break
        case 401, 403:
            throw Failure(description: "n8n instance '\(instance)' refused the API key (HTTP \(response.status.code)); check the key's variable or file")
        default:
            throw Failure(description: "n8n instance '\(instance)': GET \(url) answered HTTP \(response.status.code): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
        do { return try N8nExecutionPage.parse(bytes, instance: instance) } catch {
            throw Failure(description: "n8n instance '\(instance)': \(error)")
        }
    }
}
