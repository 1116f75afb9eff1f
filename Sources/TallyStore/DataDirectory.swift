import Foundation
import TallyCore

/// Where Tally keeps its files: `tally.sqlite` (agencies and tokens) and one SQLite file per
/// agency under `agencies/`.
public struct DataDirectory: Sendable, Hashable {
    public let root: String

    public init(_ root: String) {
        self.root = root
    }

    public var controlDatabasePath: String { root + "/tally.sqlite" }
    public var agenciesPath: String { root + "/agencies" }

    public func agencyDatabasePath(_ agency: AgencyID) -> String { agenciesPath + "/\(agency.rawValue).sqlite" }
    /// The agency's folder of side files (its webhook outbox, `webhooks.sqlite`), created on use.
    public func agencyFolder(_ agency: AgencyID) -> String { agenciesPath + "/\(agency.rawValue)" }

    /// Whether the folder holds no Tally data yet (first start).
    public var isEmpty: Bool { !FileManager.default.fileExists(atPath: controlDatabasePath) }

    /// Creates the folders if missing.
    public func create() throws {
        try FileManager.default.createDirectory(atPath: agenciesPath, withIntermediateDirectories: true)
    }
}
