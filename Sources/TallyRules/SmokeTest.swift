import TallyJSON

/// The synthetic inputs a rule set must handle before it is put into service.
///
/// One full event reaches every default rule down to the API-key map (no `client`, no
/// `metadata.client_id`, a workflow name without the separator); one minimal event checks that
/// the rules cope with absent fields instead of indexing nil. Rules must return nil, not raise,
/// for an event they do not recognise.
enum SmokeTest {
    static let fullEvent: JSONValue = [
        "id": "tally-smoke-full",
        "source": "tally",
        "ts": "2025-01-01T00:00:00Z",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "usage": [
            "input_tokens": 1, "cache_read_tokens": 0, "cache_write_5m_tokens": 0, "cache_write_1h_tokens": 0,
            "output_tokens": 1, "reasoning_tokens": 0, "requests": 1,
        ],
        "instance": "tally-smoke-instance",
        "workflow": ["id": "tally-smoke-workflow", "name": "tally smoke test"],
        "execution_id": "tally-smoke-execution",
        "api_key": "tally-smoke-key",
        "metadata": ["tally_smoke_test": true],
        "status": "ok",
        "outcomes": [],
    ]

    static let minimalEvent: JSONValue = [
        "id": "tally-smoke-minimal",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "usage": ["input_tokens": 1, "output_tokens": 1],
    ]

    static let events = [fullEvent, minimalEvent]

    /// A full budget status in the shape the server sends (docs/rules.md, "Alerts"), and an
    /// almost empty one: alert rules must check fields before indexing them.
    static let statuses: [JSONValue] = [
        [
            "agency": "tally-smoke-agency", "client": "tally-smoke-client",
            "budget": [
                "id": "tally-smoke-budget", "amount": "100", "amount_usd": 100.0, "period": "month", "anchor": 1,
                "timezone": "UTC", "policy": "alert",
                "thresholds": [["ratio": 0.5, "label": "50%"], ["amount": "90", "amount_usd": 90.0, "label": "$90"]],
                "scope": [:],
            ],
            "period": ["key": "2025-01-01", "start": "2025-01-01T00:00:00Z", "end": "2025-02-01T00:00:00Z"],
            "spent": "85.50", "spent_usd": 85.5, "ratio": 0.855,
            "forecast": "120.00", "forecast_usd": 120.0, "forecast_ratio": 1.2,
            "remaining": "14.50",
            "fired": ["threshold:50%": true],
            "thresholds_crossed": [["ratio": 0.5, "label": "50%"]],
            "hourly": [
                ["hour": "2025-01-20T09:00:00Z", "spent": "0.50", "spent_usd": 0.5, "calls": 10, "errors": 0],
                ["hour": "2025-01-20T10:00:00Z", "spent": "3.00", "spent_usd": 3.0, "calls": 40, "errors": 12],
            ],
            "unpriced_events": 1, "unpriced_models": ["tally-smoke-model"],
            "workflows": [["id": "tally-smoke-workflow", "name": "tally smoke test", "calls": 40, "errors": 12]],
            "unattributed": ["spent": "12.00", "spent_usd": 12.0, "events": 40],
            "rule_errors": [["file": "attribution.lua", "message": "attribution.lua:1: tally smoke test"]],
            "now": "2025-01-20T10:15:00Z",
        ],
        ["client": "tally-smoke-client", "thresholds_crossed": []],
    ]
}
