import NIOConcurrencyHelpers
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

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tally", metricName: metric, unitName: unit, helpText: help)
    }

    private static var requests: MetricNameDescriptor { name("rpc_requests", "total", "JSON-RPC calls by method and outcome (OK or the error status).") }
    private static var requestDuration: MetricNameDescriptor { name("rpc_request_duration", "seconds", "Time to answer a JSON-RPC call.") }
    private static var connections: MetricNameDescriptor { name("open", "connections", "Open client connections.") }
    private static var events: MetricNameDescriptor { name("events_ingested", "total", "Usage events received, by result.") }
    private static var ruleErrors: MetricNameDescriptor { name("rule_errors", "total", "Lua rule calls that failed.") }
    private static var deliveries: MetricNameDescriptor { name("alert_deliveries", "total", "Alert deliveries.") }
    private static var refusedFrames: MetricNameDescriptor { name("frames_refused", "total", "TCP frames refused before parsing.") }

    /// Handles per (method, outcome), so the hot path is one dictionary lookup, not a registry search.
    private let callMetrics = NIOLockedValueBox<[String: (Counter, DurationHistogram)]>([:])

    public init() {}

    public func callFinished(method: String, outcome: String, duration: Duration) {
        let key = method + "\u{0}" + outcome
        let handles = callMetrics.withLockedValue { cache in
            if let found = cache[key] { return found }
            let made = (
                registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("outcome", outcome)]),
                registry.makeDurationHistogram(descriptor: Self.requestDuration, labels: [("method", method)], buckets: latencyBuckets))
            cache[key] = made
            return made
        }
        handles.0.increment()
        handles.1.record(duration)
    }

    /// Open client connections by transport.
    public func connectionOpened(_ transport: Transport) { openConnections(transport).increment(by: 1) }
    public func connectionClosed(_ transport: Transport) { openConnections(transport).decrement(by: 1) }

    private func openConnections(_ transport: Transport) -> Gauge {
        registry.makeGauge(descriptor: Self.connections, labels: [("transport", transport.rawValue)])
    }

    /// Usage events received, by result (accepted, duplicate, rejected).
    public func eventsIngested(_ result: String, count: Int) {
        guard count > 0 else { return }
        registry.makeCounter(descriptor: Self.events, labels: [("result", result)]).increment(by: Int64(count))
    }

    /// Rule calls that failed (timeout, memory, runtime), by agency.
    public func ruleError(agency: String, kind: String) {
        registry.makeCounter(descriptor: Self.ruleErrors, labels: [("agency", agency), ("kind", kind)]).increment()
    }

    /// Alert deliveries by channel and outcome.
    public func alertDelivery(channel: String, outcome: String) {
        registry.makeCounter(descriptor: Self.deliveries, labels: [("channel", channel), ("outcome", outcome)]).increment()
    }

    /// TCP frames refused before parsing (oversized, timed out mid-line).
    public func frameRefused(_ reason: String) {
        registry.makeCounter(descriptor: Self.refusedFrames, labels: [("reason", reason)]).increment()
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }
}
