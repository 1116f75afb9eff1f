/// Whether the LLM call succeeded.
public enum EventStatus: String, Sendable, Hashable, CaseIterable {
    case success
    case error
}
