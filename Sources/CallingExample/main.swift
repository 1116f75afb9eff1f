import Foundation
import TallyClient
import TallyJSON

let env = ProcessInfo.processInfo.environment
let client = try await TallyClient.connect(
    host: env["TALLY_HOST"] ?? "127.0.0.1", port: Int(env["TALLY_PORT"] ?? "") ?? 7411, token: env["TALLY_TOKEN"])
let workflow: JSONValue = ["id": "wf-1", "name": "Docs - Summarizer"]
let answer = try await client.ingestEvents(events: [
    ["id": "doc-call-1", "ts": "2026-11-03T14:05:00Z", "provider": "openai", "model": "gpt-4o-mini",
     "usage": ["input_tokens": 1200, "output_tokens": 300], "client": "docs-demo", "workflow": workflow],
    ["id": "doc-call-2", "ts": "2026-11-03T14:06:00Z", "provider": "openai", "model": "gpt-4o-mini",
     "usage": ["input_tokens": 800, "output_tokens": 200], "client": "docs-demo", "workflow": workflow],
])
for result in answer["results"]?.arrayValue ?? [] {
    print(result["id"]?.stringValue ?? "", result["status"]?.stringValue ?? "", result["cost"]?.stringValue ?? "-")
}
let spend = try await client.spendQuery(
    from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", groupBy: ["client"], filter: ["client": "docs-demo"])
print("docs-demo:", spend["total"]?["events"]?.int64Value ?? 0, "events,", spend["total"]?["cost"]?.stringValue ?? "?", "USD")
await client.close()
