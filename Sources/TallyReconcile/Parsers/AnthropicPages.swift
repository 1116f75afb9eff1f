import TallyCore
import TallyJSON

/// Anthropic's Admin API reports: the cost report (`amount` is a decimal string in cents, the
/// default workspace has a null `workspace_id`) and the messages usage report (some usage has a
/// null `api_key_id`, e.g. Console traffic).
enum AnthropicPages {
    static func costs(_ page: JSONValue) throws(ReconcileError) -> ProviderData {
        var data = ProviderData(nextPage: OpenAIPages.nextPage(page))
        try Fields.forEachResult(in: page, day: bucketDay) {
            (day, result, at) throws(ReconcileError) in
            if let currency = result["currency"]?.stringValue, currency.uppercased() != "USD" {
                throw .malformed(location: at + ".currency", reason: "only USD is supported, got \(currency)")
            }
            guard let cents = result["amount"]?.stringValue else {
                throw .malformed(location: at + ".amount", reason: "expected a decimal string in cents, got \(result["amount"]?.typeName ?? "nothing")")
            }
            data.costs.append(ProviderCostRow(
                day: day, provider: ProviderName.anthropic, project: try Fields.optionalString(result, "workspace_id", at: at),
                apiKey: try Fields.optionalString(result, "api_key_id", at: at),
                lineItem: try lineItem(result, at: at), amount: try usd(cents: cents, at: at + ".amount")))
        }
        return data
    }

    static func usage(_ page: JSONValue) throws(ReconcileError) -> ProviderData {
        var data = ProviderData(nextPage: OpenAIPages.nextPage(page))
        try Fields.forEachResult(in: page, day: bucketDay) {
            (day, result, at) throws(ReconcileError) in
            guard let key = try Fields.optionalString(result, "api_key_id", at: at) else { return }
            data.sightings.append(ProviderKeySighting(
                day: day, provider: ProviderName.anthropic, apiKey: key, project: try Fields.optionalString(result, "workspace_id", at: at)))
        }
        return data
    }

    /// A bucket's day, from its `starting_at`.
    static func bucketDay(_ bucket: JSONValue, at path: String) throws(ReconcileError) -> UTCDate {
        try Fields.day(rfc3339: bucket, "starting_at", at: path)
    }

    /// `description` when grouped by it, else `model`.
    static func lineItem(_ result: JSONValue, at path: String) throws(ReconcileError) -> String? {
        if let description = try Fields.optionalString(result, "description", at: path) { return description }
        return try Fields.optionalString(result, "model", at: path)
    }

    /// Cents as a decimal string ("123.45") to exact USD; a fraction of a pico-dollar is rounded
    /// half to even (cents are read to 12 places, so only the last two digits can round).
    static func usd(cents text: String, at location: String) throws(ReconcileError) -> Money {
        let cents: Money
        do {
            cents = try Money.parseRoundingToPico(text)
        } catch {
            throw .malformed(location: location, reason: "\(error)")
        }
        let (quotient, remainder) = cents.picoUSD.quotientAndRemainder(dividingBy: 100)
        var pico = quotient
        let twice = remainder.magnitude * 2
        if twice > 100 || (twice == 100 && quotient % 2 != 0) { pico += remainder < 0 ? -1 : 1 }
        return Money(picoUSD: pico)
    }
}
