// swift-tools-version:6.1
import PackageDescription

// Tally: a per-client LLM spend ledger. One module per job; see docs/ARCHITECTURE.md.

let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")
let nioPosix: Target.Dependency = .product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1: Target.Dependency = .product(name: "NIOHTTP1", package: "swift-nio")
let nioConcurrency: Target.Dependency = .product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let asyncHTTPClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")

let package = Package(
    name: "tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyClient", targets: ["TallyClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Outgoing HTTP: webhook POSTs (TallyWebhooks) and n8n polling (TallyN8n).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "CJansson", pkgConfig: "jansson", providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // C helpers Lua needs: macros as functions, the allocator, hooks; Lua errors are raised only here.
        .target(name: "CTallyLua", dependencies: ["CLua", "CJansson"]),

        .target(name: "TallyJSON", dependencies: ["CJansson"]),
        .target(name: "TallyCore", dependencies: ["TallyJSON"]),
        .target(name: "TallyRules", dependencies: ["TallyCore", "TallyJSON", "CTallyLua", "CLua", crypto, logging]),
        .target(name: "TallyStore", dependencies: ["TallyCore", "TallyJSON", "CSQLite", nioCore, nioPosix, crypto, logging]),
        .target(name: "TallyRPC", dependencies: ["TallyCore", "TallyJSON", nioCore, nioConcurrency, logging]),
        .target(
            name: "TallyServer",
            dependencies: [
                "TallyCore", "TallyJSON", "TallyRPC", "TallyStore", "TallyRules", "TallyWebhooks", "TallyN8n", "TallyReports",
                "TallyReconcile", asyncHTTPClient, nioCore, nioPosix, nioHTTP1, nioConcurrency, logging, lifecycle, prometheus, crypto,
            ],
            resources: [.copy("Resources")]
        ),
        .target(name: "TallyClient", dependencies: ["TallyJSON", "TallyRPC", nioCore, nioPosix]),
        // Alerts delivered to per-agency webhooks through a persisted outbox (at least once).
        // Test helpers shared by test targets (a webhook receiver on loopback); not a product.
        .target(name: "TallyTestSupport", dependencies: [nioCore, nioPosix, nioHTTP1]),
        // Client and agency reports: their figures and the JSON, CSV, Markdown and HTML renderings.
        .target(name: "TallyReports", dependencies: ["TallyCore", "TallyJSON"]),
        // Executions polled from n8n's public REST API.
        .target(name: "TallyN8n", dependencies: ["TallyCore", "TallyJSON", asyncHTTPClient, nioCore, nioHTTP1]),
        .target(name: "TallyWebhooks", dependencies: ["TallyCore", "TallyJSON", "TallyStore", asyncHTTPClient, nioCore, nioPosix, nioHTTP1, crypto, logging]),
        // Provider usage and cost (admin APIs, files) kept apart from the ledger; reconciliation and key audit.
        .target(name: "TallyReconcile", dependencies: ["TallyCore", "TallyJSON", "TallyStore", "TallyReports", asyncHTTPClient, nioCore, nioHTTP1, logging]),
        // Child processes without Foundation's Process (tests and benchmarks run `tally serve`).
        .target(name: "TallyProcess"),
        .executableTarget(
            name: "tally",
            dependencies: ["TallyServer", "TallyClient", "TallyStore", "TallyCore", "TallyJSON", "TallyRules", argumentParser, logging, lifecycle]
        ),
        // The Swift program docs/calling.md shows; clients/run-tests runs it against a server.
        .executableTarget(name: "calling-example", dependencies: ["TallyClient", "TallyJSON"], path: "Sources/CallingExample"),
        .executableTarget(
            name: "tally-bench",
            dependencies: ["TallyServer", "TallyClient", "TallyStore", "TallyCore", "TallyJSON", "TallyRules", "TallyProcess", argumentParser, logging],
            path: "Sources/TallyBench"
        ),

        .testTarget(name: "TallyJSONTests", dependencies: ["TallyJSON"]),
        .testTarget(name: "TallyCoreTests", dependencies: ["TallyCore", "TallyJSON"]),
        .testTarget(name: "TallyRulesTests", dependencies: ["TallyRules", "TallyCore", "TallyJSON"]),
        .testTarget(name: "TallyStoreTests", dependencies: ["TallyStore", "TallyCore", "TallyJSON"]),
        .testTarget(name: "TallyWebhooksTests", dependencies: ["TallyWebhooks", "TallyTestSupport", "TallyCore", "TallyJSON", "TallyStore", nioCore, nioPosix, nioHTTP1, crypto]),
        .testTarget(name: "TallyReportsTests", dependencies: ["TallyReports", "TallyCore", "TallyJSON"]),
        .testTarget(name: "TallyN8nTests", dependencies: ["TallyN8n", "TallyCore", "TallyJSON"]),
        .testTarget(name: "TallyRPCTests", dependencies: ["TallyRPC", "TallyJSON", "TallyCore"]),
        .testTarget(
            name: "TallyServerTests",
            dependencies: [
                "TallyServer", "TallyClient", "TallyStore", "TallyRPC", "TallyJSON", "TallyCore", "TallyProcess", "TallyTestSupport",
                "TallyWebhooks", "TallyReports", "TallyReconcile", nioCore, nioPosix, crypto,
            ]
        ),
        .testTarget(name: "TallyReconcileTests", dependencies: ["TallyReconcile", "TallyReports", "TallyTestSupport", "TallyCore", "TallyJSON", "TallyStore"]),
    ],
    swiftLanguageModes: [.v6]
)
