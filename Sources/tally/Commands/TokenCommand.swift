import ArgumentParser
import TallyCore
import TallyStore

/// `tally token create|list|revoke`: manage bearer tokens in a data folder.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token (and the agency, if new); prints it once.")
        @Option(help: "Folder of the SQLite files.") var data = "./data"
        @Option(help: "Agency id (\(AgencyID.rule)).") var agency: String
        @Option(help: "ingest, read or admin.") var role: String
        @Option(help: "A note on what the token is for.") var label: String?

        func run() throws {
            guard let agencyID = AgencyID(agency) else { throw ValidationError("--agency: \(AgencyID.rule), got '\(agency)'") }
            guard let roleValue = Role(rawValue: role) else { throw ValidationError("--role must be ingest, read or admin, got '\(role)'") }
            let issued = try ControlDatabase(directory: DataDirectory(data)).issueToken(agency: agencyID, role: roleValue, label: label)
            print(issued.secret)
            printError("token \(issued.record.id) for agency '\(agencyID)' with role \(roleValue); it is shown only now")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @Option(help: "Folder of the SQLite files.") var data = "./data"
        @Option(help: "Only this agency's tokens.") var agency: String?

        func run() throws {
            let agencyID: AgencyID?
            if let agency {
                guard let parsed = AgencyID(agency) else { throw ValidationError("--agency: \(AgencyID.rule)") }
                agencyID = parsed
            } else {
                agencyID = nil
            }
            let tokens = try ControlDatabase(directory: DataDirectory(data)).tokens(agency: agencyID)
            let rows = tokens.map { [$0.id, $0.agency.rawValue, $0.role.rawValue, $0.hint + "…", $0.createdAt, $0.revokedAt ?? "active", $0.label ?? ""] }
            print(TextTable.render(header: ["ID", "AGENCY", "ROLE", "TOKEN", "CREATED", "REVOKED", "LABEL"], rows: rows))
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id; it stops working at once.")
        @Option(help: "Folder of the SQLite files.") var data = "./data"
        @Option(help: "The token id shown by 'tally token list' (tok_...).") var id: String

        func run() throws {
            guard try ControlDatabase(directory: DataDirectory(data)).revokeToken(id: id) else {
                throw ValidationError("no active token with id '\(id)'")
            }
            print("revoked \(id)")
        }
    }
}
