/// The ledger's tables in an agency file (schema step 2).
///
/// - `events`: one row per accepted event: the id claim (`UNIQUE (source, event_id)`), the
///   event as received, and the charge as first booked (client, tokens, cost, versions).
///   Never updated: corrections are `adjustments`.
/// - `adjustments`: append-only corrections (a price arriving for an unpriced event, a
///   re-attribution), each with the deltas it applies.
/// - `rollups`: per UTC hour and dimension combination, the sums of events and adjustments,
///   updated in the same transaction; spend queries read these, not the events.
///
/// Money is an integer of pico-USD (1e-12 USD). A rollup row holds at most one hour of one
/// combination, far below the 64-bit limit (9.2 million USD); sums across rows are Int128.
enum LedgerSchema {
    static let dimensions = ["client", "provider", "model", "workflow", "instance", "api_key", "status", "source"]
    static let tokenColumns = [
        "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
        "output_tokens", "reasoning_tokens", "requests", "web_search_calls",
    ]

    static let migration = """
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            event_id TEXT NOT NULL,
            ts_us INTEGER NOT NULL,
            received_us INTEGER NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            resolved_model TEXT,
            client TEXT,
            attribution_reason TEXT,
            rule_version TEXT,
            attribution_error TEXT,
            workflow TEXT NOT NULL DEFAULT '',
            workflow_name TEXT,
            instance TEXT NOT NULL DEFAULT '',
            execution_id TEXT,
            api_key TEXT NOT NULL DEFAULT '',
            api_key_fingerprinted INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            service_tier TEXT NOT NULL,
            input_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            web_search_calls INTEGER NOT NULL,
            cost_pico INTEGER,
            computed_cost_pico INTEGER,
            reported_cost_pico INTEGER,
            cost_basis TEXT NOT NULL CHECK (cost_basis IN ('catalog', 'reported', 'unpriced')),
            price_version TEXT,
            pricing_note TEXT,
            raw TEXT NOT NULL,
            UNIQUE (source, event_id)
        );
        CREATE INDEX events_by_time ON events (ts_us);
        CREATE INDEX events_unpriced ON events (provider, model) WHERE cost_basis = 'unpriced';

        CREATE TABLE adjustments (
            seq INTEGER PRIMARY KEY,
            event_seq INTEGER NOT NULL REFERENCES events (seq),
            kind TEXT NOT NULL CHECK (kind IN ('reprice', 'reattribute')),
            created_us INTEGER NOT NULL,
            ts_us INTEGER NOT NULL,
            client TEXT,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            workflow TEXT NOT NULL,
            instance TEXT NOT NULL,
            api_key TEXT NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            event_delta INTEGER NOT NULL,
            unpriced_delta INTEGER NOT NULL,
            cost_delta_pico INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            web_search_calls INTEGER NOT NULL,
            price_version TEXT,
            rule_version TEXT,
            note TEXT
        );
        CREATE INDEX adjustments_by_event ON adjustments (event_seq);
        CREATE INDEX adjustments_by_time ON adjustments (ts_us);

        CREATE TABLE rollups (
            client TEXT NOT NULL,
            hour_us INTEGER NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            workflow TEXT NOT NULL,
            instance TEXT NOT NULL,
            api_key TEXT NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            events INTEGER NOT NULL,
            errors INTEGER NOT NULL,
            unpriced INTEGER NOT NULL,
            cost_pico INTEGER NOT NULL,
            input_tokens INTEGER NOT NULL,
            cache_read_tokens INTEGER NOT NULL,
            cache_write_5m_tokens INTEGER NOT NULL,
            cache_write_1h_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            web_search_calls INTEGER NOT NULL,
            PRIMARY KEY (client, hour_us, provider, model, workflow, instance, api_key, status, source)
        ) WITHOUT ROWID;
        CREATE INDEX rollups_by_hour ON rollups (hour_us);

        CREATE TABLE workflow_names (
            workflow TEXT PRIMARY KEY,
            name TEXT NOT NULL
        );

        CREATE TABLE price_overrides (
            seq INTEGER PRIMARY KEY,
            created_us INTEGER NOT NULL,
            entry TEXT NOT NULL
        );
        """
}
