import Foundation
import TallyCore
import TallyJSON

/// The POST bodies, built once at enqueue so that every retry sends (and signs) the same bytes.
enum WebhookPayload {
    static let alertEvent = "alert.fired"
    static let testEvent = "webhook.test"

    /// The body for an alert in the endpoint's format.
    static func alert(_ alert: JSONValue, alertID: String, level: AlertLevel, deliveryID: String, format: WebhookFormat, at time: Timestamp) -> String {
        switch format {
        case .json:
            return JSONValue.object([
                "id": .string(deliveryID), "type": .string(alertEvent), "created_at": .string(time.rfc3339),
                "alert_id": .string(alertID), "level": .string(level.rawValue), "alert": alert,
            ]).jsonText
        case .slack:
            let icon = switch level {
            case .info: ":information_source:"
            case .warning: ":warning:"
            case .critical: ":rotating_light:"
            }
            return JSONValue.object(["text": .string("\(icon) Tally \(level.rawValue): \(slackEscape(summary(of: alert))) (alert \(slackEscape(alertID)))")]).jsonText
        }
    }

    /// The body of a `webhook.test` event.
    static func test(endpointID: String, deliveryID: String, format: WebhookFormat, at time: Timestamp) -> String {
        switch format {
        case .json:
            return JSONValue.object([
                "id": .string(deliveryID), "type": .string(testEvent), "created_at": .string(time.rfc3339),
                "endpoint_id": .string(endpointID),
            ]).jsonText
        case .slack:
            return JSONValue.object(["text": .string("Tally webhook test for endpoint \(slackEscape(endpointID)): this endpoint receives Tally alerts.")]).jsonText
        }
    }

    /// A one-line human summary: the alert's own message when it has one, else its JSON.
    static func summary(of alert: JSONValue) -> String {
        for key in ["message", "title", "summary", "text", "description"] {
            if let text = alert[key]?.stringValue, !text.isEmpty { return text }
        }
        let text = alert.jsonText
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }

    /// Slack reads `&`, `<` and `>` as markup; these three are the escapes it asks for.
    static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
