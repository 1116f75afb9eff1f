import TallyJSON

/// Deterministic synthetic usage events shaped like real traffic: four calls a second spread over
/// November 2026 (ten million events fill the month), each stretch of events coming from a few
/// clients' workflows, each workflow using one model.
enum SyntheticEvents {
    static let models = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "o3-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-flash", "gemini-2.5-pro"]
    static let providers = ["openai", "openai", "openai", "openai", "anthropic", "anthropic", "google", "google"]
    static let monthStart: Int64 = 1_793_491_200  // 2026-11-01T00:00:00Z

    static func event(_ number: Int, runID: String) -> JSONValue {
        let client = (number / 200) % 50
        let workflow = client * 4 + (number / 50) % 4
        let model = workflow % models.count
        let seconds = monthStart + Int64(number / 4) % (30 * 86_400)
        return [
            "id": .string("\(runID)-\(number)"),
            "ts": .string(rfc3339(seconds)),
            "provider": .string(providers[model]),
            "model": .string(models[model]),
            "usage": ["input_tokens": .integer(Int64(500 + number % 1500)), "output_tokens": .integer(Int64(100 + number % 400)),
                      "cache_read_tokens": .integer(Int64(number % 3 == 0 ? 1024 : 0))],
            "client": .string("client-\(client)"),
            "workflow": ["id": .string("wf-\(workflow)"), "name": .string("Client \(client) - Workflow \(workflow)")],
            "instance": .string("n8n-\(client % 3)"),
            "execution_id": .string("\(number / 4)"),
            "status": number % 50 == 0 ? "error" : "success",
        ]
    }

    static func rfc3339(_ seconds: Int64) -> String {
        let day = Int(seconds - monthStart) / 86_400 + 1
        let second = Int(seconds - monthStart) % 86_400
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "2026-11-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }

    /// `ingest.events` request lines of `batchSize` events each.
    static func requestLines(batches: Int, batchSize: Int, runID: String) -> [String] {
        (0..<batches).map { batch in
            let events = (0..<batchSize).map { event(batch * batchSize + $0, runID: runID) }
            let request: JSONValue = ["jsonrpc": "2.0", "id": .integer(Int64(batch)), "method": "ingest.events", "params": ["events": .array(events)]]
            return request.jsonText
        }
    }
}
