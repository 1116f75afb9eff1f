/// Why one usage event (or execution, client profile, billing plan) was rejected: the field at
/// fault and what is wrong with it.
public struct EventValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field, as a path inside the event (`usage.output_tokens`, `workflow.id`).
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
