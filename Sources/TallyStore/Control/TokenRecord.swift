import TallyCore

/// A token as listed: everything but the secret.
public struct TokenRecord: Sendable, Hashable {
    public let id: String
    public let agency: AgencyID
    public let role: Role
    public let label: String?
    /// The first characters of the token, to tell tokens apart without revealing them.
    public let hint: String
    public let createdAt: String
    public let revokedAt: String?
}

/// A token just created: the only time the secret exists outside the caller.
public struct IssuedToken: Sendable {
    public let record: TokenRecord
    public let secret: String
}
