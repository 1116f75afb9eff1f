import Testing
import TallyClient
import TallyJSON

/// `spend.query` buckets: timezones with DST, month ends, half-open ranges, partial hours.
@Suite struct SpendQueryTests {
    func seeded(_ server: TestServer, _ times: [String]) async throws -> TallyClient {
        let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
        let events: [JSONValue] = times.enumerated().map { IngestTests.event("t\($0.offset)", ts: $0.element) }
        let answer = try await client.call("ingest.events", ["events": .array(events)])
        #expect(answer["accepted"] == .integer(Int64(times.count)))
        return client
    }

    func buckets(_ answer: JSONValue) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for row in answer["rows"]?.arrayValue ?? [] {
            result[row["bucket"]?.stringValue ?? "?"] = row["events"]?.int64Value
        }
        return result
    }

    @Test func daysFollowTheTimezoneAcrossTheEndOfDaylightSavingTime() async throws {
        try await withServer { server in
            // New York leaves DST on 2026-11-01 at 06:00 UTC (02:00 EDT becomes 01:00 EST).
            let client = try await seeded(server, [
                "2026-11-01T03:30:00Z",  // Oct 31, 23:30 EDT
                "2026-11-01T04:30:00Z",  // Nov 1, 00:30 EDT
                "2026-11-02T04:30:00Z",  // Nov 1, 23:30 EST (the day has 25 hours)
                "2026-11-02T05:30:00Z",  // Nov 2, 00:30 EST
            ])
            let answer = try await client.call("spend.query", [
                "from": "2026-10-25T00:00:00Z", "to": "2026-11-10T00:00:00Z", "group_by": ["day"], "timezone": "America/New_York",
            ])
            #expect(buckets(answer) == ["2026-10-31": 1, "2026-11-01": 2, "2026-11-02": 1])
            let starts = (answer["rows"]?.arrayValue ?? []).map { $0["bucket_start"]?.stringValue ?? "" }
            #expect(starts == ["2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z"])
            await client.close()
        }
    }

    @Test func monthEndsAndHalfOpenRanges() async throws {
        try await withServer { server in
            let client = try await seeded(server, [
                "2026-10-31T23:59:59Z", "2026-11-01T00:00:00Z", "2026-11-30T23:30:00Z", "2026-12-01T00:00:00Z",
            ])
            let utc = try await client.call("spend.query", ["from": "2026-10-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "group_by": ["month"]])
            #expect(buckets(utc) == ["2026-10": 1, "2026-11": 2, "2026-12": 1])
            let berlin = try await client.call("spend.query", [
                "from": "2026-10-01T00:00:00Z", "to": "2027-01-01T00:00:00Z", "group_by": ["month"], "timezone": "Europe/Berlin",
            ])
            // 23:59:59 UTC on Oct 31 is already Nov 1 in Berlin; 23:30 UTC on Nov 30 is Dec 1.
            #expect(buckets(berlin) == ["2026-11": 2, "2026-12": 2])
            // [from, to): the event at exactly `from` counts, the one at exactly `to` does not.
            let november = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"])
            #expect(november["total"]?["events"] == 2)
            await client.close()
        }
    }

    @Test func partialHoursAtTheEdgesAreExact() async throws {
        try await withServer { server in
            let client = try await seeded(server, ["2026-11-03T14:05:00Z", "2026-11-03T14:45:00Z", "2026-11-03T16:10:00Z", "2026-11-03T16:50:00Z"])
            let answer = try await client.call("spend.query", ["from": "2026-11-03T14:30:00Z", "to": "2026-11-03T16:30:00Z"])
            #expect(answer["total"]?["events"] == 2)
            await client.close()
        }
    }

    @Test func halfHourTimezonesBucketFromTheEvents() async throws {
        try await withServer { server in
            // India is UTC+05:30: 18:45 UTC is 00:15 the next day.
            let client = try await seeded(server, ["2026-11-03T18:15:00Z", "2026-11-03T18:45:00Z"])
            let answer = try await client.call("spend.query", [
                "from": "2026-11-01T00:00:00Z", "to": "2026-11-10T00:00:00Z", "group_by": ["day"], "timezone": "Asia/Kolkata",
            ])
            #expect(buckets(answer) == ["2026-11-03": 1, "2026-11-04": 1])
            await client.close()
        }
    }

    @Test func groupsAndFilters() async throws {
        try await withServer { server in
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            _ = try await client.call("ingest.events", ["events": [
                IngestTests.event("a", client: "acme"), IngestTests.event("b", client: "acme"),
                IngestTests.event("c", client: "globex"), IngestTests.event("d", client: nil),
            ]])
            let grouped = try await client.call("spend.query", ["from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "group_by": ["client", "model"]])
            let rows = grouped["rows"]?.arrayValue ?? []
            #expect(rows.count == 3)
            #expect(rows.first?["client"] == "acme")
            #expect(rows.first?["cost"] == "0.0009")
            #expect(rows.contains { $0["client"] == .null })
            let unattributed = try await client.call("spend.query", [
                "from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z", "filter": ["client": "unattributed"],
            ])
            #expect(unattributed["total"]?["events"] == 1)
            await #expect(throws: TallyClientError.self) { _ = try await client.call("spend.query", ["group_by": ["colour"]]) }
            await #expect(throws: TallyClientError.self) { _ = try await client.call("spend.query", ["timezone": "Mars/Olympus"]) }
            await #expect(throws: TallyClientError.self) { _ = try await client.call("spend.query", ["from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"]) }
            await client.close()
        }
    }
}
