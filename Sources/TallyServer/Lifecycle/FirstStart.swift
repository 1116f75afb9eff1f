import TallyCore
import TallyStore

/// What a first start with an empty data folder sets up, so a new user can make calls at once.
public enum FirstStart {
    /// The agency a first start creates.
    public static let demoAgency = AgencyID("demo")!

    /// On an empty data folder: creates agency `demo` and issues one admin token for it, returned
    /// so that the caller prints it once. Returns `nil` when the folder holds data already.
    public static func prepare(dataDirectory: String) throws -> IssuedToken? {
        let directory = DataDirectory(dataDirectory)
        guard directory.isEmpty else { return nil }
        let control = try ControlDatabase(directory: directory)
        return try control.issueToken(agency: demoAgency, role: .admin, label: "created on first start")
    }
}
