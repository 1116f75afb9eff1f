import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The server's own latency histogram of one method (`tally_rpc_request_duration_seconds` on
/// `/metrics`), so a figure can say what the server spent, without the client and loopback.
struct ServerHistogram {
    /// Cumulative counts by bucket upper bound (seconds), and the total count.
    var buckets: [(le: Double, count: Double)]
    var count: Double

    static func scrape(httpPort: Int, method: String) async throws -> ServerHistogram {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(httpPort)/metrics")!)
        var buckets: [(Double, Double)] = []
        var count = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.contains("method=\"\(method)\"") {
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            if line.hasPrefix("tally_rpc_request_duration_seconds_bucket"), let range = line.range(of: "le=\"") {
                let bound = line[range.upperBound...].prefix { $0 != "\"" }
                buckets.append((bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, value))
            } else if line.hasPrefix("tally_rpc_request_duration_seconds_count") {
                count = value
            }
        }
        return ServerHistogram(buckets: buckets.sorted { $0.0 < $1.0 }, count: count)
    }

    /// The calls between two scrapes.
    func since(_ earlier: ServerHistogram) -> ServerHistogram {
        let previous = Dictionary(earlier.buckets.map { ($0.le, $0.count) }, uniquingKeysWith: { $1 })
        return ServerHistogram(buckets: buckets.map { ($0.le, $0.count - (previous[$0.le] ?? 0)) }, count: count - earlier.count)
    }

    /// The smallest bucket bound under which at least `fraction` of the calls finished.
    func bound(_ fraction: Double) -> Double {
        buckets.first { $0.count >= fraction * count }?.le ?? .infinity
    }

    /// The share of calls that finished within `seconds` (a bucket bound).
    func share(within seconds: Double) -> Double {
        guard count > 0 else { return 0 }
        return (buckets.first { abs($0.le - seconds) < 1e-12 }?.count ?? 0) / count
    }
}
