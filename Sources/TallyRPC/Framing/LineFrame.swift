import NIOCore

/// One unit read from a newline-delimited JSON stream.
public enum LineFrame: Sendable, Equatable {
    /// One line's bytes, without the newline (and without a trailing `\r`).
    case message(ByteBuffer)
    /// A line longer than the limit; its bytes were dropped up to the next newline.
    case oversized(limit: Int)
    /// The peer stopped mid-line for longer than the read timeout; the partial line was dropped.
    case incompleteTimedOut(bufferedBytes: Int)
}
