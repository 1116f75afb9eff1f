import Prometheus
import TallyRPC

/// The server's metrics, rendered in the Prometheus text format at `GET /metrics`.
///
/// One registry per server (not the process-global `MetricsSystem`), so that tests can run
/// several servers in one process.
public final class ServerMetrics: Sendable, DispatchObserver {
    public let registry = PrometheusCollectorRegistry()
    private let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    public init() {}

    public func callFinished(method: String, outcome: String, duration: Duration) {
        registry.makeCounter(name: "tally_rpc_requests_total", labels: [("method", method), ("outcome", outcome)],
                             help: "JSON-RPC calls by method and outcome (OK or the error status).").increment()
        registry.makeDurationHistogram(name: "tally_rpc_request_duration_seconds", labels: [("method", method)],
                                       buckets: latencyBuckets, help: "Time to answer a JSON-RPC call.").record(duration)
    }

    /// Open client connections by transport.
    public func connectionOpened(_ transport: Transport) { openConnections(transport).increment(by: 1) }
    public func connectionClosed(_ transport: Transport) { openConnections(transport).decrement(by: 1) }

    private func openConnections(_ transport: Transport) -> Gauge {
        registry.makeGauge(name: "tally_open_connections", labels: [("transport", transport.rawValue)], help: "Open client connections.")
    }

    /// Usage events stored, by result (accepted, duplicate, rejected).
    public func eventsIngested(_ result: String, count: Int) {
        registry.makeCounter(name: "tally_events_ingested_total", labels: [("result", result)], help: "Usage events received, by result.")
            .increment(by: Int64(count))
    }

    /// Rule calls that failed (timeout, memory, runtime), by agency.
    public func ruleError(agency: String, kind: String) {
        registry.makeCounter(name: "tally_rule_errors_total", labels: [("agency", agency), ("kind", kind)], help: "Lua rule calls that failed.")
            .increment()
    }

    /// Alert deliveries by channel and outcome.
    public func alertDelivery(channel: String, outcome: String) {
        registry.makeCounter(name: "tally_alert_deliveries_total", labels: [("channel", channel), ("outcome", outcome)], help: "Alert deliveries.")
            .increment()
    }

    /// TCP frames refused before parsing (oversized, timed out mid-line).
    public func frameRefused(_ reason: String) {
        registry.makeCounter(name: "tally_frames_refused_total", labels: [("reason", reason)], help: "TCP frames refused before parsing.")
            .increment()
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }
}
