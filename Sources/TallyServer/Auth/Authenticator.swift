import Foundation
import Logging
import TallyRPC
import TallyStore

/// Turns a bearer token into an ``Authentication``.
public struct Authenticator: Sendable {
    let control: ControlStore
    let logger: Logger

    public func authenticate(token: String) async -> Authentication {
        do {
            switch try await control.authenticate(token: token) {
            case .valid(let principal): return .authenticated(principal)
            case .revoked(let tokenID): return .rejected("token \(tokenID) was revoked; ask an admin for a new one")
            case .unknown: return .rejected("unknown token; tokens start with '\(TokenSecret.prefix)' and are printed once by 'tally token create'")
            }
        } catch {
            // Never echo the token: logs and errors name the failure only.
            logger.error("token lookup failed", metadata: ["error": "\(error)"])
            return .rejected("the token store is unavailable; retry shortly")
        }
    }

    /// Reads `Authorization: Bearer <token>`.
    public func authenticate(authorizationHeader: String?) async -> Authentication {
        guard let header = authorizationHeader else { return .anonymous }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .rejected("the Authorization header must be 'Bearer <token>'")
        }
        return await authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }
}
