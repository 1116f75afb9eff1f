import Testing
import TallyClient
import TallyJSON
import TallyRPC
import TallyTestSupport
@testable import TallyServer
#if canImport(Glibc)
import Glibc
#endif

/// `proto/openrpc.json` and the server agree: the same methods, roles, params and errors, and
/// every example in the document replays against the real server (in document order; an
/// example with `x-error` expects that error, one with `x-replay: false` needs a system the test
/// does not have, such as a live n8n).
@Suite struct ContractTests {
    let document = OpenRPCDocument.value
    var documentMethods: [JSONValue] { document["methods"]?.arrayValue ?? [] }

    @Test func servedMethodsAndDocumentedMethodsAreTheSame() async throws {
        try await withServer { server in
            let served = Set(server.server.methodTable.map(\.name))
            let documented = Set(documentMethods.compactMap { $0["name"]?.stringValue })
            #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
            #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
        }
    }

    @Test func rolesAndParamsMatch() async throws {
        try await withServer { server in
            for method in server.server.methodTable {
                guard let entry = documentMethods.first(where: { $0["name"]?.stringValue == method.name }) else { continue }
                #expect(entry["x-role"]?.stringValue == method.access, "\(method.name): x-role")
                #expect(entry["paramStructure"] == "by-name", "\(method.name)")
                let params = entry["params"]?.arrayValue ?? []
                #expect(Set(params.compactMap { $0["name"]?.stringValue }) == Set(method.params), "\(method.name): params")
                let required = params.filter { $0["required"] == true }.compactMap { $0["name"]?.stringValue }
                #expect(Set(required) == Set(method.required), "\(method.name): required params")
                #expect((entry["examples"]?.arrayValue ?? []).isEmpty == false, "\(method.name) has no example")
                #expect(entry["result"]?["schema"] != nil, "\(method.name) has no result schema")
            }
        }
    }

    @Test func errorTableMatchesTheCodes() {
        let errors = document["components"]?["errors"]?.objectValue ?? [:]
        let documented = Dictionary(uniqueKeysWithValues: errors.values.compactMap { error -> (Int, JSONValue)? in
            guard let code = error["code"]?.int64Value else { return nil }
            return (Int(code), error)
        })
        #expect(Set(documented.keys) == Set(RPCErrorCode.allCodes.map(\.rawValue)))
        for code in RPCErrorCode.allCodes {
            #expect(documented[code.rawValue]?["data"]?["status"]?.stringValue == code.status.rawValue, "\(code)")
            #expect(documented[code.rawValue]?["data"]?["retryable"]?.boolValue == code.isRetryable, "\(code)")
        }
    }

    @Test func everyExampleReplaysAgainstTheServer() async throws {
        // The reconcile.* examples pull from a fake provider (an empty OpenRouter activity page)
        // with the admin key in the environment variable they name.
        let provider = try await TestReceiver.start(route: { _, _ in .json(#"{"data":[]}"#) })
        setenv("TALLY_EXAMPLE_OPENROUTER_KEY", "sk-or-example-management-key", 1)
        try await withServer { server in
            let fakeProviderURL = provider.baseURL
            let client = try await TallyClient.connect(host: "127.0.0.1", port: server.addresses.rpc.port, token: server.adminToken)
            var createdTokenID = ""
            for method in documentMethods {
                let name = method["name"]?.stringValue ?? ""
                for example in method["examples"]?.arrayValue ?? [] where example["x-replay"] != false {
                    var params: [String: JSONValue] = [:]
                    for param in example["params"]?.arrayValue ?? [] {
                        params[param["name"]?.stringValue ?? ""] = substitute(param["value"] ?? .null, server: server, createdTokenID: createdTokenID,
                                                                              fakeProviderURL: fakeProviderURL)
                    }
                    let expected = example["result"]?["value"] ?? .null
                    let label = "\(name): \(example["name"]?.stringValue ?? "")"
                    if let status = example["x-error"]?["status"]?.stringValue {
                        do {
                            let answer = try await client.call(name, params)
                            Issue.record("\(label): expected \(status), got \(answer.jsonText)")
                        } catch TallyClientError.rpc(let code, let message, let actualStatus, _, _) {
                            #expect(actualStatus == status, "\(label): got \(code) \(message)")
                            #expect(.string(message) == expected["message"], "\(label): message")
                        }
                        continue
                    }
                    let actual: JSONValue
                    do {
                        actual = try await client.call(name, params)
                    } catch {
                        Issue.record("\(label) failed: \(error)")
                        continue
                    }
                    if name == "tokens.create", let id = actual["id"]?.stringValue { createdTokenID = id }
                    let volatile = Set((example["x-volatile"]?.arrayValue ?? []).compactMap(\.stringValue))
                    if example["x-partial"] == true {
                        #expect(isSubset(expected, of: actual), "\(label): \(actual.jsonText)")
                    } else {
                        #expect(strip(expected, volatile) == strip(actual, volatile), "\(label): got \(actual.jsonText)")
                    }
                }
            }
            await client.close()
        }
        try await provider.stop()
    }

    /// `$ADMIN_TOKEN` in an example stands for a real admin token of agency `demo`;
    /// `$CREATED_TOKEN_ID` for the id the `tokens.create` example returned; `$FAKE_PROVIDER_URL`
    /// for the base URL of a fake provider admin API on loopback.
    func substitute(_ value: JSONValue, server: TestServer, createdTokenID: String, fakeProviderURL: String = "") -> JSONValue {
        switch value {
        case .string("$ADMIN_TOKEN"): .string(server.adminToken)
        case .string("$CREATED_TOKEN_ID"): .string(createdTokenID)
        case .string("$FAKE_PROVIDER_URL"): .string(fakeProviderURL)
        case .array(let elements): .array(elements.map { substitute($0, server: server, createdTokenID: createdTokenID, fakeProviderURL: fakeProviderURL) })
        case .object(let members): .object(members.mapValues { substitute($0, server: server, createdTokenID: createdTokenID, fakeProviderURL: fakeProviderURL) })
        default: value
        }
    }

    /// Removes members whose values change from run to run (ids, times), at any depth.
    func strip(_ value: JSONValue, _ keys: Set<String>) -> JSONValue {
        switch value {
        case .object(let members): .object(members.filter { !keys.contains($0.key) }.mapValues { strip($0, keys) })
        case .array(let elements): .array(elements.map { strip($0, keys) })
        default: value
        }
    }
}
