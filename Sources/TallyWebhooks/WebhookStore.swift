import Foundation
import NIOCore
import TallyCore
import TallyJSON
import TallyStore

/// The webhook outbox of one agency: `webhooks.sqlite` in the agency's folder, holding the
/// endpoints (with their secrets, since every POST is signed) and one row per delivery.
///
/// Deliveries are written before any network attempt, so a crash between an alert and its POST
/// loses nothing: the next ``WebhookDeliverer`` on the same file sends what is still pending.
/// Like the other stores, the actor runs on a store thread (SQLite blocks; see
/// ``TallyStore/StoreExecutor``).
public actor WebhookStore {
    /// The file name inside the agency's folder.
    public static let fileName = "webhooks.sqlite"

    public nonisolated let path: String
    private let loop: any EventLoop
    private let connection: SQLiteConnection

    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    /// Opens (creating if needed) `<directory>/webhooks.sqlite` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - directory: the agency's folder; created if missing.
    ///   - loop: a store thread, from `StoreExecutor.nextLoop()`.
    public init(directory: String, loop: any EventLoop) throws {
        let (path, connection) = try Self.migrator.open(directory: directory, fileName: Self.fileName)
        self.path = path
        self.loop = loop
        self.connection = connection
    }

    /// Times are integer microseconds since 1970 UTC (as in the ledger); `next_attempt_at` is
    /// NULL once a delivery is delivered or dead. UNIQUE(endpoint_id, alert_id) makes enqueueing
    /// the same alert twice (a retry after a crash) a no-op instead of a second POST.
    static let migrator = SchemaMigrator([
        .init(version: 1, sql: """
            CREATE TABLE endpoints (
                id TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                format TEXT NOT NULL CHECK (format IN ('json', 'slack')),
                secret TEXT NOT NULL,
                enabled INTEGER NOT NULL DEFAULT 1,
                min_level TEXT CHECK (min_level IN ('info', 'warning', 'critical')),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE deliveries (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                endpoint_id TEXT NOT NULL,
                alert_id TEXT NOT NULL,
                level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
                body TEXT NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER,
                last_error TEXT,
                last_status INTEGER,
                created_at INTEGER NOT NULL,
                delivered_at INTEGER,
                UNIQUE (endpoint_id, alert_id)
            );
            CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
            """),
    ])

    // MARK: Endpoints

    /// Creates or updates the endpoint with `endpoint.id`. A new endpoint without a secret gets a
    /// generated one; an update without a secret keeps the current one.
    public func setEndpoint(_ endpoint: WebhookEndpoint) throws -> WebhookSetResult {
        let now = Timestamp.now.microsecondsSinceEpoch
        return try connection.transaction {
            let existing = try connection.statement("SELECT secret, created_at FROM endpoints WHERE id = ?")
                .firstRow([endpoint.id]) { ($0.string(0), $0.int64(1)) }
            let secret = endpoint.secret ?? existing?.0 ?? WebhookRandom.secret()
            try connection.statement("""
                INSERT INTO endpoints (id, url, format, secret, enabled, min_level, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET url = excluded.url, format = excluded.format, secret = excluded.secret,
                    enabled = excluded.enabled, min_level = excluded.min_level, updated_at = excluded.updated_at
                """).execute([
                    endpoint.id, endpoint.url, endpoint.format.rawValue, secret, endpoint.enabled,
                    endpoint.minimumLevel?.rawValue, existing?.1 ?? now, now,
                ])
            let summary = WebhookEndpointSummary(
                id: endpoint.id, url: endpoint.url, format: endpoint.format, enabled: endpoint.enabled,
                minimumLevel: endpoint.minimumLevel, secretHint: Self.hint(secret),
                createdAt: Timestamp(microsecondsSinceEpoch: existing?.1 ?? now), updatedAt: Timestamp(microsecondsSinceEpoch: now))
            return WebhookSetResult(endpoint: summary, created: existing == nil, secret: secret == existing?.0 ? nil : secret)
        }
    }

    /// Deletes an endpoint. Its pending deliveries become `dead` with the error "endpoint deleted"
    /// (kept and listed, not dropped); returns how many.
    @discardableResult
    public func deleteEndpoint(id: String) throws -> Int {
        try connection.transaction {
            try connection.statement("DELETE FROM endpoints WHERE id = ?").execute([id])
            guard connection.changes > 0 else { throw WebhookError.unknownEndpoint(id) }
            try connection.statement("""
                UPDATE deliveries SET state = 'dead', next_attempt_at = NULL,
                    last_error = 'endpoint ' || endpoint_id || ' was deleted before delivery', delivered_at = NULL
                WHERE endpoint_id = ? AND state = 'pending'
                """).execute([id])
            return connection.changes
        }
    }

    /// Every endpoint, by id; secrets appear only as hints.
    public func endpoints() throws -> [WebhookEndpointSummary] {
        try connection.statement("SELECT id, url, format, secret, enabled, min_level, created_at, updated_at FROM endpoints ORDER BY id")
            .rows { row in
                WebhookEndpointSummary(
                    id: row.string(0), url: row.string(1), format: WebhookFormat(rawValue: row.string(2)) ?? .json,
                    enabled: row.int64(4) != 0, minimumLevel: row.optionalString(5).flatMap(AlertLevel.init(rawValue:)),
                    secretHint: Self.hint(row.string(3)),
                    createdAt: Timestamp(microsecondsSinceEpoch: row.int64(6)), updatedAt: Timestamp(microsecondsSinceEpoch: row.int64(7)))
            }
    }

    /// An endpoint with its secret, for signing (`test`); never for listings.
    func storedEndpoint(id: String) throws -> StoredEndpoint? {
        try connection.statement("SELECT id, url, format, secret, enabled FROM endpoints WHERE id = ?").firstRow([id]) { row in
            StoredEndpoint(id: row.string(0), url: row.string(1), format: WebhookFormat(rawValue: row.string(2)) ?? .json,
                           secret: row.string(3), enabled: row.int64(4) != 0)
        }
    }

    static func hint(_ secret: String) -> String { String(secret.prefix(4)) + "…" }

    // MARK: Enqueue

    /// Writes one pending delivery per enabled endpoint whose minimum level the alert reaches, in
    /// one transaction, before any POST; returns the new delivery ids. Enqueueing an alert id
    /// again adds nothing for endpoints that already have it.
    ///
    /// - Parameters:
    ///   - alert: the alert document, sent as `alert` in the `json` format.
    ///   - alertID: the alert's stable key (deduplication and listings).
    ///   - level: `info`, `warning` or `critical`.
    @discardableResult
    public func enqueue(alert: JSONValue, alertID: String, level: String) throws -> [String] {
        guard let alertLevel = AlertLevel(rawValue: level) else {
            throw WebhookError.invalidField(field: "level", reason: "use info, warning or critical (got \"\(level.prefix(40))\")")
        }
        guard !alertID.isEmpty, alertID.utf8.count <= 256 else {
            throw WebhookError.invalidField(field: "alert_id", reason: "give a non-empty key of at most 256 bytes")
        }
        let now = Timestamp.now
        return try connection.transaction {
            let targets = try connection.statement("SELECT id, format, min_level FROM endpoints WHERE enabled = 1 ORDER BY id").rows { row in
                (row.string(0), WebhookFormat(rawValue: row.string(1)) ?? .json, row.optionalString(2).flatMap(AlertLevel.init(rawValue:)))
            }
            var created: [String] = []
            for (endpointID, format, minimum) in targets where alertLevel >= (minimum ?? .info) {
                let deliveryID = WebhookRandom.deliveryID()
                let body = WebhookPayload.alert(alert, alertID: alertID, level: alertLevel, deliveryID: deliveryID, format: format, at: now)
                try connection.statement("""
                    INSERT INTO deliveries (id, endpoint_id, alert_id, level, body, state, attempts, next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                    ON CONFLICT (endpoint_id, alert_id) DO NOTHING
                    """).execute([deliveryID, endpointID, alertID, alertLevel.rawValue, body, now.microsecondsSinceEpoch, now.microsecondsSinceEpoch])
                if connection.changes > 0 { created.append(deliveryID) }
            }
            return created
        }
    }

    // MARK: Listings

    /// Deliveries, newest first, optionally of one state only.
    public func deliveries(state: WebhookDeliveryState? = nil, limit: Int = 100) throws -> [WebhookDelivery] {
        let columns = "id, endpoint_id, alert_id, level, body, state, attempts, next_attempt_at, last_error, last_status, created_at, delivered_at"
        let limit = max(0, min(limit, 10_000))
        let rows: [WebhookDelivery]
        if let state {
            rows = try connection.statement("SELECT \(columns) FROM deliveries WHERE state = ? ORDER BY seq DESC LIMIT ?")
                .rows([state.rawValue, limit], Self.delivery)
        } else {
            rows = try connection.statement("SELECT \(columns) FROM deliveries ORDER BY seq DESC LIMIT ?").rows([limit], Self.delivery)
        }
        return rows
    }

    /// One delivery by id.
    public func delivery(id: String) throws -> WebhookDelivery? {
        try connection.statement("""
            SELECT id, endpoint_id, alert_id, level, body, state, attempts, next_attempt_at, last_error, last_status, created_at, delivered_at
            FROM deliveries WHERE id = ?
            """).firstRow([id], Self.delivery)
    }

    /// How many deliveries are in each state.
    public func deliveryCounts() throws -> WebhookDeliveryCounts {
        var counts = WebhookDeliveryCounts()
        try connection.statement("SELECT state, COUNT(*) FROM deliveries GROUP BY state").forEachRow { row in
            switch WebhookDeliveryState(rawValue: row.string(0)) {
            case .pending: counts.pending = Int(row.int64(1))
            case .delivered: counts.delivered = Int(row.int64(1))
            case .dead: counts.dead = Int(row.int64(1))
            case nil: break
            }
        }
        return counts
    }

    private static func delivery(_ row: SQLiteRow) -> WebhookDelivery {
        WebhookDelivery(
            id: row.string(0), endpointID: row.string(1), alertID: row.string(2), level: AlertLevel(rawValue: row.string(3)) ?? .info,
            body: row.string(4), state: WebhookDeliveryState(rawValue: row.string(5)) ?? .pending, attempts: Int(row.int64(6)),
            nextAttemptAt: row.optionalInt64(7).map(Timestamp.init(microsecondsSinceEpoch:)), lastError: row.optionalString(8),
            lastStatus: row.optionalInt64(9).map { Int($0) }, createdAt: Timestamp(microsecondsSinceEpoch: row.int64(10)),
            deliveredAt: row.optionalInt64(11).map(Timestamp.init(microsecondsSinceEpoch:)))
    }

    // MARK: For the deliverer

    /// Pending deliveries due by `now` whose endpoint is enabled, oldest due first. Deliveries of
    /// a disabled endpoint wait (they are sent if it is enabled again).
    func dueDeliveries(now: Timestamp, limit: Int) throws -> [DueDelivery] {
        try connection.statement("""
            SELECT d.id, d.endpoint_id, e.url, e.secret, d.body, d.attempts
            FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
            WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND e.enabled = 1
            ORDER BY d.next_attempt_at, d.seq LIMIT ?
            """).rows([now.microsecondsSinceEpoch, limit]) { row in
                DueDelivery(id: row.string(0), endpointID: row.string(1), url: row.string(2), secret: row.string(3),
                            body: Array(row.string(4).utf8), attempts: Int(row.int64(5)))
            }
    }

    /// When the earliest pending delivery of an enabled endpoint is due, leaving out those in
    /// flight (still pending until their outcome is written); `nil` when none is.
    func nextDueAt(excluding inFlight: Set<String>) throws -> Timestamp? {
        try connection.statement("""
            SELECT d.id, d.next_attempt_at FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id
            WHERE d.state = 'pending' AND e.enabled = 1
            ORDER BY d.next_attempt_at LIMIT ?
            """).rows([inFlight.count + 1]) { ($0.string(0), $0.int64(1)) }
            .first { !inFlight.contains($0.0) }
            .map { Timestamp(microsecondsSinceEpoch: $0.1) }
    }

    /// Marks a delivery delivered (the endpoint answered 2xx).
    func recordDelivered(id: String, status: Int, at time: Timestamp) throws {
        try connection.statement("""
            UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, last_status = ?, last_error = NULL,
                next_attempt_at = NULL, delivered_at = ?
            WHERE id = ? AND state = 'pending'
            """).execute([status, time.microsecondsSinceEpoch, id])
    }

    /// Records a failed attempt: retried at `retryAt`, or `dead` when `retryAt` is `nil`.
    func recordFailure(id: String, status: Int?, error: String, retryAt: Timestamp?) throws {
        try connection.statement("""
            UPDATE deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?,
                state = CASE WHEN ? IS NULL THEN 'dead' ELSE 'pending' END, next_attempt_at = ?
            WHERE id = ? AND state = 'pending'
            """).execute([status, String(error.prefix(1000)), retryAt?.microsecondsSinceEpoch, retryAt?.microsecondsSinceEpoch, id])
    }
}

/// An endpoint with its secret (internal: secrets leave the store only to sign).
struct StoredEndpoint: Sendable {
    let id: String
    let url: String
    let format: WebhookFormat
    let secret: String
    let enabled: Bool
}

/// A delivery to attempt now, with what signing and sending need.
struct DueDelivery: Sendable {
    let id: String
    let endpointID: String
    let url: String
    let secret: String
    let body: [UInt8]
    /// Attempts before this one.
    let attempts: Int
}
