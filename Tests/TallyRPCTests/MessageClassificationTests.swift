import Testing
import TallyJSON
@testable import TallyRPC

@Suite struct MessageClassificationTests {
    func classify(_ text: String) throws -> IncomingMessage {
        IncomingMessage.classify(try JSONCodec.parse(text), maximumBatchSize: 3)
    }

    @Test func notificationHasNoID() throws {
        guard case .single(.request(let request)) = try classify(#"{"jsonrpc":"2.0","method":"a.b"}"#) else {
            Issue.record("not a request"); return
        }
        #expect(request.isNotification)
        guard case .single(.request(let withNull)) = try classify(#"{"jsonrpc":"2.0","method":"a.b","id":null}"#) else {
            Issue.record("not a request"); return
        }
        #expect(withNull.id == .null)
        #expect(!withNull.isNotification)
    }

    @Test func invalidRequestWithoutIDIsAnsweredWithNullID() throws {
        guard case .single(.invalid(let error, let id)) = try classify(#"{"jsonrpc":"2.0","method":"a","params":5}"#) else {
            Issue.record("expected invalid"); return
        }
        #expect(error.code == .invalidRequest)
        #expect(id == .null)
    }

    @Test func batchLimits() throws {
        guard case .rejectedBatch(let empty) = try classify("[]") else { Issue.record("empty batch accepted"); return }
        #expect(empty.code == .invalidRequest)
        guard case .rejectedBatch(let large) = try classify("[1,2,3,4]") else { Issue.record("large batch accepted"); return }
        #expect(large.message.contains("limit of 3"))
        guard case .batch(let calls) = try classify("[1,2,3]") else { Issue.record("batch refused"); return }
        #expect(calls.count == 3)
    }

    @Test func positionalParamsAreAValidRequestShape() throws {
        // Refused later with -32602, so that a positional notification stays unanswered.
        guard case .single(.request(let request)) = try classify(#"{"jsonrpc":"2.0","method":"a","params":[1],"id":9}"#) else {
            Issue.record("expected a request"); return
        }
        #expect(request.hasPositionalParams)
        #expect(request.id == .integer(9))
    }

    @Test func errorCodesMatchTheirRanges() {
        #expect(RPCErrorCode.serverErrorRange ~= .unauthenticated)
        #expect(!(RPCErrorCode.serverErrorRange ~= .parseError))
        for code in RPCErrorCode.allCodes {
            let data = RPCError(code, "x").jsonValue["data"]
            #expect(data?["status"]?.stringValue == code.status.rawValue)
            #expect(data?["retryable"]?.boolValue == code.isRetryable)
        }
    }
}
