import ArgumentParser
import TallyCore

/// `tally`: the Tally server and its command-line client.
@main
struct Tally: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Tally: a per-client LLM spend ledger.",
        version: TallyVersion.current,
        subcommands: [
            Serve.self, TokenCommand.self, Call.self, Query.self, IngestCommand.self, BudgetsCommand.self, AlertsCommand.self,
            ReportCommand.self, ReconcileCommand.self, RulesCommand.self,
        ]
    )
}
