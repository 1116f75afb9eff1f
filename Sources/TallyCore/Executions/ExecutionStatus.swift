/// The state of one workflow execution, in n8n's vocabulary.
///
/// n8n reports `success`, `error`, `crashed`, `canceled`, `running`, `waiting`, `new` and
/// `unknown`; versions before 1.0 report no status, only `finished` and `stoppedAt`.
public enum ExecutionStatus: String, Sendable, Hashable, CaseIterable {
    case success, error, crashed, canceled, running, waiting, new, unknown

    /// How reports count an execution.
    public enum Outcome: String, Sendable {
        case succeeded, failed, other
    }

    public var outcome: Outcome {
        switch self {
        case .success: .succeeded
        case .error, .crashed: .failed
        case .canceled, .running, .waiting, .new, .unknown: .other
        }
    }

    /// Whether the execution may still change (polling reads it again until it settles).
    public var isSettled: Bool {
        switch self {
        case .running, .waiting, .new: false
        default: true
        }
    }

    /// The status of an n8n execution that carries no `status` (n8n before 1.0).
    public static func legacy(finished: Bool, stopped: Bool) -> ExecutionStatus {
        if finished { return .success }
        return stopped ? .error : .running
    }
}
