import Testing
import TallyCore
import TallyJSON
import TallyReconcile

/// The provider pages and the CSV: documented shapes, null keys, credits, and errors that name
/// where the input is wrong.
@Suite struct ParserTests {
    static func usd(_ text: String) -> Money { try! Money.parse(text) }

    static let openAICosts = """
        {"object":"page","data":[
          {"object":"bucket","start_time":1790812800,"end_time":1790899200,"results":[
            {"object":"organization.costs.result","amount":{"value":0.06,"currency":"usd"},"line_item":"gpt-4o-mini, input","project_id":"proj_1","api_key_id":"key_a"},
            {"object":"organization.costs.result","amount":{"value":-5,"currency":"usd"},"line_item":"Credit","project_id":null,"api_key_id":null}]},
          {"object":"bucket","start_time":1790899200,"end_time":1790985600,"results":[]}],
         "has_more":true,"next_page":"page_2"}
        """

    @Test func openAICostPagesGiveExactRowsCreditsAndTheCursor() throws {
        let data = try ProviderFormat.openAICosts.parse(Self.openAICosts)
        #expect(data.nextPage == "page_2")
        #expect(data.costs.count == 2)
        #expect(data.costs[0].day.description == "2026-10-01")
        #expect(data.costs[0].amount == Self.usd("0.06"))
        #expect(data.costs[0].apiKey == "key_a")
        #expect(data.costs[0].project == "proj_1")
        #expect(data.costs[1].isCredit)
        #expect(data.costs[1].apiKey == nil)
        #expect(try ProviderFormat.detect(Self.openAICosts) == .openAICosts)
    }

    @Test func anthropicAmountsAreCentsStringsAndNullWorkspacesAreKept() throws {
        let page = """
            {"data":[{"starting_at":"2026-10-01T00:00:00Z","ending_at":"2026-10-02T00:00:00Z","results":[
              {"currency":"USD","amount":"123.45","workspace_id":null,"description":"Claude Sonnet Usage - Input Tokens","cost_type":"tokens"},
              {"currency":"USD","amount":"0.000000000001","workspace_id":"wrkspc_1","description":"x"}]}],
             "has_more":false,"next_page":null}
            """
        let data = try ProviderFormat.anthropicCosts.parse(page)
        #expect(data.costs[0].amount == Self.usd("1.2345"))
        #expect(data.costs[0].project == nil)
        #expect(data.costs[1].amount == .zero)  // 1e-14 USD rounds half-even to zero pico-dollars
        #expect(data.nextPage == nil)
        #expect(try ProviderFormat.detect(page) == .anthropicCosts)
    }

    @Test func usagePagesGiveKeySightingsAndSkipNullKeys() throws {
        let anthropic = """
            {"data":[{"starting_at":"2026-10-02T00:00:00Z","ending_at":"2026-10-03T00:00:00Z","results":[
              {"uncached_input_tokens":1500,"output_tokens":5,"api_key_id":"apikey_1","workspace_id":null},
              {"uncached_input_tokens":10,"output_tokens":5,"api_key_id":null,"workspace_id":null}]}],"has_more":false,"next_page":null}
            """
        let data = try ProviderFormat.detect(anthropic).parse(anthropic)
        #expect(data.sightings.map(\.apiKey) == ["apikey_1"])
        let openAI = """
            {"object":"page","data":[{"object":"bucket","start_time":1790812800,"end_time":1790899200,"results":[
              {"object":"organization.usage.completions.result","input_tokens":5,"output_tokens":2,"num_model_requests":3,"project_id":"proj_1","api_key_id":"key_z"}]}],
             "has_more":false,"next_page":null}
            """
        #expect(try ProviderFormat.detect(openAI) == .openAIUsage)
        #expect(try ProviderFormat.openAIUsage.parse(openAI).sightings.first?.requests == 3)
    }

    @Test func openRouterActivityIsPerDayAndModel() throws {
        let page = """
            {"data":[{"date":"2026-10-01","model":"openai/gpt-4o","usage":0.1234,"requests":3},
                     {"date":"2026-10-02 00:00:00","model":"anthropic/claude","usage":2,"requests":1}]}
            """
        let data = try ProviderFormat.detect(page).parse(page)
        #expect(data.costs.map(\.amount) == [Self.usd("0.1234"), Self.usd("2")])
        #expect(data.costs.map(\.day.description) == ["2026-10-01", "2026-10-02"])
        #expect(data.costs.allSatisfy { $0.provider == "openrouter" && $0.apiKey == nil })
    }

