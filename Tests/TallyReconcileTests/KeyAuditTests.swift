import Testing
import TallyCore
import TallyReconcile

/// The key audit, pure: each problem alone, and none where there is none.
@Suite struct KeyAuditTests {
    static func day(_ text: String) -> UTCDate { try! UTCDate.parse(text) }
    static let asOf = day("2026-11-01")

    static func seen(_ key: String, last: String, clients: Set<String> = ["acme"], source: String = "ledger") -> SeenKey {
        SeenKey(provider: "openai", keyID: key, firstDay: day("2026-10-01"), lastDay: day(last), clients: clients, source: source)
    }

    static func registered(_ key: String, created: String, client: String? = "acme") -> RegisteredKey {
        RegisteredKey(provider: "openai", keyID: key, client: client, purpose: "n8n", createdAt: day(created))
    }

    static func audit(_ registered: [RegisteredKey], _ seen: [SeenKey], withoutKey: Int64 = 0) -> [KeyProblem] {
        KeyAudit.audit(registered: registered, seen: seen, eventsWithoutKey: withoutKey, asOf: asOf, unusedDays: 30, rotationDays: 90)
    }

    @Test func aHealthyKeyHasNoProblem() {
        #expect(Self.audit([Self.registered("key_a", created: "2026-09-01")], [Self.seen("key_a", last: "2026-10-31")]).isEmpty)
    }

    @Test func eachProblemIsFoundOnItsOwn() {
        let rogue = Self.audit([], [Self.seen("key_r", last: "2026-10-30", source: "provider")])
        #expect(rogue.map(\.kind) == [.rogueKey])
        #expect(rogue[0].keyID == "key_r")

        let unused = Self.audit([Self.registered("key_u", created: "2026-08-20")], [Self.seen("key_u", last: "2026-09-15")])
        #expect(unused.map(\.kind) == [.unusedKey])
        #expect(unused[0].count == 47)
        // Registered recently and not used yet: not unused.
        #expect(Self.audit([Self.registered("key_new", created: "2026-10-25")], []).isEmpty)
        // Never used since its creation 40 days ago: unused.
        #expect(Self.audit([Self.registered("key_idle", created: "2026-09-22")], []).map(\.kind) == [.unusedKey])

        let old = Self.audit([Self.registered("key_o", created: "2026-08-03")], [Self.seen("key_o", last: "2026-10-31")])
        #expect(old.map(\.kind) == [.rotationDue])
        #expect(old[0].count == 90)
        #expect(Self.audit([Self.registered("key_o", created: "2026-08-04")], [Self.seen("key_o", last: "2026-10-31")]).isEmpty)

        let shared = Self.audit([Self.registered("key_s", created: "2026-10-01")], [Self.seen("key_s", last: "2026-10-31", clients: ["acme", "globex"])])
        #expect(shared.map(\.kind) == [.sharedKey])
        #expect(shared[0].clients == ["acme", "globex"])

        let bare = Self.audit([], [], withoutKey: 7)
        #expect(bare.map(\.kind) == [.eventsWithoutKey])
        #expect(bare[0].count == 7)
    }

    @Test func theSameKeyInTheLedgerAndProviderDataIsOneKey() {
        let problems = Self.audit([], [Self.seen("key_r", last: "2026-10-30"), Self.seen("key_r", last: "2026-10-31", clients: [], source: "provider")])
        #expect(problems.count == 1)
        #expect(problems[0].detail.contains("ledger and provider"))
        #expect(problems[0].detail.contains("2026-10-31"))
    }

    @Test func secretsAreRefusedAsKeyIDs() {
        #expect(throws: ReconcileError.self) { try KeyAudit.validateKeyID("sk-proj-abcdefghijklmnopqrstuvwxyz012345") }
        #expect(throws: ReconcileError.self) { try KeyAudit.validateKeyID("sk-short") }
        #expect(throws: ReconcileError.self) { try KeyAudit.validateKeyID("") }
        #expect(throws: ReconcileError.self) { try KeyAudit.validateKeyID("Zx81Qw93Er72Ty61Ui50Op49As38Df27Gh16") }
        #expect(throws: Never.self) { try KeyAudit.validateKeyID("key_abc123") }
        #expect(throws: Never.self) { try KeyAudit.validateKeyID("apikey_01AbCd") }
    }
}
