import NIOCore
import NIOPosix

/// `health.check` round trips per second over one pipelined TCP connection.
enum HealthBenchmark {
    static func run(server: ServerProcess, total: Int, window: Int) async throws -> Report {
        let line = #"{"jsonrpc":"2.0","method":"health.check","id":1}"#
        // Warm up the connection path and the server's code.
        _ = try await measure(port: server.rpcPort, line: line, total: min(20_000, total), window: window)
        return try await measure(port: server.rpcPort, line: line, total: total, window: window)
    }

    static func measure(port: Int, line: String, total: Int, window: Int) async throws -> Report {
        try await measure(port: port, lines: [line], total: total, window: window).report
    }

    /// Opens a connection, sends `total` requests cycling through `lines`, and times them.
    static func measure(port: Int, lines: [String], total: Int, window: Int) async throws -> (report: Report, sample: [String]) {
        let group = MultiThreadedEventLoopGroup.singleton
        let eventLoop = group.next()
        let load = PipelinedLoad(requestLines: lines, total: total, window: window, eventLoop: eventLoop)
        let start = ContinuousClock.now
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(load) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await load.done.futureResult.get()
        let elapsed = ContinuousClock.now - start
        try await channel.close()
        return (Report(count: total, elapsed: elapsed, latenciesNanoseconds: load.latenciesNanoseconds), load.sampleAnswers)
    }
}

/// Throughput and latency percentiles of one run.
struct Report {
    let count: Int
    let elapsed: Duration
    let latenciesNanoseconds: [UInt64]

    var perSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / seconds
    }

    func percentile(_ fraction: Double) -> Double {
        let sorted = latenciesNanoseconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]) / 1_000
    }
}
