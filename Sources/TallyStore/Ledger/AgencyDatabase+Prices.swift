import TallyJSON

extension AgencyDatabase {
    /// Stores agency price overrides (entries in the catalog format), oldest first.
    public func addPriceOverrides(_ entries: [JSONValue]) throws {
        try transaction {
            for entry in entries {
                try connection.statement("INSERT INTO price_overrides (created_us, entry) VALUES (?, ?)")
                    .execute([Timestamp.now.microsecondsSinceEpoch, entry.jsonText])
            }
        }
    }

    /// The agency's price overrides, in the catalog format, in the order they were set.
    public func priceOverrides() throws -> [JSONValue] {
        try connection.statement("SELECT entry FROM price_overrides ORDER BY seq").rows { row in
            (try? JSONCodec.parse(row.string(0))) ?? .null
        }
    }
}

import TallyCore
