import Foundation
import TallyProcess

/// The `tally` executable this package built, next to the test bundle (`.build/debug/tally`).
enum TallyBinary {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/tally").path
    }

    /// Starts `tally serve` as a child process over `dataDirectory`.
    static func serve(dataDirectory: String) async throws -> ServeProcess {
        try await ServeProcess(binary: path, dataDirectory: dataDirectory)
    }
}
