import TallyCore
import TallyJSON
import TallyStore

/// One event's answer in `ingest.events`.
public enum IngestResult: Sendable {
    case accepted(StoredEventSummary, flags: [String])
    case duplicate(StoredEventSummary, flags: [String])
    case rejected(field: String, reason: String)

    static func flags(of summary: StoredEventSummary, extra: [String] = []) -> [String] {
        var flags = extra
        if summary.cost == nil { flags.append("unpriced") }
        if summary.client == nil { flags.append("unattributed") }
        if summary.apiKeyWasFingerprinted { flags.append("api_key_fingerprinted") }
        return flags
    }

    func json(index: Int, id: JSONValue) -> JSONValue {
        switch self {
        case .accepted(let summary, let flags): Self.summaryJSON("accepted", summary, flags, index: index, id: id)
        case .duplicate(let summary, let flags): Self.summaryJSON("duplicate", summary, flags, index: index, id: id)
        case .rejected(let field, let reason):
            ["index": .integer(Int64(index)), "id": id, "status": "rejected",
             "error": ["field": .string(field), "reason": .string(reason)]]
        }
    }

    private static func summaryJSON(_ status: String, _ summary: StoredEventSummary, _ flags: [String], index: Int, id: JSONValue) -> JSONValue {
        [
            "index": .integer(Int64(index)), "id": id, "status": .string(status),
            "client": summary.client.map(JSONValue.string) ?? .null,
            "cost": summary.cost?.jsonValue ?? .null,
            "cost_basis": .string(summary.costBasis.rawValue),
            "price_version": summary.priceVersion.map(JSONValue.string) ?? .null,
            "rule_version": summary.ruleVersion.map(JSONValue.string) ?? .null,
            "flags": .array(flags.map(JSONValue.string)),
        ]
    }
}
