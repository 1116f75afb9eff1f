import Foundation
import TallyCore
import TallyJSON
import TallyRPC
import TallyStore

/// Reading the params that spend and event queries share: time ranges, filters, timezones.
extension Params {
    /// An RFC 3339 time param.
    func optionalTimestamp(_ name: String) throws(RPCError) -> Timestamp? {
        guard let text = try optionalString(name) else { return nil }
        do {
            return try Timestamp(rfc3339: text)
        } catch {
            throw RPCError.invalidParam(name, "\(error)")
        }
    }

    /// `from` and `to`, half-open; `to` defaults to now and `from` to 30 days before `to`.
    func timeRange() throws(RPCError) -> (from: Timestamp, to: Timestamp) {
        let to = try optionalTimestamp("to") ?? .now
        let from = try optionalTimestamp("from") ?? to.advanced(byMicroseconds: -30 * Timestamp.microsecondsPerDay)
        guard from < to else { throw RPCError.invalidParam("from", "must be before 'to'") }
        return (from, to)
    }

    /// `filter`: an object of dimension to a value or a list of values.
    func filters() throws(RPCError) -> [SpendQuery.Dimension: [String]] {
        guard let members = try optionalObject("filter") else { return [:] }
        var filters: [SpendQuery.Dimension: [String]] = [:]
        for (key, value) in members {
            guard let dimension = SpendQuery.Dimension(rawValue: key) else {
                throw RPCError.invalidParam("filter.\(key)", "unknown dimension; use one of \(SpendQuery.Dimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            switch value {
            case .string(let text): filters[dimension] = [text]
            case .array(let elements):
                let texts = elements.compactMap(\.stringValue)
                guard texts.count == elements.count, !texts.isEmpty else {
                    throw RPCError.invalidParam("filter.\(key)", "expected a string or a non-empty array of strings")
                }
                filters[dimension] = texts
            default:
                throw RPCError.invalidParam("filter.\(key)", "expected a string or an array of strings, got \(value.typeName)")
            }
        }
        return filters
    }

    /// `timezone`: an IANA name, default UTC.
    func timeZone() throws(RPCError) -> TimeZone {
        guard let name = try optionalString("timezone") else { return TimeZone(identifier: "UTC")! }
        guard let zone = TimeZone(identifier: name) else {
            throw RPCError.invalidParam("timezone", "unknown IANA timezone '\(name)' (e.g. 'Europe/Berlin', 'America/New_York')")
        }
        return zone
    }
}

extension SpendSums {
    var jsonMembers: [String: JSONValue] {
        [
            "cost": cost.jsonValue, "events": .integer(events), "errors": .integer(errors), "unpriced": .integer(unpriced),
            "tokens": .object(tokens.mapValues(JSONValue.integer)),
        ]
    }
}
