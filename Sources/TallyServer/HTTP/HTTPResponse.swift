import NIOCore
import NIOHTTP1

/// A complete HTTP response the router produced.
struct HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: [UInt8]

    init(status: HTTPResponseStatus, contentType: String? = nil, body: [UInt8] = [], headers: HTTPHeaders = [:]) {
        self.status = status
        self.headers = headers
        self.body = body
        if let contentType { self.headers.replaceOrAdd(name: "content-type", value: contentType) }
    }

    static func json(_ status: HTTPResponseStatus, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: body)
    }

    static func problem(_ status: HTTPResponseStatus, _ message: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var response = HTTPResponse(status: status, contentType: "application/json",
                                    body: Array("{\"error\":\(jsonString(message))}".utf8), headers: headers)
        response.headers.replaceOrAdd(name: "cache-control", value: "no-store")
        return response
    }

    private static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }
}
