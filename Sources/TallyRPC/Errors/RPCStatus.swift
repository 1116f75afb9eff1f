/// A gRPC-style status name carried in `error.data.status` of every error response.
///
/// Clients branch on the status (and `error.data.retryable`) rather than on numeric codes.
/// See <https://grpc.github.io/grpc/core/md_doc_statuscodes.html>.
public enum RPCStatus: String, Sendable, Hashable, CaseIterable {
    case invalidArgument = "INVALID_ARGUMENT"
    case notFound = "NOT_FOUND"
    case alreadyExists = "ALREADY_EXISTS"
    case unauthenticated = "UNAUTHENTICATED"
    case permissionDenied = "PERMISSION_DENIED"
    case failedPrecondition = "FAILED_PRECONDITION"
    case resourceExhausted = "RESOURCE_EXHAUSTED"
    case unavailable = "UNAVAILABLE"
    case deadlineExceeded = "DEADLINE_EXCEEDED"
    case unimplemented = "UNIMPLEMENTED"
    case `internal` = "INTERNAL"
}
