import TallyCore
import TallyJSON

/// OpenAI's organization Costs and Usage pages (`object: "page"`, daily buckets, `has_more` and
/// `next_page` cursors). Fields are null unless grouped on; `api_key_id` is absent in older
/// versions of the API and tolerated.
enum OpenAIPages {
    static func costs(_ page: JSONValue) throws(ReconcileError) -> ProviderData {
        var data = ProviderData(nextPage: nextPage(page))
        try Fields.forEachResult(in: page, day: bucketDay) {
            (day, result, at) throws(ReconcileError) in
            guard let amount = result["amount"] else { throw .malformed(location: at + ".amount", reason: "is missing") }
            if let currency = amount["currency"]?.stringValue, currency.lowercased() != "usd" {
                throw .malformed(location: at + ".amount.currency", reason: "only usd is supported, got \(currency)")
            }
            let value = try Fields.money(amount["value"], at: at + ".amount.value")
            data.costs.append(ProviderCostRow(
                day: day, provider: ProviderName.openAI, project: try Fields.optionalString(result, "project_id", at: at),
                apiKey: try Fields.optionalString(result, "api_key_id", at: at),
                lineItem: try Fields.optionalString(result, "line_item", at: at), amount: value))
        }
        return data
    }

    static func usage(_ page: JSONValue) throws(ReconcileError) -> ProviderData {
        var data = ProviderData(nextPage: nextPage(page))
        try Fields.forEachResult(in: page, day: bucketDay) {
            (day, result, at) throws(ReconcileError) in
            guard let key = try Fields.optionalString(result, "api_key_id", at: at) else { return }
            data.sightings.append(ProviderKeySighting(
                day: day, provider: ProviderName.openAI, apiKey: key, project: try Fields.optionalString(result, "project_id", at: at),
                requests: result["num_model_requests"]?.int64Value ?? 0))
        }
        return data
    }

    /// A bucket's day, from its `start_time`.
    static func bucketDay(_ bucket: JSONValue, at path: String) throws(ReconcileError) -> UTCDate {
        try Fields.day(seconds: bucket, "start_time", at: path)
    }

    static func nextPage(_ page: JSONValue) -> String? {
        guard page["has_more"]?.boolValue == true else { return nil }
        return page["next_page"]?.stringValue
    }
}
