/// Who a request runs as: one agency and one role, from a bearer token.
public struct Principal: Sendable, Hashable {
    public let agency: AgencyID
    public let role: Role
    /// The id of the token that authenticated (never the token itself), for logs and audits.
    public let tokenID: String

    public init(agency: AgencyID, role: Role, tokenID: String) {
        self.agency = agency
        self.role = role
        self.tokenID = tokenID
    }
}
