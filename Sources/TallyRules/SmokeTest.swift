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

    static let statuses: [JSONValue] = [
        [
            "client": "tally-smoke-client", "budget_id": "tally-smoke-budget", "period": "2025-01",
            "period_start": "2025-01-01T00:00:00Z", "period_end": "2025-02-01T00:00:00Z",
            "amount": "100", "spent": "85.5", "remaining": "14.5", "ratio": 0.855,
            "thresholds_crossed": [0.5, 0.8], "unpriced_events": 0,
        ],
        ["client": "tally-smoke-client", "thresholds_crossed": []],
    ]
}
