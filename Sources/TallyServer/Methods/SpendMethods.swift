import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// `spend.query` (totals from rollups) and `events.list` (raw events, paged).
enum SpendMethods {
    static func methods(_ server: ServerContext) -> [RPCMethod] {
        [
            RPCMethod("spend.query", access: .role(.read), params: ["from", "to", "group_by", "filter", "timezone", "limit"]) { params, context in
                let principal = try context.requirePrincipal()
                let (from, to) = try params.timeRange()
                var groupBy: [SpendQuery.Dimension] = []
                var bucket: SpendQuery.Bucket? = nil
                for (index, element) in (params.has("group_by") ? try params.array("group_by") : []).enumerated() {
                    guard let name = element.stringValue else { throw RPCError.invalidParam("group_by[\(index)]", "expected a string") }
                    if let dimension = SpendQuery.Dimension(rawValue: name) {
                        guard !groupBy.contains(dimension) else { throw RPCError.invalidParam("group_by[\(index)]", "'\(name)' is listed twice") }
                        groupBy.append(dimension)
                    } else if let timeBucket = SpendQuery.Bucket(rawValue: name) {
                        guard bucket == nil else { throw RPCError.invalidParam("group_by[\(index)]", "only one time bucket (hour, day, week or month)") }
                        bucket = timeBucket
                    } else {
                        let allowed = (SpendQuery.Dimension.allCases.map(\.rawValue) + SpendQuery.Bucket.allCases.map(\.rawValue)).joined(separator: ", ")
                        throw RPCError.invalidParam("group_by[\(index)]", "unknown grouping '\(name)'; use \(allowed)")
                    }
                }
                let query = SpendQuery(
                    from: from, to: to, groupBy: groupBy, bucket: bucket, filters: try params.filters(),
                    timeZone: try params.timeZone(), limit: Int(try params.optionalInt("limit", in: 1...100_000) ?? 1_000))
                let result = try await server.agencies.pipeline(for: principal.agency).spend(query)
                let rows: [JSONValue] = result.rows.map { row in
                    var members = row.sums.jsonMembers
                    for (dimension, value) in row.keys { members[dimension.rawValue] = value.map(JSONValue.string) ?? .null }
                    if let start = row.bucketStart {
                        members["bucket"] = row.bucketLabel.map(JSONValue.string) ?? .null
                        members["bucket_start"] = .string(start.rfc3339)
                    }
                    return .object(members)
                }
                return [
                    "from": .string(from.rfc3339), "to": .string(to.rfc3339), "timezone": .string(try params.optionalString("timezone") ?? "UTC"),
                    "rows": .array(rows), "total": .object(result.total.jsonMembers), "truncated": .bool(result.truncated),
                ]
            },
            RPCMethod("events.list", access: .role(.read), params: ["from", "to", "filter", "unpriced_only", "cursor", "limit", "include_raw"]) { params, context in
                let principal = try context.requirePrincipal()
                let (from, to) = try params.timeRange()
                var cursor: Int64? = nil
                if let text = try params.optionalString("cursor") {
                    guard let value = Int64(text), value >= 0 else { throw RPCError.invalidParam("cursor", "not a cursor from an earlier page") }
                    cursor = value
                }
                let page = try await server.agencies.pipeline(for: principal.agency).events(
                    from: from, to: to, filters: try params.filters(), unpricedOnly: try params.optionalBool("unpriced_only") ?? false,
                    cursor: cursor, limit: Int(try params.optionalInt("limit", in: 1...1_000) ?? 100),
                    includeRaw: try params.optionalBool("include_raw") ?? false)
                return ["events": .array(page.events), "next_cursor": page.nextCursor.map(JSONValue.string) ?? .null]
            },
        ]
    }
}