    @Test func theCSVReadsQuotedFieldsAndCredits() throws {
        let csv = "date,provider,project,api_key,amount\r\n2026-10-01,openai,\"proj, one\",key_a,12.5\n2026-10-02,OpenAI,,,-3\n\n"
        let data = try ProviderFormat.detect(csv).parse(csv)
        #expect(data.costs.count == 2)
        #expect(data.costs[0].project == "proj, one")
        #expect(data.costs[1].apiKey == nil)
        #expect(data.costs[1].amount == Self.usd("-3"))
        #expect(data.costs[1].provider == "openai")
    }

    @Test func errorsNameTheLineAndColumnOrTheJSONPath() {
        let badAmount = "date,provider,project,api_key,amount\n" + String(repeating: "2026-10-01,openai,p,k,1\n", count: 5) + "2026-10-07,openai,p,k,12,5\n2026-10-08,openai,p,k,abc\n"
        #expect(throws: ReconcileError.malformed(location: "line 7", reason: "expected 5 columns, found 6")) { try ProviderFormat.csv.parse(badAmount) }
        let notMoney = "date,provider,project,api_key,amount\n2026-10-01,openai,p,k,1\n2026-10-02,openai,p,k,1.5 USD\n"
        #expect {
            try ProviderFormat.csv.parse(notMoney)
        } throws: { error in
            guard case ReconcileError.malformed(let location, _) = error else { return false }
            return location == "line 3, column amount"
        }
        let badDate = "date,provider,amount\n10/01/2026,openai,1\n"
        #expect {
            try ProviderFormat.csv.parse(badDate)
        } throws: { error in
            guard case ReconcileError.malformed(let location, _) = error else { return false }
            return location == "line 2, column date"
        }
        #expect(throws: ReconcileError.malformed(location: "line 1, column cost", reason: "unknown column; use amount, api_key, date, line_item, project, provider")) {
            try ProviderFormat.csv.parse("date,provider,cost\n")
        }
        #expect {
            try ProviderFormat.csv.parse("date,provider,api_key,amount\n2026-10-01,openai,sk-proj-abcdefghijklmnopqrstuvwxyz,1\n")
        } throws: { error in
            guard case ReconcileError.malformed(let location, _) = error else { return false }
            return location == "line 2, column api_key"
        }
        let badPage = #"{"object":"page","data":[{"start_time":1790812800,"results":[{"amount":{"value":"ten"}}]}]}"#
        #expect {
            try ProviderFormat.openAICosts.parse(badPage)
        } throws: { error in
            guard case ReconcileError.malformed(let location, _) = error else { return false }
            return location == "data[0].results[0].amount.value"
        }
        #expect {
            try ProviderFormat.detect("{\"object\":\"list\"}")
        } throws: { error in
            guard case ReconcileError.malformed(let location, _) = error else { return false }
            return location == "data"
        }
        #expect(throws: ReconcileError.self) { try ProviderFormat.anthropicCosts.parse("{not json") }
    }

    @Test func adminKeysComeFromTheNamedVariableOrFileAndAreNeverGuessed() throws {
        let settings = ConnectorSettings(provider: "openai", baseURL: "http://127.0.0.1:1", adminKeyEnvironment: "TALLY_TEST_OPENAI_ADMIN", adminKeyFile: nil)
        #expect(throws: ReconcileError.missingEnvironmentVariable("TALLY_TEST_OPENAI_ADMIN")) { try settings.adminKey(environment: { _ in nil }) }
        #expect(ReconcileError.missingEnvironmentVariable("TALLY_TEST_OPENAI_ADMIN").description.contains("TALLY_TEST_OPENAI_ADMIN"))
        #expect(try settings.adminKey(environment: { $0 == "TALLY_TEST_OPENAI_ADMIN" ? " sk-admin-x\n" : nil }) == "sk-admin-x")
        let file = ConnectorSettings(provider: "openai", baseURL: "http://127.0.0.1:1", adminKeyEnvironment: nil, adminKeyFile: "/nonexistent/tally/key")
        #expect {
            try file.adminKey(environment: { _ in nil })
        } throws: { error in
            guard case ReconcileError.unreadableKeyFile(let path, _) = error else { return false }
            return path == "/nonexistent/tally/key"
        }
        var bad = settings
        bad.adminKeyEnvironment = "sk-admin-0123456789abcdefghijklmnop"
        #expect(throws: ReconcileError.self) { try bad.validate() }
        bad = settings
        bad.provider = "mystery"
        #expect(throws: ReconcileError.unknownProvider("mystery")) { try bad.validate() }
        bad = settings
        bad.intervalSeconds = 5
        #expect(throws: ReconcileError.self) { try bad.validate() }
        try settings.validate()
    }
}
