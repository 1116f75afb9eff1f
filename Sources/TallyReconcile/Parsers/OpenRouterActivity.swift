import TallyCore
import TallyJSON

/// OpenRouter's `GET /api/v1/activity`: the last 30 completed UTC days, one item per day and
/// model, `usage` in credits (≈ USD, a floating-point number at the source, so read rounding to
/// the pico-dollar). No API key is given per item.
enum OpenRouterActivity {
    static func parse(_ page: JSONValue) throws(ReconcileError) -> ProviderData {
        var data = ProviderData()
        for (i, item) in try Fields.array(page, "data", at: "").enumerated() {
            let at = "data[\(i)]"
            guard let date = item["date"]?.stringValue else { throw .malformed(location: at + ".date", reason: "expected a date string") }
            let amount: Money
            switch item["usage"] {
            case .number(let real)?:
                guard real.isFinite else { throw .malformed(location: at + ".usage", reason: "not a finite number") }
                do { amount = try Money.parseRoundingToPico(real.description) } catch { throw .malformed(location: at + ".usage", reason: "\(error)") }
            case let value?:
                amount = try Fields.money(value, at: at + ".usage")
            case nil:
                throw .malformed(location: at + ".usage", reason: "is missing")
            }
            data.costs.append(ProviderCostRow(
                day: try Fields.day(text: date, at: at + ".date"), provider: ProviderName.openRouter,
                lineItem: try Fields.optionalString(item, "model", at: at), amount: amount))
        }
        return data
    }
}
